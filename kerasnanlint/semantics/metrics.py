"""The metric names Keras 3 logs for a ``model.compile(...)`` call, and KerasTuner's direction inference.

Everything here follows keras/src/trainers/compile_utils.py (Keras 3.15), and the tables below were generated
from Keras 3.15.1 / KerasTuner 1.4.8 themselves (``infer_metric_direction`` on every name
``keras.metrics/losses.deserialize`` accepts; every exported metric class's ``name`` default and its position).
We never import Keras: the lint path stays TensorFlow-free.

- strings keep their exact spelling (``'acc'`` logs ``acc``);
- instances log ``name=`` or their class default; classes whose default is ``None`` (AUC, Precision...) get a
  global counter (``auc_1``): we only trust the bare name for one instance built inside the hypermodel, since
  KerasTuner calls ``clear_session()`` before every build;
- functions log ``to_snake_case(fn.__name__)``; lambdas log ``lambda``; a function or metric class imported from
  another module of the project is named from that module's summary;
- duplicates get ``_1``, ``_2``; a weighted metric colliding with a metric becomes ``weighted_<name>``;
- multi-output models prefix ``<output>_`` and log ``<output>_loss`` when more than one loss is computed;
- validation adds ``val_`` (KerasTuner's objective names carry it).
Anything we cannot name makes the result incomplete, and incomplete results keep the rules silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst

from kerasnanlint.semantics.module import CallSite, ClassInfo, ModuleFacts, Scope
from kerasnanlint.semantics.names import dotted_name, last_part
from kerasnanlint.semantics.values import arg_value, follow, has_star_args, string

if TYPE_CHECKING:
    from kerasnanlint.semantics.tuners import HyperModelInfo, TunerInfo

# ---------------------------------------------------------------------------------------------------------
# KerasTuner's direction inference (metrics_tracking.infer_metric_direction), precomputed.
# Names not listed here make it return None: the tuner raises ValueError at construction.
_MAX = (
    "AUC Accuracy BinaryAccuracy CategoricalAccuracy Precision Recall SparseCategoricalAccuracy"
    " SparseTopKCategoricalAccuracy TopKCategoricalAccuracy TrueNegatives TruePositives acc accuracy auc"
    " binary_accuracy categorical_accuracy precision recall sparse_categorical_accuracy"
    " sparse_top_k_categorical_accuracy top_k_categorical_accuracy true_negatives true_positives"
)
_MIN = (
    "BCE BinaryCrossentropy BinaryFocalCrossentropy BinaryIoU CTC CategoricalCrossentropy"
    " CategoricalFocalCrossentropy CategoricalHinge Circle ConcordanceCorrelation CosineSimilarity Dice F1Score"
    " FBetaScore FalseNegatives FalsePositives Hinge Huber KLDivergence LogCosh LogCoshError Loss MAE MAPE MSE"
    " MSLE Mean MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredError MeanSquaredLogarithmicError"
    " Metric PearsonCorrelation Poisson R2Score RootMeanSquaredError SparseCategoricalCrossentropy SquaredHinge"
    " Sum Tversky bce binary_crossentropy binary_focal_crossentropy binary_io_u categorical_crossentropy"
    " categorical_focal_crossentropy categorical_hinge ce circle concordance_correlation cosine_similarity"
    " crossentropy ctc dice f1_score f_beta_score false_negatives false_positives hinge huber kl_divergence"
    " log_cosh log_cosh_error loss mae mape mean mean_absolute_error mean_absolute_percentage_error"
    " mean_squared_error mean_squared_logarithmic_error metric mse msle pearson_correlation poisson r2_score"
    " root_mean_squared_error sparse_categorical_crossentropy squared_hinge sum tversky"
)
# infer_metric_direction raises TypeError (not caught by KerasTuner) for these.
_TYPE_ERROR = (
    "IoU MeanIoU MeanMetricWrapper OneHotIoU OneHotMeanIoU PrecisionAtRecall RecallAtPrecision"
    " SensitivityAtSpecificity SpecificityAtSensitivity io_u mean_io_u mean_metric_wrapper one_hot_io_u"
    " one_hot_mean_io_u precision_at_recall recall_at_precision sensitivity_at_specificity"
    " specificity_at_sensitivity"
)
INFERRED: dict[str, str] = {
    **{n: "max" for n in _MAX.split()},
    **{n: "min" for n in _MIN.split()},
    **{n: "error" for n in _TYPE_ERROR.split()},
}
# Inferred "min" although a higher value is better: the search silently keeps the worst model.
HIGHER_IS_BETTER = frozenset(
    "F1Score FBetaScore R2Score CosineSimilarity PearsonCorrelation ConcordanceCorrelation BinaryIoU"
    " f1_score f_beta_score r2_score cosine_similarity pearson_correlation concordance_correlation"
    " binary_io_u".split()
)
# Where the logged name came from a keras.losses object, lower is better even for these
# (keras.losses.cosine_similarity is the *negative* similarity).
_LOSS_ORIGIN = "keras.losses."


def strip_objective(name: str) -> str:
    """The name KerasTuner looks up: one ``val_`` then one ``weighted_`` prefix removed."""
    if name.startswith("val_"):
        name = name[4:]
    if name.startswith("weighted_"):
        name = name[9:]
    return name


def inferred_direction(objective: str) -> str | None:
    """What KerasTuner infers for a string objective: "min", "max", "error" (TypeError) or None (ValueError)."""
    return INFERRED.get(strip_objective(objective))


_LOWER_BETTER_WORDS = (
    "loss",
    "error",
    "mse",
    "mae",
    "mape",
    "msle",
    "rmse",
    "logcosh",
    "hinge",
    "crossentropy",
    "divergence",
    "kld",
    "poisson",
    "false_positive",
    "false_negative",
    "fpr",
    "fnr",
    "distance",
    "perplexity",
)


def true_direction(objective: str, origin: str | None = None) -> str:
    """Our best statement of which way is better for a metric name (used to suggest an Objective)."""
    base = strip_objective(objective)
    if origin is not None and origin.startswith(_LOSS_ORIGIN):
        return "min"
    if base in HIGHER_IS_BETTER:
        return "max"
    if INFERRED.get(base) in ("min", "max"):
        return INFERRED[base]
    if INFERRED.get(base) == "error":  # IoU and the *_at_* family: higher is better
        return "max"
    low = base.lower()
    return "min" if any(w in low for w in _LOWER_BETTER_WORDS) else "max"


def known_direction(objective: str, origin: str | None = None) -> str | None:
    """The right direction when we are sure of it (built-in names only), else None."""
    base = strip_objective(objective)
    if base in INFERRED:
        return true_direction(objective, origin)
    return None


# ---------------------------------------------------------------------------------------------------------
# Metric objects and their names.
def to_snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# class -> (position of ``name`` among positional parameters, default name or None for auto-named classes)
_METRIC_CLASSES: dict[str, tuple[int, str | None]] = {
    "AUC": (3, None),
    "Accuracy": (0, "accuracy"),
    "BinaryAccuracy": (0, "binary_accuracy"),
    "BinaryCrossentropy": (0, "binary_crossentropy"),
    "BinaryIoU": (2, None),
    "CategoricalAccuracy": (0, "categorical_accuracy"),
    "CategoricalCrossentropy": (0, "categorical_crossentropy"),
    "CategoricalHinge": (0, "categorical_hinge"),
    "ConcordanceCorrelation": (0, "concordance_correlation"),
    "CosineSimilarity": (0, "cosine_similarity"),
    "F1Score": (2, "f1_score"),
    "FBetaScore": (3, "fbeta_score"),
    "FalseNegatives": (1, None),
    "FalsePositives": (1, None),
    "Hinge": (0, "hinge"),
    "IoU": (2, None),
    "KLDivergence": (0, "kl_divergence"),
    "LogCoshError": (0, "logcosh"),
    "Mean": (0, "mean"),
    "MeanAbsoluteError": (0, "mean_absolute_error"),
    "MeanAbsolutePercentageError": (0, "mean_absolute_percentage_error"),
    "MeanIoU": (1, None),
    "MeanSquaredError": (0, "mean_squared_error"),
    "MeanSquaredLogarithmicError": (0, "mean_squared_logarithmic_error"),
    "OneHotIoU": (2, None),
    "OneHotMeanIoU": (1, None),
    "PearsonCorrelation": (0, "pearson_correlation"),
    "Poisson": (0, "poisson"),
    "Precision": (3, None),
    "PrecisionAtRecall": (3, None),
    "R2Score": (2, "r2_score"),
    "Recall": (3, None),
    "RecallAtPrecision": (3, None),
    "RootMeanSquaredError": (0, "root_mean_squared_error"),
    "SensitivityAtSpecificity": (3, None),
    "SparseCategoricalAccuracy": (0, "sparse_categorical_accuracy"),
    "SparseCategoricalCrossentropy": (0, "sparse_categorical_crossentropy"),
    "SparseTopKCategoricalAccuracy": (1, "sparse_top_k_categorical_accuracy"),
    "SpecificityAtSensitivity": (3, None),
    "SquaredHinge": (0, "squared_hinge"),
    "Sum": (0, "sum"),
    "TopKCategoricalAccuracy": (1, "top_k_categorical_accuracy"),
    "TrueNegatives": (1, None),
    "TruePositives": (1, None),
}
_LOSS_CLASSES: dict[str, tuple[int, str | None]] = {
    "BinaryCrossentropy": (4, "binary_crossentropy"),
    "BinaryFocalCrossentropy": (7, "binary_focal_crossentropy"),
    "CTC": (1, "ctc"),
    "CategoricalCrossentropy": (4, "categorical_crossentropy"),
    "CategoricalFocalCrossentropy": (6, "categorical_focal_crossentropy"),
    "CategoricalGeneralizedCrossEntropy": (2, "categorical_generalized_cross_entropy"),
    "CategoricalHinge": (1, "categorical_hinge"),
    "Circle": (4, "circle"),
    "CosineSimilarity": (2, "cosine_similarity"),
    "Dice": (1, "dice"),
    "Hinge": (1, "hinge"),
    "Huber": (2, "huber_loss"),
    "KLDivergence": (1, "kl_divergence"),
    "LogCosh": (1, "log_cosh"),
    "MeanAbsoluteError": (1, "mean_absolute_error"),
    "MeanAbsolutePercentageError": (1, "mean_absolute_percentage_error"),
    "MeanSquaredError": (1, "mean_squared_error"),
    "MeanSquaredLogarithmicError": (1, "mean_squared_logarithmic_error"),
    "Poisson": (1, "poisson"),
    "SparseCategoricalCrossentropy": (4, "sparse_categorical_crossentropy"),
    "SquaredHinge": (1, "squared_hinge"),
    "Tversky": (3, "tversky"),
}
METRIC_CLASSES: dict[str, tuple[int, str | None]] = {
    **{f"keras.metrics.{k}": v for k, v in _METRIC_CLASSES.items()},
    **{f"keras.losses.{k}": v for k, v in _LOSS_CLASSES.items()},
}
# Functions exported by keras.metrics / keras.losses in Keras 3 log snake_case(__name__) == their own name.
_METRIC_FUNCTIONS = (
    "binary_accuracy binary_crossentropy binary_focal_crossentropy categorical_accuracy categorical_crossentropy"
    " categorical_focal_crossentropy categorical_hinge concordance_correlation hinge huber kl_divergence log_cosh"
    " mean_absolute_error mean_absolute_percentage_error mean_squared_error mean_squared_logarithmic_error"
    " pearson_correlation poisson sparse_categorical_accuracy sparse_categorical_crossentropy"
    " sparse_top_k_categorical_accuracy squared_hinge top_k_categorical_accuracy"
).split()
_LOSS_FUNCTIONS = (
    "binary_crossentropy binary_focal_crossentropy categorical_crossentropy categorical_focal_crossentropy"
    " categorical_generalized_cross_entropy categorical_hinge circle cosine_similarity ctc dice hinge huber"
    " kl_divergence log_cosh mean_absolute_error mean_absolute_percentage_error mean_squared_error"
    " mean_squared_logarithmic_error poisson sparse_categorical_crossentropy squared_hinge tversky"
).split()
METRIC_FUNCTIONS: dict[str, str] = {
    **{f"keras.metrics.{n}": n for n in _METRIC_FUNCTIONS},
    **{f"keras.losses.{n}": n for n in _LOSS_FUNCTIONS},
}
_METRIC_BASES = ("keras.metrics.Metric", "keras.metrics.MeanMetricWrapper")


@dataclass
class LoggedNames:
    """Training-log names (without ``val_``) of one compile() call: name -> origin, and whether that is all."""

    names: dict[str, str] = field(default_factory=dict)
    complete: bool = True

    def merge(self, other: LoggedNames) -> None:
        """Add the names ``other`` logs (the first spelling of each wins)."""
        for k, v in other.names.items():
            self.names.setdefault(k, v)
        self.complete = self.complete and other.complete


class _Namer:
    """Names metric entries of compile() calls inside one hypermodel (``hm_scopes``)."""

    def __init__(self, facts: ModuleFacts, hm_scopes: set[Scope]) -> None:
        self.facts = facts
        self.hm_scopes = hm_scopes
        self.sites: dict[int, CallSite] = facts.derive("site_by_node", lambda f: {id(s.node): s for s in f.calls})

    def _created_once_inside(self, call: cst.Call, qualname: str | None, class_name: str | None, index: int) -> bool:
        """Is this the only auto-named instance of its class made in the hypermodel (so no ``_1`` suffix)?"""
        site = self.sites.get(id(call))
        if site is None or site.scope not in self.hm_scopes:
            return False
        same = [
            s
            for scope in self.hm_scopes
            for s in scope.calls
            if ((qualname is not None and s.qualname == qualname) or (class_name and s.dotted == class_name))
            and _name_argument(s.node, index) is _ABSENT
        ]
        return len(same) == 1

    def name(self, expr: cst.BaseExpression, scope: Scope) -> tuple[str, str] | None:
        """(logged name, origin) of one metric entry, or None when unknown."""
        e = follow(expr, scope, depth=3)
        if e is None:
            return None
        s = string(e)
        if s is not None:
            return _string_name(s, self.facts.keras_target)
        if isinstance(e, cst.Lambda):
            return "lambda", "lambda"
        if isinstance(e, cst.Name | cst.Attribute):
            q = self.facts.resolve(e)
            if q in METRIC_FUNCTIONS:
                return METRIC_FUNCTIONS[q], q
            if isinstance(e, cst.Name) and q is None and not scope.binds_locally(e.value):
                fn = self.facts.function(e.value, near=scope)
                if fn is not None:
                    return to_snake_case(fn.name), "function"
            entry = self.facts.imported(e)
            if entry is not None and entry.get("kind") == "function":
                return to_snake_case(entry["name"]), "function"
            return None
        if isinstance(e, cst.Call):
            return self._instance_name(e, scope)
        return None

    def _instance_name(self, call: cst.Call, scope: Scope) -> tuple[str, str] | None:
        q = self.facts.resolve(call.func)
        if q in METRIC_CLASSES:
            index, default = METRIC_CLASSES[q]
            given = _name_argument(call, index)
            if given is not _ABSENT:
                return (given, q) if isinstance(given, str) else None
            if default is not None:
                return default, q
            if self._created_once_inside(call, q, None, index):
                return to_snake_case(last_part(q)), q
            return None
        if q is None and isinstance(call.func, cst.Name) and not scope.binds_locally(call.func.value):
            info = self.facts.classes.get(call.func.value)
            if info is not None:
                return self._user_class_name(call, info)
        entry = self.facts.imported(call.func)
        if entry is None or entry.get("kind") != "class" or not isinstance(entry.get("metric"), dict):
            return None
        metric, origin = entry["metric"], f"class:{entry['name']}"  # a metric class of another module
        index = metric.get("index")
        given = _name_argument(call, index if isinstance(index, int) else -1)
        if given is not _ABSENT:
            return (given, origin) if isinstance(given, str) else None
        name = metric.get("name")
        return (name, origin) if isinstance(name, str) else None

    def class_metric(self, info: ClassInfo) -> dict[str, Any] | None:
        """What a metric class logs when built with no arguments, for other modules: ``{"name": default
        name or None, "index": the position of a ``name`` parameter or None}``; None for other classes."""
        chain = _metric_chain(self.facts, info)
        if chain is None:
            return None
        classes, keras_base = chain
        named = self._user_class_name(cst.Call(cst.Name(info.name)), info)
        init = next((c.methods["__init__"] for c in classes if "__init__" in c.methods), None)
        index = None
        if init is not None and init.function is not None:
            params = [p.name.value for p in init.function.params.params if p.name.value != "self"]
            index = params.index("name") if "name" in params else None
        elif init is None:
            index = METRIC_CLASSES.get(keras_base, (1, None))[0]
        return {"name": named[0] if named else None, "index": index}

    def _user_class_name(self, call: cst.Call, info: ClassInfo) -> tuple[str, str] | None:
        chain = _metric_chain(self.facts, info)
        if chain is None:
            return None
        classes, keras_base = chain
        init = next((c.methods["__init__"] for c in classes if "__init__" in c.methods), None)
        origin = f"class:{info.name}"
        if init is None:
            # Metric(dtype, name) and MeanMetricWrapper(fn, name) both take ``name`` second.
            index, default = METRIC_CLASSES.get(keras_base, (1, None))
            given = _name_argument(call, index)
            if given is not _ABSENT:
                return (given, origin) if isinstance(given, str) else None
            if default is not None:
                return default, origin
            if self._created_once_inside(call, None, info.name, index):
                return to_snake_case(info.name), origin
            return None
        # An __init__ with a ``name`` parameter whose default is a string literal.
        fn = init.function
        if fn is None:
            return None
        params = [p for p in fn.params.params if p.name.value != "self"]
        for i, p in enumerate(params):
            if p.name.value == "name":
                given = _name_argument(call, i)
                if given is not _ABSENT:
                    return (given, origin) if isinstance(given, str) else None
                d = string(p.default) if p.default is not None else None
                return (d, origin) if d is not None else None
        if any(a.keyword is not None and a.keyword.value == "name" for a in call.args):
            v = string(arg_value(call, "name"))
            return (v, origin) if v is not None else None
        fixed = _super_init_name(self.facts, init)
        return (fixed, origin) if fixed is not None else None


def class_metric(facts: ModuleFacts, info: ClassInfo) -> dict[str, Any] | None:
    """What a metric class defined here logs, for the summary other modules read (see ``_Namer.class_metric``)."""
    return _Namer(facts, set()).class_metric(info)


def _super_init_name(facts: ModuleFacts, init: Scope) -> str | None:
    """The literal ``name`` an ``__init__`` passes up: ``super().__init__(name="f1", **kwargs)``."""
    for site in init.calls:
        call = site.node
        if (
            site.method == "__init__"
            and isinstance(call.func, cst.Attribute)
            and isinstance(call.func.value, cst.Call)
            and dotted_name(call.func.value.func) == "super"
        ):
            return string(arg_value(call, "name"))
    return None


_ABSENT = object()
# Keras <= 2.2 (and TensorFlow 1's tf.keras) logged these strings under a short name (kerasnanlint/versions.py).
_OLD_NAMES = {"accuracy": "acc", "acc": "acc", "crossentropy": "ce", "ce": "ce"}


def _string_name(s: str, target: str | None) -> tuple[str, str] | None:
    """What a metric given as a string logs: its own spelling, but for the old naming; unknown when that naming
    may apply and would differ."""
    if s not in _OLD_NAMES or target not in ("2.2", "2.2?"):
        return s, "string"
    if target == "2.2":
        return _OLD_NAMES[s], "string"
    return (s, "string") if _OLD_NAMES[s] == s else None


def _name_argument(call: cst.Call, index: int) -> object:
    """The ``name`` argument: a str, None when present but not a literal, or _ABSENT."""
    if has_star_args(call):
        return None
    v = arg_value(call, "name")
    if v is None and index >= 0:
        v = arg_value(call, position=index)
    if v is None:
        return _ABSENT
    return string(v)


def _metric_chain(facts: ModuleFacts, info: ClassInfo) -> tuple[list[ClassInfo], str] | None:
    """``_class_chain`` of a class deriving from a Keras metric (or loss) class; None for any other class."""
    chain = _class_chain(facts, info)
    if chain is None or (chain[1] not in METRIC_CLASSES and chain[1] not in _METRIC_BASES):
        return None
    return chain


def _class_chain(facts: ModuleFacts, info: ClassInfo) -> tuple[list[ClassInfo], str] | None:
    """The user classes from ``info`` up to the first imported base, and that base's canonical name."""
    chain = [info]
    seen = {info.name}
    while True:
        bases = chain[-1].bases
        if len(bases) != 1:
            return None
        base = bases[0]
        if base in facts.classes and base not in seen:
            seen.add(base)
            chain.append(facts.classes[base])
            continue
        return chain, base


