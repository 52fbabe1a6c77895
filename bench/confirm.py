#!/usr/bin/env python
"""Runtime-confirm over many scripts: six of the catalogue's confirmable examples, each run alone (one child and
one framework import each), against all six in one ``confirm --jobs 2`` (two warm workers, a forked process per
script).

    python bench/confirm.py              # --jobs 2, 1 trial x 1 epoch per probe, CPU
    python bench/confirm.py --jobs 4 --trials 2

Wall time of the whole command (lint included), so other work on the machine shows in the figures; targets from
issue 15: a single script at most about 15 s on 2 CPU cores, six with --jobs 2 at most 0.6x the sum of the six
single runs. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("KNL101", "KNL102", "KNL203", "KNL301", "KNL303", "KNL502")


def confirm(files: list[Path], args: argparse.Namespace, jobs: int) -> float:
    """Wall seconds of one ``kerasnanlint confirm`` over ``files``."""
    command = [
        sys.executable, "-m", "kerasnanlint", "confirm", "--no-cache", "--device", "cpu", "--budget", "900",
        "--trials", str(args.trials), "--epochs", "1", "--jobs", str(jobs), *map(str, files),
    ]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"confirm failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--trials", type=int, default=1)
    args = parser.parse_args()
    files = [ROOT / "rules" / code / "flagged.py" for code in EXAMPLES]
    singles = []
    for file in files:
        singles.append(confirm([file], args, 1))
        print(f"{file.relative_to(ROOT)}: {singles[-1]:.1f} s alone", flush=True)
    together = confirm(files, args, args.jobs)
    total = sum(singles)
    print(
        f"sum of the {len(files)} single runs: {total:.1f} s (slowest {max(singles):.1f} s; target about 15 s or less)"
    )
    print(f"all {len(files)} with --jobs {args.jobs}: {together:.1f} s = {together / total:.2f}x the sum (target 0.6x)")


if __name__ == "__main__":
    main()
