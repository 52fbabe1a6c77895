"""A module's summary: what other modules of the project may ask of it, built from the facts of one lint.

It is plain JSON (cached with the file's findings, sent to worker processes, compared to decide what to re-lint)::

    {"names": {name: entry}, "stars": [module, ...]}

Entries, by ``kind``:

- ``function``: ``name`` (what Keras logs for it as a metric is ``to_snake_case(name)``), ``builder`` (the
  hypermodel record when it builds and compiles a model) and ``factory`` (the record of what it returns);
- ``class``: ``name``, ``hypermodel`` (a ``HyperModel`` subclass: the record of its instances) and ``metric``
  (a metric class: ``{"name": logged name or None, "index": position of a name parameter or None}``);
- ``value``: a module-level object that is a hypermodel (``hypermodel = MyHyperModel()``, a partial...);
- ``constant``: a literal (``OBJECTIVE = "val_auc"``);
- ``import``: a name the module imports (``target``, absolute), for re-exports in ``__init__.py``.

A hypermodel record is ``{"custom_fit": bool, "logged": {"names": {name: origin}, "complete": bool} | None}``.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerasnanlint.semantics.linked import is_library
from kerasnanlint.semantics.metrics import builder_logged_names, class_metric
from kerasnanlint.semantics.module import ModuleFacts
from kerasnanlint.semantics.tuners import UNKNOWN, HyperModelInfo, hypermodel_of, literal, user_hypermodel


def build_summary(facts: ModuleFacts) -> dict[str, Any]:
    names: dict[str, dict[str, Any]] = {}
    for local, full in facts.imports.aliases.items():
        if not is_library(full):
            names[local] = {"kind": "import", "target": full}
    top = facts.module_scope
    # Builders compile a model: a module without a compile() call has none, and no factory of one either.
    compiles = any(s.method == "compile" and s.qualname is None for s in facts.calls)
    for name, values in top.assignments.items():
        if len(values) != 1 or name in top.rebound:
            continue
        value = literal(values[0])
        if value is not UNKNOWN:
            names[name] = {"kind": "constant", "value": value}
        elif compiles:
            record = _record(facts, hypermodel_of(facts, values[0], top))
            if record is not None:
                names[name] = {"kind": "value", "hypermodel": record}
    for scope in facts.scopes:
        if scope.parent is top and scope.cls is None and scope.function is not None:
            names[scope.name] = _function(facts, scope.name, compiles)
    at_top = {id(statement) for statement in facts.module.body}
    for info in facts.classes.values():
        if id(info.node) in at_top:
            hm = user_hypermodel(facts, cst.Call(cst.Name(info.name)), info) if compiles else None
            names[info.name] = {
                "kind": "class",
                "name": info.name,
                "hypermodel": _record(facts, hm),
                "metric": class_metric(facts, info),
            }
    return {"names": names, "stars": [m for m in facts.imports.stars if not is_library(m)]}


def _function(facts: ModuleFacts, name: str, compiles: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": "function", "name": name, "builder": None, "factory": None}
    if compiles:
        top = facts.module_scope
        entry["builder"] = _record(facts, hypermodel_of(facts, cst.Name(name), top))
        entry["factory"] = _record(facts, hypermodel_of(facts, cst.Call(cst.Name(name)), top))
    return entry


def _record(facts: ModuleFacts, hm: HyperModelInfo | None) -> dict[str, Any] | None:
    if hm is None:
        return None
    if hm.imported is not None:
        return hm.imported
    logged = builder_logged_names(facts, hm)
    return {
        "custom_fit": hm.custom_fit,
        "logged": None if logged is None else {"names": dict(logged.names), "complete": logged.complete},
    }
