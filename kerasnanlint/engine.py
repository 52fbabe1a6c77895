"""source -> parse once -> facts -> checks -> positions -> suppressions -> diagnostics."""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import libcst as cst

from kerasnanlint.cancel import checkpoint
from kerasnanlint.config import Settings
from kerasnanlint.context import Context, Report
from kerasnanlint.details import Details
from kerasnanlint.diagnostics import Analysis, Diagnostic
from kerasnanlint.files import mentions_keras
from kerasnanlint.incremental import StatementCache
from kerasnanlint.positions import Positions, Spans
from kerasnanlint.registry import SYNTAX_ERROR, checks_for
from kerasnanlint.semantics.linked import Linked
from kerasnanlint.semantics.module import ModuleFacts, collect
from kerasnanlint.source import SourceError, decode  # re-exported: engine.SourceError is what callers know
from kerasnanlint.suppressions import parse_suppressions
from kerasnanlint.unused_noqa import unused_noqa

_T = TypeVar("_T")

# LibCST's native parser recurses once per nesting level. On the main thread's 8 MiB stack a pathological but
# valid file (a 20,000-term sum, thousands of nested calls) overflows it and kills the whole process, which no
# try/except can catch. Parsing on a thread with a large stack (pages are committed only as they are touched)
# turns such files back into ordinary ones. The analysis runs there too: the walk, the checks and LibCST's
# code generation recurse in Python once per nesting level, so a valid 1,000-term sum would exceed the default
# recursion limit of 1,000. On that thread the limit is raised for the call only; 1 GiB leaves about 10 KiB of
# C stack per level, far more than a Python frame uses.
_PARSE_STACK_BYTES = 1 << 30
_DEEP_RECURSION_LIMIT = 100_000
_parse_thread: tuple[int, ThreadPoolExecutor] | None = None
_on_parse_thread = threading.local()


def _parser() -> ThreadPoolExecutor:
    global _parse_thread
    if _parse_thread is None or _parse_thread[0] != os.getpid():  # a forked worker needs its own thread
        old = threading.stack_size(_PARSE_STACK_BYTES)
        try:
            pool = ThreadPoolExecutor(1, thread_name_prefix="kerasnanlint-parse")
            pool.submit(int).result()  # start the thread now, while the large stack size is set
        finally:
            threading.stack_size(old)
        _parse_thread = (os.getpid(), pool)
    return _parse_thread[1]


def _deep(call: Callable[..., _T], *args: object) -> _T:
    _on_parse_thread.active = True
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, _DEEP_RECURSION_LIMIT))
    try:
        return call(*args)
    finally:
        sys.setrecursionlimit(old)
        _on_parse_thread.active = False


def on_large_stack(call: Callable[..., _T], *args: object) -> _T:
    """``call(*args)`` on the large-stack thread with the raised recursion limit (directly when already there)."""
    if getattr(_on_parse_thread, "active", False):
        return call(*args)
    context = contextvars.copy_context()  # the caller's cancellation token (kerasnanlint/cancel.py) goes along
    return _parser().submit(context.run, _deep, call, *args).result()


def parse(source: str) -> cst.Module:
    """Parse with LibCST on the large-stack thread; SourceError (with CPython's message where it has one)."""
    nul = source.find("\x00")
    if nul >= 0:  # CPython refuses the file; LibCST accepts it, and a NUL in a string literal breaks literal_eval
        line = source.count("\n", 0, nul) + 1
        raise SourceError("syntax error: source code cannot contain null bytes", line, nul - source.rfind("\n", 0, nul))
    try:
        return on_large_stack(cst.parse_module, source)
    except cst.ParserSyntaxError as exc:
        python = _python_syntax_error(source)
        if python is not None:  # CPython's message and line are the ones users know ("'(' was never closed")
            raise python from None
        message = str(exc.message).strip() if hasattr(exc, "message") else str(exc).splitlines()[0]
        raise SourceError(f"syntax error: {message}", exc.raw_line, exc.raw_column + 1) from None
    except (RecursionError, MemoryError) as exc:
        raise SourceError(f"cannot parse file: {type(exc).__name__}") from None


