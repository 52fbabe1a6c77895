"""Data rules visible in source (KNL501, KNL502).

Measured (runtime-ground-truth.md): one NaN in x_train makes the loss NaN and, under a val_accuracy objective,
the trial is still scored; all-zero labels (seed script 3) train to a constant, no NaN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from kerasnanlint.context import Context
from kerasnanlint.diagnostics import Severity
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe
from kerasnanlint.semantics import models as M
from kerasnanlint.semantics import values
from kerasnanlint.semantics.module import CallSite, ModuleFacts, Scope, children, target_names
from kerasnanlint.semantics.names import last_part

_TRAINING = ("fit", "search")
_KERAS_ROOTS = ("keras", "tensorflow", "keras_tuner")


def _receiver_may_train(facts: ModuleFacts, site: CallSite) -> bool:
    """False for receivers that are clearly not Keras (``re.search``, ``StandardScaler().fit``)."""
    recv = site.receiver
    if recv is None:
        return False
    q = facts.resolve(recv)
    if q is not None:
        return q.split(".", 1)[0] in _KERAS_ROOTS
    recv = values.follow(recv, site.scope)
    if isinstance(recv, cst.Call):
        q = facts.resolve(recv.func)
        if q is not None and q.split(".", 1)[0] not in _KERAS_ROOTS:
            return False
    return True


def _data_args(call: cst.Call) -> Iterator[cst.BaseExpression]:
    for keyword, position in (("x", 0), ("y", 1)):
        value = values.arg_value(call, keyword, position)
        if value is not None:
            yield value
    value = values.arg_value(call, "validation_data")
    if value is not None:
        yield value


# --- KNL502 constant-labels ---------------------------------------------------------------------------------------

_CONSTANT = {
    "zeros": "all zeros",
    "zeros_like": "all zeros",
    "ones": "all ones",
    "ones_like": "all ones",
    "full": "all one value",
    "full_like": "all one value",
    "fill": "all one value",
}
_CONSTANT_MODULES = ("numpy.", "tensorflow.", "keras.ops.")


def _constant_builder(facts: ModuleFacts, expr: cst.BaseExpression | None) -> tuple[cst.Call, str] | None:
    """``np.zeros(...)`` (or ``.astype(...)`` / ``.reshape(...)`` of it): the call and what it holds."""
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("astype", "reshape"):
        return _constant_builder(facts, func.value)
    q = facts.resolve(func) or ""
    kind = last_part(q)
    if kind in _CONSTANT and q in {m + kind for m in _CONSTANT_MODULES}:
        if kind == "fill" and not q.startswith("tensorflow."):
            return None
        return expr, _CONSTANT[kind]
    return None


def _constant_inputs(facts: ModuleFacts, x: cst.BaseExpression | None, scope: Scope) -> bool:
    """``np.ones(...)``, or a list/tuple of such and ``None`` (``model.fit([None], y)`` in a test)."""
    x = values.follow(x, scope)
    if isinstance(x, cst.List | cst.Tuple):
        items = [e.value for e in x.elements]
        return bool(items) and all(
            (isinstance(i, cst.Name) and i.value == "None") or _constant_inputs(facts, i, scope) for i in items
        )
    return _constant_builder(facts, x) is not None


def _mutated(source: str, name: str) -> bool:
    """``y[i] = 1``, ``y += ...``, ``y.fill(1)``, ``np.put(y, ...)`` anywhere in the file: the labels may vary."""
    n = re.escape(name)
    patterns = (
        rf"\b{n}\s*\[[^\n]*\]\s*[-+*/|&^%]?=(?!=)",
        rf"\b{n}\s*[-+*/|&^%]=",
        rf"\b{n}\.(fill|put|itemset|resize|sort|setfield|__setitem__)\s*\(",
        rf"\b(put|place|copyto|putmask|fill_diagonal|put_along_axis)\s*\(\s*{n}\b",
    )
    return any(re.search(p, source) for p in patterns)


def _losses_all_builtin(models: list[M.ModelInfo] | None) -> bool:
    """The model(s) compare predictions with y: every compile() loss is a built-in Keras loss.

    A custom loss may ignore y_true (``model.fit(x, np.zeros(n))`` with a loss on y_pred alone is an idiom).
    """
    if not models:
        return False
    seen = False
    for model in models:
        for comp in model.compiles:
            if comp.losses is None or any(loss.kind != "builtin" for loss in comp.losses):
                return False
            seen = True
    return seen


def _trained_models(facts: ModuleFacts, site: CallSite) -> list[M.ModelInfo] | None:
    recv = site.receiver
    if recv is None:
        return None
    if site.method == "fit":
        model = M.model_of(facts, recv, site.scope)
        return [model] if model is not None else None
    tuner = values.follow(recv, site.scope)
    if not isinstance(tuner, cst.Call) or not (facts.resolve(tuner.func) or "").startswith("keras_tuner."):
        return None
    hypermodel = values.arg_value(tuner, "hypermodel", 0)
    return M.models_built_by(facts, hypermodel, site.scope) if hypermodel is not None else None


def constant_labels(ctx: Context) -> None:
    facts = ctx.facts
    for site in facts.calls:
        if site.method not in _TRAINING or not _receiver_may_train(facts, site):
            continue
        y = values.arg_value(site.node, "y", 1)
        if y is None or values.has_star_args(site.node):
            continue
        found = _constant_builder(facts, values.follow(y, site.scope))
        if found is None or (isinstance(y, cst.Name) and _mutated(ctx.source, y.value)):
            continue
        if _constant_inputs(facts, values.arg_value(site.node, "x", 0), site.scope):
            continue  # constant inputs and labels: a smoke test, not a training run
        if not _losses_all_builtin(_trained_models(facts, site)):
            continue
        builder, holds = found
        label = f" `{y.value}`" if isinstance(y, cst.Name) else ""
        target = ctx.code(site.node.func)
        ctx.report(
            builder,
            KNL502,
            f"training labels{label} are {holds} ({ctx.code(builder.func)}) and reach `{target}`: every target is "
            f"the same, so the model learns a constant and the objective is meaningless (measured on the seed: "
            f"val_accuracy stuck at 0.5, val_loss rising, no NaN); pass the real labels",
        )


# --- KNL501 unchecked-missing-values ------------------------------------------------------------------------------


KNL502 = define_rule(
    "KNL502",
    "constant-labels",
    Severity.WARNING,
    "Training labels built with np.zeros/np.ones/np.full: every target is the same value",
    check=constant_labels,
    probe=Probe("data", "the number of classes in the training labels", "label_classes"),
)


_HANDLERS = frozenset(
    {
        "dropna", "fillna", "isna", "isnull", "notna", "notnull", "isnan", "nan_to_num", "interpolate", "ffill",
        "bfill", "backfill", "pad", "check_numerics", "isfinite", "is_nan", "is_finite",
    }
)  # fmt: skip
_BARRIERS = frozenset({"flow_from_dataframe"})
# An imputer anywhere in the file: the data is meant to be imputed (we do not follow it through fit_transform).
_IMPUTERS = frozenset({"SimpleImputer", "KNNImputer", "IterativeImputer", "Imputer", "MissingIndicator"})


@dataclass(frozen=True)
class _Reads:
    """What an expression reads: plain names, names of called local functions, and which calls it contains."""

    names: frozenset[str]
    called: frozenset[str]
    calls: frozenset[int]  # id() of every Call node inside


def _reads(expr: cst.CSTNode) -> _Reads:
    names: set[str] = set()
    called: set[str] = set()
    calls: set[int] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)  # not the attribute's own name
        elif isinstance(node, cst.Arg):
            stack.append(node.value)  # not the keyword
        elif isinstance(node, cst.Lambda | cst.FunctionDef):
            continue
        else:
            if isinstance(node, cst.Call):
                calls.add(id(node))
                if isinstance(node.func, cst.Name):
                    called.add(node.func.value)
            stack.extend(children(node))
    return _Reads(frozenset(names), frozenset(called), frozenset(calls))


@dataclass(frozen=True)
class _Step:
    """One assignment or return, summarized once per file: the taint fixpoint then works on sets."""

    scope: Scope
    binds: tuple[str, ...]  # names assigned (empty for a return)
    returns_from: str | None  # the function a return belongs to
    reads: _Reads


class _Flows:
    """The assignments and returns of every scope, and where each name read in a scope is bound."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.scopes = [s for s in facts.scopes if not isinstance(s.node, cst.Lambda)]
        self.bound: dict[Scope, set[str]] = {}
        self.steps: list[_Step] = []
        for scope in self.scopes:
            f = M.flow(facts, scope)
            self.bound[scope] = set(scope.params) | set(f.defs)
            fn = scope.function
            for _point, small in f.statements:
                if isinstance(small, cst.Assign | cst.AnnAssign | cst.AugAssign):
                    if small.value is None or _barrier(small.value):
                        continue
                    targets = small.targets if isinstance(small, cst.Assign) else (small,)
                    binds = tuple(n for t in targets for n in target_names(t.target))
                    self.steps.append(_Step(scope, binds, None, _reads(small.value)))
                elif isinstance(small, cst.Return) and small.value is not None:
                    if fn is not None and scope.cls is None:
                        self.steps.append(_Step(scope, (), fn.name.value, _reads(small.value)))
        self._owners: dict[tuple[int, str], Scope | None] = {}

    def owner(self, scope: Scope, name: str) -> Scope | None:
        """The scope whose binding of ``name`` a read in ``scope`` sees."""
        key = (id(scope), name)
        if key not in self._owners:
            s: Scope | None = scope
            while s is not None and name not in self.bound.get(s, ()):
                s = s.parent
            self._owners[key] = s
        return self._owners[key]


