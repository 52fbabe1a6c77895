"""Apply the fixes findings carry: ``--fix``, ``--unsafe-fixes``, ``--diff``.

A file is fixed in rounds, like ruff: lint, apply every applicable fix whose edits do not overlap another's
(bottom-up, so earlier offsets stay valid), re-parse and re-lint, repeat until nothing applicable is left. A
round whose result does not parse, cannot be encoded in the file's encoding, keeps a finding it meant to remove
or brings a new one that cannot be fixed in turn is retried one fix at a time; a fix that fails alone is
dropped and reported. The end result never holds more warnings or errors of a rule than the file had. Files are written
atomically, in their own encoding, newline style and permissions, and never when they changed on disk while
we worked.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
import tempfile
import tokenize
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kerasnanlint.diagnostics import Applicability, Diagnostic, Fix, Severity

if TYPE_CHECKING:
    from kerasnanlint.config import Settings

# ruff stops after 100 rounds; our fixes rarely chain, so a smaller bound still converges.
MAX_ROUNDS = 25
_NEWLINE = re.compile(r"\r\n|\r|\n")


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

    @property
    def changed(self) -> bool:
        return self.text != self.original


def allowed(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (unsafe or fix.applicability == Applicability.SAFE)


# --- text edits ---------------------------------------------------------------------------------------------


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in _NEWLINE.finditer(text))
    return starts


def _offset(starts: list[int], text: str, line: int, col: int) -> int:
    if line > len(starts):  # just past the last line (an insertion after a final statement)
        return len(text)
    return min(starts[line - 1] + col - 1, len(text))


def newline_of(text: str) -> str:
    m = _NEWLINE.search(text)
    return m.group() if m else "\n"


def _spans(text: str, starts: list[int], fix: Fix) -> list[tuple[int, int, str]]:
    nl = newline_of(text)
    spans = []
    for e in fix.edits:
        content = _NEWLINE.sub(lambda _: nl, e.content)  # fixers write \n; the file keeps its own newlines
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
    from kerasnanlint.engine import SourceError, lint_module, parse
    from kerasnanlint.files import mentions_keras

    try:
        module = parse(text)
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
    text: str
    diagnostics: list[Diagnostic]
    fixed: int


def fix_text(text: str, path: str, settings: Settings, *, unsafe: bool = False, encoding: str = "utf-8") -> FixResult:
    """Fix one file's (decoded) text in rounds; ``remaining`` are the findings of the result."""
    result = FixResult(path, text, text)
    current = _lint(text, path, settings)
    if isinstance(current, str):  # an unparsable file has nothing to fix (KNL000 is reported elsewhere)
        from kerasnanlint.engine import lint_source

        result.remaining = lint_source(text, path, settings)
        return result
    rejected: set[tuple[Any, ...]] = set()

    def fixable(d: Diagnostic) -> bool:
        return allowed(d.fix, unsafe) and _key(d) not in rejected

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
            history.append(_State(new, after, result.fixed))
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
            history.append(_State(new, after, result.fixed))
            break  # the other fixes' positions refer to the old text: re-lint first
    else:
        result.converged = not any(fixable(d) for d in current)
    # The end result may not hold more findings of any rule than the file had: otherwise go back to the last
    # round that did not (a finding revealed by one fix whose own fix was then dropped).
    original = Counter(d.rule for d in history[0].diagnostics)

    def worse_than_original(state: _State) -> list[str]:
        counts = Counter(d.rule for d in state.diagnostics)
        return sorted(r for r, n in counts.items() if n > original[r] and not _advice_only(state.diagnostics, r))

    final = history[-1]
    while worse_than_original(final):
        history.pop()
        worse = worse_than_original(final)
        result.dropped.append(f"{final.fixed - history[-1].fixed} fix(es) undone: they led to new {', '.join(worse)}")
        final = history[-1]
    result.text, result.fixed, result.remaining = final.text, final.fixed, final.diagnostics
    return result


# --- files ----------------------------------------------------------------------------------------------------


def source_encoding(data: bytes) -> str:
    """The codec that writes text back as the file had it: PEP 263 cookie, BOM (utf-8-sig) or UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return encoding


def write_atomic(path: Path, data: bytes, expected: bytes) -> bool:
    """Replace ``path``'s content with ``data`` unless it no longer holds ``expected``.

    A temporary file in the same folder is renamed over the target (atomic on POSIX and Windows), after
    taking the target's permission bits. A symlink is followed: its target is rewritten, the link stays.
    """
    target = Path(os.path.realpath(path))
    try:
        if target.read_bytes() != expected:
            return False
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".knl-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if target.read_bytes() != expected:  # changed while we wrote: leave the user's version
            os.unlink(tmp)
            return False
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def fix_bytes(data: bytes, path: str, settings: Settings, *, unsafe: bool) -> tuple[FixResult, bytes]:
    """Fix a file's bytes: the result and the bytes to write (equal to ``data`` when nothing changed)."""
    from kerasnanlint.engine import SourceError, decode, lint_source

    try:
        text = decode(data)
    except SourceError:
        return FixResult(path, "", "", remaining=lint_source(data, path, settings)), data
    encoding = source_encoding(data)
    result = fix_text(text, path, settings, unsafe=unsafe, encoding=encoding)
    if not result.changed:
        return result, data
    return result, result.text.encode(encoding)


def unified_diff(path: str, before: str, after: str) -> str:
    a = _NEWLINE.split(before)
    b = _NEWLINE.split(after)
    # Re-attach "\n" per line for difflib; a last line without newline gets git's marker.
    lines_a = [x + "\n" for x in a[:-1]] + ([a[-1] + "\n\\ No newline at end of file\n"] if a[-1] else [])
    lines_b = [x + "\n" for x in b[:-1]] + ([b[-1] + "\n\\ No newline at end of file\n"] if b[-1] else [])
    return "".join(difflib.unified_diff(lines_a, lines_b, fromfile=path, tofile=path))


