"""Whether the terminal output is coloured, and the ANSI styles of its parts (ruff's palette).

Colour only on a terminal: ``--color always|never`` decides first, then ``NO_COLOR`` (https://no-color.org: any
non-empty value turns colour off), then ``FORCE_COLOR`` (any non-empty value turns it on, as Node and pytest read
it), then whether the stream is a TTY. Standard library only: the CLI decides before anything heavy is imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

CHOICES = ("auto", "always", "never")

_RESET = "\x1b[0m"
# The SGR codes ruff uses in its `full` and `concise` output.
_CODES = {
    "code": "1;91",  # the rule code: bold bright red
    "error": "1;91",
    "warning": "1;93",
    "info": "1;96",
    "fixable": "1;96",  # the [*] marker
    "message": "1",
    "path": "1",
    "gutter": "1;94",  # the --> arrow, line numbers and |
    "carets": "1;91",
    "help": "1;96",
    "dim": "2",
}


def wants_colour(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Should text written to ``stream`` be coloured? ``choice`` is ``--color`` (auto, always, never)."""
    if choice != "auto":
        return choice == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False


class Style:
    """Paints parts of the output; with ``enabled=False`` every method returns its text unchanged."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, part: str, text: str) -> str:
        """``text`` in the style of ``part`` (a key of the palette: "code", "warning", "gutter", ...)."""
        if not self.enabled or not text:
            return text
        return f"\x1b[{_CODES[part]}m{text}{_RESET}"
