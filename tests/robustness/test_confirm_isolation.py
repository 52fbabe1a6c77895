"""Runtime-confirm isolation (issue 16, part E): the script's files never pass for ours, nothing it starts outlives
its run, budgets are finite, and a failure's reason is the script's own words.

The ``runtime`` tests really run Keras in the confirm child; the others need no TensorFlow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kerasnanlint.confirm import ConfirmOptions, missing_extra
from kerasnanlint.confirm.spawn import Outcome, _read_result
from tests.helpers import ROOT, run_cli

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER and /proc: Linux")


def runtime(test):
    """Really runs Keras: marked ``runtime`` and skipped without the runtime extra."""
    skip = pytest.mark.skipif(missing_extra() is not None, reason="needs the runtime extra")
    return pytest.mark.runtime(skip(test))


@pytest.fixture
def marker() -> Iterator[str]:
    """A word in the command line of every sleeper a test starts; survivors are killed (and the test fails)."""
    word = f"knl-isolation-{uuid.uuid4().hex}"
    yield word
    for pid in sleepers(word):
        os.kill(pid, signal.SIGKILL)


def sleepers(word: str) -> list[int]:
    """The living processes whose command line holds ``word``."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if word.encode() in cmdline and state != "Z" and int(entry) != os.getpid():
            found.append(int(entry))
    return found


def spawning(word: str, then: str) -> str:
    """Script lines that start a sleeper in the script's process group and one in a session of its own."""
    return textwrap.dedent(f"""\
        import subprocess, sys
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)  # {word}"]
        subprocess.Popen(sleeper)
        subprocess.Popen(sleeper, start_new_session=True)
        {then}
        """)


# -- 1. the script's own folder; the result file validated ----------------------------------------------------


def test_a_result_file_that_is_not_the_childs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    assert _read_result(path, "t") is None  # none written
    good = {"token": "t", "phase": "done", "runs": [], "direct": [], "warnings": []}
    cases = {
        "[1, 2, 3]": "not written by the probe",
        json.dumps({**good, "token": "other"}): "not written by the probe",
        json.dumps({**good, "runs": {}}): "damaged (its 'runs' entry)",
        json.dumps({**good, "script": "x"}): "damaged (its 'script' entry)",
        '{"token": "t", "ph': "could not be read",
    }
    for text, why in cases.items():
        path.write_text(text)
        result = _read_result(path, "t")
        assert result is not None and why in result["fatal"], (text, result)
    path.write_text(json.dumps(good))
    assert _read_result(path, "t") == good


# -- 2. nothing the script started survives its run -------------------------------------------------------------


