"""KerasTuner facts: tuners, their hypermodels, objectives and search() calls, and hp declarations.

Built once per file from ModuleFacts (``tuner_facts(facts)`` caches on the facts object). A hypermodel is
resolved wherever it is written: a builder function (the definition in force where the tuner is made), a
lambda or ``functools.partial`` over one, a factory's return value, a ``HyperModel`` subclass, or any of these
imported from another module of the project (through its summary, ``facts.entry``). Anything we cannot see (a
third-party hypermodel, a tuner subclass with its own ``__init__``, ``**kwargs``) is recorded as unknown (None),
and rules stay silent on unknowns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from kerasnanlint.semantics.module import CallSite, ClassInfo, ModuleFacts, Scope, descendants
from kerasnanlint.semantics.names import canonical, last_part
from kerasnanlint.semantics.values import arg, arg_value, follow, has_star_args, is_docstring, string, token_value

# Tuners whose signature is (hypermodel, objective, ...); Tuner/SklearnTuner take (oracle, hypermodel, ...).
SEARCH_TUNERS = frozenset({"RandomSearch", "BayesianOptimization", "Hyperband", "GridSearch"})
ORACLE_TUNERS = frozenset({"Tuner", "SklearnTuner"})
TUNERS = SEARCH_TUNERS | ORACLE_TUNERS
ORACLES = frozenset(
    {"Oracle", "RandomSearchOracle", "BayesianOptimizationOracle", "HyperbandOracle", "GridSearchOracle"}
)  # also spelled keras_tuner.oracles.RandomSearch, ... (see _kt_class)
HP_KINDS = frozenset({"Float", "Int", "Choice", "Boolean", "Fixed"})
_HP_NAMES = frozenset({"hp", "hps", "hparams", "hyperparameters"})


def _kt_class(qualname: str | None, wanted: frozenset[str]) -> str | None:
    """``keras_tuner.RandomSearch`` (any module path under keras_tuner) -> ``RandomSearch``.

    ``keras_tuner.oracles.Hyperband`` and friends are oracles, not tuners: they answer as ``HyperbandOracle``.
    """
    if not qualname:
        return None
    qualname = canonical(qualname)
    if not qualname.startswith("keras_tuner."):
        return None
    name = last_part(qualname)
    if ".oracles." in qualname and not name.endswith("Oracle"):
        name += "Oracle"
    return name if name in wanted else None


@dataclass(eq=False)
class ObjectiveRef:
    """One objective: a string, or ``Objective(name, direction)``."""

    node: cst.BaseExpression  # the string literal or the Objective(...) call
    name: str | None
    name_node: cst.BaseExpression | None  # the string literal holding the name
    direction: str | None  # given in Objective(...); None for strings or non-literal directions
    explicit: bool  # Objective(...) rather than a bare string
    direction_node: cst.BaseExpression | None = None


@dataclass(eq=False)
class HyperModelInfo:
    node: cst.BaseExpression
    scopes: set[Scope]  # every scope of the hypermodel (build function / class methods and what they nest)
    custom_fit: bool  # a HyperModel.fit override: logs and fit arguments are its business
    builder: Scope | None = None  # the build function whose first parameter is ``hp``
    imported: dict[str, Any] | None = None  # the summary record of a hypermodel defined in another module


@dataclass(eq=False)
class SearchCall:
    site: CallSite

    def fit_arg(self, keyword: str, position: int | None = None) -> cst.BaseExpression | None:
        return arg_value(self.site.node, keyword, position)

    @property
    def unknown_args(self) -> bool:
        return has_star_args(self.site.node)


@dataclass(eq=False)
class TunerInfo:
    site: CallSite
    kind: str  # RandomSearch, ..., Tuner, SklearnTuner
    user_class: ClassInfo | None
    custom_init: bool  # a user subclass with its own __init__: arguments mean what it says
    custom_run_trial: bool
    objective_expr: cst.BaseExpression | None
    objectives: list[ObjectiveRef] | None  # None: unknown; [] : objective not given
    hypermodel: HyperModelInfo | None
    overrides_compile: bool  # Tuner(loss=/metrics=/optimizer=) recompiles the model
    searches: list[SearchCall] = field(default_factory=list)

    def argument(self, keyword: str) -> cst.Arg | None:
        return arg(self.site.node, keyword)

    @property
    def unknown_args(self) -> bool:
        return self.custom_init or has_star_args(self.site.node)


@dataclass(eq=False)
class HpDecl:
    site: CallSite
    kind: str  # Float, Int, Choice, Boolean, Fixed
    name: str | None
    space: object  # declarations sharing one search space share this key
    args: dict[str, cst.BaseExpression]
    guarded: bool  # inside a conditional_scope/name_scope, or with parent_name: its own name space
    targets: list[tuple[CallSite, str | int]] = field(default_factory=list)

    @property
    def node(self) -> cst.Call:
        return self.site.node

    def value(self, key: str) -> object:
        """Literal value of an argument (int/float/str/bool/None/list), _UNKNOWN when not literal, _ABSENT."""
        if key not in self.args:
            return ABSENT
        return literal(follow(self.args[key], self.site.scope, depth=2))


@dataclass(eq=False)
class TunerFacts:
    tuners: list[TunerInfo]
    oracle_objectives: list[list[ObjectiveRef]]  # objectives of oracles built outside a tuner call
    hp_decls: list[HpDecl]
    objective_spelling: str  # how this file spells keras_tuner.Objective


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("ABSENT")
UNKNOWN = _Marker("UNKNOWN")


def literal(expr: cst.BaseExpression | None) -> object:
    """Python value of a literal (numbers keep int/float), lists/tuples of literals; else UNKNOWN."""
    if expr is None:
        return UNKNOWN
    if isinstance(expr, cst.Integer):
        return int(token_value(expr))  # type: ignore[call-overload]
    if isinstance(expr, cst.Float):
        return float(token_value(expr))  # type: ignore[arg-type]
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus | cst.Plus):
        inner = literal(expr.expression)
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return -inner if isinstance(expr.operator, cst.Minus) else inner
        return UNKNOWN
    if isinstance(expr, cst.BinaryOperation):
        from kerasnanlint.semantics.values import number

        value = number(expr)
        return value if value is not None else UNKNOWN
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expr.value]
    s = string(expr)
    if s is not None:
        return s
    if isinstance(expr, cst.List | cst.Tuple):
        items = []
        for el in expr.elements:
            if isinstance(el, cst.StarredElement):
                return UNKNOWN
            v = literal(el.value)
            if v is UNKNOWN:
                return UNKNOWN
            items.append(v)
        return items
    return UNKNOWN


# ---------------------------------------------------------------------------------------------------------
def tuner_facts(facts: ModuleFacts) -> TunerFacts:
    return facts.derive("tuners", _build)


def _build(facts: ModuleFacts) -> TunerFacts:
    user_tuners = _user_subclasses(facts, TUNERS)
    tuners: list[TunerInfo] = []
    used_oracles: set[int] = set()
    for site in facts.calls:
        kind = _kt_class(site.qualname, TUNERS)
        user = None
        if kind is None and site.qualname is None and isinstance(site.node.func, cst.Name):
            user = facts.classes.get(site.node.func.value)
            if user is not None and user.name in user_tuners and not site.scope.binds_locally(site.node.func.value):
                kind = user_tuners[user.name]
            else:
                user = None
        if kind is None:
            continue
        tuners.append(_tuner(facts, site, kind, user, used_oracles))
    _bind_searches(facts, tuners)
    oracle_objectives = []
    for site in facts.calls:
        if _kt_class(site.qualname, ORACLES) and id(site.node) not in used_oracles:
            objs = _objectives(facts, arg_value(site.node, "objective", 0), site.scope)
            if objs:
                oracle_objectives.append(objs)
    hp_decls = _hp_decls(facts, tuners)
    return TunerFacts(tuners, oracle_objectives, hp_decls, _objective_spelling(facts))


def _user_subclasses(facts: ModuleFacts, wanted: frozenset[str]) -> dict[str, str]:
    """User class name -> the KerasTuner class it derives from (directly or through classes in this file)."""
    out: dict[str, str] = {}

    def base_of(info: ClassInfo, seen: frozenset[str]) -> str | None:
        for base in info.bases:
            kind = _kt_class(base, wanted)
            if kind:
                return kind
            if base in facts.classes and base not in seen:
                found = base_of(facts.classes[base], seen | {base})
                if found:
                    return found
        return None

    for info in facts.classes.values():
        kind = base_of(info, frozenset({info.name}))
        if kind:
            out[info.name] = kind
    return out


def _user_chain(facts: ModuleFacts, info: ClassInfo) -> list[ClassInfo]:
    chain, seen = [info], {info.name}
    i = 0
    while i < len(chain):
        for base in chain[i].bases:
            if base in facts.classes and base not in seen:
                seen.add(base)
                chain.append(facts.classes[base])
        i += 1
    return chain


def _overrides(facts: ModuleFacts, info: ClassInfo | None, method: str) -> bool:
    return info is not None and any(method in c.methods for c in _user_chain(facts, info))


def _tuner(
    facts: ModuleFacts,
    site: CallSite,
    kind: str,
    user: ClassInfo | None,
    used_oracles: set[int],
) -> TunerInfo:
    call, scope = site.node, site.scope
    custom_init = _overrides(facts, user, "__init__")
    objective_expr = None
    objectives: list[ObjectiveRef] | None = None
    hypermodel_expr = None
    if not custom_init:
        if kind in SEARCH_TUNERS:
            hypermodel_expr = arg_value(call, "hypermodel", 0)
            objective_expr = arg_value(call, "objective", 1)
            objectives = _objectives(facts, objective_expr, scope)
        else:
            hypermodel_expr = arg_value(call, "hypermodel", 1)
            oracle = follow(arg_value(call, "oracle", 0), scope)
            if isinstance(oracle, cst.Call) and _kt_class(facts.resolve(oracle.func), ORACLES):
                used_oracles.add(id(oracle))
                objective_expr = arg_value(oracle, "objective", 0)
                objectives = None if has_star_args(oracle) else _objectives(facts, objective_expr, scope)
        if has_star_args(call) and objective_expr is None:
            objectives = None
    hypermodel = None
    if hypermodel_expr is not None and kind != "SklearnTuner":
        hypermodel = hypermodel_of(facts, hypermodel_expr, scope, at=site.order)
    overrides = any(arg(call, k) is not None for k in ("loss", "metrics", "optimizer"))
    return TunerInfo(
        site=site,
        kind=kind,
        user_class=user,
        custom_init=custom_init,
        custom_run_trial=_overrides(facts, user, "run_trial"),
        objective_expr=objective_expr,
        objectives=objectives,
        hypermodel=hypermodel,
        overrides_compile=overrides or has_star_args(call),
    )


def _objectives(facts: ModuleFacts, expr: cst.BaseExpression | None, scope: Scope) -> list[ObjectiveRef] | None:
    if expr is None:
        return []
    e = follow(expr, scope)
    if e is None:
        return None
    if isinstance(e, cst.Name) and e.value == "None":
        return []
    if isinstance(e, cst.List):
        out: list[ObjectiveRef] = []
        for el in e.elements:
            if isinstance(el, cst.StarredElement):
                return None
            one = _objective(facts, el.value, scope)
            if one is None:
                return None
            out.append(one)
        return out
    one = _objective(facts, e, scope)
    return [one] if one is not None else None


def _objective(facts: ModuleFacts, expr: cst.BaseExpression, scope: Scope) -> ObjectiveRef | None:
    e = follow(expr, scope)
    if e is None:
        return None
    name = string(e)
    if name is not None:
        return ObjectiveRef(e, name, e, None, False)
    if isinstance(e, cst.Call) and facts.resolve(e.func) in ("keras_tuner.Objective", "keras_tuner.oracle.Objective"):
        if has_star_args(e):
            return None
        name_node = follow(arg_value(e, "name", 0), scope)
        dir_node = follow(arg_value(e, "direction", 1), scope)
        return ObjectiveRef(e, string(name_node), name_node, string(dir_node), True, dir_node)
    return None


def hypermodel_of(
    facts: ModuleFacts, expr: cst.BaseExpression, scope: Scope, at: int | None = None, depth: int = 0
) -> HyperModelInfo | None:
    """The hypermodel an expression hands to a tuner (``at``: the walk position of the use), or None."""
    if depth > 4:
        return None
    e = follow(expr, scope)
    if isinstance(e, cst.Name) and not scope.binds_locally(e.value):
        fn = facts.function(e.value, near=scope, at=at)
        if fn is not None:
            if fn.function is None or not fn.params:
                return None
            return HyperModelInfo(e, _nested(facts, {fn}), custom_fit=False, builder=fn)
        return _imported(facts, e, call=False)
    if isinstance(e, cst.Attribute):
        return _imported(facts, e, call=False)
    if isinstance(e, cst.Lambda):  # lambda hp: build(hp, n)
        if not isinstance(e.body, cst.Call):
            return None
        return _as(e, hypermodel_of(facts, e.body.func, scope, at, depth + 1), keep_builder=False)
    if isinstance(e, cst.Call):
        if facts.resolve(e.func) == "functools.partial":  # partial(build, units=64)
            first = arg_value(e, position=0)
            return _as(e, hypermodel_of(facts, first, scope, at, depth + 1)) if first is not None else None
        if isinstance(e.func, cst.Name) and not scope.binds_locally(e.func.value) and facts.resolve(e.func) is None:
            info = facts.class_in_force(e.func.value, scope, at)
            if info is not None:
                return user_hypermodel(facts, e, info)
            fn = facts.function(e.func.value, near=scope, at=at)
            return _as(e, _factory(facts, fn, depth)) if fn is not None else None
        return _imported(facts, e, call=True)
    return None


def _as(node: cst.BaseExpression, hm: HyperModelInfo | None, keep_builder: bool = True) -> HyperModelInfo | None:
    """The hypermodel ``hm`` as handed over by ``node`` (a lambda, a partial, a factory call)."""
    if hm is None:
        return None
    return replace(hm, node=node, builder=hm.builder if keep_builder else None)


def _factory(facts: ModuleFacts, fn: Scope, depth: int) -> HyperModelInfo | None:
    """What a factory function returns, when every return hands back the same hypermodel."""
    found = [hypermodel_of(facts, r, fn, None, depth + 1) for r in fn.returns] if fn.function is not None else []
    if not found or any(h is None for h in found):
        return None
    first = found[0]
    assert first is not None
    return first if all(h is not None and h.scopes == first.scopes for h in found) else None


def user_hypermodel(facts: ModuleFacts, call: cst.Call, info: ClassInfo) -> HyperModelInfo | None:
    hypermodels = facts.derive("user_hypermodels", lambda f: _user_subclasses(f, frozenset({"HyperModel"})))
    if info.name not in hypermodels:
        return None
    chain = _user_chain(facts, info)
    if not any("build" in c.methods for c in chain):
        return None
    methods = {m for c in chain for m in c.methods.values()}
    fits = [c.methods["fit"] for c in chain if "fit" in c.methods]
    custom_fit = bool(fits) and not _forwards_fit(fits[0])
    return HyperModelInfo(call, _nested(facts, methods), custom_fit=custom_fit)


_RECORD_OF = {
    ("function", False): "builder",
    ("function", True): "factory",
    ("class", True): "hypermodel",
    ("value", False): "hypermodel",
}


def _imported(facts: ModuleFacts, node: cst.BaseExpression, call: bool) -> HyperModelInfo | None:
    """A hypermodel defined in another module of the project, from that module's summary."""
    entry = facts.imported(node.func if isinstance(node, cst.Call) else node)
    if entry is None:
        return None
    # A function names a builder, or called, a factory; a class called makes an instance; a value is one.
    key = _RECORD_OF.get((str(entry.get("kind")), call))
    record = entry.get(key) if key else None
    if not isinstance(record, dict):
        return None
    return HyperModelInfo(node, set(), custom_fit=bool(record.get("custom_fit")), imported=record)


