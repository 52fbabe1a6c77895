"""The rule record: everything the linter, the fixer, runtime-confirm and the docs know about one rule.

A leaf module (it imports only ``diagnostics``): checks, fixers, confirm, the catalogue and the formats all read
the same ``Rule``; none of them keeps its own table of rule codes. Rules are defined with
``registry.define_rule`` next to their check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kerasnanlint.diagnostics import Applicability, Severity

if TYPE_CHECKING:
    from kerasnanlint.context import Context, PendingFix

    Check = Callable[[Context], None]
    Fixer = Callable[[Context, Any, dict[str, Any]], PendingFix | None]
else:
    Check = Fixer = Callable

# A rule code (KNL301) or a prefix of one (KNL3, KNL): what select/ignore/--select and noqa comments accept.
CODE = re.compile(r"KNL\d*")

ProbeKind = Literal["direct", "search", "script", "data", "inspect"]


@dataclass(frozen=True)
class Probe:
    """How runtime-confirm tests a finding of this rule (read by ``kerasnanlint.confirm``).

    ``kind``: ``direct`` calls the flagged loss/metric/layer on adversarial inputs; ``search`` judges by short
    controlled runs; ``script`` by what happens while the script itself runs (an exception, the declarations it
    makes); ``data`` by the arrays the script passes to ``search()``/``fit()``; ``inspect`` looks at files only.
    """

    kind: ProbeKind
    how: str  # one line for docs/confirm.md and the report: what is tried
    judge: str  # the name of its verdict routine (confirm/judges.py JUDGES; the runtime-only rules': confirm/report.py)
    runs: tuple[str, ...] = ()  # short runs it needs, in the order they are consulted: baseline, lr_top, activations
    training: bool = False  # judged by the runs of its own builder's model when the script only defines one
    objective: bool = False  # needs the tuner construction (its statement is re-run when search() is not reached)
    pin_top: bool = False  # pin the hyperparameters declared on the finding's lines at the top of their range
    pin_activations: tuple[str, ...] = ()  # activation choices to pin: "non-probability", "probability", "softmax"
    raises: str | None = None  # regex of the exception (type: message) that proves the finding when the script raises
    warning: str | None = None  # regex (re.search) of a Keras warning that proves the finding
    needs_real_data: bool = False  # synthetic data cannot judge it (validation arguments of the real search())


@dataclass(frozen=True)
class Rule:
    """One rule: its identity (a contract with users), its check, its fix and its runtime probe."""

    code: str
    name: str
    severity: Severity
    summary: str
    check: Check | None = field(default=None, compare=False)  # None: reported by the engine or by confirm
    fixer: Fixer | None = field(default=None, compare=False)  # fixer(ctx, node, data) -> PendingFix | None
    fix_applicability: Applicability | None = None  # the fixer's usual applicability (a given fix may be less safe)
    probe: Probe | None = None
    opt_in: bool = False  # off unless selected by its exact code
    runtime_only: bool = False  # reported by runtime-confirm only

    @property
    def folder(self) -> Path:
        """rules/<code>/: README.md (the doc), flagged.py and clean.py."""
        from kerasnanlint.catalog import rule_dir

        return rule_dir(self.code)


def parse_codes(items: Iterable[str]) -> tuple[str, ...]:
    """Rule codes or prefixes (``KNL301``, ``KNL3``) as given; ValueError names the first that is neither."""
    codes = tuple(items)
    for code in codes:
        if not CODE.fullmatch(code):
            raise ValueError(f"{code!r} is not a rule code or prefix (like KNL3 or KNL301)")
    return codes
