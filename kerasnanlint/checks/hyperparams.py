"""Hyperparameter-range rules (KNL4xx).

They read the hp declarations and where their values flow (semantics/tuners.py). Only literal ranges are
judged: a bound computed at run time keeps the rules silent.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from kerasnanlint.context import Context
from kerasnanlint.diagnostics import Applicability, Severity
from kerasnanlint.fixes import hyperparams as hyperparam_fixes
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe
from kerasnanlint.semantics.module import descendants
from kerasnanlint.semantics.tuners import (
    ABSENT,
    ADAPTIVE,
    SGD_FAMILY,
    UNKNOWN,
    HpDecl,
    dropout_layer,
    is_lr_argument,
    literal,
    named_like_lr,
    optimizer_of,
    tuner_facts,
)
from kerasnanlint.semantics.values import arg_value, follow, string


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _fmt(x: float) -> str:
    return f"{x:g}"


def _sampling(decl: HpDecl) -> str | None:
    """ "linear" / "log" / "reverse_log" / other text as given; None when not a literal."""
    v = decl.value("sampling")
    if v is ABSENT or v is None:
        return "linear"
    return v.lower() if isinstance(v, str) else None


def _top(decl: HpDecl) -> float | None:
    """The largest value a declaration can produce."""
    if decl.kind in ("Float", "Int"):
        return _num(decl.value("max_value"))
    if decl.kind == "Choice":
        values = decl.value("values")
        if isinstance(values, list) and values:
            nums = [_num(v) for v in values]
            if all(n is not None for n in nums):
                return max(n for n in nums if n is not None)
        return None
    if decl.kind == "Fixed":
        return _num(decl.value("value"))
    return None


def _is_lr(decl: HpDecl) -> bool:
    return any(is_lr_argument(site, key) for site, key in decl.targets) or named_like_lr(decl.name)


def linear_wide_learning_rate(ctx: Context) -> None:
    ratio_limit = ctx.settings.threshold("lr-decade-ratio")
    for decl in tuner_facts(ctx.facts).hp_decls:
        if decl.kind != "Float" or not _is_lr(decl) or _sampling(decl) != "linear":
            continue
        lo, hi = _num(decl.value("min_value")), _num(decl.value("max_value"))
        if lo is None or hi is None or hi <= 0 or lo < 0 or lo >= hi or hi == float("inf"):
            continue
        label = f'"{decl.name}"' if decl.name else "learning rate"
        if lo == 0:
            ctx.report(
                decl.node,
                KNL401,
                f"Learning rate {label} is sampled linearly from 0 to {_fmt(hi)}",
                help=f"90% of trials draw above {_fmt(hi / 10)} and the small rates are barely tried; use a positive"
                ' min_value and sampling="log"',
            )
            continue
        if hi / lo < ratio_limit:
            continue
        top_decade = (hi - hi / 10) / (hi - lo)
        ctx.report(
            decl.node,
            KNL401,
            f"Learning rate {label} is sampled linearly over {_fmt(lo)}..{_fmt(hi)} ({_fmt(hi / lo)}x)",
            help=f"{top_decade:.0%} of trials draw above {_fmt(hi / 10)} and the small rates are barely tried;"
            ' add sampling="log"',
        )


KNL401 = define_rule(
    "KNL401",
    "linear-wide-learning-rate",
    Severity.WARNING,
    "A learning rate sampled linearly across a decade or more: nearly every trial draws from the top decade",
    check=linear_wide_learning_rate,
    fixer=hyperparam_fixes.linear_wide_learning_rate,
    fix_applicability=Applicability.SAFE,
    probe=Probe(
        "search",
        "short search with the learning rate fixed at the top of its range",
        "learning_rate",
        runs=("lr_top",),
        training=True,
        pin_top=True,
    ),
)


@dataclass(frozen=True)
class _Family:
    """An optimizer family's learning-rate ceiling (rules/KNL402/README.md gives each one's source)."""

    label: str
    threshold: str  # the [tool.kerasnanlint.thresholds] key it scales
    scale: float  # ceiling = threshold * scale
    inclusive: bool  # the ceiling itself is flagged
    effect: str


_FAMILIES = {
    **dict.fromkeys(
        SGD_FAMILY,
        _Family(
            "SGD-family", "lr-ceiling-sgd", 1.0, False,
            "plain SGD steps that large blow the weights up to inf/NaN (measured: SGD at lr 1 turns a regression NaN"
            " within one epoch)",
        ),
    ),
    **dict.fromkeys(
        ("Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Lamb"),
        _Family(
            "Adam-like", "lr-ceiling-adaptive", 1.0, True,
            "adaptive steps that large make training diverge (measured: Adam at lr 10 reached a loss of 1.7e6 in"
            " two epochs; RMSprop at 0.1 started at a loss of 1e3), one bad batch away from inf/NaN",
        ),
    ),
    **dict.fromkeys(
        ("Adagrad", "Ftrl"),
        _Family(
            "accumulating (Adagrad/Ftrl)", "lr-ceiling-sgd", 1.0, False,
            "the first steps are full-size before the accumulator shrinks them (measured: Adagrad at lr 1 reached"
            " a loss of 4e5 in the first epoch)",
        ),
    ),
    "Lion": _Family(
        "Lion", "lr-ceiling-adaptive", 0.1, False,
        "Lion's sign update moves every weight by the full rate each step, so it needs a rate 3-10x smaller than"
        " AdamW (measured: lr 0.03 stalls, 0.1 diverges)",
    ),
}  # fmt: skip
assert set(_FAMILIES) == SGD_FAMILY | ADAPTIVE  # a new optimizer in semantics/tuners.py needs a family here


def _too_high(ctx: Context, value: float, optimizer: str, range_top: bool = False) -> float | None:
    """The family's ceiling when ``value`` is too high for ``optimizer``, else None (Adadelta/Adafactor: never).

    The top of a Float/Int range only brushes the ceiling (trials sample below it): it is compared strictly.
    """
    family = _FAMILIES.get(optimizer)
    if family is None:
        return None  # Adadelta / Adafactor: a rate of 1.0 is their normal setting
    ceiling = ctx.settings.threshold(family.threshold) * family.scale
    inclusive = family.inclusive and not range_top
    return ceiling if value > ceiling or (inclusive and value >= ceiling) else None


def _too_high_message(value: float, optimizer: str, ceiling: float, what: str) -> tuple[str, str]:
    """KNL402's message and help."""
    family = _FAMILIES[optimizer]
    word = "at or above" if family.inclusive else "above"
    limit = f"{word} the {_fmt(ceiling)} accepted for {family.label} optimizers"
    effect = family.effect[0].upper() + family.effect[1:]
    return f"{what} {_fmt(value)} with {optimizer}, {limit}", f"{effect}; lower it"


