"""Which functions compute a loss or a metric (and which custom layers' ``call`` may overflow).

Found from the facts only, never by walking the module again:
- functions given to ``compile(loss=..., metrics=..., weighted_metrics=...)``: directly, through a local name,
  in a list/tuple or a dict per output, a lambda, ``functools.partial(f, ...)``, a metric/loss wrapper
  (``MeanMetricWrapper(f)``), or a local factory whose return value is such a function;
- methods of ``keras.losses.*`` subclasses (``call``) and ``keras.metrics.*`` subclasses (``update_state``,
  ``result``), directly or through a class of the same file;
- any function with ``y_true`` and ``y_pred`` parameters;
- ``call`` of ``keras.layers.*`` subclasses (role "layer": only the exp rule looks there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from kerasnanlint.semantics.module import CallSite, ClassInfo, ModuleFacts, Scope
from kerasnanlint.semantics.values import arg_value, follow

LOSS, METRIC, EITHER, LAYER = "loss", "metric", "either", "layer"

# A function with (y_true, y_pred) parameters that nobody passes to compile() in this file: its name hints
# whether it is a metric (no gradient flows through it).
_METRIC_NAME = re.compile(r"metric|acc|precision|recall|f1|fbeta|auc|score|specificity|sensitivity", re.I)
_WRAPPERS = {"partial", "MeanMetricWrapper", "LossFunctionWrapper"}


@dataclass(eq=False)
class LossFunction:
    """A function that computes a loss or a metric (or a custom layer's ``call``), and its role."""

    node: cst.FunctionDef | cst.Lambda
    scope: Scope
    role: str  # LOSS, METRIC (no gradient), EITHER (unknown: treated like a loss), LAYER
    data: tuple[str, ...] = ()  # the (y_true, y_pred) parameters as the function spells them
    cls: ClassInfo | None = None
    state: set[str] = field(default_factory=set)  # metric variables initialised to 0 (``self.tp``)

    @property
    def has_gradient(self) -> bool:
        """Does a gradient flow through it (a loss, a layer; not a metric)?"""
        return self.role != METRIC

    @property
    def label(self) -> str | None:
        """The labels parameter (``y_true``) as the function spells it."""
        return self.data[0] if len(self.data) >= 2 else None

    @property
    def prediction(self) -> str | None:
        """The predictions parameter (``y_pred``) as the function spells it."""
        return self.data[1] if len(self.data) >= 2 else None


def _positional(scope: Scope) -> tuple[str, ...]:
    node = scope.node
    if isinstance(node, cst.Lambda):
        return tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
    if isinstance(node, cst.FunctionDef):
        names = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
        return names[1:] if scope.cls is not None and names[:1] in (("self",), ("cls",)) else names
    return ()


class _Finder:
    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        # Built once per file, not per finder: functions_of is called once per compile() argument.
        self.by_node: dict[cst.CSTNode, Scope] = facts.derive(
            "scope_by_node", lambda f: {s.node: s for s in f.scopes if s is not f.module_scope}
        )
        self.roles: dict[Scope, set[str]] = {}

    def add(self, scope: Scope, role: str) -> None:
        self.roles.setdefault(scope, set()).add(role)

    def functions_in(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 3) -> list[Scope]:
        """The local functions an expression given to ``loss=``/``metrics=`` stands for."""
        if expr is None or depth < 0:
            return []
        if isinstance(expr, cst.Lambda):
            found = self.by_node.get(expr)
            return [found] if found is not None else []
        if isinstance(expr, cst.List | cst.Tuple | cst.Set):
            return [f for el in expr.elements for f in self.functions_in(el.value, scope, depth)]
        if isinstance(expr, cst.Dict):
            return [
                f for el in expr.elements if isinstance(el, cst.DictElement) for f in self.functions_in(el.value, scope)
            ]
        if isinstance(expr, cst.Name):
            value = follow(expr, scope, 1)
            if value is not expr and value is not None:
                return self.functions_in(value, scope, depth - 1)
            fn = self.facts.function(expr.value, near=scope)
            return [fn] if fn is not None else []
        if isinstance(expr, cst.Call):
            func = expr.func
            last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if last in _WRAPPERS:
                return self.functions_in(arg_value(expr, "fn", 0) or arg_value(expr, "func", 0), scope, depth - 1)
            if isinstance(func, cst.Name):  # a local factory: make_loss(0.5) returns its inner function
                factory = self.facts.function(func.value, near=scope)
                if factory is not None:
                    return [f for r in factory.returns for f in self.functions_in(r, factory, depth - 1)]
        return []

    def from_compile(self, site: CallSite) -> None:
        call = site.node
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if not keywords & {"loss", "metrics", "weighted_metrics"} and site.receiver is None:
            return  # the builtin compile(source, filename, mode)
        for keyword, position, role in (("loss", 1, LOSS), ("metrics", 3, METRIC), ("weighted_metrics", 4, METRIC)):
            value = arg_value(call, keyword, position if site.receiver is not None else None)
            for fn in self.functions_in(value, site.scope):
                self.add(fn, role)


def _class_kind(facts: ModuleFacts, info: ClassInfo, seen: frozenset[str] = frozenset()) -> str | None:
    for base in info.bases:
        # keras.losses.Loss and friends, also re-exported by a project (``from keras_cv.backend import keras``)
        if base.startswith("keras.losses.") or base.endswith(".losses.Loss"):
            return LOSS
        if base.startswith("keras.metrics.") or base.endswith(".metrics.Metric"):
            return METRIC
        if base.startswith("keras.layers.") or base == "keras.Layer" or base.endswith(".layers.Layer"):
            return LAYER
        local = facts.classes.get(base)
        if local is not None and base not in seen and local is not info:
            kind = _class_kind(facts, local, seen | {info.name})
            if kind is not None:
                return kind
    return None


def _is_zero_init(call: cst.Call) -> bool:
    init = arg_value(call, "initializer")
    if init is None:
        return True  # Metric.add_weight defaults to zeros
    if isinstance(init, cst.SimpleString):
        return init.evaluated_value in ("zeros", "zero")
    if isinstance(init, cst.Call):
        init = init.func
    return isinstance(init, cst.Attribute | cst.Name) and (
        init.attr.value if isinstance(init, cst.Attribute) else init.value
    ) in ("Zeros", "zeros")


def _zero_state(info: ClassInfo) -> set[str]:
    """Metric variables that are 0 until the first update: ``self.tp = self.add_weight(...)`` (or
    ``add_variable``) with a zeros or default initializer, in ``__init__`` or ``build``."""
    names: set[str] = set()
    for method in ("__init__", "build"):
        scope = info.methods.get(method)
        if scope is None or not isinstance(scope.node, cst.FunctionDef):
            continue
        for stmt in scope.node.body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, cst.Assign) or not isinstance(small.value, cst.Call):
                    continue
                func = small.value.func
                if not isinstance(func, cst.Attribute) or func.attr.value not in ("add_weight", "add_variable"):
                    continue
                if not _is_zero_init(small.value):
                    continue
                for t in small.targets:
                    tgt = t.target
                    if isinstance(tgt, cst.Attribute) and isinstance(tgt.value, cst.Name) and tgt.value.value == "self":
                        names.add(tgt.attr.value)
    return names


