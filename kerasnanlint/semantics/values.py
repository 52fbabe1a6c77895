"""Light constant and assignment tracking inside one scope: enough to follow ``lr = 1e-3; Adam(lr)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from kerasnanlint.semantics.module import Scope


_TOKENS: dict[tuple[type, str], object] = {}


def token_value(expr: cst.Integer | cst.Float | cst.SimpleString) -> object:
    """A literal token's value: LibCST's ``evaluated_value`` (an ``ast.literal_eval`` each time), remembered by
    token text, since a file repeats the same few numbers and names thousands of times."""
    key = (type(expr), expr.value)
    value = _TOKENS.get(key, _TOKENS)
    if value is _TOKENS:
        value = expr.evaluated_value
        if len(_TOKENS) > 50_000:
            _TOKENS.clear()
        _TOKENS[key] = value
    return value


def number(expr: cst.BaseExpression | None) -> float | None:
    """Value of a numeric literal expression (``1e-3``, ``-2``, ``10 ** -4``, ``1 / 255``), else None."""
    if expr is None:
        return None
    if isinstance(expr, cst.Integer | cst.Float):
        try:
            return float(token_value(expr))  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            return None
    if isinstance(expr, cst.UnaryOperation):
        inner = number(expr.expression)
        if inner is None:
            return None
        if isinstance(expr.operator, cst.Minus):
            return -inner
        if isinstance(expr.operator, cst.Plus):
            return inner
        return None
    if isinstance(expr, cst.BinaryOperation):
        left, right = number(expr.left), number(expr.right)
        if left is None or right is None:
            return None
        op = expr.operator
        try:
            if isinstance(op, cst.Power):
                return float(left**right)
            if isinstance(op, cst.Multiply):
                return left * right
            if isinstance(op, cst.Divide):
                return left / right
            if isinstance(op, cst.Add):
                return left + right
            if isinstance(op, cst.Subtract):
                return left - right
        except (ZeroDivisionError, OverflowError, TypeError):
            return None
    return None


def string(expr: cst.BaseExpression | None) -> str | None:
    """Value of a plain (non-f) string literal, else None."""
    if isinstance(expr, cst.SimpleString):
        value = token_value(expr)
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        joined = expr.evaluated_value
        return joined if isinstance(joined, str) else None
    return None


def boolean(expr: cst.BaseExpression | None) -> bool | None:
    """Value of a ``True``/``False`` literal, else None."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def follow(expr: cst.BaseExpression | None, scope: Scope | None, depth: int = 2) -> cst.BaseExpression | None:
    """Replace a local name by the expression it was assigned from, up to ``depth`` hops.

    Only names assigned exactly once in the scope (or an enclosing one) are followed: a name rebound in
    a loop or a branch is an unknown, and unknowns keep the rules silent.
    """
    while depth > 0 and isinstance(expr, cst.Name) and scope is not None:
        value = scope.single_assignment(expr.value)
        if value is None:
            return expr
        expr = value
        depth -= 1
    return expr


def arg(call: cst.Call, keyword: str | None = None, position: int | None = None) -> cst.Arg | None:
    """The argument bound to ``keyword`` or passed at ``position`` (0-based, positional args only)."""
    if keyword is not None:
        for a in call.args:
            if a.keyword is not None and a.keyword.value == keyword:
                return a
    if position is not None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if position < len(positional):
            return positional[position]
    return None


def arg_value(call: cst.Call, keyword: str | None = None, position: int | None = None) -> cst.BaseExpression | None:
    """The expression of the argument given by ``keyword``, else at ``position`` (None when absent)."""
    found = arg(call, keyword, position)
    return found.value if found is not None else None


def has_star_args(call: cst.Call) -> bool:
    """``f(*a)`` or ``f(**kw)``: the real arguments are unknown."""
    return any(a.star for a in call.args)


def is_docstring(statement: cst.BaseStatement) -> bool:
    """A statement that is a bare string literal (a docstring where it opens a body)."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )
