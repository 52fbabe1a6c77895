"""Killable worker processes: each lints one file at a time, and one that runs past the per-file time limit is
killed and replaced (a thread cannot be stopped, and a pathological file must not hold a run forever).

Workers are forked where the platform can (they start in milliseconds, with the parent's modules already
imported), spawned elsewhere. A process that runs threads (the Language Server) asks for a clean start instead:
workers forked from a fork server, which has none. A task's time counts from the moment it is handed to its worker.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar

from kerasnanlint.cancel import Cancelled, cancelled, is_cancellable

T = TypeVar("T")
R = TypeVar("R")
_CANCEL_POLL = 0.05  # seconds between looks at the cancellation token while a cancellable lint waits


def _serve(conn: Connection, init: Callable[[], None] | None, fn: Callable[[T], R]) -> None:
    if init is not None:
        init()
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if item is None:
            return
        index, task = item
        conn.send((index, fn(task)))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    task: int | None = None
    started: float = 0.0


class Pool(Generic[T, R]):
    """``size`` workers running ``fn``; ``late(task)`` stands for a task over ``limit`` seconds, ``died(task,
    why)`` for one whose worker died (a crash in native code, the kernel's OOM killer)."""

    def __init__(
        self,
        size: int,
        fn: Callable[[T], R],
        *,
        init: Callable[[], None] | None,
        clean_start: bool = False,
        limit: float | None,
        late: Callable[[T], R],
        died: Callable[[T, str], R],
    ) -> None:
        methods = mp.get_all_start_methods()
        if clean_start:  # a fork copies the locks other threads hold (stdin's, mid-read): the child would hang
            self._ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        else:
            self._ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        self.fn, self.init, self.limit, self.late, self.died = fn, init, limit, late, died
        self.size = max(1, size)
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_serve, args=(child, self.init, self.fn), daemon=True)  # type: ignore[attr-defined]
        process.start()
        child.close()
        return _Worker(process, parent)

    def map(self, tasks: Sequence[T], order: Sequence[int] | None = None) -> list[tuple[R, bool]]:
        """Each task's result, and whether it is the worker's own (False: ``late`` or ``died`` made it). Raises
        Cancelled, with the busy workers killed, once the caller's lint is cancelled (kerasnanlint/cancel.py)."""
        results: list[tuple[R, bool] | None] = [None] * len(tasks)
        pending = deque(order if order is not None else range(len(tasks)))
        while len(self.workers) < min(self.size, len(tasks)):
            self.workers.append(self._start())
        while pending or any(w.task is not None for w in self.workers):
            for w in self.workers:
                if w.task is None and pending:
                    w.task, w.started = pending.popleft(), time.monotonic()
                    w.conn.send((w.task, tasks[w.task]))
            busy = [w for w in self.workers if w.task is not None]
            if cancelled():
                self.close(kill=True)
                raise Cancelled
            timeout = _CANCEL_POLL if is_cancellable() else None
            if self.limit is not None:
                left = max(0.0, min(w.started + self.limit for w in busy) - time.monotonic())
                timeout = left if timeout is None else min(timeout, left)
            for conn in wait([w.conn for w in busy], timeout):
                self._receive(next(w for w in busy if w.conn is conn), tasks, results)
            if self.limit is not None:
                now = time.monotonic()
                for w in busy:
                    if w.task is not None and now - w.started > self.limit:
                        results[w.task] = (self.late(tasks[w.task]), False)
                        self._replace(w)
        return [r for r in results if r is not None]

    def _receive(self, w: _Worker, tasks: Sequence[T], results: list[tuple[R, bool] | None]) -> None:
        task = w.task
        assert task is not None
        try:
            index, result = w.conn.recv()
            results[index] = (result, True)
            w.task = None
        except (EOFError, OSError):  # the worker died while linting this file
            w.process.join(1)
            results[task] = (self.died(tasks[task], f"exit code {w.process.exitcode}"), False)
            self._replace(w)

    def _replace(self, w: _Worker) -> None:
        w.process.kill()
        w.process.join()
        w.conn.close()
        self.workers[self.workers.index(w)] = self._start()

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: each after its task (``kill``: at once)."""
        for w in self.workers:
            if kill:
                w.process.kill()
                continue
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self.workers:
            w.process.join(5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self.workers = []
