"""source -> parse once -> facts -> checks -> positions -> suppressions -> diagnostics."""

from __future__ import annotations

import os
import threading
import tokenize
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Applicability, Diagnostic, Edit, Fix
from kerasnanlint.files import mentions_keras
from kerasnanlint.positions import Positions
from kerasnanlint.registry import CHECKS, FIXERS, RULES, SYNTAX_ERROR, Rule, load_checks
from kerasnanlint.semantics.module import ModuleFacts, collect
from kerasnanlint.suppressions import parse_suppressions


@dataclass(frozen=True)
class NodeEdit:
    """Part of a fix before positions are known: replace ``node``'s text, or insert before/after it.

    ``"line_after"`` inserts at the start of the line after the node's last line (a new import after an
    import statement keeps that statement's trailing comment where it was).
    """

    node: cst.CSTNode
    content: str
    where: str = "replace"  # "replace" | "before" | "after" | "line_after"


@dataclass(frozen=True)
class PendingFix:
    title: str
    applicability: Applicability
    edits: tuple[NodeEdit, ...]


@dataclass
class _Report:
    node: cst.CSTNode
    rule: Rule
    message: str
    fix: PendingFix | None
    data: dict[str, Any] | None = None


@dataclass
class Context:
    """What a check sees: the file's facts, its settings, and ``report``."""

    path: str
    source: str
    module: cst.Module
    facts: ModuleFacts
    settings: Settings
    reports: list[_Report] = field(default_factory=list)
    # Node positions, filled in before fixers run (a fixer may need a line's indentation); None during checks.
    positions: Mapping[cst.CSTNode, CodeRange] | None = None

    def report(
        self,
        node: cst.CSTNode,
        rule: Rule,
        message: str,
        fix: PendingFix | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record a finding on ``node``. ``data`` carries facts a fixer needs (e.g. the logged metric name)."""
        self.reports.append(_Report(node, rule, message, fix, data))

    def code(self, node: cst.CSTNode) -> str:
        """Source text of a node (for messages and fixes)."""
        return self.module.code_for_node(node)


class SourceError(Exception):
    """A file that cannot be decoded or parsed: reported as KNL000."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def decode(data: bytes) -> str:
    """Bytes -> text honouring a PEP 263 coding cookie and a BOM (UTF-8 by default)."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"cannot decode file: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise SourceError(f"cannot decode file as {encoding}: {exc}", line) from None
    return text.removeprefix("\ufeff")


# LibCST's native parser recurses once per nesting level. On the main thread's 8 MiB stack a pathological but
# valid file (a 20,000-term sum, thousands of nested calls) overflows it and kills the whole process, which no
# try/except can catch. Parsing on a thread with a large stack (pages are committed only as they are touched)
# turns such files back into ordinary ones.
_PARSE_STACK_BYTES = 1 << 30
_parse_thread: tuple[int, ThreadPoolExecutor] | None = None


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


def parse(source: str) -> cst.Module:
    try:
        return _parser().submit(cst.parse_module, source).result()
    except cst.ParserSyntaxError as exc:
        python = _python_syntax_error(source)
        if python is not None:  # CPython's message and line are the ones users know ("'(' was never closed")
            raise python from None
        message = str(exc.message).strip() if hasattr(exc, "message") else str(exc).splitlines()[0]
        raise SourceError(f"syntax error: {message}", exc.raw_line, exc.raw_column + 1) from None
    except (RecursionError, MemoryError) as exc:
        raise SourceError(f"cannot parse file: {type(exc).__name__}") from None


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


def source_error_diagnostic(path: str, error: SourceError, settings: Settings) -> Diagnostic:
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
    )


def _active_checks(settings: Settings) -> list:
    load_checks()
    return [c for c in CHECKS if any(settings.rule_selected(r.code) for r in c.rules)]


def lint_source(source: str | bytes, path: str = "<stdin>", settings: Settings | None = None) -> list[Diagnostic]:
    """Lint one file's text. Never raises for bad input: a file that cannot be read yields KNL000."""
    settings = settings or Settings()
    try:
        text = decode(source) if isinstance(source, bytes) else source
        raw = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
        if not mentions_keras(raw):
            return []
        module = parse(text)
        return lint_module(module, text, path, settings)
    except RecursionError:  # the analysis walks in Python: a tree deeper than its recursion limit
        err = SourceError("file too deeply nested to analyse")
    except SourceError as exc:
        err = exc
    if not settings.rule_selected(SYNTAX_ERROR.code):
        return []
    return [source_error_diagnostic(path, err, settings)]


def lint_module(module: cst.Module, text: str, path: str, settings: Settings) -> list[Diagnostic]:
    ctx = Context(path, text, module, collect(module), settings)
    for chk in _active_checks(settings):
        chk.func(ctx)
    reports = [
        r
        for r in ctx.reports
        if settings.rule_selected(r.rule.code) and not settings.ignored_for_path(r.rule.code, path)
    ]
    if not reports:
        return []
    positions = ctx.positions = Positions(module, text)
    for r in reports:
        if r.fix is None and r.rule.code in FIXERS:
            r.fix = FIXERS[r.rule.code](ctx, r.node, r.data or {})
    suppress = parse_suppressions(text)
    out: list[Diagnostic] = []
    seen: set[tuple[str, int, int, str]] = set()
    for r in reports:
        rng = positions[r.node]
        line, col = rng.start.line, rng.start.column + 1
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
            )
        )
    out.sort(key=Diagnostic.sort_key)
    return out


def _positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Positions are computed only for files that have something to report (see positions.py for the cost)."""
    return Positions(module)


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


def rule(code: str) -> Rule:
    load_checks()
    return RULES[code]
