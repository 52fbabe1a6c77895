"""Objective and tuner-configuration rules (KNL3xx).

They read the KerasTuner facts (semantics/tuners.py) and the names compile() logs (semantics/metrics.py).
A tuner whose hypermodel, objective or search arguments we cannot see keeps these rules silent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import libcst as cst

from kerasnanlint.context import Context
from kerasnanlint.diagnostics import Applicability, Severity
from kerasnanlint.fixes import objectives as objective_fixes
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe
from kerasnanlint.semantics.metrics import (
    HIGHER_IS_BETTER,
    direction_word,
    hypermodel_logged_names,
    inferred_direction,
    known_direction,
    logged_origins,
    strip_objective,
    true_direction,
)
from kerasnanlint.semantics.module import Scope, descendants
from kerasnanlint.semantics.tuners import ObjectiveRef, SearchCall, TunerInfo, tuner_facts
from kerasnanlint.semantics.values import follow, number


def _acronym(name: str) -> str:
    return "".join(part[0] for part in strip_objective(name).split("_") if part)


def _related(name: str, logged: str) -> bool:
    """A shortened or prefixed spelling: "acc" / "accuracy", "f1" / "f1_metric", "accuracy" / "species_accuracy"."""
    return (
        logged.startswith(name) or name.startswith(logged) or logged.endswith("_" + name) or name.endswith("_" + logged)
    )


def _closest(name: str, candidates: list[str], metrics: list[str]) -> tuple[str | None, bool]:
    """The logged name the user most likely meant, and whether it is plainly meant (a confident match the fixer
    may rename to): an acronym (rmse), exactly one shortened or prefixed spelling, or exactly one clear typo.
    Otherwise a looser spelling match, or the only metric logged, as a hint only: a name that merely is the only
    metric ("f1_score" when only accuracy is logged) means the author wants a metric compile() lacks."""
    base = strip_objective(name)
    prefix = "val_" if name.startswith("val_") else ""
    by_acronym = [c for c in metrics if c.startswith(prefix) and _acronym(c[len(prefix) :]) == base]
    if by_acronym:
        return by_acronym[0], True
    pool = candidates if "loss" in base else metrics
    bases = {c[len(prefix) :]: c for c in pool}
    unprefixed = name[len(prefix) :]
    related = [c for b, c in bases.items() if _related(unprefixed, b)]
    if len(related) == 1:
        return related[0], True
    typos = difflib.get_close_matches(unprefixed, list(bases), n=2, cutoff=0.75)
    if len(typos) == 1 and not related:
        return bases[typos[0]], True
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if close:
        return close[0], False
    return (metrics[0], False) if len(metrics) == 1 else (None, False)


def _names_list(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(f'"{n}"' for n in names[:limit])
    return shown + (", ..." if len(names) > limit else "")


def _fits_default_loop(tuner: TunerInfo) -> bool:
    hm = tuner.hypermodel
    return hm is not None and not hm.custom_fit and not tuner.custom_run_trial and tuner.kind != "SklearnTuner"


def objective_not_logged(ctx: Context) -> None:
    facts = tuner_facts(ctx.facts)
    for tuner in facts.tuners:
        if not tuner.objectives:
            continue
        logged = hypermodel_logged_names(ctx.facts, tuner)
        if logged is None or not logged.complete:
            continue
        for obj in tuner.objectives:
            if obj.name is None or obj.name_node is None:
                continue
            validation = obj.name.startswith("val_")
            base = obj.name[4:] if validation else obj.name
            if base in logged.names:
                continue
            train = sorted(logged.names, key=lambda n: (n != "loss", n))
            candidates = [f"val_{n}" for n in train] if validation else train
            metrics = [n for n in candidates if strip_objective(n) != "loss" and not n.endswith("_loss")]
            close, confident = _closest(obj.name, candidates, metrics)
            hint = f' (did you mean "{close}"?)' if close else ""
            if len(train) == 1:
                hint = ""
                what = f'compile() has no metrics, so only "{candidates[0]}" is logged; add the metric to compile()'
            else:
                what = f"The hypermodel's compile() logs {_names_list(candidates)}"
            ctx.report(
                obj.name_node,
                KNL301,
                f'Objective "{obj.name}" is never logged{hint}',
                data={"candidate": close} if close and confident else None,
                help=f"{what[0].upper()}{what[1:]}; every trial then fails with KeyError: '{obj.name}' and the search"
                " stops after 3 consecutive failures",
            )


KNL301 = define_rule(
    "KNL301",
    "objective-not-logged",
    Severity.ERROR,
    "The tuner's objective names a metric the hypermodel's compile() never logs",
    check=objective_not_logged,
    fixer=objective_fixes.objective_not_logged,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe(
        "search",
        "short search with the real objective: KerasTuner's KeyError fails the trial",
        "objective_logged",
        runs=("baseline",),
        objective=True,
    ),
)


def _has_validation(search: SearchCall) -> bool | None:
    """Does search() pass validation data to fit()? None when we cannot tell."""
    if search.unknown_args:
        return None
    data = search.fit_arg("validation_data", 7)
    split = search.fit_arg("validation_split", 6)
    scope = search.site.scope
    if data is not None:
        d = follow(data, scope)
        if not (isinstance(d, cst.Name) and d.value == "None"):
            return True
    if split is not None:
        value = number(follow(split, scope))
        if value is None or value > 0:
            return True
    return False


# Keras's fit() splits only tensors and NumPy arrays (keras/src/trainers/data_adapters/array_slicing.py,
# train_validation_split): a dataset, generator or Sequence with validation_split raises ValueError.
_DATASET_FUNCS = (
    "tensorflow.data.",
    "keras.utils.image_dataset_from_directory",
    "keras.utils.text_dataset_from_directory",
    "keras.utils.timeseries_dataset_from_array",
    "keras.utils.audio_dataset_from_directory",
)
_SEQUENCES = ("keras.utils.Sequence", "keras.utils.PyDataset", "keras.utils.data_utils.Sequence")
_ITERATOR_METHODS = frozenset({"flow", "flow_from_directory", "flow_from_dataframe"})


def _unsplittable(ctx: Context, x: cst.BaseExpression | None, scope: Scope) -> str | None:
    """ "a tf.data.Dataset", "a generator" or "a Sequence" when ``x`` certainly is one, else None."""
    sequences = {c.name for c in ctx.facts.subclasses_of(*_SEQUENCES)}
    for _ in range(8):  # down a method chain: tf.data.Dataset.from_tensor_slices(...).batch(32)
        x = follow(x, scope)
        if isinstance(x, cst.GeneratorExp):
            return "a generator"
        if not isinstance(x, cst.Call):
            return None
        q = ctx.facts.resolve(x.func) or ""
        if q.startswith(_DATASET_FUNCS):
            return "a tf.data.Dataset"
        func = x.func
        if isinstance(func, cst.Name):
            if func.value in sequences:
                return "a Sequence"
            fn = ctx.facts.function(func.value, near=scope)
            body = fn.node if fn is not None else None
            gen = isinstance(body, cst.FunctionDef) and any(True for _ in descendants(body.body, cst.Yield))
            return "a generator" if gen else None
        if not isinstance(func, cst.Attribute):
            return None
        if func.attr.value in _ITERATOR_METHODS:
            return "a Sequence"
        x = func.value
    return None


def _split_of_unsplittable(ctx: Context, search: SearchCall) -> str | None:
    """What search() passes as x when validation_split is its only validation and x cannot be split."""
    if search.unknown_args or search.fit_arg("validation_data", 7) is not None:
        return None
    split = search.fit_arg("validation_split", 6)
    value = number(follow(split, search.site.scope)) if split is not None else None
    if value is None or value <= 0:
        return None
    return _unsplittable(ctx, search.fit_arg("x", 0), search.site.scope)


def objective_without_validation(ctx: Context) -> None:
    facts = tuner_facts(ctx.facts)
    for tuner in facts.tuners:
        val = [o.name for o in tuner.objectives or [] if o.name and o.name.startswith("val_")]
        if not val or not _fits_default_loop(tuner):
            continue
        for search in tuner.searches:
            has = _has_validation(search)
            if has is False:
                ctx.report(
                    search.site.node,
                    KNL302,
                    f'Objective "{val[0]}" needs validation data, but this search() passes none',
                    help="Without validation_data or validation_split no val_* metric is logged and every trial fails"
                    f" with KeyError: '{val[0]}'; pass validation_data=... or validation_split=...",
                )
            elif has and (kind := _split_of_unsplittable(ctx, search)) is not None:
                ctx.report(
                    search.fit_arg("validation_split", 6) or search.site.node,
                    KNL302,
                    f'Objective "{val[0]}" needs validation data, but validation_split cannot split x, {kind}',
                    help="validation_split works only on tensors and NumPy arrays: Keras's fit() raises ValueError"
                    " and every trial fails; pass validation_data=... (a separate dataset or generator) instead",
                )
            elif has:
                freq = search.fit_arg("validation_freq")
                value = number(follow(freq, search.site.scope)) if freq is not None else None
                if freq is not None and value is not None and value > 1:
                    ctx.report(
                        freq,
                        KNL302,
                        f"validation_freq={ctx.code(freq)} logs val_* metrics only every few epochs",
                        help=f'The history of "{val[0]}" is then shorter than the epochs and KerasTuner fails the'
                        " trial with KeyError; drop validation_freq",
                    )


KNL302 = define_rule(
    "KNL302",
    "objective-without-validation",
    Severity.ERROR,
    "A val_* objective while search() has no validation data (or validates only every few epochs)",
    check=objective_without_validation,
    probe=Probe(
        "search",
        "short search with the real objective and fit arguments: KeyError on the val_ metric",
        "objective_logged",
        runs=("baseline",),
        objective=True,
        needs_real_data=True,
    ),
)


def _objective_code(spelling: str, name: str, direction: str) -> str:
    return f'{spelling}("{name}", direction="{direction}")'


def _check_direction(ctx: Context, obj: ObjectiveRef, spelling: str, origins: dict[str, str]) -> None:
    name = obj.name
    if name is None:
        return
    origin = origins.get(name[4:] if name.startswith("val_") else name)
    right = true_direction(name, origin)
    fix = _objective_code(spelling, name, right)
    if not obj.explicit:
        inferred = inferred_direction(name)
        if inferred is None:
            ctx.report(
                obj.node,
                KNL303,
                f'KerasTuner cannot infer whether "{name}" should be minimized or maximized',
                help=f"KerasTuner raises ValueError when the tuner is constructed; write `{fix}`"
                + (' (or direction="min" if lower is better)' if right == "max" else ""),
            )
        elif inferred == "error":
            ctx.report(
                obj.node,
                KNL303,
                f'KerasTuner\'s direction inference crashes with TypeError on "{name}"',
                help=f"The tuner cannot be constructed; write `{fix}`",
            )
        elif inferred == "min" and strip_objective(name) in HIGHER_IS_BETTER and right == "max":
            ctx.report(
                obj.node,
                KNL303,
                f'KerasTuner infers direction "min" for "{name}", but higher is better',
                help=f"The search silently ranks the worst model best; write `{fix}`",
            )
        return
    direction = obj.direction
    if direction is None:
        return
    if direction not in ("min", "max"):
        guess = direction_word(direction) or right
        ctx.report(
            obj.node,
            KNL303,
            f'direction="{direction}" is not "min" or "max"',
            help="KerasTuner accepts it, then every trial fails with ValueError;"
            f" write `{_objective_code(spelling, name, guess)}`",
        )
        return
    sure = known_direction(name, origin)
    if sure is not None and sure != direction:
        ctx.report(
            obj.node,
            KNL303,
            f'"{name}" is better when {"higher" if sure == "max" else "lower"}, but the objective says'
            f' direction="{direction}"',
            help=f"The search ranks the worst model best; write `{_objective_code(spelling, name, sure)}`",
        )


def objective_direction(ctx: Context) -> None:
    facts = tuner_facts(ctx.facts)
    for tuner in facts.tuners:
        origins = logged_origins(ctx.facts, tuner)
        for obj in tuner.objectives or []:
            _check_direction(ctx, obj, facts.objective_spelling, origins)
    for objectives in facts.oracle_objectives:
        for obj in objectives:
            _check_direction(ctx, obj, facts.objective_spelling, {})


KNL303 = define_rule(
    "KNL303",
    "objective-direction",
    Severity.ERROR,
    "KerasTuner cannot infer the objective's direction, infers the wrong one, or is given an invalid one",
    check=objective_direction,
    fixer=objective_fixes.objective_direction,
    fix_applicability=Applicability.SAFE,
    probe=Probe(
        "script",
        "KerasTuner's ValueError at tuner construction, or the direction it inferred",
        "objective_direction",
        runs=("baseline",),
        objective=True,
        raises=r"direction|[Oo]bjective",
    ),
)


_UNIQUE_ROOTS = ("tempfile.", "time.", "datetime.", "uuid.", "os.getpid", "random.", "secrets.")


# pytest's per-test folders (tmp_path, tmpdir fixtures) and TestCase temp dirs: new on every run.
_TEMP_FIXTURES = frozenset({"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"})
_TEMP_METHODS = frozenset({"get_temp_dir", "mkdtemp", "mktemp", "create_tempdir"})
_EXISTS = frozenset({"exists", "isdir", "is_dir"})


def _fresh_every_run(ctx: Context, expr: cst.BaseExpression | None, tuner: TunerInfo) -> bool:
    """A directory/project_name computed from a temp dir, a clock or a uuid: nothing to reload."""
    if expr is None:
        return False
    scope = tuner.site.scope
    e = follow(expr, scope)
    if e is None:
        return False
    for node in descendants(e, cst.Name, cst.Call):
        if isinstance(node, cst.Name):
            if node.value in _TEMP_FIXTURES and any(node.value in s.params for s in _enclosing(scope)):
                return True
            continue
        assert isinstance(node, cst.Call)
        q = ctx.facts.resolve(node.func) or ""
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        if q.startswith(_UNIQUE_ROOTS) or method in _TEMP_METHODS:
            return True
    return False


def _enclosing(scope: Scope | None) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent


def _exists_test(test: cst.BaseExpression) -> bool | None:
    """True for ``os.path.exists(p)`` / ``Path(p).is_dir()``, False for its negation, None for other tests."""
    negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
    inner = test.expression if isinstance(test, cst.UnaryOperation) and negated else test
    if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value in _EXISTS:
        return not negated
    return None


def _built_when_folder_missing(tuner: TunerInfo) -> bool:
    """``if not os.path.exists(folder): tuner = ...`` (or the else of ``if exists``): no project to reload."""
    node = tuner.site.node
    for branch in descendants(tuner.site.scope.node, cst.If):
        assert isinstance(branch, cst.If)
        exists = _exists_test(branch.test)
        if exists is None:
            continue
        body = branch.orelse if exists else branch.body
        if body is not None and any(n is node for n in descendants(body, cst.Call)):
            return True
    return False


def stale_tuner_project(ctx: Context) -> None:
    for tuner in tuner_facts(ctx.facts).tuners:
        if tuner.unknown_args:
            continue
        overwrite = tuner.argument("overwrite")
        if overwrite is not None:
            continue  # overwrite=False given explicitly is a deliberate resume
        if any(
            _fresh_every_run(ctx, a.value, tuner) for k in ("directory", "project_name") if (a := tuner.argument(k))
        ) or _built_when_folder_missing(tuner):
            continue
        ctx.report(
            tuner.site.node,
            KNL304,
            f"{tuner.user_class.name if tuner.user_class else tuner.kind} is created without overwrite=True",
            help="A rerun with the same directory and project_name reloads the saved trials (search() may return"
            " without training), keeps the saved search space over edited hp ranges, and ranks old scores under a"
            " changed objective; pass overwrite=True while developing",
        )


KNL304 = define_rule(
    "KNL304",
    "stale-tuner-project",
    Severity.INFO,
    "Tuner created without overwrite=True: a rerun reloads old trials and the saved search space",
    check=stale_tuner_project,
    fixer=objective_fixes.stale_tuner_project,
    fix_applicability=Applicability.UNSAFE,
    probe=Probe("inspect", "look (read-only) for the saved tuner project a rerun would reload", "stale_project"),
)


def _terminates_on_nan(ctx: Context, search: SearchCall) -> bool | None:
    """True/False when search() callbacks are visible, None when they are not."""
    if search.unknown_args:
        return None
    callbacks = search.fit_arg("callbacks", 5)
    if callbacks is None:
        return False
    scope = search.site.scope
    cbs = follow(callbacks, scope)
    if isinstance(cbs, cst.Name) and cbs.value == "None":
        return False
    if not isinstance(cbs, cst.List | cst.Tuple):
        return None
    unknown = False
    for el in cbs.elements:
        if isinstance(el, cst.StarredElement):
            return None
        item = follow(el.value, scope)
        call = item if isinstance(item, cst.Call) else None
        if call is None:
            unknown = True
            continue
        q = ctx.facts.resolve(call.func)
        if q == "keras.callbacks.TerminateOnNaN":
            return True
        if q is not None and q.startswith("keras.callbacks."):
            continue  # a built-in callback that is not TerminateOnNaN
        if isinstance(call.func, cst.Name) and call.func.value in ctx.facts.classes:
            info = ctx.facts.classes[call.func.value]
            if "nan" in ctx.code(info.node).lower():  # a user callback that looks at NaN
                return True
            continue
        unknown = True
    return None if unknown else False


def _maximized(tuner: TunerInfo) -> str | None:
    """The objective's name when every objective is maximized (accuracy-like), else None."""
    if not tuner.objectives:
        return None
    for obj in tuner.objectives:
        if obj.name is None:
            return None
        direction = obj.direction if obj.explicit else inferred_direction(obj.name)
        if direction != "max":
            return None
    return tuner.objectives[0].name


def nan_hidden_by_objective(ctx: Context) -> None:
    for tuner in tuner_facts(ctx.facts).tuners:
        name = _maximized(tuner)
        if name is None or not _fits_default_loop(tuner):
            continue
        for search in tuner.searches:
            if _terminates_on_nan(ctx, search) is False:
                ctx.report(
                    search.site.node,
                    KNL305,
                    f'Objective "{name}" stays finite when the loss turns NaN, and no TerminateOnNaN stops the trial',
                    help="A diverged trial is then scored as a normal one; pass"
                    " callbacks=[keras.callbacks.TerminateOnNaN()] to search() (or tune on val_loss)",
                )


KNL305 = define_rule(
    "KNL305",
    "nan-hidden-by-objective",
    Severity.INFO,
    "An accuracy-like objective without a TerminateOnNaN callback scores NaN-loss trials as normal ones",
    check=nan_hidden_by_objective,
    fixer=objective_fixes.nan_hidden_by_objective,
    fix_applicability=Applicability.SAFE,
    probe=Probe(
        "search",
        "short search: a trial whose loss went NaN yet completed with a finite score",
        "nan_hidden",
        runs=("baseline",),
        training=True,
        objective=True,
    ),
)