# ---------------------------------------------------------------------------------------------------------
# Model outputs.
_MODEL_CLASSES = ("keras.Model", "keras.Functional")
_SEQUENTIAL = ("keras.Sequential",)


@dataclass
class Outputs:
    """A model's outputs: how many, and the name Keras logs each under."""

    count: int
    names: list[str | None]  # per output; None where Keras would auto-name it


def model_outputs(facts: ModuleFacts, model: cst.BaseExpression | None, scope: Scope) -> Outputs | None:
    """Outputs of the model a compile() is called on, or None when we cannot tell how many there are."""
    e = follow(model, scope, depth=3)
    if not isinstance(e, cst.Call):
        return None
    q = facts.resolve(e.func)
    if q in _SEQUENTIAL:
        return Outputs(1, [None])
    if q not in _MODEL_CLASSES or has_star_args(e):
        return None
    out = follow(arg_value(e, "outputs", 1), scope, depth=3)
    if out is None:
        return None
    if isinstance(out, cst.List | cst.Tuple):
        if any(isinstance(el, cst.StarredElement) for el in out.elements):
            return None
        names = [_tensor_name(facts, el.value, scope) for el in out.elements]
        return Outputs(len(names), names)
    if isinstance(out, cst.Dict):
        keys: list[str | None] = []
        for el in out.elements:
            if not isinstance(el, cst.DictElement):
                return None
            keys.append(string(el.key))
        return Outputs(len(keys), keys)
    if _is_single_tensor(facts, out):
        return Outputs(1, [_tensor_name(facts, out, scope)])
    if isinstance(out, cst.Name) and _always_single_tensor(facts, out.value, scope):
        return Outputs(1, [None])  # ``x = Dense(...)(x)`` repeated: one tensor, whichever assignment wins
    return None


