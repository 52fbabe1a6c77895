#!/usr/bin/env python
"""What linting a notebook costs over linting the same code as one .py file (a measurement, not a pass/fail test).

    python bench/notebook.py                 # a 200-cell notebook, median of 5 runs
    python bench/notebook.py --cells 50 --repeat 3

Writes a notebook of ``--cells`` code cells (a model builder, a custom loss and a tuner in turn, an IPython line
every few cells, markdown between them) and a .py file holding the same code cells joined (without the IPython
lines), then measures both ways: in process (lint_notebook against lint_source: the notebook's own cost) and as
``kerasnanlint --no-cache --jobs 1 FILE`` child processes (CPU time, start-up included). The goal is a ratio of at
most 1.5; bench/README.md records the measured one.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.5

SETUP = "import numpy as np\nimport keras\nimport keras_tuner as kt\nfrom keras import layers"
CELLS = (
    "def build_model_{i}(hp):\n"
    "    model = keras.Sequential([\n"
    "        keras.Input(shape=(20,)),\n"
    '        layers.Dense(hp.Int("units_{i}", 32, 128, step=32), activation="relu"),\n'
    '        layers.Dense(1, activation="sigmoid"),\n'
    "    ])\n"
    '    lr = hp.Float("lr_{i}", min_value=1e-4, max_value=1e-2)\n'
    '    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy", metrics=["accuracy"])\n'
    "    return model",
    "def loss_{i}(y_true, y_pred):\n"
    "    total = keras.ops.sum(y_true)\n"
    "    ratio = y_pred / total\n"
    "    return keras.ops.mean(keras.ops.log(ratio))",
    'tuner_{i} = kt.RandomSearch(build_model_{j}, objective="val_acc", max_trials=3, overwrite=True)\n'
    "x_{i} = np.random.rand(100, 20)\n"
    "y_{i} = np.random.randint(0, 2, size=(100, 1))",
)
IPYTHON = ("%time x = 1", "!nvidia-smi", "%matplotlib inline")


def make(cells: int, folder: Path) -> tuple[Path, Path]:
    """The notebook and the .py file with the same code."""
    sources = [SETUP]
    for i in range(1, cells):
        code = CELLS[i % len(CELLS)].format(i=i, j=i - (i % len(CELLS)))
        sources.append(code)
    nb_cells = []
    for i, code in enumerate(sources):
        shown = f"{IPYTHON[i % len(IPYTHON)]}\n{code}" if i % 5 == 4 else code
        nb_cells.append({"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": [f"## Step {i}"]})
        nb_cells.append(
            {
                "cell_type": "code",
                "execution_count": i + 1,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": shown.splitlines(keepends=True),
            }
        )
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    data = {"cells": nb_cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
    notebook = folder / "bench.ipynb"
    notebook.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    script = folder / "bench.py"
    script.write_text("\n".join(sources) + "\n", encoding="utf-8")
    return notebook, script


def in_process(path: Path, repeat: int) -> tuple[float, int]:
    """Median seconds of linting ``path`` in this process (parse and checks, no start-up), and its findings."""
    from kerasnanlint.config import Settings
    from kerasnanlint.runner import lint_bytes

    data, settings = path.read_bytes(), Settings()
    times, found = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = len(lint_bytes(data, path.name, settings))
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def child_cpu(path: Path, repeat: int) -> float:
    """Median CPU seconds of ``kerasnanlint --no-cache --jobs 1 PATH`` in a child process."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "-m", "kerasnanlint", "--no-cache", "--jobs", "1", "--quiet", str(path)],
            cwd=path.parent,
            capture_output=True,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(times)


def main() -> None:
    """Measure and print the table bench/README.md shows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        notebook, script = make(args.cells, Path(tmp))
        lines = script.read_text(encoding="utf-8").count("\n")
        nb_s, nb_found = in_process(notebook, args.repeat)
        py_s, py_found = in_process(script, args.repeat)
        nb_cpu, py_cpu = child_cpu(notebook, args.repeat), child_cpu(script, args.repeat)
    print(f"{args.cells} code cells, {lines} lines of code; findings: notebook {nb_found}, .py {py_found}")
    print("| measure | notebook s | .py s | ratio | goal |")
    print("|---|---:|---:|---:|---|")
    for name, a, b in (("in process (lint only)", nb_s, py_s), ("CLI child process, CPU", nb_cpu, py_cpu)):
        print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.2f} | <= {GOAL} |")


if __name__ == "__main__":
    main()
