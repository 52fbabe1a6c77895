#!/usr/bin/env python
"""How analysis time and peak memory grow with file size (a measurement, not a pass/fail test).

    python bench/scaling.py                    # 1k, 8k, 32k and 64k lines, median of 3
    python bench/scaling.py --lines 1000 8000 --repeat 1
    python bench/scaling.py --profile 32000    # cProfile of one in-process lint, top functions by own time

Generates one Keras file of each size from realistic blocks repeated with fresh names (model builders with
hyperparameters, custom losses and metrics with risky ops, a metric class, tuners and training calls), then
lints it in a child process (``lint_source`` on the file, as ``kerasnanlint --jobs 1`` does) and reads the
child's CPU time and peak resident memory with ``wait4``. A child that only imports kerasnanlint and reads the
file gives the baseline (subtracted: "held" is what the file costs beyond start-up), and a child that only parses
it with LibCST gives the floor of any LibCST tool. Goals: time per line at 64k lines at most 1.5x the time per
line at 1k; memory held under 40x the source size.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME_GOAL = 1.5
MEMORY_GOAL = 40.0

HEADER = (
    "import numpy as np\nimport tensorflow as tf\nimport keras\nimport keras_tuner as kt\nfrom keras import layers\n"
)
BLOCK = """

def build_model_{i}(hp):
    units = hp.Int("units_{i}", min_value=32, max_value=256, step=32)
    lr = hp.Float("lr_{i}", min_value=1e-5, max_value=1e-1, sampling="log")
    act = hp.Choice("act_{i}", ["relu", "tanh", "selu"])
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(units, activation=act),
        layers.Dropout(hp.Float("drop_{i}", 0.0, 0.5)),
        layers.Dense(1, activation="sigmoid"),
    ])
    opt = keras.optimizers.Adam(learning_rate=lr)
    model.compile(optimizer=opt, loss=ratio_loss_{i}, metrics=["accuracy", log_error_{i}])
    return model


def build_functional_{i}(hp):
    inputs = keras.Input(shape=(32,))
    x = layers.Dense(hp.Int("width_{i}", 16, 128), activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["acc"])
    return model


def ratio_loss_{i}(y_true, y_pred):
    total = tf.reduce_sum(y_true)
    ratio = y_pred / total
    return tf.reduce_mean(tf.math.log(ratio) + tf.sqrt(y_pred - y_true))


def log_error_{i}(y_true, y_pred):
    return keras.ops.mean(keras.ops.log(y_pred) * y_true)


class Recall{i}(keras.metrics.Metric):
    def __init__(self, name="recall_{i}", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tp = self.add_weight(name="tp", initializer="zeros")
        self.pos = self.add_weight(name="pos", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.tp.assign_add(tf.reduce_sum(y_true * y_pred))
        self.pos.assign_add(tf.reduce_sum(y_true))

    def result(self):
        return self.tp / self.pos


x_{i} = np.random.rand(100, 20)
y_{i} = np.random.randint(0, 2, size=(100, 1))
tuner_{i} = kt.RandomSearch(build_model_{i}, objective="val_accuracy", max_trials=3, overwrite=True)
tuner_{i}.search(x_{i}, y_{i}, epochs=2, validation_split=0.2)
best_{i} = tuner_{i}.get_best_models(1)[0]
history_{i} = best_{i}.fit(x_{i}, y_{i}, epochs=3, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss")])
if history_{i}.history["loss"][-1] == np.nan:
    print("diverged")
"""


def make(lines: int) -> str:
    """A Keras file of about ``lines`` lines: the header, then ``BLOCK`` repeated with fresh names."""
    per_block = BLOCK.count("\n")
    blocks = max(1, (lines - HEADER.count("\n")) // per_block)
    return HEADER + "".join(BLOCK.format(i=i) for i in range(blocks))


CHILD = """
import os, sys
from kerasnanlint.engine import lint_source, parse
text = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[2] == "lint":
    found = lint_source(text, sys.argv[1])
    assert found and all(d.rule != "KNL000" for d in found), [d.message for d in found if d.rule == "KNL000"]
    os.write(1, str(len(found)).encode())
elif sys.argv[2] == "parse":
    module = parse(text)  # LibCST's tree alone, as the linter parses it
"""


def run_child(path: Path, mode: str) -> tuple[float, int, str]:
    """CPU seconds, peak RSS in bytes and stdout of one child."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), mode], stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the child linting {path} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out


def measure(sizes: list[int], repeat: int, folder: Path) -> None:
    rows = []
    for lines in sizes:
        path = folder / f"scale_{lines}.py"
        path.write_text(make(lines), encoding="utf-8")
        med = {}
        for mode in ("base", "parse", "lint"):  # base: interpreter, imports and the text read, nothing parsed
            runs = [run_child(path, mode) for _ in range(repeat)]
            med[mode] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2])
        text = path.read_text(encoding="utf-8")
        rows.append((text.count("\n"), len(text.encode()), med))
    print(
        "| lines | source KiB | findings | CPU s | µs per line | parse CPU s | peak RSS MiB "
        "| held / source | bare parse held / source |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n_lines, size, med in rows:
        cpu = med["lint"][0] - med["base"][0]
        held, parse_held = med["lint"][1] - med["base"][1], med["parse"][1] - med["base"][1]
        print(
            f"| {n_lines:,} | {size / 1024:,.0f} | {int(med['lint'][2]):,} | {cpu:.2f} | {cpu / n_lines * 1e6:.0f} "
            f"| {med['parse'][0] - med['base'][0]:.2f} | {med['lint'][1] / 2**20:.0f} | {held / size:.0f}x "
            f"| {parse_held / size:.0f}x |"
        )
    first, last = rows[0], rows[-1]

    def per_line(row: tuple[int, int, dict[str, tuple[float, int, str]]]) -> float:
        return (row[2]["lint"][0] - row[2]["base"][0]) / row[0]

    worst = max((r[2]["lint"][1] - r[2]["base"][1]) / r[1] for r in rows)
    print()
    print(f"time per line, {last[0]:,} lines / {first[0]:,} lines: {per_line(last) / per_line(first):.2f}x", end="")
    print(f" (goal <= {TIME_GOAL}x)")
    print(f"memory held beyond start-up / source size, worst: {worst:.0f}x (goal < {MEMORY_GOAL:.0f}x)")


def profile(lines: int, top: int) -> None:
    from kerasnanlint.engine import lint_source, on_large_stack

    text = make(lines)
    lint_source(make(50), "warm.py")  # imports and first-use tables outside the profile
    profiler = cProfile.Profile()
    # lint_source runs on the engine's large-stack thread: the profiler must be enabled there
    found = on_large_stack(profiler.runcall, lint_source, text, "scale.py")
    print(f"{text.count(chr(10)):,} lines, {len(found):,} findings")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 8000, 32000, 64000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="LINES", help="profile one in-process lint instead")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.top)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(args.lines, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
