"""Fixes for the output-activation vs loss rules: make ``from_logits`` say what the output is."""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.context import Context, NodeEdit, PendingFix
from kerasnanlint.fixes.common import (
    SAFE,
    UNSAFE,
    ensure_name,
    parent,
    pending,
    set_keyword,
    string_literal,
)
from kerasnanlint.semantics import models as M
from kerasnanlint.semantics.values import string


def _loss_at(ctx: Context, node: cst.CSTNode, wanted: set[str]) -> tuple[M.Loss, list[M.Output]] | None:
    """The loss written at ``node`` and the outputs it trains, when each has one fixed activation among
    ``wanted`` (an ``hp.Choice`` of a linear and a probability head cannot satisfy one from_logits value)."""
    found: M.Loss | None = None
    outputs: list[M.Output] = []
    for out, loss, _comp in M.pairs_of_loss(ctx.facts, node):
        act = out.activation
        if act is None or act.choice is not None or not set(act.names) <= wanted:
            return None
        found = loss
        outputs.append(out)
    return (found, outputs) if found is not None else None


def _set_from_logits(ctx: Context, loss: M.Loss, value: bool) -> list[NodeEdit] | None:
    given = loss.from_logits_arg
    if given is not None:
        if given.keyword is None:
            call = loss.node
            positional = [a for a in call.args if a.keyword is None] if isinstance(call, cst.Call) else []
            if positional and positional[-1] is given and not given.star:
                return [NodeEdit(given, f"from_logits={value}")]  # say what the bare True/False meant
        return [NodeEdit(given.value, str(value))]
    if isinstance(loss.node, cst.Call):
        if any(a.star for a in loss.node.args):
            return None
        return set_keyword(ctx, loss.node, "from_logits", str(value))
    cls = M.LOSS_CLASSES.get(loss.name or "")
    if cls is None:
        return None
    spelled = ensure_name(ctx, f"keras.losses.{cls}", loss.node)
    if spelled is None:
        return None
    name, imports = spelled
    return [NodeEdit(loss.node, f"{name}(from_logits={value})"), *imports]


def probabilities_into_from_logits(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    found = _loss_at(ctx, node, set(M.PROBABILITY))
    if found is None or found[0].from_logits is not True:
        return None
    loss = found[0]
    # from_logits=False keeps what the model and its metrics compute: on TF Keras already used the logits, so
    # the loss is unchanged there; on JAX/torch it becomes right. (Making the output linear instead would
    # also turn predict() and threshold metrics such as "accuracy" into logits.)
    edits = _set_from_logits(ctx, loss, False)
    return pending("Set from_logits=False", UNSAFE, edits) if edits else None


def logits_into_probability_loss(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    found = _loss_at(ctx, node, {M.LINEAR})
    if found is None or found[0].from_logits is not False:
        return None
    loss = found[0]
    edits = _set_from_logits(ctx, loss, True)
    # Unsafe: the loss changes, and a threshold metric such as "accuracy" still reads the outputs as probabilities.
    return pending("Set from_logits=True", UNSAFE, edits) if edits else None


def single_unit_softmax(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    # Unsafe: the model changes (from a constant 1.0 to a trainable probability); the loss must be binary.
    title = "Use sigmoid for a single unit"
    if isinstance(node, cst.SimpleString) and string(node) == "softmax":
        up = parent(ctx, node)
        if isinstance(up, cst.Arg) and isinstance(parent(ctx, up), cst.Call):
            return pending(title, UNSAFE, NodeEdit(node, string_literal(ctx, "sigmoid")))
        return None
    if isinstance(node, cst.Call) and ctx.facts.resolve(node.func) == "keras.layers.Softmax" and not node.args:
        spelled = ensure_name(ctx, "keras.layers.Activation", node)
        if spelled is None:
            return None
        layer, imports = spelled
        return pending(title, UNSAFE, NodeEdit(node, f"{layer}({string_literal(ctx, 'sigmoid')})"), imports)
    return None  # an hp.Choice, an activation function: the author's call


def mixed_precision_output(ctx: Context, node: cst.CSTNode, data: dict[str, Any]) -> PendingFix | None:
    if not isinstance(node, cst.Call) or any(a.star for a in node.args):
        return None
    # Safe: Keras's mixed-precision guide asks for exactly this; the layer computes in float32, outputs float32.
    return pending(
        'Add dtype="float32" to the output layer', SAFE, set_keyword(ctx, node, "dtype", string_literal(ctx, "float32"))
    )
