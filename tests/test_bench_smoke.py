"""The benchmark script runs end to end on a tiny corpus (no download, no fixit). No timing assertions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_prints_tables_on_a_tiny_corpus(tmp_path: Path) -> None:
    findings = tmp_path / "findings.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--corpus",
            str(ROOT / "examples"),
            "--repeat",
            "1",
            "--no-fixit",
            "--nonkeras-files",
            "2",
            "--workdir",
            str(tmp_path / "work"),
            "--findings",
            str(findings),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "| measurement | files | CPU s | wall s | x bare parse CPU |" in out
    assert "| bare libcst.parse_module, 1 process |" in out
    assert "| kerasnanlint cold, --jobs 1 --no-cache |" in out
    assert "| target | value | goal | met |" in out
    assert "| rule | name | findings |" in out
    data = json.loads(findings.read_text())
    assert data["files"] == len(list((ROOT / "examples").rglob("*.py")))
    assert sum(r["count"] for r in data["by_rule"].values()) >= 1  # the seed scripts are known to be flagged


def test_scaling_prints_its_table_on_small_files() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scaling.py"), "--lines", "150", "300", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| lines | source KiB | findings |" in proc.stdout
    assert "time per line" in proc.stdout and "memory held beyond start-up / source size" in proc.stdout
