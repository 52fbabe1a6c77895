"""--fix / --unsafe-fixes / --diff: exact rewrites per rule, idempotence, and the file-handling guarantees."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from pathlib import Path

import pytest

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Applicability
from kerasnanlint.engine import lint_source
from kerasnanlint.fix import apply_fixes, fix_bytes, fix_text
from kerasnanlint.fix_cli import fix_paths, unified_diff, write_atomic
from kerasnanlint.registry import RULES as REGISTRY
from kerasnanlint.registry import all_rules
from tests.helpers import RULES, run_cli

FIXERS = {code: r.fixer for code, r in all_rules().items() if r.fixer is not None}
# Rules with a fix: a fixer's, or the engine's own (KNL001 edits noqa comments).
WITH_FIX = [code for code, r in all_rules().items() if r.fix_applicability is not None]
FIXED_CODES = sorted(p.parent.name for p in RULES.glob("KNL*/flagged.fixed.py"))


@pytest.fixture(autouse=True)
def _fixers_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KERASNANLINT_DEBUG", "1")  # a crashing fixer fails the test instead of going quiet


def _fix(text: str, path: str = "example.py", *, unsafe: bool = True, only: str | None = None):
    """Fix ``text``; ``only`` selects one rule, so that a catalogue example shows that rule's rewrite alone."""
    settings = Settings(select=(only,)) if only else Settings()
    if only == "KNL001":  # it judges the noqa comments of the other rules: they must run beside it
        settings = Settings(extend_select=(only,))
    return fix_text(text, None, settings, path=path, unsafe=unsafe)


# --- the catalogue: every rule with a fix --------------------------------------------------------------------


def test_every_fixer_has_an_expected_rewrite() -> None:
    assert sorted(c for c in WITH_FIX if (RULES / c / "flagged.py").is_file()) == FIXED_CODES


@pytest.mark.parametrize("code", FIXED_CODES)
def test_flagged_example_is_rewritten_exactly(code: str) -> None:
    flagged = RULES / code / "flagged.py"
    want = (RULES / code / "flagged.fixed.py").read_text(encoding="utf-8")
    result = _fix(flagged.read_text(encoding="utf-8"), str(flagged), only=code)
    assert result.dropped == []
    assert result.fixed > 0
    assert result.text == want


@pytest.mark.parametrize("code", FIXED_CODES)
def test_fix_is_idempotent_and_removes_the_finding(code: str) -> None:
    fixed = RULES / code / "flagged.fixed.py"
    text = fixed.read_text(encoding="utf-8")
    again = _fix(text, str(fixed), only=code)
    assert again.fixed == 0 and again.text == text
    left = [d for d in lint_source(text, str(fixed), Settings(select=(code,)))]
    # What remains of this rule had no fix to offer (e.g. an ambiguous metric name).
    assert all(d.fix is None for d in left), [f"{d.line}: {d.message}" for d in left]


@pytest.mark.parametrize("code", FIXED_CODES)
def test_safe_mode_applies_only_safe_fixes(code: str) -> None:
    flagged = RULES / code / "flagged.py"
    result = _fix(flagged.read_text(encoding="utf-8"), str(flagged), unsafe=False, only=code)
    assert not any(d.fix and d.fix.applicability == Applicability.SAFE for d in result.remaining)
    unsafe_before = [d for d in lint_source(flagged.read_bytes(), str(flagged), Settings(select=(code,))) if d.fix]
    if all(d.fix.applicability == Applicability.UNSAFE for d in unsafe_before if d.fix):
        assert result.fixed == 0 and not result.changed


@pytest.mark.parametrize("code", FIXED_CODES)
def test_clean_example_is_untouched(code: str) -> None:
    clean = RULES / code / "clean.py"
    text = clean.read_text(encoding="utf-8")
    assert _fix(text, str(clean), only=code).text == text


@pytest.mark.parametrize("code", sorted(p.parent.name for p in RULES.glob("KNL*/flagged.py")))
def test_all_rules_together_stay_idempotent(code: str) -> None:
    """`--fix --unsafe-fixes` with every rule on, on every catalogue example: chains of fixes settle, nothing
    breaks, and a second run changes nothing."""
    flagged = RULES / code / "flagged.py"
    first = _fix(flagged.read_text(encoding="utf-8"), str(flagged))
    assert first.converged and first.dropped == []
    assert first.fixed > 0 or code not in FIXED_CODES or all_rules()[code].opt_in  # off unless selected
    second = _fix(first.text, str(flagged))
    assert second.fixed == 0 and second.text == first.text


