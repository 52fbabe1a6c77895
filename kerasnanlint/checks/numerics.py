"""Where NaN/Inf is born inside a model's own code (KNL1xx).

KNL101-KNL106 look only inside the functions that compute a loss or a metric, and custom layers' ``call``
for KNL104 (semantics/losses.py): one small walk per such function, never the whole module again. What an
operand can be (0? bounded?) is judged by semantics/operands.py; this module decides what to report and
spells the guard to write in the file's own tensor API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from kerasnanlint.context import Context
from kerasnanlint.diagnostics import Applicability, Severity
from kerasnanlint.fixes import numerics as numerics_fixes
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe
from kerasnanlint.semantics.losses import LAYER, METRIC, LossFunction, functions_of, loss_functions
from kerasnanlint.semantics.module import Scope, descendants, walk
from kerasnanlint.semantics.names import ImportTable, canonical
from kerasnanlint.semantics.operands import (
    DIVIDE,
    EXP,
    LOG,
    NORM,
    PASS,
    POW,
    SQRT,
    WHERE,
    Operands,
    first_arg,
    nth_arg,
    op_name,
    squash,
    subexpressions,
)
from kerasnanlint.semantics.values import arg_value, number

# The fixers (fixes/numerics.py) share these helpers under their historical names.
_op, _first, _nth = op_name, first_arg, nth_arg

# ---------------------------------------------------------------------------------------------- KNL107

_NAN_NAMES = {"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "tensorflow.experimental.numpy.nan"}


def _is_nan(ctx: Context, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute | cst.Name):
        return ctx.facts.resolve(expr) in _NAN_NAMES
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "float":
        if len(expr.args) == 1 and isinstance(expr.args[0].value, cst.SimpleString):
            return str(expr.args[0].value.evaluated_value).strip().lower() == "nan"
    return False


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


# -------------------------------------------------------------------------------------- suggestions


KNL107 = define_rule(
    "KNL107",
    "nan-equality",
    Severity.WARNING,
    "Comparing with NaN using == or != is always False (or always True)",
    check=nan_equality,
    fixer=numerics_fixes.nan_equality,
    fix_applicability=Applicability.SAFE,
)


class _Api:
    """Spell a suggestion in the tensor API the file already uses (tf, keras.ops, K, np) and its aliases."""

    _NAMES: ClassVar[dict[str, dict[str, str]]] = {
        "tf": {"log": "math.log", "log1p": "math.log1p", "rsqrt": "math.rsqrt", "clip": "clip_by_value"},
        "ops": {},
        "K": {},
        "np": {},
    }

    def __init__(self, imports: ImportTable) -> None:
        self.alias: dict[str, str] = {}
        for local, full in imports.aliases.items():
            c = canonical(full)
            key = {"tensorflow": "tf", "keras.ops": "ops", "keras.backend": "K", "keras": "keras", "numpy": "np"}.get(c)
            if key is not None and key not in self.alias:
                self.alias[key] = local

    def flavor(self, qual: str | None = None) -> str:
        if qual:
            if qual.startswith("tensorflow."):
                return "tf"
            if qual.startswith("keras.backend."):
                return "K"
            if qual.startswith("numpy."):
                return "np"
            if qual.startswith("keras."):
                return "ops"
        for key in ("tf", "ops", "keras", "K", "np"):
            if key in self.alias:
                return "ops" if key == "keras" else key
        return "ops"

    def fn(self, flavor: str, name: str) -> str:
        if flavor == "K" and name in ("divide_no_nan", "log1p", "rsqrt", "where"):
            flavor = "tf" if "tf" in self.alias else "ops"
        if flavor == "np" and name in ("divide_no_nan", "rsqrt"):
            flavor = "tf" if "tf" in self.alias else "ops"
        if flavor == "tf":
            module = self.alias.get("tf", "tf")
        elif flavor == "ops":
            module = self.alias.get("ops") or f"{self.alias.get('keras', 'keras')}.ops"
        elif flavor == "K":
            module = self.alias["K"] if "K" in self.alias else "K"
        else:
            module = self.alias.get("np", "np")
        if flavor == "tf" and name == "divide_no_nan":
            return f"{module}.math.divide_no_nan"
        return f"{module}.{self._NAMES[flavor].get(name, name)}"

    @property
    def eps(self) -> str:
        if "K" in self.alias:
            return f"{self.alias['K']}.epsilon()"
        if "keras" in self.alias:
            return f"{self.alias['keras']}.backend.epsilon()"
        if "tf" in self.alias:
            return f"{self.alias['tf']}.keras.backend.epsilon()"
        return "1e-7"

    @property
    def losses(self) -> str:
        if "keras" in self.alias:
            return f"{self.alias['keras']}.losses"
        return f"{self.alias['tf']}.keras.losses" if "tf" in self.alias else "keras.losses"


# --------------------------------------------------------------------------------------- the analysis


@dataclass
class _CrossEntropy:
    node: cst.CSTNode  # the statement's expression: where the finding is reported
    pred: str
    binary: bool = False
    logits: bool = False
    unguarded: bool = False


class _Analysis(Operands):
    """The findings of one loss/metric/layer function: each risky op, its operand judged, the guard to write."""

    def __init__(self, ctx: Context, target: LossFunction, api: _Api, scopes: dict[cst.CSTNode, Scope]) -> None:
        super().__init__(ctx.facts, target, ctx.code)
        self.ctx = ctx
        self.api = api
        self.scopes = scopes
        self.handled: set[cst.CSTNode] = set()  # ops already reported by KNL105 (or part of a KNL106)
        self.crossentropy: dict[cst.CSTNode, _CrossEntropy] = {}
        self.ce_logs: set[cst.CSTNode] = set()  # logs inside a hand-written crossentropy: KNL106 reports them
        layer = target.role == LAYER
        sel = ctx.settings.rule_selected
        self.on101 = not layer and sel("KNL101")
        self.on102 = not layer and sel("KNL102")
        self.on103 = not layer and sel("KNL103")
        self.on104 = target.role != METRIC and sel("KNL104")  # an inf metric does not poison the weights
        self.on105 = not layer and target.has_gradient and sel("KNL105")
        self.on106 = not layer and target.prediction is not None and sel("KNL106")

    def flavor(self, qual: str | None, *operands: cst.BaseExpression | None) -> str:
        """The API of the op itself, else (for ``/``, ``**``) of the first tensor call in its operands."""
        if qual is None:
            for operand in operands:
                if operand is None:
                    continue
                for call in descendants(operand, cst.Call):
                    q = self.ctx.facts.resolve(call.func)  # type: ignore[attr-defined]
                    if q and q.startswith(("tensorflow.", "keras.ops.", "keras.backend.", "numpy.")):
                        return self.api.flavor(q)
        return self.api.flavor(qual)

    def code(self, node: cst.CSTNode, limit: int = 48) -> str:
        return squash(self.ctx.code(node), limit)

    # --- KNL101-KNL104 --------------------------------------------------------------------------------

    def division(
        self,
        node: cst.CSTNode,
        num: cst.BaseExpression | None,
        den: cst.BaseExpression | None,
        scope: Scope,
        qual: str | None = None,
    ) -> None:
        if not self.on101 or node in self.handled or den is None:
            return
        v = self.value(den, scope)
        if not v.zero:
            return
        api, flavor = self.api, self.flavor(qual, den, num)
        d = self.code(den)
        n = self.code(num) if num is not None else "1.0"
        no_nan = api.fn(flavor, "divide_no_nan")
        self.ctx.report(
            node,
            KNL101,
            f"denominator `{d}` can be 0 ({v.why}), which gives inf/NaN; use {no_nan}({n}, {d})"
            f" or add {api.eps} to the denominator",
        )

    def log(self, call: cst.Call, op: str, qual: str | None, scope: Scope) -> None:
        if not self.on102 or call in self.handled or call in self.ce_logs:
            return
        x = first_arg(call, "x", "input")
        if x is None:
            return
        v = self.value(x, scope)
        api, flavor = self.api, self.api.flavor(qual)
        xs = self.code(x)
        if op == "log1p":
            if not (v.zero and v.signed):
                return
            safe = f"{api.fn(flavor, 'log1p')}({api.fn(flavor, 'maximum')}({xs}, -1.0 + {api.eps}))"
            message = f"log1p of `{xs}` is -inf at -1 and NaN below ({v.why}); bound the argument: {safe}"
        else:
            if not v.zero:
                return
            safe = f"{api.fn(flavor, op)}({api.fn(flavor, 'maximum')}({xs}, {api.eps}))"
            message = (
                f"{op} of `{xs}` is -inf where it reaches 0 ({v.why}) and the loss and gradient become NaN;"
                f" clip the argument: {safe}, or add {api.eps}"
            )
        self.ctx.report(call, KNL102, message)

    def root(self, node: cst.CSTNode, x: cst.BaseExpression | None, kind: str, qual: str | None, scope: Scope) -> None:
        """sqrt / rsqrt / pow(x, 0.5) / norm: the gradient at exactly 0 is infinite (or NaN)."""
        if not self.on103 or node in self.handled or x is None or (qual or "").startswith("numpy."):
            return
        if kind != "rsqrt" and not self.target.has_gradient:
            return  # a metric has no gradient: sqrt(0) = 0 is harmless there
        pred = self.target.prediction
        if kind != "rsqrt" and pred is not None and not self.mentions(x, frozenset({pred}), scope):
            return  # no gradient flows into the labels either
        v = self.value(x, scope)
        if not v.zero:
            return
        api, flavor = self.api, self.flavor(qual, x)
        xs = self.code(x)
        if kind == "rsqrt":
            message = (
                f"rsqrt of `{xs}` is inf where it is 0 ({v.why}); add an epsilon:"
                f" {api.fn(flavor, 'rsqrt')}({xs} + {api.eps})"
            )
        elif kind == "norm":
            square = f"{api.fn(flavor, 'square')}({xs})"
            message = (
                f"the gradient of the norm of `{xs}` is NaN where it is all 0 ({v.why}); use"
                f" {api.fn(flavor, 'sqrt')}({api.fn(flavor, 'sum' if flavor != 'tf' else 'reduce_sum')}({square})"
                f" + {api.eps})"
            )
        else:
            message = (
                f"sqrt of `{xs}` has an infinite gradient where it is exactly 0 ({v.why}), so the weights"
                " become NaN;"
                f" use {api.fn(flavor, 'sqrt')}({xs} + {api.eps}) or"
                f" {api.fn(flavor, 'sqrt')}({api.fn(flavor, 'maximum')}({xs}, 1e-12))"
            )
        self.ctx.report(node, KNL103, message)

    def exp(self, call: cst.Call, op: str, qual: str | None, scope: Scope) -> None:
        if not self.on104:
            return
        x = first_arg(call, "x", "input")
        if x is None or not self.mentions(x, frozenset(self.target.data), scope) or self.bounded(x, scope):
            return  # exp of weights or constants (a learned temperature, a frequency table) is not flagged
        api, flavor = self.api, self.api.flavor(qual)
        xs = self.code(x)
        self.ctx.report(
            call,
            KNL104,
            f"{op} of `{xs}` overflows to inf once it exceeds ~88.7 in float32 (~11 in float16) and nothing bounds"
            f" it; clip it first: {api.fn(flavor, op)}({api.fn(flavor, 'minimum')}({xs}, 20.0)), or use a stable"
            " form (softplus, logsumexp, log_softmax)",
        )

    # --- KNL105 ---------------------------------------------------------------------------------------

    def risky_ops(self, expr: cst.BaseExpression) -> Iterator[tuple[cst.CSTNode, cst.BaseExpression | None, str]]:
        """(op node, operand, description) of the ops whose gradient is NaN behind a where."""
        for node in subexpressions(expr):
            if isinstance(node, cst.BinaryOperation):
                if isinstance(node.operator, cst.Divide):
                    yield node, node.right, "the division"
                elif isinstance(node.operator, cst.Power):
                    k = number(node.right)
                    if k is not None and 0 < k < 1:
                        yield node, node.left, f"** {self.code(node.right, 8)}"
            elif isinstance(node, cst.Call):
                qual = self.qual(node)
                op = op_name(qual)
                if op is None or (qual or "").startswith("numpy."):
                    continue
                if op in LOG or op == "log1p":
                    yield node, first_arg(node, "x"), op
                elif op in DIVIDE:
                    yield node, nth_arg(node, 1, "y", "x2"), "the division"
                elif op in POW:
                    k = number(nth_arg(node, 1, "y", "x2"))
                    if k is not None and 0 < k < 1:
                        yield node, first_arg(node, "x", "x1"), op
                elif op in NORM:
                    yield node, first_arg(node, "tensor", "x"), op
                elif op in SQRT or op == "reciprocal":
                    yield node, first_arg(node, "x"), op  # TF's kernels give 0 here; JAX/torch give NaN

    def where(self, call: cst.Call, qual: str, scope: Scope) -> None:
        """A where is the forward guard of the risky ops in its branches that use the value it tests: they are
        not KNL101-KNL103 material; KNL105 reports those whose gradient is NaN anyway."""
        if qual.startswith("numpy."):
            return
        cond_node = nth_arg(call, 0, "condition")
        tested = self.tested(cond_node, scope)
        agnostic = not qual.startswith("tensorflow.")
        pred = frozenset({self.target.prediction}) if self.target.prediction else None
        for branch in (nth_arg(call, 1, "x", "x1", "then_expression"), nth_arg(call, 2, "y", "x2", "else_expression")):
            if branch is None:
                continue
            for node, operand, what in self.risky_ops(branch):
                if operand is None or node in self.handled:
                    continue
                if tested and not self.related(operand, tested, scope):
                    continue  # the condition tests something else: the op is judged on its own
                self.handled.add(node)
                if not tested or not self.on105 or self.value(operand, scope).positive:
                    continue  # an opaque condition is trusted; a guarded operand is fine
                if pred is not None and not self.mentions(operand, pred, scope):
                    continue  # no gradient flows into the labels
                tf_safe = what in SQRT or what == "reciprocal"
                if tf_safe and not agnostic:
                    continue  # measured: TF's sqrt/rsqrt/reciprocal gradients are 0, not NaN, behind tf.where
                self.report_where(call, node, operand, what, qual, tf_safe)

    def report_where(
        self, call: cst.Call, node: cst.CSTNode, operand: cst.BaseExpression, what: str, qual: str, tf_safe: bool
    ) -> None:
        where = self.code(call.func, 24)
        cond = self.code(nth_arg(call, 0, "condition"), 32)  # type: ignore[arg-type]
        xs = self.code(operand, 32)
        ones = self.api.fn(self.api.flavor(qual), "ones_like")
        note = " (TF 2.21's kernel happens to return 0 here; JAX and torch give NaN)" if tf_safe else ""
        self.ctx.report(
            node,
            KNL105,
            f"`{where}` hides {what} of `{xs}` in the forward pass only: where `{cond}` is False its gradient is"
            f" 0 * inf = NaN{note}; use a double where: first `safe = {where}({cond}, {xs}, {ones}({xs}))`,"
            f" then apply {what} to `safe`",
        )

    # --- KNL106 ---------------------------------------------------------------------------------------

    def mentions_name(self, expr: cst.BaseExpression | None, name: str | None, scope: Scope) -> bool:
        return name is not None and self.mentions(expr, frozenset({name}), scope)

    def log_calls(self, expr: cst.BaseExpression, scope: Scope, depth: int = 2) -> list[cst.Call]:
        while True:
            if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
                expr = expr.expression
            elif isinstance(expr, cst.Call) and op_name(self.qual(expr)) in PASS:
                inner = first_arg(expr, "x")
                if inner is None:
                    return []
                expr = inner
            else:
                break
        if isinstance(expr, cst.Name) and depth > 0:
            value = scope.single_assignment(expr.value)
            return self.log_calls(value, scope, depth - 1) if value is not None else []
        if isinstance(expr, cst.Call) and op_name(self.qual(expr)) in LOG:
            return [expr]
        return []

    def product(
        self, node: cst.CSTNode, a: cst.BaseExpression, b: cst.BaseExpression, scope: Scope, stmt: cst.CSTNode | None
    ) -> None:
        if not self.on106:
            return
        label, pred = self.target.label, self.target.prediction
        for factor, other in ((a, b), (b, a)):
            logs = self.log_calls(other, scope)
            if not logs or not self.mentions_name(factor, label, scope):
                continue
            for call in logs:
                operand = first_arg(call, "x")
                if operand is None or not self.mentions_name(operand, pred, scope):
                    continue
                if self.mentions_name(operand, label, scope):
                    continue  # log(y_true / y_pred): a KL divergence, not a crossentropy
                where = stmt if stmt is not None else node
                ce = self.crossentropy.setdefault(where, _CrossEntropy(where, self.code(operand, 32)))
                self.ce_logs.add(call)
                judged = self.value(operand, scope)
                saturates = False
                for sub in self.expanded(operand, scope):
                    if isinstance(sub, cst.Call):
                        op = op_name(self.qual(sub))
                        if op in ("sigmoid", "softmax"):
                            ce.logits = saturates = True
                            ce.binary |= op == "sigmoid"
                    elif isinstance(sub, cst.BinaryOperation) and isinstance(sub.operator, cst.Subtract):
                        ce.binary = True
                if isinstance(factor, cst.BinaryOperation) and isinstance(factor.operator, cst.Subtract):
                    ce.binary = True
                # a raw prediction, or a sigmoid/softmax computed here, unguarded (softplus & co: not flagged)
                if judged.zero or (saturates and not judged.positive):
                    ce.unguarded = True
            return

    def output_activations(self) -> set[str] | None:
        """Activations of the model outputs this loss trains, when a compile() in this file says so."""
        from kerasnanlint.semantics.models import loss_pairs, models  # the KNL2xx model facts, built once a file

        found: set[str] = set()
        for model in models(self.facts):
            for out, loss, comp in loss_pairs(model):
                if loss.kind == "custom" and self.target.scope in functions_of(self.facts, loss.node, comp.scope):
                    if out.activation is None:
                        return None
                    found.update(out.activation.names)
        return found or None

    def finish(self) -> None:
        losses = self.api.losses
        label, pred = self.target.label, self.target.prediction
        for ce in self.crossentropy.values():
            if not ce.unguarded:
                continue
            kind = "binary_crossentropy" if ce.binary else "categorical_crossentropy"
            builtin = f"{losses}.{kind}({label}, {pred}"
            acts = None if ce.logits else self.output_activations()
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
            self.ctx.report(
                ce.node,
                KNL106,
                f"hand-written crossentropy: log(`{ce.pred}`) is -inf {why}, and the loss becomes NaN; {advice}",
            )


# ------------------------------------------------------------------------------------------- the walk


class _Walker(cst.CSTVisitor):
    """Walks one loss/metric/layer function (nested functions that are targets themselves are skipped)."""

    def __init__(self, an: _Analysis, skip: set[cst.CSTNode]) -> None:
        self.an, self.skip = an, skip
        self.stack: list[Scope] = [an.target.scope]
        self.stmt: cst.CSTNode | None = None

    def _enter(self, node: cst.FunctionDef | cst.Lambda) -> bool:
        if node in self.skip:
            return False
        scope = self.an.scopes.get(node)
        if scope is not None:
            self.stack.append(scope)
        return True

    def _leave(self, node: cst.FunctionDef | cst.Lambda) -> None:
        if len(self.stack) > 1 and self.stack[-1].node is node:
            self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._leave(original_node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._enter(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._leave(original_node)

    # the statement a finding of KNL106 is reported on
    def visit_Return(self, node: cst.Return) -> None:
        self.stmt = node.value

    def visit_Assign(self, node: cst.Assign) -> None:
        self.stmt = node.value
        scope = self.stack[-1]
        for t in node.targets:
            if isinstance(t.target, cst.Tuple | cst.List):  # z_mean, z_log_var = inputs
                for el in t.target.elements:
                    if isinstance(el.value, cst.Name):
                        self.an.derived.setdefault((id(scope), el.value.value), []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.stmt = node.value

    def visit_Expr(self, node: cst.Expr) -> None:
        self.stmt = node.value

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.stmt = node.value
        if isinstance(node.operator, cst.DivideAssign):
            self.an.division(node, node.target, node.value, self.stack[-1])

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        op, scope = node.operator, self.stack[-1]
        if isinstance(op, cst.Divide):
            self.an.division(node, node.left, node.right, scope)
        elif isinstance(op, cst.Power):
            k = number(node.right)
            if k is not None and 0 < k < 1:
                self.an.root(node, node.left, "pow", None, scope)
        elif isinstance(op, cst.Multiply):
            self.an.product(node, node.left, node.right, scope, self.stmt)

    def visit_Call(self, node: cst.Call) -> None:
        an, scope = self.an, self.stack[-1]
        qual = an.qual(node)
        op = op_name(qual)
        if op is None or qual is None:
            return
        if op in WHERE:
            self.an.where(node, qual, scope)
        elif op in LOG or op == "log1p":
            an.log(node, op, qual, scope)
        elif op in DIVIDE:
            an.division(node, nth_arg(node, 0, "x", "x1"), nth_arg(node, 1, "y", "x2"), scope, qual)
        elif op == "reciprocal":
            an.division(node, None, first_arg(node, "x"), scope, qual)
        elif op in SQRT:
            an.root(node, first_arg(node, "x"), op, qual, scope)
        elif op in POW:
            k = number(nth_arg(node, 1, "y", "x2"))
            if k is not None and 0 < k < 1:
                an.root(node, first_arg(node, "x", "x1"), "pow", qual, scope)
        elif op in NORM:
            order = arg_value(node, "ord")
            if (
                order is None
                or number(order) == 2
                or (isinstance(order, cst.SimpleString) and order.evaluated_value in ("euclidean", "fro"))
            ):
                an.root(node, first_arg(node, "tensor", "x"), "norm", qual, scope)
        elif op in EXP:
            an.exp(node, op, qual, scope)
        elif op == "multiply":
            args = [a.value for a in node.args if a.keyword is None and not a.star]
            if len(args) == 2:
                self.an.product(node, args[0], args[1], scope, self.stmt)


def numerical_risks(ctx: Context) -> None:
    targets = loss_functions(ctx.facts)
    if not targets:
        return
    api = _Api(ctx.facts.imports)
    scopes = {s.node: s for s in ctx.facts.scopes}
    nodes = {t.node for t in targets}
    for target in targets:
        an = _Analysis(ctx, target, api, scopes)
        if not (an.on101 or an.on102 or an.on103 or an.on104 or an.on105 or an.on106):
            continue
        walker = _Walker(an, nodes - {target.node})
        if isinstance(target.node, cst.Lambda):
            walker.stmt = target.node.body
        walk(target.node.body, walker)  # the facts' fast walk: visit_/leave_ methods as CSTVisitor calls them
        an.finish()


KNL101 = define_rule(
    "KNL101",
    "unguarded-division",
    Severity.WARNING,
    "A loss or metric divides by a value that can be 0 (a count, a sum, a difference, a raw prediction)",
    check=numerical_risks,
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


KNL102 = define_rule(
    "KNL102",
    "unguarded-log",
    Severity.WARNING,
    "A loss or metric takes the log of a value that can be 0 (or log1p of a value that can reach -1)",
    check=numerical_risks,
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


KNL103 = define_rule(
    "KNL103",
    "sqrt-at-zero",
    Severity.WARNING,
    "sqrt, rsqrt, ** 0.5 or a norm of a value that can be exactly 0: finite forward, infinite/NaN gradient",
    check=numerical_risks,
    probe=Probe(
        "direct",
        "call the function at zero error and check the gradient; short run",
        "function",
        runs=("baseline",),
        training=True,
    ),
)


KNL104 = define_rule(
    "KNL104",
    "unbounded-exp",
    Severity.INFO,
    "exp/expm1 of an unbounded tensor overflows to inf above ~88.7 in float32 (~11 in float16)",
    check=numerical_risks,
    probe=Probe(
        "direct", "call the function/layer on large inputs; short run", "function", runs=("baseline",), training=True
    ),
)


KNL105 = define_rule(
    "KNL105",
    "where-does-not-guard-gradient",
    Severity.WARNING,
    "tf.where/keras.ops.where hides a log or division at 0 in the forward pass but its gradient is still NaN",
    check=numerical_risks,
    probe=Probe(
        "direct",
        "call the function and check the gradient behind the where; short run",
        "function",
        runs=("baseline",),
        training=True,
    ),
)


KNL106 = define_rule(
    "KNL106",
    "handwritten-crossentropy",
    Severity.WARNING,
    "A hand-written crossentropy takes the log of raw predictions: -inf at 0 or 1; use the built-in loss",
    check=numerical_risks,
    probe=Probe(
        "direct",
        "call the function on predictions of 0, 1 and below 0; short runs with each risky activation",
        "function",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("non-probability",),
    ),
)
