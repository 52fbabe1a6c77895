"""Models built in the file: their output layers, output activations and units, and the losses compile() gives them.

Public API (stable: other checks import it):

- ``models(facts)``: every ``keras.Sequential(...)`` / ``keras.Model(inputs, outputs)`` constructed in the file, with
  outputs traced and ``compile()`` calls attached (computed once per file, cached).
- ``models_in(facts, scope)``: the models constructed directly in one scope (a hypermodel function, a
  ``HyperModel.build`` method, or the module).
- ``model_of(facts, expr, scope)``: the model an expression evaluates to: a name bound to ``Sequential(...)``, or a
  call to a local function that returns exactly one model.
- ``models_built_by(facts, expr, scope)``: the models a hypermodel expression builds (a function name, a
  ``HyperModel`` subclass or an instance of one).
- ``ModelInfo.output_names``: the names Keras 3 gives the outputs (dict keys, else the layers' ``name=``).
- ``loss_pairs(model)``: (output, loss, compile) for every output and each loss that trains it.

Values are followed in statement order inside one scope (``x = Dense(8)(x)`` rebinding ``x`` is fine). A value
bound inside a branch or a loop that does not enclose its use is unknown, and unknowns are ``None``: rules stay
silent on them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from kerasnanlint.semantics import values
from kerasnanlint.semantics.module import ModuleFacts, Scope, target_names
from kerasnanlint.semantics.names import dotted_name, last_part

PROBABILITY = frozenset({"sigmoid", "softmax"})
LINEAR = "linear"
# Activations whose outputs are neither probabilities nor unbounded logits.
NOT_PROBABILITY = frozenset(
    {
        "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "hard_silu", "hard_swish",
        "mish", "tanh", "hard_tanh", "softplus", "softsign", "exponential", "log_softmax", "log_sigmoid",
        "squareplus", "sparse_plus", "tanh_shrink", "soft_shrink", "hard_shrink", "threshold",
    }
)  # fmt: skip
# Layers with an ``activation=`` argument that defaults to linear; Dense also takes it at position 1.
_LINEAR_DEFAULT_LAYERS = frozenset(
    {
        "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
        "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    }
)  # fmt: skip
# Layers that only apply an activation: units come from the layer before them.
_WRAPPERS = frozenset({"TimeDistributed", "Bidirectional"})
_ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "PReLU": "relu"}
# Modules whose functions are activations: keras.activations.sigmoid, tf.nn.softmax, keras.ops.sigmoid ...
_ACTIVATION_MODULES = ("keras.activations.", "tensorflow.nn.", "keras.ops.", "keras.ops.nn.", "tensorflow.math.")
_ACTIVATION_FUNCS = PROBABILITY | NOT_PROBABILITY | {LINEAR}
_TF_SHORT = {"tensorflow.sigmoid": "sigmoid", "tensorflow.tanh": "tanh", "tensorflow.nn.swish": "silu"}

STARRED = cst.Name("__star_args__")  # Output.dtype when ``*args``/``**kwargs`` may set it: unknown
_OPAQUE = cst.Name("__opaque_layers__")  # stands for layers we cannot see (Sequential(some_list))
_MODEL_CTORS = {"keras.Model": "functional", "keras.Sequential": "sequential"}

CROSSENTROPY = frozenset(
    {
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
    }
)
_LOSS_ALIASES = {
    "bce": "binary_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
}
# Loss classes whose first positional parameter is from_logits.
_FROM_LOGITS_FIRST = frozenset({"BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"})

LOSS_CLASSES = {  # loss function name -> its keras.losses class (KNL202's message and fix)
    "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
}


# --- facts -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """An output activation: one name, or every value of an ``hp.Choice``."""

    names: tuple[str, ...]  # "sigmoid", "linear" (also for None / no activation), "relu", or unknown strings as written
    node: cst.CSTNode  # where it is written; the layer call when the activation is the layer's default
    choice: str | None = None  # the hp.Choice name when the activation is searched over
    explicit: bool = True


@dataclass(eq=False)
class Output:
    """One model output, as the layer that produces it."""

    layer: cst.Call  # Dense(...), Activation(...), Softmax(), or keras.activations.sigmoid(x)
    kind: str  # "Dense", "Activation", "Softmax", ... or "function" for an activation applied as a function
    activation: Activation | None  # None: unknown
    units: int | None  # units of the Dense producing the output (through activation layers); None: unknown
    name: str | None = None  # the output layer's name= literal
    key: str | None = None  # the dict key when the model's outputs are a dict
    dtype: cst.BaseExpression | None = None  # the output layer's dtype= argument (STARRED: maybe in **kwargs)


@dataclass(eq=False)
class Loss:
    """One loss as compile() receives it (or one entry of a per-output dict / list)."""

    node: cst.BaseExpression  # the expression a fix rewrites: the string or the loss call, where it is written
    name: str | None  # canonical function name ("binary_crossentropy", "mean_squared_error"...) for built-ins
    kind: Literal["builtin", "custom", "unknown"]
    from_logits: bool | None = None  # built-in crossentropies: the value (False by default); None: unknown
    from_logits_arg: cst.Arg | None = None
    key: str | None = None  # output name when given in a dict
    index: int | None = None  # output position when given in a list

    @property
    def crossentropy(self) -> bool:
        """A built-in crossentropy loss."""
        return self.name in CROSSENTROPY


@dataclass(eq=False)
class Compile:
    """One ``model.compile(...)`` call: its loss, resolved where possible, and its metrics as written."""

    call: cst.Call
    scope: Scope
    loss: cst.BaseExpression | None  # loss= as written
    losses: list[Loss] | None  # None: no loss argument, or it could not be resolved
    metrics: cst.BaseExpression | None
    weighted_metrics: cst.BaseExpression | None


@dataclass(eq=False)
class ModelInfo:
    """A model built in this file: its outputs (with their activations) and the compile() calls on it."""

    node: cst.Call  # the Sequential(...) / Model(...) call
    kind: Literal["sequential", "functional"]
    scope: Scope
    variable: str | None  # the name it is bound to (None when returned directly)
    outputs: list[Output] | None = None  # None: unknown
    output_form: Literal["single", "list", "dict"] = "single"
    compiles: list[Compile] = field(default_factory=list)
    point: Point | None = field(default=None, repr=False)  # the statement constructing it
    _seq_layers: list[tuple[Point, cst.BaseExpression, bool]] = field(default_factory=list, repr=False)
    _opaque: bool = field(default=False, repr=False)  # passed to an unknown function or popped: layers unknown

    @property
    def output_names(self) -> list[str | None] | None:
        """Names Keras 3 uses for outputs in loss/metric dicts and logs: dict keys, else the layers' name=."""
        if self.outputs is None:
            return None
        return [o.key if self.output_form == "dict" else o.name for o in self.outputs]


