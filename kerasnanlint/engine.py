"""source -> parse once -> facts -> checks -> positions -> suppressions -> diagnostics."""

from __future__ import annotations

import bisect
import contextvars
import itertools
import os
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import libcst as cst
from libcst.metadata import CodeRange

from kerasnanlint.cancel import checkpoint
from kerasnanlint.config import Settings
from kerasnanlint.context import Context, PendingFix, Report
from kerasnanlint.diagnostics import Analysis, Diagnostic, Edit, Fix, Where
from kerasnanlint.files import mentions_keras
from kerasnanlint.incremental import StatementCache
from kerasnanlint.positions import Positions, Spans
from kerasnanlint.registry import RULES, SYNTAX_ERROR, checks_for
from kerasnanlint.semantics.linked import Linked
from kerasnanlint.semantics.module import ModuleFacts, children, collect
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
    result = Analysis(_diagnostics(ctx, path, settings))
    if linked is not None:
        from kerasnanlint.semantics.summary import build_summary  # only project runs build summaries

        result.summary = build_summary(ctx.facts)
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


def _diagnostics(ctx: Context, path: str, settings: Settings) -> list[Diagnostic]:
    module, text = ctx.module, ctx.source
    reports = [
        r
        for r in ctx.reports
        if settings.rule_selected(r.rule.code) and not settings.ignored_for_path(r.rule.code, path)
    ]
    if not reports:
        return unused_noqa(text, path, settings, ())
    positions = ctx.positions
    assert isinstance(positions, Positions)
    for r in reports:
        if r.fix is None and r.rule.fixer is not None:
            r.fix = _build_fix(ctx, r)
    suppress = parse_suppressions(text)
    spans: dict[cst.CSTNode, _Children] = {}  # where_of's index, shared by every finding of the file
    out: list[Diagnostic] = []
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
        out.append(
            Diagnostic(
                r.rule.code,
                r.rule.name,
                settings.severity_of(r.rule.code, r.rule.severity),
                path,
                line,
                col,
                rng.end.line,
                rng.end.column + 1,
                r.message,
                _resolve_fix(r.fix, positions),
                where=where_of(module, positions, r.node, spans),
                help=r.help,
            )
        )
    out.extend(unused_noqa(text, path, settings, reported))
    out.sort(key=Diagnostic.sort_key)
    return out


def _build_fix(ctx: Context, report: Report) -> PendingFix | None:
    """The rule's fixer, or None when it has no certain fix. A fix is a convenience, the finding is not: a
    fixer's crash means "no fix" (KERASNANLINT_DEBUG=1, which the tests set, lets the exception through)."""
    fixer = RULES[report.rule.code].fixer  # the registry's record (a test may swap it)
    assert fixer is not None
    try:
        return fixer(ctx, report.node, report.data or {})
    except Exception:
        if os.environ.get("KERASNANLINT_DEBUG"):
            raise
        return None


# A node's children with positions: their span ends (None when the spans are not in order), spans and nodes.
_Children = tuple[list[int] | None, list[tuple[int, int]], list[cst.CSTNode]]


def where_of(
    module: cst.Module, positions: Positions, node: cst.CSTNode, index: dict[cst.CSTNode, _Children] | None = None
) -> Where:
    """The function, builder and module-level statement holding ``node``: a descent from the module through the
    nodes whose span holds it (its depth in steps, not a walk of the file). ``index`` holds the children of the
    nodes descended so far, for the next finding of the same file."""
    index = {} if index is None else index
    start, end = positions.span(node)
    statement = _child_holding(positions, index, module, start, end)
    if statement is None:
        return Where()
    rng = positions[statement]
    first, last = rng.start.line, rng.end.line
    if rng.end.column == 0 and last > first:  # a compound statement ends at the start of the line after it
        last -= 1
    if isinstance(statement, cst.SimpleStatementLine):  # like ast: the statement, not its line's newline
        last = positions[statement.body[-1]].end.line
    chain: list[cst.FunctionDef | cst.ClassDef] = []
    current: cst.CSTNode | None = statement
    while current is not None:
        if isinstance(current, cst.FunctionDef | cst.ClassDef):
            chain.append(current)
        current = _child_holding(positions, index, current, start, end)
    builder = (
        statement.name.value if isinstance(statement, cst.FunctionDef) and statement.asynchronous is None else None
    )
    while chain and isinstance(chain[-1], cst.ClassDef):
        chain.pop()  # the innermost function, with the classes and functions around it
    function = None
    if len(chain) == 1 or (len(chain) == 2 and isinstance(chain[0], cst.ClassDef)):
        function = ".".join(n.name.value for n in chain)
    return Where(function, builder, (first, last))


def _child_holding(
    positions: Positions, index: dict[cst.CSTNode, _Children], node: cst.CSTNode, start: int, end: int
) -> cst.CSTNode | None:
    """The first child of ``node`` whose span holds ``start``-``end``. Children in source order have ordered
    spans, so the first one ending at or after ``end`` is the only candidate: a bisection, not a scan of a body
    of thousands of statements for each finding."""
    kids = index.get(node)
    if kids is None:
        nodes = [c for c in children(node) if c in positions]
        spans = [positions.span(c) for c in nodes]
        ordered = all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(spans))
        kids = index[node] = ([s[1] for s in spans] if ordered else None, spans, nodes)
    ends, spans, nodes = kids
    if ends is None:
        return next((c for c, s in zip(nodes, spans, strict=True) if _holds(s, start, end)), None)
    i = bisect.bisect_left(ends, end)
    return nodes[i] if i < len(nodes) and _holds(spans[i], start, end) else None


def _holds(span: tuple[int, int], start: int, end: int) -> bool:
    return span[0] <= start and end <= span[1]


def _resolve_fix(fix: PendingFix | None, positions: Mapping[cst.CSTNode, CodeRange]) -> Fix | None:
    if fix is None:
        return None
    edits = []
    for e in fix.edits:
        rng = positions[e.node]
        start = (rng.start.line, rng.start.column + 1)
        end = (rng.end.line, rng.end.column + 1)
        if e.where == "before":
            end = start
        elif e.where == "after":
            start = end
        elif e.where == "line_after":
            start = end = (rng.end.line + 1, 1)
        edits.append(Edit(*start, *end, e.content))
    return Fix(fix.title, fix.applicability, tuple(sorted(edits)))
