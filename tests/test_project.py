"""Project-wide analysis: hypermodels, metrics and constants defined in other modules of the project."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from kerasnanlint.config import Settings, load_settings
from kerasnanlint.project import Project
from kerasnanlint.runner import lint_in_project, lint_paths
from tests.helpers import run_cli

METRICS = """\
import keras

def f1(y_true, y_pred):
    return keras.ops.mean(y_pred)

class PrAuc(keras.metrics.Metric):
    def __init__(self, **kwargs):
        super().__init__(name="pr_auc", **kwargs)
"""
MODELS = """\
import keras
from .metrics import PrAuc, f1

def build_model(hp):
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=["accuracy", f1, PrAuc()])
    return model
"""
TUNE = """\
import keras_tuner as kt
from pkg import build_model

tuner = kt.RandomSearch(build_model, objective="val_acc", max_trials=2, overwrite=True)
tuner.search(x, y, validation_data=(xv, yv))
"""


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def src_project(root: Path, tune: str = TUNE) -> Path:
    return make(
        root,
        {
            "pyproject.toml": "[project]\nname = 'p'\n",
            "src/pkg/__init__.py": "from .models import build_model\n",
            "src/pkg/metrics.py": METRICS,
            "src/pkg/models.py": MODELS,
            "src/pkg/tune.py": tune,
        },
    )


def findings(root: Path, *paths: str, cache: bool = False) -> list[tuple[str, int, str, str]]:
    """(file, line, code, message and help) of a run from ``root`` (as the CLI runs it: settings from there)."""
    old = Path.cwd()
    os.chdir(root)
    try:
        settings = load_settings(root)
        result = lint_paths([Path(p) for p in paths or (".",)], settings, jobs=1, use_cache=cache)
    finally:
        os.chdir(old)
    return [(d.path, d.line, d.rule, f"{d.message}\n{d.help}") for d in result.diagnostics]


def codes(found: list[tuple[str, int, str, str]], path: str) -> list[tuple[int, str]]:
    return [(line, code) for p, line, code, _ in found if p == path]


def test_builder_and_metrics_from_other_modules(tmp_path: Path) -> None:
    found = findings(src_project(tmp_path))
    knl301 = [m for p, _, c, m in found if c == "KNL301"]
    assert len(knl301) == 1
    # the re-export in __init__, the relative import, the metric function and the metric class named in super()
    assert '"val_loss", "val_accuracy", "val_f1", "val_pr_auc"' in knl301[0]


def test_one_file_named_gives_what_the_whole_project_gives(tmp_path: Path) -> None:
    root = src_project(tmp_path)
    whole = [f for f in findings(root) if f[0] == "src/pkg/tune.py"]
    alone = findings(root, "src/pkg/tune.py")
    assert whole == alone and any(f[2] == "KNL301" for f in alone)


def test_the_cli_on_one_file(tmp_path: Path) -> None:
    proc = run_cli("--no-cache", "src/pkg/tune.py", cwd=src_project(tmp_path))
    assert proc.returncode == 1 and "KNL301" in proc.stdout, proc.stdout + proc.stderr


def test_standard_input_is_linted_in_its_project(tmp_path: Path) -> None:
    root = src_project(tmp_path)
    old = Path.cwd()
    os.chdir(root)
    try:
        found = lint_in_project(TUNE.encode(), "src/pkg/tune.py", load_settings(root)).diagnostics
    finally:
        os.chdir(old)
    assert [d.rule for d in found if d.rule == "KNL301"] == ["KNL301"]


def test_a_custom_metric_objective(tmp_path: Path) -> None:
    found = findings(src_project(tmp_path, TUNE.replace('"val_acc"', '"val_pr_auc"')))
    assert [c for _, _, c, _ in found if c in ("KNL301", "KNL303")] == ["KNL303"]  # logged; direction unknown
    given = TUNE.replace('"val_acc"', 'kt.Objective("val_pr_auc", direction="max")')
    assert not [f for f in findings(src_project(tmp_path, given)) if f[2] in ("KNL301", "KNL303")]


def test_flat_layout_without_a_project_file(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "models.py": MODELS.replace("from .metrics", "from metrics"),
            "metrics.py": METRICS,
            "tune.py": TUNE.replace("from pkg import", "from models import"),
        },
    )
    assert ("tune.py", 4) in [(p, line) for p, line, c, _ in findings(root, "tune.py") if c == "KNL301"]


def test_star_import_of_a_project_module(tmp_path: Path) -> None:
    root = src_project(tmp_path, TUNE.replace("from pkg import build_model", "from pkg.models import *"))
    assert "KNL301" in [c for _, _, c, _ in findings(root, "src/pkg/tune.py")]


def test_module_attribute_and_absolute_import(tmp_path: Path) -> None:
    tune = TUNE.replace("from pkg import build_model", "import pkg.models as m").replace(
        "RandomSearch(build_model", "RandomSearch(m.build_model"
    )
    assert "KNL301" in [c for _, _, c, _ in findings(src_project(tmp_path, tune), "src/pkg/tune.py")]


def test_editing_an_imported_module_relints_its_importer_from_the_cache(tmp_path: Path) -> None:
    root = src_project(tmp_path)
    assert "KNL301" in [c for p, _, c, _ in findings(root, cache=True) if p == "src/pkg/tune.py"]
    models = root / "src/pkg/models.py"
    models.write_text(models.read_text().replace('"accuracy"', '"acc"'), encoding="utf-8")
    again = findings(root, cache=True)
    assert not [c for p, _, c, _ in again if p == "src/pkg/tune.py" and c == "KNL301"]  # val_acc is logged now


def test_custom_src_roots(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "pyproject.toml": '[tool.kerasnanlint]\nsrc = ["lib"]\n',
            "lib/models.py": MODELS.replace("from .metrics", "from metrics"),
            "lib/metrics.py": METRICS,
            "app/tune.py": TUNE.replace("from pkg import", "from models import"),
        },
    )
    assert "KNL301" in [c for _, _, c, _ in findings(root, "app/tune.py")]


# ---------------------------------------------------------------------------------------------------------
# Bad input: none of these may crash a run or loop forever.
def test_import_cycle(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "from .a import *\n",
            "pkg/a.py": "from .b import *\nfrom .b import build_model\n",
            "pkg/b.py": "from .a import *\nfrom .a import build_model\n",
            "pkg/tune.py": TUNE,
        },
    )
    assert not [c for _, _, c, _ in findings(root) if c == "KNL301"]  # unknown: silent


def test_a_module_that_does_not_parse(tmp_path: Path) -> None:
    root = src_project(tmp_path)
    (root / "src/pkg/models.py").write_text("import keras\ndef build_model(hp:\n", encoding="utf-8")
    found = findings(root, "src/pkg/tune.py")
    assert not [c for _, _, c, _ in found if c == "KNL301"]


def test_a_module_that_does_not_parse_and_never_mentions_keras(tmp_path: Path) -> None:
    root = src_project(tmp_path)
    (root / "src/pkg/models.py").write_text("def build_model(hp:\n", encoding="utf-8")
    assert not [c for _, _, c, _ in findings(root, "src/pkg/tune.py") if c in ("KNL000", "KNL301")]


def test_same_module_name_in_two_roots(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "pyproject.toml": "",
            "models.py": MODELS.replace("from .metrics import PrAuc, f1", "f1 = PrAuc = None"),
            "src/models.py": "def build_model(hp):\n    return None\n",
            "tune.py": TUNE.replace("from pkg import", "from models import"),
        },
    )
    # "." comes first among the default roots, as in ruff: its models.py is the one imported
    assert Project.at(root).find_module("models", root / "tune.py") == (root / "models.py").resolve()
    findings(root)


def test_symlinked_root(tmp_path: Path) -> None:
    real = src_project(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert "KNL301" in [c for _, _, c, _ in findings(link, "src/pkg/tune.py")]


def test_a_package_with_thousands_of_modules(tmp_path: Path) -> None:
    files = {"pyproject.toml": "", "big/__init__.py": "".join(f"from .m{i} import *\n" for i in range(2000))}
    files |= {f"big/m{i}.py": f"X{i} = {i}\n" for i in range(2000)}
    files["tune.py"] = TUNE.replace("from pkg import build_model", "from big import build_model")
    found = findings(make(tmp_path, files), "tune.py")
    assert not [c for _, _, c, _ in found if c == "KNL301"]


def test_module_names(tmp_path: Path) -> None:
    root = src_project(tmp_path)
    project = Project.at(root)
    assert project.module_of(root / "src/pkg/tune.py") == ("pkg.tune", False)
    assert project.module_of(root / "src/pkg/__init__.py") == ("pkg", True)
    assert project.package_of(root / "src/pkg/tune.py") == "pkg"
    assert project.module_of(root / "not-a-name/x.py") == ("x", False)  # a script, run from its folder
    assert project.module_of(root / "not-a-name/__init__.py") is None


@pytest.mark.parametrize("settings", [Settings()])
def test_the_api_without_a_project_stays_single_file(settings: Settings) -> None:
    from kerasnanlint import lint_source

    assert not [d for d in lint_source(TUNE, "tune.py", settings) if d.rule == "KNL301"]


# ---------------------------------------------------------------------------------------------------------
# Hypermodels however they are handed over, in one file.
HEAD = """\
import functools
import keras
import keras_tuner as kt

