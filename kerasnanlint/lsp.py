"""``kerasnanlint lsp``: a stdio Language Server (pygls 2) with diagnostics, hover and code actions.

Documents are linted from the editor's in-memory text, never from disk: on open and save at once, on
change after a short quiet period (typing does not lint every keystroke). Settings come from the
document's nearest pyproject.toml; a broken config is shown to the user once and the defaults apply.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from kerasnanlint import __version__, catalog
from kerasnanlint.config import ConfigError, Settings, load_settings, validate_codes
from kerasnanlint.diagnostics import Diagnostic, Edit
from kerasnanlint.engine import lint_source
from kerasnanlint.formats.lsp import lsp_range, to_lsp
from kerasnanlint.registry import all_rules
from kerasnanlint.source import SourceFile
from kerasnanlint.suppressions import add_noqa_edit

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.25
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class _Linted:
    """One document's last lint: the text it was computed from and each finding with its LSP form."""

    version: int | None
    source: SourceFile  # the editor's text, under the document's path (or URI)
    findings: list[tuple[Diagnostic, types.Diagnostic]]
    config_error: str | None = None


def _value(kind: Any) -> str:
    """lsprotocol's enums are ``str`` mixins whose str() is the member name: compare their values."""
    return str(getattr(kind, "value", kind))


