"""The risky ops of one loss, metric or layer function, and what their operands can be.

``risky_ops(facts)`` classifies every op that can make inf/NaN (a division, a log, a root, an exp) in one small
walk per loss/metric/layer function (semantics/losses.py) and returns ``RiskyOp`` records: the op, its operand
and the value facts the rules judge it by, and its guards (a where that hides it, a hand-written crossentropy
around a log). The KNL1xx rules (checks/numerics.py) are small functions over those records.

Three answers for "can this value be 0?": positive (guarded: an epsilon added, a positive clip or maximum, a
size), zero (with the reason why: a raw prediction, a count over the batch, a difference...), or unknown. The
rules report only "zero"; unknowns keep them silent. Besides: is a value bounded above (for exp), does an
expression use a given name (through local assignments), which values a where-condition tests.
Names are followed through the facts' single-scope assignments; nothing here walks the module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

import libcst as cst

from kerasnanlint.semantics.losses import LossFunction, loss_functions
from kerasnanlint.semantics.module import ModuleFacts, Scope, walk
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
# Every op a RiskyOp record can name: the functions above, and the operators ``/``, ``/=`` and ``** k`` (0 < k < 1).
RISKY_OPS = frozenset({"/", "/=", "**", "reciprocal", "log1p", *DIVIDE, *LOG, *SQRT, *POW, *NORM, *EXP})
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
    """The first argument, or the one given by one of ``keywords``."""
    return nth_arg(call, 0, *keywords)


def squash(text: str, limit: int = 48) -> str:
    """Source text on one line, cut to ``limit`` characters (for messages)."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def norm_code(text: str) -> str:
    """Source text without whitespace: two spellings of one expression compare equal."""
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
        """Guarded: cannot be 0."""
        return self.kind == "positive"

    @property
    def zero(self) -> bool:
        """Can be 0 (``why`` says how)."""
        return self.kind == "zero"

    @property
    def unknown(self) -> bool:
        """Nothing known: the rules stay silent."""
        return self.kind == "unknown"


POS, UNKNOWN = Value("positive"), Value("unknown")


def can_be_zero(why: str, signed: bool = False) -> Value:
    """A value that can be 0, for the reason ``why``."""
    return Value("zero", why, signed)


def join(values: list[Value]) -> Value:
    """What a value assigned in several places can be: positive or zero only when every assignment agrees."""
    if values and all(v.positive for v in values):
        return POS
    if values and all(v.zero for v in values):
        return replace(values[0], signed=any(v.signed for v in values))
    return UNKNOWN


def article(op: str) -> str:
    """``an op`` or ``a op``."""
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
        """The canonical callee of ``call`` (through the file's imports)."""
        return self.facts.imports.resolve(call.func)

    def defining(self, name: str, scope: Scope) -> Scope | None:
        """The scope (``scope`` or one around it) that binds ``name``."""
        s: Scope | None = scope
        while s is not None and not (name in s.params or name in s.assignments or name in s.rebound):
            s = s.parent
        return s

    def assigned_values(self, name: str, scope: Scope) -> tuple[Scope | None, list[cst.BaseExpression]]:
        """The scope binding ``name`` and every value assigned to it there (tuple unpacking included)."""
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
        """Can ``expr`` be 0? Names are followed through their assignments ``depth`` levels deep."""
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
        """``left op right`` (also the functional spellings: ``ops.add(a, b)``)."""
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
        """The value of a name: its assignments judged (memoised), or the parameter it is."""
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
        """A parameter: the labels and predictions can be 0; a positive default is trusted."""
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
        """``self.tp`` of a metric: 0 until an update counts something (counters of samples excepted)."""
        state = self.target.state
        if state and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            attr = expr.attr.value
            if attr in state and not COUNT_STATE.search(attr):
                return can_be_zero(f"the metric variable `self.{attr}`, 0 until an update counts something")
        return UNKNOWN

    def call_value(self, call: cst.Call, scope: Scope, depth: int) -> Value:
        """The value of a call by its op: sizes and epsilons are positive, reductions of zeros can be 0..."""
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
        """A sum/mean/norm of ``inner``: 0 when its terms can be."""
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
        """Is ``expr`` bounded above (a clip, a tanh, a constant, ``x - max(x)``): exp of it cannot overflow."""
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
            operator, left, right = expr.operator, expr.left, expr.right
            ln, rn = number(left), number(right)
            if isinstance(operator, cst.Multiply):
                if (self.nonpos(left, scope, depth) and self.nonneg(right, scope, depth)) or (
                    self.nonpos(right, scope, depth) and self.nonneg(left, scope, depth)
                ):
                    return True
                return (ln is not None and ln >= 0 and self.bounded(right, scope, depth)) or (
                    rn is not None and rn >= 0 and self.bounded(left, scope, depth)
                )
            if isinstance(operator, cst.Divide):
                if rn is not None and rn > 0:
                    return self.bounded(left, scope, depth)
                return self.nonpos(left, scope, depth) and self.nonneg(right, scope, depth)
            if isinstance(operator, cst.Subtract):
                if self._max_like(right):
                    return True
                return self.bounded(left, scope, depth) and self.nonneg(right, scope, depth)
            if isinstance(operator, cst.Add):
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
        """Is ``expr`` known to be >= 0?"""
        if expr is None or depth < 0:
            return False
        n = number(expr)
        if n is not None:
            return n >= 0
        if isinstance(expr, cst.Name):
            return self._bounded_name(expr.value, scope, depth, self.nonneg)
        if isinstance(expr, cst.BinaryOperation):
            operator, left, right = expr.operator, expr.left, expr.right
            if isinstance(operator, cst.Power):
                k = number(right)
                return k is not None and float(k).is_integer() and int(k) % 2 == 0
            if isinstance(operator, cst.Add | cst.Multiply | cst.Divide):
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
        """Is ``expr`` known to be <= 0?"""
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


