"""Fixes for the KNL1xx rules (where NaN/Inf is born inside the model's own code)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.context import Context, NodeEdit, PendingFix
from kerasnanlint.fixes.common import SAFE, UNSAFE, arg_code, ensure_name, parent, pending, replace_expr
from kerasnanlint.semantics.module import descendants

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


def _in_graph_code(ctx: Context, node: cst.CSTNode) -> bool:
    """Inside a loss, a metric, a layer's call or a @tf.function: code that Keras traces into a graph."""
    from kerasnanlint.semantics.losses import loss_functions

    traced = {f.node for f in loss_functions(ctx.facts)}
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


# ------------------------------------------------------------------------------------- KNL101, KNL102


def _api_module(ctx: Context, qual: str | None, node: cst.CSTNode) -> str:
    """The canonical tensor module to spell a guard in: the op's own (``tf.math.log`` -> tensorflow), for an
    operator the one its operands call (``ops.sum(a) / ops.sum(b)`` -> keras.ops), else the file's usual one."""
    from kerasnanlint.checks.numerics import _Api

    api = _Api(ctx.facts.imports)
    if qual is None:
        for call in descendants(node, cst.Call):
            q = ctx.facts.resolve(call.func)  # type: ignore[attr-defined]
            if q and q.startswith(("tensorflow.", "keras.ops.", "keras.backend.", "numpy.")):
                qual = q
                break
    flavor = api.flavor(qual)
    if flavor == "K":  # Keras 3's keras.backend has no maximum or divide_no_nan
        flavor = "tf" if "tf" in api.alias else "ops"
    return {"tf": "tensorflow", "ops": "keras.ops", "np": "numpy"}[flavor]


def _eps(ctx: Context) -> str:
    from kerasnanlint.checks.numerics import _Api

    return _Api(ctx.facts.imports).eps


def _qual(ctx: Context, node: cst.CSTNode) -> str | None:
    return ctx.facts.resolve(node.func) if isinstance(node, cst.Call) else None


def _divide_operands(ctx: Context, node: cst.CSTNode) -> tuple[cst.BaseExpression | None, cst.BaseExpression] | None:
    from kerasnanlint.checks.numerics import _first, _nth, _op

    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return node.left, node.right
    if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.DivideAssign):
        return node.target, node.value  # type: ignore[return-value]
    if isinstance(node, cst.Call) and not any(a.star for a in node.args):
        op = _op(_qual(ctx, node))
        if op == "reciprocal":
            x = _first(node, "x")
            return (None, x) if x is not None else None
        num, den = _nth(node, 0, "x", "x1"), _nth(node, 1, "y", "x2")
        if num is not None and den is not None and len(node.args) == 2:  # name=, rounding modes...: leave them
            return num, den
    return None


def unguarded_division(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    operands = _divide_operands(ctx, node)
    if operands is None:
        return None
    num, den = operands
    module = _api_module(ctx, _qual(ctx, node), node)
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
    from kerasnanlint.checks.numerics import _first, _op

    if not isinstance(node, cst.Call) or any(a.star for a in node.args):
        return None
    x = _first(node, "x", "input")
    if x is None:
        return None
    qual = _qual(ctx, node)
    module = _api_module(ctx, qual, node)
    found = ensure_name(ctx, f"{module}.maximum", node)
    if found is None:
        return None
    maximum, imports = found
    low = f"-1.0 + {_eps(ctx)}" if _op(qual) == "log1p" else _eps(ctx)
    # Unsafe: values below the bound are raised to it, which changes the loss where they occur.
    edit = NodeEdit(x, f"{maximum}({arg_code(ctx, x)}, {low})")
    return pending(f"Bound the argument with `{maximum}`", UNSAFE, edit, imports)