def _pos(p: types.Position) -> tuple[int, int]:
    return (p.line, p.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return _pos(a.start) <= _pos(b.end) and _pos(b.start) <= _pos(a.end)


class KerasNanLanguageServer(LanguageServer):
    """The server: each open Python document's last lint, published as diagnostics, hovers and quick fixes."""

    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__("kerasnanlint", __version__)
        self.debounce = debounce
        self.linted: dict[str, _Linted] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._shown_errors: set[str] = set()
        # One worker: lints never run concurrently with each other, and never block the event loop.
        self._linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kerasnanlint")

    # --- what to lint ---------------------------------------------------------------------------
    def _open_text(self, uri: str) -> tuple[str, int | None, str | None, str | None] | None:
        """(text, version, fs path, language) of an open document; None when the editor has not opened it
        (pygls would otherwise read the file from disk)."""
        doc = self.workspace.text_documents.get(unquote(uri))  # pygls keys documents by unquoted URI
        if doc is None:
            return None
        path = doc.path if uri.startswith("file:") else None
        return doc.source, doc.version, path, doc.language_id

    def _settings(self, path: str | None) -> tuple[Settings, str | None]:
        anchor = Path(path).parent if path else Path(self.workspace.root_path or Path.cwd())
        try:
            settings = load_settings(anchor)
            validate_codes(settings, all_rules())
            return settings, None
        except ConfigError as exc:
            error = f"kerasnanlint: {exc} (using the default settings until it is fixed)"
            return Settings(root=anchor if anchor.is_dir() else Path.cwd()), error

    def _encoding(self) -> str:
        return _value(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def report_config_error(self, result: _Linted) -> None:
        """Show a config error once (not on every keystroke); runs on the event loop's thread."""
        if result.config_error is None:
            self._shown_errors.clear()  # once fixed, a later error is shown again
        elif result.config_error not in self._shown_errors:
            self._shown_errors.add(result.config_error)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=result.config_error))

    def lint_now(self, uri: str) -> _Linted | None:
        """Lint the open document now (on the lint thread); None when it is not open."""
        opened = self._open_text(uri)
        if opened is None:
            return None
        text, version, path, language = opened
        name = path or uri
        findings: list[tuple[Diagnostic, types.Diagnostic]] = []
        source = SourceFile(name, text)
        error = None
        if language == "python" or name.endswith(PYTHON_SUFFIXES):
            settings, error = self._settings(path)
            if not (path and settings.is_excluded(path)):  # excludes apply as with --force-exclude
                encoding = self._encoding()
                for d in lint_source(text, name, settings):
                    lsp = self.protocol._converter.structure(to_lsp(d, source.lines, encoding), types.Diagnostic)
                    findings.append((d, lsp))
        return _Linted(version, source, findings, error)

    def current(self, uri: str) -> _Linted | None:
        """The lint of the document as the editor holds it now (re-linted when edits are still pending)."""
        opened = self._open_text(uri)
        if opened is None:
            return None
        known = self.linted.get(uri)
        if known is not None and known.source.text == opened[0]:
            return known
        result = self.lint_now(uri)
        if result is not None:
            self.report_config_error(result)
        return result

    # --- publishing -----------------------------------------------------------------------------
    async def lint_and_publish(self, uri: str) -> None:
        """Lint on the worker thread and publish, unless the document changed or closed meanwhile."""
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._linter, self.lint_now, uri)
        except Exception as exc:  # a bug in a rule must not take the editor's server down
            log.exception("lint failed for %s", uri)
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"{uri}: {exc!r}"))
            return
        opened = self._open_text(uri)
        if result is None or opened is None or opened[0] != result.source.text:
            return  # closed or edited meanwhile: the newer lint publishes
        self.linted[uri] = result
        self.report_config_error(result)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=[lsp for _, lsp in result.findings], version=result.version
            )
        )

    def schedule(self, uri: str, delay: float) -> None:
        """Lint and publish after ``delay`` seconds, replacing a lint still waiting for this document."""
        self.cancel(uri)

        async def run() -> None:
            if delay:
                await asyncio.sleep(delay)
            await self.lint_and_publish(uri)

        self._pending[uri] = asyncio.ensure_future(run())

    def cancel(self, uri: str) -> None:
        """Drop the document's waiting lint, if any."""
        task = self._pending.pop(uri, None)
        if task is not None and not task.done():
            task.cancel()

    def forget(self, uri: str) -> None:
        """A closed document: no pending lint, no stored result, its diagnostics cleared in the editor."""
        self.cancel(uri)
        self.linted.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # --- hover and code actions -------------------------------------------------------------------
    def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        """The catalogue entries of the findings under ``position``."""
        result = self.current(uri)
        if result is None:
            return None
        here = types.Range(start=position, end=position)
        hits = [(d, lsp) for d, lsp in result.findings if _overlaps(lsp.range, here)]
        if not hits:
            return None
        parts: list[str] = []
        for code in dict.fromkeys(d.rule for d, _ in hits):
            parts.append(catalog.doc(code) or f"{code}: {next(d.message for d, _ in hits if d.rule == code)}")
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
            range=hits[0][1].range,
        )

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        """Quick fixes for the findings in the range: each finding's fix and a ``# noqa`` to suppress it."""
        uri = params.text_document.uri
        result = self.current(uri)
        if result is None:
            return None
        only = params.context.only
        if only and not any(_value(types.CodeActionKind.QuickFix).startswith(_value(k)) for k in only):
            return None
        encoding = self._encoding()
        actions: list[types.CodeAction] = []
        for d, lsp in result.findings:
            if not _overlaps(lsp.range, params.range):
                continue
            if d.fix is not None:
                actions.append(
                    types.CodeAction(
                        title=f"{d.rule}: {d.fix.title}" + ("" if str(d.fix.applicability) == "safe" else " (unsafe)"),
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        is_preferred=str(d.fix.applicability) == "safe",
                        edit=self._workspace_edit(uri, result, d.fix.edits, encoding),
                    )
                )
            noqa = add_noqa_edit(result.source.text, d.line, d.rule)
            if noqa is not None:
                actions.append(
                    types.CodeAction(
                        title=f"Suppress {d.rule} with # noqa",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        edit=self._workspace_edit(uri, result, (noqa,), encoding),
                    )
                )
        return actions

    def _workspace_edit(self, uri: str, result: _Linted, edits: tuple[Edit, ...], encoding: str) -> types.WorkspaceEdit:
        text_edits: list[Any] = []
        for e in edits:
            rng = lsp_range(result.source.lines, e.line, e.col, e.end_line, e.end_col, encoding)
            text_edits.append(
                types.TextEdit(range=self.protocol._converter.structure(rng, types.Range), new_text=e.content)
            )
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=result.version),
                    edits=text_edits,
                )
            ]
        )


def build_server(debounce: float = DEBOUNCE_SECONDS) -> KerasNanLanguageServer:
    """A server with its LSP features registered (tests start it in process)."""
    server = KerasNanLanguageServer(debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasNanLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasNanLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerasNanLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasNanLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: KerasNanLanguageServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params.text_document.uri, params.position)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: KerasNanLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        return ls.code_actions(params)

    return server


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="kerasnanlint-lsp: %(levelname)s %(message)s")
    build_server().start_io()
