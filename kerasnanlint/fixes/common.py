"""Building blocks for fixers: keyword arguments, wrapping, parents, imports in the file's own style.

Edits are NodeEdits (replace a node's text, or insert before/after it); the engine turns them into positions.
A node's position excludes its own parentheses while ``code_for_node`` includes them, so replacements use
``inner_code`` (the text inside the parentheses) and keep the user's parentheses where they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from kerasnanlint.context import Context, NodeEdit, PendingFix
from kerasnanlint.diagnostics import Applicability
from kerasnanlint.semantics.module import ModuleFacts, descendants
from kerasnanlint.semantics.names import canonical
from kerasnanlint.semantics.values import arg, is_docstring
from kerasnanlint.source import NEWLINE, STRING_LEXEME

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


def pending(title: str, applicability: Applicability, *edits: NodeEdit | Sequence[NodeEdit]) -> PendingFix:
    flat: list[NodeEdit] = []
    for e in edits:
        flat.extend([e] if isinstance(e, NodeEdit) else e)
    return PendingFix(title, applicability, tuple(flat))


# --- text of nodes ------------------------------------------------------------------------------------------


def inner_code(ctx: Context, node: cst.CSTNode) -> str:
    """A node's text without its own parentheses (what its position covers)."""
    if getattr(node, "lpar", None):
        node = node.with_changes(lpar=[], rpar=[])
    return ctx.module.code_for_node(node)


def arg_code(ctx: Context, expr: cst.BaseExpression) -> str:
    """An expression's text to pass as one call argument: redundant parentheses dropped, needed ones kept."""
    if isinstance(expr, cst.Tuple | cst.Yield | cst.GeneratorExp | cst.StarredElement):
        return ctx.module.code_for_node(expr)
    return inner_code(ctx, expr)


_QUOTE_CACHE: dict[int, tuple[str, str]] = {}


def string_literal(ctx: Context, text: str) -> str:
    """``text`` as a string literal in the file's usual quotes (``'log'`` in a file written with single quotes):
    the quote most one-line string literals open with (a scan of the text, not a walk of the tree)."""
    hit = _QUOTE_CACHE.get(id(ctx.source))
    if hit is None or hit[0] is not ctx.source:
        single = double = 0
        for m in STRING_LEXEME.finditer(ctx.source):  # comments and triple quotes are skipped, not counted
            if m.group("quote") == "'":
                single += 1
            elif m.group("quote") == '"':
                double += 1
        _QUOTE_CACHE.clear()
        hit = _QUOTE_CACHE[id(ctx.source)] = (ctx.source, "'" if single > double else '"')
    quote = hit[1]
    return f"{quote}{text}{quote}" if quote not in text and "\\" not in text else repr(text)


def replace_expr(ctx: Context, node: cst.BaseExpression, content: str) -> NodeEdit:
    """Replace an expression (inside its own parentheses, which stay)."""
    return NodeEdit(node, content)


# --- parents and lines ----------------------------------------------------------------------------------------


_PARENT_CACHE: dict[int, tuple[cst.Module, dict[cst.CSTNode, cst.CSTNode]]] = {}


def parents(ctx: Context) -> dict[cst.CSTNode, cst.CSTNode]:
    """Child -> parent for the whole module, built once per module (only files with fixable findings)."""
    hit = _PARENT_CACHE.get(id(ctx.module))
    if hit is not None and hit[0] is ctx.module:
        return hit[1]
    from kerasnanlint.semantics.module import parent_map

    table = parent_map(ctx.module)
    _PARENT_CACHE.clear()  # one module at a time: keep memory flat over a large run
    _PARENT_CACHE[id(ctx.module)] = (ctx.module, table)
    return table


def parent(ctx: Context, node: cst.CSTNode) -> cst.CSTNode | None:
    return parents(ctx).get(node)


def start_line(ctx: Context, node: cst.CSTNode) -> int:
    assert ctx.positions is not None, "fixers run after positions are known"
    return ctx.positions[node].start.line


def own_line_indent(ctx: Context, node: cst.CSTNode) -> str | None:
    """The indentation of ``node``'s first line when nothing but whitespace precedes it there, else None."""
    assert ctx.positions is not None
    pos = ctx.positions[node].start
    prefix = _source_line(ctx, pos.line)[: pos.column]
    return prefix if prefix.strip() == "" else None


def _source_line(ctx: Context, line: int) -> str:

    lines = NEWLINE.split(ctx.source)
    return lines[line - 1] if 0 < line <= len(lines) else ""


