"""The command line's ``--fix``, ``--unsafe-fixes`` and ``--diff``: read the files, fix them with kerasnanlint/fix.py,
write them back, print the diffs, messages and summaries.

As in ruff, ``--unsafe-fixes`` alone applies nothing (it only widens what --fix and --diff apply), ``--diff``
prints the diff and writes nothing, and standard input with --fix prints the fixed source. Files are written
atomically, in their own encoding, newline style and permissions, and never when they changed on disk while we
worked.
"""

from __future__ import annotations

import difflib
import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kerasnanlint.diagnostics import Applicability, Diagnostic
from kerasnanlint.files import is_notebook_path
from kerasnanlint.fix import MAX_ROUNDS, FixResult, allowed, fix_bytes
from kerasnanlint.source import NEWLINE, SourceFile, source_encoding

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import Sources


# --- files ------------------------------------------------------------------------------------------------------


class WriteRefused(Exception):
    """A fix that must not be written: the reason is the message."""


def write_atomic(path: Path, data: bytes, expected: bytes) -> bool:
    """Replace ``path``'s content with ``data`` unless it no longer holds ``expected`` (False then).

    A write-protected file (no write bit set, even for root) is refused with WriteRefused, as ruff and black
    refuse it. Otherwise a complete copy is written and synced beside the target first, so a crash never leaves
    the file truncated. That copy is renamed over the target (atomic) with the target's mode, owner, group and
    extended attributes (ACLs); a file with other hard links is instead rewritten in place, so that the links
    stay one file (a crash there leaves the synced copy, ``.<name>.*.knl-tmp``, beside it). A symlink is
    followed: its target is rewritten, the link stays. An OSError propagates: the caller reports it per file.
    """
    target = Path(os.path.realpath(path))
    if target.read_bytes() != expected:
        return False
    st = target.stat()
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteRefused("permission denied (the file is write-protected)")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".knl-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if target.read_bytes() != expected:  # changed while we wrote: leave the user's version
            os.unlink(tmp)
            return False
        if st.st_nlink > 1:
            _rewrite_in_place(target, data)
            os.unlink(tmp)
        else:
            _copy_identity(target, tmp, st)
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp) and st.st_nlink <= 1:
            os.unlink(tmp)
        raise
    return True


def _rewrite_in_place(target: Path, data: bytes) -> None:
    with open(target, "r+b") as fh:
        fh.write(data)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())


def _copy_identity(target: Path, tmp: str, st: os.stat_result) -> None:
    """Give the new file the old one's mode, owner, group and extended attributes (ACLs live there)."""
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except PermissionError:  # not ours to give away: the new file stays the writer's, as an editor's save
            pass
    if hasattr(os, "listxattr"):
        try:
            for name in os.listxattr(target):
                os.setxattr(tmp, name, os.getxattr(target, name))
        except OSError:  # a file system without xattrs, or one that refuses them
            pass


@dataclass
class FixRun:
    """What fixing a run's files produced."""

    diagnostics: list[Diagnostic]  # the findings left, for all files, sorted
    fixed: int
    results: list[FixResult]
    messages: list[str]  # for standard error: dropped fixes, files left alone
    written: list[SourceFile] = field(default_factory=list)  # the new text of each file rewritten
    diffs: dict[str, str] = field(default_factory=dict)  # a notebook's diff, cell by cell, by path
    refused: int = 0  # files whose fixes could not be written (write-protected, read-only folder, full disk)
    applied: dict[str, list[str]] = field(default_factory=dict)  # path -> the rule of each fix written


def fix_paths(
    diagnostics: list[Diagnostic],
    settings: Settings,
    *,
    unsafe: bool,
    write: bool = True,
    digests: Mapping[str, str] | None = None,
) -> FixRun:
    """Fix every file that has an applicable fix; return the findings left (for all files) and the count.

    A file's findings in ``diagnostics`` are its first round (no second lint of an unchanged file).
    ``digests`` (RunResult.digests) name the bytes they were computed from: a file changed since is linted
    afresh. None trusts the findings to be those of the files as they are.
    """
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    run = FixRun([], 0, [], [])
    for path, diags in by_path.items():
        if any(allowed(d.fix, unsafe) for d in diags):
            run.diagnostics.extend(_fix_path(path, diags, settings, unsafe, write, digests, run))
        else:
            run.diagnostics.extend(diags)
    run.diagnostics.sort(key=Diagnostic.sort_key)
    return run


