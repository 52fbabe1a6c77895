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
    """The edit that suppresses ``code`` on ``line`` (the editor's "Suppress with # noqa" action): see
    CommentSlots.noqa_edit. None when no comment can go there or the line's ``# noqa`` already covers it."""
    slots = CommentSlots.of(source)
    return slots.noqa_edit(line, [code]) if slots.commentable(line) else None


@dataclass(frozen=True)
class CommentSlots:
    """Where a ``# noqa`` can go in a file: each line's comment (its column and text), and the lines no comment
    can end (a multi-line string or a backslash continues on the next line). Tokenized once per file."""

    lines: tuple[str, ...]
    comments: dict[int, tuple[int, str]]
    blocked: frozenset[int]

    @classmethod
    def of(cls, source: str) -> CommentSlots:
        from kerasnanlint.source import split_lines

        comments: dict[int, tuple[int, str]] = {}
        blocked: set[int] = set()
        try:
            for tok in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
                if tok.type == tokenize.COMMENT:
                    comments[tok.start[0]] = (tok.start[1], tok.string)
                elif tok.end[0] > tok.start[0] and tok.type not in (tokenize.NL, tokenize.NEWLINE):
                    blocked.update(range(tok.start[0], tok.end[0]))  # a string (or f-string part) goes on
        except (tokenize.TokenError, SyntaxError, IndentationError):
            pass  # unparsable file: the lines tokenized so far, then the plain text of each line
        lines = split_lines(source)
        blocked.update(n for n, text in enumerate(lines, 1) if n not in comments and text.rstrip().endswith("\\"))
        return cls(lines, comments, frozenset(blocked))

    def commentable(self, line: int) -> bool:
        """Can a comment end ``line``?"""
        return 0 < line <= len(self.lines) and line not in self.blocked

    def noqa_edit(self, line: int, codes: list[str]) -> Edit | None:
        """The edit that suppresses ``codes`` on a commentable ``line``: append ``  # noqa: A, B`` after the code
        and any comment (``# type: ignore  # noqa: A``, as ruff does), or add the missing codes to the line's
        ``# noqa: X``. None when the line's ``# noqa`` already covers them all (a bare one covers everything)."""
        from kerasnanlint.diagnostics import Edit

        comment = self.comments.get(line)
        if comment is not None:
            m = _LINE.search(comment[1])
            if m and not _FILE.search(comment[1]):
                if not m.group("codes"):
                    return None
                present = _noqa_codes(m.group("codes"))
                missing = [c for c in dict.fromkeys(codes) if c.upper() not in present]
                if not missing:
                    return None
                at = comment[0] + m.end("codes") + 1
                return Edit(line, at, line, at, "".join(f", {c}" for c in missing))
        text = self.lines[line - 1]
        end = len(text.rstrip())
        return Edit(line, end + 1, line, len(text) + 1, f"  # noqa: {', '.join(dict.fromkeys(codes))}")