class _Taint:
    """Names (per scope) and local functions that carry the data one pandas read produced."""

    def __init__(self, flows: _Flows, source: cst.Call) -> None:
        self.flows, self.source = flows, id(source)
        self.names: set[tuple[int, str]] = set()  # (id(owner scope), name)
        self.functions: set[str] = set()

    def touched(self, reads: _Reads, scope: Scope) -> bool:
        if self.source in reads.calls or reads.called & self.functions:
            return True
        for name in reads.names:
            owner = self.flows.owner(scope, name)
            if owner is not None and (id(owner), name) in self.names:
                return True
        return False

    def touches(self, expr: cst.CSTNode, scope: Scope) -> bool:
        return self.touched(_reads(expr), scope)

    def spread(self) -> None:
        changed = True
        while changed:
            changed = False
            for step in self.flows.steps:
                if step.returns_from is not None:
                    if step.returns_from not in self.functions and self.touched(step.reads, step.scope):
                        self.functions.add(step.returns_from)
                        changed = True
                    continue
                new = {(id(step.scope), n) for n in step.binds} - self.names
                if new and self.touched(step.reads, step.scope):
                    self.names |= new
                    changed = True


def _barrier(value: cst.BaseExpression) -> bool:
    """``datagen.flow_from_dataframe(df, ...)``: the table holds file paths; the images it yields cannot be NaN."""
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _BARRIERS