# Keywords a forwarding fit() may add without changing what the default loop logs or validates on.
_CHANGES_LOOP = frozenset({"x", "y", "validation_data", "validation_split", "validation_freq", "callbacks"})


def _forwards_fit(method: Scope) -> bool:
    """``def fit(self, hp, model, *args, **kwargs): return model.fit(*args, **kwargs)``: the default loop
    (extra keywords such as a tuned ``batch_size`` allowed)."""
    fn = method.function
    if fn is None or not isinstance(fn.body, cst.IndentedBlock):
        return False
    body = [st for st in fn.body.body if not is_docstring(st)]
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    stmt = body[0].body[0]
    call = stmt.value if isinstance(stmt, cst.Return | cst.Expr) else None
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute) or call.func.attr.value != "fit":
        return False
    if not isinstance(call.func.value, cst.Name) or call.func.value.value not in method.params:
        return False
    star = {p for p in (fn.params.star_arg, fn.params.star_kwarg) if isinstance(p, cst.Param)}
    star_names = {p.name.value for p in star}
    for a in call.args:
        if a.star:
            if not (isinstance(a.value, cst.Name) and a.value.value in star_names):
                return False
        elif a.keyword is None or a.keyword.value in _CHANGES_LOOP:
            return False
    return bool(star_names)


