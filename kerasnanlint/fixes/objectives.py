"""Fixes for the objective and tuner-configuration rules (objectives, tuner configuration).

They find the reported node again in the KerasTuner facts (cached per file) and reuse the objective semantics
(semantics/metrics.py) so that a fix says exactly what the finding's message says.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.context import Context, NodeEdit, PendingFix
from kerasnanlint.fixes.common import (
    SAFE,
    UNSAFE,
    append_to_list,
    ensure_name,
    inner_code,
    parent,
    pending,
    set_keyword,
    string_literal,
)
from kerasnanlint.semantics.metrics import direction_word, known_direction, logged_origins, true_direction
from kerasnanlint.semantics.tuners import ObjectiveRef, TunerInfo, tuner_facts
from kerasnanlint.semantics.values import arg, follow, string


def _objective_at(ctx: Context, node: cst.CSTNode) -> tuple[TunerInfo | None, ObjectiveRef] | None:
    facts = tuner_facts(ctx.facts)
    for tuner in facts.tuners:
        for obj in tuner.objectives or []:
            if obj.node is node or obj.name_node is node:
                return tuner, obj
    for objectives in facts.oracle_objectives:
        for obj in objectives:
            if obj.node is node or obj.name_node is node:
                return None, obj
    return None


def _written_in_call(ctx: Context, node: cst.CSTNode) -> bool:
    """Is ``node`` written right in a call's arguments (``f(x=node)``, ``f(x=[node, ...])``), not through a
    variable that other code may also read?"""
    up = parent(ctx, node)
    if isinstance(up, cst.Element):
        lst = parent(ctx, up)
        up = parent(ctx, lst) if isinstance(lst, cst.List | cst.Tuple) else None
    return isinstance(up, cst.Arg) and isinstance(parent(ctx, up), cst.Call)


def _quoted(node: cst.BaseExpression, text: str) -> str | None:
    """``text`` as a string literal in the quote style of ``node``."""
    if any(c in text for c in "\\'\"\n"):
        return None
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower() and "f" not in node.prefix.lower():
        quote = node.quote if len(node.quote) == 1 else node.quote[0]
        return f"{quote}{text}{quote}"
    return f'"{text}"'


# --------------------------------------------------------------------------------- objective-direction


def objective_direction(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    found = _objective_at(ctx, node)
    if found is None:
        return None
    tuner, obj = found
    name = obj.name
    if name is None:
        return None
    origin = logged_origins(ctx.facts, tuner).get(name[4:] if name.startswith("val_") else name)
    if obj.explicit:
        return _fix_direction_argument(ctx, obj, name, origin, data)
    direction = true_direction(name, origin)
    # Safe only when the direction is a fact about a built-in name, not a guess from the words in it.
    applicability = SAFE if known_direction(name, origin) == direction else UNSAFE
    spelled = ensure_name(ctx, "keras_tuner.Objective", node)
    if spelled is None:
        return None
    objective, imports = spelled
    title = f'Use `{objective}("{name}", direction="{direction}")`'
    dir_text = string_literal(ctx, direction)
    if _written_in_call(ctx, obj.node):
        new = f"{objective}({inner_code(ctx, obj.node)}, direction={dir_text})"
        return pending(title, applicability, NodeEdit(obj.node, new), imports)
    expr = tuner.objective_expr if tuner is not None else None
    if isinstance(expr, cst.Name) and follow(expr, tuner.site.scope) is obj.node:  # type: ignore[union-attr]
        # objective=OBJ with OBJ = "...": wrap the name where the tuner reads it; OBJ's other readers keep a str.
        new = f"{objective}({expr.value}, direction={dir_text})"
        return pending(title, applicability, NodeEdit(expr, new), imports)
    new = f"{objective}({inner_code(ctx, obj.node)}, direction={dir_text})"
    return pending(title, UNSAFE, NodeEdit(obj.node, new), imports)  # the literal may have other readers


def _fix_direction_argument(
    ctx: Context, obj: ObjectiveRef, name: str, origin: str | None, data: dict[str, Any]
) -> PendingFix | None:
    given = obj.direction
    node = obj.direction_node
    if given is None or node is None or not isinstance(obj.node, cst.Call):
        return None
    sure = known_direction(name, origin)
    if given in ("min", "max"):
        if sure is None or sure == given:
            return None
        direction = sure
    else:
        direction = direction_word(given) or true_direction(name, origin)
    literal = _quoted(node, direction)
    if literal is None:
        return None
    direct = parent(ctx, node)
    applicability = SAFE if sure == direction else UNSAFE
    if not (isinstance(direct, cst.Arg) and parent(ctx, direct) is obj.node):
        applicability = UNSAFE  # the direction comes from a variable others may read
    return pending(f'Use direction="{direction}"', applicability, NodeEdit(node, literal))


# -------------------------------------------------------------------------------- objective-not-logged


def objective_not_logged(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    found = _objective_at(ctx, node)
    if found is None or found[0] is None:
        return None
    _tuner, obj = found
    if obj.name is None or obj.name_node is None or string(obj.name_node) is None:
        return None
    # The check passes a candidate only when it is plainly meant (checks.objectives._closest).
    target = data.get("candidate")
    if not isinstance(target, str):
        return None
    literal = _quoted(obj.name_node, target)
    if literal is None:
        return None
    # Unsafe: the search then optimizes what compile() logs, which may not be the metric the author meant.
    return pending(f'Use the logged name "{target}"', UNSAFE, NodeEdit(obj.name_node, literal))


# --------------------------------------------------------------------------------- stale-tuner-project


def stale_tuner_project(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    if not isinstance(node, cst.Call) or any(a.star for a in node.args):
        return None
    # Unsafe: overwrite=True deletes the project's saved trials on the next run.
    return pending("Pass overwrite=True", UNSAFE, set_keyword(ctx, node, "overwrite", "True"))


# ----------------------------------------------------------------------------- nan-hidden-by-objective


def nan_hidden_by_objective(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    if not isinstance(node, cst.Call) or any(a.star for a in node.args):
        return None
    spelled = ensure_name(ctx, "keras.callbacks.TerminateOnNaN", node)
    if spelled is None:
        return None
    callback, imports = spelled
    item = f"{callback}()"
    title = f"Add `{item}` to the search callbacks"
    given = arg(node, "callbacks", 5)
    if given is None:
        return pending(title, SAFE, set_keyword(ctx, node, "callbacks", f"[{item}]"), imports)
    site = ctx.facts.call_site(node)
    scope = site.scope if site is not None else None
    value = follow(given.value, scope)
    if isinstance(value, cst.Name) and value.value == "None":
        return pending(title, SAFE, NodeEdit(given.value, f"[{item}]"), imports)
    if isinstance(value, cst.List):
        return pending(title, SAFE, append_to_list(ctx, value, item), imports)
    if isinstance(value, cst.Tuple) and value.lpar:
        return pending(title, SAFE, append_to_list(ctx, value, item), imports)
    return None
