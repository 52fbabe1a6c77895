"""IPython syntax in notebook cells and in scripts exported from notebooks: which lines are line magics (``%``),
shell escapes (``!``), help (``x?``, ``?x``) or their assignment forms (``files = !ls``), and the same text with
those lines replaced by a placeholder statement at the same indentation, so that LibCST parses it and every other
line keeps its number and columns.

A line is IPython syntax only where a statement starts: not inside a string, brackets or a backslash
continuation. A small scanner (quotes, triple quotes, brackets, comments) tracks that; it needs no tokenizer,
which would reject the very lines we look for. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kerasnanlint.source import NEWLINE

# What a blanked line becomes (after its indentation). The comment marks it, so that a fixed notebook cell can put
# the original line back; no rule looks at `pass` or at comments.
PLACEHOLDER = "pass  #:knl-ipython"
# `files = !ls`, `out = %timeit -o f()`: one or more plain targets, then `=` and an escape character.
_ASSIGN = re.compile(r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")


class _Scanner:
    """Where a line leaves us: inside a string (its delimiter), how deep in brackets, after a backslash."""

    def __init__(self) -> None:
        self.quote: str | None = None
        self.depth = 0
        self.backslash = False

    def at_statement_start(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.backslash

    def feed(self, line: str) -> str:
        """Advance over ``line``; returns its code outside strings and comments (strings kept as quotes only)."""
        code: list[str] = []
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if self.quote is not None:
                if c == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    code.append(self.quote)
                    i += len(self.quote)
                    self.quote = None
                    continue
                i += 1
                continue
            if c == "#":
                break
            if c in "\"'":
                self.quote = line[i : i + 3] if line[i : i + 3] in ('"""', "'''") else c
                code.append(self.quote)
                i += len(self.quote)
                continue
            if c in "([{":
                self.depth += 1
            elif c in ")]}":
                self.depth = max(0, self.depth - 1)
            code.append(c)
            i += 1
        text = "".join(code).rstrip()
        if self.quote is not None and len(self.quote) == 1 and not line.endswith("\\"):
            self.quote = None  # a one-quote string cannot span lines without a backslash
        self.backslash = self.quote is None and text.endswith("\\")
        return text


def is_ipython_line(line: str) -> bool:
    """Is ``line`` (a whole statement line) IPython syntax that Python cannot parse?"""
    stripped = line.lstrip()
    if not stripped or stripped[0] == "#":
        return False
    if stripped[0] in "!%?" or _ASSIGN.match(stripped):
        return True
    return _Scanner().feed(stripped).endswith("?")  # `x?`, `x??`: `?` is never Python outside strings and comments


def ipython_lines(lines: Sequence[str]) -> list[int]:
    """The 0-based indexes of the IPython lines among ``lines`` (a magic continued with ``\\`` takes its next
    lines with it)."""
    out: list[int] = []
    scanner = _Scanner()
    continued = False
    for i, line in enumerate(lines):
        if continued or (scanner.at_statement_start() and is_ipython_line(line)):
            out.append(i)
            continued = line.rstrip().endswith("\\")
            continue  # not fed to the scanner: its quotes are the shell's, not Python's
        scanner.feed(line)
    return out


def placeholder(line: str) -> str:
    """The statement that stands for the IPython ``line``: the same indentation, then PLACEHOLDER."""
    return line[: len(line) - len(line.lstrip())] + PLACEHOLDER


def blank_ipython(text: str) -> tuple[str, list[int]]:
    """``text`` with its IPython lines replaced by placeholders (newlines kept), and those lines' indexes."""
    parts = NEWLINE.split(text)
    found = ipython_lines(parts)
    if not found:
        return text, []
    seps = NEWLINE.findall(text)
    for i in found:
        parts[i] = placeholder(parts[i])
    out = [p + (seps[k] if k < len(seps) else "") for k, p in enumerate(parts)]
    return "".join(out), found
