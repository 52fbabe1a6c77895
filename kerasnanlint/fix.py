"""Fix one file's text with the fixes its findings carry: the edit arithmetic and the rounds.

A pure library (no files, no printing): the command line's ``--fix``, ``--unsafe-fixes`` and ``--diff`` are
kerasnanlint/fix_cli.py. A text is fixed in rounds, like ruff: apply every applicable fix whose edits do not
overlap another's (bottom-up, so earlier offsets stay valid), re-parse and re-lint, repeat until nothing
applicable is left. The first round starts from the findings the caller already has (the run's lint of that
very text); only the texts the rounds produce are linted here. A round whose result does not parse, cannot be
encoded in the file's encoding, keeps a finding it meant to remove or brings a new one that cannot be fixed in
turn is retried one fix at a time; a fix that fails alone is dropped and reported. The end result never holds
more warnings or errors of a rule than the file had.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kerasnanlint.diagnostics import Applicability, Diagnostic, Fix, Severity
from kerasnanlint.source import NEWLINE, SourceError, SourceFile

if TYPE_CHECKING:
    from kerasnanlint.config import Settings


# ruff stops after 100 rounds; our fixes rarely chain, so a smaller bound still converges.
MAX_ROUNDS = 25


@dataclass
class FixResult:
    """What fixing one file's text produced."""

    path: str
    original: str
    text: str
    fixed: int = 0
    remaining: list[Diagnostic] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # "KNL303 (title): why"
    converged: bool = True
    applied: list[str] = field(default_factory=list)  # the rule of each fix kept in ``text`` (--show-fixes)

    @property
    def changed(self) -> bool:
        """Did any fix survive?"""
        return self.text != self.original


def allowed(fix: Fix | None, unsafe: bool) -> bool:
    """May ``fix`` be applied: safe fixes always, unsafe ones with ``--unsafe-fixes``."""
    return fix is not None and (unsafe or fix.applicability == Applicability.SAFE)


# --- text edits ---------------------------------------------------------------------------------------------


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in NEWLINE.finditer(text))
    return starts


def _offset(starts: list[int], text: str, line: int, col: int) -> int:
    if line > len(starts):  # just past the last line (an insertion after a final statement)
        return len(text)
    return min(starts[line - 1] + col - 1, len(text))


def newline_of(text: str) -> str:
    """The newline style of ``text`` (its first newline; \\n when it has none)."""
    m = NEWLINE.search(text)
    return m.group() if m else "\n"


def _spans(text: str, starts: list[int], fix: Fix) -> list[tuple[int, int, str]]:
    nl = newline_of(text)
    spans = []
    for e in fix.edits:
        content = NEWLINE.sub(lambda _: nl, e.content)  # fixers write \n; the file keeps its own newlines
        if e.line > len(starts) and not text.endswith(("\n", "\r")):
            content = nl + content  # a line added after a last line that has no newline of its own
        spans.append((_offset(starts, text, e.line, e.col), _offset(starts, text, e.end_line, e.end_col), content))
    return spans


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    (s1, e1, _), (s2, e2, _) = a, b
    if s1 == e1 or s2 == e2:  # an insertion touching the other edit: their order would be ambiguous
        return s2 <= s1 <= e2 or s1 <= s2 <= e1
    return max(s1, s2) < min(e1, e2)


def apply_fixes(text: str, fixes: list[Fix]) -> str:
    """Apply fixes whose edits do not overlap each other (the caller chose them so)."""
    starts = _line_starts(text)
    spans = [s for f in fixes for s in _spans(text, starts, f)]
    # Bottom-up keeps earlier offsets valid; among insertions at one point the first listed ends up first.
    for start, end, content in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text


