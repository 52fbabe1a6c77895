"""Where NaN/Inf is born inside a model's own code (KNL1xx).

KNL101-KNL106 look only inside the functions that compute a loss or a metric, and custom layers' ``call``
for KNL104 (semantics/losses.py): one small walk per such function, never the whole module again.
An operand is judged one of three ways: guarded (strictly positive: an epsilon added, a positive clip or
maximum, a size), can reach 0 (with the reason why), or unknown. Only "can reach 0" is reported; unknowns
keep the rules silent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

import libcst as cst

from kerasnanlint.diagnostics import Severity
from kerasnanlint.engine import Context
from kerasnanlint.registry import check, define_rule
from kerasnanlint.semantics.losses import LAYER, METRIC, LossFunction, loss_functions
from kerasnanlint.semantics.module import Scope, descendants, walk
from kerasnanlint.semantics.names import ImportTable, canonical
from kerasnanlint.semantics.values import arg_value, number

KNL101 = define_rule(
    "KNL101",
    "unguarded-division",
    Severity.WARNING,
    "A loss or metric divides by a value that can be 0 (a count, a sum, a difference, a raw prediction)",
)
KNL102 = define_rule(
    "KNL102",
    "unguarded-log",
    Severity.WARNING,
    "A loss or metric takes the log of a value that can be 0 (or log1p of a value that can reach -1)",
)
KNL103 = define_rule(
    "KNL103",
    "sqrt-at-zero",
    Severity.WARNING,
    "sqrt, rsqrt, ** 0.5 or a norm of a value that can be exactly 0: finite forward, infinite/NaN gradient",
)
KNL104 = define_rule(
    "KNL104",
    "unbounded-exp",
    Severity.INFO,
    "exp/expm1 of an unbounded tensor overflows to inf above ~88.7 in float32 (~11 in float16)",
)
KNL105 = define_rule(
    "KNL105",
    "where-does-not-guard-gradient",
    Severity.WARNING,
    "tf.where/keras.ops.where hides a log or division at 0 in the forward pass but its gradient is still NaN",
)
KNL106 = define_rule(
    "KNL106",
    "handwritten-crossentropy",
    Severity.WARNING,
    "A hand-written crossentropy takes the log of raw predictions: -inf at 0 or 1; use the built-in loss",
)
KNL107 = define_rule(
    "KNL107",
    "nan-equality",
    Severity.WARNING,
    "Comparing with NaN using == or != is always False (or always True)",
)

# ---------------------------------------------------------------------------------------------- KNL107

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


# ------------------------------------------------------------------------------------- op vocabulary

_ROOTS = ("tensorflow", "keras", "numpy")
_DIVIDE = {"divide", "true_divide", "truediv", "realdiv", "div"}
_LOG = {"log", "log2", "log10"}
_SQRT = {"sqrt", "rsqrt"}
_POW = {"pow", "power"}
_NORM = {"norm", "euclidean_norm", "reduce_euclidean_norm"}
_EXP = {"exp", "expm1"}
_WHERE = {"where", "where_v2", "switch"}
_REDUCE = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "sum", "mean", "max", "min"}
_REDUCE |= {"prod", "average", "nansum", "nanmean", "cumsum"}
_SPREAD = {"std", "reduce_std", "var", "reduce_variance", "variance"}  # 0 when every value is equal
_INDICATOR = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and"}
_INDICATOR |= {"logical_or", "logical_not", "logical_xor", "one_hot", "isclose", "in_top_k"}
_PASS = {"cast", "convert_to_tensor", "identity", "stop_gradient", "reshape", "squeeze", "expand_dims"}
_PASS |= {"transpose", "flatten", "gather", "gather_nd", "round", "rint", "floor", "ceil", "to_float", "boolean_mask"}
_PASS |= {"batch_flatten", "asarray", "array", "take", "take_along_axis", "concat", "concatenate", "stack", "squeeze"}
_NONNEG = {"abs", "square", "sqrt", "relu", "relu6", "softplus", "exp", "norm", "sigmoid", "softmax", "arange"}
_BOUNDED = {"tanh", "sigmoid", "softmax", "sin", "cos", "softsign", "erf", "log_sigmoid", "log_softmax", "hard_sigmoid"}
_MAX_LIKE = {"reduce_max", "max", "amax", "logsumexp", "reduce_logsumexp"}
_COMPARE_OPS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal"}
# A single zero-initialised metric variable that counts samples or batches is > 0 once update_state ran.
_COUNT_STATE = re.compile(r"count|total|num|samples|steps|batches|seen|^n$|^n_", re.I)


_BINOPS: dict[str, cst.BaseBinaryOp] = {
    "add": cst.Add(),
    "subtract": cst.Subtract(),
    "multiply": cst.Multiply(),
    "divide": cst.Divide(),
    "true_divide": cst.Divide(),
    "truediv": cst.Divide(),
    "pow": cst.Power(),
    "power": cst.Power(),
}


def _op(qual: str | None) -> str | None:
    """The op name of a canonical callee rooted at tensorflow/keras/numpy: ``tensorflow.math.log`` -> ``log``."""
    if qual is None or qual.split(".", 1)[0] not in _ROOTS:
        return None
    if qual.startswith(("keras.losses.", "keras.metrics.", "keras.layers.")):
        return None
    return qual.rsplit(".", 1)[-1]


def _first(call: cst.Call, *keywords: str) -> cst.BaseExpression | None:
    for kw in keywords:
        found = arg_value(call, kw)
        if found is not None:
            return found
    return arg_value(call, None, 0)


def _nth(call: cst.Call, position: int, *keywords: str) -> cst.BaseExpression | None:
    for kw in keywords:
        found = arg_value(call, kw)
        if found is not None:
            return found
    return arg_value(call, None, position)


def _squash(text: str, limit: int = 48) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _norm_code(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -------------------------------------------------------------------------------------- suggestions


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


# ------------------------------------------------------------------------------------------ values

_POS, _ZERO, _UNKNOWN = "pos", "zero", "unknown"


@dataclass(frozen=True)
class _V:
    kind: str
    why: str = ""
    signed: bool = False  # may also be negative (raw predictions, differences): log1p can reach -1

    @property
    def zero(self) -> bool:
        return self.kind == _ZERO


POS, UNKNOWN = _V(_POS), _V(_UNKNOWN)


def _zero(why: str, signed: bool = False) -> _V:
    return _V(_ZERO, why, signed)


def _join(values: list[_V]) -> _V:
    if values and all(v.kind == _POS for v in values):
        return POS
    if values and all(v.zero for v in values):
        return replace(values[0], signed=any(v.signed for v in values))
    return UNKNOWN


def _a(op: str) -> str:
    return f"an {op}" if op[:1] in "aeiou" else f"a {op}"


# --------------------------------------------------------------------------------------- the analysis


@dataclass
class _CrossEntropy:
    node: cst.CSTNode  # the statement's expression: where the finding is reported
    pred: str
    binary: bool = False
    logits: bool = False
    unguarded: bool = False


class _Analysis:
    """Judges the operands of risky ops inside one loss/metric/layer function."""

    def __init__(self, ctx: Context, target: LossFunction, api: _Api, scopes: dict[cst.CSTNode, Scope]) -> None:
        self.ctx = ctx
        self.target = target
        self.api = api
        self.scopes = scopes
        self.memo: dict[tuple[int, str], _V] = {}
        self.visiting: set[tuple[int, str]] = set()
        self.handled: set[cst.CSTNode] = set()  # ops already reported by KNL105 (or part of a KNL106)
        self.crossentropy: dict[cst.CSTNode, _CrossEntropy] = {}
        self.ce_logs: set[cst.CSTNode] = set()  # logs inside a hand-written crossentropy: KNL106 reports them
        self.derived: dict[tuple[int, str], list[cst.BaseExpression]] = {}  # a, b = value: both come from value
        self.mention_memo: dict[tuple[int, str, frozenset[str]], bool] = {}
        self.extras: _Extras | None = None
        layer = target.role == LAYER
        sel = ctx.settings.rule_selected
        self.on101 = not layer and sel("KNL101")
        self.on102 = not layer and sel("KNL102")
        self.on103 = not layer and sel("KNL103")
        self.on104 = target.role != METRIC and sel("KNL104")  # an inf metric does not poison the weights
        self.on105 = not layer and target.has_gradient and sel("KNL105")
        self.on106 = not layer and target.prediction is not None and sel("KNL106")

    def defining(self, name: str, scope: Scope) -> Scope | None:
        s: Scope | None = scope
        while s is not None and not (name in s.params or name in s.assignments or name in s.rebound):
            s = s.parent
        return s

    def assigned_values(self, name: str, scope: Scope) -> tuple[Scope | None, list[cst.BaseExpression]]:
        s = self.defining(name, scope)
        if s is None:
            return None, []
        return s, [*s.assignments.get(name, []), *self.derived.get((id(s), name), [])]

    def mentions(self, expr: cst.BaseExpression | None, names: frozenset[str], scope: Scope, depth: int = 3) -> bool:
        """Does ``expr`` depend on one of ``names``, directly or through local assignments?"""
        if expr is None or not names:
            return False
        for node in _subexpressions(expr):
            if not isinstance(node, cst.Name):
                continue
            if node.value in names:
                return True
            if depth <= 0:
                continue
            s, values = self.assigned_values(node.value, scope)
            if s is None or not values:
                continue
            key = (id(s), node.value, names)
            if key not in self.mention_memo:
                self.mention_memo[key] = False  # cycle guard
                self.mention_memo[key] = any(self.mentions(v, names, s, depth - 1) for v in values)
            if self.mention_memo[key]:
                return True
        return False

    def qual(self, call: cst.Call) -> str | None:
        return self.ctx.facts.imports.resolve(call.func)

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
        return _squash(self.ctx.code(node), limit)

    # --- can this value be 0? -------------------------------------------------------------------------

    def value(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 4) -> _V:
        if expr is None or depth < 0:
            return UNKNOWN
        n = number(expr)
        if n is not None:
            return POS if n > 0 else (_zero("the literal 0") if n == 0 else UNKNOWN)
        if isinstance(expr, cst.Name):
            return self.name_value(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute):
            return self.attribute_value(expr)
        if isinstance(expr, cst.Subscript):
            if _is_shape(self, expr.value):
                return POS
            return self.value(expr.value, scope, depth)
        if isinstance(expr, cst.Comparison):
            return _zero("a 0/1 indicator")
        if isinstance(expr, cst.UnaryOperation):
            inner = self.value(expr.expression, scope, depth)
            if isinstance(expr.operator, cst.Minus) and inner.zero:
                return replace(inner, signed=True)
            return inner if isinstance(expr.operator, cst.Plus) else UNKNOWN
        if isinstance(expr, cst.BinaryOperation):
            return self.binary_value(expr.operator, expr.left, expr.right, scope, depth)
        if isinstance(expr, cst.Call):
            return self.call_value(expr, scope, depth)
        if isinstance(expr, cst.IfExp):
            return _join([self.value(expr.body, scope, depth), self.value(expr.orelse, scope, depth)])
        return UNKNOWN

    def binary_value(
        self, op: cst.BaseBinaryOp, left: cst.BaseExpression, right: cst.BaseExpression, scope: Scope, depth: int
    ) -> _V:
        if isinstance(op, cst.Power):
            k = number(right)
            base = self.value(left, scope, depth)
            if k is None or base.kind == _UNKNOWN:
                return UNKNOWN
            return base if base.kind == _POS else replace(base, signed=base.signed and not float(k).is_integer())
        lv, rv = self.value(left, scope, depth), self.value(right, scope, depth)
        if isinstance(op, cst.Add):
            if _POS in (lv.kind, rv.kind):
                return POS  # an epsilon (or any positive term) added: the classic guard
            if lv.zero and rv.zero:
                return _zero(
                    f"0 when `{self.code(left, 24)}` and `{self.code(right, 24)}` are both 0", lv.signed or rv.signed
                )
            return UNKNOWN
        if isinstance(op, cst.Subtract):
            rn, ln = number(right), number(left)
            if rn is not None and rn < 0:
                return POS if lv.kind != _UNKNOWN else UNKNOWN
            if ln is not None and self.below(right, ln, scope, depth):
                return POS  # 1 - y_pred after y_pred = clip(y_pred, eps, 1 - eps)
            if lv.zero or rv.zero:  # n - 1 of two sizes or constants: unknown, not flagged
                return _zero("a difference, 0 when both sides are equal", True)
            return UNKNOWN
        if isinstance(op, cst.Multiply | cst.MatrixMultiply):
            if lv.zero or rv.zero:
                z = lv if lv.zero else rv
                return replace(z, signed=lv.signed or rv.signed)
            return POS if lv.kind == rv.kind == _POS else UNKNOWN
        if isinstance(op, cst.Divide):
            if lv.zero:
                return lv
            return POS if lv.kind == rv.kind == _POS else UNKNOWN
        return UNKNOWN

    def name_value(self, name: str, scope: Scope, depth: int) -> _V:
        s = self.defining(name, scope)
        if s is None:
            return UNKNOWN
        if name in s.rebound:  # also unpacked or rebound in a loop: trust a guard written anywhere
            values = s.assignments.get(name, [])
            return POS if any(self.value(v, s, depth - 1).kind == _POS for v in values) else UNKNOWN
        key = (id(s), name)
        if key in self.memo:
            return self.memo[key]
        values = s.assignments.get(name, [])
        if values and key not in self.visiting and depth > 0:
            self.visiting.add(key)
            try:
                judged = [self.value(v, s, depth - 1) for v in values]
                # x = ...; x = clip(x, eps, 1): assigned again, a guard in any assignment is trusted
                result = POS if len(judged) > 1 and any(v.kind == _POS for v in judged) else _join(judged)
            finally:
                self.visiting.discard(key)
        elif name in s.params:  # y_pred = tf.cast(y_pred, ...) reads the raw argument on the right
            result = self.param_value(name, s)
        else:
            return UNKNOWN
        self.memo[key] = result
        return result

    def param_value(self, name: str, scope: Scope) -> _V:
        t = self.target
        if scope is t.scope and name in t.data:
            if name == t.label:
                return _zero(f"the labels `{name}`, often exactly 0", True)
            if name == t.prediction:
                return _zero(f"the prediction `{name}`: 0 after a relu or a saturated sigmoid/softmax", True)
            return _zero(f"the raw argument `{name}`", True)
        node = scope.node
        if isinstance(node, cst.FunctionDef):
            for p in (*node.params.params, *node.params.kwonly_params):
                if p.name.value == name and p.default is not None:
                    d = number(p.default)
                    if d is not None and d > 0:
                        return POS
        return UNKNOWN

    def attribute_value(self, expr: cst.Attribute) -> _V:
        state = self.target.state
        if state and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            attr = expr.attr.value
            if attr in state and not _COUNT_STATE.search(attr):
                return _zero(f"the metric variable `self.{attr}`, 0 until an update counts something")
        return UNKNOWN

    def call_value(self, call: cst.Call, scope: Scope, depth: int) -> _V:
        func = call.func
        qual = self.qual(call)
        op = _op(qual)
        if op is None:
            if qual is None and isinstance(func, cst.Name) and func.value == "len":
                return POS
            if qual is None and isinstance(func, cst.Attribute):  # numpy-style methods on a known value
                method = func.attr.value
                if method in ("sum", "mean", "max", "min", "prod"):
                    return self.reduction(method, self.value(func.value, scope, depth))
                if method in ("numpy", "astype", "flatten", "reshape", "squeeze", "item"):
                    return self.value(func.value, scope, depth)
            return UNKNOWN
        x = _first(call, "x", "input", "input_tensor", "a", "tensor", "value", "features")
        if op == "epsilon" or op in ("size", "ones", "ones_like"):
            return POS
        if op in ("zeros", "zeros_like"):
            return _zero("zeros")
        if op in _PASS:
            return self.value(x, scope, depth)
        if op in ("abs", "square", "sqrt"):
            v = self.value(x, scope, depth)
            return replace(v, signed=False) if v.zero else v
        if op in _REDUCE or op in _NORM:
            return self.reduction(op, self.value(x, scope, depth))
        if op in _SPREAD:
            return _zero(f"{_a(op)}, 0 when all values are equal") if self.value(x, scope, depth).zero else UNKNOWN
        if op == "count_nonzero":
            return _zero("a count, 0 when nothing is counted")
        if op in _INDICATOR:
            return _zero("a 0/1 indicator")
        if op in ("relu", "relu6"):
            return _zero("a relu output, 0 for every negative input")
        args = [a.value for a in call.args if a.keyword is None and not a.star][:2]
        if op in _WHERE and self.extras is not None:  # the double where: where(x > 0, x, 1.0) is safe
            then, other = _nth(call, 1, "x", "x1", "then_expression"), _nth(call, 2, "y", "x2", "else_expression")
            if then is None or other is None:
                return UNKNOWN
            vs = [self.value(then, scope, depth), self.value(other, scope, depth)]
            if all(v.kind == _POS for v in vs):
                return POS
            tested = self.extras.tested(_nth(call, 0, "condition"), scope)
            for branch, v in ((then, vs[1]), (other, vs[0])):
                if v.kind == _POS and _norm_code(self.ctx.code(branch)) in tested:
                    return POS
            return UNKNOWN
        if op == "maximum":
            vs = [self.value(a, scope, depth) for a in args]
            if any(v.kind == _POS for v in vs):
                return POS
            if len(vs) != 2 or not all(v.zero for v in vs):
                return UNKNOWN
            return replace(vs[0], signed=all(v.signed for v in vs))  # maximum(x, 0.0) is >= 0
        if op == "minimum":
            vs = [self.value(a, scope, depth) for a in args]
            zeros = [v for v in vs if v.zero]
            return zeros[0] if zeros else _join(vs)
        if op in ("clip", "clip_by_value"):
            low = _nth(call, 1, "clip_value_min", "x_min", "min_value", "a_min")
            lv = self.value(low, scope, depth)
            if lv.kind == _POS:
                return POS
            n = number(low)
            if lv.zero or (n is not None and n < 0):
                return self.value(x, scope, depth)
            return UNKNOWN
        if len(args) == 2:
            binop = _BINOPS.get(op) or (cst.Divide() if op in _DIVIDE else None)
            if binop is not None:
                return self.binary_value(binop, args[0], args[1], scope, depth)
        return UNKNOWN

    def below(self, expr: cst.BaseExpression | None, c: float, scope: Scope, depth: int) -> bool:
        """Is ``expr`` clipped strictly below ``c`` (``clip(p, eps, 1 - eps)``, ``minimum(p, 0.99)``)?"""
        if expr is None or depth < 0:
            return False
        if isinstance(expr, cst.Name):
            s: Scope | None = scope
            while s is not None and not (expr.value in s.assignments or expr.value in s.rebound):
                s = s.parent
            values = s.assignments.get(expr.value, []) if s is not None and expr.value not in s.rebound else []
            return bool(values) and all(self.below(v, c, s, depth - 1) for v in values)  # type: ignore[arg-type]
        if not isinstance(expr, cst.Call):
            return False
        op = _op(self.qual(expr))
        if op in ("clip", "clip_by_value"):
            return self._less_than(_nth(expr, 2, "clip_value_max", "x_max", "max_value", "a_max"), c, scope, depth)
        if op == "minimum":
            return any(self._less_than(a.value, c, scope, depth) for a in expr.args if a.keyword is None)
        if op in _PASS:
            return self.below(_first(expr, "x"), c, scope, depth)
        return False

    def _less_than(self, high: cst.BaseExpression | None, c: float, scope: Scope, depth: int) -> bool:
        n = number(high)
        if n is not None:
            return n < c
        if isinstance(high, cst.BinaryOperation) and isinstance(high.operator, cst.Subtract):
            left = number(high.left)
            return left is not None and left <= c and self.value(high.right, scope, depth).kind == _POS
        return False

    @staticmethod
    def reduction(op: str, inner: _V) -> _V:
        if inner.kind == _POS:
            return POS
        if inner.zero:
            why = f"{_a(op)} of {inner.why}" if " of " not in inner.why else f"{_a(op)} that can be 0"
            return _zero(why, inner.signed)
        return UNKNOWN

    # --- reports ----------------------------------------------------------------------------------------

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
        x = _first(call, "x", "input")
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
        x = _first(call, "x", "input")
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

    # --- exp: is the argument bounded above? --------------------------------------------------------

    def bounded(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 3) -> bool:
        if expr is None or depth < 0 or number(expr) is not None:
            return True
        if isinstance(expr, cst.Name):
            return self._bounded_name(expr.value, scope, depth, self.bounded)
        if isinstance(expr, cst.Attribute):
            return self.ctx.facts.resolve(expr) is not None  # np.pi, math.e: an imported constant
        if isinstance(expr, cst.UnaryOperation):
            if isinstance(expr.operator, cst.Minus):
                return self.nonneg(expr.expression, scope, depth)
            return self.bounded(expr.expression, scope, depth)
        if isinstance(expr, cst.BinaryOperation):
            op, left, right = expr.operator, expr.left, expr.right
            ln, rn = number(left), number(right)
            if isinstance(op, cst.Multiply):
                if (self.nonpos(left, scope, depth) and self.nonneg(right, scope, depth)) or (
                    self.nonpos(right, scope, depth) and self.nonneg(left, scope, depth)
                ):
                    return True
                return (ln is not None and ln >= 0 and self.bounded(right, scope, depth)) or (
                    rn is not None and rn >= 0 and self.bounded(left, scope, depth)
                )
            if isinstance(op, cst.Divide):
                if rn is not None and rn > 0:
                    return self.bounded(left, scope, depth)
                return self.nonpos(left, scope, depth) and self.nonneg(right, scope, depth)
            if isinstance(op, cst.Subtract):
                if self._max_like(right):
                    return True
                return self.bounded(left, scope, depth) and self.nonneg(right, scope, depth)
            if isinstance(op, cst.Add):
                return self.bounded(left, scope, depth) and self.bounded(right, scope, depth)
            return False
        if isinstance(expr, cst.Call):
            op = _op(self.qual(expr))
            x = _first(expr, "x", "input", "t")
            if op in ("clip", "clip_by_value"):
                high = _nth(expr, 2, "clip_value_max", "x_max", "max_value", "a_max")
                return high is not None and not (isinstance(high, cst.Name) and high.value == "None")
            if op == "minimum":
                return any(self.bounded(a.value, scope, depth) for a in expr.args if a.keyword is None)
            if op in _BOUNDED or op in _LOG or op == "log1p":
                return True
            if op in _PASS or op in _MAX_LIKE or op in ("reduce_mean", "mean", "reduce_min", "min"):
                return self.bounded(x, scope, depth)
            if op in ("negative",):
                return self.nonneg(x, scope, depth)
            binop = _BINOPS.get(op or "")
            args = [a.value for a in expr.args if a.keyword is None and not a.star]
            if binop is not None and len(args) == 2:
                return self.bounded(cst.BinaryOperation(args[0], binop, args[1]), scope, depth)
        return False

    def nonneg(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 3) -> bool:
        if expr is None or depth < 0:
            return False
        n = number(expr)
        if n is not None:
            return n >= 0
        if isinstance(expr, cst.Name):
            return self._bounded_name(expr.value, scope, depth, self.nonneg)
        if isinstance(expr, cst.BinaryOperation):
            op, left, right = expr.operator, expr.left, expr.right
            if isinstance(op, cst.Power):
                k = number(right)
                return k is not None and float(k).is_integer() and int(k) % 2 == 0
            if isinstance(op, cst.Add | cst.Multiply | cst.Divide):
                return self.nonneg(left, scope, depth) and self.nonneg(right, scope, depth)
            return False
        if isinstance(expr, cst.Call):
            op = _op(self.qual(expr))
            if op in _NONNEG:
                return True
            if op in _PASS or op in _REDUCE:
                return self.nonneg(_first(expr, "x", "input", "input_tensor"), scope, depth)
        return False

    def nonpos(self, expr: cst.BaseExpression | None, scope: Scope, depth: int) -> bool:
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            return self.nonneg(expr.expression, scope, depth)
        if isinstance(expr, cst.Call) and _op(self.qual(expr)) in _PASS:
            return self.nonpos(_first(expr, "x"), scope, depth)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply | cst.Divide):
            left, right = expr.left, expr.right
            return (self.nonpos(left, scope, depth) and self.nonneg(right, scope, depth)) or (
                self.nonneg(left, scope, depth) and self.nonpos(right, scope, depth)
            )
        n = number(expr)
        return n is not None and n <= 0

    def _bounded_name(
        self, name: str, scope: Scope, depth: int, pred: Callable[[cst.BaseExpression, Scope, int], bool]
    ) -> bool:
        s = self.defining(name, scope)
        if s is None or depth <= 0:
            return s is None and pred is self.bounded and name.isupper()  # a module constant we cannot see
        values = s.assignments.get(name, [])
        if name in s.rebound:  # unpacked or rebound in a loop: trust a clip written anywhere
            return any(pred(v, s, depth - 1) for v in values)
        if not values or (id(s), name) in self.visiting:
            return False
        self.visiting.add((id(s), name))
        try:
            return all(pred(v, s, depth - 1) for v in values)
        finally:
            self.visiting.discard((id(s), name))

    def _max_like(self, expr: cst.BaseExpression) -> bool:
        """``x - tf.reduce_max(x)`` or ``x - logsumexp(x)``: the stable softmax shift."""
        while isinstance(expr, cst.Call):
            op = _op(self.qual(expr))
            if op in _MAX_LIKE:
                return True
            if op not in ("stop_gradient", "cast", "expand_dims", "reshape"):
                return False
            expr = _first(expr, "x", "input")  # type: ignore[assignment]
        return False


def _is_shape(an: _Analysis, expr: cst.BaseExpression) -> bool:
    """``tf.shape(x)`` / ``ops.shape(x)`` / ``x.shape``: indexing it gives a size (> 0 for real batches)."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "shape":
        return True
    if isinstance(expr, cst.Call):
        return _op(an.qual(expr)) in ("shape", "int_shape")
    return False


# ------------------------------------------------------------------------------ KNL105 and KNL106 parts


def _subexpressions(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Every expression inside ``node`` (itself included), without attribute names or keyword names."""
    if isinstance(node, cst.BaseExpression):
        yield node
    if isinstance(node, cst.Lambda | cst.FunctionDef):
        return
    if isinstance(node, cst.Attribute):
        if node.attr.value not in ("dtype", "shape"):  # x.dtype does not carry x's values
            yield from _subexpressions(node.value)
        return
    if isinstance(node, cst.Arg):
        yield from _subexpressions(node.value)
        return
    for child in node.children:
        yield from _subexpressions(child)


class _Extras:
    """KNL105 (where) and KNL106 (hand-written crossentropy), mixed into the analysis."""

    an: _Analysis

    def __init__(self, an: _Analysis) -> None:
        self.an = an
        self.mention_memo: dict[tuple[int, str, str], bool] = {}

    # --- KNL105 ---------------------------------------------------------------------------------------

    def tested(self, cond: cst.BaseExpression | None, scope: Scope, depth: int = 2) -> set[str]:
        """The values a where-condition tests: ``x`` in ``x > 0``, ``tf.not_equal(d, 0)``, ``mask = x > 0``.

        Empty when the condition is opaque (a parameter, a call we do not know): then the where is trusted.
        """
        an = self.an
        if cond is None:
            return set()
        if isinstance(cond, cst.Name):
            _s, values = an.assigned_values(cond.value, scope)
            if not values or depth <= 0:
                return set()
            found = [self.tested(v, scope, depth - 1) for v in values]
            return {cond.value}.union(*found) if all(found) else set()
        items: list[cst.BaseExpression] = []
        if isinstance(cond, cst.Comparison):
            items = [cond.left, *(c.comparator for c in cond.comparisons)]
        elif isinstance(cond, cst.Call):
            op = _op(an.qual(cond))
            args = [a.value for a in cond.args if a.keyword is None and not a.star]
            if op in _COMPARE_OPS:
                items = args[:2]
            elif op in ("logical_and", "logical_or", "logical_not"):
                return {t for a in args for t in self.tested(a, scope, depth)}
        elif isinstance(cond, cst.BinaryOperation) and isinstance(cond.operator, cst.BitAnd | cst.BitOr):
            return self.tested(cond.left, scope, depth) | self.tested(cond.right, scope, depth)
        elif isinstance(cond, cst.UnaryOperation):
            return self.tested(cond.expression, scope, depth)
        out: set[str] = set()
        for item in items:
            if number(item) is not None:
                continue
            out.add(_norm_code(an.ctx.code(item)))
            if isinstance(item, cst.Call) and _op(an.qual(item)) in ("abs", "cast", "square", "stop_gradient"):
                inner = _first(item, "x")
                if inner is not None:
                    out.add(_norm_code(an.ctx.code(inner)))
        return out

    def risky_ops(self, expr: cst.BaseExpression) -> Iterator[tuple[cst.CSTNode, cst.BaseExpression | None, str]]:
        """(op node, operand, description) of the ops whose gradient is NaN behind a where."""
        an = self.an
        for node in _subexpressions(expr):
            if isinstance(node, cst.BinaryOperation):
                if isinstance(node.operator, cst.Divide):
                    yield node, node.right, "the division"
                elif isinstance(node.operator, cst.Power):
                    k = number(node.right)
                    if k is not None and 0 < k < 1:
                        yield node, node.left, f"** {self.an.code(node.right, 8)}"
            elif isinstance(node, cst.Call):
                qual = an.qual(node)
                op = _op(qual)
                if op is None or (qual or "").startswith("numpy."):
                    continue
                if op in _LOG or op == "log1p":
                    yield node, _first(node, "x"), op
                elif op in _DIVIDE:
                    yield node, _nth(node, 1, "y", "x2"), "the division"
                elif op in _POW:
                    k = number(_nth(node, 1, "y", "x2"))
                    if k is not None and 0 < k < 1:
                        yield node, _first(node, "x", "x1"), op
                elif op in _NORM:
                    yield node, _first(node, "tensor", "x"), op
                elif op in _SQRT or op == "reciprocal":
                    yield node, _first(node, "x"), op  # TF's kernels give 0 here; JAX/torch give NaN

    def related(self, expr: cst.BaseExpression, tested: set[str], scope: Scope, depth: int = 2) -> bool:
        """Does ``expr`` contain a tested value (``x`` of ``x > 0``), directly or through local assignments?"""
        code = self.an.ctx.code
        for node in _subexpressions(expr):
            if isinstance(node, cst.Name | cst.Attribute | cst.Subscript | cst.Call | cst.BinaryOperation):
                if _norm_code(code(node)) in tested:
                    return True
            if isinstance(node, cst.Name) and depth > 0:
                s, values = self.an.assigned_values(node.value, scope)
                if s is not None and any(self.related(v, tested, s, depth - 1) for v in values):
                    return True
        return False

    def where(self, call: cst.Call, qual: str, scope: Scope) -> None:
        """A where is the forward guard of the risky ops in its branches that use the value it tests: they are
        not KNL101-KNL103 material; KNL105 reports those whose gradient is NaN anyway."""
        an = self.an
        if qual.startswith("numpy."):
            return
        cond_node = _nth(call, 0, "condition")
        tested = self.tested(cond_node, scope)
        agnostic = not qual.startswith("tensorflow.")
        pred = frozenset({an.target.prediction}) if an.target.prediction else None
        for branch in (_nth(call, 1, "x", "x1", "then_expression"), _nth(call, 2, "y", "x2", "else_expression")):
            if branch is None:
                continue
            for node, operand, what in self.risky_ops(branch):
                if operand is None or node in an.handled:
                    continue
                if tested and not self.related(operand, tested, scope):
                    continue  # the condition tests something else: the op is judged on its own
                an.handled.add(node)
                if not tested or not an.on105 or an.value(operand, scope).kind == _POS:
                    continue  # an opaque condition is trusted; a guarded operand is fine
                if pred is not None and not an.mentions(operand, pred, scope):
                    continue  # no gradient flows into the labels
                tf_safe = what in _SQRT or what == "reciprocal"
                if tf_safe and not agnostic:
                    continue  # measured: TF's sqrt/rsqrt/reciprocal gradients are 0, not NaN, behind tf.where
                self.report_where(call, node, operand, what, qual, tf_safe)

    def report_where(
        self, call: cst.Call, node: cst.CSTNode, operand: cst.BaseExpression, what: str, qual: str, tf_safe: bool
    ) -> None:
        an = self.an
        where = an.code(call.func, 24)
        cond = an.code(_nth(call, 0, "condition"), 32)  # type: ignore[arg-type]
        xs = an.code(operand, 32)
        ones = an.api.fn(an.api.flavor(qual), "ones_like")
        note = " (TF 2.21's kernel happens to return 0 here; JAX and torch give NaN)" if tf_safe else ""
        an.ctx.report(
            node,
            KNL105,
            f"`{where}` hides {what} of `{xs}` in the forward pass only: where `{cond}` is False its gradient is"
            f" 0 * inf = NaN{note}; use a double where: first `safe = {where}({cond}, {xs}, {ones}({xs}))`,"
            f" then apply {what} to `safe`",
        )

    # --- KNL106 ---------------------------------------------------------------------------------------

    def mentions_name(self, expr: cst.BaseExpression | None, name: str | None, scope: Scope) -> bool:
        return name is not None and self.an.mentions(expr, frozenset({name}), scope)

    def log_calls(self, expr: cst.BaseExpression, scope: Scope, depth: int = 2) -> list[cst.Call]:
        an = self.an
        while True:
            if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
                expr = expr.expression
            elif isinstance(expr, cst.Call) and _op(an.qual(expr)) in _PASS:
                inner = _first(expr, "x")
                if inner is None:
                    return []
                expr = inner
            else:
                break
        if isinstance(expr, cst.Name) and depth > 0:
            value = scope.single_assignment(expr.value)
            return self.log_calls(value, scope, depth - 1) if value is not None else []
        if isinstance(expr, cst.Call) and _op(an.qual(expr)) in _LOG:
            return [expr]
        return []

    def product(
        self, node: cst.CSTNode, a: cst.BaseExpression, b: cst.BaseExpression, scope: Scope, stmt: cst.CSTNode | None
    ) -> None:
        an = self.an
        if not an.on106:
            return
        label, pred = an.target.label, an.target.prediction
        for factor, other in ((a, b), (b, a)):
            logs = self.log_calls(other, scope)
            if not logs or not self.mentions_name(factor, label, scope):
                continue
            for call in logs:
                operand = _first(call, "x")
                if operand is None or not self.mentions_name(operand, pred, scope):
                    continue
                if self.mentions_name(operand, label, scope):
                    continue  # log(y_true / y_pred): a KL divergence, not a crossentropy
                where = stmt if stmt is not None else node
                ce = an.crossentropy.setdefault(where, _CrossEntropy(where, an.code(operand, 32)))
                an.ce_logs.add(call)
                judged = an.value(operand, scope)
                saturates = False
                for sub in self.expanded(operand, scope):
                    if isinstance(sub, cst.Call):
                        op = _op(an.qual(sub))
                        if op in ("sigmoid", "softmax"):
                            ce.logits = saturates = True
                            ce.binary |= op == "sigmoid"
                    elif isinstance(sub, cst.BinaryOperation) and isinstance(sub.operator, cst.Subtract):
                        ce.binary = True
                if isinstance(factor, cst.BinaryOperation) and isinstance(factor.operator, cst.Subtract):
                    ce.binary = True
                # a raw prediction, or a sigmoid/softmax computed here, unguarded (softplus & co: not flagged)
                if judged.zero or (saturates and judged.kind != _POS):
                    ce.unguarded = True
            return

    def expanded(self, expr: cst.BaseExpression, scope: Scope, depth: int = 2) -> Iterator[cst.BaseExpression]:
        """Sub-expressions of ``expr``, looking through local names assigned once (``p = tf.sigmoid(z)``)."""
        for node in _subexpressions(expr):
            yield node
            if isinstance(node, cst.Name) and depth > 0 and node.value not in scope.params:
                value = scope.single_assignment(node.value)
                if value is not None:
                    yield from self.expanded(value, scope, depth - 1)

    def finish(self) -> None:
        an = self.an
        losses = an.api.losses
        label, pred = an.target.label, an.target.prediction
        for ce in an.crossentropy.values():
            if not ce.unguarded:
                continue
            kind = "binary_crossentropy" if ce.binary else "categorical_crossentropy"
            if ce.logits:
                advice = f"use {losses}.{kind}({label}, logits, from_logits=True) on the logits, which is stable"
                why = "once the sigmoid/softmax saturates to 0 or 1 in float32"
            else:
                advice = (
                    f"use {losses}.{kind}({label}, {pred}), which clips to [1e-7, 1 - 1e-7], or a linear output"
                    " with from_logits=True"
                )
                why = "when a prediction reaches 0" + (" (or 1, in the `1 - p` term)" if ce.binary else "")
            an.ctx.report(
                ce.node,
                KNL106,
                f"hand-written crossentropy: log(`{ce.pred}`) is -inf {why}, and the loss becomes NaN; {advice}",
            )


# ------------------------------------------------------------------------------------------- the walk


class _Walker(cst.CSTVisitor):
    """Walks one loss/metric/layer function (nested functions that are targets themselves are skipped)."""

    def __init__(self, an: _Analysis, extras: _Extras, skip: set[cst.CSTNode]) -> None:
        self.an, self.extras, self.skip = an, extras, skip
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
            self.extras.product(node, node.left, node.right, scope, self.stmt)

    def visit_Call(self, node: cst.Call) -> None:
        an, scope = self.an, self.stack[-1]
        qual = an.qual(node)
        op = _op(qual)
        if op is None or qual is None:
            return
        if op in _WHERE:
            self.extras.where(node, qual, scope)
        elif op in _LOG or op == "log1p":
            an.log(node, op, qual, scope)
        elif op in _DIVIDE:
            an.division(node, _nth(node, 0, "x", "x1"), _nth(node, 1, "y", "x2"), scope, qual)
        elif op == "reciprocal":
            an.division(node, None, _first(node, "x"), scope, qual)
        elif op in _SQRT:
            an.root(node, _first(node, "x"), op, qual, scope)
        elif op in _POW:
            k = number(_nth(node, 1, "y", "x2"))
            if k is not None and 0 < k < 1:
                an.root(node, _first(node, "x", "x1"), "pow", qual, scope)
        elif op in _NORM:
            order = arg_value(node, "ord")
            if (
                order is None
                or number(order) == 2
                or (isinstance(order, cst.SimpleString) and order.evaluated_value in ("euclidean", "fro"))
            ):
                an.root(node, _first(node, "tensor", "x"), "norm", qual, scope)
        elif op in _EXP:
            an.exp(node, op, qual, scope)
        elif op == "multiply":
            args = [a.value for a in node.args if a.keyword is None and not a.star]
            if len(args) == 2:
                self.extras.product(node, args[0], args[1], scope, self.stmt)


@check(KNL101, KNL102, KNL103, KNL104, KNL105, KNL106)
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
        extras = _Extras(an)
        an.extras = extras
        walker = _Walker(an, extras, nodes - {target.node})
        if isinstance(target.node, cst.Lambda):
            walker.stmt = target.node.body
        walk(target.node.body, walker)  # the facts' fast walk: visit_/leave_ methods as CSTVisitor calls them
        extras.finish()