# --- KNL107 details --------------------------------------------------------------------------------------------

HEADER = "import keras\nimport numpy as np\n\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("m = x == np.nan\n", "m = np.isnan(x)\n"),
        ("m = x != np.nan\n", "m = ~np.isnan(x)\n"),
        ("m = np.nan != (a + b)\n", "m = ~np.isnan(a + b)\n"),
        ("if x != np.nan and y:\n    pass\n", "if not np.isnan(x) and y:\n    pass\n"),
        ("ok = (x == np.nan)\n", "ok = (np.isnan(x))\n"),
        ("t = [v for v in xs if v != np.nan]\n", "t = [v for v in xs if not np.isnan(v)]\n"),
    ],
)
def test_nan_equality_rewrites(before: str, after: str) -> None:
    assert _fix(HEADER + before).text == HEADER + after


def test_nan_equality_adds_numpy_import_after_the_imports() -> None:
    src = '"""Doc."""\nimport math  # std\nimport keras\n\n\ndef f(x):\n    return x == math.nan\n'
    want = '"""Doc."""\nimport math  # std\nimport keras\nimport numpy as np\n\n\ndef f(x):\n    return np.isnan(x)\n'
    assert _fix(src).text == want


def test_nan_equality_keeps_tnp() -> None:
    src = "import tensorflow.experimental.numpy as tnp\n\nm = t == tnp.nan\n"
    assert _fix(src).text == "import tensorflow.experimental.numpy as tnp\n\nm = tnp.isnan(t)\n"


def test_nan_equality_in_traced_code_uses_the_tensor_api() -> None:
    src = (
        "import keras\nimport numpy as np\nimport tensorflow as tf\n\n\n"
        "def masked_loss(y_true, y_pred):\n    mask = y_true != np.nan\n    return tf.reduce_mean(y_pred[mask])\n\n\n"
        "@tf.function\ndef step(x):\n    if x == np.nan:\n        return 0.0\n    return x\n"
    )
    out = _fix(src).text
    assert "    mask = ~tf.math.is_nan(y_true)\n" in out and "    if tf.math.is_nan(x):\n" in out
    src = "from keras import ops\nimport numpy as np\n\n\ndef my_loss(y_true, y_pred):\n"
    src += "    return ops.sum(y_pred[y_true == np.nan])\n"
    assert "    return ops.sum(y_pred[ops.isnan(y_true)])\n" in _fix(src).text


def test_chained_comparison_gets_no_fix() -> None:
    src = HEADER + "m = a < x == np.nan\n"
    [d] = lint_source(src, "x.py", Settings())
    assert d.fix is None


# --- other rules: the cases the catalogue examples do not show ---------------------------------------------

TUNER = """import keras
import keras_tuner as kt

OBJ = "val_f1_score"


def build(hp):
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", keras.metrics.F1Score()])
    lr = hp.Float("lr", 1e-4, 1e-1, sampling="linear")
    lr2 = hp.Float("learning_rate", 1e-4, 1e-1, step=1e-3)
    keras.optimizers.Adam(lr)
    keras.optimizers.Adam(lr2)
    return model


t1 = kt.RandomSearch(build, objective=OBJ, overwrite=True)
t2 = kt.RandomSearch(build, objective="val_custom_metric", overwrite=True)
t3 = kt.RandomSearch(build, objective="val_accuracy", overwrite=True)
cbs = [keras.callbacks.EarlyStopping()]
t3.search(x, y, validation_split=0.2, callbacks=cbs)
t3.search(x, y, validation_split=0.2, callbacks=None)
t3.search(x, y, validation_split=0.2, callbacks=make())
"""


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]


