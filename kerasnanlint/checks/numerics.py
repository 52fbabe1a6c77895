"""Where NaN/Inf is born inside a model's own code (KNL1xx).

KNL101-KNL106 are small functions over the risky-op records of semantics/operands.py: ``risky_ops`` walks each
loss/metric/layer function once per file (semantics/losses.py; never the whole module again) and records every
op that can make inf/NaN with its operand's value facts and its guards. Each rule takes the records it owns
(``OWNER``), decides what to report and spells the guard in the file's own tensor API (semantics/api.py).
KNL107 looks at the file's comparisons.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator

import libcst as cst

from kerasnanlint.context import Context
from kerasnanlint.diagnostics import Applicability, Severity
from kerasnanlint.fixes import numerics as numerics_fixes
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe, Rule
from kerasnanlint.semantics.api import is_nan, tensor_api, tensor_call
from kerasnanlint.semantics.losses import LAYER, METRIC, LossFunction, functions_of
from kerasnanlint.semantics.module import ModuleFacts, Scope
from kerasnanlint.semantics.operands import (
    DIVIDE,
    NORM,
    POW,
    RISKY_OPS,
    SQRT,
    FunctionOps,
    RiskyOp,
    first_arg,
    nth_arg,
    op_name,
    risky_ops,
    squash,
)
from kerasnanlint.semantics.values import follow, number

if typing.TYPE_CHECKING:
    from kerasnanlint.semantics.models import Output

# ------------------------------------------------------------------------------------ which rule owns an op

# The rule that judges each risky op the classifier records (RiskyOp.op, semantics/operands.py). Two facts on
# a record hand it to another rule: an op a where hides in the forward pass (RiskyOp.where) is KNL105's, and a
# log inside a hand-written crossentropy (RiskyOp.crossentropy) is KNL106's when KNL106 runs.
OWNER: dict[str, str] = {
    # a denominator that can be 0: inf/NaN
    "/": "KNL101",
    "/=": "KNL101",
    "divide": "KNL101",
    "true_divide": "KNL101",
    "truediv": "KNL101",
    "realdiv": "KNL101",
    "div": "KNL101",
    "reciprocal": "KNL101",
    # the log of 0 is -inf (log1p of -1)
    "log": "KNL102",
    "log2": "KNL102",
    "log10": "KNL102",
    "log1p": "KNL102",
    # finite at 0, but an infinite (or NaN) gradient there: sqrt, rsqrt, x ** k and pow(x, k) with 0 < k < 1, the
    # euclidean norm
    "sqrt": "KNL103",
    "rsqrt": "KNL103",
    "**": "KNL103",
    "pow": "KNL103",
    "power": "KNL103",
    "norm": "KNL103",
    "euclidean_norm": "KNL103",
    "reduce_euclidean_norm": "KNL103",
    # overflows to inf above ~88.7 in float32
    "exp": "KNL104",
    "expm1": "KNL104",
    # an infinite gradient at +-1 (arctanh: an infinite value), NaN beyond
    "arccos": "KNL108",
    "acos": "KNL108",
    "arcsin": "KNL108",
    "asin": "KNL108",
    "arctanh": "KNL108",
    "atanh": "KNL108",
}
# The ops of the table the classifier does not know by itself: recorded with their first argument as the operand.
_UNARY = frozenset(OWNER) - RISKY_OPS


def _functions(ctx: Context) -> list[FunctionOps]:
    """The risky ops of the file's loss/metric/layer functions (classified once per file)."""
    return risky_ops(ctx.facts, _UNARY)


def _owned(ctx: Context, rule: Rule) -> Iterator[RiskyOp]:
    """The risky ops ``rule`` owns that no where hides, function by function, in source order."""
    for function in _functions(ctx):
        for op in function.ops:
            if op.where is None and OWNER[op.op] == rule.code:
                yield op


def _code(ctx: Context, node: cst.CSTNode, limit: int = 48) -> str:
    return squash(ctx.code(node), limit)


# ---------------------------------------------------------------------------------------------- KNL107


def nan_equality(ctx: Context) -> None:
    """KNL107: ``x == np.nan`` is always False (``!=`` always True)."""
    for node, _scope in ctx.facts.comparisons:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, cst.Equal | cst.NotEqual) and (
                is_nan(ctx.facts, left) or is_nan(ctx.facts, target.comparator)
            ):
                other = target.comparator if is_nan(ctx.facts, left) else left
                ctx.report(
                    node,
                    KNL107,
                    f"Comparison with NaN is always {'False' if isinstance(target.operator, cst.Equal) else 'True'}",
                    help="NaN is unequal to every value, itself included;"
                    f" use `np.isnan({ctx.code(other)})` (`tf.math.is_nan`/`keras.ops.isnan` on tensors)",
                )
                break
            left = target.comparator


KNL107 = define_rule(
    "KNL107",
    "nan-equality",
    Severity.WARNING,
    "Comparing with NaN using == or != is always False (or always True)",
    check=nan_equality,
    fixer=numerics_fixes.nan_equality,
    fix_applicability=Applicability.SAFE,
)


# ---------------------------------------------------------------------------------------------- KNL101


def unguarded_division(ctx: Context) -> None:
    """KNL101: a loss or metric divides by a value that can be 0."""
    api = tensor_api(ctx.facts)
    for op in _owned(ctx, KNL101):
        if op.target.role == LAYER:
            continue
        v = op.value
        if not v.zero:
            continue
        flavor = api.flavor(op.qual or tensor_call(ctx.facts, op.operand, op.numerator))
        d = _code(ctx, op.operand)
        n = _code(ctx, op.numerator) if op.numerator is not None else "1.0"
        no_nan = api.fn(flavor, "divide_no_nan")
        ctx.report(
            op.node,
            KNL101,
            f"Denominator `{_code(ctx, op.operand, 40)}` can be 0",
            data={"risky_op": op},
            help=f"It can be 0 ({v.why}), and the division then gives inf/NaN; use {no_nan}({n}, {d})"
            f" or add {api.eps} to the denominator",
        )


KNL101 = define_rule(
    "KNL101",
    "unguarded-division",
    Severity.WARNING,
    "A loss or metric divides by a value that can be 0 (a count, a sum, a difference, a raw prediction)",
    check=unguarded_division,
    fixer=numerics_fixes.unguarded_division,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "direct",
        "call the function on adversarial inputs (forward + gradient); watch its value in a short run",
        "function",
        runs=("baseline",),
        training=True,
    ),
)


# ---------------------------------------------------------------------------------------------- KNL102


def unguarded_log(ctx: Context) -> None:
    """KNL102: a loss or metric takes the log of a value that can be 0 (log1p of one that can reach -1)."""
    api = tensor_api(ctx.facts)
    # A log inside a hand-written crossentropy is KNL106's finding (with better advice) when KNL106 runs.
    crossentropy_reported = ctx.settings.rule_selected(KNL106.code)
    for op in _owned(ctx, KNL102):
        if op.target.role == LAYER or (op.in_crossentropy and crossentropy_reported):
            continue
        v = op.value
        flavor = api.flavor(op.qual)
        xs = _code(ctx, op.operand)
        if op.op == "log1p":
            if not (v.zero and v.signed):
                continue
            safe = f"{api.fn(flavor, 'log1p')}({api.fn(flavor, 'maximum')}({xs}, -1.0 + {api.eps}))"
            message = f"log1p of `{_code(ctx, op.operand, 40)}` can reach -1, where it is -inf (NaN below)"
            advice = f"It can reach -1 ({v.why}); bound the argument: {safe}"
        else:
            if not v.zero:
                continue
            safe = f"{api.fn(flavor, op.op)}({api.fn(flavor, 'maximum')}({xs}, {api.eps}))"
            message = f"{op.op} of `{_code(ctx, op.operand, 40)}` is -inf where the argument reaches 0"
            advice = (
                f"It can be 0 ({v.why}), and the loss and its gradient then become NaN;"
                f" clip the argument: {safe}, or add {api.eps}"
            )
        ctx.report(op.node, KNL102, message, data={"risky_op": op}, help=advice)


KNL102 = define_rule(
    "KNL102",
    "unguarded-log",
    Severity.WARNING,
    "A loss or metric takes the log of a value that can be 0 (or log1p of a value that can reach -1)",
    check=unguarded_log,
    fixer=numerics_fixes.unguarded_log,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "direct",
        "call the function on adversarial inputs; short runs with each risky activation choice",
        "function",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("non-probability",),
    ),
)


# ---------------------------------------------------------------------------------------------- KNL103


