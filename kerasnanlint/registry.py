"""The rule table and the check functions that emit them.

A check is a function ``check(ctx: Context) -> None`` decorated with ``@check(RULE, ...)`` naming every rule
it may report; the engine skips a check when none of its rules is selected. Rule codes are a contract with
users (``# noqa`` comments, configs): never renumber, only add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kerasnanlint.diagnostics import Severity

if TYPE_CHECKING:
    from kerasnanlint.engine import Context


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    runtime_only: bool = False  # reported by runtime-confirm only (KNL503, KNL504)


@dataclass(frozen=True)
class Check:
    func: Callable[[Context], None]
    rules: tuple[Rule, ...]


RULES: dict[str, Rule] = {}
CHECKS: list[Check] = []
# Fix builders live apart from the checks (kerasnanlint/fixes/): rule code -> fixer(ctx, node, data).
FIXERS: dict[str, Callable[..., Any]] = {}


def define_rule(code: str, name: str, severity: Severity, summary: str, *, runtime_only: bool = False) -> Rule:
    if code in RULES:
        raise ValueError(f"rule {code} defined twice")
    rule = Rule(code, name, severity, summary, runtime_only)
    RULES[code] = rule
    return rule


def check(*rules: Rule) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(func: Callable[[Context], None]) -> Callable[[Context], None]:
        CHECKS.append(Check(func, rules))
        return func

    return register


def fixer(code: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fixer(ctx, node, data) -> PendingFix | None`` for the findings of rule ``code``."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        FIXERS[code] = func
        return func

    return register


# KNL000 is not a check: the engine reports it for files it cannot read or parse.
SYNTAX_ERROR = define_rule(
    "KNL000", "unparsable-file", Severity.ERROR, "The file could not be decoded or parsed, so it was not checked"
)


def load_checks() -> None:
    """Import every check module so that its rules and checks register (idempotent)."""
    import kerasnanlint.checks
    import kerasnanlint.fixes  # noqa: F401


def all_rules() -> dict[str, Rule]:
    load_checks()
    return dict(sorted(RULES.items()))
