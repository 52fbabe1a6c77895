"""Output activation vs loss rules (KNL201-KNL206), over the models built in the file (semantics/models.py).

Facts (keras/src/backend/tensorflow/nn.py, docs/activations-data.md): Keras clips crossentropy predictions to
[1e-7, 1-1e-7]; the TF backend recovers the logits of a sigmoid output for binary_crossentropy and of a softmax
output for (sparse_)categorical_crossentropy, whatever from_logits says (warning when from_logits=True); JAX and
torch do not. A loss or activation that cannot be resolved keeps every rule here silent.
"""

from __future__ import annotations

import libcst as cst

from kerasnanlint.context import Context
from kerasnanlint.diagnostics import Applicability, Severity
from kerasnanlint.fixes import activations as activation_fixes
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe
from kerasnanlint.semantics import models as M
from kerasnanlint.semantics import values
from kerasnanlint.semantics.names import dotted_name, last_part

_BINARY = frozenset({"binary_crossentropy", "binary_focal_crossentropy"})
_CATEGORICAL = frozenset(
    {"categorical_crossentropy", "sparse_categorical_crossentropy", "categorical_focal_crossentropy"}
)
# Pairs for which the TF backend recovers the logits (backend/tensorflow/nn.py _get_logits).
_MATCHED = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}
_MATCHED["sparse_categorical_crossentropy"] = "softmax"
# Regression losses (canonical names, semantics/models.loss_name): a probability output trained with one.
_REGRESSION = frozenset(
    {
        "mean_squared_error", "mse", "mean_absolute_error", "mae", "huber", "huber_loss",
        "mean_squared_logarithmic_error", "msle",
    }
)  # fmt: skip
# Metrics that say the model classifies (a sigmoid output trained with a regression loss is then a mismatch).
_CLASSIFY_METRICS = frozenset(
    {"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "auc"}
)
_POLICY_SETTERS = frozenset(
    {
        "keras.mixed_precision.set_global_policy",
        "keras.mixed_precision.set_dtype_policy",
        "keras.mixed_precision.experimental.set_policy",
        "keras.config.set_dtype_policy",
    }
)


def _short(ctx: Context, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(ctx.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _when(act: M.Activation, names: list[str]) -> str:
    if act.choice is None:
        return ""
    picks = " or ".join(repr(n) for n in names)
    return f" when hp.Choice({act.choice!r}) picks {picks}"


def _output_label(model: M.ModelInfo, out: M.Output) -> str:
    label = out.key if model.output_form == "dict" else out.name
    return f" `{label}`" if label and model.output_form != "single" else ""


def _classify(name: str, loss: M.Loss, out: M.Output) -> tuple[object, str] | None:
    """(rule, variant) for one activation name against one crossentropy, or None when fine or unknown."""
    if name == "softmax" and out.units == 1:
        return None  # KNL203 says it all
    if loss.name in _CATEGORICAL and out.units == 1:
        return (KNL204, "one-unit")
    if name in M.PROBABILITY:
        if loss.from_logits:
            return (KNL201, name)
        # units unknown (num_classes, an hp.Int) counts: one unit is already KNL203 or "one-unit"
        if name == "softmax" and loss.name in _BINARY:
            return (KNL204, "binary-on-softmax")
        if name == "sigmoid" and loss.name in _CATEGORICAL:
            return (KNL204, "categorical-on-sigmoid")
        if _MATCHED.get(loss.name or "") == name:
            return (KNL206, name)
        return None
    if name == M.LINEAR:
        return None if loss.from_logits else (KNL202, name)
    if name in M.NOT_PROBABILITY and not loss.from_logits:
        return (KNL204, "not-probability")
    return None


def _message(
    ctx: Context, rule: object, variant: str, names: list[str], act: M.Activation, loss: M.Loss, where: str
) -> tuple[str, str]:
    """The finding's message (what is wrong) and help (why it matters, what to do)."""
    when = _when(act, names)
    loss_text = f"`{_short(ctx, loss.node, 40)}`"
    cls = M.LOSS_CLASSES.get(loss.name or "", "BinaryCrossentropy")
    if rule is KNL201:
        return (
            f"{loss_text} expects logits but the output{where} applies {names[0]}{when}",
            f"The TF backend silently uses the pre-{names[0]} logits and warns, the JAX and torch backends silently"
            " compute a wrong loss; set from_logits=False, or make the output linear and keep from_logits=True",
        )
    if rule is KNL202:
        return (
            f"{loss_text} expects probabilities but the output{where} is linear{when}",
            "Keras clips the raw outputs to [1e-7, 1-1e-7], so outputs outside [0, 1] get no gradient and accuracy"
            f" drops (no NaN by itself); pass from_logits=True, e.g. `keras.losses.{cls}(from_logits=True)`",
        )
    if rule is KNL206:
        act_name = names[0]
        return (
            f"{act_name} output{where} feeds {loss.name} with from_logits=False{when}",
            "Keras clips predictions to [1e-7, 1-1e-7], so the built-in loss cannot be NaN by itself, and the TF"
            " backend even recovers the logits; on JAX/torch a saturated output gets a zero gradient, and any"
            " hand-rolled variant of the loss is NaN at 0 or 1; prefer a linear output with from_logits=True"
            f" (and a {act_name} at inference)",
        )
    return _mismatch(variant, names, loss_text, where, when)


def _mismatch(variant: str, names: list[str], loss_text: str, where: str, when: str) -> tuple[str, str]:
    """KNL204's message and help, by kind of mismatch."""
    if variant == "one-unit":
        return (
            f"{loss_text} is categorical but the output{where} has 1 unit{when}",
            "Categorical crossentropy normalizes over the units, so a single unit always has probability 1 and the"
            " loss is 0 (sparse: label 1 is out of range); use binary_crossentropy for two classes, or one unit"
            " per class with softmax",
        )
    if variant == "categorical-on-sigmoid":
        return (
            f"{loss_text} is categorical but the output{where} applies sigmoid{when}",
            "Categorical crossentropy expects one distribution over the classes, but sigmoid units are independent"
            " (nothing pushes the wrong classes down; the sparse loss can reach 0 with every unit at 1) and the TF"
            " backend cannot recover the logits; use softmax, or binary_crossentropy for multi-label",
        )
    if variant == "regression-on-probability":
        return (
            f"{loss_text} is a regression loss but the output{where} applies {names[0]}{when}",
            f"The outputs are squashed into (0, 1) and the loss's gradient vanishes where the {names[0]} saturates,"
            " so a classifier trains slowly or stalls; use the matching crossentropy (binary for sigmoid,"
            " categorical for softmax), or a linear output for regression",
        )
    if variant == "binary-on-softmax":
        return (
            f"{loss_text} is binary but the output{where} is a softmax over several units{when}",
            "Softmax makes the units compete while binary crossentropy scores each as an independent yes/no, and"
            " the TF backend cannot recover the logits; use categorical_crossentropy (one-hot labels) or"
            " sparse_categorical_crossentropy (integer labels), or sigmoid for multi-label",
        )
    return (
        f"{loss_text} expects probabilities but the output{where} applies {'/'.join(names)}{when}",
        "Its outputs are not probabilities: Keras clips them to [1e-7, 1-1e-7] and the clipped part gets no"
        " gradient; use sigmoid/softmax, or a linear output with from_logits=True",
    )


def _classifies(comp: M.Compile) -> bool:
    """compile(metrics=[...]) names an accuracy-like metric: the model is a classifier."""
    items = comp.metrics.elements if isinstance(comp.metrics, cst.List | cst.Tuple) else ()
    for el in items:
        value = el.value
        text = values.string(value)
        if text is None and isinstance(value, cst.Call):
            text = M.loss_name(last_part(dotted_name(value.func)))
        if text is not None and text.lower() in _CLASSIFY_METRICS:
            return True
    return False


def _classify_regression(name: str, out: M.Output, comp: M.Compile) -> tuple[object, str] | None:
    """A softmax over several (or unknown) units, or a sigmoid of a classifier, trained with a regression loss."""
    if name == "softmax" and out.units != 1:
        return (KNL204, "regression-on-probability")
    if name == "sigmoid" and _classifies(comp):
        return (KNL204, "regression-on-probability")
    return None  # a sigmoid regression head (targets in [0, 1], an autoencoder's pixels) is fine


def activation_vs_loss(ctx: Context) -> None:
    for model in M.models(ctx.facts):
        for out, loss, comp in M.loss_pairs(model):
            act = out.activation
            regression = loss.kind == "builtin" and loss.name in _REGRESSION
            if act is None or not (regression or (loss.crossentropy and loss.from_logits is not None)):
                continue
            groups: dict[tuple[str, str], tuple[object, list[str]]] = {}
            for name in act.names:
                found = _classify_regression(name, out, comp) if regression else _classify(name, loss, out)
                if found is None:
                    continue
                rule, variant = found
                key = (rule.code, variant)  # type: ignore[attr-defined]
                groups.setdefault(key, (rule, []))[1].append(name)
            where = _output_label(model, out)
            for (_code, variant), (rule, names) in groups.items():
                message, advice = _message(ctx, rule, variant, names, act, loss, where)
                ctx.report(loss.node, rule, message, help=advice)  # type: ignore[arg-type]


KNL201 = define_rule(
    "KNL201",
    "probabilities-into-from-logits",
    Severity.WARNING,
    "A sigmoid/softmax output feeds a crossentropy built with from_logits=True",
    check=activation_vs_loss,
    fixer=activation_fixes.probabilities_into_from_logits,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "search",
        "short run; Keras's own from_logits warning counts as evidence",
        "training",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("probability",),
        warning=r"(?s)from_logits=True.*(Sigmoid|Softmax)|(Sigmoid|Softmax).*from_logits=True",
    ),
)


KNL202 = define_rule(
    "KNL202",
    "logits-into-probability-loss",
    Severity.WARNING,
    "A linear output feeds a crossentropy that expects probabilities (from_logits=False)",
    check=activation_vs_loss,
    fixer=activation_fixes.logits_into_probability_loss,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "search",
        "short runs with the output activation as written and each risky choice",
        "training",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("non-probability",),
    ),
)


KNL204 = define_rule(
    "KNL204",
    "loss-activation-mismatch",
    Severity.WARNING,
    "The loss does not fit the output layer (binary vs categorical, non-probability activation)",
    check=activation_vs_loss,
    probe=Probe(
        "search",
        "short runs with each risky activation choice",
        "training",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("non-probability",),
    ),
)


KNL206 = define_rule(
    "KNL206",
    "probability-output-crossentropy",
    Severity.INFO,
    "A sigmoid/softmax output feeds a built-in crossentropy with from_logits=False",
    check=activation_vs_loss,
    probe=Probe("search", "short run with the configuration as written", "training", runs=("baseline",), training=True),
    opt_in=True,  # advice, not a bug: idiomatic sigmoid+BCE / softmax+CCE is finite with the built-in loss
)


_SOFTMAX_HELP = (
    'The prediction is constant and nothing trains; use activation="sigmoid" for one unit, or one unit per class'
    " with softmax"
)


def _softmax_message(act: M.Activation) -> str:
    return f"Softmax over a 1-unit output always returns 1.0{_when(act, ['softmax'])}"


def single_unit_softmax(ctx: Context) -> None:
    facts = ctx.facts
    for site in facts.calls_to("keras.layers.Dense"):
        if isinstance(site.scope.node, cst.Lambda):
            continue
        end = M.end_point(facts, site.scope)
        units = values.number(values.follow(values.arg_value(site.node, "units", 0), site.scope))
        if units != 1:
            continue
        act_expr = values.arg_value(site.node, "activation", 1)
        act = M.activation_of(facts, values.follow(act_expr, site.scope), end) if act_expr is not None else None
        if act is not None and "softmax" in act.names:
            ctx.report(act.node, KNL203, _softmax_message(act), help=_SOFTMAX_HELP)
    for model in M.models(facts):
        for out in model.outputs or ():
            act = out.activation
            if out.kind != "Dense" and out.units == 1 and act is not None and "softmax" in act.names:
                ctx.report(out.layer, KNL203, _softmax_message(act), help=_SOFTMAX_HELP)


KNL203 = define_rule(
    "KNL203",
    "single-unit-softmax",
    Severity.ERROR,
    "Softmax over a 1-unit output is always 1.0: nothing trains",
    check=single_unit_softmax,
    fixer=activation_fixes.single_unit_softmax,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "search",
        "Keras's own single-unit softmax warning; short run",
        "constant_output",
        runs=("baseline", "activations"),
        training=True,
        pin_activations=("softmax",),
        warning=r"(?i:softmax over axis)|always return the value 1",
    ),
)


