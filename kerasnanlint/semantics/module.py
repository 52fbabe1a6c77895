"""One walk over a parsed module collects the facts every check reads.

The walk records imports, scopes (module, functions, methods) with their single assignments, classes with
resolved bases, every call with its canonical callee, and comparisons. Checks never walk the whole module
again; the few that look inside a function (numerics) walk just that function.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from kerasnanlint.semantics.names import ImportTable, dotted_name

if typing.TYPE_CHECKING:
    from kerasnanlint.semantics.linked import Linked


@dataclass(eq=False)
class Scope:
    node: cst.Module | cst.FunctionDef | cst.Lambda
    name: str
    parent: Scope | None
    cls: ClassInfo | None = None  # the class a method is defined in
    params: tuple[str, ...] = ()
    assignments: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    rebound: set[str] = field(default_factory=set)  # augmented, loop, with, tuple targets: unknown values
    calls: list[CallSite] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    order: int = 0  # position of the definition in the walk (source order), comparable with CallSite.order

    def single_assignment(self, name: str) -> cst.BaseExpression | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.params:
                return None
            values = scope.assignments.get(name)
            if values is not None or name in scope.rebound:
                if name in scope.rebound or values is None or len(values) != 1:
                    return None
                return values[0]
            scope = scope.parent
        return None

    def binds_locally(self, name: str) -> bool:
        """Is ``name`` a parameter or a local of this function or one around it (so not a module-level name)?"""
        scope: Scope | None = self
        while scope is not None and scope.parent is not None:
            if name in scope.params or name in scope.assignments or name in scope.rebound:
                return True
            scope = scope.parent
        return False

    def assigned(self, name: str) -> list[cst.BaseExpression]:
        """Every value assigned to ``name`` in this scope (all branches)."""
        return self.assignments.get(name, [])

    @property
    def function(self) -> cst.FunctionDef | None:
        return self.node if isinstance(self.node, cst.FunctionDef) else None


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    name: str
    bases: tuple[str, ...]  # canonical names where resolvable, else the dotted spelling
    methods: dict[str, Scope] = field(default_factory=dict)
    order: int = 0  # position of the definition in the walk (see Scope.order)
    parent: Scope | None = None  # the scope the class statement runs in


@dataclass(eq=False)
class CallSite:
    node: cst.Call
    dotted: str | None  # the callee as written: "model.compile", "hp.Float", "tf.math.log"
    qualname: str | None  # canonical callee when it resolves through an import: "keras.layers.Dense"
    scope: Scope
    order: int = 0  # position in the walk (source order), comparable with Scope.order
    # Last attribute of the callee: "compile" for ``model.compile(...)``. Set once: checks ask it of every call.
    method: str | None = field(init=False)

    def __post_init__(self) -> None:
        func = self.node.func
        if isinstance(func, cst.Attribute):
            self.method = func.attr.value
        elif isinstance(func, cst.Name):
            self.method = func.value
        else:
            self.method = None

    @property
    def receiver(self) -> cst.BaseExpression | None:
        func = self.node.func
        return func.value if isinstance(func, cst.Attribute) else None


@dataclass(eq=False)
class ModuleFacts:
    module: cst.Module
    imports: ImportTable
    module_scope: Scope
    scopes: list[Scope]
    classes: dict[str, ClassInfo]  # by name, the last definition
    calls: list[CallSite]
    comparisons: list[tuple[cst.Comparison, Scope]]
    # What this file sees of the rest of its project (imported builders, metrics, constants); None: nothing.
    linked: Linked | None = None
    class_defs: dict[str, list[ClassInfo]] = field(default_factory=dict)  # every definition of each class name
    # The Keras generation the names Keras logs follow (kerasnanlint/versions.py): "2.2", "2", "3"; "2.2?" when
    # the code uses TensorFlow 1 APIs and nothing was declared; None: current naming.
    keras_target: str | None = None
    # Facts other semantics modules derive from these (models, tuners), built once per file on first use.
    derived: dict[str, typing.Any] = field(default_factory=dict)
    _by_name: dict[str, list[Scope]] | None = None
    _by_place: dict[tuple[str, int], list[Scope]] | None = None  # (name, id of the parent scope), no methods

    def derive(self, key: str, build: Callable[[ModuleFacts], typing.Any]) -> typing.Any:
        if key not in self.derived:
            self.derived[key] = build(self)
        return self.derived[key]

    def functions_named(self, name: str) -> list[Scope]:
        """Every ``def name`` in the file, in source order (an index built once: no scan per lookup)."""
        if self._by_name is None:
            self._by_name = {}
            for s in self.scopes:
                if isinstance(s.node, cst.FunctionDef):
                    self._by_name.setdefault(s.name, []).append(s)
        return self._by_name.get(name, [])

    def function(self, name: str, near: Scope | None = None, at: int | None = None) -> Scope | None:
        """The function a bare name refers to, preferring one defined in ``near`` or its parents.

        Where a scope defines the name twice, the definition in force wins: for a use that runs in that very
        scope (``at``, a walk position), the last definition before the use; for a use inside a function, which
        runs later, the last definition of all.
        """
        if not self.functions_named(name):
            return None
        if self._by_place is None:  # built once: a lookup never scans every definition of a common name
            self._by_place = {}
            for s in self.scopes:
                if isinstance(s.node, cst.FunctionDef) and s.cls is None and s.parent is not None:
                    self._by_place.setdefault((s.name, id(s.parent)), []).append(s)
        scope = near
        while scope is not None:
            here = self._by_place.get((name, id(scope)))
            if here:
                if at is not None and scope is near:
                    before = [c for c in here if c.order < at]
                    return before[-1] if before else None
                return here[-1]
            scope = scope.parent
        top = self._by_place.get((name, id(self.module_scope)), [])
        return top[-1] if len(top) == 1 else None

    def class_in_force(self, name: str, near: Scope, at: int | None) -> ClassInfo | None:
        """The class a name made at walk position ``at`` in ``near`` refers to, as ``function`` decides."""
        defs = self.class_defs.get(name)
        if not defs:
            return None
        if at is not None and all(d.parent is near for d in defs):
            before = [d for d in defs if d.order < at]
            return before[-1] if before else None
        return defs[-1]

    def entry(self, qualname: str | None) -> dict[str, typing.Any] | None:
        """What the project says an imported name is (a builder, a metric, a constant...), None when unknown."""
        if qualname is None or self.linked is None:
            return None
        return self.linked.entry(qualname)

    def imported(self, expr: cst.BaseExpression) -> dict[str, typing.Any] | None:
        """``entry`` for a name as written here: imported by name, or through a star import of a project module."""
        if self.linked is None:
            return None
        qualname = self.resolve(expr)
        if qualname is not None:
            return self.entry(qualname)
        dotted = dotted_name(expr)
        if dotted is None or dotted.partition(".")[0] in self.imports.bound:
            return None
        for star in reversed(self.imports.stars):  # the last star import binding the name wins, as in Python
            found = self.entry(f"{star}.{dotted}")
            if found is not None:
                return found
        return None

    def call_site(self, node: cst.Call) -> CallSite | None:
        """The call site recorded for ``node`` (an index built once: fixers ask once per finding)."""
        index: dict[cst.Call, CallSite] = self.derive("call_sites", lambda f: {c.node: c for c in reversed(f.calls)})
        return index.get(node)

    def calls_to(self, *qualnames: str) -> Iterator[CallSite]:
        wanted = set(qualnames)
        return (c for c in self.calls if c.qualname in wanted)

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        return self.imports.resolve(expr)

    def subclasses_of(self, *qualnames: str) -> Iterator[ClassInfo]:
        """Classes deriving (directly, or through another class in this file) from one of ``qualnames``."""
        wanted = set(qualnames)
        memo: dict[str, bool] = {}

        def derives(info: ClassInfo, seen: frozenset[str]) -> bool:
            if info.name in memo:
                return memo[info.name]
            result = False
            for base in info.bases:
                if base in wanted:
                    result = True
                elif base in self.classes and base not in seen:
                    result = derives(self.classes[base], seen | {base})
                if result:
                    break
            memo[info.name] = result
            return result

        return (c for c in self.classes.values() if derives(c, frozenset({c.name})))


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """The names an assignment target binds: ``a``, ``a, (b, *c)``."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for el in target.elements:
            yield from target_names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


