"""The Language Server's editor features, driven by a real LSP client (pytest-lsp) over stdio: editor settings
(initializationOptions, workspace/configuration), watched pyproject.toml files, the source.fixAll action,
fix-all-on-save and pull diagnostics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Severity
from kerasnanlint.formats.lsp import to_lsp
from kerasnanlint.lsp_fixall import line_edit
from kerasnanlint.lsp_settings import parse_editor_settings
from kerasnanlint.registry import all_rules
from tests.test_lsp import MODELS, TUNE_TEXT, change, open_doc, published
from tests.test_lsp_notebooks import open_notebook

# KNL401 (a safe fix) after an emoji (2 UTF-16 units, 4 UTF-8 bytes) and "é"; KNL304 (info, an unsafe fix).
TUNE = (
    "import keras\nimport keras_tuner as kt\n\n\ndef build(hp):\n"
    '    note = "😀 é"; lr = hp.Float("lr", 1e-5, 1e-1)\n'
    "    model = keras.Sequential([keras.layers.Dense(1)])\n"
    '    model.compile(optimizer=keras.optimizers.Adam(lr), loss="mse")\n'
    "    return model\n\n\n"
    'tuner = kt.RandomSearch(build, objective="val_loss")\n'
)
FIXED_LINE = '    note = "😀 é"; lr = hp.Float("lr", 1e-5, 1e-1, sampling="log")\n'


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kerasnanlint", "lsp"]))
async def client(lsp_client: LanguageClient):
    """A client the test initializes itself, with the capabilities and options it needs."""
    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, root: Path, options: Any = None, **capabilities: Any) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(**capabilities),
            root_uri=root.as_uri(),
            initialization_options=options,
        )
    )


def codes(diags: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags)


# --- settings -------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_initialization_options_select_ignore_and_severity(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path, {"ignore": ["KNL401"], "severity": {"KNL304": "error"}})
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    [diag] = await published(client, uri, until=bool)
    assert diag.code == "KNL304"
    assert diag.severity == types.DiagnosticSeverity.Error
    assert client.messages == []


@pytest.mark.asyncio
async def test_bad_editor_setting_is_shown_once_and_the_rest_applies(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path, {"select": ["KNL4011"], "ignore": ["KNL304"], "fixAllOnSav": True})
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    [diag] = await published(client, uri, until=bool)  # select left out (all rules), ignore applied
    assert diag.code == "KNL401"
    top = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    change(client, uri, 2, top, "\n")  # linted again: the finding moves down a line
    await published(client, uri, until=lambda d: len(d) == 1 and d[0].range.start.line == diag.range.start.line + 1)
    [message] = client.messages  # once, not on every lint
    assert message.type == types.MessageType.Error
    assert "initializationOptions" in message.message
    assert "'KNL4011' matches no rule" in message.message
    assert "unknown key `fixAllOnSav`" in message.message


@pytest.mark.asyncio
async def test_workspace_configuration_overrides_pyproject_and_follows_changes(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\nignore = ["KNL304"]\n', encoding="utf-8")
    client.set_configuration({"ignore": ["KNL401"]}, section="kerasnanlint")
    await start(client, tmp_path, None, workspace=types.WorkspaceClientCapabilities(configuration=True))
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    # Editor first: the editor's ignore replaces the file's.
    assert codes(await published(client, uri, until=lambda d: codes(d) == ["KNL304"])) == ["KNL304"]

    client.set_configuration({}, section="kerasnanlint")  # the editor no longer sets it: the file's applies
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert codes(await published(client, uri, until=lambda d: codes(d) == ["KNL401"])) == ["KNL401"]


@pytest.mark.asyncio
async def test_pyproject_change_on_disk_relints_open_documents(client: LanguageClient, tmp_path: Path):
    registrations: list[types.Registration] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    watched = types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)
    await start(client, tmp_path, None, workspace=types.WorkspaceClientCapabilities(did_change_watched_files=watched))
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    assert codes(await published(client, uri, until=lambda d: len(d) == 2)) == ["KNL304", "KNL401"]
    [registration] = registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options
    globs = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in _watchers(options)]
    assert globs == ["**/pyproject.toml"]

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.kerasnanlint]\nignore = ["KNL401"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    assert codes(await published(client, uri, until=lambda d: len(d) == 1)) == ["KNL304"]


@pytest.mark.asyncio
async def test_settings_pushed_in_the_notification_relint_notebooks_too(client: LanguageClient, tmp_path: Path):
    """A client without workspace/configuration sends the settings in didChangeConfiguration itself."""
    notebooks = types.NotebookDocumentClientCapabilities(synchronization=types.NotebookDocumentSyncClientCapabilities())
    await start(client, tmp_path, None, notebook_document=notebooks)
    _, cells = open_notebook(client, tmp_path / "tune.ipynb")
    assert codes(await published(client, cells["tuner"], until=bool)) == ["KNL301"]
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    await published(client, uri, until=bool)

    settings = {"kerasnanlint": {"ignore": ["KNL301", "KNL401"]}}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
    assert await published(client, cells["tuner"], until=lambda d: not d) == []
    assert codes(await published(client, uri, until=lambda d: len(d) == 1)) == ["KNL304"]


def _watchers(options: Any) -> list[Any]:
    return options["watchers"] if isinstance(options, dict) else options.watchers


def test_editor_settings_validation() -> None:
    known = all_rules()
    editor, errors = parse_editor_settings(
        {"select": ["KNL3"], "extendSelect": ["KNL206"], "severity": {"KNL3": "info"}, "fixAllOnSave": True}, known
    )
    assert errors == []
    settings = editor.over(Settings(ignore=("KNL1",), severity=(("KNL3", Severity.ERROR),)))
    assert (settings.select, settings.extend_select, settings.ignore) == (("KNL3",), ("KNL206",), ("KNL1",))
    assert settings.severity_of("KNL301", Severity.WARNING) == Severity.INFO  # the editor's wins
    assert editor.fix_all_on_save
    for raw, error in [
        ({"select": "KNL3"}, "`select` must be a list of rule codes"),
        ({"ignore": ["E501"]}, "'E501' is not a rule code"),
        ({"severity": {"KNL301": "fatal"}}, "`severity.KNL301`: unknown severity 'fatal'"),
        ({"fixAllOnSave": "yes"}, "`fixAllOnSave` must be true or false"),
        (["KNL3"], "the settings must be an object"),
    ]:
        _, errors = parse_editor_settings(raw, known)
        assert len(errors) == 1 and error in errors[0], (raw, errors)
    assert parse_editor_settings(None, known) == parse_editor_settings({}, known)


# --- fix all --------------------------------------------------------------------------------------------------


def apply(text: str, edit: types.TextEdit) -> str:
    """Apply one LSP edit (line/UTF-16 positions) to ``text`` as an editor does."""
    lines = text.splitlines(keepends=True)

    def offset(p: types.Position) -> int:
        line = lines[p.line] if p.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= p.character:
                return sum(map(len, lines[: p.line])) + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return sum(map(len, lines[: p.line])) + len(line)

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


@pytest.mark.asyncio
async def test_source_fix_all_applies_the_safe_fixes(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    diags = await published(client, uri, until=lambda d: len(d) == 2)
    everywhere = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=everywhere,
            context=types.CodeActionContext(diagnostics=diags, only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    assert actions is not None
    [action] = actions
    assert isinstance(action, types.CodeAction) and action.kind == "source.fixAll.kerasnanlint"
    assert action.edit is not None and action.edit.document_changes
    [doc_edit] = action.edit.document_changes
    assert isinstance(doc_edit, types.TextDocumentEdit) and doc_edit.text_document.version == 1
    [edit] = doc_edit.edits
    assert edit.range.start == types.Position(line=5, character=0)  # only the changed line is replaced
    assert edit.range.end == types.Position(line=6, character=0)
    assert edit.new_text == FIXED_LINE
    assert apply(TUNE, edit) == TUNE.replace(TUNE.splitlines(keepends=True)[5], FIXED_LINE)

    change(client, uri, 2, edit.range, edit.new_text)
    assert codes(await published(client, uri, until=lambda d: len(d) == 1)) == ["KNL304"]  # the unsafe fix stays

    quick = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=everywhere,
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
    )
    assert not quick  # no finding on line 0, and no fix-all when only quick fixes are asked for


@pytest.mark.asyncio
@pytest.mark.parametrize("on", [True, False])
async def test_fix_all_on_save(client: LanguageClient, tmp_path: Path, on: bool):
    sync = types.TextDocumentSyncClientCapabilities(will_save_wait_until=True)
    result = await start(
        client, tmp_path, {"fixAllOnSave": on}, text_document=types.TextDocumentClientCapabilities(synchronization=sync)
    )
    assert isinstance(result.capabilities.text_document_sync, types.TextDocumentSyncOptions)
    assert result.capabilities.text_document_sync.will_save_wait_until
    uri = open_doc(client, tmp_path / "tune.py", TUNE)
    await published(client, uri, until=bool)
    edits = await client.text_document_will_save_wait_until_async(
        types.WillSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri), reason=types.TextDocumentSaveReason.Manual
        )
    )
    if not on:
        assert not edits
        return
    assert edits is not None
    [edit] = edits
    assert edit.new_text == FIXED_LINE


def test_line_edit_replaces_only_changed_lines() -> None:
    def edit_of(old: str, new: str) -> tuple[int, int, int, str]:
        e = line_edit(old, new)
        assert e is not None
        r = e["range"]
        return r["start"]["line"], r["end"]["line"], r["end"]["character"], e["newText"]

    assert line_edit("a\n", "a\n") is None
    assert edit_of("a\nb\nc\n", "a\nB\nc\n") == (1, 2, 0, "B\n")
    assert edit_of("a\r\nb\r\n", "a\r\nbb\r\n") == (1, 2, 0, "bb\r\n")
    assert edit_of("a\n😀b", "a\n😀b, c") == (1, 1, 3, "😀b, c")  # unterminated last line: ends at its end
    assert edit_of("a\x0cb\n", "a\x0cc\n") == (0, 1, 0, "a\x0cc\n")  # a form feed is no line break in LSP


def test_code_description_only_with_a_url() -> None:
    from kerasnanlint.diagnostics import Diagnostic

    d = Diagnostic("KNL107", "nan-equality", Severity.WARNING, "x.py", 1, 1, 1, 2, "m")
    assert "codeDescription" not in to_lsp(d, ["x"])
    url = "https://example.org/rules/KNL107"
    assert to_lsp(d, ["x"], url=url)["codeDescription"] == {"href": url}


# --- pull diagnostics -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pull_diagnostics_when_the_client_supports_them(client: LanguageClient, tmp_path: Path):
    pull = types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities())
    result = await start(client, tmp_path, text_document=pull)
    assert result.capabilities.diagnostic_provider is not None
    uri = open_doc(client, tmp_path / "tune.py", TUNE)

    def ask(previous: str | None = None) -> Any:
        return client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous
            )
        )

    report = await ask()
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert codes(report.items) == ["KNL304", "KNL401"]
    [knl401] = [d for d in report.items if d.code == "KNL401"]
    assert knl401.range.start == types.Position(line=5, character=24)  # UTF-16: the emoji counts twice
    unchanged = await ask(report.result_id)
    assert isinstance(unchanged, types.RelatedUnchangedDocumentDiagnosticReport)
    assert unchanged.result_id == report.result_id

    change(client, uri, 2, knl401.range, 'hp.Float("lr", 1e-5, 1e-1, sampling="log")')
    after = await ask(report.result_id)  # right after the edit: waits for the debounced lint
    assert isinstance(after, types.RelatedFullDocumentDiagnosticReport)
    assert codes(after.items) == ["KNL304"]
    assert client.diagnostics == {}  # never pushed as well: editors would show each finding twice


@pytest.mark.asyncio
async def test_pull_mode_asks_for_a_refresh_when_an_import_changes(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    models_text, tune_text = MODELS, TUNE_TEXT
    (tmp_path / "models.py").write_text(models_text, encoding="utf-8")
    pull = types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities())
    refresh = types.WorkspaceClientCapabilities(diagnostics=types.DiagnosticWorkspaceClientCapabilities(True))
    await start(client, tmp_path, text_document=pull, workspace=refresh)
    tune = open_doc(client, tmp_path / "tune.py", tune_text)
    models = open_doc(client, tmp_path / "models.py", models_text)

    async def pulled(uri: str) -> list[str]:
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return codes(report.items)

    assert "KNL301" in await pulled(tune)
    await pulled(models)
    line = models_text.splitlines().index('    model.compile(loss="mse", metrics=["mae"])')
    start_col = models_text.splitlines()[line].index('"mae"')
    rng = types.Range(
        start=types.Position(line=line, character=start_col), end=types.Position(line=line, character=start_col + 5)
    )
    change(client, models, 2, rng, '"accuracy"')
    await pulled(models)
    await _until(lambda: client.diagnostic_refresh_count > 0)
    assert "KNL301" not in await pulled(tune)


async def _until(condition: Any, timeout: float = 20.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)
