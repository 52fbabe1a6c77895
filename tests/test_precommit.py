"""The real `pre-commit` runs our hook from a throw-away clone of this checkout (its working tree as it is now)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import notebook

ROOT = Path(__file__).resolve().parent.parent
# What `pip install .` needs to build the hook's environment.
HOOK_REPO_PATHS = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "kerasnanlint", "rules")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

FLAGGED = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[y == np.nan] = 0.0\n    return y\n"
CLEAN = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[np.isnan(y)] = 0.0\n    return y\n"
# The same code as a notebook: a setup cell with IPython lines, then the flagged code in cell 2.
SETUP_CELL = "!pip install -q keras\n%matplotlib inline\nimport keras"
NOTEBOOK = notebook(SETUP_CELL, FLAGGED.replace("import keras\n", ""))
NOTEBOOK_CLEAN = notebook(SETUP_CELL, CLEAN.replace("import keras\n", ""))


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout.strip()


def snapshot_checkout(target: Path, env: dict[str, str]) -> str:
    """Commit the checkout's current files (committed or not, minus ignored ones) into a new repo; its sha."""
    listed = git("ls-files", "-co", "--exclude-standard", "--", *HOOK_REPO_PATHS, cwd=ROOT, env=env).splitlines()
    target.mkdir()
    for rel in listed:
        src = ROOT / rel
        if src.is_file():  # a tracked file deleted in the working tree is left out
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / rel)
    git("init", "-q", cwd=target, env=env)
    git("add", "-A", cwd=target, env=env)
    git("commit", "-q", "-m", "snapshot", cwd=target, env=env)
    return git("rev-parse", "HEAD", cwd=target, env=env)


def run_pre_commit(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real ``pre-commit run --all-files`` in ``project``."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pre_commit_hook(tmp_path: Path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    hook_repo = tmp_path / "hook-repo"
    sha = snapshot_checkout(hook_repo, env)

    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project, env=env)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo.as_posix()}\n    rev: {sha}\n    hooks:\n      - id: kerasnanlint\n",
        encoding="utf-8",
    )
    # pre-commit names vendored/bad.py explicitly: --force-exclude must still skip it.
    (project / "pyproject.toml").write_text('[tool.kerasnanlint]\nextend-exclude = ["vendored"]\n', encoding="utf-8")
    (project / "vendored").mkdir()
    (project / "vendored" / "bad.py").write_text(FLAGGED, encoding="utf-8")
    (project / "bad.py").write_text(FLAGGED, encoding="utf-8")
    (project / "good.py").write_text(CLEAN, encoding="utf-8")
    (project / "tune.ipynb").write_text(NOTEBOOK, encoding="utf-8")
    git("add", "-A", cwd=project, env=env)

    failed = run_pre_commit(project, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "KNL107 [warning]" in output  # the default output, full, as ruff's hook prints it
    assert "--> bad.py:6:7\n" in output
    assert "--> tune.ipynb:cell 2:5:7\n" in output
    assert "vendored" not in output
    assert "Traceback" not in output

    (project / "bad.py").unlink()
    (project / "tune.ipynb").write_text(NOTEBOOK_CLEAN, encoding="utf-8")
    git("add", "-A", cwd=project, env=env)
    passed = run_pre_commit(project, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kerasnanlint" in passed.stdout and "Passed" in passed.stdout

    # The fix hook rewrites the file with the safe fix and fails once, so the change gets reviewed and staged.
    config = project / ".pre-commit-config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("id: kerasnanlint\n", "id: kerasnanlint-fix\n"))
    (project / "bad.py").write_text(FLAGGED, encoding="utf-8")
    (project / "tune.ipynb").write_text(NOTEBOOK, encoding="utf-8")
    git("add", "-A", cwd=project, env=env)
    fixed = run_pre_commit(project, env)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert (project / "bad.py").read_text(encoding="utf-8") == CLEAN
    assert (project / "tune.ipynb").read_text(encoding="utf-8") == NOTEBOOK_CLEAN
    git("add", "-A", cwd=project, env=env)
    again = run_pre_commit(project, env)
    assert again.returncode == 0, again.stdout + again.stderr


def readme_local_hook() -> str:
    """The README's `repo: local` .pre-commit-config.yaml, exactly as printed there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    [local] = [b for b in blocks if "repo: local" in b]
    return local


def test_readme_local_hook_works_as_printed(tmp_path: Path):
    """The README's `repo: local` snippet, run by the real pre-commit with kerasnanlint on PATH (`language: system`
    runs what is installed where pre-commit runs: here, this interpreter's environment)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    bin_dir = Path(sys.executable).parent
    if shutil.which("kerasnanlint", path=str(bin_dir)) is None:
        pytest.skip(f"kerasnanlint is not installed in {bin_dir} (pip install -e .)")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), env.get("PYTHONPATH", "")]
    )  # this checkout's code, installed or not
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project, env=env)
    (project / ".pre-commit-config.yaml").write_text(readme_local_hook(), encoding="utf-8")
    (project / "bad.py").write_text(FLAGGED, encoding="utf-8")
    (project / "good.py").write_text(CLEAN, encoding="utf-8")
    git("add", "-A", cwd=project, env=env)

    failed = run_pre_commit(project, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "KNL107 [warning]" in output and "--> bad.py:6:7" in output and "Traceback" not in output

    (project / "bad.py").write_text(CLEAN, encoding="utf-8")
    git("add", "-A", cwd=project, env=env)
    passed = run_pre_commit(project, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kerasnanlint" in passed.stdout and "Passed" in passed.stdout
