"""Data rules visible in source (KNL501, KNL502).

Measured (docs/activations-data.md): one NaN in x_train makes the loss NaN and, under a val_accuracy objective,
the trial is still scored; all-zero labels (examples/seed3_constant_labels.py) train to a constant, no NaN.
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
            f"Training labels{label} are {holds} ({ctx.code(builder.func)}) and reach `{target}`",
            help="Every target is the same, so the model learns a constant and the objective is meaningless"
            " (measured on examples/seed3_constant_labels.py: val_accuracy stuck at 0.5, val_loss rising, no NaN);"
            " pass the real labels",
        )


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
# An imputer anywhere in the file: the data is meant to be imputed (we do not follow it through fit_transform).
_IMPUTERS = frozenset({"SimpleImputer", "KNNImputer", "IterativeImputer", "Imputer", "MissingIndicator"})
# Calls whose result is not the table's numbers: file paths become images, text becomes token ids, strings become
# lookup ids, categories become one-hot rows (NaN gives an all-zero row), and map/apply results are not followed.
_NOT_NUMERIC_OPS = frozenset(
    {
        "flow_from_dataframe", "flow_from_directory", "texts_to_sequences", "texts_to_matrix", "fit_on_texts",
        "sequences_to_matrix", "pad_sequences", "TextVectorization", "StringLookup", "IntegerLookup", "Hashing",
        "load_img", "img_to_array", "imread", "read_file", "decode_jpeg", "decode_png", "decode_image",
        "get_dummies", "to_categorical", "LabelEncoder", "OneHotEncoder", "tokenizer", "tokenize", "encode",
        "batch_encode_plus", "map", "apply", "applymap", "astype_str",
    }
)  # fmt: skip
# Column names that hold text, paths or ids (df["image_path"], df[["caption"]]): strings, not NaN-able numbers.
_TEXT_COLUMN = re.compile(
    r"path|file|image|img|photo|text|caption|sentence|review|comment|title|url|token|word|descr|question|answer"
    r"|(^|_)ids?$",
    re.IGNORECASE,
)
# Packages whose functions keep NaN in what they return; a function from any other package is not followed.
_NAN_KEEPING_ROOTS = ("numpy", "pandas", "sklearn", "scipy", "tensorflow", "keras")


@dataclass(frozen=True)
class _Reads:
    """What an expression reads: plain names, names of called local functions, and which calls it contains."""

    names: frozenset[str]
    called: frozenset[str]
    calls: frozenset[int]  # id() of every Call node inside


def _text_columns(node: cst.Subscript) -> bool:
    """``df["caption"]`` / ``df[["path", "text"]]``: every selected column is text, paths or ids."""
    keys: list[str | None] = []
    for el in node.slice:
        index = el.slice.value if isinstance(el.slice, cst.Index) else None
        if isinstance(index, cst.List):
            keys.extend(values.string(e.value) for e in index.elements)
        else:
            keys.append(values.string(index) if index is not None else None)
    return bool(keys) and all(k is not None and _TEXT_COLUMN.search(k) for k in keys)


def _not_followed(facts: ModuleFacts, scope: Scope, call: cst.Call) -> bool:
    """The call's result does not carry the data's NaN for sure: a non-numeric op or another package's function.

    Calls of the file's own functions are not followed either: their parameters and returns are (_Flows).
    """
    func = call.func
    made = values.follow(func, scope) if isinstance(func, cst.Name) else None
    if isinstance(made, cst.Call):  # lookup = StringLookup(...); lookup(ids)
        func = made.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    if name in _NOT_NUMERIC_OPS:
        return True
    func = call.func
    q = facts.resolve(func)
    if q is not None:
        return q.split(".", 1)[0] not in _NAN_KEEPING_ROOTS
    if isinstance(func, cst.Name) and func.value in facts.classes:
        return True  # a Sequence/PyDataset of the file: what it yields is its own business
    return isinstance(func, cst.Name) and facts.function(func.value, near=scope) is not None


def _reads(expr: cst.CSTNode, facts: ModuleFacts, scope: Scope) -> _Reads:
    names: set[str] = set()
    called: set[str] = set()
    calls: set[int] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            if node.attr.value != "str":  # df["x"].str...: text
                stack.append(node.value)  # not the attribute's own name
        elif isinstance(node, cst.Arg):
            stack.append(node.value)  # not the keyword
        elif isinstance(node, cst.Lambda | cst.FunctionDef):
            continue
        elif isinstance(node, cst.Subscript) and _text_columns(node):
            continue
        elif isinstance(node, cst.Call):
            calls.add(id(node))
            if isinstance(node.func, cst.Name) and facts.function(node.func.value, near=scope) is not None:
                called.add(node.func.value)
            if not _not_followed(facts, scope, node):
                stack.extend(children(node))
        else:
            stack.extend(children(node))
    return _Reads(frozenset(names), frozenset(called), frozenset(calls))


@dataclass(frozen=True)
class _Step:
    """One assignment, return or argument passing, summarized once per file: the taint fixpoint works on sets."""

    scope: Scope  # where ``reads`` are read
    binds: tuple[str, ...]  # names assigned (empty for a return)
    returns_from: str | None  # the function a return belongs to
    reads: _Reads
    into: Scope | None = None  # the called function whose parameters ``binds`` are (None: ``scope`` itself)


class _Flows:
    """The assignments, returns and calls of every scope, and where each name read in a scope is bound."""

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
                    if small.value is None:
                        continue
                    targets = small.targets if isinstance(small, cst.Assign) else (small,)
                    binds = tuple(n for t in targets for n in target_names(t.target))
                    self.steps.append(_Step(scope, binds, None, _reads(small.value, facts, scope)))
                elif isinstance(small, cst.Return) and small.value is not None:
                    if fn is not None and scope.cls is None:
                        self.steps.append(_Step(scope, (), fn.name.value, _reads(small.value, facts, scope)))
        for site in facts.calls:
            self.steps.extend(_argument_steps(facts, site))
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


def _argument_steps(facts: ModuleFacts, site: CallSite) -> Iterator[_Step]:
    """``helper(df)``: the argument flows into the parameter of the file's own function ``helper``."""
    func = site.node.func
    callee = facts.function(func.value, near=site.scope) if isinstance(func, cst.Name) else None
    if callee is None or callee.cls is not None:
        return
    for i, arg in enumerate(site.node.args):
        if arg.star:
            return
        param = arg.keyword.value if arg.keyword is not None else (callee.params[i] if i < len(callee.params) else None)
        if param in callee.params:
            yield _Step(site.scope, (param,), None, _reads(arg.value, facts, site.scope), into=callee)


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
                new = {(id(step.into or step.scope), n) for n in step.binds} - self.names
                if new and self.touched(step.reads, step.scope):
                    self.names |= new
                    changed = True


