"""Inputs that used to take the process down must come back as findings (or nothing), never a crash."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli


def test_deep_nesting_does_not_crash_the_run(tmp_path: Path) -> None:
    # 3,000 nested parentheses overflowed the 8 MiB main-thread stack inside LibCST's native parser (SIGSEGV).
    (tmp_path / "deep.py").write_text("import keras\nx = " + "(" * 3000 + "1" + ")" * 3000 + "\n", encoding="utf-8")
    (tmp_path / "ok.py").write_text("import keras\nimport numpy as np\nbad = 1.0 == np.nan\n", encoding="utf-8")
    proc = run_cli("--no-cache", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert "--> " in proc.stdout and "ok.py:3:7\n" in proc.stdout and "KNL107" in proc.stdout
    assert "Traceback" not in proc.stderr
