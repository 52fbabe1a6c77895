"""LSP 3.17 notebook sync driven by a real LSP client (pytest-lsp) over stdio: a notebook's cells linted as one
program, findings published on each cell's URI in cell-relative positions, hover and code actions in cells."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.test_lsp import SOURCE, open_doc, published, utf16

SETUP = "%matplotlib inline\nimport keras\nimport keras_tuner as kt\nimport numpy as np"
BUILD = (
    "def build_model(hp):\n"
    "    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
    "    model.compile(optimizer='adam', loss='mse', metrics=['accuracy'])\n"
    "    return model"
)
# The objective is in the cell after the hypermodel: only the notebook as one program knows it is never logged.
TUNER = 'tuner = kt.RandomSearch(\n    build_model,\n    objective="val_acc",  # 😀\n    overwrite=True,\n)'
OBJECTIVE_LINE = 2
NAN = "y = np.zeros(3)\nbad = y[y == np.nan]"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kerasnanlint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    capabilities = types.ClientCapabilities(
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        )
    )
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri=tmp_path.as_uri())
    )
    sync = result.capabilities.notebook_document_sync
    assert isinstance(sync, types.NotebookDocumentSyncOptions)
    [selector] = sync.notebook_selector
    assert selector.notebook == "jupyter-notebook"
    assert [c.language for c in selector.cells or []] == ["python"]
    yield
    await lsp_client.shutdown_session()


def cell_uri(notebook: Path, name: str) -> str:
    """A cell URI as VS Code makes them: the notebook's path and a fragment naming the cell."""
    return f"vscode-notebook-cell:{notebook.as_posix()}#{name}"


def code_cell(uri: str) -> types.NotebookCell:
    return types.NotebookCell(kind=types.NotebookCellKind.Code, document=uri)


def cell_item(uri: str, text: str, language: str = "python") -> types.TextDocumentItem:
    return types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)


def open_notebook(client: LanguageClient, path: Path) -> tuple[str, dict[str, str]]:
    """A notebook of a markdown cell and the setup, hypermodel and tuner code cells; its URI and cell URIs."""
    uri = path.as_uri()
    cells = {name: cell_uri(path, name) for name in ("title", "setup", "build", "tuner")}
    texts = {"title": "# Tuning\n!not code", "setup": SETUP, "build": BUILD, "tuner": TUNER}
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=types.NotebookCellKind.Markup, document=cells["title"]),
                    *(code_cell(cells[name]) for name in ("setup", "build", "tuner")),
                ],
            ),
            cell_text_documents=[
                cell_item(cells[name], text, "markdown" if name == "title" else "python")
                for name, text in texts.items()
            ],
        )
    )
    return uri, cells


def edit_cell(client: LanguageClient, notebook: str, version: int, cell: str, edit: types.TextEdit) -> None:
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook, version=version),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cell, version=version),
                            changes=[types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)],
                        )
                    ]
                )
            ),
        )
    )


def objective_range() -> types.Range:
    line = TUNER.splitlines()[OBJECTIVE_LINE]
    start = line.index('"val_acc"')
    return types.Range(
        start=types.Position(line=OBJECTIVE_LINE, character=start),
        end=types.Position(line=OBJECTIVE_LINE, character=start + len('"val_acc"')),
    )


