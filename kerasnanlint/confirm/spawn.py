"""Start the child process for one script, relay its progress, enforce the hard timeout (parent side)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerasnanlint.confirm.backends import selected
from kerasnanlint.confirm.state import MARK  # the child's progress-line prefix (state imports no TensorFlow)

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent.parent)


@dataclass
class Outcome:
    """What one child left: its result file (None when it wrote none), how long it ran, how it ended."""

    result: dict[str, Any] | None
    seconds: float
    timed_out: bool = False
    returncode: int | None = None
    tail: list[str] = field(default_factory=list)  # last stderr lines that were not progress

    def why_failed(self) -> str:
        """One line for a child that produced no usable result."""
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s"
        if self.result and self.result.get("fatal"):
            return str(self.result["fatal"])
        if self.returncode not in (0, None):
            sig = -self.returncode if self.returncode < 0 else None
            how = f"killed by signal {sig}" if sig else f"exited with code {self.returncode}"
            return f"the probe process {how}" + (f": {self.tail[-1]}" if self.tail else "")
        return "the probe process wrote no result" + (f": {self.tail[-1]}" if self.tail else "")


def child_env(device: str, backend: str | None = None) -> dict[str, str]:
    """The child's environment: the backend the script selects (else the user's KERAS_BACKEND or keras.json),
    quiet logs, the device, this kerasnanlint importable."""
    env = dict(os.environ)
    if backend:
        env["KERAS_BACKEND"] = backend
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["PYTHONUNBUFFERED"] = "1"
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    # The child must import this very kerasnanlint, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
    return env


def run_child(
    plan: dict[str, Any], workdir: Path, timeout: float, device: str, on_progress: Callable[[str], None]
) -> Outcome:
    """Run the child on ``plan`` in ``workdir``, relaying its progress lines; killed (with its own subprocesses)
    after ``timeout`` seconds."""
    plan_path, out_path = workdir / "plan.json", workdir / "result.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    started = time.monotonic()
    with open(workdir / "stdout.txt", "wb") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kerasnanlint.confirm.child", str(plan_path), str(out_path)],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=stdout,  # the user's prints must not mix with our report on stdout
            stderr=subprocess.PIPE,
            env=child_env(device, selected(Path(plan["script"]).read_text(encoding="utf-8", errors="replace"))),
            start_new_session=os.name == "posix",  # so a timeout kills the script's own subprocesses too
        )
        tail: deque[str] = deque(maxlen=20)

        def pump() -> None:
            assert proc.stderr is not None
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                if line.startswith(MARK):
                    on_progress(line[len(MARK) :])
                elif line.strip():
                    tail.append(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            proc.wait()
        reader.join(timeout=5)
    return Outcome(_read_result(out_path), time.monotonic() - started, timed_out, proc.returncode, list(tail))


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)  # the group we created for this child only
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        proc.kill()


class Worker:
    """A warm worker process (kerasnanlint.confirm.worker): the framework imported once, a forked process per
    script. Restarted when it dies; ``close()`` ends it."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.proc: subprocess.Popen | None = None
        self.answers: queue.Queue[str | None] = queue.Queue()
        self.on_progress: Callable[[str], None] = lambda _line: None
        self.tail: deque[str] = deque(maxlen=20)
        self.backend = os.environ.get("KERAS_BACKEND")  # what its framework import used (None: keras.json)

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kerasnanlint.confirm.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(self.device),
            text=True,
            bufsize=1,
        )
        self.answers = queue.Queue()
        threading.Thread(target=self._read_answers, args=(proc,), daemon=True).start()
        threading.Thread(target=self._read_progress, args=(proc,), daemon=True).start()
        return proc

    def _read_answers(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.answers.put(line.strip())
        self.answers.put(None)  # the worker is gone

    def _read_progress(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith(MARK):
                self.on_progress(line[len(MARK) :].rstrip())
            elif line.strip():
                self.tail.append(line.rstrip())

    def fits(self, backend: str | None) -> bool:
        """Whether a script selecting ``backend`` can run here (else it gets a child of its own)."""
        return backend is None or backend == (self.backend or "tensorflow")

    def run(self, plan: dict[str, Any], workdir: Path, timeout: float, on_progress: Callable[[str], None]) -> Outcome:
        """Run one plan like ``run_child``: the same plan and result files, the same hard timeout."""
        plan_path, out_path = workdir / "plan.json", workdir / "result.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        self.on_progress, started = on_progress, time.monotonic()
        self.tail.clear()
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{plan_path} {out_path}\n")
        self.proc.stdin.flush()
        pid, code, timed_out = None, None, False
        while code is None:
            try:
                answer = self.answers.get(timeout=max(0.1, started + timeout - time.monotonic()))
            except queue.Empty:
                timed_out = True
                if pid:
                    _kill_group(pid)
                else:
                    self.close()  # still importing: the worker goes
                timeout += 10  # for the worker to report the killed process
                continue
            if answer is None:  # the worker died: the next script gets a new one
                code = self.proc.wait()
            elif answer.startswith("pid "):
                pid = int(answer.split()[1])
            elif answer.startswith("done "):
                code = int(answer.split()[1])
        return Outcome(_read_result(out_path), time.monotonic() - started, timed_out, code, list(self.tail))

    def close(self) -> None:
        """End the worker (its current script, if any, is killed with it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _read_result(out_path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(out_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
