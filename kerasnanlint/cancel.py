"""Cooperative cancellation of a lint: the Language Server drops a lint whose document changed meanwhile.

A thread cannot be stopped from outside, so the analysis asks at a few points (between checks, between the
project's files) whether the lint it belongs to is still wanted, and unwinds with ``Cancelled`` when it is not.
``Cancelled`` is a BaseException: the per-file isolation (every Exception becomes a KNL000 finding) must not
catch it. A lint in a killable worker process is stopped by killing the worker (kerasnanlint/workers.py).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_token: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("kerasnanlint_cancel", default=None)


class Cancelled(BaseException):
    """The lint was cancelled: its result would be stale."""


@contextmanager
def cancellable(event: threading.Event) -> Iterator[None]:
    """Within the block (and the large-stack thread it hands work to), ``checkpoint`` raises once ``event`` is
    set."""
    reset = _token.set(event)
    try:
        yield
    finally:
        _token.reset(reset)


def is_cancellable() -> bool:
    """Whether the current lint has a cancellation token (a waiting loop then polls it)."""
    return _token.get() is not None


def cancelled() -> bool:
    event = _token.get()
    return event is not None and event.is_set()


def checkpoint() -> None:
    """Raise Cancelled if the current lint is no longer wanted."""
    if cancelled():
        raise Cancelled