async def actions_at(client: LanguageClient, uri: str, diag: types.Diagnostic) -> list[types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    return [a for a in actions or [] if isinstance(a, types.CodeAction)]


def only_edit(action: types.CodeAction, uri: str) -> types.TextEdit:
    assert action.edit is not None and action.edit.document_changes
    [doc_edit] = action.edit.document_changes
    assert isinstance(doc_edit, types.TextDocumentEdit)
    assert doc_edit.text_document.uri == uri  # the cell's URI, not the notebook's
    [edit] = doc_edit.edits
    assert isinstance(edit, types.TextEdit)
    return edit


@pytest.mark.asyncio
async def test_notebook_findings_on_cells_hover_actions_edit_close(client: LanguageClient, tmp_path: Path):
    notebook, cells = open_notebook(client, tmp_path / "tune.ipynb")

    [diag] = await published(client, cells["tuner"], until=bool)
    assert diag.code == "KNL301"
    assert diag.range == objective_range()  # cell-relative lines, as the editor shows the cell
    for name in ("setup", "build"):  # cells without findings get an empty publish; markdown cells none
        assert await published(client, cells[name]) == []
    assert cells["title"] not in client.diagnostics

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=cells["tuner"]), position=diag.range.start)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "(KNL301)" in hover.contents.value.splitlines()[0]

    actions = await actions_at(client, cells["tuner"], diag)
    [noqa] = [a for a in actions if a.title == "Suppress KNL301 with # noqa"]
    line = TUNER.splitlines()[OBJECTIVE_LINE]
    end = types.Position(line=OBJECTIVE_LINE, character=utf16(line))  # after the emoji: 2 UTF-16 units
    assert only_edit(noqa, cells["tuner"]).range == types.Range(start=end, end=end)
    [fix] = [a for a in actions if a.title.startswith("KNL301: ")]
    fix_edit = only_edit(fix, cells["tuner"])
    assert fix_edit.range == objective_range() and "val_accuracy" in fix_edit.new_text

    # Applying the fix in the cell, as the editor sends it (notebookDocument/didChange), clears the finding.
    edit_cell(client, notebook, 2, cells["tuner"], fix_edit)
    assert await published(client, cells["tuner"], until=lambda d: not d) == []

    # Logging another metric in the hypermodel's cell brings it back on the tuner's cell (one program).
    line = BUILD.splitlines()[2]
    start, end = line.index("'accuracy'"), line.index("'accuracy'") + len("'accuracy'")
    metric = types.Range(start=types.Position(line=2, character=start), end=types.Position(line=2, character=end))
    edit_cell(client, notebook, 3, cells["build"], types.TextEdit(range=metric, new_text="'mae'"))
    await published(client, cells["tuner"], until=bool)

    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=notebook),
            cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u in cells.values()],
        )
    )
    assert await published(client, cells["tuner"], until=lambda d: not d) == []


@pytest.mark.asyncio
async def test_cells_added_and_removed(client: LanguageClient, tmp_path: Path):
    notebook, cells = open_notebook(client, tmp_path / "grow.ipynb")
    await published(client, cells["tuner"], until=bool)
    new = cell_uri(tmp_path / "grow.ipynb", "nan")

    def restructure(version: int, structure: types.NotebookDocumentCellChangeStructure) -> None:
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook, version=version),
                change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(structure=structure)),
            )
        )

    # A cell added after the tuner's (index 4: the markdown cell counts in the notebook's cell list).
    added = types.NotebookCellArrayChange(start=4, delete_count=0, cells=[code_cell(new)])
    restructure(2, types.NotebookDocumentCellChangeStructure(array=added, did_open=[cell_item(new, NAN)]))
    [diag] = await published(client, new, until=bool)
    assert diag.code == "KNL107" and diag.range.start.line == 1  # the cell's second line

    # Removing the cell clears its diagnostics.
    removed = types.NotebookCellArrayChange(start=4, delete_count=1)
    closed = [types.TextDocumentIdentifier(uri=new)]
    restructure(3, types.NotebookDocumentCellChangeStructure(array=removed, did_close=closed))
    assert await published(client, new, until=lambda d: not d) == []


@pytest.mark.asyncio
async def test_cell_text_documents_are_not_linted_alone(client: LanguageClient, tmp_path: Path):
    """A cell URI opened as a plain text document (a client without notebook sync) is not linted on its own."""
    cell = cell_uri(tmp_path / "other.ipynb", "c1")
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=cell_item(cell, SOURCE)))
    uri = open_doc(client, tmp_path / "after.py")  # linted after the cell would have been: one lint thread
    await published(client, uri, until=bool)
    assert cell not in client.diagnostics