def test_objective_through_a_variable_is_wrapped_where_the_tuner_reads_it() -> None:
    result = _fix(TUNER, only="KNL303", unsafe=False)
    assert _changed_lines(TUNER, result.text) == [
        (
            "t1 = kt.RandomSearch(build, objective=OBJ, overwrite=True)",
            't1 = kt.RandomSearch(build, objective=kt.Objective(OBJ, direction="max"), overwrite=True)',
        )
    ]  # the custom metric's direction is a guess: only with --unsafe-fixes
    result = _fix(TUNER, only="KNL303")
    assert 'objective=kt.Objective("val_custom_metric", direction="max")' in result.text


def test_learning_rate_sampling() -> None:
    result = _fix(TUNER, only="KNL401", unsafe=False)
    assert _changed_lines(TUNER, result.text) == [
        (
            '    lr = hp.Float("lr", 1e-4, 1e-1, sampling="linear")',
            '    lr = hp.Float("lr", 1e-4, 1e-1, sampling="log")',
        )
    ]  # with a step, log sampling would need a multiplicative step: no fix
    assert [d.fix for d in result.remaining] == [None]


def test_added_strings_follow_the_file_quotes() -> None:
    single = TUNER.replace('"', "'")
    result = _fix(single, only="KNL401")
    assert "    lr = hp.Float('lr', 1e-4, 1e-1, sampling='log')" in result.text.splitlines()
    result = _fix(single, only="KNL303", unsafe=False)
    assert "kt.Objective(OBJ, direction='max')" in result.text


def test_terminate_on_nan_goes_into_the_callbacks() -> None:
    result = _fix(TUNER, only="KNL305", unsafe=False)
    assert _changed_lines(TUNER, result.text) == [
        (
            "cbs = [keras.callbacks.EarlyStopping()]",
            "cbs = [keras.callbacks.EarlyStopping(), keras.callbacks.TerminateOnNaN()]",
        ),
        (
            "t3.search(x, y, validation_split=0.2, callbacks=None)",
            "t3.search(x, y, validation_split=0.2, callbacks=[keras.callbacks.TerminateOnNaN()])",
        ),
    ]


def test_objective_rename_needs_a_close_logged_name() -> None:
    src = TUNER.replace('objective="val_custom_metric"', 'objective="val_acuracy"')
    result = _fix(src, only="KNL301")
    assert 'objective="val_accuracy"' in result.text
    assert 'OBJ = "val_f1_score"' in result.text  # F1Score() logs f1_score: nothing to rename
    src = TUNER.replace(", keras.metrics.F1Score()", "")
    result = _fix(src, only="KNL301")
    assert result.fixed == 0  # val_f1_score is not a typo of val_accuracy
    src = TUNER.replace("keras.metrics.F1Score()", "keras.metrics.RootMeanSquaredError()")
    result = _fix(src.replace('"val_custom_metric"', '"val_rmse"'), only="KNL301")
    assert 'objective="val_root_mean_squared_error"' in result.text and result.fixed == 1


TF_MODELS = """import tensorflow as tf


def build(hp):
    inputs = tf.keras.Input((4,))
    outputs = tf.keras.layers.Dense(3)(inputs)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def build2(hp):
    model = tf.keras.Sequential([tf.keras.layers.Dense(3), tf.keras.layers.Activation("softmax")])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(True))
    return model


def build3(hp):
    model = tf.keras.Sequential([tf.keras.layers.Dense(3), tf.keras.layers.Softmax()])
    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
    return model


def build4(hp):
    inputs = tf.keras.Input((4,))
    outputs = tf.nn.softmax(tf.keras.layers.Dense(3)(inputs), axis=-1)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
    return model


def build5(hp):
    head = "sigmoid"
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation=head)])
    model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))
    return model
"""


def test_from_logits_fixes_in_tf_keras_style() -> None:
    result = fix_text(TF_MODELS, None, Settings(extend_select=("KNL206",)), path="example.py", unsafe=True)
    assert _changed_lines(TF_MODELS, result.text) == [
        (
            '    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")',
            '    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))',
        ),
        (
            '    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(True))',
            '    model.compile(optimizer="adam",'
            " loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False))",
        ),
        (
            '    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))',
            '    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=False))',
        ),
        (
            '    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))',
            '    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=False))',
        ),
        (
            '    model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))',
            '    model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=False))',
        ),
    ]
    # The probability outputs with from_logits=False are what KNL206 (info) advises against: advice a fix may
    # leave behind, unlike a warning or an error.
    assert result.dropped == []
    assert {d.rule for d in result.remaining} == {"KNL206"}