def sqrt_at_zero(ctx: Context) -> None:
    """KNL103: sqrt / rsqrt / ``x ** 0.5`` / a norm of a value that can be exactly 0: the gradient there is
    infinite (or NaN)."""
    api = tensor_api(ctx.facts)
    for op in _owned(ctx, KNL103):
        kind = "pow" if op.op == "**" or op.op in POW else "norm" if op.op in NORM else op.op
        if op.target.role == LAYER or (op.qual or "").startswith("numpy."):
            continue
        # a metric has no gradient (sqrt(0) = 0 is harmless there), nor do the labels
        if kind != "rsqrt" and not (op.target.has_gradient and op.uses_prediction):
            continue
        v = op.value
        if not v.zero:
            continue
        flavor = api.flavor(op.qual or tensor_call(ctx.facts, op.operand))
        xs, short = _code(ctx, op.operand), _code(ctx, op.operand, 40)
        if kind == "rsqrt":
            message = f"rsqrt of `{short}` is inf where the argument is 0"
            advice = f"It can be 0 ({v.why}); add an epsilon: {api.fn(flavor, 'rsqrt')}({xs} + {api.eps})"
        elif kind == "norm":
            square = f"{api.fn(flavor, 'square')}({xs})"
            message = f"The gradient of the norm of `{short}` is NaN where it is all 0"
            advice = (
                f"It can be all 0 ({v.why}); use"
                f" {api.fn(flavor, 'sqrt')}({api.fn(flavor, 'sum' if flavor != 'tf' else 'reduce_sum')}({square})"
                f" + {api.eps})"
            )
        else:
            message = f"sqrt of `{short}` has an infinite gradient where the argument is exactly 0"
            advice = (
                f"It can be exactly 0 ({v.why}), and the weights then become NaN;"
                f" use {api.fn(flavor, 'sqrt')}({xs} + {api.eps}) or"
                f" {api.fn(flavor, 'sqrt')}({api.fn(flavor, 'maximum')}({xs}, 1e-12))"
            )
        ctx.report(op.node, KNL103, message, data={"risky_op": op}, help=advice)


KNL103 = define_rule(
    "KNL103",
    "sqrt-at-zero",
    Severity.WARNING,
    "sqrt, rsqrt, ** 0.5 or a norm of a value that can be exactly 0: finite forward, infinite/NaN gradient",
    check=sqrt_at_zero,
    probe=Probe(
        "direct",
        "call the function at zero error and check the gradient; short run",
        "function",
        runs=("baseline",),
        training=True,
    ),
)


# ---------------------------------------------------------------------------------------------- KNL104


def unbounded_exp(ctx: Context) -> None:
    """KNL104: exp/expm1 of an unbounded tensor, in a loss or a layer (an inf metric does not poison the
    weights)."""
    api = tensor_api(ctx.facts)
    for op in _owned(ctx, KNL104):
        if op.target.role == METRIC:
            continue
        if not op.uses_data or op.bounded:
            continue  # exp of weights or constants (a learned temperature, a frequency table) is not flagged
        flavor = api.flavor(op.qual)
        xs = _code(ctx, op.operand)
        ctx.report(
            op.node,
            KNL104,
            f"{op.op} of unbounded `{_code(ctx, op.operand, 40)}` can overflow to inf",
            data={"risky_op": op},
            help=f"{op.op} overflows once its argument exceeds ~88.7 in float32 (~11 in float16) and nothing bounds"
            f" it; clip it first: {api.fn(flavor, op.op)}({api.fn(flavor, 'minimum')}({xs}, 20.0)), or use"
            " a stable form (softplus, logsumexp, log_softmax)",
        )


KNL104 = define_rule(
    "KNL104",
    "unbounded-exp",
    Severity.INFO,
    "exp/expm1 of an unbounded tensor overflows to inf above ~88.7 in float32 (~11 in float16)",
    check=unbounded_exp,
    probe=Probe(
        "direct", "call the function/layer on large inputs; short run", "function", runs=("baseline",), training=True
    ),
)


# ---------------------------------------------------------------------------------------------- KNL105


def where_does_not_guard_gradient(ctx: Context) -> None:
    """KNL105: a where hides a risky op at 0 in the forward pass, but the gradient behind it is still NaN."""
    api = tensor_api(ctx.facts)
    for function in _functions(ctx):
        if function.target.role == LAYER or not function.target.has_gradient:
            continue
        for op in function.ops:
            guard = op.where
            if guard is None or not guard.tested or op.value.positive:
                continue  # an opaque condition is trusted; a guarded operand is fine
            if not op.uses_prediction:
                continue  # no gradient flows into the labels
            tf_safe = op.op in SQRT or op.op == "reciprocal"
            if tf_safe and guard.qual.startswith("tensorflow."):
                continue  # measured: TF's sqrt/rsqrt/reciprocal gradients are 0, not NaN, behind tf.where
            where = _code(ctx, guard.call.func, 24)
            cond = _code(ctx, guard.condition, 32)  # type: ignore[arg-type]
            xs = _code(ctx, op.operand, 32)
            ones = api.fn(api.flavor(guard.qual), "ones_like")
            what = _what(ctx, op)
            note = " (TF 2.21's kernel happens to return 0 here; JAX and torch give NaN)" if tf_safe else ""
            ctx.report(
                op.node,
                KNL105,
                f"`{where}` hides {what} of `{_code(ctx, op.operand, 24)}` in the forward pass only",
                data={"risky_op": op},
                help=f"Where `{cond}` is False the gradient is still 0 * inf = NaN{note}; use a double where:"
                f" first `safe = {where}({cond}, {xs}, {ones}({xs}))`, then apply {what} to `safe`",
            )


