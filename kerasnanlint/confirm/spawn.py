"""Start the child process for one script, relay its progress, enforce the hard timeout (parent side)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
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
from kerasnanlint.confirm.reaper import SWEEP_SECONDS
from kerasnanlint.confirm.state import MARK, PID_MARK  # stderr line prefixes (neither imports TensorFlow)

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
        code = self.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
        said = script_error(self.tail)
        said = f": {said}" if said else ""
        if self.result and self.result.get("phase") == "script":
            return f"the probe process {how} while the script ran, before reaching search()/fit(){said}"
        if code not in (0, None):
            return f"the probe process {how}{said}"
        return f"the probe process wrote no result{said}"


# Lines the frameworks log on stderr by themselves (absl/glog, TensorFlow's Python loggers, CPU feature notes): never
# the reason a script failed.
NOISE = re.compile(
    r"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]"  # absl: E0000 00:00:1700000000.1 123 file.cc:42]
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] "  # TensorFlow's older C++ log format
    r"|WARNING: All log messages before absl::InitializeLog"
    r"|(WARNING|INFO|ERROR):(absl|tensorflow|jax|root):"
    r"|To enable the following instructions:|This TensorFlow binary is optimized"
    r"|oneDNN custom operations are on|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|Could not find cuda drivers|computation placer already registered"
)


def script_error(tail: list[str]) -> str | None:
    """What the script itself said last on stderr: the exception line of its last traceback, else its last line
    that is not framework log noise; None when it said nothing."""
    said = [line for line in tail if not NOISE.match(line.strip())]
    for i in range(len(said) - 1, -1, -1):
        if said[i].startswith("Traceback (most recent call last)"):
            after = [line for line in said[i + 1 :] if line and not line[0].isspace()]
            if after:
                return after[0].strip()[:300]
    return said[-1].strip()[:300] if said else None


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
    """Run the child on ``plan`` (its files in ``workdir``, the script in ``plan["workdir"]``), relaying its progress
    lines; the script is killed after ``timeout`` seconds, and whatever it started ends with it in any case."""
    plan_path, out_path = workdir / "plan.json", workdir / "result.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    started = time.monotonic()
    with open(workdir / "stdout.txt", "wb") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kerasnanlint.confirm.child", str(plan_path), str(out_path)],
            cwd=plan["workdir"],
            stdin=subprocess.DEVNULL,
            stdout=stdout,  # the user's prints must not mix with our report on stdout
            stderr=subprocess.PIPE,
            env=child_env(device, selected(Path(plan["script"]).read_text(encoding="utf-8", errors="replace"))),
            start_new_session=os.name == "posix",  # the supervisor's group; the script forks into one of its own
        )
        tail: deque[str] = deque(maxlen=20)
        script: list[int] = []  # the script's process (its group), once the supervisor names it

        def pump() -> None:
            assert proc.stderr is not None
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                if line.startswith(PID_MARK):
                    if not script and line[len(PID_MARK) :].isdigit():  # the supervisor's line comes first
                        script.append(int(line[len(PID_MARK) :]))
                elif line.startswith(MARK):
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
            _stop(proc, script)
        reader.join(timeout=5)
    result = _read_result(out_path, plan.get("token"))
    return Outcome(result, time.monotonic() - started, timed_out, proc.returncode, list(tail))


def _stop(proc: subprocess.Popen, script: list[int]) -> None:
    """On timeout: kill the script's group and give its supervisor a moment to sweep what the script left (see
    kerasnanlint.confirm.reaper); the supervisor itself is killed when it does not end."""
    if script:
        _kill_group(script[0])
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=SWEEP_SECONDS + 2)
            return
    _kill(proc)
    proc.wait()


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
        result = _read_result(out_path, plan.get("token"))
        return Outcome(result, time.monotonic() - started, timed_out, code, list(self.tail))

    def close(self) -> None:
        """End the worker (its current script, if any, is killed with it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# The top-level entries of a result file and their types (kerasnanlint.confirm.state); any other shape is not ours.
SHAPE: dict[str, type | tuple[type, ...]] = {"phase": str, "runs": list, "direct": list, "warnings": list}
OPTIONAL: dict[str, type | tuple[type, ...]] = {"fatal": str, "script": dict, "calls": list, "builders": dict}


def _read_result(out_path: Path, token: str | None) -> dict[str, Any] | None:
    """The child's result file: None when it wrote none, a ``fatal`` result when the file is not the child's (the
    wrong token or shape: the script wrote it, or it is damaged), never a crash."""
    try:
        result = json.loads(out_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"fatal": f"the probe's result file could not be read ({type(exc).__name__})"}
    if not isinstance(result, dict) or result.get("token") != token:
        return {"fatal": "the probe's result file was not written by the probe (overwritten or damaged)"}
    for key, kind in SHAPE.items():
        if not isinstance(result.get(key), kind):
            return {"fatal": f"the probe's result file is damaged (its {key!r} entry)"}
    for key, kind in OPTIONAL.items():
        if key in result and not isinstance(result[key], kind):
            return {"fatal": f"the probe's result file is damaged (its {key!r} entry)"}
    return result