def _always_single_tensor(facts: ModuleFacts, name: str, scope: Scope | None) -> bool:
    while scope is not None:
        if name in scope.params or name in scope.rebound:
            return False
        values = scope.assignments.get(name)
        if values:
            return all(_is_single_tensor(facts, v) for v in values)
        scope = scope.parent
    return False


def _is_single_tensor(facts: ModuleFacts, expr: cst.BaseExpression) -> bool:
    """``Dense(1)(x)`` or ``keras.ops.sigmoid(x)``: a layer applied to a tensor, or a keras op."""
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Call):
        q = facts.resolve(expr.func.func) or ""
        return q.startswith("keras.layers.") and last_part(q) not in ("RNN", "LSTM", "GRU", "SimpleRNN")
    q = facts.resolve(expr.func) or ""
    return q.startswith("keras.ops.")


def _tensor_name(facts: ModuleFacts, expr: cst.BaseExpression, scope: Scope) -> str | None:
    e = follow(expr, scope, depth=3)
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Call):
        return string(arg_value(e.func, "name"))
    return None


# ---------------------------------------------------------------------------------------------------------
# compile() -> logged names.
def _entries(expr: cst.BaseExpression | None, scope: Scope) -> list[cst.BaseExpression] | None:
    """Elements of a list/tuple (followed through a local name); None when not a literal container."""
    e = follow(expr, scope, depth=3)
    if isinstance(e, cst.List | cst.Tuple):
        if any(isinstance(el, cst.StarredElement) for el in e.elements):
            return None
        return [el.value for el in e.elements]
    return None