def test_a_fix_may_not_leave_a_new_warning() -> None:
    from kerasnanlint.diagnostics import Severity

    # extend-select = ["KNL206"] and [tool.kerasnanlint.severity] KNL206 = "warning"
    strict = Settings(extend_select=("KNL206",), severity=(("KNL206", Severity.WARNING),))
    result = fix_text(TF_MODELS, None, strict, path="m.py", unsafe=True)
    assert any("KNL206" in m for m in result.dropped)


LOSSES = """import keras
import tensorflow as tf
from keras import ops


def my_loss(y_true, y_pred):
    ratio = ops.sum(y_true) / ops.sum(y_pred)
    total = tf.math.divide(y_true, y_pred - y_true)
    x = ops.sum(y_true)
    x /= ops.sum(y_pred)
    return tf.math.log(y_pred) + ops.log1p(y_pred - 1.0) + ratio + total + x


model = keras.Sequential([keras.layers.Dense(1)])
model.compile(loss=my_loss)
"""


def test_numerics_guards_use_the_api_at_hand() -> None:
    result = _fix(LOSSES)
    assert _changed_lines(LOSSES, result.text) == [
        (
            "    ratio = ops.sum(y_true) / ops.sum(y_pred)",
            "    ratio = ops.divide_no_nan(ops.sum(y_true), ops.sum(y_pred))",
        ),
        (
            "    total = tf.math.divide(y_true, y_pred - y_true)",
            "    total = tf.math.divide_no_nan(y_true, y_pred - y_true)",
        ),
        ("    x /= ops.sum(y_pred)", "    x = ops.divide_no_nan(x, ops.sum(y_pred))"),
        (
            "    return tf.math.log(y_pred) + ops.log1p(y_pred - 1.0) + ratio + total + x",
            "    return tf.math.log(tf.maximum(y_pred, keras.backend.epsilon()))"
            " + ops.log1p(ops.maximum(y_pred - 1.0, -1.0 + keras.backend.epsilon())) + ratio + total + x",
        ),
    ]
    assert _fix(LOSSES, unsafe=False).fixed == 0  # every numerics guard changes values: unsafe


# --- helpers: keywords, lists, imports in the file's style --------------------------------------------------


def _ctx(src: str):
    import libcst as cst

    from kerasnanlint.context import Context
    from kerasnanlint.positions import Positions
    from kerasnanlint.semantics.module import collect

    module = cst.parse_module(src)
    ctx = Context("x.py", src, module, collect(module), Settings())
    ctx.positions = Positions(module, src)
    return ctx


def _apply(ctx, edits) -> str:
    from kerasnanlint.context import PendingFix
    from kerasnanlint.details import resolve_fix

    fix = resolve_fix(PendingFix("t", Applicability.SAFE, tuple(edits)), ctx.positions)
    return apply_fixes(ctx.source, [fix])


@pytest.mark.parametrize(
    ("src", "want"),
    [
        ("f()\n", "f(overwrite=True)\n"),
        ("f(a)\n", "f(a, overwrite=True)\n"),
        ("f(a, b,)\n", "f(a, b, overwrite=True,)\n"),
        ("f(a, overwrite=False)\n", "f(a, overwrite=True)\n"),
        ("f(\n    a,\n    b,\n)\n", "f(\n    a,\n    b,\n    overwrite=True,\n)\n"),
        (
            "def g():\n    f(\n        a,\n        b\n    )\n",
            "def g():\n    f(\n        a,\n        b,\n        overwrite=True\n    )\n",
        ),
        ("f(a,\n  b)\n", "f(a,\n  b, overwrite=True)\n"),
        ("f(\n    a,  # c\n)\n", "f(\n    a,  # c\n    overwrite=True,\n)\n"),
        ("f(\n    a  # c\n)\n", "f(\n    a,  # c\n    overwrite=True\n)\n"),
        ("f(\n    a,\n    b)\n", "f(\n    a,\n    b,\n    overwrite=True)\n"),
    ],
)
def test_set_keyword(src: str, want: str) -> None:
    import libcst as cst

    from kerasnanlint.fixes.common import set_keyword

    ctx = _ctx(src)
    call = next(c.node for c in ctx.facts.calls if c.dotted == "f")
    assert isinstance(call, cst.Call)
    assert _apply(ctx, set_keyword(ctx, call, "overwrite", "True")) == want


