"""Property: --fix never produces unparsable code, is idempotent, and never touches files without findings.

Programs are assembled from Keras-flavoured statement templates (random imports, spellings of NaN, operands,
contexts, newline styles) so that the linter has something to find; generic program generators
(hypothesmith) would almost never mention Keras and the prefilter would skip them.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasnanlint.config import Settings
from kerasnanlint.engine import lint_source
from kerasnanlint.fix import fix_bytes, fix_paths

IMPORTS = [
    "import keras",
    "from tensorflow import keras",
    "import tensorflow as tf",
    "import numpy as np",
    "import numpy",
    "import math",
    "import keras_tuner as kt",
    "from keras_tuner import RandomSearch",
    "from keras import layers",
    "import os",
]
NANS = ["np.nan", "numpy.nan", "math.nan", 'float("nan")', "nan", "np.inf"]
OPERANDS = ["x", "(a + b)", 'logs["loss"]', "f(x)", "-x", "x.y", "(a if b else c)", "(lambda: 1)", "(a, b)", "xs[0]"]
OPS = ["==", "!=", "<", "is"]
TEMPLATES = [
    "{v} = {a} {op} {n}",
    "{v} = {n} {op} {a}",
    "if {a} {op} {n}:\n    pass",
    "while {a} {op} {n} and ok:\n    break",
    "y[{a} {op} {n}] = 0.0",
    "def {v}(x, a=1, b=2, c=3, logs=None, xs=(1,)):\n    return {a} {op} {n}",
    "assert not ({a} {op} {n}), 'msg'",
    "{v} = [t for t in xs if t {op} {n}]",
    "{v} = f({a} {op} {n}, key=1)  # trailing comment",
    "{v} = a < {a} {op} {n}",
    "{v} = 1",
    "# a comment with keras in it",
    "class {V}(keras.layers.Layer):\n    def call(self, x):\n        return {a} {op} {n}",
]


@st.composite
def programs(draw: st.DrawFn) -> bytes:
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append('"""A module docstring."""')
    if draw(st.booleans()):
        lines.append("from __future__ import annotations")
    lines += draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=4, unique=True))
    lines.append("")
    for _ in range(draw(st.integers(1, 6))):
        tpl = draw(st.sampled_from(TEMPLATES))
        name = draw(st.sampled_from(["m", "mask", "ok2", "g", "h"]))
        lines.append(
            tpl.format(
                v=name,
                V=name.capitalize(),
                a=draw(st.sampled_from(OPERANDS)),
                op=draw(st.sampled_from(OPS)),
                n=draw(st.sampled_from(NANS)),
            )
        )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return text.encode()


def _valid(data: bytes) -> bool:
    try:
        ast.parse(data)
    except SyntaxError:
        return False
    return True


COMMON = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(programs(), st.booleans())
def test_fix_never_breaks_code_and_is_idempotent(data: bytes, unsafe: bool) -> None:
    if not _valid(data):
        return
    result, out = fix_bytes(data, "p.py", Settings(), unsafe=unsafe)
    assert _valid(out), out.decode()
    assert (b"\r\n" in out) == (b"\r\n" in data)  # the file's newline style survives
    again, out2 = fix_bytes(out, "p.py", Settings(), unsafe=unsafe)
    assert again.fixed == 0 and out2 == out
    if not any(d.fix for d in lint_source(data, "p.py", Settings())):
        assert out == data and result.fixed == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_files_without_findings_are_never_written(data: bytes) -> None:
    diagnostics = lint_source(data, "p.py", Settings())
    if any(d.fix for d in diagnostics):
        return
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "p.py"
        f.write_bytes(data)
        before = f.stat().st_mtime_ns
        diags = [d.with_(path=str(f)) for d in diagnostics]
        run = fix_paths(diags, Settings(), unsafe=True)
        assert run.fixed == 0 and f.read_bytes() == data and f.stat().st_mtime_ns == before