def build(hp, units=8):
    model = keras.Sequential([keras.layers.Dense(units)])
    model.compile(loss="mse", metrics=["mae"])
    return model
"""


def knl301(body: str) -> list[int]:
    from kerasnanlint import lint_source

    source = HEAD + textwrap.dedent(body)
    return [d.line for d in lint_source(source, "t.py") if d.rule == "KNL301"]


@pytest.mark.parametrize(
    "hypermodel",
    [
        "lambda hp: build(hp, 16)",
        "functools.partial(build, units=16)",
        "make_builder(16)",
        "make_closure()",
        "MyHyperModel()",
        "hm",
    ],
)
def test_hypermodel_forms(hypermodel: str) -> None:
    body = f"""
    def make_builder(units):
        return functools.partial(build, units=units)

    def make_closure():
        def inner(hp):
            return build(hp)
        return inner

    class MyHyperModel(kt.HyperModel):
        def build(self, hp):
            return build(hp)

    hm = functools.partial(build, units=4)
    tuner = kt.RandomSearch({hypermodel}, objective="val_mae_typo", max_trials=2)
    """
    assert knl301(body) == [HEAD.count("\n") + 15], hypermodel


def test_closure_and_subclass_compile_themselves() -> None:
    body = """
    def make_closure():
        def inner(hp):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(loss="mse", metrics=["mae"])
            return model
        return inner

    tuner = kt.RandomSearch(make_closure(), objective="val_acc", max_trials=2)
    """
    assert knl301(body)


def test_the_builder_in_force_where_the_tuner_is_made() -> None:
    body = """
    def build_model(hp):
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(loss="mse")
        return model

    def build_model(hp):
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(loss="mse", metrics=["accuracy"])
        return model

    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2)
    """
    assert knl301(body) == []  # the first definition logs no accuracy; the second, in force here, does


def test_the_builder_in_force_before_a_later_redefinition() -> None:
    body = """
    def build_model(hp):
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(loss="mse", metrics=["accuracy"])
        return model

    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2)

    def build_model(hp):
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(loss="mse")
        return model
    """
    assert knl301(body) == []


def test_a_fit_that_only_forwards_is_the_default_loop() -> None:
    from kerasnanlint import lint_source

    source = HEAD + textwrap.dedent(
        """
        class MyHyperModel(kt.HyperModel):
            def build(self, hp):
                return build(hp)

            def fit(self, hp, model, *args, **kwargs):
                \"\"\"Tune the batch size too.\"\"\"
                return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)

        tuner = kt.RandomSearch(MyHyperModel(), objective="val_mae", max_trials=2)
        tuner.search(x, y, epochs=2)
        """
    )
    assert "KNL302" in [d.rule for d in lint_source(source, "t.py")]
    custom = source.replace("return model.fit(*args, batch_size", "return model.fit(*args, validation_split=0.2, b")
    assert "KNL302" not in [d.rule for d in lint_source(custom, "t.py")]


def test_star_import_of_keras_tuner_and_module_aliases() -> None:
    from kerasnanlint import lint_source

    source = textwrap.dedent(
        """
        import tensorflow as tf
        from keras_tuner import *

        keras = tf.keras
        layers = keras.layers

        def build(hp):
            model = keras.Sequential([layers.Dense(1)])
            model.compile(loss="mse", metrics=["mae"])
            return model

        tuner = RandomSearch(build, objective="val_acc", max_trials=2)
        """
    )
    assert "KNL301" in [d.rule for d in lint_source(source, "t.py")]


def test_imported_hypermodel_class_and_instance(tmp_path: Path) -> None:
    models = MODELS + textwrap.dedent(
        """
        import keras_tuner as kt

        class MyHyperModel(kt.HyperModel):
            def build(self, hp):
                return build_model(hp)

        hypermodel = MyHyperModel()
        """
    )
    for tune in (
        TUNE.replace("from pkg import build_model", "from pkg.models import MyHyperModel").replace(
            "RandomSearch(build_model", "RandomSearch(MyHyperModel()"
        ),
        TUNE.replace("from pkg import build_model", "from pkg.models import hypermodel").replace(
            "RandomSearch(build_model", "RandomSearch(hypermodel"
        ),
    ):
        root = src_project(tmp_path / str(abs(hash(tune))), tune)
        (root / "src/pkg/models.py").write_text(models, encoding="utf-8")
        assert "KNL301" in [c for _, _, c, _ in findings(root, "src/pkg/tune.py")], tune


def test_an_edit_relints_only_the_module_and_its_importers(tmp_path: Path) -> None:
    files = {"pyproject.toml": "", "pkg/__init__.py": ""}
    for i in range(5):
        files[f"pkg/models{i}.py"] = MODELS.replace("from .metrics import PrAuc, f1\n", "").replace(", f1, PrAuc()", "")
    for j in range(15):
        tune = TUNE.replace("from pkg import build_model", f"from pkg.models{j % 5} import build_model")
        files[f"pkg/tune{j}.py"] = tune
    root = make(tmp_path, files)
    old = Path.cwd()
    os.chdir(root)
    try:
        settings = load_settings(root)
        first = lint_paths([Path(".")], settings, jobs=1)
        assert first.linted == 21 and len([d for d in first.diagnostics if d.rule == "KNL301"]) == 15
        assert lint_paths([Path(".")], settings, jobs=1).linted == 0
        edited = root / "pkg/models0.py"
        edited.write_text(edited.read_text().replace('"accuracy"', '"acc"'), encoding="utf-8")
        again = lint_paths([Path(".")], settings, jobs=1)
        assert again.linted == 4  # models0 and tune0, tune5, tune10, which import it
        assert len([d for d in again.diagnostics if d.rule == "KNL301"]) == 12
        body = edited.read_text()
        edited.write_text(body.replace("return model", "return model  # a comment"), encoding="utf-8")
        assert lint_paths([Path(".")], settings, jobs=1).linted == 1  # same summary: importers stay cached
    finally:
        os.chdir(old)


def test_a_notebook_imports_the_project(tmp_path: Path) -> None:
    from tests.helpers import notebook

    root = src_project(tmp_path)
    (root / "tune.ipynb").write_text(notebook("import keras_tuner as kt\nfrom pkg import build_model", TUNE), "utf-8")
    found = findings(root, "tune.ipynb")
    assert [(p, c) for p, _, c, _ in found if c == "KNL301"] == [("tune.ipynb", "KNL301")]


def test_the_class_in_force_where_the_tuner_is_made() -> None:
    body = """
    class Regressor(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(loss="mse", metrics=["mae"])
            return model

    first = kt.RandomSearch(Regressor(), objective="val_mae", max_trials=2)

    class Regressor(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(loss="mse", metrics=["mape"])
            return model

    second = kt.RandomSearch(Regressor(), objective="val_mape", max_trials=2)
    """
    assert knl301(body) == []
