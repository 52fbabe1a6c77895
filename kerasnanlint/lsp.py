"""``kerasnanlint lsp``: a stdio Language Server (pygls 2) with diagnostics, hover and code actions.

Documents are linted from the editor's in-memory text, never from disk: on open and save at once, on
change after a short quiet period (typing does not lint every keystroke). Imports are resolved across the
project (kerasnanlint/project.py), from the open buffers first: when an edit changes what a module offers its
importers (its summary), every open document that asked the project something is linted again. Settings come from the
document's nearest pyproject.toml; a broken config is shown to the user once and the defaults apply.
Notebooks (LSP 3.17 notebook sync) are linted as one program, their findings published on each cell's URI
(kerasnanlint/lsp_notebooks.py); a cell is never linted alone.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer

from kerasnanlint import __version__, catalog, engine
from kerasnanlint.cancel import Cancelled, cancellable, checkpoint
from kerasnanlint.catalog import rule_url
from kerasnanlint.config import ConfigError, Settings, load_settings, validate_codes
from kerasnanlint.details import Details, deferred_details
from kerasnanlint.diagnostics import Diagnostic, Edit
from kerasnanlint.formats.lsp import lsp_range, to_lsp
from kerasnanlint.incremental import StatementCache
from kerasnanlint.lsp_fixall import fix_all
from kerasnanlint.lsp_notebooks import NOTEBOOK_SYNC, NotebookCells, is_cell, lint_cells, notebook_of, snapshot
from kerasnanlint.lsp_settings import SECTION, EditorSettings, editor_error, parse_editor_settings
from kerasnanlint.registry import all_rules
from kerasnanlint.runner import MemoryCache, lint_in_project
from kerasnanlint.source import SourceFile
from kerasnanlint.suppressions import add_noqa_edit

log = logging.getLogger(__name__)

# Edits closer together than this are linted once; a lint still running when a newer edit arrives is cancelled.
DEBOUNCE_SECONDS = 0.05
# A larger document is linted in a killable worker process under the per-file time limit, beside the others: a
# huge document never holds back the diagnostics of the rest (smaller ones are linted in this process, at once).
LARGE_DOCUMENT_BYTES = 100_000
# A smaller document whose lint runs longer than this is slow to analyse: its lint is cancelled (at its next
# checkpoint) and it goes to the large documents' lane for good, under the per-file time limit.
SLOW_LINT_SECONDS = 2.0
PYTHON_SUFFIXES = (".py", ".pyi")
_T = TypeVar("_T")
_NOTEBOOK = "notebook:"  # the debounce key of a notebook's lint (its URI may also be open as a text document)
_REFRESH = "refresh:"  # the debounce key of a workspace/diagnostic/refresh request (pull mode)
FIX_ALL = "source.fixAll.kerasnanlint"
_WATCHERS = "kerasnanlint-watchers"  # the id of the dynamic registration of pyproject.toml watchers


@dataclass
class _Linted:
    """One document's last lint: the text it was computed from and each finding with its LSP form."""

    version: int | None
    source: SourceFile  # the editor's text, under the document's path (or URI)
    findings: list[tuple[Diagnostic, types.Diagnostic]]
    config_error: str | None = None
    summary: dict[str, Any] | None = None  # what the document's module offers its importers
    asks_project: bool = False  # it asked the project about an imported name: other modules' edits matter
    fix_all: list[types.TextEdit] | None = None  # the fix-all edits, once asked for (editors ask on every move)
    details: Details | None = None  # what completes the findings with their fixes, built when a code action asks

    def complete(self, d: Diagnostic) -> Diagnostic:
        """``d`` with its fix: the lint left fixes until an editor asks for code actions (kerasnanlint/details.py)."""
        return d if self.details is None else engine.on_large_stack(self.details.complete, d)


def _value(kind: Any) -> str:
    """lsprotocol's enums are ``str`` mixins whose str() is the member name: compare their values."""
    return str(getattr(kind, "value", kind))


