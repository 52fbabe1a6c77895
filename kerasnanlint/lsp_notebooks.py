"""Notebook documents in the Language Server (LSP 3.17 notebook sync): a notebook's code cells as one program.

The editor sends the cells' texts with notebookDocument/didOpen and didChange; pygls keeps each cell as a text
document under the cell's URI and the notebook's cell list in order. Those texts are joined exactly as a
``.ipynb`` file's code cells are (kerasnanlint/notebook_lint.py: IPython lines set aside, every position moved
back into its cell) and, for a notebook that is a file, linted in its project with the editor's open buffers, so
the Language Server and the CLI report the same findings. The server (kerasnanlint/lsp.py) publishes each cell's
findings on the cell's own URI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.notebook_lint import lint_notebook
from kerasnanlint.runner import lint_in_project

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


def lint_cells(cells: NotebookCells, settings: Settings, **project: Any) -> tuple[dict[str, list[Diagnostic]], bool]:
    """Each code cell's findings (lines and columns in the cell), by cell URI (every cell has an entry), and
    whether the lint asked the project about an imported name. A notebook that is a file is linted in its project,
    as the CLI lints it (``project``: lint_in_project's keywords: open buffers, cache, a worker process); an
    untitled one alone. A finding on no cell (the notebook over the per-file limits) goes on the first cell."""
    out: dict[str, list[Diagnostic]] = {c.uri: [] for c in cells.cells}
    if not cells.cells or (cells.path and settings.is_excluded(cells.path)):  # excludes as with --force-exclude
        return out, False
    data = as_ipynb(cells)
    if cells.path is None:
        found, asks = lint_notebook(data, cells.uri, settings), False
    else:
        analysis = lint_in_project(data, cells.path, settings, summary=False, **project)  # no module imports it
        found, asks = analysis.diagnostics, bool(analysis.demands)
    for d in found:
        if d.cell is None:  # about the whole notebook (over the per-file limits): shown on its first cell
            out[cells.cells[0].uri].append(d.with_(line=1, col=1, end_line=1, end_col=1))
        elif 0 < d.cell <= len(cells.cells):
            out[cells.cells[d.cell - 1].uri].append(d)
    return out, asks