def _is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _flat_metrics(expr: cst.BaseExpression, scope: Scope) -> list[cst.BaseExpression] | None:
    """tree.flatten of a metrics structure (lists, tuples, dict values)."""
    e = follow(expr, scope, depth=3)
    if isinstance(e, cst.List | cst.Tuple):
        out: list[cst.BaseExpression] = []
        for el in e.elements:
            if isinstance(el, cst.StarredElement):
                return None
            sub = _flat_metrics(el.value, scope)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if isinstance(e, cst.Dict):
        out = []
        for entry in e.elements:
            if not isinstance(entry, cst.DictElement):
                return None
            sub = _flat_metrics(entry.value, scope)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return [e] if e is not None and not _is_none(e) else []


def _per_output(expr: cst.BaseExpression, scope: Scope, outputs: Outputs) -> list[list[cst.BaseExpression]] | None:
    """Metrics per output for a multi-output model (a list with one entry per output, or a dict by name)."""
    e = follow(expr, scope, depth=3)
    per: list[cst.BaseExpression | None] = []
    if isinstance(e, cst.List | cst.Tuple):
        items = _entries(e, scope)
        if items is None or len(items) != outputs.count:
            return None  # Keras rejects it, or we cannot see it
        per = list(items)
    elif isinstance(e, cst.Dict):
        by_key: dict[str, cst.BaseExpression] = {}
        for el in e.elements:
            key = string(el.key) if isinstance(el, cst.DictElement) else None
            if key is None or not isinstance(el, cst.DictElement):
                return None
            by_key[key] = el.value
        if None in outputs.names or not set(by_key) <= set(outputs.names):
            return None
        per = [by_key.get(n) for n in outputs.names if n is not None]
    else:
        return None
    result: list[list[cst.BaseExpression]] = []
    for item in per:
        if item is None or _is_none(item):
            result.append([])
            continue
        flat = _flat_metrics(item, scope)
        if flat is None:
            return None
        result.append(flat)
    return result