# --- statement-order value flow inside one scope -------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """A statement in one scope's statement-order flow: where a value is read."""

    flow: Flow
    index: int
    path: tuple[int, ...]  # the blocks (branches, loop bodies) enclosing the statement


@dataclass(frozen=True)
class _Def:
    point: Point
    value: cst.BaseExpression | None  # None: bound to something not followed (tuple target, loop variable)


class Flow:
    """Small statements of one scope in order, and where each name is bound."""

    def __init__(self, facts: ModuleFacts, scope: Scope) -> None:
        self.facts, self.scope = facts, scope
        self.defs: dict[str, list[_Def]] = {}
        self.statements: list[tuple[Point, cst.BaseSmallStatement]] = []
        self.loops: set[int] = set()
        self._count = 0
        self._blocks = 0
        node = scope.node
        if isinstance(node, cst.Module):
            self._walk(node.body, ())
        elif isinstance(node, cst.FunctionDef):
            self._walk_suite(node.body, ())

    # building
    def _block(self, loop: bool = False) -> int:
        self._blocks += 1
        if loop:
            self.loops.add(self._blocks)
        return self._blocks

    def _walk_suite(self, suite: cst.BaseSuite, path: tuple[int, ...]) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._walk(suite.body, path)
        elif isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:
                self._small(small, path)

    def _bind(self, name: str, value: cst.BaseExpression | None, path: tuple[int, ...]) -> None:
        self.defs.setdefault(name, []).append(_Def(Point(self, self._count, path), value))
        self._count += 1

    def _walk(self, body: object, path: tuple[int, ...]) -> None:
        for stmt in body:  # type: ignore[attr-defined]
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._small(small, path)
            elif isinstance(stmt, cst.If):
                self._if(stmt, path)
            elif isinstance(stmt, cst.For | cst.While):
                loop = (*path, self._block(loop=True))
                if isinstance(stmt, cst.For):
                    for name in target_names(stmt.target):
                        self._bind(name, None, loop)
                self._walk_suite(stmt.body, loop)
                if stmt.orelse is not None:
                    self._walk_suite(stmt.orelse.body, (*path, self._block()))
            elif isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None:
                        for name in target_names(item.asname.name):
                            self._bind(name, None, path)
                self._walk_suite(stmt.body, path)  # a with body runs once, in order
            elif isinstance(stmt, cst.Try | cst.TryStar):
                self._walk_suite(stmt.body, path)
                for handler in stmt.handlers:
                    block = (*path, self._block())
                    if handler.name is not None:
                        for name in target_names(handler.name.name):
                            self._bind(name, None, block)
                    self._walk_suite(handler.body, block)
                if stmt.orelse is not None:
                    self._walk_suite(stmt.orelse.body, (*path, self._block()))
                if stmt.finalbody is not None:
                    self._walk_suite(stmt.finalbody.body, path)
            elif isinstance(stmt, cst.Match):
                for case in stmt.cases:
                    self._walk_suite(case.body, (*path, self._block()))
            elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
                self._bind(stmt.name.value, None, path)

    def _if(self, stmt: cst.If, path: tuple[int, ...]) -> None:
        branch: cst.If | cst.Else | None = stmt
        while isinstance(branch, cst.If):  # an elif chain, iteratively
            if branch is stmt and _is_main_guard(branch.test):
                self._walk_suite(branch.body, path)  # a script's main block runs, in order
            else:
                self._walk_suite(branch.body, (*path, self._block()))
            branch = branch.orelse
        if isinstance(branch, cst.Else):
            self._walk_suite(branch.body, (*path, self._block()))

    def _small(self, small: cst.BaseSmallStatement, path: tuple[int, ...]) -> None:
        self.statements.append((Point(self, self._count, path), small))
        self._count += 1
        if isinstance(small, cst.Assign):
            for t in small.targets:
                if isinstance(t.target, cst.Name):
                    self._bind(t.target.value, small.value, path)
                else:
                    for name in target_names(t.target):
                        self._bind(name, None, path)
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
            self._bind(small.target.value, small.value, path)
        elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            self._bind(small.target.value, None, path)

    # reading
    def lookup(self, name: str, at: Point) -> _Def | None:
        """The binding of ``name`` that reaches ``at``, when exactly one does; else None."""
        defs = self.defs.get(name)
        if not defs:
            if name in self.scope.params or self.scope.parent is None:
                return None
            parent = flow(self.facts, self.scope.parent)
            outer = parent.defs.get(name)
            if outer and len(outer) == 1 and outer[0].value is not None:
                return outer[0]
            return None
        # defs are in walk order: a bisection, not a scan (``x = layer(x)`` rebinds one name thousands of times)
        i = bisect.bisect_left(defs, at.index, key=lambda d: d.point.index)
        if i == 0:
            return None
        last = defs[i - 1]
        if last.point.path != at.path[: len(last.point.path)]:
            return None  # bound in a branch that does not enclose the use
        if any(b in self.loops for b in at.path):  # a later binding in an enclosing loop reaches the use next time
            for d in defs[i:]:
                if d.point.index > at.index and any(b in self.loops and b in at.path for b in d.point.path):
                    return None
        return last if last.value is not None else None

    def value(self, expr: cst.BaseExpression, at: Point, depth: int = 4) -> tuple[cst.BaseExpression, Point]:
        """Follow a local name to the expression bound to it (up to ``depth`` hops)."""
        while depth > 0 and isinstance(expr, cst.Name):
            found = self.lookup(expr.value, at)
            if found is None or found.value is None:
                break
            expr, at = found.value, found.point
            depth -= 1
        return expr, at


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    other = test.comparisons[0].comparator
    return (
        isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and values.string(other) == "__main__"
        and isinstance(test.comparisons[0].operator, cst.Equal)
    )


