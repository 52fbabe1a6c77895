"""The rule table: every rule is defined once, with ``define_rule``, next to its check.

Rule codes are a contract with users (``# noqa`` comments, configs): never renumber, only add. A check is a
function ``check(ctx: Context) -> None``; several rules may share one (it then runs once when any of them is
selected). The rule's fixer and runtime probe are given in the same definition.
"""

from __future__ import annotations

from collections.abc import Callable

from kerasnanlint.diagnostics import Applicability, Severity
from kerasnanlint.rule import Check, Fixer, Probe, Rule

RULES: dict[str, Rule] = {}
# Codes of the rules that are off unless selected by their exact code (read by config.Settings.rule_selected).
OPT_IN: set[str] = set()


def define_rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    check: Check | None = None,
    fixer: Fixer | None = None,
    fix_applicability: Applicability | None = None,
    probe: Probe | None = None,
    opt_in: bool = False,
    runtime_only: bool = False,
) -> Rule:
    """Define and register a rule; the one registration point of the linter (checks, fixers and probes included)."""
    if code in RULES:
        raise ValueError(f"rule {code} defined twice")
    # A check's fixes come from its fixer; a rule the engine reports (no check) builds its fixes itself.
    if (fixer is None) != (fix_applicability is None) and (fixer is not None or check is not None):
        raise ValueError(f"rule {code}: a fixer and its applicability go together")
    rule = Rule(code, name, severity, summary, check, fixer, fix_applicability, probe, opt_in, runtime_only)
    RULES[code] = rule
    if opt_in:
        OPT_IN.add(code)
    return rule


# KNL000 has no check: the engine reports it for files it cannot read or parse.
SYNTAX_ERROR = define_rule(
    "KNL000", "unparsable-file", Severity.ERROR, "The file could not be decoded or parsed, so it was not checked"
)


# KNL001 has no check either: the engine reports it after applying the file's noqa comments
# (kerasnanlint/unused_noqa.py), with its own safe fix.
UNUSED_NOQA = define_rule(
    "KNL001",
    "unused-noqa",
    Severity.INFO,
    "A `# noqa` comment names a kerasnanlint code that suppresses nothing on its line, or an unknown one",
    fix_applicability=Applicability.SAFE,
    opt_in=True,  # advice about comments, not about NaN: on only when selected by its exact code
)


def load_checks() -> None:
    """Import every check module so that its rules register (idempotent)."""
    import kerasnanlint.checks  # noqa: F401


def all_rules() -> dict[str, Rule]:
    """Every rule, by code."""
    load_checks()
    return dict(sorted(RULES.items()))


def rule(code: str) -> Rule:
    """The rule with this code (KeyError for an unknown one)."""
    load_checks()
    return RULES[code]


def checks_for(selected: Callable[[str], bool]) -> list[Check]:
    """The distinct check functions of the rules ``selected(code)`` accepts, each once, in definition order."""
    load_checks()
    out: list[Check] = []
    for r in RULES.values():
        if r.check is not None and r.check not in out and selected(r.code):
            out.append(r.check)
    return out
