"""What a finding is: rule, place, message, optional fix and runtime confirmation.

Positions are 1-based lines and 1-based columns counted in code points; ``end_col`` is exclusive
(the column just after the last character), which is what SARIF's ``endColumn`` means too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected info, warning or error)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Applicability(str, enum.Enum):
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

    def to_json(self) -> dict[str, Any]:
        return {
            "location": {"row": self.line, "column": self.col},
            "end_location": {"row": self.end_line, "column": self.end_col},
            "content": self.content,
        }


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
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
        out: dict[str, Any] = {"verdict": self.verdict, "evidence": self.evidence}
        if self.device:
            out["device"] = self.device
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class Diagnostic:
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

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.rule)

    def with_(self, **changes: Any) -> Diagnostic:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.rule,
            "name": self.name,
            "severity": str(self.severity),
            "filename": self.path,
            "location": {"row": self.line, "column": self.col},
            "end_location": {"row": self.end_line, "column": self.end_col},
            "message": self.message,
            "fix": self.fix.to_json() if self.fix else None,
            "confirmation": self.confirmation.to_json() if self.confirmation else None,
        }

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
        )