# --- per-file cache ----------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _FileModels:
    flows: dict[Scope, Flow] = field(default_factory=dict)
    by_node: dict[cst.Call, ModelInfo] = field(default_factory=dict)
    models: list[ModelInfo] | None = None


def _file(facts: ModuleFacts) -> _FileModels:
    return facts.derive("models", lambda _facts: _FileModels())


def flow(facts: ModuleFacts, scope: Scope) -> Flow:
    """The statement-order view of one scope (built once)."""
    flows = _file(facts).flows
    found = flows.get(scope)
    if found is None:
        found = flows[scope] = Flow(facts, scope)
    return found


# --- public queries ----------------------------------------------------------------------------------------------


def models(facts: ModuleFacts) -> list[ModelInfo]:
    """Every Sequential / functional model constructed in the file, outputs traced and compile() calls attached."""
    data = _file(facts)
    if data.models is None:
        data.models = []
        data.models = _build(facts, data)
    return data.models


def models_in(facts: ModuleFacts, scope: Scope) -> list[ModelInfo]:
    """The models built in ``scope``."""
    return _models_by_scope(facts).get(scope, [])


def _models_by_scope(facts: ModuleFacts) -> dict[Scope, list[ModelInfo]]:
    def build(facts: ModuleFacts) -> dict[Scope, list[ModelInfo]]:
        index: dict[Scope, list[ModelInfo]] = {}
        for m in models(facts):
            index.setdefault(m.scope, []).append(m)
        return index

    found: dict[Scope, list[ModelInfo]] = facts.derive("models_by_scope", build)
    return found


