"""Notebook documents in the Language Server (LSP 3.17 notebook sync): a notebook's code cells as one program.

The editor sends the cells' texts with notebookDocument/didOpen and didChange; pygls keeps each cell as a text
document under the cell's URI and the notebook's cell list in order. Those texts are joined exactly as a
``.ipynb`` file's code cells are (kerasnanlint/notebook_lint.py: IPython lines set aside, every position moved
back into its cell), so the Language Server and the CLI report the same findings. The server (kerasnanlint/lsp.py)
publishes each cell's findings on the cell's own URI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.notebook_lint import lint_notebook

# Jupyter notebooks' Python cells (VS Code's notebook type); other notebook kinds and cell languages are not ours.
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithNotebook(
            notebook="jupyter-notebook", cells=[types.NotebookCellLanguage(language="python")]
        )
    ],
    save=False,
)
# VS Code's cell URIs: a cell whose notebook the server does not track is not linted alone (it needs the other
# cells: the hypermodel of one cell and the tuner of the next are one program).
CELL_SCHEMES = ("vscode-notebook-cell:",)


@dataclass(frozen=True)
class Cell:
    """One Python code cell as the editor holds it."""

    uri: str
    text: str
    version: int | None


@dataclass(frozen=True)
class NotebookCells:
    """A notebook's Python code cells, in notebook order, at one moment (what a lint was computed from)."""

    uri: str
    path: str | None  # the notebook's file, for its settings; None when it is not a file (untitled)
    cells: tuple[Cell, ...]


def notebook_of(workspace: Workspace, uri: str) -> str | None:
    """The URI of the open notebook that holds the cell ``uri``; None when it is no tracked notebook's cell."""
    notebook = workspace.get_notebook_document(cell_uri=uri)
    return notebook.uri if notebook is not None else None


def is_cell(workspace: Workspace, uri: str) -> bool:
    """Is ``uri`` a notebook cell (tracked, or a cell URI of a notebook the server was not told of)?"""
    return notebook_of(workspace, uri) is not None or uri.startswith(CELL_SCHEMES)


def snapshot(workspace: Workspace, uri: str) -> NotebookCells | None:
    """The notebook's Python code cells now; None when the notebook is not open. Markdown cells and code cells
    of another language (a VS Code cell may be SQL or R) are not part of the program."""
    notebook = workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return None
    cells: list[Cell] = []
    for cell in notebook.cells:
        doc = workspace.text_documents.get(unquote(cell.document))
        if cell.kind != types.NotebookCellKind.Code or doc is None:
            continue
        if (doc.language_id or "python") != "python":
            continue
        cells.append(Cell(cell.document, doc.source, doc.version))
    path = to_fs_path(notebook.uri) if notebook.uri.startswith("file:") else None
    return NotebookCells(notebook.uri, path, tuple(cells))


def as_ipynb(cells: NotebookCells) -> bytes:
    """The cells as a minimal nbformat 4 notebook: the form notebook_lint reads."""
    entries = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": c.text} for c in cells.cells]
    return json.dumps({"cells": entries, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode("utf-8")


def lint_cells(cells: NotebookCells, settings: Settings) -> dict[str, list[Diagnostic]]:
    """Each code cell's findings (lines and columns in the cell), by cell URI; every cell has an entry."""
    out: dict[str, list[Diagnostic]] = {c.uri: [] for c in cells.cells}
    if cells.path and settings.is_excluded(cells.path):  # excludes apply as with --force-exclude
        return out
    for d in lint_notebook(as_ipynb(cells), cells.path or cells.uri, settings):
        if d.cell is not None and 0 < d.cell <= len(cells.cells):
            out[cells.cells[d.cell - 1].uri].append(d)
    return out
