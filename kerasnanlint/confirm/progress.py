"""The status line runtime-confirm keeps on stderr while the child processes run (parent side)."""

from __future__ import annotations

import sys
import time


class Progress:
    """One status line on stderr (rewritten in place on a terminal)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.tty = sys.stderr.isatty()
        self.index = 0
        self.path = ""
        self.started = time.monotonic()

    def file(self, index: int, path: str) -> None:
        """A new script starts."""
        self.index, self.path, self.started = index, path, time.monotonic()
        self.show("starting")

    def show(self, message: str) -> None:
        """What the current script's child is doing now."""
        text = f"confirm [{self.index}/{self.total}] {self.path}: {message} ({time.monotonic() - self.started:.0f} s)"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + text[:200])
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def note(self, message: str) -> None:
        """A line that stays (a file that could not run)."""
        if self.tty:
            sys.stderr.write("\r\x1b[K")
        sys.stderr.write(f"confirm: {self.path}: {message}\n")
        sys.stderr.flush()

    def done(self) -> None:
        """Clear the status line."""
        if self.tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