def _sets_mixed_float16(ctx: Context) -> bool:
    for site in ctx.facts.calls:
        if site.qualname not in _POLICY_SETTERS:
            continue
        policy = values.follow(values.arg_value(site.node, "policy", 0), site.scope)
        if isinstance(policy, cst.Call):
            policy = values.arg_value(policy, "name", 0)
        if values.string(policy) == "mixed_float16":
            return True
    return False


def _float32_or_unknown(ctx: Context, dtype: cst.BaseExpression | None) -> bool:
    if dtype is None:
        return False
    text = values.string(dtype)
    if text is None:
        return True  # an expression: unknown, stay silent
    return text not in ("float16", "mixed_float16")


def mixed_precision_output(ctx: Context) -> None:
    if not _sets_mixed_float16(ctx):
        return
    for model in M.models(ctx.facts):
        for out in model.outputs or ():
            if out.kind == "function" or _float32_or_unknown(ctx, out.dtype):
                continue
            ctx.report(
                out.layer,
                KNL205,
                f'Output layer `{_short(ctx, out.layer, 40)}` has no dtype="float32" under a mixed_float16 policy',
                help="This file sets the global policy to mixed_float16, so the layer computes in float16 (largest"
                " value 65504): a large output overflows to inf and the loss to inf/NaN, and probabilities round to"
                ' exactly 0 or 1; add dtype="float32" to the output layer (or end with layers.Activation("linear",'
                ' dtype="float32"))',
            )


KNL205 = define_rule(
    "KNL205",
    "mixed-precision-output",
    Severity.WARNING,
    "mixed_float16 policy while the output layer is not dtype='float32'",
    check=mixed_precision_output,
    fixer=activation_fixes.mixed_precision_output,
    fix_applicability=Applicability.SAFE,
)