# --- call arguments -------------------------------------------------------------------------------------------


def set_keyword(ctx: Context, call: cst.Call, name: str, value: str) -> list[NodeEdit]:
    """Edits that make ``call`` pass ``name=value``: replace the value when the keyword is there, else add it.

    A call laid out one argument per line gets the new keyword on its own line, with the trailing comma style
    of the call kept.
    """
    existing = arg(call, name)
    if existing is not None:
        return [NodeEdit(existing.value, value)]
    if not call.args:
        added = cst.ensure_type(cst.parse_expression(f"f({name}={value})"), cst.Call).args
        return [NodeEdit(call, inner_code(ctx, call.with_changes(args=added)))]
    last = call.args[-1]
    new = f"{name}={value}"
    comma = last.comma if isinstance(last.comma, cst.Comma) else None
    closer_below = isinstance(
        comma.whitespace_after if comma else last.whitespace_after_arg, cst.ParenthesizedWhitespace
    )
    indent = own_line_indent(ctx, last) if _multiline(ctx, call) else None
    return _add_item(last, new, indent, comma is not None, closer_below)


def _add_item(last: cst.CSTNode, new: str, indent: str | None, comma: bool, closer_below: bool) -> list[NodeEdit]:
    """Add ``new`` after the last item of a call or display, in its layout: on a line of its own below an
    item that has one (a comment after that item stays on its line), else inline."""
    if indent is not None and closer_below:
        if comma:
            return [NodeEdit(last, f"{indent}{new},\n", "line_after")]
        return [NodeEdit(last, ",", "after"), NodeEdit(last, f"{indent}{new}\n", "line_after")]
    if indent is not None:
        return [NodeEdit(last, f",\n{indent}{new}", "after")]
    return [NodeEdit(last, f", {new}", "after")]


def _multiline(ctx: Context, call: cst.Call) -> bool:
    assert ctx.positions is not None
    rng = ctx.positions[call.args[-1]]
    first = ctx.positions[call.args[0]]
    func_end = ctx.positions[call.func].end.line
    return rng.start.line != func_end and first.start.line != func_end


def append_to_list(ctx: Context, lst: cst.List | cst.Tuple, item: str) -> list[NodeEdit]:
    """Add ``item`` at the end of a list/tuple display."""
    if not lst.elements:
        if isinstance(lst, cst.Tuple):
            return [NodeEdit(lst, f"({item},)")]
        return [NodeEdit(lst, f"[{item}]")]
    last = lst.elements[-1]
    indent = None
    assert ctx.positions is not None
    if ctx.positions[last].start.line != ctx.positions[lst].start.line:
        indent = own_line_indent(ctx, last)
    comma = isinstance(last.comma, cst.Comma)
    if isinstance(lst, cst.List):
        closer_below = isinstance(lst.rbracket.whitespace_before, cst.ParenthesizedWhitespace)
    else:
        closer_below = bool(lst.rpar) and isinstance(lst.rpar[-1].whitespace_before, cst.ParenthesizedWhitespace)
    if comma and isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace):  # type: ignore[union-attr]
        closer_below = True
    return _add_item(last.value, item, indent, comma, closer_below)


# --- names and imports ----------------------------------------------------------------------------------------


def _alternatives(target: str) -> list[str]:
    """Fully qualified spellings of a canonical name (keras.X is also tensorflow.keras.X)."""
    out = [target]
    if target == "keras" or target.startswith("keras."):
        out.append("tensorflow." + target)
    if target.startswith("keras_tuner."):
        out.append("kerastuner." + target[len("keras_tuner.") :])
    return out


def find_spelling(ctx: Context, target: str) -> str | None:
    """The shortest way this file can already write the canonical name ``target`` (via its imports)."""
    best: str | None = None
    for local, full in ctx.facts.imports.aliases.items():
        for cand in _alternatives(target):
            if cand == full:
                spelling = local
            elif cand.startswith(full + "."):
                spelling = local + cand[len(full) :]
            else:
                continue
            if ctx.facts.imports.resolve_dotted(spelling) != canonical(target):
                continue
            if _shadowed(ctx, local):
                continue
            if best is None or (spelling.count("."), len(spelling)) < (best.count("."), len(best)):
                best = spelling
    return best


def _shadowed(ctx: Context, local: str) -> bool:
    return local in ctx.facts.derive("bound_anywhere", _bound_anywhere)


def _bound_anywhere(facts: ModuleFacts) -> frozenset[str]:
    """Every name some scope of the file binds (parameters, assignments, functions, classes): built once per
    file, since fixers ask once per finding."""
    names: set[str] = set(facts.classes)
    for scope in facts.scopes:
        names.update(scope.params, scope.assignments, scope.rebound)
        if isinstance(scope.node, cst.FunctionDef):
            names.add(scope.name)
    return frozenset(names)


_NAMES_CACHE: dict[int, tuple[cst.Module, set[str]]] = {}


def _names_read(ctx: Context) -> set[str]:
    """Every identifier the module reads or binds outside import statements (attribute names excluded)."""
    hit = _NAMES_CACHE.get(id(ctx.module))
    if hit is not None and hit[0] is ctx.module:
        return hit[1]
    skip: set[int] = set()
    for node in descendants(ctx.module, cst.Attribute, cst.Import, cst.ImportFrom):
        if isinstance(node, cst.Attribute):
            skip.add(id(node.attr))
        else:
            skip.update(id(n) for n in descendants(node, cst.Name))
    names = {n.value for n in descendants(ctx.module, cst.Name) if id(n) not in skip}  # type: ignore[attr-defined]
    _NAMES_CACHE.clear()
    _NAMES_CACHE[id(ctx.module)] = (ctx.module, names)
    return names


def _free(ctx: Context, local: str) -> bool:
    """Can an import bind ``local``? Not when the file already uses that name for something else (an unbound
    ``np`` would suddenly resolve, a local ``keras`` would be shadowed)."""
    return local not in ctx.facts.imports.aliases and not _shadowed(ctx, local) and local not in _names_read(ctx)


def _uses_tf_keras(ctx: Context) -> bool:
    """Does the file reach Keras through TensorFlow (``from tensorflow import keras``, ``tf.keras...``)?"""
    fulls = list(ctx.facts.imports.aliases.values())
    via_keras = any(f == "keras" or f.startswith("keras.") for f in fulls)
    via_tf = any(f.startswith("tensorflow.keras") for f in fulls)
    return via_tf and not via_keras


def _import_for(ctx: Context, root: str) -> tuple[str, str] | None:
    """(statement, local name) that binds the package ``root`` in this file's style."""
    if root == "keras":
        statement = "from tensorflow import keras" if _uses_tf_keras(ctx) else "import keras"
        return (statement, "keras") if _free(ctx, "keras") else None
    short = {"keras_tuner": "kt", "numpy": "np", "tensorflow": "tf"}.get(root)
    if short is None:
        return None
    for local in (short, root):
        if _free(ctx, local):
            return (f"import {root} as {local}", local) if local != root else (f"import {root}", root)
    return None


def ensure_name(ctx: Context, target: str, used_at: cst.CSTNode) -> tuple[str, list[NodeEdit]] | None:
    """How to write the canonical ``target`` (e.g. ``keras.callbacks.TerminateOnNaN``) at ``used_at``, and the
    import edit that makes it available when the file has none. None when no import can be added safely."""
    spelling = find_spelling(ctx, target)
    if spelling is not None:
        return spelling, []
    root, _, rest = target.partition(".")
    found = _import_for(ctx, root)
    if found is None:
        return None
    statement, local = found
    return (f"{local}.{rest}" if rest else local), [import_edit(ctx, statement, used_at)]


def import_edit(ctx: Context, statement: str, used_at: cst.CSTNode) -> NodeEdit:
    """Insert ``statement`` on its own line after the last top-level import that precedes ``used_at``
    (after imports that set environment variables first, never after the use); at the top otherwise."""
    use_line = start_line(ctx, used_at)
    body = ctx.module.body
    last_import: cst.SimpleStatementLine | None = None
    for stmt in body:
        if start_line(ctx, stmt) >= use_line:
            break
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
        ):
            last_import = stmt
    if last_import is not None:
        return NodeEdit(last_import, f"{statement}\n", "line_after")
    # No import before the use: after the docstring and __future__ imports, before the first statement.
    for stmt in body:
        if is_docstring(stmt) or _is_future(stmt):
            continue
        return NodeEdit(stmt, f"{statement}\n", "before")
    return NodeEdit(body[-1], f"{statement}\n", "line_after")


def _is_future(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.ImportFrom)
        and isinstance(stmt.body[0].module, cst.Name)
        and stmt.body[0].module.value == "__future__"
    )
