"""What the operands of a risky op can be, inside one loss, metric or layer function.

Three answers for "can this value be 0?": positive (guarded: an epsilon added, a positive clip or maximum, a
size), zero (with the reason why: a raw prediction, a count over the batch, a difference...), or unknown. The
rules report only "zero"; unknowns keep them silent. Besides: is a value bounded above (for exp), does an
expression use a given name (through local assignments), which values a where-condition tests.
Names are followed through the facts' single-scope assignments; nothing here walks the module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import libcst as cst

from kerasnanlint.semantics.losses import LossFunction
from kerasnanlint.semantics.module import ModuleFacts, Scope
from kerasnanlint.semantics.values import arg_value, number

# ------------------------------------------------------------------------------------------ op vocabulary

ROOTS = ("tensorflow", "keras", "numpy")
DIVIDE = {"divide", "true_divide", "truediv", "realdiv", "div"}
LOG = {"log", "log2", "log10"}
SQRT = {"sqrt", "rsqrt"}
POW = {"pow", "power"}
NORM = {"norm", "euclidean_norm", "reduce_euclidean_norm"}
EXP = {"exp", "expm1"}
WHERE = {"where", "where_v2", "switch"}
REDUCE = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "sum", "mean", "max", "min"}
REDUCE |= {"prod", "average", "nansum", "nanmean", "cumsum"}
SPREAD = {"std", "reduce_std", "var", "reduce_variance", "variance"}  # 0 when every value is equal
INDICATOR = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and"}
INDICATOR |= {"logical_or", "logical_not", "logical_xor", "one_hot", "isclose", "in_top_k"}
PASS = {"cast", "convert_to_tensor", "identity", "stop_gradient", "reshape", "squeeze", "expand_dims"}
PASS |= {"transpose", "flatten", "gather", "gather_nd", "round", "rint", "floor", "ceil", "to_float", "boolean_mask"}
PASS |= {"batch_flatten", "asarray", "array", "take", "take_along_axis", "concat", "concatenate", "stack"}
NONNEG = {"abs", "square", "sqrt", "relu", "relu6", "softplus", "exp", "norm", "sigmoid", "softmax", "arange"}
BOUNDED = {"tanh", "sigmoid", "softmax", "sin", "cos", "softsign", "erf", "log_sigmoid", "log_softmax", "hard_sigmoid"}
MAX_LIKE = {"reduce_max", "max", "amax", "logsumexp", "reduce_logsumexp"}
COMPARE_OPS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal"}
# A single zero-initialised metric variable that counts samples or batches is > 0 once update_state ran.
COUNT_STATE = re.compile(r"count|total|num|samples|steps|batches|seen|^n$|^n_", re.I)
# Functional spellings of the arithmetic operators: ops.multiply(a, b) is judged like a * b.
BINOPS: dict[str, cst.BaseBinaryOp] = {
    "add": cst.Add(),
    "subtract": cst.Subtract(),
    "multiply": cst.Multiply(),
    "divide": cst.Divide(),
    "true_divide": cst.Divide(),
    "truediv": cst.Divide(),
    "pow": cst.Power(),
    "power": cst.Power(),
}


def op_name(qual: str | None) -> str | None:
    """The op name of a canonical callee rooted at tensorflow/keras/numpy: ``tensorflow.math.log`` -> ``log``."""
    if qual is None or qual.split(".", 1)[0] not in ROOTS:
        return None
    if qual.startswith(("keras.losses.", "keras.metrics.", "keras.layers.")):
        return None
    return qual.rsplit(".", 1)[-1]


def nth_arg(call: cst.Call, position: int, *keywords: str) -> cst.BaseExpression | None:
    """The argument given by one of ``keywords`` (the spellings of tf, keras.ops, K, np), else at ``position``."""
    for kw in keywords:
        found = arg_value(call, kw)
        if found is not None:
            return found
    return arg_value(call, None, position)


def first_arg(call: cst.Call, *keywords: str) -> cst.BaseExpression | None:
    return nth_arg(call, 0, *keywords)


def squash(text: str, limit: int = 48) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def norm_code(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------------------------------------ values


@dataclass(frozen=True)
class Value:
    """What a value can be: ``kind`` is "positive" (guarded), "zero" (can be 0, ``why``) or "unknown"."""

    kind: str
    why: str = ""
    signed: bool = False  # may also be negative (raw predictions, differences): log1p can reach -1

    @property
    def positive(self) -> bool:
        return self.kind == "positive"

    @property
    def zero(self) -> bool:
        return self.kind == "zero"

    @property
    def unknown(self) -> bool:
        return self.kind == "unknown"


POS, UNKNOWN = Value("positive"), Value("unknown")


def can_be_zero(why: str, signed: bool = False) -> Value:
    return Value("zero", why, signed)


def join(values: list[Value]) -> Value:
    if values and all(v.positive for v in values):
        return POS
    if values and all(v.zero for v in values):
        return replace(values[0], signed=any(v.signed for v in values))
    return UNKNOWN


def article(op: str) -> str:
    return f"an {op}" if op[:1] in "aeiou" else f"a {op}"


def subexpressions(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Every expression inside ``node`` (itself included), without attribute names or keyword names."""
    if isinstance(node, cst.BaseExpression):
        yield node
    if isinstance(node, cst.Lambda | cst.FunctionDef):
        return
    if isinstance(node, cst.Attribute):
        if node.attr.value not in ("dtype", "shape"):  # x.dtype does not carry x's values
            yield from subexpressions(node.value)
        return
    if isinstance(node, cst.Arg):
        yield from subexpressions(node.value)
        return
    for child in node.children:
        yield from subexpressions(child)