@pytest.mark.parametrize(
    ("imports", "spelling", "added"),
    [
        ("import keras\n", "keras.callbacks.TerminateOnNaN", None),
        ("import tensorflow as tf\n", "tf.keras.callbacks.TerminateOnNaN", None),
        ("from tensorflow import keras\n", "keras.callbacks.TerminateOnNaN", None),
        ("from keras import callbacks as cb\n", "cb.TerminateOnNaN", None),
        ("from keras.callbacks import TerminateOnNaN\n", "TerminateOnNaN", None),
        (
            "from tensorflow.keras.layers import Dense\n",
            "keras.callbacks.TerminateOnNaN",
            "from tensorflow import keras",
        ),
        ("from keras.layers import Dense\n", "keras.callbacks.TerminateOnNaN", "import keras"),
    ],
)
def test_ensure_name_follows_the_file_style(imports: str, spelling: str, added: str | None) -> None:
    from kerasnanlint.fixes.common import ensure_name

    ctx = _ctx(imports + "\nx = 1\n")
    use = ctx.module.body[-1]
    got, edits = ensure_name(ctx, "keras.callbacks.TerminateOnNaN", use)
    assert got == spelling
    assert [e.content.strip() for e in edits] == ([added] if added else [])


@pytest.mark.parametrize(
    ("src", "want"),
    [
        ("x = []\n", "x = [T()]\n"),
        ("x = [a]\n", "x = [a, T()]\n"),
        ("x = [\n    a,  # c\n]\n", "x = [\n    a,  # c\n    T(),\n]\n"),
        ("x = [\n    a  # c\n]\n", "x = [\n    a,  # c\n    T()\n]\n"),
        ("x = [a,\n     b]\n", "x = [a,\n     b,\n     T()]\n"),
        ("x = (a,)\n", "x = (a, T(),)\n"),
    ],
)
def test_append_to_list(src: str, want: str) -> None:
    from kerasnanlint.fixes.common import append_to_list

    ctx = _ctx(src)
    display = ctx.module.body[0].body[0].value
    assert _apply(ctx, append_to_list(ctx, display, "T()")) == want


def test_ensure_name_keras_tuner_alias() -> None:
    from kerasnanlint.fixes.common import ensure_name

    ctx = _ctx("import keras\nfrom keras_tuner import RandomSearch\n\nx = 1\n")
    got, [edit] = ensure_name(ctx, "keras_tuner.Objective", ctx.module.body[-1])
    assert (got, edit.content) == ("kt.Objective", "import keras_tuner as kt\n")
    ctx = _ctx("import kerastuner as kt\n\nx = 1\n")
    assert ensure_name(ctx, "keras_tuner.Objective", ctx.module.body[-1]) == ("kt.Objective", [])


def test_ensure_name_skips_a_shadowed_alias() -> None:
    from kerasnanlint.fixes.common import ensure_name

    ctx = _ctx("import keras\nfrom keras import callbacks\n\ncallbacks = []\n")
    assert ensure_name(ctx, "keras.callbacks.TerminateOnNaN", ctx.module.body[-1]) == (
        "keras.callbacks.TerminateOnNaN",
        [],
    )


def test_import_goes_after_environment_setup_but_before_the_use() -> None:
    from kerasnanlint.fixes.common import ensure_name

    src = 'import os\nos.environ["KERAS_BACKEND"] = "jax"\nimport keras\n\nm = x == math.nan\nimport math\n'
    ctx = _ctx(src)
    use = ctx.module.body[3]
    _, edits = ensure_name(ctx, "numpy.isnan", use)
    out = _apply(ctx, edits)
    assert out.startswith('import os\nos.environ["KERAS_BACKEND"] = "jax"\nimport keras\nimport numpy as np\n\nm =')


# --- rounds, dropped fixes --------------------------------------------------------------------------------------


