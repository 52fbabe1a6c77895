"""``# noqa`` comments: per line (``# noqa``, ``# noqa: KNL301, KNL101``) and per file
(``# kerasnanlint: noqa`` or ``# kerasnanlint: noqa: KNL304``)."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kerasnanlint.diagnostics import Edit

_LINE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_FILE = re.compile(r"#\s*kerasnanlint\s*:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)

ALL = frozenset({"*"})


@dataclass
class Suppressions:
    lines: dict[int, frozenset[str]] = field(default_factory=dict)  # line -> codes, or ALL
    file: frozenset[str] = frozenset()  # codes suppressed in the whole file, ALL for every code

    def suppressed(self, code: str, line: int) -> bool:
        if self.file is ALL or code in self.file:
            return True
        codes = self.lines.get(line)
        return codes is not None and (codes is ALL or code in codes)


def _noqa_codes(text: str | None) -> frozenset[str]:
    return ALL if not text else frozenset(c.upper() for c in _CODE.findall(text))


def _comments(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment token; falls back to a line scan when tokenizing fails."""
    try:
        return [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return [(i, line[line.index("#") :]) for i, line in enumerate(source.splitlines(), 1) if "#" in line]


def parse_suppressions(source: str) -> Suppressions:
    result = Suppressions()
    if "noqa" not in source.lower():
        return result
    file_codes: set[str] = set()
    file_all = False
    for line, comment in _comments(source):
        m = _FILE.search(comment)
        if m:
            codes = _noqa_codes(m.group("codes"))
            if codes is ALL:
                file_all = True
            else:
                file_codes |= codes
            continue
        m = _LINE.search(comment)
        if m:
            result.lines[line] = _noqa_codes(m.group("codes"))
    result.file = ALL if file_all else frozenset(file_codes)
    return result


def add_noqa_edit(source: str, line: int, code: str) -> Edit | None:
    """The edit that suppresses ``code`` on ``line``: append ``  # noqa: CODE``, or add the code to the
    line's existing ``# noqa: ...``. None when no comment can go there (the line ends inside a multi-line
    string or with a backslash continuation) or a bare ``# noqa`` already covers it."""
    from kerasnanlint.diagnostics import Edit
    from kerasnanlint.source import split_lines

    lines = split_lines(source)
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    comment: tuple[int, str] | None = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if tok.start[0] > line:
                break
            if tok.type == tokenize.COMMENT and tok.start[0] == line:
                comment = (tok.start[1], tok.string)
            elif tok.start[0] <= line < tok.end[0] and tok.type not in (tokenize.NL, tokenize.NEWLINE):
                return None  # a string (or f-string part) continues on the next line
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # unparsable file: fall back to the plain text of the line
    if comment is not None:
        m = _LINE.search(comment[1])
        if m and not _FILE.search(comment[1]):
            if not m.group("codes"):
                return None
            if code.upper() in _noqa_codes(m.group("codes")):
                return None
            at = comment[0] + m.end("codes") + 1
            return Edit(line, at, line, at, f", {code}")
    elif text.rstrip().endswith("\\"):
        return None
    end = len(text.rstrip())
    return Edit(line, end + 1, line, len(text) + 1, f"  # noqa: {code}")
