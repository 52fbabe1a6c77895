"""Fixes for the hyperparameter-range rules."""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.context import Context, NodeEdit, PendingFix
from kerasnanlint.fixes.common import SAFE, pending, set_keyword, string_literal
from kerasnanlint.semantics.tuners import ABSENT, HpDecl, tuner_facts


def _decl(ctx: Context, node: cst.CSTNode) -> HpDecl | None:
    return next((d for d in tuner_facts(ctx.facts).hp_decls if d.node is node), None)


def linear_wide_learning_rate(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    decl = _decl(ctx, node)
    if decl is None or decl.kind != "Float" or any(a.star for a in decl.node.args):
        return None
    lo = decl.value("min_value")
    if not isinstance(lo, int | float) or isinstance(lo, bool) or lo <= 0:
        return None  # log sampling needs a positive minimum: choosing one is the author's call
    if decl.value("step") not in (ABSENT, None):
        return None  # with sampling="log" a step multiplies (it must be > 1): the grid would change meaning
    sampling = decl.args.get("sampling")
    title = 'Sample the learning rate with sampling="log"'
    if sampling is not None:
        if decl.value("sampling") not in (None, "linear"):
            return None
        if not any(a.value is sampling for a in decl.node.args):
            return None  # passed through a variable: leave it to the author
        return pending(title, SAFE, NodeEdit(sampling, string_literal(ctx, "log")))
    # Same range and default, only where the trials fall inside it changes: each decade gets its share.
    return pending(title, SAFE, set_keyword(ctx, decl.node, "sampling", string_literal(ctx, "log")))