def _nested(facts: ModuleFacts, roots: set[Scope]) -> set[Scope]:
    """The scopes of a hypermodel: its functions, what they nest, and the functions of this file they call
    (``def build(hp): return make_model(hp)`` compiles in ``make_model``)."""
    children: dict[Scope, list[Scope]] = facts.derive("children", _children)
    out: set[Scope] = set()
    stack = list(roots)
    while stack:
        scope = stack.pop()
        if scope in out:
            continue
        out.add(scope)
        stack.extend(children.get(scope, ()))
        for site in scope.calls:
            func = site.node.func
            if site.qualname is None and isinstance(func, cst.Name) and not scope.binds_locally(func.value):
                called = facts.function(func.value, near=scope)
                if called is not None:
                    stack.append(called)
    return out


def _children(facts: ModuleFacts) -> dict[Scope, list[Scope]]:
    out: dict[Scope, list[Scope]] = {}
    for s in facts.scopes:
        if s.parent is not None:
            out.setdefault(s.parent, []).append(s)
    return out


def _bind_searches(facts: ModuleFacts, tuners: list[TunerInfo]) -> None:
    """Attach ``tuner.search(...)`` calls: the latest construction bound to that name before the call."""
    by_node = {id(t.site.node): t for t in tuners}
    index = {id(s.node): i for i, s in enumerate(facts.calls)}
    for i, site in enumerate(facts.calls):
        if site.method != "search":
            continue
        recv = site.receiver
        if isinstance(recv, cst.Call):
            t = by_node.get(id(recv))
            if t is not None:
                t.searches.append(SearchCall(site))
            continue
        if not isinstance(recv, cst.Name):
            continue
        binding = _binding_scope(recv.value, site.scope)
        if binding is None:
            continue
        values = binding.assignments.get(recv.value, [])
        if not all(isinstance(v, cst.Call) for v in values):
            continue  # bound to something we cannot order against the call: stay out
        before = [(index.get(id(v), -1), v) for v in values if index.get(id(v), -1) < i]
        if before:
            t = by_node.get(id(max(before, key=lambda p: p[0])[1]))
            if t is not None:
                t.searches.append(SearchCall(site))