def learning_rate_too_high(ctx: Context) -> None:
    facts = tuner_facts(ctx.facts)
    decl_nodes = {id(d.node) for d in facts.hp_decls}
    for decl in facts.hp_decls:
        top = _top(decl)
        if top is None:
            continue
        worst: tuple[float, str, float] | None = None
        for site, key in decl.targets:
            opt = optimizer_of(site.qualname)
            if opt is None or not is_lr_argument(site, key):
                continue
            ceiling = _too_high(ctx, top, opt, range_top=decl.kind in ("Float", "Int"))
            if ceiling is not None and (worst is None or ceiling < worst[2]):
                worst = (top, opt, ceiling)
        if worst is not None:
            what = f'Learning rate "{decl.name}" can reach' if decl.name else "The learning rate can reach"
            message, advice = _too_high_message(worst[0], worst[1], worst[2], what)
            ctx.report(decl.node, KNL402, message, help=advice)
    for site in ctx.facts.calls:
        opt = optimizer_of(site.qualname)
        if opt is None:
            continue
        given = arg_value(site.node, "learning_rate", 0)
        if given is None:
            given = arg_value(site.node, "lr")
        if given is None:
            continue
        value = follow(given, site.scope, depth=2)
        if isinstance(value, cst.Call) and id(value) in decl_nodes:
            continue  # judged above as a range
        number = _num(literal(value))
        ceiling = _too_high(ctx, number, opt) if number is not None else None
        if number is not None and ceiling is not None:
            message, advice = _too_high_message(number, opt, ceiling, "Learning rate")
            ctx.report(given, KNL402, message, help=advice)