def _what(ctx: Context, op: RiskyOp) -> str:
    """The op as KNL105's message names it: "the division", "** 0.5", "log"."""
    if op.op == "/" or op.op in DIVIDE:
        return "the division"
    if isinstance(op.node, cst.BinaryOperation) and op.op == "**":
        return f"** {_code(ctx, op.node.right, 8)}"
    return op.op


KNL105 = define_rule(
    "KNL105",
    "where-does-not-guard-gradient",
    Severity.WARNING,
    "tf.where/keras.ops.where hides a log or division at 0 in the forward pass but its gradient is still NaN",
    check=where_does_not_guard_gradient,
    probe=Probe(
        "direct",
        "call the function and check the gradient behind the where; short run",
        "function",
        runs=("baseline",),
        training=True,
    ),
)


# ---------------------------------------------------------------------------------------------- KNL106


def handwritten_crossentropy(ctx: Context) -> None:
    """KNL106: a hand-written crossentropy takes the log of raw predictions."""
    losses = tensor_api(ctx.facts).losses
    for function in _functions(ctx):
        target = function.target
        if target.role == LAYER:
            continue
        label, pred = target.label, target.prediction
        for ce in function.crossentropies:
            if not ce.unguarded:
                continue
            kind = "binary_crossentropy" if ce.binary else "categorical_crossentropy"
            builtin = f"{losses}.{kind}({label}, {pred}"
            acts = None if ce.logits else _output_activations(ctx.facts, target)
            if ce.logits:
                advice = f"use {losses}.{kind}({label}, logits, from_logits=True) on the logits, which is stable"
                why = "once the sigmoid/softmax saturates to 0 or 1 in float32"
            elif acts and acts & {"linear", "relu"}:
                advice = (
                    f"the model's output is {'/'.join(sorted(acts & {'linear', 'relu'}))}, not a probability:"
                    f" make it linear and use {builtin}, from_logits=True)"
                )
                why = "(NaN below 0) as soon as an output is 0"
            elif acts:
                advice = f"use {builtin}), which clips to [1e-7, 1 - 1e-7]"
                why = "when a prediction saturates to 0" + (" or 1" if ce.binary else "")
            else:
                advice = f"use {builtin}), which clips to [1e-7, 1 - 1e-7], or a linear output with from_logits=True"
                why = "when a prediction reaches 0" + (" (or 1, in the `1 - p` term)" if ce.binary else "")
            ctx.report(
                ce.node,
                KNL106,
                f"Hand-written crossentropy takes the log of `{squash(ce.pred, 32)}`, which is -inf at 0",
                data={"crossentropy": ce},
                help=f"log(`{ce.pred}`) is -inf {why}, and the loss becomes NaN; {advice}",
            )


def _output_activations(facts: ModuleFacts, target: LossFunction) -> set[str] | None:
    """Activations of the model outputs this loss trains, when a compile() in this file says so."""
    found: set[str] = set()
    for out in facts.derive("outputs_by_loss_function", _outputs_by_loss_function).get(target.scope, ()):
        if out.activation is None:
            return None
        found.update(out.activation.names)
    return found or None


def _outputs_by_loss_function(facts: ModuleFacts) -> dict[Scope, list[Output]]:
    """Each custom loss function -> the model outputs it trains (once per file, not once per loss function)."""
    from kerasnanlint.semantics.models import loss_pairs, models  # the KNL2xx model facts, built once a file

    trained: dict[Scope, list[Output]] = {}
    for model in models(facts):
        for out, loss, comp in loss_pairs(model):
            if loss.kind == "custom":
                for scope in functions_of(facts, loss.node, comp.scope):
                    trained.setdefault(scope, []).append(out)
    return trained