def _patch_fixer(monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    from kerasnanlint.fixes.common import SAFE, pending

    def broken(ctx, node, data):
        from kerasnanlint.context import NodeEdit

        return pending("broken", SAFE, NodeEdit(node, content))

    monkeypatch.setitem(REGISTRY, "KNL107", dataclasses.replace(REGISTRY["KNL107"], fixer=broken))


def test_a_fix_that_does_not_parse_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch_fixer(monkeypatch, "np.isnan(")
    src = HEADER + "m = x == np.nan\n"
    result = _fix(src)
    assert result.text == src and result.fixed == 0
    assert len(result.dropped) == 1 and "does not parse" in result.dropped[0]
    assert [d.rule for d in result.remaining] == ["KNL107"]


def test_a_fix_that_keeps_its_finding_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch_fixer(monkeypatch, "x == np.nan  ")
    src = HEADER + "m = x == np.nan\n"
    result = _fix(src)
    assert result.text == src and "leaves or introduces KNL107" in result.dropped[0]


def test_one_bad_fix_does_not_block_the_good_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    good = FIXERS["KNL107"]

    def sometimes(ctx, node, data):
        if "bad" in ctx.code(node):
            from kerasnanlint.context import NodeEdit
            from kerasnanlint.fixes.common import SAFE, pending

            return pending("broken", SAFE, NodeEdit(node, "bad ==="))
        return good(ctx, node, data)

    monkeypatch.setitem(REGISTRY, "KNL107", dataclasses.replace(REGISTRY["KNL107"], fixer=sometimes))
    src = HEADER + "a = x == np.nan\nb = bad == np.nan\nc = y == np.nan\n"
    result = _fix(src)
    assert result.text == HEADER + "a = np.isnan(x)\nb = bad == np.nan\nc = np.isnan(y)\n"
    assert result.fixed == 2 and len(result.dropped) == 1


def test_overlapping_fixes_converge_over_rounds() -> None:
    # Both findings need `import numpy as np` at the same place: one round each.
    src = "import keras\nimport math\n\na = x == math.nan\nb = y == math.nan\n"
    result = _fix(src)
    assert result.text == "import keras\nimport math\nimport numpy as np\n\na = np.isnan(x)\nb = np.isnan(y)\n"
    assert result.fixed == 2 and result.converged


def test_unparsable_file_is_left_alone() -> None:
    src = "import keras\nx == (\n"
    result = _fix(src)
    assert not result.changed and [d.rule for d in result.remaining] == ["KNL000"]


# --- bytes and files: encoding, newlines, permissions, races ----------------------------------------------------


def test_crlf_bom_and_coding_cookie_are_kept() -> None:
    src = HEADER + "m = x == np.nan\n"
    crlf = src.replace("\n", "\r\n").encode()
    _, out = fix_bytes(crlf, "x.py", Settings(), unsafe=False)
    assert out == (HEADER + "m = np.isnan(x)\n").replace("\n", "\r\n").encode()
    bom = b"\xef\xbb\xbf" + src.encode()
    _, out = fix_bytes(bom, "x.py", Settings(), unsafe=False)
    assert out.startswith(b"\xef\xbb\xbf") and b"np.isnan(x)" in out
    latin = ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + src).encode("latin-1")
    _, out = fix_bytes(latin, "x.py", Settings(), unsafe=False)
    assert out.decode("latin-1").endswith("m = np.isnan(x)\n") and b"caf\xe9" in out


def test_crlf_newlines_inside_added_lines() -> None:
    src = "import keras\r\nimport math\r\n\r\na = x == math.nan\r\n"
    _, out = fix_bytes(src.encode(), "x.py", Settings(), unsafe=False)
    assert out == b"import keras\r\nimport math\r\nimport numpy as np\r\n\r\na = np.isnan(x)\r\n"


