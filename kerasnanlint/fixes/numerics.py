"""Fixes for the numerics rules (where NaN/Inf is born inside the model's own code).

The division and log fixes get the check's risky-op record (``data["risky_op"]``, semantics/operands.py): the
operands and the callee come from it, not from a second reading of the node.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.context import Context, NodeEdit, PendingFix
from kerasnanlint.fixes.common import SAFE, UNSAFE, arg_code, ensure_name, parent, pending, replace_expr
from kerasnanlint.rule import Fixer
from kerasnanlint.semantics.api import is_nan, tensor_api, tensor_call
from kerasnanlint.semantics.operands import RiskyOp

# The NaN spelled through NumPy or tf.experimental.numpy has an isnan beside it in the same module.
_ISNAN_BESIDE = {"numpy": "numpy.isnan", "tensorflow.experimental.numpy": "tensorflow.experimental.numpy.isnan"}


def _nan_side(ctx: Context, node: cst.Comparison) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(the NaN operand, the other operand) of a single ``==``/``!=`` comparison."""
    if len(node.comparisons) != 1:  # a chain (a < b == nan): rewriting it is not mechanical
        return None
    left, right = node.left, node.comparisons[0].comparator
    if is_nan(ctx.facts, right):
        return right, left
    if is_nan(ctx.facts, left):
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


def _in_graph_code(ctx: Context, node: cst.CSTNode) -> bool:
    """Inside a loss, a metric, a layer's call or a @tf.function: code that Keras traces into a graph."""
    from kerasnanlint.semantics.losses import loss_function_nodes

    traced = loss_function_nodes(ctx.facts)
    up = parent(ctx, node)
    while up is not None:
        if up in traced:
            return True
        if isinstance(up, cst.FunctionDef) and any(
            ctx.facts.resolve(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
            == "tensorflow.function"
            for d in up.decorators
        ):
            return True
        up = parent(ctx, up)
    return False


def nan_equality(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    """``x == np.nan`` -> ``np.isnan(x)`` (``tf.math.is_nan``/``keras.ops.isnan`` in graph code)."""
    if not isinstance(node, cst.Comparison):
        return None
    sides = _nan_side(ctx, node)
    if sides is None:
        return None
    nan, other = sides
    module = (ctx.facts.resolve(nan) or "").rpartition(".")[0]
    graph = _in_graph_code(ctx, node)
    if graph:  # np.isnan cannot read a symbolic tensor: use the file's tensor API
        target = {"tensorflow": "tensorflow.math.is_nan"}.get(_api_module(ctx, None, node), "keras.ops.isnan")
    else:
        target = _ISNAN_BESIDE.get(module, "numpy.isnan")
    found = ensure_name(ctx, target, node)
    if found is None:
        return None
    isnan, imports = found
    call = f"{isnan}({arg_code(ctx, other)})"
    if isinstance(node.comparisons[0].operator, cst.NotEqual):
        # ``not`` on a tensor fails in graph code; ``~`` is the element-wise (and np.bool_) negation.
        call = f"not {call}" if not graph and _is_boolean_context(ctx, node) else f"~{call}"
    return pending(f"Use `{isnan}()`", SAFE, replace_expr(ctx, node, call), imports)


# ------------------------------------------------------------------------------ guards of risky ops


def _api_module(ctx: Context, qual: str | None, node: cst.CSTNode) -> str:
    """The canonical tensor module to spell a guard in: the op's own (``tf.math.log`` -> tensorflow), for an
    operator the one its operands call (``ops.sum(a) / ops.sum(b)`` -> keras.ops), else the file's usual one."""
    api = tensor_api(ctx.facts)
    flavor = api.flavor(qual if qual is not None else tensor_call(ctx.facts, node))
    if flavor == "K":  # Keras 3's keras.backend has no maximum or divide_no_nan
        flavor = "tf" if "tf" in api.alias else "ops"
    return {"tf": "tensorflow", "ops": "keras.ops", "np": "numpy"}[flavor]


def _divide_operands(node: cst.CSTNode, op: RiskyOp) -> tuple[cst.BaseExpression | None, cst.BaseExpression] | None:
    """(numerator, denominator) of a division the fix can rewrite mechanically."""
    if isinstance(node, cst.Call):
        if any(a.star for a in node.args):
            return None
        if op.op != "reciprocal" and (op.numerator is None or len(node.args) != 2):  # name=, rounding modes...
            return None
    return op.numerator, op.operand


def unguarded_division(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    """``a / b`` -> ``divide_no_nan(a, b)`` in the file's tensor API."""
    op: RiskyOp = data["risky_op"]
    operands = _divide_operands(node, op)
    if operands is None:
        return None
    num, den = operands
    module = _api_module(ctx, op.qual, node)
    target = {"tensorflow": "tensorflow.math.divide_no_nan", "keras.ops": "keras.ops.divide_no_nan"}.get(module)
    if target is None:  # numpy has no divide_no_nan; inside a loss the values are tensors anyway
        target = (
            "tensorflow.math.divide_no_nan" if ctx.facts.imports.mentions("tensorflow") else "keras.ops.divide_no_nan"
        )
    found = ensure_name(ctx, target, node)
    if found is None:
        return None
    no_nan, imports = found
    n = arg_code(ctx, num) if num is not None else "1.0"
    call = f"{no_nan}({n}, {arg_code(ctx, den)})"
    if isinstance(node, cst.AugAssign):
        call = f"{ctx.module.code_for_node(node.target)} = {call}"
    # Unsafe: where the denominator is 0 the result becomes 0 instead of inf/NaN, a choice the author makes.
    return pending(f"Use `{no_nan}`", UNSAFE, NodeEdit(node, call), imports)


def unguarded_log(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    """``log(x)`` -> ``log(maximum(x, eps))`` (``log1p`` bounded at -1 + eps)."""
    op: RiskyOp = data["risky_op"]
    eps = tensor_api(ctx.facts).eps
    # Unsafe: values below the bound are raised to it, which changes the loss where they occur.
    return _guard_operand(ctx, node, op, "maximum", f"-1.0 + {eps}" if op.op == "log1p" else eps, "Bound")


def clip_operand(low: str, high: str) -> Fixer:
    """A fixer that clips a risky op's operand into [low, high] in the file's tensor API (``{eps}`` in a bound is
    the file's epsilon): ``arccos(x)`` -> ``arccos(clip(x, -1.0 + eps, 1.0 - eps))``. Unsafe: values near the
    edges move, so the result changes exactly where it used to be infinite or NaN."""

    def clip(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
        eps = tensor_api(ctx.facts).eps
        bounds = f"{low.format(eps=eps)}, {high.format(eps=eps)}"
        return _guard_operand(ctx, node, data["risky_op"], "clip", bounds, "Clip")

    return clip


def _guard_operand(
    ctx: Context, node: cst.CSTNode, op: RiskyOp, guard: str, bounds: str, verb: str
) -> PendingFix | None:
    """``f(x)`` -> ``f(guard(x, bounds))``, the guard spelled in the op's tensor API (an unsafe fix)."""
    if not isinstance(node, cst.Call) or any(a.star for a in node.args):
        return None
    module = _api_module(ctx, op.qual, node)
    if module == "tensorflow" and guard == "clip":
        guard = "clip_by_value"
    found = ensure_name(ctx, f"{module}.{guard}", node)
    if found is None:
        return None
    name, imports = found
    edit = NodeEdit(op.operand, f"{name}({arg_code(ctx, op.operand)}, {bounds})")
    return pending(f"{verb} the argument with `{name}`", UNSAFE, edit, imports)
