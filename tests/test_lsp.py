"""The Language Server driven by a real LSP client (pytest-lsp) over stdio: `python -m kerasnanlint lsp`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

# The emoji is 1 code point but 2 UTF-16 code units, "é" one of each: the finding's column differs per unit.
SOURCE = 'import keras\nimport numpy as np\n\n\ndef f(y):\n    s = "😀é"; return s if y == np.nan else y\n'
FINDING = "y == np.nan"
LINE = 5


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def finding_range(source: str = SOURCE) -> types.Range:
    line = source.splitlines()[LINE]
    start = line.index(FINDING)
    return types.Range(
        start=types.Position(line=LINE, character=utf16(line[:start])),
        end=types.Position(line=LINE, character=utf16(line[: start + len(FINDING)])),
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kerasnanlint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri(), workspace_folders=None
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kerasnanlint", "lsp"]))
async def utf8_client(lsp_client: LanguageClient, tmp_path: Path):
    """A client that prefers UTF-8 positions (as Neovim does): the server must answer in its encoding."""
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf8])
    )
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri=tmp_path.as_uri())
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, uri: str, until=lambda diags: True, timeout: float = 20.0):
    """Wait for publishDiagnostics on ``uri`` whose list satisfies ``until``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        diags = client.diagnostics.get(uri)
        if diags is not None and until(diags):
            return list(diags)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no matching diagnostics for {uri}: {client.diagnostics.get(uri)!r}")


def open_doc(client: LanguageClient, path: Path, text: str = SOURCE) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return uri


def change(client: LanguageClient, uri: str, version: int, rng: types.Range, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
        )
    )


@pytest.mark.asyncio
async def test_diagnostics_follow_the_unsaved_buffer(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "model.py"
    path.write_text("import keras\n", encoding="utf-8")  # the disk copy is clean: only the buffer has the finding
    uri = open_doc(client, path)

    [diag] = await published(client, uri, until=bool)
    assert diag.code == "KNL107"
    assert diag.source == "kerasnanlint"
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert diag.code_description is None  # no public docs URL configured: no link to a local file
    assert diag.range == finding_range()
    line = SOURCE.splitlines()[LINE]
    assert diag.range.start.character == line.index(FINDING) + 1  # one more UTF-16 unit than code points

    # Replace the comparison (an incremental edit located in UTF-16 units) with the right test.
    change(client, uri, 2, finding_range(), "np.isnan(y)")
    assert await published(client, uri, until=lambda d: not d) == []


@pytest.mark.asyncio
async def test_negotiated_utf8_positions(utf8_client: LanguageClient, tmp_path: Path):
    uri = open_doc(utf8_client, tmp_path / "utf8.py")
    [diag] = await published(utf8_client, uri, until=bool)
    line = SOURCE.splitlines()[LINE]
    start = len(line[: line.index(FINDING)].encode("utf-8"))
    assert (diag.range.start.character, diag.range.end.character) == (start, start + len(FINDING))


@pytest.mark.asyncio
async def test_hover_shows_the_rule_doc(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "hover.py")
    await published(client, uri, until=bool)

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=finding_range().start)
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("# nan-equality (KNL107)")

    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)
        )
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_noqa_code_action_silences_the_finding(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "action.py")
    [diag] = await published(client, uri, until=bool)

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    [noqa] = [a for a in actions if isinstance(a, types.CodeAction) and "noqa" in a.title]
    assert noqa.title == "Suppress KNL107 with # noqa"
    assert noqa.kind == types.CodeActionKind.QuickFix
    assert noqa.edit is not None and noqa.edit.document_changes
    [doc_edit] = noqa.edit.document_changes
    assert isinstance(doc_edit, types.TextDocumentEdit)
    [edit] = doc_edit.edits
    line = SOURCE.splitlines()[LINE]
    end = types.Position(line=LINE, character=utf16(line))
    assert edit.range == types.Range(start=end, end=end)
    assert edit.new_text == "  # noqa: KNL107"

    # Applying the edit the way an editor would makes the finding go away.
    change(client, uri, 2, edit.range, edit.new_text)
    assert await published(client, uri, until=lambda d: not d) == []