def parse_script(text: str) -> tuple[cst.Module, str]:
    """Parse a script; the module and the text it was parsed from. A script exported from a notebook keeps its
    ``!pip install`` and ``%matplotlib`` lines: when the text does not parse and such lines sit where statements
    start, it is parsed again with them blanked (kerasnanlint/ipython.py), which keeps every other line's number
    and columns. Only lines CPython cannot parse are ever blanked; when the blanked text fails too, its error (the
    one left once the IPython lines are set aside) is reported."""
    try:
        return parse(text), text
    except SourceError:
        if "!" not in text and "%" not in text and "?" not in text:
            raise
        from kerasnanlint.ipython import blank_ipython

        blanked, lines = blank_ipython(text)
        if not lines:
            raise
    return parse(blanked), blanked


def _python_syntax_error(source: str) -> SourceError | None:
    """CPython's own verdict on a file LibCST rejected (only computed for files that fail to parse)."""
    import ast

    try:
        compile(source, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as err:
        return SourceError(f"syntax error: {err.msg}", err.lineno or 1, err.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None  # valid for this Python, yet LibCST cannot parse it: keep LibCST's message


KNL000_HELP = "None of this file's other findings are known until it can be read and parsed; fix it, or exclude it"


def source_error_diagnostic(path: str, error: SourceError, settings: Settings) -> Diagnostic:
    """The KNL000 finding for a file that could not be read, decoded or parsed."""
    rule = SYNTAX_ERROR
    return Diagnostic(
        rule.code,
        rule.name,
        settings.severity_of(rule.code, rule.severity),
        path,
        error.line,
        error.col,
        error.line,
        error.col,
        error.message,
        help=KNL000_HELP,
    )


def lint_source(source: str | bytes, path: str = "<stdin>", settings: Settings | None = None) -> list[Diagnostic]:
    """Lint one file's text. Never raises for bad input: a file that cannot be read yields KNL000."""
    return analyse(source, path, settings).diagnostics


def analyse(
    source: str | bytes,
    path: str = "<stdin>",
    settings: Settings | None = None,
    linked: Linked | None = None,
    *,
    prefilter: bool = True,
) -> Analysis:
    """Lint one file's text in its project: with ``linked`` (the answers about its imports) the result also
    holds the file's summary and the names it asked about. ``prefilter=False`` parses a file that never
    mentions Keras too (a module another file imports: its constants and re-exports matter)."""
    settings = settings or Settings()
    keras = True
    try:
        text = decode(source) if isinstance(source, bytes) else source
        raw = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
        keras = mentions_keras(raw)
        if prefilter and not keras:
            return Analysis([])
        result = on_large_stack(_parse_and_analyse, text, path, settings, linked)
        if not keras:  # parsed for its summary only: its findings are not this run's (the prefilter skips it)
            result.diagnostics = []
        return result
    except RecursionError:  # the analysis walks in Python: a tree deeper than its recursion limit
        err = SourceError("file too deeply nested to analyse")
    except SourceError as exc:
        err = exc
    except Exception as exc:  # a bug of ours: this file gets a finding that says so, and the run goes on
        if os.environ.get("KERASNANLINT_DEBUG"):
            raise
        err = SourceError(f"internal error: {type(exc).__name__}: {exc} (not analysed, please report it)")
    if not keras or not settings.rule_selected(SYNTAX_ERROR.code):
        return Analysis([])
    return Analysis([source_error_diagnostic(path, err, settings)])


def lint_module(
    module: cst.Module, text: str, path: str, settings: Settings, linked: Linked | None = None
) -> list[Diagnostic]:
    """Lint a parsed module: the checks of the selected rules, then fixes, positions and suppressions."""
    return on_large_stack(analyse_module, module, text, path, settings, linked).diagnostics


_statements: StatementCache | None = None


def reuse_statements(cache: StatementCache | None) -> None:
    """Parse files by top-level statements, reusing the ones parsed before (kerasnanlint/incremental.py): for a
    process that lints the same documents again and again, the Language Server."""
    global _statements
    _statements = cache


def _parse_and_analyse(text: str, path: str, settings: Settings, linked: Linked | None) -> Analysis:
    reused = _statements.parse(text) if _statements is not None and "\x00" not in text else None
    if reused is not None:
        return analyse_module(reused[0], text, path, settings, linked, spans=reused[1])
    module, text = parse_script(text)
    return analyse_module(module, text, path, settings, linked)


def analyse_module(
    module: cst.Module,
    text: str,
    path: str,
    settings: Settings,
    linked: Linked | None = None,
    *,
    spans: Spans | None = None,
) -> Analysis:
    """The checks of the selected rules on a parsed module, then fixes, positions and suppressions; ``spans``
    are its nodes' offsets when already known."""
    checkpoint()
    facts = collect(module, linked)
    facts.keras_target = settings.target_keras or _tf1_signal(facts)
    ctx = Context(path, text, module, facts, settings)
    for check in checks_for(settings.rule_selected):
        checkpoint()
        check(ctx)
    checkpoint()
    ctx.positions = Positions(module, text, spans)  # computed on first use: only files with findings pay
    diagnostics, details = _diagnostics(ctx, path, settings)
    result = Analysis(diagnostics, details=details)
    if linked is not None:
        from kerasnanlint.semantics.summary import build_summary  # only project runs build summaries

        result.summary = build_summary(ctx.facts) if linked.summarize else None
        result.demands = linked.asked()
    return result


_TF1_ONLY = ("tf.compat.v1.", "tf.Session", "tf.placeholder", "tensorflow.compat.v1.", "K.get_session")


def _tf1_signal(facts: ModuleFacts) -> str | None:
    """ "2.2?" for code written against TensorFlow 1 (its Keras logged ``acc`` for "accuracy"), else None."""
    if any(full.startswith("tensorflow.compat.v1") for full in facts.imports.aliases.values()):
        return "2.2?"
    if any(site.dotted and site.dotted.startswith(_TF1_ONLY) for site in facts.calls):
        return "2.2?"
    return None


def _diagnostics(ctx: Context, path: str, settings: Settings) -> tuple[list[Diagnostic], Details | None]:
    """The findings of the selected rules not suppressed by a comment, complete or (``deferred_details``) with
    what completes them."""
    text = ctx.source
    reports = [
        r
        for r in ctx.reports
        if settings.rule_selected(r.rule.code) and not settings.ignored_for_path(r.rule.code, path)
    ]
    if not reports:
        return unused_noqa(text, path, settings, ()), None
    positions = ctx.positions
    assert isinstance(positions, Positions)
    suppress = parse_suppressions(text)
    found: list[tuple[Report, Diagnostic]] = []
    seen: set[tuple[str, int, int, str]] = set()
    reported: list[tuple[int, str]] = []  # before noqa comments apply: what KNL001 judges the comments by
    for r in reports:
        rng = positions[r.node]
        line, col = rng.start.line, rng.start.column + 1
        reported.append((line, r.rule.code))
        if suppress.suppressed(r.rule.code, line):
            continue
        key = (r.rule.code, line, col, r.message)
        if key in seen:  # two routes to the same finding (e.g. a function used as loss and metric)
            continue
        seen.add(key)
        severity = settings.severity_of(r.rule.code, r.rule.severity)
        end_line, end_col = rng.end.line, rng.end.column + 1
        d = Diagnostic(r.rule.code, r.rule.name, severity, path, line, col, end_line, end_col, r.message, help=r.help)
        found.append((r, d))
    details, deferred = Details(ctx, found), Details.deferred()
    out = [d for _, d in found] if deferred else details.complete_all()
    out.extend(unused_noqa(text, path, settings, reported))
    out.sort(key=Diagnostic.sort_key)
    return out, details if deferred else None