def pairs_of_loss(facts: ModuleFacts, node: cst.CSTNode) -> list[tuple[Output, Loss, Compile]]:
    """The ``loss_pairs`` of every model whose loss is written at ``node``, in order (an index built once)."""

    def build(facts: ModuleFacts) -> dict[cst.CSTNode, list[tuple[Output, Loss, Compile]]]:
        index: dict[cst.CSTNode, list[tuple[Output, Loss, Compile]]] = {}
        for model in models(facts):
            for pair in loss_pairs(model):
                index.setdefault(pair[1].node, []).append(pair)
        return index

    index: dict[cst.CSTNode, list[tuple[Output, Loss, Compile]]] = facts.derive("pairs_by_loss", build)
    return index.get(node, [])


def model_of(facts: ModuleFacts, expr: cst.BaseExpression, scope: Scope, at: Point | None = None) -> ModelInfo | None:
    """The model ``expr`` evaluates to at ``at`` (default: the end of ``scope``), or None."""
    models(facts)
    return _model_of(facts, expr, at or end_point(facts, scope), 0)


def models_built_by(facts: ModuleFacts, expr: cst.BaseExpression, scope: Scope) -> list[ModelInfo] | None:
    """The models a hypermodel builds: ``build_model``, ``MyHyperModel`` or ``MyHyperModel(...)``; None: unknown."""
    target, _ = flow(facts, scope).value(expr, end_point(facts, scope))
    if isinstance(target, cst.Call):
        target = target.func
    if not isinstance(target, cst.Name):
        return None
    fn = facts.function(target.value, near=scope)
    if fn is not None:
        return models_in(facts, fn)
    cls = facts.classes.get(target.value)
    if cls is not None and "build" in cls.methods:
        return models_in(facts, cls.methods["build"])
    return None