def test_snapshot_keeps_python_code_cells_in_order(tmp_path: Path):
    """Markdown cells and code cells in another language are not part of the program; cell numbers stay in step."""
    from pygls.workspace import Workspace

    from kerasnanlint.config import Settings
    from kerasnanlint.lsp_notebooks import lint_cells, snapshot

    path = tmp_path / "mixed.ipynb"
    uris = {name: cell_uri(path, name) for name in ("md", "sql", "setup", "nan")}
    workspace = Workspace(tmp_path.as_uri())
    workspace.put_notebook_document(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=path.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=types.NotebookCellKind.Markup, document=uris["md"]),
                    *(code_cell(uris[name]) for name in ("sql", "setup", "nan")),
                ],
            ),
            cell_text_documents=[
                cell_item(uris["md"], "# notes", "markdown"),
                cell_item(uris["sql"], "SELECT 1 == np.nan", "sql"),
                cell_item(uris["setup"], SETUP),
                cell_item(uris["nan"], NAN),
            ],
        )
    )
    cells = snapshot(workspace, path.as_uri())
    assert cells is not None and cells.path == str(path)
    assert [c.uri for c in cells.cells] == [uris["setup"], uris["nan"]]
    found, _ = lint_cells(cells, Settings())
    assert found[uris["setup"]] == []
    [nan] = found[uris["nan"]]
    assert (nan.rule, nan.cell, nan.line) == ("KNL107", 2, 2)
    assert snapshot(workspace, (tmp_path / "closed.ipynb").as_uri()) is None


@pytest.mark.asyncio
async def test_a_notebook_is_linted_in_its_project_and_follows_the_modules_it_imports(
    client: LanguageClient, tmp_path: Path
):
    """As the CLI lints it: the notebook's tuner is checked against the compile() of the module it imports, and an
    unsaved edit of that module lints the notebook again."""
    from tests.test_lsp import MODELS, change

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    path = tmp_path / "tune.ipynb"
    setup, tuner = cell_uri(path, "setup"), cell_uri(path, "tuner")
    texts = {
        setup: "import keras_tuner as kt\nfrom models import build_model",
        tuner: 'tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2, overwrite=True)',
    }
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=path.as_uri(), notebook_type="jupyter-notebook", version=1, cells=[code_cell(u) for u in texts]
            ),
            cell_text_documents=[cell_item(u, text) for u, text in texts.items()],
        )
    )
    [knl301] = await published(client, tuner, until=bool)
    assert knl301.code == "KNL301" and knl301.range.start.line == 0
    models = open_doc(client, tmp_path / "models.py", MODELS)
    await published(client, models)
    line = MODELS.splitlines().index('    model.compile(loss="mse", metrics=["mae"])')
    start = MODELS.splitlines()[line].index('"mae"')
    end = types.Position(line=line, character=start + 5)
    change(client, models, 2, types.Range(start=types.Position(line=line, character=start), end=end), '"accuracy"')
    assert await published(client, tuner, until=lambda d: not d) == []


def test_a_notebook_over_the_per_file_limits_says_so_on_its_first_cell(tmp_path: Path):
    """The limits apply to an open notebook as to a file: the finding about the whole notebook goes on its first
    code cell (a finding on no cell would be published nowhere)."""
    from kerasnanlint.config import Settings
    from kerasnanlint.lsp_notebooks import Cell, NotebookCells, lint_cells

    path = tmp_path / "big.ipynb"
    cells = NotebookCells(path.as_uri(), str(path), (Cell("c1", SETUP, 1), Cell("c2", NAN, 1)))
    found, _ = lint_cells(cells, Settings(root=tmp_path))
    assert [d.rule for d in found["c2"]] == ["KNL107"]  # within the limits: the findings as usual
    found, _ = lint_cells(cells, Settings(root=tmp_path, per_file_size_limit=0.0001))  # 100 bytes
    [too_large] = found["c1"]
    assert too_large.rule == "KNL000" and "per-file size limit" in too_large.message and found["c2"] == []
    assert (too_large.line, too_large.col) == (1, 1)
    found, _ = lint_cells(cells, Settings(root=tmp_path, per_file_timeout=0.0001), killable=True)
    [late] = found["c1"]
    assert late.rule == "KNL000" and "took longer than" in late.message