# -------------------------------------------------------------------------------------------- risky ops


@dataclass(eq=False)
class WhereGuard:
    """A where that hides a risky op in its forward pass: ``tf.where(d > 0, n / d, 0.0)``."""

    call: cst.Call
    qual: str  # the where's callee: its API decides whether the gradient behind it is NaN
    tested: bool  # the condition tests a value the op uses; False: an opaque condition, trusted as a guard

    @property
    def condition(self) -> cst.BaseExpression | None:
        """The where's condition."""
        return nth_arg(self.call, 0, "condition")


@dataclass(eq=False)
class CrossEntropy:
    """A hand-written crossentropy: the labels times the log of the predictions, in one statement."""

    node: cst.CSTNode  # the statement's expression: where it is reported
    pred: str  # the first log's operand, as written
    judge: Operands
    terms: list[tuple[cst.BaseExpression, cst.BaseExpression, Scope]] = field(default_factory=list)  # (label, log x)

    @cached_property
    def _judged(self) -> tuple[bool, bool, bool]:
        """(binary, logits, unguarded) over every ``label * log(x)`` term of the statement."""
        binary = logits = unguarded = False
        for factor, operand, scope in self.terms:
            judged = self.judge.value(operand, scope)
            saturates = False
            for sub in self.judge.expanded(operand, scope):
                if isinstance(sub, cst.Call):
                    op = op_name(self.judge.qual(sub))
                    if op in ("sigmoid", "softmax"):
                        logits = saturates = True
                        binary |= op == "sigmoid"
                elif isinstance(sub, cst.BinaryOperation) and isinstance(sub.operator, cst.Subtract):
                    binary = True
            if isinstance(factor, cst.BinaryOperation) and isinstance(factor.operator, cst.Subtract):
                binary = True
            # a raw prediction, or a sigmoid/softmax computed here, unguarded (softplus & co: not flagged)
            if judged.zero or (saturates and not judged.positive):
                unguarded = True
        return binary, logits, unguarded

    @property
    def binary(self) -> bool:
        """A binary crossentropy: a ``1 - p`` term, or the log of a sigmoid."""
        return self._judged[0]

    @property
    def logits(self) -> bool:
        """The log is of a sigmoid/softmax computed here: the built-in loss can take the logits."""
        return self._judged[1]

    @property
    def unguarded(self) -> bool:
        """Some log can reach 0: a raw prediction, or a sigmoid/softmax that saturates, with no guard."""
        return self._judged[2]


