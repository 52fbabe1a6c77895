"""Deferred details (kerasnanlint/details.py): a lint that leaves fixes and ``where`` for later finds the same
findings, and completing each gives exactly what an eager lint gives. Also the summary a buffer's lint may skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerasnanlint.config import Settings
from kerasnanlint.details import deferred_details
from kerasnanlint.diagnostics import Analysis
from kerasnanlint.engine import analyse
from kerasnanlint.registry import all_rules
from kerasnanlint.runner import MemoryCache, lint_in_project
from kerasnanlint.semantics.linked import Linked
from tests.helpers import ROOT, RULES

# Every catalogue example (flagged and clean, each rule selected) and the bundled examples.
FILES = sorted([*RULES.glob("KNL*/*.py"), *(ROOT / "examples").glob("*.py")])
EVERY_RULE = Settings(extend_select=tuple(code for code, rule in all_rules().items() if rule.opt_in))


def _both(path: Path) -> tuple[Analysis, Analysis]:
    data = path.read_bytes()
    eager = analyse(data, str(path), EVERY_RULE, Linked())
    with deferred_details():
        deferred = analyse(data, str(path), EVERY_RULE, Linked())
    return eager, deferred


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_deferred_findings_complete_to_the_eager_ones(path: Path) -> None:
    eager, deferred = _both(path)
    assert eager.details is None
    assert len(deferred.diagnostics) == len(eager.diagnostics)
    if deferred.details is None:  # nothing to complete: no finding came from a check
        assert deferred.diagnostics == eager.diagnostics
        return
    completed = [deferred.details.complete(d) for d in deferred.diagnostics]
    assert completed == eager.diagnostics
    assert [d.where for d in completed] == [d.where for d in eager.diagnostics]  # ``where`` is not compared
    assert deferred.summary == eager.summary


def test_a_deferred_lint_builds_no_fix_and_no_where() -> None:
    path = RULES / "KNL107" / "flagged.py"
    eager, deferred = _both(path)
    assert any(d.fix is not None for d in eager.diagnostics)
    assert all(d.where is not None for d in eager.diagnostics)
    from_checks = [d for d in deferred.diagnostics if d.rule != "KNL001"]
    assert from_checks and all(d.fix is None and d.where is None for d in from_checks)


def test_the_memory_cache_keeps_no_tree() -> None:
    _, deferred = _both(RULES / "KNL107" / "flagged.py")
    assert deferred.details is not None
    cache = MemoryCache()
    cache.put("k", deferred)
    stored = cache.get("k")
    assert stored is not None and stored.details is None
    assert stored.diagnostics == deferred.diagnostics and stored.summary == deferred.summary


BUILDER = """import keras
import keras_tuner as kt


def build(hp):
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""

TUNER = """import keras_tuner as kt

from models import build

tuner = kt.RandomSearch(build, objective="val_acc", max_trials=2)
"""


def test_a_skipped_summary_is_built_when_an_importer_needs_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kerasnanlint]\n")
    models, tune = tmp_path / "models.py", tmp_path / "tune.py"
    models.write_text(BUILDER)
    tune.write_text(TUNER)
    settings = Settings(root=tmp_path)
    cache = MemoryCache()
    alone = lint_in_project(BUILDER.encode(), str(models), settings, cache=cache, summary=False)
    assert alone.summary is None
    assert lint_in_project(BUILDER.encode(), str(models), settings).summary is not None
    # The importer finds the cached analysis without a summary, lints the module again, and knows the builder.
    found = lint_in_project(TUNER.encode(), str(tune), settings, cache=cache)
    assert "KNL301" in [d.rule for d in found.diagnostics]
