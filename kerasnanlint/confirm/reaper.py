"""Leave nothing behind: every process a script started ends with the script's run (child side, no TensorFlow).

The process that forks the script (the confirm child's supervisor, or a warm worker) makes itself a *child
subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``): a process the script leaves orphaned, even one in a session of its
own (``setsid``, a daemon's double fork), is re-parented to it instead of to init. When the script's process ends,
normally or killed on timeout, ``sweep`` kills the script's process group and every process still below this one,
until none is left. Without ``/proc`` (macOS) only the script's process group is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import NoReturn

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
SWEEP_SECONDS = 10.0  # a process in uninterruptible sleep may take a moment to die; never wait longer


def become_subreaper() -> bool:
    """Adopt this process's orphaned descendants (Linux); False where the kernel offers no such thing."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def descendants(root: int) -> list[int]:
    """The living processes below ``root`` (from /proc; empty without it). Zombies are left to ``reap``."""
    children: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue  # it ended meanwhile
        fields = stat[stat.rfind(")") + 2 :].split()  # the name in parentheses may hold spaces
        if len(fields) > 1 and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def reap() -> bool:
    """Collect every ended child of this process; True while some child is left (still running)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def sweep(group: int | None = None) -> None:
    """Kill the process group ``group`` (the script's) and every process below this one, and reap them."""
    if group is not None:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    deadline = time.monotonic() + SWEEP_SECONDS
    while True:
        alive = descendants(os.getpid())
        for pid in alive:  # one that forks meanwhile leaves its child to us: the next round gets it
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if (not reap() and not alive) or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def contain(target: Callable[[], int], announce: Callable[[int], None]) -> int:
    """Run ``target`` in a forked process in a session of its own (``announce`` gets its pid: the group to kill on
    timeout), then sweep what it left; its exit code. Without fork (Windows), ``target`` runs here."""
    if not hasattr(os, "fork"):
        return target()
    become_subreaper()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setsid()
            code = target()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except BaseException:  # the parent reports the crash from stderr's last lines
            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    announce(pid)
    _, status = os.waitpid(pid, 0)
    sweep(pid)
    return os.waitstatus_to_exitcode(status)


def exit_like(code: int) -> NoReturn:
    """End this supervisor as the script's process ended: a signal's death by the same signal, so the parent
    reports "killed by signal N"."""
    if code < 0:
        with contextlib.suppress(OSError, ValueError):
            signal.signal(-code, signal.SIG_DFL)  # refused for SIGKILL, whose action is always the default
        with contextlib.suppress(OSError, ValueError):
            os.kill(os.getpid(), -code)
    sys.exit(code if code >= 0 else 128 - code)
