"""A source file's text as the linter, the fixer and the renderers see it; decoding; lines.

A leaf module (standard library only): ``kerasnanlint --version`` and the renderers import it without LibCST.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from io import BytesIO
from pathlib import Path

# Python (and LibCST's line numbers) end lines at \n, \r\n or \r only; str.splitlines() also splits at
# \f, \x1c, \u2028 ... which may sit inside a string literal and would shift every later line.
NEWLINE = re.compile(r"\r\n|\r|\n")

# What hides quotes from a text scan, as Python reads them: a comment, the opening of a triple quote (group
# ``triple``; its end is found apart, it spans lines) and a one-line string literal (group ``quote``: its quote).
STRING_LEXEME = re.compile(
    r"#[^\r\n]*"
    r"|(?P<triple>'''|\"\"\")"
    r"""|(?P<quote>["'])(?:(?!(?P=quote))[^\\\r\n]|\\.)*(?P=quote)"""
)


class SourceError(Exception):
    """A file that cannot be decoded or parsed: reported as KNL000."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def source_encoding(data: bytes) -> str:
    """The codec that writes text back as the file had it: PEP 263 cookie, BOM (utf-8-sig) or UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return encoding


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
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:  # e.g. UTF-7's "+2D0-": no Python source can hold a lone surrogate
        line = text.count("\n", 0, surrogate.start()) + 1
        raise SourceError(
            f"cannot decode file as {encoding}: it decodes to a lone surrogate (U+{ord(surrogate.group()):04X})", line
        )
    return text.removeprefix("\ufeff")


_SURROGATE = re.compile("[\ud800-\udfff]")


def split_lines(text: str) -> tuple[str, ...]:
    """The lines of ``text`` as Python numbers them, without their newlines (no empty last line)."""
    lines = NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


@dataclass(frozen=True)
class SourceFile:
    """One file's decoded text under the path diagnostics carry, and the codec that writes it back."""

    path: str
    text: str
    encoding: str = "utf-8"

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The text's lines (see split_lines): split on first use, most sources are never rendered."""
        return split_lines(self.text)

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> SourceFile:
        """Decode a file's bytes; raises SourceError when they do not decode."""
        return cls(path, decode(data), source_encoding(data))


def read_source(path: str) -> SourceFile:
    """The file at ``path`` as renderers need it: undecodable bytes are read with replacement characters and an
    unreadable file is empty (a renderer must still print its findings)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return SourceFile(path, "")
    try:
        return SourceFile.from_bytes(path, data)
    except SourceError:
        return SourceFile(path, data.decode("utf-8", "replace"))


# What renderers are given: the source of a path (a ``Sources``, or any function that answers the same).
SourceLoader = Callable[[str], "SourceFile"]


class Sources:
    """The texts diagnostics refer to, by path: those given (standard input, files just fixed) win over the
    files on disk, which are read lazily, once, when a renderer first asks."""

    def __init__(self, in_memory: Mapping[str, SourceFile] | None = None) -> None:
        self._files: dict[str, SourceFile] = dict(in_memory or {})
        # Bounded: diagnostics come sorted by path, so a file's findings are rendered together.
        self._read = lru_cache(maxsize=256)(read_source)

    def add(self, source: SourceFile) -> None:
        """Answer ``source.path`` from ``source`` from now on (its text is not, or no longer, the one on disk)."""
        self._files[source.path] = source

    def __call__(self, path: str) -> SourceFile:
        found = self._files.get(path)
        return found if found is not None else self._read(path)