def _binding_scope(name: str, scope: Scope | None) -> Scope | None:
    while scope is not None:
        if name in scope.params or name in scope.rebound:
            return None
        if name in scope.assignments:
            return scope
        scope = scope.parent
    return None


# ---------------------------------------------------------------------------------------------------------
# hp declarations.
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "Float": ("name", "min_value", "max_value", "step", "sampling", "default", "parent_name", "parent_values"),
    "Int": ("name", "min_value", "max_value", "step", "sampling", "default", "parent_name", "parent_values"),
    "Choice": ("name", "values", "ordered", "default", "parent_name", "parent_values"),
    "Boolean": ("name", "default", "parent_name", "parent_values"),
    "Fixed": ("name", "value", "parent_name", "parent_values"),
}


def _hp_receivers(facts: ModuleFacts, tuners: list[TunerInfo]) -> dict[Scope, str]:
    """Function scope -> the name of its hp parameter, for known hypermodels."""
    out: dict[Scope, str] = {}
    for t in tuners:
        hm = t.hypermodel
        if hm is None:
            continue
        for s in hm.scopes:
            fn = s.function
            if fn is None or s.parent is None:
                continue
            params = s.params
            if s.cls is not None and len(params) >= 2 and s.name in ("build", "fit"):
                out[s] = params[1]
            elif s is hm.builder and params:
                out[s] = params[0]
    return out