def test_write_keeps_permissions_and_refuses_a_changed_file(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_bytes(b"old")
    f.chmod(0o754)
    assert write_atomic(f, b"new", b"old")
    assert f.read_bytes() == b"new" and stat.S_IMODE(f.stat().st_mode) == 0o754
    assert not write_atomic(f, b"newer", b"old")  # someone changed it since we read "old"
    assert f.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]  # no temporary file left behind


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(b"old")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    assert write_atomic(link, b"new", b"old")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_fix_paths_leaves_a_file_changed_during_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "m.py"
    f.write_text(HEADER + "m = x == np.nan\n")
    diags = lint_source(f.read_bytes(), str(f), Settings())
    import kerasnanlint.fix_cli as fixmod

    real = fixmod.fix_bytes

    def racing(data, path, settings, **options):
        out = real(data, path, settings, **options)
        f.write_text(HEADER + "m = 1  # edited meanwhile\n")
        return out

    monkeypatch.setattr(fixmod, "fix_bytes", racing)
    run = fix_paths(diags, Settings(), unsafe=False)
    assert "changed on disk" in run.messages[0]
    assert f.read_text().endswith("edited meanwhile\n") and run.fixed == 0


def test_fix_starts_from_the_runs_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kerasnanlint import engine
    from kerasnanlint.runner import lint_paths

    f = tmp_path / "m.py"
    f.write_text(HEADER + "m = x == np.nan\n")
    run = lint_paths([f], Settings(), use_cache=False)

    def no_second_lint(*args, **kwargs):
        raise AssertionError("the file was linted again")

    monkeypatch.setattr(engine, "lint_source", no_second_lint)  # later rounds lint the fixed text otherwise
    fixed = fix_paths(run.diagnostics, Settings(), unsafe=False, digests=run.digests)
    assert fixed.fixed == 1 and f.read_text().endswith("m = np.isnan(x)\n")


def test_fix_lints_a_file_again_when_it_changed_since_the_run(tmp_path: Path) -> None:
    from kerasnanlint.runner import lint_paths

    f = tmp_path / "m.py"
    f.write_text(HEADER + "m = x == np.nan\n")
    run = lint_paths([f], Settings(), use_cache=False)
    f.write_text(HEADER + "# moved down\n\nm = y == np.nan\n")  # the run's positions no longer hold
    fixed = fix_paths(run.diagnostics, Settings(), unsafe=False, digests=run.digests)
    assert fixed.fixed == 1 and f.read_text() == HEADER + "# moved down\n\nm = np.isnan(y)\n"
    assert fixed.diagnostics == []


def test_a_line_added_after_a_last_line_without_newline() -> None:
    from kerasnanlint.diagnostics import Edit, Fix

    add = Fix("t", Applicability.SAFE, (Edit(3, 1, 3, 1, "import y\n"),))
    assert apply_fixes("import os\nx = 1", [add]) == "import os\nx = 1\nimport y\n"
    assert apply_fixes("import os\nx = 1\n", [add]) == "import os\nx = 1\nimport y\n"


def test_unified_diff_marks_a_missing_final_newline() -> None:
    out = unified_diff("m.py", "a\nb", "a\nc")
    assert out.startswith("--- m.py\n+++ m.py\n") and "\\ No newline at end of file" in out


# --- the command line ---------------------------------------------------------------------------------------------


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.kerasnanlint]\n")
    f = tmp_path / "m.py"
    f.write_text(text)
    return f