def functions_of(facts: ModuleFacts, expr: cst.BaseExpression | None, scope: Scope) -> list[Scope]:
    """The local functions a ``loss=``/``metrics=`` value stands for (a name, a list, a dict, a lambda...)."""
    return _Finder(facts).functions_in(expr, scope)


def loss_functions(facts: ModuleFacts) -> list[LossFunction]:
    """Every loss, metric and custom-layer ``call`` function of the file (see the module docstring); built once
    per file (fixers ask once per finding). Shared: callers must not change it."""
    found: list[LossFunction] = facts.derive("loss_functions", _loss_functions)
    return found


def loss_function_nodes(facts: ModuleFacts) -> frozenset[cst.CSTNode]:
    """The nodes of ``loss_functions``, for membership tests."""
    found: frozenset[cst.CSTNode] = facts.derive(
        "loss_function_nodes", lambda f: frozenset(t.node for t in loss_functions(f))
    )
    return found


def _loss_functions(facts: ModuleFacts) -> list[LossFunction]:
    finder = _Finder(facts)
    for site in facts.calls:
        if site.method == "compile":
            finder.from_compile(site)
    for site in facts.calls:  # metric/loss wrappers built anywhere: keras.metrics.MeanMetricWrapper(fn)
        if site.method in ("MeanMetricWrapper", "LossFunctionWrapper"):
            role = METRIC if site.method == "MeanMetricWrapper" else LOSS
            for fn in finder.functions_in(arg_value(site.node, "fn", 0), site.scope):
                finder.add(fn, role)

    out: list[LossFunction] = []
    taken: set[Scope] = set()
    for info in facts.classes.values():
        kind = _class_kind(facts, info)
        if kind is None:
            continue
        methods = {LOSS: ("call",), METRIC: ("update_state", "result"), LAYER: ("call",)}[kind]
        state = _zero_state(info) if kind == METRIC else set()
        for name in methods:
            scope = info.methods.get(name)
            if scope is None or not isinstance(scope.node, cst.FunctionDef):
                continue
            data = _positional(scope)[: 1 if kind == LAYER else 2]
            out.append(LossFunction(scope.node, scope, kind, data, info, state))
            taken.add(scope)

    for scope in facts.scopes:
        node = scope.node
        if scope in taken or isinstance(node, cst.Module):  # the module scope is the only one without a def
            continue
        roles = finder.roles.get(scope, set())
        named = "y_true" in scope.params and "y_pred" in scope.params
        if not roles and not named:
            continue
        if LOSS in roles:
            role = LOSS
        elif METRIC in roles:
            role = METRIC
        elif _METRIC_NAME.search(scope.name) or scope.name in ("update_state", "result"):
            role = METRIC
        else:
            role = EITHER
        data = ("y_true", "y_pred") if named and not roles else _positional(scope)[:2]
        out.append(LossFunction(node, scope, role, data, scope.cls))
    return out