def _is_hp_receiver(facts: ModuleFacts, name: str, scope: Scope, known: dict[Scope, str], kt_file: bool) -> bool:
    s: Scope | None = scope
    while s is not None:
        if name in s.params:
            return known.get(s) == name or name in _HP_NAMES or kt_file
        if name in s.rebound:
            return False
        if name in s.assignments:
            value = follow(cst.Name(name), s)
            return isinstance(value, cst.Call) and facts.resolve(value.func) in (
                "keras_tuner.HyperParameters",
                "keras_tuner.hyperparameters.HyperParameters",
            )
        s = s.parent
    return False


def _space_key(scope: Scope) -> object:
    """Declarations in one top-level function (or one class's methods) share a search space."""
    s = scope
    while s.parent is not None and s.parent.parent is not None:
        s = s.parent
    return s.cls if s.cls is not None else s


def _guarded_calls(facts: ModuleFacts) -> set[int]:
    """Calls inside ``with hp.conditional_scope(...)`` / ``with hp.name_scope(...)`` blocks."""
    guarded: set[int] = set()
    if not any(s.method in ("conditional_scope", "name_scope") for s in facts.calls):
        return guarded
    for node in descendants(facts.module, cst.With):
        assert isinstance(node, cst.With)
        if any(
            isinstance(item.item, cst.Call)
            and isinstance(item.item.func, cst.Attribute)
            and item.item.func.attr.value in ("conditional_scope", "name_scope")
            for item in node.items
        ):
            guarded.update(id(c) for c in descendants(node.body, cst.Call))
    return guarded