KNL402 = define_rule(
    "KNL402",
    "learning-rate-too-high",
    Severity.WARNING,
    "A learning rate (range maximum, choice or literal) above what the optimizer tolerates without diverging",
    check=learning_rate_too_high,
    probe=Probe(
        "search",
        "short search/fit with the learning rate at its highest value",
        "learning_rate",
        runs=("lr_top", "baseline"),
        training=True,
        pin_top=True,
    ),
)


def _invalid(decl: HpDecl) -> tuple[str, str] | None:
    """Why KerasTuner rejects this declaration (what is wrong, and what KerasTuner does), or None."""
    raises = "KerasTuner raises ValueError"
    call = f'{decl.kind}(name="{decl.name}")' if decl.name else decl.kind
    if decl.kind in ("Float", "Int"):
        lo_v, hi_v, step_v = decl.value("min_value"), decl.value("max_value"), decl.value("step")
        lo, hi, step = _num(lo_v), _num(hi_v), _num(step_v)
        if decl.kind == "Int":
            for label, v in (("min_value", lo), ("max_value", hi), ("step", step)):
                if v is not None and not float(v).is_integer():  # inf (1e309) too, without OverflowError
                    return f"{call}: {label}={_fmt(v)} is not an integer", raises
        if lo is not None and hi is not None and lo > hi:
            return f"{call}: min_value {_fmt(lo)} is greater than max_value {_fmt(hi)}", raises
        sampling = _sampling(decl)
        if sampling is not None and sampling not in ("linear", "log", "reverse_log"):
            return f'{call}: sampling="{sampling}" is not one of "linear", "log", "reverse_log"', raises
        if sampling in ("log", "reverse_log"):
            if lo is not None and lo <= 0:
                return (
                    f'{call}: sampling="{sampling}" needs min_value > 0, found {_fmt(lo)}',
                    raises + " when the hypermodel is built; use a small positive minimum such as 1e-6",
                )
            if step is not None and step <= 1:
                return (
                    f'{call}: with sampling="{sampling}" the step multiplies, so it must be > 1, found {_fmt(step)}',
                    raises,
                )
    elif decl.kind == "Choice":
        values = _choice_values(decl)
        if isinstance(values, list):
            if not values:
                return f"{call}: values is empty", raises
            types = {type(v).__name__ for v in values}
            if len(types) > 1:
                return (
                    f"{call}: values mix {', '.join(sorted(types))}",
                    "KerasTuner raises TypeError; use one type for all values",
                )
            wrong = [v for v in values if not isinstance(v, int | float | str)]
            if wrong:
                bad = wrong[0]
                return (
                    f"{call}: {type(bad).__name__} value {bad!r} is not int, float, str or bool",
                    "A Choice holds only int, float, str or bool values and KerasTuner raises TypeError; choose an"
                    " index or a name, and map it to the value in the model",
                )
            default = decl.value("default")
            if isinstance(default, float) and types == {"int"}:
                default = int(default)  # KerasTuner casts the default to the values' type first
            if default is not ABSENT and default is not UNKNOWN and default is not None and default not in values:
                return f"{call}: default {default!r} is not one of the values", raises
    return None


_BINARY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Power: operator.pow,
    cst.Modulo: operator.mod,
}


