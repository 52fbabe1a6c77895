"""What checks and fixers share: the ``Context`` a check reports into, and the node-level edits of a fix.

A leaf of the lint core: the engine, the registry, the checks and the fixers all import it, and it imports none
of them, so there is no import circle between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import libcst as cst
from libcst.metadata import CodeRange

from kerasnanlint.diagnostics import Applicability

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.rule import Rule
    from kerasnanlint.semantics.module import ModuleFacts


@dataclass(frozen=True)
class NodeEdit:
    """Part of a fix before positions are known: replace ``node``'s text, or insert before/after it.

    ``"line_after"`` inserts at the start of the line after the node's last line (a new import after an
    import statement keeps that statement's trailing comment where it was).
    """

    node: cst.CSTNode
    content: str
    where: Literal["replace", "before", "after", "line_after"] = "replace"


@dataclass(frozen=True)
class PendingFix:
    """A fix whose edits still point at nodes; the engine turns it into a positioned ``Fix``."""

    title: str
    applicability: Applicability
    edits: tuple[NodeEdit, ...]


@dataclass
class Report:
    """A finding as a check records it: the node, the rule, the message and help, and what the fixer needs."""

    node: cst.CSTNode
    rule: Rule
    message: str
    fix: PendingFix | None
    data: dict[str, Any] | None = None
    help: str | None = None


@dataclass
class Context:
    """What a check sees: the file's facts, its settings, and ``report``."""

    path: str
    source: str
    module: cst.Module
    facts: ModuleFacts
    settings: Settings
    reports: list[Report] = field(default_factory=list)
    # Node positions, filled in before fixers run (a fixer may need a line's indentation); None during checks.
    positions: Mapping[cst.CSTNode, CodeRange] | None = None

    def report(
        self,
        node: cst.CSTNode,
        rule: Rule,
        message: str,
        fix: PendingFix | None = None,
        data: dict[str, Any] | None = None,
        *,
        help: str | None = None,
    ) -> None:
        """Record a finding on ``node``: ``message`` is one sentence on what is wrong, ``help`` why it matters and
        what to do. ``data`` carries facts a fixer needs (e.g. the logged metric name)."""
        self.reports.append(Report(node, rule, message, fix, data, help))

    def code(self, node: cst.CSTNode) -> str:
        """Source text of a node (for messages and fixes). Remembered by node: the Language Server reuses the
        nodes of unchanged statements between lints (kerasnanlint/incremental.py), and code generation is the
        costliest part of a message."""
        key = (node, self.module.default_indent, self.module.default_newline)
        code = _CODE.get(key)
        if code is None:
            if len(_CODE) > 20_000:
                _CODE.clear()
            code = _CODE[key] = self.module.code_for_node(node)
        return code


# Node -> its code; the node is held, so its id (LibCST nodes hash by identity) is never reused while it is here.
_CODE: dict[tuple[cst.CSTNode, str, str], str] = {}