def _hp_decls(facts: ModuleFacts, tuners: list[TunerInfo]) -> list[HpDecl]:
    known = _hp_receivers(facts, tuners)
    kt_file = facts.imports.mentions("keras_tuner")
    guarded = _guarded_calls(facts)
    decls: list[HpDecl] = []
    for site in facts.calls:
        kind = site.method
        if kind not in HP_KINDS or not isinstance(site.receiver, cst.Name):
            continue
        if site.qualname is not None:  # a module attribute (keras.ops.Float?), not an hp object
            continue
        if not _is_hp_receiver(facts, site.receiver.value, site.scope, known, kt_file):
            continue
        args: dict[str, cst.BaseExpression] = {}
        sig = _SIGNATURES[kind]
        positional = [a for a in site.node.args if a.keyword is None and not a.star]
        for i, a in enumerate(positional[: len(sig)]):
            args[sig[i]] = a.value
        for a in site.node.args:
            if a.keyword is not None:
                args[a.keyword.value] = a.value
        name = string(follow(args.get("name"), site.scope)) if "name" in args else None
        decls.append(
            HpDecl(
                site=site,
                kind=kind,
                name=name,
                space=_space_key(site.scope),
                args=args,
                guarded=id(site.node) in guarded or "parent_name" in args or has_star_args(site.node),
            )
        )
    _flows(facts, decls)
    return decls