def _no_nan_parsing(call: cst.Call) -> bool:
    """``na_filter=False`` / ``keep_default_na=False`` without na_values: empty fields stay strings, not NaN."""
    if values.boolean(values.arg_value(call, "na_filter")) is False:
        return True
    return values.boolean(values.arg_value(call, "keep_default_na")) is False and values.arg(call, "na_values") is None


def _unhandled_reads(facts: ModuleFacts, reads: list[CallSite]) -> list[tuple[CallSite, _Taint]]:
    """Each pandas read with the taint of its data, unless NaN handling touches that data somewhere."""
    flows = _Flows(facts)
    handlers = [(c, _reads(c.node, facts, c.scope)) for c in facts.calls if c.method in _HANDLERS]
    out = []
    for read in reads:
        if _no_nan_parsing(read.node):
            continue
        taint = _Taint(flows, read.node)
        taint.spread()
        if not any(taint.touched(r, h.scope) for h, r in handlers if h.node is not read.node):
            out.append((read, taint))
    return out


def unchecked_missing_values(ctx: Context) -> None:
    facts = ctx.facts
    reads = [c for c in facts.calls if (c.qualname or "").startswith("pandas.read_")]
    sinks = [c for c in facts.calls if c.method in _TRAINING and _receiver_may_train(facts, c)]
    if not reads or not sinks or any(last_part(c.qualname or c.dotted) in _IMPUTERS for c in facts.calls):
        return
    live = _unhandled_reads(facts, reads)
    for sink in sinks:
        args = [_reads(a, facts, sink.scope) for a in _data_args(sink.node)]
        read = next((r for r, taint in live if any(taint.touched(a, sink.scope) for a in args)), None)
        if read is None:
            continue
        source = " ".join(ctx.code(read.node).split())
        source = source if len(source) <= 40 else source[:37] + "..."
        ctx.report(
            sink.node,
            KNL501,
            f"`{ctx.code(sink.node.func)}(...)` trains on data read by `{source}` with no NaN check on the way",
            help="Nothing calls dropna/fillna/isna on it: one NaN in the inputs makes the loss NaN from that batch"
            " on, and under a val_accuracy objective the trial is still scored (measured); drop or fill missing"
            " values (`df.dropna()`, `df.fillna(...)`) or assert `not df.isna().any().any()` before training",
        )


KNL501 = define_rule(
    "KNL501",
    "unchecked-missing-values",
    Severity.WARNING,
    "Data read with pandas reaches fit/search with no NaN handling (dropna/fillna/isna) on the way",
    check=unchecked_missing_values,
    probe=Probe("data", "NaN/Inf counts of the arrays that reach search()/fit()", "nan_counts"),
)
