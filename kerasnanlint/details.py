"""A finding's details beyond its place and message: its fix and ``where`` (the function, builder and statement
holding it). Built with the findings, or, inside ``deferred_details()``, only when asked: the Language Server
publishes every finding after each pause in typing but needs a fix only for the few an editor asks code actions
for, and never needs ``where`` (on a file with a finding every four lines, building both for all of them was
half of a lint)."""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import itertools
import os
from collections.abc import Iterator, Mapping

import libcst as cst
from libcst.metadata import CodeRange

from kerasnanlint.context import Context, PendingFix, Report
from kerasnanlint.diagnostics import Diagnostic, Edit, Fix, Where
from kerasnanlint.positions import Positions
from kerasnanlint.registry import RULES
from kerasnanlint.semantics.module import children

_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("kerasnanlint_deferred_details", default=False)


@contextlib.contextmanager
def deferred_details() -> Iterator[None]:
    """Lints inside this block leave their findings' fixes and ``where`` to ``Details.complete``. The flag is a
    context variable: it follows the lint to the large-stack thread, and a worker process never sees it (its
    findings come back complete)."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


# A node's children with positions: their span ends (None when the spans are not in order), spans and nodes.
_Children = tuple[list[int] | None, list[tuple[int, int]], list[cst.CSTNode]]


class Details:
    """The fixes and places of one file's findings: all at once (``complete_all``), or each when asked."""

    def __init__(self, ctx: Context, found: list[tuple[Report, Diagnostic]]) -> None:
        self._ctx = ctx
        self._found = found
        self._reports = {d: r for r, d in found}
        self._spans: dict[cst.CSTNode, _Children] = {}  # where_of's index, shared by every finding of the file

    @staticmethod
    def deferred() -> bool:
        return _DEFERRED.get()

    def complete_all(self) -> list[Diagnostic]:
        """Every finding, complete."""
        return [self._complete(r, d) for r, d in self._found]

    def complete(self, d: Diagnostic) -> Diagnostic:
        """``d`` with its fix and ``where``; ``d`` itself when it is not one of this file's reports (KNL001 builds
        its own fix) or is already complete."""
        r = self._reports.get(d)
        return d if r is None or d.where is not None else self._complete(r, d)

    def _complete(self, r: Report, d: Diagnostic) -> Diagnostic:
        positions = self._ctx.positions
        assert isinstance(positions, Positions)
        fix = r.fix if r.fix is not None or r.rule.fixer is None else build_fix(self._ctx, r)
        where = where_of(self._ctx.module, positions, r.node, self._spans)
        return d.with_(fix=resolve_fix(fix, positions), where=where)


def build_fix(ctx: Context, report: Report) -> PendingFix | None:
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


def resolve_fix(fix: PendingFix | None, positions: Mapping[cst.CSTNode, CodeRange]) -> Fix | None:
    """A fixer's edits, which name nodes, as edits at lines and columns."""
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