def _pos(p: types.Position) -> tuple[int, int]:
    return (p.line, p.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return _pos(a.start) <= _pos(b.end) and _pos(b.start) <= _pos(a.end)


def _wanted(kind: str, only: Sequence[Any] | None) -> bool:
    """Does a code action request's ``only`` include ``kind`` (``source.fixAll`` includes
    ``source.fixAll.kerasnanlint``)?"""
    return not only or any(kind == _value(k) or kind.startswith(_value(k) + ".") for k in only)


class KerasNanLanguageServer(LanguageServer):
    """The server: each open Python document's last lint, published as diagnostics, hovers and quick fixes."""

    def __init__(self, debounce: float = DEBOUNCE_SECONDS, slow: float = SLOW_LINT_SECONDS) -> None:
        super().__init__("kerasnanlint", __version__, notebook_document_sync=NOTEBOOK_SYNC)
        self.debounce, self.slow = debounce, slow
        self.slow_documents: set[str] = set()  # URIs linted in a worker process although small (SLOW_LINT_SECONDS)
        self.linted: dict[str, _Linted] = {}  # by document URI, and by cell URI for a notebook's cells
        self.notebooks: dict[str, NotebookCells] = {}  # each open notebook's cells as last published
        self._published_cells: dict[str, set[str]] = {}  # notebook URI -> the cell URIs it published on
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._shown_errors: set[str] = set()
        # Lints never block the event loop. Documents up to LARGE_DOCUMENT_BYTES take turns on one thread (each
        # lint is short); larger ones wait for their worker process on threads of their own.
        self._linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kerasnanlint")
        self._large = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kerasnanlint-large")
        self._running: dict[str, threading.Event] = {}  # by debounce key: the cancellation token of its lint
        self._changed: dict[str, float] = {}  # by debounce key: when its last lint was asked for (monotonic)
        self._lsp_forms: dict[tuple[Any, ...], types.Diagnostic] = {}  # _to_lsp's results by what they depend on
        self._modules = MemoryCache()  # analyses of the project's modules, shared by every document's lint
        self._answers: dict[str, dict[str, Any]] = {}  # by URI: what its last lint was told of its imports
        self.editor = EditorSettings()  # initializationOptions, then the workspace/configuration section
        self.pull = False  # the client pulls diagnostics (textDocument/diagnostic): they are never pushed too
        self._pulled: dict[str, tuple[_Linted, str]] = {}  # by URI: the lint last reported to a pull, its resultId
        self._result_ids = 0
        self._pending_message: str | None = None  # a bad editor setting, shown once the client is initialized

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
            return self.editor.over(settings), None
        except ConfigError as exc:
            error = f"kerasnanlint: {exc} (using the default settings until it is fixed)"
            return self.editor.over(Settings(root=anchor if anchor.is_dir() else Path.cwd())), error

    def _encoding(self) -> str:
        return _value(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def report_config_error(self, result: _Linted | None) -> None:
        """Show a config error once (not on every keystroke); runs on the event loop's thread."""
        if result is None:
            return
        if result.config_error is None:
            self._shown_errors.clear()  # once fixed, a later error is shown again
        elif result.config_error not in self._shown_errors:
            self._shown_errors.add(result.config_error)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=result.config_error))

    def _to_lsp(self, d: Diagnostic, source: SourceFile, encoding: str, settings: Settings) -> types.Diagnostic:
        """The LSP form of a finding; remembered, since a lint after an edit finds mostly what the last one did
        (building lsprotocol's objects costs a tenth of a millisecond each, hundreds of them per lint)."""
        lines = source.lines
        url = rule_url(settings, d.rule)
        key = (d, encoding, url, lines[d.line - 1 : d.line], lines[d.end_line - 1 : d.end_line])
        found = self._lsp_forms.get(key)
        if found is None:
            if len(self._lsp_forms) > 50_000:
                self._lsp_forms.clear()
            structured = self.protocol._converter.structure(to_lsp(d, lines, encoding, url), types.Diagnostic)
            found = self._lsp_forms[key] = structured
        return found

    def lint_now(self, uri: str, *, killable: bool = False) -> _Linted | None:
        """Lint the open document now (on a lint thread; ``killable``: in a worker process under the per-file
        time limit); None when it is not open."""
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
                data = text.encode("utf-8", "surrogatepass")
                known, buffers = self._answers.setdefault(uri, {}), self._buffers()
                # Its summary matters to the open documents that ask the project (relint_importers); the others,
                # and the editor, need none (a document that imports it later has it built then).
                wanted = any(other != uri and linted.asks_project for other, linted in list(self.linted.items()))
                with deferred_details():
                    analysis = lint_in_project(
                        data,
                        name,
                        settings,
                        overlay=buffers,
                        cache=self._modules,
                        known=known,
                        killable=killable,
                        summary=wanted,
                    )
                findings = [(d, self._to_lsp(d, source, encoding, settings)) for d in analysis.diagnostics]
                asks = bool(analysis.demands)
                return _Linted(version, source, findings, error, analysis.summary, asks, details=analysis.details)
        return _Linted(version, source, findings, error)

    def _buffers(self) -> dict[Path, bytes]:
        """The open Python documents' text by real path: what other documents' imports read."""
        out: dict[Path, bytes] = {}
        for doc in list(self.workspace.text_documents.values()):
            if doc.uri.startswith("file:") and doc.path.endswith(PYTHON_SUFFIXES):
                out[Path(os.path.realpath(doc.path))] = doc.source.encode("utf-8", "surrogatepass")
        return out

    def current(self, uri: str) -> _Linted | None:
        """The lint of the document as the editor holds it now (re-linted when edits are still pending); a
        notebook cell's share of its notebook's lint."""
        notebook = notebook_of(self.workspace, uri)
        if notebook is not None:
            return self.current_cell(notebook, uri)
        opened = self._open_text(uri)
        if opened is None:
            return None
        known = self.linted.get(uri)
        if known is not None and known.source.text == opened[0]:
            return known
        result = self.lint_now(uri, killable=self._killable(uri, len(opened[0])))
        if result is not None:
            self.report_config_error(result)
        return result

    def _killable(self, key: str, size: int) -> bool:
        """Lint the document (a notebook: its debounce key) in a worker process under the per-file time limit:
        it is large, or was slow."""
        return key in self.slow_documents or size > LARGE_DOCUMENT_BYTES

    # --- publishing -----------------------------------------------------------------------------
    async def lint_and_publish(self, uri: str) -> None:
        """Lint on a lint thread and publish, unless the document changed or closed meanwhile."""
        opened = self._open_text(uri)
        if opened is None:
            return
        try:
            lint = functools.partial(self.lint_now, uri)
            result = await self._lint_in_lane(uri, len(opened[0]), lint, functools.partial(self.schedule, uri, 0))
        except Exception as exc:  # a bug in a rule must not take the editor's server down
            self._lint_failed(uri, exc)
            return
        opened = self._open_text(uri)
        if result is None or opened is None or opened[0] != result.source.text:
            return  # cancelled, closed or edited meanwhile: the newer lint publishes
        before = self.linted.get(uri)
        self.linted[uri] = result
        self.report_config_error(result)
        self._publish(uri, result)
        if before is not None and before.summary != result.summary:
            self.relint_importers(uri)

    async def _lint_in_lane(self, key: str, size: int, lint: Callable[..., _T], again: Callable[[], None]) -> _T | None:
        """``lint(killable=...)`` in its lane: in a worker process under the per-file time limit for a large or
        slow document; else on this process's lint thread, where a lint over ``self.slow`` seconds is cancelled
        and the document moves to the worker lane for good (``again`` schedules its next lint). None when
        cancelled: the document changed before the lint was done (its newer lint publishes), or it overran."""
        large = self._killable(key, size)
        event = self._running[key] = threading.Event()  # set by a newer edit (_debounce) or the timer
        overran = threading.Event()

        def too_slow() -> None:
            overran.set()
            event.set()

        def run() -> _T:
            with cancellable(event):
                checkpoint()  # changed while the lint waited for its lane
                timer = None if large else threading.Timer(self.slow, too_slow)  # a worker has its own limit
                if timer is not None:
                    timer.start()
                try:
                    return lint(killable=large)
                finally:
                    if timer is not None:
                        timer.cancel()

        try:
            return await asyncio.get_running_loop().run_in_executor(self._large if large else self._linter, run)
        except Cancelled:
            if overran.is_set():  # too slow for this process: again, in a worker under the per-file time limit
                self.slow_documents.add(key)
                again()
            return None
        finally:
            if self._running.get(key) is event:
                del self._running[key]

    def relint_importers(self, uri: str) -> None:
        """A module changed what it offers: lint again the other open documents that asked the project."""
        for other, linted in list(self.linted.items()):
            if other != uri and linted.asks_project and self._open_text(other) is not None:
                self.document_changed(other, 0)  # a notebook's cell: the notebook (its cells' lints are one)

    def _lint_failed(self, uri: str, exc: Exception) -> None:
        log.exception("lint failed for %s", uri)
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"{uri}: {exc!r}"))

    def _publish(self, uri: str, result: _Linted | None) -> None:
        """Publish a document's (or cell's) findings; None publishes none (clears them in the editor). A client
        that pulls is asked to pull again instead, when what it was last told is out of date."""
        if self.pull:
            self.pulled_out_of_date(uri, result)
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                diagnostics=[lsp for _, lsp in result.findings] if result else [],
                version=result.version if result else None,
            )
        )

    def document_changed(self, uri: str, delay: float) -> None:
        """A text document opened, changed or saved: lint it, or the notebook it is a cell of, after ``delay``."""
        notebook = notebook_of(self.workspace, uri)
        if notebook is not None:
            self.schedule_notebook(notebook, delay)
        elif not is_cell(self.workspace, uri):  # a cell of a notebook not opened as one: not linted alone
            self.schedule(uri, delay)

    def schedule(self, uri: str, delay: float) -> None:
        """Lint and publish after ``delay`` seconds, replacing a lint still waiting for this document."""
        self._debounce(uri, delay, lambda: self.lint_and_publish(uri))

    def schedule_notebook(self, uri: str, delay: float) -> None:
        """Lint the notebook's cells and publish after ``delay`` seconds, replacing a lint still waiting for it."""
        self._debounce(_NOTEBOOK + uri, delay, lambda: self.lint_and_publish_notebook(uri))

    def _debounce(self, key: str, delay: float, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` after ``delay``, in place of the one waiting for ``key`` (cancelled, as is one running).
        The first edit after a pause is linted at once (a leading edge): only edits that follow each other
        within ``delay`` wait for a pause, so a single change shows its findings as soon as they are known."""
        now = time.monotonic()
        waiting = self._pending.get(key)
        busy = (waiting is not None and not waiting.done()) or key in self._running
        if not busy and now - self._changed.get(key, -delay) >= delay:
            delay = 0
        self._changed[key] = now
        self.cancel(key)
        running = self._running.get(key)
        if running is not None:
            running.set()  # its result would be stale

        async def run() -> None:
            if delay:
                await asyncio.sleep(delay)
            await job()

        self._pending[key] = asyncio.ensure_future(run())

    def cancel(self, uri: str) -> None:
        """Drop the document's waiting lint, if any (a notebook's key is ``notebook:`` and its URI)."""
        task = self._pending.pop(uri, None)
        if task is not None and not task.done():
            task.cancel()

    def forget(self, uri: str) -> None:
        """A closed document: no pending lint, no stored result, its diagnostics cleared in the editor."""
        self.cancel(uri)
        self.linted.pop(uri, None)
        self._answers.pop(uri, None)
        self._changed.pop(uri, None)
        self.slow_documents.discard(uri)
        self._pulled.pop(uri, None)
        if not self.pull:  # a pulling client drops a closed document's diagnostics itself
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # --- notebooks --------------------------------------------------------------------------------
    def lint_notebook_now(self, cells: NotebookCells, *, killable: bool = False) -> dict[str, _Linted]:
        """Lint a notebook's cells as one program in its project (on a lint thread; ``killable``: in a worker
        process under the per-file time limit): each code cell's share, by cell URI."""
        settings, error = self._settings(cells.path)
        encoding = self._encoding()
        known = self._answers.setdefault(_NOTEBOOK + cells.uri, {})
        found, asks = lint_cells(
            cells, settings, overlay=self._buffers(), cache=self._modules, known=known, killable=killable
        )
        out: dict[str, _Linted] = {}
        for cell in cells.cells:
            source = SourceFile(cell.uri, cell.text)
            findings = [(d, self._to_lsp(d, source, encoding, settings)) for d in found[cell.uri]]
            out[cell.uri] = _Linted(cell.version, source, findings, error, asks_project=asks)
        return out

    def current_cell(self, notebook: str, uri: str) -> _Linted | None:
        """A cell's share of its notebook's lint as the editor holds the notebook now (None: not a Python cell)."""
        cells = snapshot(self.workspace, notebook)
        if cells is None:
            return None
        if self.notebooks.get(notebook) == cells:
            return self.linted.get(uri)
        killable = self._killable(_NOTEBOOK + notebook, _size(cells))
        results = self.lint_notebook_now(cells, killable=killable)  # edits still pending: lint what the editor shows
        self.report_config_error(next(iter(results.values()), None))
        return results.get(uri)

    async def lint_and_publish_notebook(self, notebook: str) -> None:
        """Lint the notebook on the worker thread and publish on every cell's URI (an empty list for a cell with
        no findings, and for a cell gone since the last publish), unless it changed or closed meanwhile."""
        cells = snapshot(self.workspace, notebook)
        if cells is None:
            return
        try:
            lint = functools.partial(self.lint_notebook_now, cells)
            again = functools.partial(self.schedule_notebook, notebook, 0)
            results = await self._lint_in_lane(_NOTEBOOK + notebook, _size(cells), lint, again)
        except Exception as exc:  # a bug in a rule must not take the editor's server down
            self._lint_failed(notebook, exc)
            return
        if results is None or snapshot(self.workspace, notebook) != cells:
            return  # cancelled, edited or closed meanwhile: the newer lint publishes
        self.notebooks[notebook] = cells
        gone = self._published_cells.get(notebook, set()) - results.keys()
        self._published_cells[notebook] = set(results)
        for uri in gone:
            self.linted.pop(uri, None)
            self._publish(uri, None)
        for uri, result in results.items():
            self.linted[uri] = result
            self._publish(uri, result)
        self.report_config_error(next(iter(results.values()), None))

    def forget_notebook(self, notebook: str, cell_uris: list[str]) -> None:
        """A closed notebook: no pending lint, no stored results, every cell's diagnostics cleared."""
        key = _NOTEBOOK + notebook
        self.cancel(key)
        self._changed.pop(key, None)
        self._answers.pop(key, None)
        self.slow_documents.discard(key)
        self.notebooks.pop(notebook, None)
        for uri in self._published_cells.pop(notebook, set()) | set(cell_uris):
            self.linted.pop(uri, None)
            self._publish(uri, None)

    # --- pull diagnostics -------------------------------------------------------------------------
    async def settled(self, uri: str) -> _Linted | None:
        """The lint of the document as the editor holds it now: the waiting lint's when one is pending (a pull
        right after an edit waits for the debounce rather than linting every keystroke)."""
        if is_cell(self.workspace, uri):  # its share of its notebook's lint; a cell is never linted alone
            return self.current(uri) if notebook_of(self.workspace, uri) is not None else None
        for _ in range(3):  # edits may keep replacing the waiting lint: then lint what is there now
            task = self._pending.get(uri)
            if task is not None and not task.done():
                await asyncio.wait([task])
            opened = self._open_text(uri)
            known = self.linted.get(uri)
            if opened is None or (known is not None and known.source.text == opened[0]):
                return known if opened is not None else None
            await self.lint_and_publish(uri)
        return self.current(uri)

    async def pull_diagnostics(self, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        """textDocument/diagnostic: the document's findings, or "unchanged" when the client already has them."""
        uri = params.text_document.uri
        result = await self.settled(uri)
        if result is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        last = self._pulled.get(uri)
        if last is not None and last[0] is result:
            result_id = last[1]
        else:
            self._result_ids += 1
            result_id = str(self._result_ids)
            self._pulled[uri] = (result, result_id)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=[lsp for _, lsp in result.findings], result_id=result_id)

    def pulled_out_of_date(self, uri: str, result: _Linted | None) -> None:
        """A new lint of ``uri`` in pull mode: when its findings differ from those the client last pulled (an
        importer re-linted after another module's edit, new settings), ask the client to pull again."""
        last = self._pulled.get(uri)
        if last is None or last[0] is result:
            return
        if result is not None and [lsp for _, lsp in last[0].findings] == [lsp for _, lsp in result.findings]:
            self._pulled[uri] = (result, last[1])  # the same findings: the client's copy stays valid
            return
        if get_capability(self.client_capabilities, "workspace.diagnostics.refresh_support", False):
            self._debounce(_REFRESH, 0, lambda: self.workspace_diagnostic_refresh_async(None))

    # --- editor settings and watched files --------------------------------------------------------
    def initialize(self, params: types.InitializeParams) -> None:
        """Pull or push, and the editor settings given in initializationOptions."""
        self.pull = get_capability(params.capabilities, "text_document.diagnostic") is not None
        self._configure(params.initialization_options, "initializationOptions", relint=False)

    async def initialized(self) -> None:
        """Ask for the ``kerasnanlint`` settings section and watch pyproject.toml, where the client can."""
        self._show_pending()
        caps = self.client_capabilities
        if get_capability(caps, "workspace.did_change_watched_files.dynamic_registration", False):
            watchers = [types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
            registration = types.Registration(
                id=_WATCHERS,
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        await self.fetch_configuration()

    async def fetch_configuration(self) -> None:
        """The client's ``kerasnanlint`` section (workspace/configuration), then every open document linted again."""
        if not get_capability(self.client_capabilities, "workspace.configuration", False):
            return
        items = [types.ConfigurationItem(section=SECTION)]
        try:
            [raw] = await self.workspace_configuration_async(types.ConfigurationParams(items=items))
        except Exception as exc:  # a client that fails the request keeps what it gave at initialize
            log.warning("workspace/configuration failed: %r", exc)
            return
        if raw is not None:
            self._configure(raw, "workspace/configuration", relint=True)

    async def configuration_changed(self, params: types.DidChangeConfigurationParams) -> None:
        """workspace/didChangeConfiguration: ask again, or read the section from the notification (older clients
        push it there)."""
        if get_capability(self.client_capabilities, "workspace.configuration", False):
            await self.fetch_configuration()
        elif isinstance(params.settings, dict) and SECTION in params.settings:
            self._configure(params.settings[SECTION], "workspace/didChangeConfiguration", relint=True)

    def _configure(self, raw: Any, where: str, relint: bool) -> None:
        self.editor, errors = parse_editor_settings(raw, all_rules())
        message = editor_error(errors, where)
        if message is not None:  # shown when the settings arrive, not on every lint
            log.warning("%s", message)
            self._pending_message = message
            if relint:
                self._show_pending()
        if relint:
            self.relint_all()

    def _show_pending(self) -> None:
        message, self._pending_message = self._pending_message, None
        if message is not None:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    def relint_all(self) -> None:
        """Lint every open document and notebook again (the settings changed)."""
        self._modules = MemoryCache()
        self._answers.clear()
        notebooks = list(self.notebooks)
        self.linted.clear()  # a hover or a pull meanwhile lints afresh rather than answer from old settings
        self.notebooks.clear()
        for notebook in notebooks:
            self.schedule_notebook(notebook, 0)
        for uri in list(self.workspace.text_documents):
            if notebook_of(self.workspace, uri) is None and not is_cell(self.workspace, uri):
                self.schedule(uri, 0)

    def watched_files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        """A pyproject.toml changed on disk: its [tool.kerasnanlint] (or its project) may have changed."""
        if any(unquote(c.uri).endswith("/pyproject.toml") for c in params.changes):
            self.relint_all()

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
        """Quick fixes for the findings in the range, and the fix-all source action, as ``only`` asks."""
        uri = params.text_document.uri
        result = self.current(uri)
        if result is None:
            return None
        only = params.context.only
        actions = []
        if _wanted(_value(types.CodeActionKind.QuickFix), only):
            actions = self.quick_fixes(uri, result, params.range)
        if _wanted(FIX_ALL, only):  # after the quick fixes: a menu's first entry should be the finding's own fix
            actions.extend(self.fix_all_action(uri, result))
        return actions

    def quick_fixes(self, uri: str, result: _Linted, where: types.Range) -> list[types.CodeAction]:
        """Each finding's fix in ``where`` and a ``# noqa`` to suppress it."""
        encoding = self._encoding()
        actions: list[types.CodeAction] = []
        for d, lsp in result.findings:
            if not _overlaps(lsp.range, where):
                continue
            d = result.complete(d)
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

    def fix_all_edits(self, uri: str, result: _Linted | None = None) -> list[types.TextEdit]:
        """The edits applying every safe fix of the open document (none for a notebook cell: a cell's fixes
        are the notebook's, one cell's text cannot be fixed alone)."""
        result = result or self.current(uri)
        opened = self._open_text(uri)
        if result is None or opened is None or notebook_of(self.workspace, uri) is not None:
            return []
        if result.fix_all is None:
            settings, _ = self._settings(opened[2])
            diagnostics = [result.complete(d) for d, _ in result.findings]
            edit = fix_all(result.source.text, diagnostics, settings, result.source.path, self._encoding())
            result.fix_all = [] if edit is None else [self.protocol._converter.structure(edit, types.TextEdit)]
        return result.fix_all

    def fix_all_action(self, uri: str, result: _Linted) -> list[types.CodeAction]:
        """The ``source.fixAll.kerasnanlint`` action, when the document has a safe fix to apply."""
        edits = self.fix_all_edits(uri, result)
        if not edits:
            return []
        changes = types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=result.version), edits=edits
        )
        title = "kerasnanlint: fix all safely fixable findings"
        return [types.CodeAction(title=title, kind=FIX_ALL, edit=types.WorkspaceEdit(document_changes=[changes]))]

    def will_save(self, uri: str) -> list[types.TextEdit]:
        """textDocument/willSaveWaitUntil: the safe fixes, when the editor settings turn fixAllOnSave on."""
        return self.fix_all_edits(uri) if self.editor.fix_all_on_save else []

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


def _size(cells: NotebookCells) -> int:
    """A notebook's size as the large-document limit counts it: its code cells' text."""
    return sum(len(c.text) for c in cells.cells)


def build_server(debounce: float = DEBOUNCE_SECONDS, slow: float = SLOW_LINT_SECONDS) -> KerasNanLanguageServer:
    """A server with its LSP features registered (tests start it in process)."""
    server = KerasNanLanguageServer(debounce, slow)
    engine.reuse_statements(StatementCache())  # the same documents, linted after every pause in typing

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasNanLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.document_changed(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasNanLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.document_changed(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerasNanLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.document_changed(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasNanLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        if not is_cell(ls.workspace, params.text_document.uri):  # a cell's findings go with its notebook
            ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_did_open(ls: KerasNanLanguageServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule_notebook(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_did_change(ls: KerasNanLanguageServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule_notebook(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_did_close(ls: KerasNanLanguageServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget_notebook(params.notebook_document.uri, [c.uri for c in params.cell_text_documents])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: KerasNanLanguageServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params.text_document.uri, params.position)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: KerasNanLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        return ls.code_actions(params)

    _register_settings_features(server)
    return server


def _register_settings_features(server: KerasNanLanguageServer) -> None:
    """Initialization, editor settings, watched files, pull diagnostics and fix-all-on-save."""

    @server.feature(types.INITIALIZE)
    def initialize(ls: KerasNanLanguageServer, params: types.InitializeParams) -> None:
        ls.initialize(params)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: KerasNanLanguageServer, params: types.InitializedParams) -> None:
        await ls.initialized()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: KerasNanLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        await ls.configuration_changed(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: KerasNanLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.watched_files_changed(params)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="kerasnanlint", inter_file_dependencies=True, workspace_diagnostics=False),
    )
    async def diagnostic(
        ls: KerasNanLanguageServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        return await ls.pull_diagnostics(params)

    @server.feature(types.TEXT_DOCUMENT_WILL_SAVE_WAIT_UNTIL)
    def will_save_wait_until(
        ls: KerasNanLanguageServer, params: types.WillSaveTextDocumentParams
    ) -> list[types.TextEdit]:
        return ls.will_save(params.text_document.uri)


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="kerasnanlint-lsp: %(levelname)s %(message)s")
    build_server().start_io()
