"""Where the running user script is: its line in a traceback or a call stack, and the call it is making.

Child side, but no TensorFlow: read from frames and code objects, the script is never parsed.
"""

from __future__ import annotations

import dis
import linecache
import sys
import traceback
from types import FrameType

CAPTURED_CALLS = ("search", "fit")


def user_frame(script: str) -> FrameType | None:
    """The innermost frame of ``script`` on the current call stack."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != script:
        frame = frame.f_back
    return frame


def stack_lines(script: str) -> list[int]:
    """Every line of ``script`` on the current call stack, with the ``def`` line of each function among them: the
    places that tie what is being built to the findings around it."""
    lines: list[int] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == script:
            lines.append(frame.f_lineno)
            if frame.f_code.co_name != "<module>":
                lines.append(frame.f_code.co_firstlineno)
        frame = frame.f_back
    return lines


def user_lines(script: str, exc: BaseException) -> list[int | None]:
    """The lines of ``script`` in the exception's traceback, outermost first."""
    return [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == script]


def call_range(frame: FrameType) -> list[int] | None:
    """[line, col, end_line, end_col] (1-based, end exclusive, columns in UTF-8 bytes as in ``ast``) of the
    ``x.search(...)``/``x.fit(...)`` call ``frame`` is making, read from its code object's positions.

    None when Python keeps no positions (3.10), when the call is not a method named search/fit, or when CPython
    narrowed the position to the method name (a receiver spanning lines): the caller then uses the line."""
    code = frame.f_code
    if not hasattr(code, "co_positions"):
        return None
    positions = list(code.co_positions())
    index = frame.f_lasti // 2  # one position per 2-byte code unit
    if not 0 <= index < len(positions):
        return None
    line, end_line, col, end_col = positions[index]
    if line is None or end_line is None or col is None or end_col is None or line != frame.f_lineno:
        return None
    method = any(
        i.opname in ("LOAD_ATTR", "LOAD_METHOD")
        and i.argval in CAPTURED_CALLS
        and i.positions is not None
        and (i.positions.lineno, i.positions.col_offset) == (line, col)
        for i in dis.get_instructions(code)
    )
    before = linecache.getline(code.co_filename, line).encode("utf-8")[:col].decode("utf-8", "replace")
    if not method or before.rstrip().endswith("."):
        return None
    return [line, col + 1, end_line, end_col + 1]