def _loss_count(expr: cst.BaseExpression | None, scope: Scope, outputs: Outputs) -> list[bool] | None:
    """Which outputs get a loss (multi-output), or None when unknown."""
    e = follow(expr, scope, depth=3)
    if e is None or _is_none(e):
        return [False] * outputs.count
    if isinstance(e, cst.List | cst.Tuple):
        items = _entries(e, scope)
        if items is None or len(items) != outputs.count:
            return None
        return [not _is_none(follow(i, scope)) for i in items]
    if isinstance(e, cst.Dict):
        by_key: dict[str, bool] = {}
        for el in e.elements:
            key = string(el.key) if isinstance(el, cst.DictElement) else None
            if key is None or not isinstance(el, cst.DictElement):
                return None
            by_key[key] = not _is_none(follow(el.value, scope))
        if None in outputs.names:
            return None
        return [by_key.get(n, False) for n in outputs.names if n is not None]
    return [True] * outputs.count  # one loss applied to every output


def compile_logged_names(facts: ModuleFacts, call: cst.Call, scope: Scope, hm_scopes: set[Scope]) -> LoggedNames:
    """Names one ``model.compile(...)`` call makes ``fit()`` log (training names; validation adds ``val_``)."""
    result = LoggedNames({"loss": "loss"})
    if has_star_args(call) or not isinstance(call.func, cst.Attribute):
        result.complete = False
        return result
    outputs = model_outputs(facts, call.func.value, scope)
    if outputs is None:
        result.complete = False
        return result
    namer = _Namer(facts, hm_scopes)
    if outputs.count > 1:
        losses = _loss_count(arg_value(call, "loss", 1), scope, outputs)
        if losses is None:
            result.complete = False
        elif sum(losses) > 1:
            for has, prefix in zip(losses, outputs.names, strict=True):
                if has and prefix is None:
                    result.complete = False
                elif has:
                    result.names[f"{prefix}_loss"] = "loss"
    counters: dict[str, int] = {}
    for weighted, keyword, position in ((False, "metrics", 3), (True, "weighted_metrics", 4)):
        given = follow(arg_value(call, keyword, position), scope, depth=3)
        if given is None or _is_none(given):
            continue
        if not isinstance(given, cst.List | cst.Tuple | cst.Dict):
            result.complete = False  # built elsewhere (or a bare metric, which Keras rejects)
            continue
        if outputs.count == 1:
            flat = _flat_metrics(given, scope)
            per = [flat] if flat is not None else None
        else:
            per = _per_output(given, scope, outputs)
        if per is None:
            result.complete = False
            continue
        for i, entries in enumerate(per):
            prefix = outputs.names[i] if outputs.count > 1 else None
            if outputs.count > 1 and prefix is None:
                result.complete = result.complete and not entries
                continue
            for entry in entries:
                named = namer.name(entry, scope)
                if named is None:
                    result.complete = False
                    continue
                _add(result, counters, named[0], named[1], prefix, weighted)
    return result