def loss_pairs(model: ModelInfo) -> Iterator[tuple[Output, Loss, Compile]]:
    """Every output paired with each loss that trains it (a single loss trains every output)."""
    if model.outputs is None:
        return
    for comp in model.compiles:
        for loss in comp.losses or ():
            if loss.key is not None:
                names = model.output_names or []
                targets = [o for o, n in zip(model.outputs, names, strict=True) if n == loss.key]
            elif loss.index is not None:
                targets = [model.outputs[loss.index]] if loss.index < len(model.outputs) else []
            else:
                targets = model.outputs
            for out in targets:
                yield out, loss, comp


def end_point(facts: ModuleFacts, scope: Scope) -> Point:
    """The point after the last statement of ``scope`` (names bound at its top level are visible there)."""
    f = flow(facts, scope)
    return Point(f, f._count, ())


def activation_of(facts: ModuleFacts, expr: cst.BaseExpression | None, at: Point) -> Activation | None:
    """An ``activation=`` value: a string, None, keras.activations.X, tf.nn.X, or an hp.Choice of those."""
    return _activation(facts, expr, at)


def qualname(facts: ModuleFacts, expr: cst.BaseExpression) -> str | None:
    """The canonical name of ``expr`` through the file's imports."""
    return facts.imports.resolve(expr)


# --- building ----------------------------------------------------------------------------------------------------


def _build(facts: ModuleFacts, data: _FileModels) -> list[ModelInfo]:
    ctor_scopes = {c.scope for c in facts.calls if c.qualname in _MODEL_CTORS}
    if not ctor_scopes:
        return []
    out: list[ModelInfo] = []
    for scope in facts.scopes:
        if scope not in ctor_scopes or isinstance(scope.node, cst.Lambda):
            continue
        f = flow(facts, scope)
        for point, small in f.statements:
            bound: str | None = None
            if isinstance(small, cst.Assign | cst.AnnAssign):
                value = small.value
                targets = small.targets if isinstance(small, cst.Assign) else (small,)
                names = [t.target.value for t in targets if isinstance(t.target, cst.Name)]
                bound = names[0] if names else None
            elif isinstance(small, cst.Return):
                value = small.value
            else:
                continue
            if not isinstance(value, cst.Call):
                continue
            kind = _MODEL_CTORS.get(qualname(facts, value.func) or "")
            if kind is None:
                continue
            info = ModelInfo(value, kind, scope, bound, point=point)  # type: ignore[arg-type]
            info._seq_layers = [(point, el, False) for el in _sequential_list(facts, value, point)]
            data.by_node[value] = info
            out.append(info)
    # Second pass: add() and compile() calls, and models passed to unknown functions, in every scope.
    call_scopes = {c.scope for c in facts.calls if c.method in ("add", "compile", "pop")} | ctor_scopes
    for scope in facts.scopes:
        if isinstance(scope.node, cst.Lambda) or scope not in call_scopes:
            continue
        f = flow(facts, scope)
        for point, small in f.statements:
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                _statement_call(facts, small.value, point)
    for info in out:
        info.outputs = _outputs(facts, info)
    return out


def _sequential_list(facts: ModuleFacts, call: cst.Call, at: Point) -> list[cst.BaseExpression]:
    if qualname(facts, call.func) != "keras.Sequential":
        return []
    arg = values.arg_value(call, "layers", 0)
    if arg is None:
        return []
    arg, _ = at.flow.value(arg, at)
    if isinstance(arg, cst.List | cst.Tuple) and all(isinstance(e, cst.Element) for e in arg.elements):
        return [e.value for e in arg.elements]
    return [_OPAQUE]  # an opaque list: its last layer is unknown


