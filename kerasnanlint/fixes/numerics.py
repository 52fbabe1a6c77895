"""Fixes for the KNL1xx rules (where NaN/Inf is born inside the model's own code)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.engine import Context, PendingFix
from kerasnanlint.fixes.common import SAFE, arg_code, ensure_name, parent, pending, register, replace_expr

# The NaN spelled through NumPy or tf.experimental.numpy has an isnan beside it in the same module.
_ISNAN_BESIDE = {"numpy": "numpy.isnan", "tensorflow.experimental.numpy": "tensorflow.experimental.numpy.isnan"}


def _nan_side(ctx: Context, node: cst.Comparison) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(the NaN operand, the other operand) of a single ``==``/``!=`` comparison."""
    from kerasnanlint.checks.numerics import _is_nan

    if len(node.comparisons) != 1:  # a chain (a < b == nan): rewriting it is not mechanical
        return None
    left, right = node.left, node.comparisons[0].comparator
    if _is_nan(ctx, right):
        return right, left
    if _is_nan(ctx, left):
        return left, right
    return None


def _is_boolean_context(ctx: Context, node: cst.Comparison) -> bool:
    up = parent(ctx, node)
    if isinstance(up, cst.UnaryOperation) and isinstance(up.operator, cst.Not):
        return True
    if isinstance(up, cst.IfExp):
        return up.test is node
    if isinstance(up, cst.If | cst.While | cst.Assert | cst.CompIf):
        return up.test is node
    return isinstance(up, cst.BooleanOperation)


@register("KNL107")
def nan_equality(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    if not isinstance(node, cst.Comparison):
        return None
    sides = _nan_side(ctx, node)
    if sides is None:
        return None
    nan, other = sides
    module = (ctx.facts.resolve(nan) or "").rpartition(".")[0]
    target = _ISNAN_BESIDE.get(module, "numpy.isnan")
    found = ensure_name(ctx, target, node)
    if found is None:
        return None
    isnan, imports = found
    call = f"{isnan}({arg_code(ctx, other)})"
    if isinstance(node.comparisons[0].operator, cst.NotEqual):
        call = f"not {call}" if _is_boolean_context(ctx, node) else f"~{call}"
    return pending(f"Use `{isnan}()`", SAFE, replace_expr(ctx, node, call), imports)