KNL106 = define_rule(
    "KNL106",
    "handwritten-crossentropy",
    Severity.WARNING,
    "A hand-written crossentropy takes the log of raw predictions: -inf at 0 or 1; use the built-in loss",
    check=handwritten_crossentropy,
    probe=Probe(
        "direct",
        "call the function on predictions of 0, 1 and below 0; short runs with each risky activation",
        "function",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("non-probability",),
    ),
)


# ---------------------------------------------------------------------------------------------- KNL108

_UNIT_RANGE = frozenset({"tanh", "sin", "cos", "softsign", "sigmoid", "hard_sigmoid"})  # values within [-1, 1]


def unclipped_inverse_trig(ctx: Context) -> None:
    """KNL108: arccos/arcsin/arctanh of a value that can reach +-1 (a cosine similarity), in a loss."""
    api = tensor_api(ctx.facts)
    for op in _owned(ctx, KNL108):
        if op.target.role == LAYER or not op.target.has_gradient or (op.qual or "").startswith("numpy."):
            continue
        atanh = op.op in ("arctanh", "atanh")
        # arccos/arcsin are finite at +-1: only the gradient is infinite, and only the prediction carries one.
        if not op.uses_data or (not atanh and not op.uses_prediction) or _strictly_inside_unit(op, op.operand):
            continue
        flavor = api.flavor(op.qual)
        xs = _code(ctx, op.operand)
        clipped = f"{api.fn(flavor, 'clip')}({xs}, -1.0 + {api.eps}, 1.0 - {api.eps})"
        if atanh:
            what = "is +-inf at +-1 (a float32 tanh output is exactly 1 for inputs above about 8)"
        else:
            what = (
                "has an infinite gradient at +-1 and is NaN beyond (a cosine similarity is exactly 1 when a"
                " prediction points the same way as its target)"
            )
        ctx.report(
            op.node,
            KNL108,
            f"{op.op} of `{_code(ctx, op.operand, 40)}`, which can reach +-1, is not clipped inside (-1, 1)",
            data={"risky_op": op},
            help=f"{op.op} {what}; clip it: {api.fn(flavor, op.op)}({clipped})",
        )


def _strictly_inside_unit(op: RiskyOp, expr: cst.BaseExpression | None, depth: int = 3) -> bool:
    """Is ``expr`` kept strictly inside (-1, 1): a clip (or minimum/maximum) with both bounds inside, or a constant
    below 1 in magnitude times a value within [-1, 1] (``0.99 * tanh(x)``)? Unknown is False."""
    expr = follow(expr, op.scope)
    if expr is None or depth < 0:
        return False
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        for scale, other in ((expr.left, expr.right), (expr.right, expr.left)):
            n = number(scale)
            if n is not None and abs(n) < 1 and _within_unit(op, other):
                return True
        return False
    if not isinstance(expr, cst.Call):
        return False
    name = op_name(op.judge.qual(expr))
    if name in ("clip", "clip_by_value"):
        low = nth_arg(expr, 1, "clip_value_min", "x_min", "min_value", "a_min")
        high = nth_arg(expr, 2, "clip_value_max", "x_max", "max_value", "a_max")
        return _inside_bound(op, low, -1.0) and _inside_bound(op, high, 1.0)
    if name in ("cast", "identity", "convert_to_tensor", "reshape", "squeeze", "expand_dims"):
        return _strictly_inside_unit(op, first_arg(expr, "x"), depth - 1)
    return False


def _within_unit(op: RiskyOp, expr: cst.BaseExpression) -> bool:
    expr = follow(expr, op.scope) or expr
    return isinstance(expr, cst.Call) and op_name(op.judge.qual(expr)) in _UNIT_RANGE


def _inside_bound(op: RiskyOp, bound: cst.BaseExpression | None, edge: float) -> bool:
    """Is a clip bound inside the edge (-1 or 1)? Only a bound read as a number at or beyond it (``1.0``) is not:
    ``1 - eps`` or a variable the linter cannot read counts as inside (an unknown keeps the rule silent)."""
    n = number(follow(bound, op.scope))
    return n is None or abs(n) < abs(edge)


KNL108 = define_rule(
    "KNL108",
    "unclipped-inverse-trig",
    Severity.WARNING,
    "arccos/arcsin/arctanh in a loss of a value that can reach +-1 (a cosine similarity): infinite gradient, NaN",
    check=unclipped_inverse_trig,
    fixer=numerics_fixes.clip_operand("-1.0 + {eps}", "1.0 - {eps}"),
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "direct",
        "call the function at zero error (cosine 1) and check the gradient; short run",
        "function",
        runs=("baseline",),
        training=True,
    ),
)