@dataclass
class FixRun:
    diagnostics: list[Diagnostic]
    fixed: int
    results: list[FixResult]
    messages: list[str]  # for standard error: dropped fixes, files left alone


def fix_paths(diagnostics: list[Diagnostic], settings: Settings, *, unsafe: bool, write: bool = True) -> FixRun:
    """Fix every file that has an applicable fix; return the findings left (for all files) and the count."""
    from kerasnanlint.formats import source_lines

    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    out: list[Diagnostic] = []
    results: list[FixResult] = []
    messages: list[str] = []
    fixed = 0
    for path, diags in by_path.items():
        if not any(allowed(d.fix, unsafe) for d in diags):
            out.extend(diags)
            continue
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            messages.append(f"{path}: not fixed, cannot read it: {exc.strerror or exc}")
            out.extend(diags)
            continue
        try:
            result, new = fix_bytes(data, path, settings, unsafe=unsafe)
        except RecursionError:
            messages.append(f"{path}: not fixed, too deeply nested to analyse")
            out.extend(diags)
            continue
        results.append(result)
        messages.extend(f"{path}: {m}" for m in result.dropped)
        if not result.converged:
            messages.append(f"{path}: fixes did not converge after {MAX_ROUNDS} rounds")
        if write and new != data:
            if not write_atomic(Path(path), new, data):
                messages.append(f"{path}: changed on disk while fixing; not overwritten")
                out.extend(diags)
                continue
            remember = getattr(source_lines, "remember", None)
            if remember is not None:  # renderers must read the new text, not a cached old one
                remember(path, result.text)
        if write or new == data:
            out.extend(result.remaining)
            fixed += result.fixed
        else:  # --diff: nothing written, the findings stay as they are on disk
            out.extend(diags)
            fixed += result.fixed
    out.sort(key=Diagnostic.sort_key)
    return FixRun(out, fixed, results, messages)


def fix_summary(diagnostics: list[Diagnostic], unsafe: bool) -> str | None:
    """ruff's closing hint: how many findings --fix would fix, and how many more --unsafe-fixes would."""
    fixable = sum(1 for d in diagnostics if allowed(d.fix, unsafe))
    hidden = 0 if unsafe else _hidden_unsafe(diagnostics)
    more = f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option" if hidden else ""
    if fixable:
        return f"[*] {fixable} fixable with the `--fix` option" + (f" ({more})." if more else ".")
    return f"No fixes available ({more})." if more else None


def _hidden_unsafe(diagnostics: list[Diagnostic]) -> int:
    return sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == Applicability.UNSAFE)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('x') else 's'}"


def apply_fixes_cli(args: Any, settings: Settings, diagnostics: list[Diagnostic]) -> tuple[list[Diagnostic], int]:
    """The CLI's --fix / --unsafe-fixes / --diff. Returns the findings left and how many were fixed.

    As in ruff, ``--unsafe-fixes`` alone applies nothing (it only widens what --fix and --diff apply), and
    ``--diff`` prints the diff and writes nothing. Standard input with --fix prints the fixed source.
    """
    if not (args.fix or args.diff):
        return diagnostics, 0
    unsafe = bool(args.unsafe_fixes)
    err: TextIO = sys.stderr
    stdin_data = getattr(args, "stdin_data", None)
    if stdin_data is not None:
        return _fix_stdin(args, settings, diagnostics, stdin_data, unsafe)
    run = fix_paths(diagnostics, settings, unsafe=unsafe, write=not args.diff)
    for m in run.messages:
        print(f"kerasnanlint: {m}", file=err)
    if args.diff:
        for r in run.results:
            if r.changed:
                sys.stdout.write(unified_diff(r.path, r.original, r.text))
        _diff_summary(run.fixed, run.diagnostics, unsafe, err)
    return run.diagnostics, run.fixed


def _diff_summary(fixed: int, left: list[Diagnostic], unsafe: bool, err: TextIO) -> None:
    hidden = 0 if unsafe else _hidden_unsafe(left)
    hint = f" ({_plural(hidden, 'fix')} available with `--unsafe-fixes`)" if hidden else ""
    if fixed:
        print(f"Would fix {_plural(fixed, 'finding')}{hint}.", file=err)
    else:
        print(f"No findings would be fixed{hint}.", file=err)


def _fix_stdin(
    args: Any, settings: Settings, diagnostics: list[Diagnostic], data: bytes, unsafe: bool
) -> tuple[list[Diagnostic], int]:
    path = args.stdin_filename or "-"
    if args.stdin_filename and settings.force_exclude and settings.is_excluded(path):
        if not args.diff:
            sys.stdout.buffer.write(data)  # excluded: passed through untouched
            sys.stdout.buffer.flush()
        return diagnostics, 0
    result, new = fix_bytes(data, path, settings, unsafe=unsafe)
    for m in result.dropped:
        print(f"kerasnanlint: {path}: {m}", file=sys.stderr)
    if args.diff:
        if result.changed:
            sys.stdout.write(unified_diff(path, result.original, result.text))
        _diff_summary(result.fixed, result.remaining, unsafe, sys.stderr)
        return diagnostics, result.fixed
    # ruff prints the source, fixed or not, so that editors can pipe a buffer through --fix.
    sys.stdout.flush()
    sys.stdout.buffer.write(new)
    sys.stdout.buffer.flush()
    from kerasnanlint.formats import source_lines

    remember = getattr(source_lines, "remember", None)
    if remember is not None:
        remember(path, result.text)
    return result.remaining, result.fixed