def _evaluate(expr: cst.BaseExpression | None, env: dict[str, object]) -> object:
    """The value of ``expr`` when literals alone compute it: range(), list(), comprehensions, arithmetic."""
    if isinstance(expr, cst.Name) and expr.value in env:
        return env[expr.value]
    if isinstance(expr, cst.Dict):
        return {}  # only its type matters: a dict is not a valid Choice value
    if isinstance(expr, cst.List | cst.Tuple):
        items = [_evaluate(e.value, env) if isinstance(e, cst.Element) else UNKNOWN for e in expr.elements]
        if UNKNOWN in items:
            return UNKNOWN
        return items if isinstance(expr, cst.List) else tuple(items)
    if isinstance(expr, cst.BinaryOperation) and type(expr.operator) in _BINARY_OPS:
        left, right = _evaluate(expr.left, env), _evaluate(expr.right, env)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right)):
            return UNKNOWN
        try:
            return _BINARY_OPS[type(expr.operator)](left, right)
        except (ArithmeticError, ValueError):
            return UNKNOWN
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in ("range", "list"):
        args = [_evaluate(a.value, env) if not a.star and a.keyword is None else UNKNOWN for a in expr.args]
        if expr.func.value == "list":
            return list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple | range) else UNKNOWN
        ints = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
        if 1 <= len(ints) == len(args) <= 3 and len(range(*ints)) <= 10_000:
            return list(range(*ints))
        return UNKNOWN
    if isinstance(expr, cst.ListComp) and expr.for_in.inner_for_in is None and not expr.for_in.ifs:
        source = _evaluate(expr.for_in.iter, env)
        if not isinstance(expr.for_in.target, cst.Name) or not isinstance(source, list | tuple):
            return UNKNOWN
        items = [_evaluate(expr.elt, {**env, expr.for_in.target.value: v}) for v in source]
        return UNKNOWN if UNKNOWN in items else items
    return literal(expr) if not isinstance(expr, cst.Name) else UNKNOWN


def _choice_values(decl: HpDecl) -> object:
    """hp.Choice's values: a literal list, or one computed from literals (range(), a comprehension)."""
    values = decl.value("values")
    if values is UNKNOWN and "values" in decl.args:
        values = _evaluate(follow(decl.args["values"], decl.site.scope, depth=2), {})
        return list(values) if isinstance(values, tuple) else values
    return values


def _hp_read(node: cst.CSTNode) -> str | None:
    """The name ``hp["units"]`` or ``hp.get("units")`` reads."""
    key: cst.BaseExpression | None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        receiver, key = node.value, node.slice[0].slice.value
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
        receiver, key = node.func.value, arg_value(node, "name", 0)
    else:
        return None
    return string(key) if isinstance(receiver, cst.Name) and receiver.value == "hp" and key is not None else None


_HP_READ = re.compile(r"\bhp\s*(?:\[|\.\s*get\b)")


def _undeclared_reads(ctx: Context) -> Iterator[tuple[cst.CSTNode, str]]:
    """Reads of hyperparameters no declaration in the file makes, when every declaration's name is known."""
    decls = tuner_facts(ctx.facts).hp_decls
    declared = {d.name for d in decls}
    if not decls or None in declared:
        return
    for site in ctx.facts.calls:  # a space loaded or passed in may hold names declared elsewhere
        if site.method in ("from_config", "merge") or arg_value(site.node, "hyperparameters") is not None:
            return
    if _HP_READ.search(ctx.source) is None:  # a walk of the whole tree, for a pattern the text rarely holds
        return
    for node in descendants(ctx.facts.module, cst.Subscript, cst.Call):
        name = _hp_read(node)
        if name is not None and name not in declared:
            yield node, name


def invalid_hp_range(ctx: Context) -> None:
    for decl in tuner_facts(ctx.facts).hp_decls:
        why = _invalid(decl)
        if why is not None:
            ctx.report(decl.node, KNL403, why[0], help=why[1])
    for node, name in _undeclared_reads(ctx):
        ctx.report(
            node,
            KNL403,
            f'`{ctx.code(node)}` reads hyperparameter "{name}", which no declaration in this file makes',
            help=f"KerasTuner raises KeyError: '{name} does not exist.'; declare it (hp.Choice/Int/Float/...)"
            " before reading it",
        )


KNL403 = define_rule(
    "KNL403",
    "invalid-hp-range",
    Severity.ERROR,
    "A hyperparameter declaration KerasTuner rejects at run time",
    check=invalid_hp_range,
    probe=Probe(
        "script",
        "KerasTuner's ValueError at declaration while the script builds the model",
        "declaration",
        raises=r"^(ValueError|TypeError)",
    ),
)