class Operands:
    """Judges the values inside one loss/metric/layer function (memoised per function)."""

    def __init__(self, facts: ModuleFacts, target: LossFunction, text: Callable[[cst.CSTNode], str]) -> None:
        self.facts = facts
        self.target = target
        self.text = text  # source text of a node
        self.memo: dict[tuple[tuple[int, str], int], Value] = {}
        self.visiting: set[tuple[int, str]] = set()
        self.derived: dict[tuple[int, str], list[cst.BaseExpression]] = {}  # a, b = value: both come from value
        self.mention_memo: dict[tuple[int, str, frozenset[str]], bool] = {}

    def qual(self, call: cst.Call) -> str | None:
        return self.facts.imports.resolve(call.func)

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
        for node in subexpressions(expr):
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

    def expanded(self, expr: cst.BaseExpression, scope: Scope, depth: int = 2) -> Iterator[cst.BaseExpression]:
        """Sub-expressions of ``expr``, looking through local names assigned once (``p = tf.sigmoid(z)``)."""
        for node in subexpressions(expr):
            yield node
            if isinstance(node, cst.Name) and depth > 0 and node.value not in scope.params:
                value = scope.single_assignment(node.value)
                if value is not None:
                    yield from self.expanded(value, scope, depth - 1)

    def value(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 4) -> Value:
        if expr is None or depth < 0:
            return UNKNOWN
        n = number(expr)
        if n is not None:
            return POS if n > 0 else (can_be_zero("the literal 0") if n == 0 else UNKNOWN)
        if isinstance(expr, cst.Name):
            return self.name_value(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute):
            return self.attribute_value(expr)
        if isinstance(expr, cst.Subscript):
            if self.is_shape(expr.value):
                return POS
            return self.value(expr.value, scope, depth)
        if isinstance(expr, cst.Comparison):
            return can_be_zero("a 0/1 indicator")
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
            return join([self.value(expr.body, scope, depth), self.value(expr.orelse, scope, depth)])
        return UNKNOWN

    def binary_value(
        self, op: cst.BaseBinaryOp, left: cst.BaseExpression, right: cst.BaseExpression, scope: Scope, depth: int
    ) -> Value:
        if isinstance(op, cst.Power):
            k = number(right)
            base = self.value(left, scope, depth)
            if k is None or base.unknown:
                return UNKNOWN
            even = float(k).is_integer() and int(k) % 2 == 0
            return base if base.positive else replace(base, signed=base.signed and not even)
        lv, rv = self.value(left, scope, depth), self.value(right, scope, depth)
        if isinstance(op, cst.Add):
            if lv.positive or rv.positive:
                return POS  # an epsilon (or any positive term) added: the classic guard
            if lv.zero and rv.zero:
                return can_be_zero(
                    f"0 when `{squash(self.text(left), 24)}` and `{squash(self.text(right), 24)}` are both 0",
                    lv.signed or rv.signed,
                )
            return UNKNOWN
        if isinstance(op, cst.Subtract):
            rn, ln = number(right), number(left)
            if rn is not None and rn < 0:
                return POS if not lv.unknown else UNKNOWN
            if ln is not None and self.below(right, ln, scope, depth):
                return POS  # 1 - y_pred after y_pred = clip(y_pred, eps, 1 - eps)
            if lv.zero or rv.zero:  # n - 1 of two sizes or constants: unknown, not flagged
                return can_be_zero("a difference, 0 when both sides are equal", True)
            return UNKNOWN
        if isinstance(op, cst.Multiply | cst.MatrixMultiply):
            if lv.zero or rv.zero:
                z = lv if lv.zero else rv
                return replace(z, signed=lv.signed or rv.signed)
            return POS if lv.positive and rv.positive else UNKNOWN
        if isinstance(op, cst.Divide):
            if lv.zero:
                return lv
            return POS if lv.positive and rv.positive else UNKNOWN
        return UNKNOWN

    def name_value(self, name: str, scope: Scope, depth: int) -> Value:
        s = self.defining(name, scope)
        if s is None:
            return UNKNOWN
        if name in s.rebound:  # also unpacked or rebound in a loop: trust a guard written anywhere
            values = s.assignments.get(name, [])
            return POS if any(self.value(v, s, depth - 1).positive for v in values) else UNKNOWN
        key = (id(s), name)
        if (key, depth) in self.memo:
            return self.memo[(key, depth)]
        values = s.assignments.get(name, [])
        if values and key not in self.visiting and depth > 0:
            self.visiting.add(key)
            try:
                judged = [self.value(v, s, depth - 1) for v in values]
                # x = ...; x = clip(x, eps, 1): assigned again, a guard in any assignment is trusted
                result = POS if len(judged) > 1 and any(v.positive for v in judged) else join(judged)
            finally:
                self.visiting.discard(key)
        elif name in s.params:  # y_pred = tf.cast(y_pred, ...) reads the raw argument on the right
            result = self.param_value(name, s)
        else:
            return UNKNOWN
        self.memo[(key, depth)] = result  # the depth left is part of the key: a shallower look may know less
        return result

    def param_value(self, name: str, scope: Scope) -> Value:
        t = self.target
        if scope is t.scope and name in t.data:
            if name == t.label:
                return can_be_zero(f"the labels `{name}`, often exactly 0", True)
            if name == t.prediction:
                return can_be_zero(f"the prediction `{name}`: 0 after a relu or a saturated sigmoid/softmax", True)
            return can_be_zero(f"the raw argument `{name}`", True)
        node = scope.node
        if isinstance(node, cst.FunctionDef):
            for p in (*node.params.params, *node.params.kwonly_params):
                if p.name.value == name and p.default is not None:
                    d = number(p.default)
                    if d is not None and d > 0:
                        return POS
        return UNKNOWN

    def attribute_value(self, expr: cst.Attribute) -> Value:
        state = self.target.state
        if state and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            attr = expr.attr.value
            if attr in state and not COUNT_STATE.search(attr):
                return can_be_zero(f"the metric variable `self.{attr}`, 0 until an update counts something")
        return UNKNOWN

    def call_value(self, call: cst.Call, scope: Scope, depth: int) -> Value:
        func = call.func
        qual = self.qual(call)
        op = op_name(qual)
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
        x = first_arg(call, "x", "input", "input_tensor", "a", "tensor", "value", "features")
        if op == "epsilon" or op in ("size", "ones", "ones_like"):
            return POS
        if op in ("zeros", "zeros_like"):
            return can_be_zero("zeros")
        if op in PASS:
            return self.value(x, scope, depth)
        if op in ("abs", "square", "sqrt"):
            v = self.value(x, scope, depth)
            return replace(v, signed=False) if v.zero else v
        if op in REDUCE or op in NORM:
            return self.reduction(op, self.value(x, scope, depth))
        if op in SPREAD:
            return (
                can_be_zero(f"{article(op)}, 0 when all values are equal")
                if self.value(x, scope, depth).zero
                else UNKNOWN
            )
        if op == "count_nonzero":
            return can_be_zero("a count, 0 when nothing is counted")
        if op in INDICATOR:
            return can_be_zero("a 0/1 indicator")
        if op in ("relu", "relu6"):
            return can_be_zero("a relu output, 0 for every negative input")
        args = [a.value for a in call.args if a.keyword is None and not a.star][:2]
        if op in WHERE:  # the double where: where(x > 0, x, 1.0) is safe
            then, other = nth_arg(call, 1, "x", "x1", "then_expression"), nth_arg(call, 2, "y", "x2", "else_expression")
            if then is None or other is None:
                return UNKNOWN
            vs = [self.value(then, scope, depth), self.value(other, scope, depth)]
            if all(v.positive for v in vs):
                return POS
            tested = self.tested(nth_arg(call, 0, "condition"), scope)
            for branch, v in ((then, vs[1]), (other, vs[0])):
                if v.positive and norm_code(self.text(branch)) in tested:
                    return POS
            return UNKNOWN
        if op == "maximum":
            vs = [self.value(a, scope, depth) for a in args]
            if any(v.positive for v in vs):
                return POS
            if len(vs) != 2 or not all(v.zero for v in vs):
                return UNKNOWN
            return replace(vs[0], signed=all(v.signed for v in vs))  # maximum(x, 0.0) is >= 0
        if op == "minimum":
            vs = [self.value(a, scope, depth) for a in args]
            zeros = [v for v in vs if v.zero]
            return zeros[0] if zeros else join(vs)
        if op in ("clip", "clip_by_value"):
            low = nth_arg(call, 1, "clip_value_min", "x_min", "min_value", "a_min")
            lv = self.value(low, scope, depth)
            if lv.positive:
                return POS
            n = number(low)
            if lv.zero or (n is not None and n < 0):
                return self.value(x, scope, depth)
            return UNKNOWN
        if len(args) == 2:
            binop = BINOPS.get(op) or (cst.Divide() if op in DIVIDE else None)
            if binop is not None:
                return self.binary_value(binop, args[0], args[1], scope, depth)
        return UNKNOWN

    @staticmethod
    def reduction(op: str, inner: Value) -> Value:
        if inner.positive:
            return POS
        if inner.zero:
            why = f"{article(op)} of {inner.why}" if " of " not in inner.why else f"{article(op)} that can be 0"
            return can_be_zero(why, inner.signed)
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
        op = op_name(self.qual(expr))
        if op in ("clip", "clip_by_value"):
            return self._less_than(nth_arg(expr, 2, "clip_value_max", "x_max", "max_value", "a_max"), c, scope, depth)
        if op == "minimum":
            return any(self._less_than(a.value, c, scope, depth) for a in expr.args if a.keyword is None)
        if op in PASS:
            return self.below(first_arg(expr, "x"), c, scope, depth)
        return False

    def _less_than(self, high: cst.BaseExpression | None, c: float, scope: Scope, depth: int) -> bool:
        n = number(high)
        if n is not None:
            return n < c
        if isinstance(high, cst.BinaryOperation) and isinstance(high.operator, cst.Subtract):
            left = number(high.left)
            return left is not None and left <= c and self.value(high.right, scope, depth).positive
        return False

    def bounded(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 3) -> bool:
        if expr is None or depth < 0 or number(expr) is not None:
            return True
        if isinstance(expr, cst.Name):
            return self._bounded_name(expr.value, scope, depth, self.bounded)
        if isinstance(expr, cst.Attribute):
            return self.facts.resolve(expr) is not None  # np.pi, math.e: an imported constant
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
            op = op_name(self.qual(expr))
            x = first_arg(expr, "x", "input", "t")
            if op in ("clip", "clip_by_value"):
                high = nth_arg(expr, 2, "clip_value_max", "x_max", "max_value", "a_max")
                return high is not None and not (isinstance(high, cst.Name) and high.value == "None")
            if op == "minimum":
                return any(self.bounded(a.value, scope, depth) for a in expr.args if a.keyword is None)
            if op in BOUNDED or op in LOG or op == "log1p":
                return True
            if op in PASS or op in MAX_LIKE or op in ("reduce_mean", "mean", "reduce_min", "min"):
                return self.bounded(x, scope, depth)
            if op in ("negative",):
                return self.nonneg(x, scope, depth)
            binop = BINOPS.get(op or "")
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
            op = op_name(self.qual(expr))
            if op in NONNEG:
                return True
            if op in PASS or op in REDUCE:
                return self.nonneg(first_arg(expr, "x", "input", "input_tensor"), scope, depth)
        return False

    def nonpos(self, expr: cst.BaseExpression | None, scope: Scope, depth: int) -> bool:
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            return self.nonneg(expr.expression, scope, depth)
        if isinstance(expr, cst.Call) and op_name(self.qual(expr)) in PASS:
            return self.nonpos(first_arg(expr, "x"), scope, depth)
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
            op = op_name(self.qual(expr))
            if op in MAX_LIKE:
                return True
            if op not in ("stop_gradient", "cast", "expand_dims", "reshape"):
                return False
            expr = first_arg(expr, "x", "input")  # type: ignore[assignment]
        return False

    def tested(self, cond: cst.BaseExpression | None, scope: Scope, depth: int = 2) -> set[str]:
        """The values a where-condition tests: ``x`` in ``x > 0``, ``tf.not_equal(d, 0)``, ``mask = x > 0``.

        Empty when the condition is opaque (a parameter, a call we do not know): then the where is trusted.
        """
        if cond is None:
            return set()
        if isinstance(cond, cst.Name):
            _s, values = self.assigned_values(cond.value, scope)
            if not values or depth <= 0:
                return set()
            found = [self.tested(v, scope, depth - 1) for v in values]
            return {cond.value}.union(*found) if all(found) else set()
        items: list[cst.BaseExpression] = []
        if isinstance(cond, cst.Comparison):
            items = [cond.left, *(c.comparator for c in cond.comparisons)]
        elif isinstance(cond, cst.Call):
            op = op_name(self.qual(cond))
            args = [a.value for a in cond.args if a.keyword is None and not a.star]
            if op in COMPARE_OPS:
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
            out.add(norm_code(self.text(item)))
            if isinstance(item, cst.Call) and op_name(self.qual(item)) in ("abs", "cast", "square", "stop_gradient"):
                inner = first_arg(item, "x")
                if inner is not None:
                    out.add(norm_code(self.text(inner)))
        return out

    def related(self, expr: cst.BaseExpression, tested: set[str], scope: Scope, depth: int = 2) -> bool:
        """Does ``expr`` contain a tested value (``x`` of ``x > 0``), directly or through local assignments?"""
        code = self.text
        for node in subexpressions(expr):
            if isinstance(node, cst.Name | cst.Attribute | cst.Subscript | cst.Call | cst.BinaryOperation):
                if norm_code(code(node)) in tested:
                    return True
            if isinstance(node, cst.Name) and depth > 0:
                s, values = self.assigned_values(node.value, scope)
                if s is not None and any(self.related(v, tested, s, depth - 1) for v in values):
                    return True
        return False

    def is_shape(self, expr: cst.BaseExpression) -> bool:
        """``tf.shape(x)`` / ``ops.shape(x)`` / ``x.shape``: indexing it gives a size (> 0 for real batches)."""
        if isinstance(expr, cst.Attribute) and expr.attr.value == "shape":
            return True
        if isinstance(expr, cst.Call):
            return op_name(self.qual(expr)) in ("shape", "int_shape")
        return False