@linux
@pytest.mark.parametrize("ending", ["finishes", "is killed"])
def test_the_reaper_ends_every_process_the_script_left(tmp_path: Path, marker: str, ending: str) -> None:
    """kerasnanlint.confirm.reaper.contain with a real script process: a normal end, and a kill of its group as
    on timeout. The script's sleepers (its group's and a setsid one) never outlive the supervisor."""
    then = "sys.exit(0)" if ending == "finishes" else "import time; time.sleep(300)"
    (tmp_path / "script.py").write_text(spawning(marker, then))
    supervisor = textwrap.dedent(f"""\
        import os, runpy, signal, sys, threading, time
        from kerasnanlint.confirm.reaper import contain, exit_like
        def announce(pid):
            if {ending == "is killed"}:  # the parent's timeout: the script's group is killed, not the supervisor
                threading.Timer(2, os.killpg, (pid, signal.SIGKILL)).start()
        def script():
            runpy.run_path({str(tmp_path / "script.py")!r})
            return 0
        exit_like(contain(script, announce))
        """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", supervisor], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == (0 if ending == "finishes" else -signal.SIGKILL), proc.stderr
    assert sleepers(marker) == []


# -- 3. budgets --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("budget", ["nan", "inf", "-inf", "0", "-5"])
def test_budget_must_be_finite_and_positive(tmp_path: Path, budget: str) -> None:
    (tmp_path / "s.py").write_text("import keras\n")
    proc = run_cli("confirm", f"--budget={budget}", "s.py", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "--budget" in proc.stderr and "finite number of seconds above 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    with pytest.raises(ValueError, match="finite"):
        ConfirmOptions(budget=float(budget))


# -- 4. the script's own error, not the framework's log ---------------------------------------------------------

TF_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "E0000 00:00:1764470000.123456   4242 cuda_executor.cc:1228] INTERNAL: CUDA Runtime error: Failed call",
    "I0000 00:00:1764470000.234567   4242 cpu_feature_guard.cc:210] This TensorFlow binary is optimized to use",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.",
    "2026-11-30 02:30:00.123456: W tensorflow/core/framework/local_rendezvous.cc:404] Local rendezvous is aborting",
    "WARNING:absl:Compiled the loaded model, but the compiled metrics have yet to be built.",
]


def test_a_failure_quotes_the_script_not_the_framework_log() -> None:
    traceback = ["Traceback (most recent call last):", '  File "train.py", line 3', "OSError: data.csv is missing"]
    crashed = Outcome(None, 1.0, returncode=3, tail=traceback + TF_NOISE)
    assert crashed.why_failed() == "the probe process exited with code 3: OSError: data.csv is missing"
    said = Outcome(None, 1.0, returncode=-signal.SIGSEGV, tail=[*TF_NOISE[:2], "my loader gave up", *TF_NOISE[2:]])
    assert said.why_failed() == f"the probe process killed by signal {int(signal.SIGSEGV)}: my loader gave up"
    assert Outcome(None, 1.0, returncode=1, tail=TF_NOISE).why_failed() == "the probe process exited with code 1"


# -- the whole confirm run, with Keras --------------------------------------------------------------------------


def confirm_cli(folder: Path, *paths: str, budget: int) -> tuple[str, list[str]]:
    proc = run_cli("confirm", "--device", "cpu", f"--budget={budget}", *paths, cwd=folder)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stderr, [line for line in proc.stderr.splitlines() if "could not run" in line]


@runtime
@linux
def test_a_script_that_writes_result_json_and_leaves_sleepers(tmp_path: Path, marker: str) -> None:
    """One script (a child of its own): it writes result.json where it runs, starts sleepers and exits at once."""
    exit_now = "open('result.json', 'w').write('[1, 2, 3]'); import os; os._exit(0)"
    (tmp_path / "train.py").write_text("import keras\n" + spawning(marker, exit_now) + "keras.Model().fit()\n")
    _, notes = confirm_cli(tmp_path, "train.py", budget=60)
    assert notes == ["confirm: train.py: could not run: the probe process exited with code 0 while the script ran, "
                     "before reaching search()/fit()"]  # fmt: skip
    assert sleepers(marker) == []


@runtime
@linux
def test_warm_worker_timeout_and_a_forged_result(tmp_path: Path, marker: str) -> None:
    """Two scripts (one warm worker): one hangs after starting a setsid sleeper and is killed on timeout; the other
    overwrites the result file beside its folder and exits. Neither leaves a process, neither result is taken."""
    hang = "import time; time.sleep(300)"
    forge = "open('../result.json', 'w').write('{\"phase\": \"done\"}'); import os; os._exit(0)"
    (tmp_path / "a_hang.py").write_text("import keras\n" + spawning(marker, hang) + "keras.Model().fit()\n")
    (tmp_path / "b_forge.py").write_text("import keras\n" + spawning(marker, forge) + "keras.Model().fit()\n")
    _, notes = confirm_cli(tmp_path, ".", budget=40)
    assert len(notes) == 2 and "a_hang.py: could not run: timed out after" in notes[0], notes
    assert notes[1].endswith("b_forge.py: could not run: the probe's result file was not written by the probe "
                             "(overwritten or damaged)"), notes  # fmt: skip
    assert sleepers(marker) == []