def _dropout_message(value: float, layer: str) -> tuple[str, str]:
    """KNL404's message and help."""
    if value > 1:
        return (
            f"{layer} rate can be {_fmt(value)}, above 1",
            "Keras raises ValueError for rates above 1; keep it below 1.0",
        )
    effect = (
        "divides by zero (1 - rate) in training"
        if layer == "GaussianDropout"
        else "drops every unit, so the layer outputs zeros and nothing before it ever learns"
    )
    return f"{layer} rate can reach {_fmt(value)}", f"A rate of 1.0 {effect}; keep the maximum below 1.0 (e.g. 0.5)"


def dropout_rate_range(ctx: Context) -> None:
    facts = tuner_facts(ctx.facts)
    decl_nodes = {id(d.node) for d in facts.hp_decls}
    for decl in facts.hp_decls:
        top = _top(decl)
        if top is None or top < 1.0:
            continue
        layers = [layer for site, key in decl.targets if (layer := dropout_layer(site, key))]
        if layers:
            message, advice = _dropout_message(top, layers[0])
            ctx.report(decl.node, KNL404, message, help=advice)
    for site in ctx.facts.calls:
        given = arg_value(site.node, "rate", 0)
        layer = dropout_layer(site, "rate") if given is not None else None
        if layer is None or given is None:
            continue
        value = follow(given, site.scope, depth=2)
        if isinstance(value, cst.Call) and id(value) in decl_nodes:
            continue
        number = _num(literal(value))
        if number is not None and number >= 1.0:
            message, advice = _dropout_message(number, layer)
            ctx.report(given, KNL404, message, help=advice)


KNL404 = define_rule(
    "KNL404",
    "dropout-rate-range",
    Severity.WARNING,
    "A Dropout rate (range, choice or literal) that reaches 1.0",
    check=dropout_rate_range,
    probe=Probe(
        "search",
        "short run; Keras's 'Gradients do not exist' warning",
        "training",
        runs=("baseline", "lr_top"),
        training=True,
        pin_top=True,
        warning="Gradients do not exist",
    ),
)


_RANGE_KEYS = ("min_value", "max_value", "step", "sampling", "values", "value", "ordered")


def _signature(ctx: Context, decl: HpDecl) -> tuple | None:
    parts: list[object] = [decl.kind]
    for key in _RANGE_KEYS:
        v = decl.value(key)
        if v is UNKNOWN:
            return None
        if key == "sampling" and (v is ABSENT or v is None):
            v = "linear"
        if key == "step" and decl.kind == "Int" and (v is ABSENT or v is None) and _sampling(decl) == "linear":
            v = 1  # Int's linear default step
        if isinstance(v, str) and key == "sampling":
            v = v.lower()
        if isinstance(v, list):
            v = tuple(v)
        parts.append(None if v is ABSENT else v)
    return tuple(parts)


def hp_redeclared(ctx: Context) -> None:
    first: dict[tuple[object, str], tuple[HpDecl, tuple | None]] = {}
    for decl in tuner_facts(ctx.facts).hp_decls:
        if decl.name is None or decl.guarded:
            continue
        key = (decl.space, decl.name)
        sig = _signature(ctx, decl)
        if key not in first:
            first[key] = (decl, sig)
            continue
        earlier, earlier_sig = first[key]
        if sig is None or earlier_sig is None or sig == earlier_sig:
            continue
        first_code = " ".join(ctx.code(earlier.node).split())
        ctx.report(
            decl.node,
            KNL405,
            f'Hyperparameter "{decl.name}" is declared again with a different range',
            help=f"KerasTuner keeps the first declaration, `{first_code}`, and silently returns its value here;"
            " give this one its own name",
        )


KNL405 = define_rule(
    "KNL405",
    "hp-redeclared",
    Severity.WARNING,
    "The same hyperparameter name declared twice with different ranges: KerasTuner keeps the first silently",
    check=hp_redeclared,
    probe=Probe(
        "script", "record every hyperparameter declaration; the second range is silently dropped", "redeclared"
    ),
)