def _fix_path(
    path: str,
    diags: list[Diagnostic],
    settings: Settings,
    unsafe: bool,
    write: bool,
    digests: Mapping[str, str] | None,
    run: FixRun,
) -> list[Diagnostic]:
    """Fix one file, recording into ``run``; returns the file's findings as the output will show them."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        run.messages.append(f"{path}: not fixed, cannot read it: {exc.strerror or exc}")
        return diags
    first_round: list[Diagnostic] | None = diags
    if digests is not None:
        from kerasnanlint.runner import file_digest

        if digests.get(path) != file_digest(path, data):
            first_round = None  # changed since the run linted it: lint what is there now
    try:
        result, new = _fix_file_bytes(data, path, settings, unsafe, first_round, run)
    except RecursionError:
        run.messages.append(f"{path}: not fixed, too deeply nested to analyse")
        return diags
    run.results.append(result)
    run.messages.extend(f"{path}: {m}" for m in result.dropped)
    if not result.converged:
        run.messages.append(f"{path}: fixes did not converge after {MAX_ROUNDS} rounds")
    if write and new != data:
        try:
            if not write_atomic(Path(path), new, data):
                run.messages.append(f"{path}: changed on disk while fixing; not overwritten")
                return diags
        except (WriteRefused, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            run.messages.append(f"{path}: not fixed: {reason}")
            run.refused += 1
            return diags
        # Renderers read the new text (a notebook's JSON: they find the cells in it).
        written = new.decode("utf-8") if is_notebook_path(path) else result.text
        run.written.append(SourceFile(path, written, source_encoding(new)))
    run.fixed += result.fixed
    if result.applied:
        run.applied[path] = result.applied
    if write or new == data:
        return result.remaining
    return diags  # --diff: nothing written, the findings stay as they are on disk


def _fix_file_bytes(
    data: bytes, path: str, settings: Settings, unsafe: bool, first_round: list[Diagnostic] | None, run: FixRun
) -> tuple[FixResult, bytes]:
    """fix_bytes, or for a notebook fix_notebook (its cell-by-cell diff goes into ``run.diffs``)."""
    if not is_notebook_path(path):
        return fix_bytes(data, path, settings, unsafe=unsafe, diagnostics=first_round)
    from kerasnanlint.notebook_lint import fix_notebook

    fixed = fix_notebook(data, path, settings, unsafe=unsafe, diagnostics=first_round)
    if fixed.refused:
        run.messages.append(f"{path}: {fixed.refused}")
    run.diffs[path] = notebook_diff(path, fixed.cells)
    return fixed.result, fixed.data


def notebook_diff(path: str, cells: Mapping[int, tuple[str, str]]) -> str:
    """A notebook's changes as one unified diff per changed cell, headed ``path:cell N`` as ruff prints them."""

    def whole(text: str) -> str:  # a cell's last line has no newline: no "No newline at end of file" noise
        return text if text.endswith("\n") else text + "\n"

    return "".join(unified_diff(f"{path}:cell {n}", whole(a), whole(b)) for n, (a, b) in sorted(cells.items()))


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of a file's text, as git prints it (a last line without newline gets git's marker)."""
    a = NEWLINE.split(before)
    b = NEWLINE.split(after)
    # Re-attach "\n" per line for difflib.
    lines_a = [x + "\n" for x in a[:-1]] + ([a[-1] + "\n\\ No newline at end of file\n"] if a[-1] else [])
    lines_b = [x + "\n" for x in b[:-1]] + ([b[-1] + "\n\\ No newline at end of file\n"] if b[-1] else [])
    return "".join(difflib.unified_diff(lines_a, lines_b, fromfile=path, tofile=path))


# --- the command line -------------------------------------------------------------------------------------------


def fix_files(
    diagnostics: list[Diagnostic],
    settings: Settings,
    sources: Sources,
    *,
    unsafe: bool,
    diff: bool,
    digests: Mapping[str, str] | None,
) -> tuple[list[Diagnostic], int, dict[str, list[str]]]:
    """``--fix`` / ``--diff`` on the files of a run. Returns the findings left, how many were fixed and the rules
    of the fixes applied, by path; the texts written go into ``sources`` for the renderers. Messages go to
    standard error, the diff to standard output."""
    run = fix_paths(diagnostics, settings, unsafe=unsafe, write=not diff, digests=digests)
    for m in run.messages:
        print(f"kerasnanlint: {m}", file=sys.stderr)
    for source in run.written:
        sources.add(source)
    if diff:
        for r in run.results:
            if r.changed:
                sys.stdout.write(run.diffs.get(r.path) or unified_diff(r.path, r.original, r.text))
        _diff_summary(run.fixed, run.diagnostics, unsafe)
    return run.diagnostics, run.fixed, run.applied


def fix_stdin(
    data: bytes,
    name: str,
    diagnostics: list[Diagnostic],
    settings: Settings,
    sources: Sources,
    *,
    excluded: bool,
    unsafe: bool,
    diff: bool,
) -> tuple[list[Diagnostic], int, dict[str, list[str]]]:
    """``--fix`` / ``--diff`` on standard input (``diagnostics`` are its findings, under ``name``).

    --fix prints the source, fixed or not, so that editors can pipe a buffer through it; an ``excluded`` file
    passes through untouched. Returns the findings left, how many were fixed and the rules of the fixes applied.
    """
    if excluded:
        if not diff:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        return diagnostics, 0, {}
    run = FixRun([], 0, [], [])
    result, new = _fix_file_bytes(data, name, settings, unsafe, diagnostics, run)
    for m in [*run.messages, *(f"{name}: {m}" for m in result.dropped)]:
        print(f"kerasnanlint: {m}", file=sys.stderr)
    if diff:
        if result.changed:
            sys.stdout.write(run.diffs.get(name) or unified_diff(name, result.original, result.text))
        _diff_summary(result.fixed, result.remaining, unsafe)
        return diagnostics, result.fixed, {}
    sys.stdout.flush()
    sys.stdout.buffer.write(new)
    sys.stdout.buffer.flush()
    text = new.decode("utf-8") if is_notebook_path(name) else result.text
    sources.add(SourceFile(name, text, source_encoding(new)))  # the findings left refer to the fixed text
    return result.remaining, result.fixed, {name: result.applied} if result.applied else {}


# --- summaries ----------------------------------------------------------------------------------------------------


def fix_summary(diagnostics: list[Diagnostic], unsafe: bool) -> str | None:
    """ruff's closing hint: how many findings --fix would fix, and how many more --unsafe-fixes would."""
    fixable = sum(1 for d in diagnostics if allowed(d.fix, unsafe))
    hidden = 0 if unsafe else _hidden_unsafe(diagnostics)
    more = f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option" if hidden else ""
    if fixable:
        return f"[*] {fixable} fixable with the `--fix` option" + (f" ({more})." if more else ".")
    return f"No fixes available ({more})." if more else None


def _diff_summary(fixed: int, left: list[Diagnostic], unsafe: bool) -> None:
    hidden = 0 if unsafe else _hidden_unsafe(left)
    hint = f" ({_plural(hidden, 'fix')} available with `--unsafe-fixes`)" if hidden else ""
    if fixed:
        print(f"Would fix {_plural(fixed, 'finding')}{hint}.", file=sys.stderr)
    else:
        print(f"No findings would be fixed{hint}.", file=sys.stderr)


def _hidden_unsafe(diagnostics: list[Diagnostic]) -> int:
    return sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == Applicability.UNSAFE)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('x') else 's'}"