def _add(
    result: LoggedNames, counters: dict[str, int], base: str, origin: str, prefix: str | None, weighted: bool
) -> None:
    """compile_utils.CompileMetrics.result: prefixing and de-duplication."""
    name = f"{prefix}_{base}" if prefix else base
    if name not in counters:
        counters[name] = 1
    elif not weighted:
        index = counters[name]
        counters[name] += 1
        name = f"{name}_{index}"
    else:
        name = f"{prefix}_weighted_{base}" if prefix else f"weighted_{base}"
        if name not in counters:
            counters[name] = 1
        else:
            index = counters[name]
            counters[name] += 1
            name = f"{name}_{index}"
    result.names[name] = origin


def direction_word(text: str) -> str | None:
    """ "max"/"min" for the words people write in ``direction=`` ("maximize", "higher", "down"...), else None."""
    t = text.strip().lower()
    if t.startswith(("max", "high", "up", "asc", "larg", "great")):
        return "max"
    if t.startswith(("min", "low", "down", "desc", "small", "less")):
        return "min"
    return None


def hypermodel_logged_names(facts: ModuleFacts, tuner: TunerInfo) -> LoggedNames | None:
    """Union of the names every compile() in the hypermodel logs; None when the logs are not ours to know."""
    hm = tuner.hypermodel
    if hm is None or hm.custom_fit or tuner.custom_run_trial or tuner.overrides_compile or tuner.kind == "SklearnTuner":
        return None
    return builder_logged_names(facts, hm)


