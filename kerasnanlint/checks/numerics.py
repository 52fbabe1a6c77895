"""Where NaN/Inf is born inside a model's own code (KNL1xx)."""

from __future__ import annotations

import libcst as cst

from kerasnanlint.diagnostics import Severity
from kerasnanlint.engine import Context
from kerasnanlint.registry import check, define_rule

KNL107 = define_rule(
    "KNL107",
    "nan-equality",
    Severity.WARNING,
    "Comparing with NaN using == or != is always False (or always True)",
)

_NAN_NAMES = {"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "tensorflow.experimental.numpy.nan"}


def _is_nan(ctx: Context, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute | cst.Name):
        return ctx.facts.resolve(expr) in _NAN_NAMES
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "float":
        if len(expr.args) == 1 and isinstance(expr.args[0].value, cst.SimpleString):
            return str(expr.args[0].value.evaluated_value).strip().lower() == "nan"
    return False


@check(KNL107)
def nan_equality(ctx: Context) -> None:
    for node, _scope in ctx.facts.comparisons:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, cst.Equal | cst.NotEqual) and (
                _is_nan(ctx, left) or _is_nan(ctx, target.comparator)
            ):
                other = target.comparator if _is_nan(ctx, left) else left
                ctx.report(
                    node,
                    KNL107,
                    f"comparison with NaN is always {'False' if isinstance(target.operator, cst.Equal) else 'True'};"
                    f" use `np.isnan({ctx.code(other)})` (or `tf.math.is_nan`/`keras.ops.isnan` on tensors)",
                )
                break
            left = target.comparator