def _statement_call(facts: ModuleFacts, call: cst.Call, at: Point) -> None:
    func = call.func
    if isinstance(func, cst.Attribute):
        model = _model_of(facts, func.value, at, 0)
        if model is not None:
            method = func.attr.value
            if method == "add":
                layer = values.arg_value(call, "layer", 0)
                if layer is None or at.flow.scope is not model.scope or model.point is None:
                    model._opaque = True  # layers added elsewhere: the order is unknown
                else:
                    model._seq_layers.append((at, layer, at.path != model.point.path))
            elif method == "pop":
                model._opaque = True
            elif method == "compile":
                model.compiles.append(_compile(facts, call, at))
            return
    if qualname(facts, func) is None and dotted_name(func) not in ("print", "len"):
        for a in call.args:  # a model handed to a local helper may get layers added there
            if isinstance(a.value, cst.Name):
                model = _model_of(facts, a.value, at, 0)
                if model is not None and model.kind == "sequential":
                    model._opaque = True


def _model_of(facts: ModuleFacts, expr: cst.BaseExpression, at: Point, depth: int) -> ModelInfo | None:
    if depth > 3:
        return None
    expr, at = at.flow.value(expr, at)
    if not isinstance(expr, cst.Call):
        return None
    found = _file(facts).by_node.get(expr)
    if found is not None:
        return found
    if isinstance(expr.func, cst.Name) and qualname(facts, expr.func) is None:
        fn = facts.function(expr.func.value, near=at.flow.scope)
        if fn is None:
            return None
        f = flow(facts, fn)
        got = {
            id(m): m
            for p, s in f.statements
            if isinstance(s, cst.Return) and s.value is not None
            for m in [_model_of(facts, s.value, p, depth + 1)]
            if m is not None
        }
        returns = [s for _, s in f.statements if isinstance(s, cst.Return)]
        if len(got) == 1 and len(returns) == len(fn.returns):
            return next(iter(got.values()))
    return None


# --- outputs -----------------------------------------------------------------------------------------------------


def _outputs(facts: ModuleFacts, model: ModelInfo) -> list[Output] | None:
    if model.kind == "sequential":
        if model._opaque or not model._seq_layers:
            return None
        layers = sorted(model._seq_layers, key=lambda t: t[0].index)
        out = _sequential_output(facts, layers, len(layers) - 1)
        return [out] if out is not None else None
    node = model.node
    arg = values.arg_value(node, "outputs", 1)
    if arg is None:
        return None
    start = model.point
    if start is None:
        return None
    arg, at = start.flow.value(arg, start)
    if isinstance(arg, cst.List | cst.Tuple):
        model.output_form = "list"
        outs = [_trace(facts, e.value, at, 0) if isinstance(e, cst.Element) else None for e in arg.elements]
    elif isinstance(arg, cst.Dict):
        model.output_form = "dict"
        outs = []
        for el in arg.elements:
            key = values.string(el.key) if isinstance(el, cst.DictElement) else None
            out = _trace(facts, el.value, at, 0) if key is not None else None
            if out is not None:
                out.key = key
            outs.append(out)
    else:
        outs = [_trace(facts, arg, at, 0)]
    if any(o is None for o in outs):
        return None
    return outs  # type: ignore[return-value]


def _sequential_output(
    facts: ModuleFacts, layers: list[tuple[Point, cst.BaseExpression, bool]], i: int
) -> Output | None:
    if i < 0:
        return None
    at, expr, conditional = layers[i]
    if conditional:
        return None
    return _layer_output(facts, expr, at, lambda: _sequential_output(facts, layers, i - 1))