def _non_overlapping(text: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    starts = _line_starts(text)
    taken: list[tuple[int, int, str]] = []
    chosen = []
    for d in diagnostics:
        assert d.fix is not None
        spans = _spans(text, starts, d.fix)
        if any(_overlaps(s, t) for s in spans for t in taken):
            continue  # next round, against the text this round produces
        taken.extend(spans)
        chosen.append(d)
    return chosen


# --- one file's text ----------------------------------------------------------------------------------------


def _key(d: Diagnostic) -> tuple[Any, ...]:
    assert d.fix is not None
    return (d.rule, d.message, d.fix.title, tuple(e.content for e in d.fix.edits))


def _lint(text: str, path: str, settings: Settings) -> list[Diagnostic] | str:
    """Findings of ``text``, or why it does not parse."""
    from kerasnanlint.engine import lint_module, parse_script
    from kerasnanlint.files import mentions_keras

    try:
        module, text = parse_script(text)
    except SourceError as err:
        return f"does not parse ({err.message}, line {err.line})"
    if not mentions_keras(text.encode("utf-8", "surrogatepass")):  # the same prefilter as a plain lint
        return []
    return lint_module(module, text, path, settings)


def _check(
    before: list[Diagnostic],
    applied: list[Diagnostic],
    text: str,
    path: str,
    settings: Settings,
    encoding: str,
    fixable: Callable[[Diagnostic], bool],
) -> list[Diagnostic] | str:
    """The findings of the fixed ``text``, or why the fixes must be dropped."""
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return f"cannot be written in the file's encoding ({encoding})"
    after = _lint(text, path, settings)
    if isinstance(after, str):
        return after
    # Positions move, so findings are compared per rule. A rule that was just fixed must have at most its old
    # count minus the findings fixed: more means a fix left the finding it meant to remove (or made another).
    # Another rule may gain findings only when they can be fixed too (objective direction "min" -> "max" makes
    # a maximized objective, which may then want TerminateOnNaN) or are info-level advice (a sigmoid output
    # with binary crossentropy, KNL206); fix_text checks the end result again.
    expect = Counter(d.rule for d in before)
    expect.subtract(Counter(d.rule for d in applied))
    fixed_rules = {d.rule for d in applied}
    counts = Counter(d.rule for d in after)
    worse = []
    for rule, n in sorted(counts.items()):
        excess = n - expect[rule]
        if excess <= 0:
            continue
        if rule not in fixed_rules and _advice_only(after, rule):
            continue
        if rule in fixed_rules or sum(1 for d in after if d.rule == rule and fixable(d)) < excess:
            worse.append(rule)
    if worse:
        return f"leaves or introduces {', '.join(worse)}"
    return after


def _advice_only(diagnostics: list[Diagnostic], rule: str) -> bool:
    """Are all findings of ``rule`` info-level advice (as configured), which a fix may leave behind?"""
    return all(d.severity <= Severity.INFO for d in diagnostics if d.rule == rule)


@dataclass
class _State:
    """The text after an accepted round, its findings and the fixes applied so far."""

    text: str
    diagnostics: list[Diagnostic]
    fixed: int
    applied: tuple[str, ...] = ()  # the rules of the fixes applied so far


def fix_text(
    text: str,
    diagnostics: list[Diagnostic] | None,
    settings: Settings,
    *,
    path: str,
    unsafe: bool = False,
    encoding: str = "utf-8",
) -> FixResult:
    """Fix one file's (decoded) text in rounds; ``remaining`` are the findings of the result.

    ``diagnostics`` are the findings of ``text`` linted as ``path`` with ``settings`` (the run's own, reused for
    the first round); None lints ``text`` first. An unparsable text has no fixes (KNL000 is its finding).
    """
    if diagnostics is None:
        from kerasnanlint.engine import lint_source

        diagnostics = lint_source(text, path, settings)
    result = FixResult(path, text, text)
    rejected: set[tuple[Any, ...]] = set()

    def fixable(d: Diagnostic) -> bool:
        return allowed(d.fix, unsafe) and _key(d) not in rejected

    current = diagnostics
    history = [_State(text, current, 0)]
    for _ in range(MAX_ROUNDS):
        todo = [d for d in current if fixable(d)]
        if not todo:
            break
        chosen = _non_overlapping(result.text, todo)
        new = apply_fixes(result.text, [d.fix for d in chosen if d.fix])
        after = _check(current, chosen, new, path, settings, encoding, fixable)
        if not isinstance(after, str):
            result.text, current, result.fixed = new, after, result.fixed + len(chosen)
            history.append(_State(new, after, result.fixed, history[-1].applied + tuple(d.rule for d in chosen)))
            continue
        # Something in the batch is wrong: find which, one fix at a time.
        for d in chosen:
            assert d.fix is not None
            if len(chosen) > 1:
                new = apply_fixes(result.text, [d.fix])
                after = _check(current, [d], new, path, settings, encoding, fixable)
            if isinstance(after, str):
                rejected.add(_key(d))
                result.dropped.append(f"{d.rule} at {d.line}:{d.col} ({d.fix.title}): the fix {after}")
                continue
            result.text, current, result.fixed = new, after, result.fixed + 1
            history.append(_State(new, after, result.fixed, (*history[-1].applied, d.rule)))
            break  # the other fixes' positions refer to the old text: re-lint first
    else:
        result.converged = not any(fixable(d) for d in current)
    final = _last_not_worse(history, result.dropped)
    result.text, result.fixed, result.remaining = final.text, final.fixed, final.diagnostics
    result.applied = list(final.applied)
    return result


def _last_not_worse(history: list[_State], dropped: list[str]) -> _State:
    """The last round whose findings hold no more of any rule than the file had: later rounds are undone (a
    finding revealed by one fix whose own fix was then dropped), and ``dropped`` says so."""
    original = Counter(d.rule for d in history[0].diagnostics)

    def worse_than_original(state: _State) -> list[str]:
        counts = Counter(d.rule for d in state.diagnostics)
        return sorted(r for r, n in counts.items() if n > original[r] and not _advice_only(state.diagnostics, r))

    final = history[-1]
    while worse_than_original(final):
        history.pop()
        worse = worse_than_original(final)
        dropped.append(f"{final.fixed - history[-1].fixed} fix(es) undone: they led to new {', '.join(worse)}")
        final = history[-1]
    return final


def fix_bytes(
    data: bytes, path: str, settings: Settings, *, unsafe: bool, diagnostics: list[Diagnostic] | None = None
) -> tuple[FixResult, bytes]:
    """Fix a file's bytes: the result and the bytes to write (equal to ``data`` when nothing changed).

    ``diagnostics``: as for fix_text, the findings of ``data`` when the caller has them. The bytes written keep
    the file's encoding (coding cookie, BOM) and newline style.
    """
    try:
        source = SourceFile.from_bytes(path, data)
    except SourceError:
        if diagnostics is None:
            from kerasnanlint.engine import lint_source

            diagnostics = lint_source(data, path, settings)
        return FixResult(path, "", "", remaining=diagnostics), data
    result = fix_text(source.text, diagnostics, settings, path=path, unsafe=unsafe, encoding=source.encoding)
    if not result.changed:
        return result, data
    return result, result.text.encode(source.encoding)
