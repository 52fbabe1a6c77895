"""The project-wide benchmark: a generated project of 1,000 modules where tuning scripts import builders.

100 ``models{i}.py`` each define a builder that compiles with metrics from ``metrics.py``; 899 ``tune{j}.py``
each import the builder of ``models{j % 100}.py`` (so 9 import ``models0.py``). After a warm run, one edit
to ``models0.py`` changes what it logs: only it and its 9 importers should be linted again. The figure is
the CPU that edit costs over a warm run, against linting those 10 files alone.
"""

from __future__ import annotations

from pathlib import Path

MODELS = 100
FILES = 1000

METRICS = """import keras


def f1(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred))
"""

BUILDER = """import keras

from .metrics import f1


def build_model(hp):
    model = keras.Sequential([keras.layers.Dense(hp.Int("units", 8, 64)), keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=["mae", f1])
    return model
"""

TUNE = """import keras_tuner as kt

from .models{i} import build_model

tuner = kt.RandomSearch(build_model, objective="val_f1", max_trials=3, overwrite=True)
"""


def generate(root: Path) -> list[str]:
    """Write the project under ``root``; the files an edit of ``models0.py`` should re-lint, from ``root``."""
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.kerasnanlint]\n", encoding="utf-8")
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "metrics.py").write_text(METRICS, encoding="utf-8")
    for i in range(MODELS):
        (pkg / f"models{i}.py").write_text(BUILDER, encoding="utf-8")
    affected = ["pkg/models0.py"]
    for j in range(FILES - MODELS - 2):
        (pkg / f"tune{j}.py").write_text(TUNE.format(i=j % MODELS), encoding="utf-8")
        if j % MODELS == 0:
            affected.append(f"pkg/tune{j}.py")
    return affected


def edit(root: Path, n: int) -> None:
    """Change what ``models0.py`` logs (its summary changes, so its importers must be linted again)."""
    path = root / "pkg" / "models0.py"
    text = path.read_text(encoding="utf-8")
    metrics = ", ".join(['"mae"', "f1", '"msle"' if n % 2 else '"mse"'])  # differs from the last edit
    head, _, rest = text.partition("metrics=[")
    path.write_text(head + "metrics=[" + metrics + rest[rest.index("]") :], encoding="utf-8")