def _layer_output(
    facts: ModuleFacts, expr: cst.BaseExpression, at: Point, before: Callable[[], Output | None]
) -> Output | None:
    """The output of applying the layer ``expr``; ``before()`` gives the output of the layer feeding it."""
    call, at = at.flow.value(expr, at)
    if not isinstance(call, cst.Call):
        return None
    q = qualname(facts, call.func) or ""
    if not q.startswith("keras.layers."):
        return None
    kind = last_part(q)
    if kind in _WRAPPERS:  # TimeDistributed(Dense(...)): the wrapped layer makes the output
        inner = values.arg_value(call, "layer", 0)
        out = _layer_output(facts, inner, at, before) if inner is not None else None
        if out is not None and kind == "Bidirectional":
            out.units = None  # two directions, merged: the unit count is not the wrapped layer's
        return out
    name = values.string(values.arg_value(call, "name"))
    starred = values.has_star_args(call)  # Dense(1, **cfg): activation and dtype may be in cfg
    dtype = values.arg_value(call, "dtype") or (STARRED if starred else None)
    if kind in _LINEAR_DEFAULT_LAYERS:
        act_expr = values.arg_value(call, "activation", 1 if kind == "Dense" else None)
        if act_expr is None:
            act: Activation | None = None if starred else Activation((LINEAR,), call, explicit=False)
        else:
            act = _activation(facts, act_expr, at)
        units = _int(values.arg_value(call, "units", 0), at) if kind == "Dense" else None
        return Output(call, kind, act, units, name, dtype=dtype)
    if kind == "Activation":
        act = _activation(facts, values.arg_value(call, "activation", 0), at)
    elif kind in _ACTIVATION_LAYERS:
        act = Activation((_ACTIVATION_LAYERS[kind],), call)
        axis_expr = values.arg_value(call, "axis", 0) if kind == "Softmax" else None
        if axis_expr is not None and values.number(axis_expr) != -1.0:  # another axis: its units are unknown
            return Output(call, kind, act, None, name, dtype=dtype)
    else:
        return None
    prev = before()
    return Output(call, kind, act, prev.units if prev else None, name, dtype=dtype)


def _trace(facts: ModuleFacts, expr: cst.BaseExpression, at: Point, depth: int) -> Output | None:
    """The output layer producing the functional tensor ``expr``."""
    if depth > 12:
        return None
    expr, at = at.flow.value(expr, at)
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    tensor = values.arg_value(expr, None, 0)
    q = qualname(facts, func) if not isinstance(func, cst.Call) else None
    if q is not None and not q.startswith("keras.layers."):
        name = _activation_function(q)
        if name is None or tensor is None:
            return None
        prev = _trace(facts, tensor, at, depth + 1)
        return Output(expr, "function", Activation((name,), func), prev.units if prev else None)
    # Dense(...)(x), or layer(x) with layer = Dense(...)
    return _layer_output(
        facts,
        func,
        at,
        lambda: _trace(facts, tensor, at, depth + 1) if tensor is not None else None,
    )


def _activation_function(q: str) -> str | None:
    if q in _TF_SHORT:
        return _TF_SHORT[q]
    for prefix in _ACTIVATION_MODULES:
        if q.startswith(prefix):
            name = q[len(prefix) :]
            if name in _ACTIVATION_FUNCS:
                return "silu" if name == "swish" else name
    return None


def _activation(facts: ModuleFacts, expr: cst.BaseExpression | None, at: Point, depth: int = 0) -> Activation | None:
    if expr is None or depth > 4:
        return None
    if isinstance(expr, cst.Name) and expr.value == "None":
        return Activation((LINEAR,), expr)
    text = values.string(expr)
    if text is not None:
        return Activation((text,), expr)
    if isinstance(expr, cst.Name | cst.Attribute):
        q = qualname(facts, expr)
        if q is not None:
            name = _activation_function(q)
            return Activation((name,), expr) if name else None
        followed, at2 = at.flow.value(expr, at, 1)
        if followed is expr:
            return None
        return _activation(facts, followed, at2, depth + 1)
    if isinstance(expr, cst.Call):
        q = qualname(facts, expr.func)
        if q == "keras.activations.get":
            return _activation(facts, values.arg_value(expr, "identifier", 0), at, depth + 1)
        choice = _choice(expr, at)
        if choice is not None:
            return choice
    return None