def test_cli_fix_writes_and_reports(tmp_path: Path) -> None:
    f = _project(tmp_path, HEADER + "m = x == np.nan\n")
    r = run_cli("--no-cache", "--fix", str(f), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f.read_text() == HEADER + "m = np.isnan(x)\n"
    assert "Fixed 1 finding." in r.stdout
    r = run_cli("--no-cache", "--fix", str(f), cwd=tmp_path)  # idempotent
    assert r.returncode == 0 and "Fixed" not in r.stdout


def test_cli_exit_non_zero_on_fix(tmp_path: Path) -> None:
    f = _project(tmp_path, HEADER + "m = x == np.nan\n")
    r = run_cli("--no-cache", "--fix", "--exit-non-zero-on-fix", str(f), cwd=tmp_path)
    assert r.returncode == 1 and "np.isnan(x)" in f.read_text()


def test_cli_diff_writes_nothing(tmp_path: Path) -> None:
    src = HEADER + "m = x == np.nan\n"
    f = _project(tmp_path, src)
    mtime = f.stat().st_mtime_ns
    r = run_cli("--no-cache", "--diff", "m.py", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith("--- m.py\n+++ m.py\n") and "+m = np.isnan(x)" in r.stdout
    assert "Would fix 1 finding." in r.stderr
    assert f.read_text() == src and f.stat().st_mtime_ns == mtime
    f.write_text(HEADER + "m = 1\n")
    r = run_cli("--no-cache", "--diff", "m.py", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == ""


def test_cli_unsafe_fixes_alone_applies_nothing(tmp_path: Path) -> None:
    src = HEADER + "m = x == np.nan\n"
    f = _project(tmp_path, src)
    r = run_cli("--no-cache", "--unsafe-fixes", str(f), cwd=tmp_path)
    assert r.returncode == 1 and f.read_text() == src


def test_cli_stdin_fix_prints_the_fixed_source(tmp_path: Path) -> None:
    r = run_cli("--fix", "-", "--stdin-filename", "m.py", cwd=tmp_path, stdin=(HEADER + "m = x == np.nan\n").encode())
    assert r.returncode == 0, r.stderr
    assert r.stdout == HEADER + "m = np.isnan(x)\n"
    assert "Fixed 1 finding." in r.stderr


def test_cli_json_after_fix_lists_what_remains(tmp_path: Path) -> None:
    import json

    f = _project(tmp_path, HEADER + "m = x == np.nan\nn = a < b == np.nan\n")
    r = run_cli("--no-cache", "--fix", "--format", "json", str(f), cwd=tmp_path)
    left = json.loads(r.stdout)
    assert [(d["code"], d["location"]["row"], d["fix"]) for d in left] == [("KNL107", 5, None)]
    assert r.returncode == 1


def test_files_without_findings_are_not_touched(tmp_path: Path) -> None:
    f = _project(tmp_path, HEADER + "m = np.isnan(x)\n")
    before = (f.read_bytes(), f.stat().st_mtime_ns)
    r = run_cli("--no-cache", "--fix", "--unsafe-fixes", str(f), cwd=tmp_path)
    assert r.returncode == 0 and (f.read_bytes(), f.stat().st_mtime_ns) == before


def test_fixed_file_mode_is_kept_via_cli(tmp_path: Path) -> None:
    f = _project(tmp_path, HEADER + "m = x == np.nan\n")
    os.chmod(f, 0o640)
    run_cli("--no-cache", "--fix", str(f), cwd=tmp_path)
    assert stat.S_IMODE(f.stat().st_mode) == 0o640 and "np.isnan" in f.read_text()


if __name__ == "__main__":  # python -m tests.test_fixes: rewrite the expected files, then review `git diff rules/`
    for fixed_code in sorted(c for c in WITH_FIX if (RULES / c / "flagged.py").is_file()):
        source = RULES / fixed_code / "flagged.py"
        out = _fix(source.read_text(encoding="utf-8"), str(source), only=fixed_code)
        (RULES / fixed_code / "flagged.fixed.py").write_text(out.text, encoding="utf-8")
        print(fixed_code, out.fixed, "fixed", *out.dropped)


# --- the editor: code actions carry the same edits ------------------------------------------------------------


def test_lsp_code_actions_apply_to_the_same_text_as_fix(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from lsprotocol import types
    from pygls.workspace import Workspace

    from kerasnanlint import lsp

    src = 'from keras.layers import Dense\nimport math\n\ns = "😀"; ok = x == math.nan\n'
    server = lsp.build_server()
    server.protocol._workspace = Workspace(tmp_path.as_uri(), position_encoding=types.PositionEncodingKind.Utf16)
    uri = (tmp_path / "m.py").as_uri()
    server.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=src))
    everything = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=9, character=0))
    actions = server.code_actions(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=everything,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    [action] = [a for a in actions if a.title.startswith("KNL107: ")]
    [doc_edit] = action.edit.document_changes  # type: ignore[union-attr]
    lines = src.splitlines(keepends=True)

    def offset(pos: types.Position) -> int:  # UTF-16 units -> code points on that line
        line = lines[pos.line] if pos.line < len(lines) else ""
        units, i = 0, 0
        while units < pos.character:
            units += 2 if ord(line[i]) > 0xFFFF else 1
            i += 1
        return sum(len(x) for x in lines[: pos.line]) + i

    text = src
    for e in sorted(doc_edit.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    assert (
        text
        == _fix(src).text
        == src.replace("import math\n", "import math\nimport numpy as np\n").replace("x == math.nan", "np.isnan(x)")
    )