class _Collector(cst.CSTVisitor):
    def __init__(self, module: cst.Module, package: str | None = None) -> None:
        self.imports = ImportTable(package)
        self.order = 0
        self.module_scope = Scope(module, "<module>", None)
        self.scopes: list[Scope] = [self.module_scope]
        self.stack: list[Scope] = [self.module_scope]
        self.class_stack: list[ClassInfo | None] = [None]
        self.classes: dict[str, ClassInfo] = {}
        self.class_defs: dict[str, list[ClassInfo]] = {}
        self.calls: list[CallSite] = []
        self.comparisons: list[tuple[cst.Comparison, Scope]] = []

    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    # imports
    def visit_Import(self, node: cst.Import) -> bool:
        self.imports.add_import(node)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self.imports.add_import_from(node)
        return False

    # scopes
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(dotted_name(a.value) or "" for a in node.bases if a.keyword is None)
        self.order += 1
        info = ClassInfo(node, node.name.value, bases, order=self.order, parent=self.scope)
        self.classes[info.name] = info  # the last definition of a name; class_defs keeps them all
        self.class_defs.setdefault(info.name, []).append(info)
        self.class_stack.append(info)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        names = tuple(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))
        star = tuple(p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param))
        cls = self.class_stack[-1]
        self.order += 1
        scope = Scope(node, node.name.value, self.scope, cls, names + star, order=self.order)
        if cls is not None:
            cls.methods[scope.name] = scope
        self.scopes.append(scope)
        self.stack.append(scope)
        self.class_stack.append(None)  # a class nested in a method is not the method's class

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()
        self.class_stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        names = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
        self.order += 1
        scope = Scope(node, "<lambda>", self.scope, None, names, order=self.order)
        scope.returns.append(node.body)
        self.scopes.append(scope)
        self.stack.append(scope)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.stack.pop()

    # values
    def visit_Assign(self, node: cst.Assign) -> None:
        scope = self.scope
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                scope.assignments.setdefault(t.target.value, []).append(node.value)
            else:
                scope.rebound.update(target_names(t.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.scope.assignments.setdefault(node.target.value, []).append(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.rebound.add(node.target.value)

    def visit_For(self, node: cst.For) -> None:
        self.scope.rebound.update(target_names(node.target))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.scope.rebound.update(target_names(node.asname.name))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.rebound.add(node.target.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(node.value)

    # calls and comparisons
    def visit_Call(self, node: cst.Call) -> None:
        self.order += 1
        site = CallSite(node, dotted_name(node.func), None, self.scope, self.order)
        self.calls.append(site)
        self.scope.calls.append(site)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.comparisons.append((node, self.scope))


# The fast walk. ``module.visit(visitor)`` rebuilds every node and dispatches through several layers per node,
# which costs about as much as the parse itself. ``walk`` reads the dataclass fields directly, never enters
# whitespace, brackets, commas or colons, and does not even call into leaves nobody handles (names, strings,
# numbers, operators). It calls the same ``visit_<Node>``/``leave_<Node>`` methods a ``CSTVisitor`` would, in
# the same order (pre-order, source order), and ``visit_X`` returning False skips the children as usual.

# Token and whitespace nodes: they never contain an expression or a statement.
_NOT_WALKED: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.Asynchronous,
)

# Where the dataclass field order differs from the source order that ``CSTVisitor`` follows.
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.Arg: ("keyword", "value"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}

_FIELDS: dict[type, tuple[str, ...]] = {}


def _may_hold_nodes(annotation: object) -> bool:
    """Whether a field annotated so can hold a node worth walking into."""
    if isinstance(annotation, type):
        return issubclass(annotation, cst.CSTNode) and not issubclass(annotation, _NOT_WALKED)
    return any(_may_hold_nodes(a) for a in typing.get_args(annotation))


def _fields(typ: type) -> tuple[str, ...]:
    found = _FIELDS.get(typ)
    if found is None:
        try:
            hints = typing.get_type_hints(typ)
        except Exception:  # an annotation that does not resolve: fall back to the declared ones
            hints = {f.name: f.type for f in dataclasses.fields(typ)}
        walked = [f.name for f in dataclasses.fields(typ) if _may_hold_nodes(hints.get(f.name, f.type))]
        order = _SOURCE_ORDER.get(typ, ())
        found = tuple(n for n in order if n in walked) + tuple(n for n in walked if n not in order)
        _FIELDS[typ] = found
    return found


_Plan = tuple[Callable[..., object] | None, tuple[str, ...], Callable[..., object] | None]
# visitor class -> node type -> (visit_X, fields to walk, leave_X), or None for a type nobody handles that holds
# nothing to walk (and for values that are not nodes: None, MaybeSentinel, strings).
_PLANS: dict[type, dict[type, _Plan | None]] = {}
_UNKNOWN = object()


_HANDLERS: dict[tuple[type, str], dict[type, Callable[..., object]]] = {}


def _handlers(cls: type, prefix: str) -> dict[type, Callable[..., object]]:
    """The ``visit_X``/``leave_X`` methods ``cls`` defines (not CSTVisitor's empty defaults)."""
    out = _HANDLERS.get((cls, prefix))
    if out is not None:
        return out
    out = _HANDLERS[cls, prefix] = {}
    for attr in dir(cls):
        if attr.startswith(prefix):
            func = getattr(cls, attr)
            typ = getattr(cst, attr[len(prefix) :], None)
            if func is not getattr(cst.CSTVisitor, attr, None) and isinstance(typ, type):
                out[typ] = func
    return out


def _planner(cls: type) -> tuple[dict[type, _Plan | None], Callable[[type], _Plan | None]]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = {}
    visits, leaves = _handlers(cls, "visit_"), _handlers(cls, "leave_")

    def plan_for(typ: type) -> _Plan | None:
        entry: _Plan | None = None
        if isinstance(typ, type) and issubclass(typ, cst.CSTNode) and not issubclass(typ, _NOT_WALKED):
            fields = _fields(typ)
            if fields or typ in visits or typ in leaves:
                entry = (visits.get(typ), fields, leaves.get(typ))
        plan[typ] = entry
        return entry

    return plan, plan_for


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Call ``visitor``'s ``visit_<Node>``/``leave_<Node>`` methods as ``node.visit(visitor)`` would, faster.

    Only the per-node-type methods are honoured (not ``on_visit``/``on_leave`` overrides); whitespace and
    bracket nodes are never visited.
    """
    plan, plan_for = _planner(type(visitor))

    def go(node: cst.CSTNode, entry: _Plan) -> None:
        visit, fields, leave = entry
        if visit is None or visit(visitor, node) is not False:
            for name in fields:
                child = getattr(node, name)
                typ = type(child)
                if typ is tuple or typ is list:
                    for item in child:
                        sub = plan.get(type(item), _UNKNOWN)
                        if sub is _UNKNOWN:
                            sub = plan_for(type(item))
                        if sub is not None:
                            go(item, sub)  # type: ignore[arg-type]
                else:
                    sub = plan.get(typ, _UNKNOWN)
                    if sub is _UNKNOWN:
                        sub = plan_for(typ)
                    if sub is not None:
                        go(child, sub)  # type: ignore[arg-type]
        if leave is not None:
            leave(visitor, node)

    entry = plan.get(type(node)) or plan_for(type(node))
    if entry is not None:
        go(node, entry)


_IS_NODE: dict[type, bool] = {}  # isinstance against CSTNode goes through ABCMeta: ten times a dict lookup


def _is_node(value: object) -> bool:
    is_node = _IS_NODE.get(type(value))
    if is_node is None:
        is_node = _IS_NODE[type(value)] = isinstance(value, cst.CSTNode)
    return is_node


def child_list(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes ``walk`` would enter, in source order, without LibCST's ``children`` (which runs a
    visitor and costs about 10x more)."""
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _fields(type(node))
    out: list[cst.CSTNode] = []
    for name in fields:
        child = getattr(node, name)
        if type(child) is tuple or type(child) is list:
            out.extend([c for c in child if _is_node(c)])
        elif _is_node(child):
            out.append(child)
    return out


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``child_list`` as an iterator."""
    return iter(child_list(node))


def descendants(node: cst.CSTNode, *types: type) -> Iterator[cst.CSTNode]:
    """Every node of one of ``types`` inside ``node`` (itself included), in source order, without the cost of a
    ``CSTVisitor``. For checks that look inside one function or expression."""
    wanted: dict[type, bool] = {}  # per node type: is it one of ``types`` (one isinstance per type, not per node)
    stack = [node]
    while stack:
        current = stack.pop()
        hit = wanted.get(type(current))
        if hit is None:
            hit = wanted[type(current)] = isinstance(current, types)
        if hit:
            yield current
        kids = child_list(current)
        kids.reverse()
        stack.extend(kids)


def parent_map(node: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """Child -> parent for every node below ``node`` except whitespace, brackets, commas and colons (the nodes
    ``walk`` skips), without a ``CSTVisitor``: about a seventh of the cost of a visitor that records parents."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        for child in child_list(current):
            parents[child] = current
            stack.append(child)
    return parents


def collect(module: cst.Module, linked: Linked | None = None) -> ModuleFacts:
    collector = _Collector(module, linked.package if linked is not None else None)
    walk(module, collector)
    imports = collector.imports
    _module_aliases(collector, imports)
    for site in collector.calls:
        if site.dotted is not None:
            site.qualname = imports.resolve_dotted(site.dotted)
    for info in collector.classes.values():
        info.bases = tuple(imports.resolve_dotted(b) or b for b in info.bases)
    return ModuleFacts(
        module=module,
        imports=imports,
        module_scope=collector.module_scope,
        scopes=collector.scopes,
        classes=collector.classes,
        calls=collector.calls,
        comparisons=collector.comparisons,
        linked=linked,
        class_defs=collector.class_defs,
    )


def _module_aliases(collector: _Collector, imports: ImportTable) -> None:
    """Module-level aliases made by assignment (``keras = tf.keras``, ``K = keras.backend``) join the import
    table; every other name the module binds is kept from a star import's reach."""
    top = collector.module_scope
    for name, values in top.assignments.items():
        if len(values) == 1 and name not in top.rebound and isinstance(values[0], cst.Name | cst.Attribute):
            full = imports.resolve(values[0])
            if full is not None:
                imports.bind(name, full)
    defined = {s.name for s in collector.scopes if s.parent is top and s.cls is None}
    imports.bound = frozenset(set(top.assignments) | top.rebound | defined | set(collector.classes))