def _choice(call: cst.Call, at: Point) -> Activation | None:
    """``hp.Choice("act", ["relu", "sigmoid"])``: every value, when all are literals."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "Choice"):
        return None
    name = values.string(values.arg_value(call, "name", 0))
    options = values.arg_value(call, "values", 1)
    if options is not None:
        options, _ = at.flow.value(options, at)
    if name is None or not isinstance(options, cst.List | cst.Tuple):
        return None
    names: list[str] = []
    for el in options.elements:
        value = el.value
        if isinstance(value, cst.Name) and value.value == "None":
            names.append(LINEAR)
            continue
        text = values.string(value)
        if text is None:
            return None
        names.append(text)
    return Activation(tuple(names), call, choice=name) if names else None


def _int(expr: cst.BaseExpression | None, at: Point) -> int | None:
    if expr is None:
        return None
    expr, _ = at.flow.value(expr, at)
    n = values.number(expr)
    return int(n) if n is not None and float(n).is_integer() else None  # not inf (1e309)


# --- compile and losses --------------------------------------------------------------------------------------------


def _compile(facts: ModuleFacts, call: cst.Call, at: Point) -> Compile:
    loss = values.arg_value(call, "loss", 1)
    losses = _losses(facts, loss, at) if loss is not None and not values.has_star_args(call) else None
    return Compile(
        call,
        at.flow.scope,
        loss,
        losses,
        values.arg_value(call, "metrics"),
        values.arg_value(call, "weighted_metrics"),
    )


def _losses(facts: ModuleFacts, expr: cst.BaseExpression, at: Point) -> list[Loss] | None:
    expr, at = at.flow.value(expr, at)
    if isinstance(expr, cst.Dict):
        out = []
        for entry in expr.elements:
            key = values.string(entry.key) if isinstance(entry, cst.DictElement) else None
            if key is None:
                return None
            one = _loss(facts, entry.value, at)
            one.key = key
            out.append(one)
        return out
    if isinstance(expr, cst.List | cst.Tuple):
        out = []
        for i, el in enumerate(expr.elements):
            if not isinstance(el, cst.Element):
                return None
            one = _loss(facts, el.value, at)
            one.index = i
            out.append(one)
        return out
    return [_loss(facts, expr, at)]


def loss_name(text: str) -> str:
    """Canonical loss name: "bce" -> "binary_crossentropy", "MeanSquaredError" -> "mean_squared_error"."""
    if text in _LOSS_ALIASES:
        return _LOSS_ALIASES[text]
    if text[:1].isupper():
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text).lower()
    return text


def _loss(facts: ModuleFacts, expr: cst.BaseExpression, at: Point) -> Loss:
    expr, at = at.flow.value(expr, at)
    text = values.string(expr)
    if text is not None:
        name = loss_name(text)
        return Loss(expr, name, "builtin", False if name in CROSSENTROPY else None)
    if isinstance(expr, cst.Lambda):
        return Loss(expr, None, "custom")
    if isinstance(expr, cst.Name | cst.Attribute):
        q = qualname(facts, expr)
        if q is not None and q.startswith("keras.losses.") and last_part(q)[:1].islower():
            name = loss_name(last_part(q))
            return Loss(expr, name, "builtin", False if name in CROSSENTROPY else None)
        if isinstance(expr, cst.Name) and q is None and facts.function(expr.value, near=at.flow.scope):
            return Loss(expr, None, "custom")
        return Loss(expr, None, "unknown")
    if isinstance(expr, cst.Call):
        q = qualname(facts, expr.func)
        if q == "keras.losses.get":
            inner = values.arg_value(expr, "identifier", 0)
            return _loss(facts, inner, at) if inner is not None else Loss(expr, None, "unknown")
        if q is not None and q.startswith("keras.losses.") and last_part(q)[:1].isupper():
            cls = last_part(q)
            name = loss_name(cls)
            if name not in CROSSENTROPY:
                return Loss(expr, name, "builtin")
            if values.has_star_args(expr):
                return Loss(expr, name, "builtin", None)
            arg = values.arg(expr, "from_logits", 0 if cls in _FROM_LOGITS_FIRST else None)
            if arg is None:
                return Loss(expr, name, "builtin", False)
            value, _ = at.flow.value(arg.value, at)
            return Loss(expr, name, "builtin", values.boolean(value), arg)
        if isinstance(expr.func, cst.Name) and expr.func.value in facts.classes:
            return Loss(expr, None, "custom")
    return Loss(expr, None, "unknown")