@dataclass(eq=False)
class RiskyOp:
    """One op that can make inf/NaN in one loss/metric/layer function, with the facts the rules judge it by.

    Value facts (``value``, ``uses_prediction``, ``uses_data``, ``bounded``) are judged on first use, once.
    """

    node: cst.CSTNode  # where a finding is reported: the call, the ``/`` or ``**``, the ``/=`` statement
    op: str  # the op's name (``log1p``, ``reciprocal``, ``truediv``...) or operator (``/``, ``/=``, ``**``)
    operand: cst.BaseExpression  # the value that must not be 0 (a denominator) or must be bounded (for exp)
    scope: Scope
    judge: Operands  # the judge of the function's values, with its target (the function)
    qual: str | None = None  # the canonical callee; None for an operator
    numerator: cst.BaseExpression | None = None  # divisions by a function other than reciprocal
    where: WhereGuard | None = None  # the where that hides the op in its forward pass
    crossentropy: CrossEntropy | None = None  # a log inside a hand-written crossentropy (seen before the log)

    @property
    def target(self) -> LossFunction:
        """The loss, metric or layer function the op is in."""
        return self.judge.target

    @property
    def guarded_by_where(self) -> bool:
        """A where hides it in the forward pass (its gradient may still be NaN)."""
        return self.where is not None

    @property
    def in_crossentropy(self) -> bool:
        """A log the hand-written crossentropy around it stands for."""
        return self.crossentropy is not None

    @cached_property
    def value(self) -> Value:
        """Can the operand be 0?"""
        return self.judge.value(self.operand, self.scope)

    @cached_property
    def uses_prediction(self) -> bool:
        """Does the operand depend on the prediction (True for a function without one)? A gradient reaches
        the weights only through it: the labels have none."""
        pred = self.target.prediction
        return pred is None or self.judge.mentions(self.operand, frozenset({pred}), self.scope)

    @cached_property
    def uses_data(self) -> bool:
        """Does the operand depend on the function's inputs (not only on weights or constants)?"""
        return self.judge.mentions(self.operand, frozenset(self.target.data), self.scope)

    @cached_property
    def bounded(self) -> bool:
        """Is the operand bounded above (a clip, a tanh, ``x - max(x)``)?"""
        return self.judge.bounded(self.operand, self.scope)


@dataclass(eq=False)
class FunctionOps:
    """The risky ops of one loss/metric/layer function, in source order, and its hand-written crossentropies."""

    target: LossFunction
    ops: list[RiskyOp]
    crossentropies: list[CrossEntropy]


def risky_ops(facts: ModuleFacts, unary: frozenset[str] = frozenset()) -> list[FunctionOps]:
    """The risky ops of every loss, metric and layer function of the file: one walk per such function, done
    once per file however many rules read them. ``unary``: more op names to record with their first argument as
    the operand (the rules' own ops, such as ``arccos``: a new rule adds its ops to its table, not here)."""
    key = "risky_ops:" + ",".join(sorted(unary))
    found: list[FunctionOps] = facts.derive(key, lambda f: _classify_file(f, unary))
    return found


def _classify_file(facts: ModuleFacts, unary: frozenset[str]) -> list[FunctionOps]:
    targets = loss_functions(facts)
    if not targets:
        return []
    scopes: dict[cst.CSTNode, Scope] = {s.node: s for s in facts.scopes}
    nodes: set[cst.CSTNode] = {t.node for t in targets}
    text = facts.module.code_for_node
    return [classify(Operands(facts, t, text), scopes, nodes - {t.node}, unary) for t in targets]


def classify(
    judge: Operands, scopes: dict[cst.CSTNode, Scope], skip: set[cst.CSTNode], unary: frozenset[str] = frozenset()
) -> FunctionOps:
    """The risky ops of ``judge.target`` (the functions in ``skip``, targets themselves, are left out)."""
    target = judge.target
    walker = _Classifier(judge, scopes, skip, unary)
    if isinstance(target.node, cst.Lambda):
        walker.stmt = target.node.body
    walk(target.node.body, walker)  # the facts' fast walk: visit_/leave_ methods as CSTVisitor calls them
    return FunctionOps(target, walker.ops, list(walker.crossentropy.values()))


class _Classifier(cst.CSTVisitor):
    """Walks one loss/metric/layer function and records its risky ops, their guards and its crossentropies."""

    def __init__(
        self, judge: Operands, scopes: dict[cst.CSTNode, Scope], skip: set[cst.CSTNode], unary: frozenset[str]
    ) -> None:
        self.judge, self.scopes, self.skip, self.unary = judge, scopes, skip, unary
        self.stack: list[Scope] = [judge.target.scope]
        self.stmt: cst.CSTNode | None = None  # the statement's expression: where a crossentropy is reported
        self.ops: list[RiskyOp] = []
        self.hidden: set[cst.CSTNode] = set()  # ops recorded with the where that hides them
        self.crossentropy: dict[cst.CSTNode, CrossEntropy] = {}
        self.ce_logs: dict[cst.CSTNode, CrossEntropy] = {}  # log call -> the crossentropy it is part of

    def record(
        self,
        node: cst.CSTNode,
        op: str,
        operand: cst.BaseExpression | None,
        qual: str | None = None,
        numerator: cst.BaseExpression | None = None,
    ) -> None:
        """Record an op the walk reached (not one a where hides: that one was recorded with the where)."""
        if operand is None or node in self.hidden:
            return
        # Only a product walked before the log (one around it) claims it for its crossentropy: a log assigned to
        # a name first (``l = log(p); y * l``) is an unguarded log of its own as well.
        ce = self.ce_logs.get(node)
        self.ops.append(RiskyOp(node, op, operand, self.stack[-1], self.judge, qual, numerator, crossentropy=ce))

    # --- scopes and statements ------------------------------------------------------------------------

    def _enter(self, node: cst.FunctionDef | cst.Lambda) -> bool:
        if node in self.skip:
            return False
        scope = self.scopes.get(node)
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

    def visit_Return(self, node: cst.Return) -> None:
        self.stmt = node.value

    def visit_Assign(self, node: cst.Assign) -> None:
        self.stmt = node.value
        scope = self.stack[-1]
        for t in node.targets:
            if isinstance(t.target, cst.Tuple | cst.List):  # z_mean, z_log_var = inputs
                for el in t.target.elements:
                    if isinstance(el.value, cst.Name):
                        self.judge.derived.setdefault((id(scope), el.value.value), []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.stmt = node.value

    def visit_Expr(self, node: cst.Expr) -> None:
        self.stmt = node.value

    # --- the ops --------------------------------------------------------------------------------------

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.stmt = node.value
        if isinstance(node.operator, cst.DivideAssign):
            self.record(node, "/=", node.value, numerator=node.target)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        op = node.operator
        if isinstance(op, cst.Divide):
            self.record(node, "/", node.right, numerator=node.left)
        elif isinstance(op, cst.Power):
            if _root_power(node.right):
                self.record(node, "**", node.left)
        elif isinstance(op, cst.Multiply):
            self.product(node, node.left, node.right)

    def visit_Call(self, node: cst.Call) -> None:
        qual = self.judge.qual(node)
        op = op_name(qual)
        if op is None or qual is None:
            return
        if op in WHERE:
            self.where(node, qual)
        elif op in LOG or op == "log1p" or op in EXP:
            self.record(node, op, first_arg(node, "x", "input"), qual)
        elif op in DIVIDE:
            self.record(node, op, nth_arg(node, 1, "y", "x2"), qual, nth_arg(node, 0, "x", "x1"))
        elif op == "reciprocal" or op in SQRT:
            self.record(node, op, first_arg(node, "x"), qual)
        elif op in POW:
            if _root_power(nth_arg(node, 1, "y", "x2")):
                self.record(node, op, first_arg(node, "x", "x1"), qual)
        elif op in NORM:
            if _euclidean(node):
                self.record(node, op, first_arg(node, "tensor", "x"), qual)
        elif op == "multiply":
            args = [a.value for a in node.args if a.keyword is None and not a.star]
            if len(args) == 2:
                self.product(node, args[0], args[1])
        elif op in self.unary:
            self.record(node, op, first_arg(node, "x", "input"), qual)

    # --- where ----------------------------------------------------------------------------------------

    def where(self, call: cst.Call, qual: str) -> None:
        """A where is the forward guard of the risky ops in its branches that use the value it tests: they are
        recorded with it (the outermost such where), not judged on their own."""
        if qual.startswith("numpy."):
            return
        judge, scope = self.judge, self.stack[-1]
        tested = judge.tested(nth_arg(call, 0, "condition"), scope)
        guard = WhereGuard(call, qual, bool(tested))
        for branch in (nth_arg(call, 1, "x", "x1", "then_expression"), nth_arg(call, 2, "y", "x2", "else_expression")):
            if branch is None:
                continue
            for node, op, operand, op_qual in self.hideable(branch):
                if operand is None or node in self.hidden:
                    continue
                if tested and not judge.related(operand, tested, scope):
                    continue  # the condition tests something else: the op is judged on its own
                self.hidden.add(node)
                self.ops.append(RiskyOp(node, op, operand, scope, judge, op_qual, where=guard))

    def hideable(
        self, expr: cst.BaseExpression
    ) -> Iterator[tuple[cst.CSTNode, str, cst.BaseExpression | None, str | None]]:
        """(node, op, operand, callee) of the ops in ``expr`` whose gradient is NaN behind a where."""
        for node in subexpressions(expr):
            if isinstance(node, cst.BinaryOperation):
                if isinstance(node.operator, cst.Divide):
                    yield node, "/", node.right, None
                elif isinstance(node.operator, cst.Power) and _root_power(node.right):
                    yield node, "**", node.left, None
            elif isinstance(node, cst.Call):
                qual = self.judge.qual(node)
                op = op_name(qual)
                if op is None or (qual or "").startswith("numpy."):
                    continue
                if op in LOG or op == "log1p":
                    yield node, op, first_arg(node, "x"), qual
                elif op in DIVIDE:
                    yield node, op, nth_arg(node, 1, "y", "x2"), qual
                elif op in POW:
                    if _root_power(nth_arg(node, 1, "y", "x2")):
                        yield node, op, first_arg(node, "x", "x1"), qual
                elif op in NORM:
                    yield node, op, first_arg(node, "tensor", "x"), qual
                elif op in SQRT or op == "reciprocal":
                    yield node, op, first_arg(node, "x"), qual  # TF's kernels give 0 here; JAX/torch give NaN

    # --- hand-written crossentropy --------------------------------------------------------------------

    def product(self, node: cst.CSTNode, a: cst.BaseExpression, b: cst.BaseExpression) -> None:
        """``label * log(pred)`` (either way round): a term of a hand-written crossentropy."""
        label, pred = self.judge.target.label, self.judge.target.prediction
        if label is None or pred is None:
            return  # a layer, or a function without (y_true, y_pred)
        scope = self.stack[-1]
        for factor, other in ((a, b), (b, a)):
            logs = self.log_calls(other, scope)
            if not logs or not self.mentions(factor, label, scope):
                continue
            for call in logs:
                operand = first_arg(call, "x")
                if operand is None or not self.mentions(operand, pred, scope):
                    continue
                if self.mentions(operand, label, scope):
                    continue  # log(y_true / y_pred): a KL divergence, not a crossentropy
                where = self.stmt if self.stmt is not None else node
                ce = self.crossentropy.get(where)
                if ce is None:
                    ce = self.crossentropy[where] = CrossEntropy(
                        where, squash(self.judge.text(operand), 32), self.judge
                    )
                ce.terms.append((factor, operand, scope))
                self.ce_logs.setdefault(call, ce)
            return

    def mentions(self, expr: cst.BaseExpression | None, name: str, scope: Scope) -> bool:
        """Does ``expr`` use ``name`` (through local assignments)?"""
        return self.judge.mentions(expr, frozenset({name}), scope)

    def log_calls(self, expr: cst.BaseExpression, scope: Scope, depth: int = 2) -> list[cst.Call]:
        """The log calls ``expr`` is (through a minus, a cast, a local name assigned once)."""
        while True:
            if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
                expr = expr.expression
            elif isinstance(expr, cst.Call) and op_name(self.judge.qual(expr)) in PASS:
                inner = first_arg(expr, "x")
                if inner is None:
                    return []
                expr = inner
            else:
                break
        if isinstance(expr, cst.Name) and depth > 0:
            value = scope.single_assignment(expr.value)
            return self.log_calls(value, scope, depth - 1) if value is not None else []
        if isinstance(expr, cst.Call) and op_name(self.judge.qual(expr)) in LOG:
            return [expr]
        return []


def _root_power(exponent: cst.BaseExpression | None) -> bool:
    """``x ** k`` with 0 < k < 1: a root, infinite gradient at 0."""
    k = number(exponent)
    return k is not None and 0 < k < 1


def _euclidean(call: cst.Call) -> bool:
    """A norm of the default order, 2 or "euclidean"/"fro": sqrt of a sum of squares."""
    order = arg_value(call, "ord")
    return (
        order is None
        or number(order) == 2
        or (isinstance(order, cst.SimpleString) and order.evaluated_value in ("euclidean", "fro"))
    )