def builder_logged_names(facts: ModuleFacts, hm: HyperModelInfo) -> LoggedNames | None:
    """What the compile() calls of one hypermodel log; None when it has none we can see. Shared: not to be
    changed by the caller."""
    if hm.imported is not None:  # defined in another module: its summary says
        logged = hm.imported.get("logged")
        if not isinstance(logged, dict):
            return None
        return LoggedNames(dict(logged.get("names", {})), bool(logged.get("complete")))
    # The same builder is asked about by each tuner that uses it and by the module's summary: once per file.
    known: dict[frozenset[int], LoggedNames | None] = facts.derive("builder_logged_names", lambda f: {})
    key = frozenset(map(id, hm.scopes))
    if key not in known:
        known[key] = _logged_by(facts, hm.scopes)
    return known[key]


def _logged_by(facts: ModuleFacts, scopes: set[Scope]) -> LoggedNames | None:
    # ``model.compile``: the receiver is a local, never an imported module (``re.compile``)
    compiles = [s for scope in scopes for s in scope.calls if s.method == "compile" and s.qualname is None]
    compiles.sort(key=lambda s: s.order)
    if not compiles:
        return None
    result = LoggedNames()
    for site in compiles:
        result.merge(compile_logged_names(facts, site.node, site.scope, scopes))
    return result


def logged_origins(facts: ModuleFacts, tuner: TunerInfo | None) -> dict[str, str]:
    """Where each name the hypermodel logs comes from (a loss used as a metric is minimized); {} when unknown."""
    logged = hypermodel_logged_names(facts, tuner) if tuner is not None else None
    return logged.names if logged is not None else {}
