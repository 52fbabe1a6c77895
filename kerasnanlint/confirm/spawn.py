"""Start the child process for one script, relay its progress, enforce the hard timeout (parent side)."""

from __future__ import annotations

import json
import os
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


def child_env(device: str) -> dict[str, str]:
    """The child's environment: TensorFlow backend, quiet logs, the device, this kerasnanlint importable."""
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "tensorflow"
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
            env=child_env(device),
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
    result = None
    try:
        result = json.loads(out_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    return Outcome(result, time.monotonic() - started, timed_out, proc.returncode, list(tail))


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)  # the group we created for this child only
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        proc.kill()
