"""Reading back a reported file's lines (SARIF fingerprints and LSP's UTF-16 columns need the text)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

# Python (and LibCST's line numbers) end lines at \n, \r\n or \r only; str.splitlines() also splits at
# \f, \x1c, \u2028 ... which may sit inside a string literal and would shift every later line.
_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> tuple[str, ...]:
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


# Text that is not on disk, or differs from it (standard input with --stdin-filename): path -> lines.
_IN_MEMORY: dict[str, tuple[str, ...]] = {}


def remember(path: str, text: str) -> None:
    """Make ``lines_of(path)`` answer from ``text`` instead of the file on disk."""
    _IN_MEMORY[path] = split_lines(text)


def lines_of(path: str) -> tuple[str, ...]:
    if path in _IN_MEMORY:
        return _IN_MEMORY[path]
    return _lines_on_disk(path)


@functools.lru_cache(maxsize=256)
def _lines_on_disk(path: str) -> tuple[str, ...]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ()
    from kerasnanlint.engine import SourceError, decode

    try:
        return split_lines(decode(data))
    except SourceError:
        return split_lines(data.decode("utf-8", "replace"))


def utf16_column(line_text: str, col0: int) -> int:
    """Code-point column (0-based) -> UTF-16 code units, as LSP counts them."""
    prefix = line_text[:col0]
    return col0 + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def encoded_column(line_text: str, col0: int, encoding: str = "utf-16") -> int:
    """Code-point column (0-based) -> the code units of an LSP position encoding (utf-8, utf-16, utf-32)."""
    if encoding == "utf-32":
        return col0
    if encoding == "utf-8":
        prefix = line_text[:col0]
        return len(prefix.encode("utf-8", "surrogatepass")) + max(0, col0 - len(line_text))
    return utf16_column(line_text, col0)