@pytest.mark.asyncio
async def test_config_error_is_shown_not_fatal(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\nignore = ["KNL9"]\n', encoding="utf-8")
    uri = open_doc(client, tmp_path / "configured.py")

    [diag] = await published(client, uri, until=bool)  # linted with the defaults
    assert diag.code == "KNL107"
    [message] = [m for m in client.messages if "tool.kerasnanlint.ignore" in m.message]
    assert message.type == types.MessageType.Error


@pytest.mark.asyncio
async def test_nearest_pyproject_applies(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\nignore = ["KNL107"]\n', encoding="utf-8")
    uri = open_doc(client, tmp_path / "ignored.py")
    assert await published(client, uri) == []
    assert client.messages == []


def test_fix_code_action_is_generic_over_diagnostic_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Any Diagnostic.fix becomes a WorkspaceEdit in the document's position encoding (no rule has a fix yet)."""
    from pygls.workspace import Workspace

    from kerasnanlint import lsp
    from kerasnanlint.diagnostics import Analysis, Applicability, Diagnostic, Edit, Fix, Severity

    line = SOURCE.splitlines()[LINE]
    col = line.index(FINDING) + 1  # 1-based code points, as Diagnostic counts
    fix = Fix("Use np.isnan", Applicability.SAFE, (Edit(LINE + 1, col, LINE + 1, col + len(FINDING), "np.isnan(y)"),))
    fake = Diagnostic("KNL107", "nan-equality", Severity.WARNING, "x.py", LINE + 1, col, LINE + 1, col + 11, "m", fix)
    monkeypatch.setattr(lsp, "lint_in_project", lambda data, path, settings, **kw: Analysis([fake]))

    server = lsp.build_server()
    server.protocol._workspace = Workspace(tmp_path.as_uri(), position_encoding=types.PositionEncodingKind.Utf16)
    uri = (tmp_path / "x.py").as_uri()
    server.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=3, text=SOURCE))

    actions = server.code_actions(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=finding_range(),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    assert [a.title for a in actions][:2] == ["KNL107: Use np.isnan", "Suppress KNL107 with # noqa"]
    fix_action = actions[0]
    assert fix_action.is_preferred
    assert fix_action.edit is not None and fix_action.edit.document_changes
    [doc_edit] = fix_action.edit.document_changes
    assert isinstance(doc_edit, types.TextDocumentEdit)
    assert doc_edit.text_document.version == 3
    [edit] = doc_edit.edits
    assert edit.range == finding_range()
    assert edit.new_text == "np.isnan(y)"


@pytest.mark.asyncio
async def test_rule_fix_code_action_over_stdio(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "fixme.py")
    [diag] = await published(client, uri, until=bool)
    # Fixes are built when a code action asks (kerasnanlint/details.py), not with every publish.
    assert isinstance(diag.data, dict) and "fix" not in diag.data

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    [fix] = [a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("KNL107: ")]
    assert fix.edit is not None and fix.edit.document_changes
    [doc_edit] = fix.edit.document_changes
    assert isinstance(doc_edit, types.TextDocumentEdit)
    # Apply the edits as an editor does (last first, so earlier ranges stay valid).
    version = 2
    for edit in sorted(doc_edit.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        change(client, uri, version, edit.range, edit.new_text)
        version += 1
    assert await published(client, uri, until=lambda d: not d) == []


# A two-module project: tune.py's objective is checked against the compile() of models.py's builder.
MODELS = (
    "import keras\n\n\ndef build_model(hp):\n"
    "    model = keras.Sequential([keras.layers.Dense(1)])\n"
    '    model.compile(loss="mse", metrics=["mae"])\n'
    "    return model\n"
)
TUNE_TEXT = (
    "import keras_tuner as kt\nfrom models import build_model\n\n"
    'tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2, overwrite=True)\n'
)


@pytest.mark.asyncio
@pytest.mark.parametrize("module_first", [False, True], ids=["importer-first", "module-first"])
async def test_editing_a_module_relints_the_open_files_that_import_it(
    client: LanguageClient, tmp_path: Path, module_first: bool
):
    """tune.py's objective is checked against models.py's compile(): an unsaved edit there changes tune.py's
    diagnostics. Opened first, models.py is linted without its summary (nothing open imports it yet): tune.py's
    lint builds it, and the next edit of models.py builds it too."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    models_text, tune_text = MODELS, TUNE_TEXT
    (tmp_path / "models.py").write_text(models_text, encoding="utf-8")
    (tmp_path / "tune.py").write_text(tune_text, encoding="utf-8")
    if module_first:
        models = open_doc(client, tmp_path / "models.py", models_text)
        await published(client, models)
    tune = open_doc(client, tmp_path / "tune.py", tune_text)
    await published(client, tune, lambda d: any(x.code == "KNL301" for x in d))
    if not module_first:
        models = open_doc(client, tmp_path / "models.py", models_text)
        await published(client, models)
    line = models_text.splitlines().index('    model.compile(loss="mse", metrics=["mae"])')
    start = models_text.splitlines()[line].index('"mae"')
    rng = types.Range(
        start=types.Position(line=line, character=start), end=types.Position(line=line, character=start + 5)
    )
    change(client, models, 2, rng, '"accuracy"')  # not saved: the buffer is what counts
    await published(client, tune, lambda d: not any(x.code == "KNL301" for x in d))