def _handler_name(site: CallSite) -> str | None:
    name = site.method
    return name if name in _HANDLERS else None


def _no_nan_parsing(call: cst.Call) -> bool:
    """``na_filter=False`` / ``keep_default_na=False`` without na_values: empty fields stay strings, not NaN."""
    if values.boolean(values.arg_value(call, "na_filter")) is False:
        return True
    return values.boolean(values.arg_value(call, "keep_default_na")) is False and values.arg(call, "na_values") is None


def unchecked_missing_values(ctx: Context) -> None:
    facts = ctx.facts
    reads = [c for c in facts.calls if (c.qualname or "").startswith("pandas.read_")]
    if not reads:
        return
    sinks = [c for c in facts.calls if c.method in _TRAINING and _receiver_may_train(facts, c)]
    if not sinks:
        return
    if any(last_part(c.qualname or c.dotted) in _IMPUTERS for c in facts.calls):
        return
    flows = _Flows(facts)
    handlers = [(c, _reads(c.node)) for c in facts.calls if _handler_name(c) is not None]
    sink_reads = [(c, [_reads(a) for a in _data_args(c.node)]) for c in sinks]
    for read in reads:
        if _no_nan_parsing(read.node):
            continue
        taint = _Taint(flows, read.node)
        taint.spread()
        if any(taint.touched(r, h.scope) for h, r in handlers if h.node is not read.node):
            continue
        hit = next(
            (s for s, args in sink_reads if any(taint.touched(r, s.scope) for r in args)),
            None,
        )
        if hit is None:
            continue
        ctx.report(
            read.node,
            KNL501,
            f"data read by `{ctx.code(read.node.func)}(...)` reaches `{ctx.code(hit.node.func)}(...)` with no "
            f"dropna/fillna/isna check on the way: one NaN in the inputs makes the loss NaN from that batch on, and "
            f"under a val_accuracy objective the trial is still scored (measured); drop or fill missing values "
            f"(`df.dropna()`, `df.fillna(...)`) or assert `not df.isna().any().any()` before training",
        )


KNL501 = define_rule(
    "KNL501",
    "unchecked-missing-values",
    Severity.WARNING,
    "Data read with pandas reaches fit/search with no NaN handling (dropna/fillna/isna) on the way",
    check=unchecked_missing_values,
    probe=Probe("data", "NaN/Inf counts of the arrays that reach search()/fit()", "nan_counts"),
)