def _flows(facts: ModuleFacts, decls: list[HpDecl]) -> None:
    """Where each declaration's value is passed: (call, keyword or position), directly or through a local."""
    by_node = {id(d.node): d for d in decls}
    if not by_node:
        return
    for site in facts.calls:
        positional = 0
        for a in site.node.args:
            key: str | int
            if a.keyword is not None:
                key = a.keyword.value
            elif a.star:
                continue
            else:
                key = positional
                positional += 1
            value = follow(a.value, site.scope, depth=2)
            d = by_node.get(id(value)) if isinstance(value, cst.Call) else None
            if d is not None:
                d.targets.append((site, key))


# ---------------------------------------------------------------------------------------------------------
def _objective_spelling(facts: ModuleFacts) -> str:
    """``kt.Objective`` when keras_tuner is imported as kt, ``Objective`` when imported by name, ..."""
    fallback = None
    for local, full in facts.imports.aliases.items():
        c = canonical(full)
        if c in ("keras_tuner.Objective", "keras_tuner.oracle.Objective"):
            return local
        if c == "keras_tuner" and fallback is None:
            fallback = f"{local}.Objective"
    return fallback or "keras_tuner.Objective"


# Optimizers and where a learning rate enters them.
SGD_FAMILY = frozenset({"SGD"})
ADAPTIVE = frozenset({"Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Ftrl", "Lion", "Lamb"})
# Adadelta and Adafactor are left out: Adadelta's reference setting *is* 1.0, Adafactor caps the step itself.
_OPT_PREFIXES = ("keras.optimizers.", "tensorflow.optimizers.")
_LR_NAME = re.compile(r"(^|[^a-z])(lr|learning[_\- ]?rate)([^a-z]|$)", re.IGNORECASE)
_NOT_LR = re.compile(r"decay|factor|patience|schedule|warmup|min_delta|drop|power|mult|steps?$", re.IGNORECASE)


def optimizer_of(qualname: str | None) -> str | None:
    """``keras.optimizers.Adam`` / ``keras.optimizers.legacy.SGD`` / ``tf.optimizers.Adam`` -> class name."""
    if not qualname or not qualname.startswith(_OPT_PREFIXES):
        return None
    name = last_part(qualname)
    return name if name in SGD_FAMILY | ADAPTIVE | {"Adadelta", "Adafactor"} else None


def is_lr_argument(site: CallSite, key: str | int) -> bool:
    """Is (call, key) an optimizer's learning rate or a schedule's initial learning rate?"""
    q = site.qualname or ""
    if optimizer_of(q):
        return key in ("learning_rate", "lr", 0)
    if q.startswith("keras.optimizers.schedules."):
        return key in ("initial_learning_rate", 0)
    return False


def named_like_lr(name: str | None) -> bool:
    return bool(name) and bool(_LR_NAME.search(name or "")) and not _NOT_LR.search(name or "")


DROPOUT_LAYERS = frozenset(
    {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout", "GaussianDropout"}
)


def dropout_layer(site: CallSite, key: str | int) -> str | None:
    q = site.qualname or ""
    if q.startswith("keras.layers.") and last_part(q) in DROPOUT_LAYERS and key in ("rate", 0):
        return last_part(q)
    return None
