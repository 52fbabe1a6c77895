"""KNL001 unused-noqa: the ``# noqa`` codes that suppressed nothing, judged after the file's findings are known.

Modelled on ruff's RUF100, line-level only (``# kerasnanlint: noqa`` file comments are not judged). Only
kerasnanlint's own codes are judged (``KNL...``): ``E501`` or ``F401`` belong to other tools and are left alone,
as ruff leaves its ``external`` codes. A code is *unused* when its rule is enabled for the file and reported
nothing on that line, *unknown* when no rule has it. Unlike ruff, a code whose rule is not enabled for the file
(not selected, ``per-file-ignores``) is not reported: the comment stays right for the configurations that do
enable it (an editor, another CI job), and ``--select KNL001 --fix`` never strips every comment of a codebase.
Codes of the runtime-confirm-only rules (KNL503, KNL504) are never reported: only ``kerasnanlint confirm`` finds
what they suppress. A bare ``# noqa`` that suppressed nothing is reported too, but its fix is unsafe: flake8 and
ruff read the same comment, and it may be there for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Applicability, Diagnostic, Edit, Fix
from kerasnanlint.registry import RULES, UNUSED_NOQA, load_checks
from kerasnanlint.suppressions import _CODE, _FILE, _LINE, ALL, CommentSlots, parse_suppressions


def unused_noqa(text: str, path: str, settings: Settings, reported: Iterable[tuple[int, str]]) -> list[Diagnostic]:
    """KNL001's findings in a file whose enabled rules reported ``reported`` ((line, code), before ``# noqa``
    was applied); none unless KNL001 is selected for the file."""
    code = UNUSED_NOQA.code
    if not settings.rule_selected(code) or "noqa" not in text.lower() or settings.ignored_for_path(code, path):
        return []
    file_codes = parse_suppressions(text).file
    if file_codes is ALL or code in file_codes:
        return []
    load_checks()  # every rule code is known (unknown ones are reported)
    used: dict[int, set[str]] = {}
    for line, c in reported:
        used.setdefault(line, set()).add(c)
    slots = CommentSlots.of(text)
    out = []
    for line, (col, comment) in sorted(slots.comments.items()):
        m = _LINE.search(comment)
        if m is None or _FILE.search(comment):
            continue
        found = _judge(slots.lines[line - 1], line, col, comment, m, used.get(line, set()), settings, path)
        if found is not None:
            out.append(found)
    return out


def _judge(
    text: str,
    line: int,
    col: int,
    comment: str,
    m: re.Match[str],
    used: set[str],
    settings: Settings,
    path: str,
) -> Diagnostic | None:
    """The finding for one ``# noqa`` directive (``m`` in ``comment``, which starts at 0-based ``col``)."""
    start, end = col + m.start() + 1, col + m.end() + 1
    if m.group("codes") is None:
        if used:
            return None
        fix = Fix("Remove the unused `# noqa`", Applicability.UNSAFE, (_remove(text, line, col, comment, m),))
        return _diagnostic(
            path, line, start, end, "Unused blanket `# noqa`: no finding on this line to suppress", fix, settings
        )
    codes = [(c.group(), c.start(), c.end()) for c in _CODE.finditer(m.group("codes"))]
    unused: list[str] = []
    unknown: list[str] = []
    for c, _, _ in codes:
        upper = c.upper()
        if not upper.startswith("KNL") or upper == UNUSED_NOQA.code or upper in used:
            continue
        rule = RULES.get(upper)
        if rule is None:
            unknown.append(c)
        elif not rule.runtime_only and settings.rule_selected(upper) and not settings.ignored_for_path(upper, path):
            unused.append(c)
    if (not unused and not unknown) or UNUSED_NOQA.code in {c.upper() for c, _, _ in codes}:
        return None
    kept = [c for c, _, _ in codes if c not in unused and c not in unknown]
    if kept:
        at = col + m.start("codes") + 1
        edit = Edit(line, at, line, at + len(m.group("codes")), ", ".join(kept))
    else:
        edit = _remove(text, line, col, comment, m)
    parts = [
        f"{kind}: {', '.join(f'`{c}`' for c in names)}"
        for kind, names in (("unused", unused), ("unknown", unknown))
        if names
    ]
    removed = [*unused, *unknown]
    title = f"Remove {', '.join(removed)} from the `# noqa`" if kept else "Remove the `# noqa`"
    message = f"Unused `# noqa` directive ({', '.join(parts)})"
    return _diagnostic(path, line, start, end, message, Fix(title, Applicability.SAFE, (edit,)), settings)


def _remove(text: str, line: int, col: int, comment: str, m: re.Match[str]) -> Edit:
    """The edit that removes the directive ``m`` from ``comment`` and keeps the rest of the comment's text."""
    before, after = comment[: m.start()], comment[m.end() :].strip()
    if before.strip():  # after other comment text (a type: ignore): drop from the end of that text
        return Edit(line, col + len(before.rstrip()) + 1, line, col + m.end() + 1, "")
    if after:  # a reason after the codes stays, as a comment of its own
        return Edit(line, col + 1, line, col + len(comment) + 1, after if after.startswith("#") else f"# {after}")
    start = len(text[:col].rstrip())  # the whole comment, and the spaces before it
    return Edit(line, start + 1, line, col + len(comment) + 1, "")


def _diagnostic(path: str, line: int, col: int, end: int, message: str, fix: Fix, settings: Settings) -> Diagnostic:
    rule = UNUSED_NOQA
    severity = settings.severity_of(rule.code, rule.severity)
    return Diagnostic(rule.code, rule.name, severity, path, line, col, line, end, message, fix, help=_HELP)


_HELP = (
    "A `# noqa` that suppresses nothing hides the next real finding on its line: remove the code (the fix does), "
    "or the comment when no code is left"
)
