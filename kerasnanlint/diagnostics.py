"""What a finding is: rule, place, message, help, optional fix and runtime confirmation.

``message`` is one sentence saying what is wrong; ``help`` says why it matters and what to do (the ``full`` output's
``help:`` line, JSON's ``help`` field, the editor's diagnostic).

Positions are 1-based lines and 1-based columns counted in code points; ``end_col`` is exclusive
(the column just after the last character), which is what SARIF's ``endColumn`` means too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kerasnanlint.details import Details


class Severity(enum.IntEnum):
    """How bad a finding is; ordered, so ``--fail-on`` compares severities."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"warning"`` -> Severity.WARNING (any case); ValueError names the accepted words."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected info, warning or error)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Applicability(str, enum.Enum):
    """Whether a fix keeps the program's meaning (safe, applied by --fix) or may change it (--unsafe-fixes)."""

    SAFE = "safe"
    UNSAFE = "unsafe"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two positions (same conventions as Diagnostic) with ``content``."""

    line: int
    col: int
    end_line: int
    end_col: int
    content: str
    cell: int | None = None  # in a notebook: the code cell the positions count in

    def to_json(self) -> dict[str, Any]:
        """The JSON form (the ``--format json`` output and the cache); ``cell`` only in notebooks."""
        out: dict[str, Any] = {}
        if self.cell is not None:
            out["cell"] = self.cell
        out["location"] = {"row": self.line, "column": self.col}
        out["end_location"] = {"row": self.end_line, "column": self.end_col}
        out["content"] = self.content
        return out


@dataclass(frozen=True)
class Fix:
    """A positioned fix: its title, its applicability and its non-overlapping edits."""

    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON form (the ``--format json`` output and the cache)."""
        return {
            "message": self.title,
            "applicability": str(self.applicability),
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass(frozen=True)
class Confirmation:
    """Verdict of runtime-confirm for one finding."""

    verdict: str  # "confirmed" | "not reproduced" | "could not run"
    evidence: str
    device: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (the ``--format json`` output and the cache)."""
        out: dict[str, Any] = {"verdict": self.verdict, "evidence": self.evidence}
        if self.device:
            out["device"] = self.device
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class Where:
    """Where a finding sits in its program, from the lint walk (runtime-confirm plans its probes from it).

    ``function``: ``name`` or ``Class.method`` of the innermost function holding the finding, None when it is
    nested deeper or at module level (such code cannot be called on its own); ``builder``: the module-level
    function holding it (a model builder such as ``build_model(hp)``); ``statement``: first and last line of the
    module-level statement holding it (a multi-line tuner construction).
    """

    function: str | None = None
    builder: str | None = None
    statement: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (the ``--format json`` output and the cache)."""
        return {"function": self.function, "builder": self.builder, "statement": self.statement}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Where:
        """Inverse of to_json (the cache and the confirm child process)."""
        statement = data.get("statement")
        return cls(data.get("function"), data.get("builder"), tuple(statement) if statement else None)


@dataclass(frozen=True)
class Diagnostic:
    """One finding, as every format, the cache, the fixer and runtime-confirm see it."""

    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    fix: Fix | None = None
    confirmation: Confirmation | None = None
    where: Where | None = field(default=None, compare=False)  # not in the JSON output; the cache keeps it
    # In a notebook: the code cell (counted from 1, code cells only) that line and column count in; else None.
    cell: int | None = None
    help: str | None = None  # why it matters and what to do; None when the message says it all

    def sort_key(self) -> tuple[str, int, int, int, str]:
        """Output order: path, cell, line, column, code."""
        return (self.path, self.cell or 0, self.line, self.col, self.rule)

    def with_(self, **changes: Any) -> Diagnostic:
        """A copy with ``changes`` (a confirmation, a re-graded severity)."""
        return replace(self, **changes)

    def to_json(self, *, where: bool = False) -> dict[str, Any]:
        """The JSON output's object; ``where=True`` adds the ``where`` record (the cache and confirm's plan)."""
        out: dict[str, Any] = {
            "code": self.rule,
            "name": self.name,
            "severity": str(self.severity),
            "filename": self.path,
        }
        if self.cell is not None:  # notebooks only: the JSON of a .py file's findings is as it always was
            out["cell"] = self.cell
        out |= {
            "location": {"row": self.line, "column": self.col},
            "end_location": {"row": self.end_line, "column": self.end_col},
            "message": self.message,
            "help": self.help,
            "fix": self.fix.to_json() if self.fix else None,
            "confirmation": self.confirmation.to_json() if self.confirmation else None,
        }
        if where and self.where is not None:
            out["where"] = self.where.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnostic:
        """Inverse of to_json (used by the cache and the confirm child process)."""
        fix = None
        if data.get("fix"):
            f = data["fix"]
            fix = Fix(
                f["message"],
                Applicability(f["applicability"]),
                tuple(
                    Edit(
                        e["location"]["row"],
                        e["location"]["column"],
                        e["end_location"]["row"],
                        e["end_location"]["column"],
                        e["content"],
                        e.get("cell"),
                    )
                    for e in f["edits"]
                ),
            )
        conf = None
        if data.get("confirmation"):
            c = data["confirmation"]
            conf = Confirmation(c["verdict"], c["evidence"], c.get("device"), c.get("details", {}))
        return cls(
            rule=data["code"],
            name=data["name"],
            severity=Severity.parse(data["severity"]),
            path=data["filename"],
            line=data["location"]["row"],
            col=data["location"]["column"],
            end_line=data["end_location"]["row"],
            end_col=data["end_location"]["column"],
            message=data["message"],
            fix=fix,
            confirmation=conf,
            where=Where.from_json(data["where"]) if data.get("where") else None,
            cell=data.get("cell"),
            help=data.get("help"),
        )


@dataclass
class Analysis:
    """One file's findings, and what the rest of its project needs to know of it and gave it."""

    diagnostics: list[Diagnostic]
    summary: dict[str, Any] | None = None  # kerasnanlint/semantics/summary.py; None when the file was not parsed
    demands: dict[str, str] = field(default_factory=dict)  # names asked of the project -> the answer's hash
    # kerasnanlint/details.py: what completes the findings with their fixes, when a lint left that for later
    details: Details | None = field(default=None, compare=False, repr=False)
