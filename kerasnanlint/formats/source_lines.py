"""Reading back a reported file's lines (SARIF fingerprints and LSP's UTF-16 columns need the text)."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.lru_cache(maxsize=256)
def lines_of(path: str) -> tuple[str, ...]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ()
    from kerasnanlint.engine import SourceError, decode

    try:
        return tuple(decode(data).splitlines())
    except SourceError:
        return tuple(data.decode("utf-8", "replace").splitlines())


def utf16_column(line_text: str, col0: int) -> int:
    """Code-point column (0-based) -> UTF-16 code units, as LSP counts them."""
    prefix = line_text[:col0]
    return col0 + sum(1 for ch in prefix if ord(ch) > 0xFFFF)
