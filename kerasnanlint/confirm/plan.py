"""Which findings runtime-confirm can test, and which probes each file needs (parent side, no TensorFlow)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerasnanlint.diagnostics import Diagnostic

# The probe behind each confirmable rule (also shown in docs/confirm.md).
PROBES: dict[str, str] = {
    "KNL101": "call the function on adversarial inputs (forward + gradient); watch its value in a short run",
    "KNL102": "call the function on adversarial inputs; short runs with each risky activation choice",
    "KNL103": "call the function at zero error and check the gradient; short run",
    "KNL104": "call the function/layer on large inputs; short run",
    "KNL105": "call the function and check the gradient behind the where; short run",
    "KNL106": "call the function on predictions of 0, 1 and below 0; short runs with each risky activation",
    "KNL201": "short run; Keras's own from_logits warning counts as evidence",
    "KNL202": "short runs with the output activation as written and each risky choice",
    "KNL203": "Keras's own single-unit softmax warning; short run",
    "KNL204": "short runs with each risky activation choice",
    "KNL206": "short run with the configuration as written",
    "KNL301": "short search with the real objective: KerasTuner's KeyError fails the trial",
    "KNL302": "short search with the real objective and fit arguments: KeyError on the val_ metric",
    "KNL303": "KerasTuner's ValueError at tuner construction, or the direction it inferred",
    "KNL304": "look (read-only) for the saved tuner project a rerun would reload",
    "KNL305": "short search: a trial whose loss went NaN yet completed with a finite score",
    "KNL401": "short search with the learning rate fixed at the top of its range",
    "KNL402": "short search/fit with the learning rate at its highest value",
    "KNL403": "KerasTuner's ValueError at declaration while the script builds the model",
    "KNL404": "short run; Keras's 'Gradients do not exist' warning",
    "KNL405": "record every hyperparameter declaration; the second range is silently dropped",
    "KNL501": "NaN/Inf counts of the arrays that reach search()/fit()",
    "KNL502": "the number of classes in the training labels",
}

DIRECT_RULES = frozenset({"KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106"})
RUNS_FOR: dict[str, frozenset[str]] = {
    "baseline": frozenset(
        {*DIRECT_RULES, "KNL201", "KNL202", "KNL203", "KNL204", "KNL206", "KNL301", "KNL302", "KNL303", "KNL305"}
        | {"KNL402", "KNL404"}
    ),
    "lr_top": frozenset({"KNL401", "KNL402", "KNL404"}),
    "activations": frozenset({"KNL102", "KNL106", "KNL201", "KNL202", "KNL203", "KNL204"}),
}


def confirmable(code: str) -> bool:
    return code in PROBES


@dataclass
class FilePlan:
    path: str  # as shown in diagnostics
    file: Path
    source: str
    findings: list[Diagnostic] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def child_plan(self, **extra: Any) -> dict[str, Any]:
        return {"script": str(self.file.resolve()), "findings": self.entries, "runs": self.runs, **extra}


def function_at(tree: ast.AST, line: int) -> str | None:
    """``name`` or ``Class.method`` of the innermost definition holding ``line``; None when nested deeper or
    outside any function (such a function cannot be called on its own)."""
    best: list[str] | None = None

    def visit(node: ast.AST, stack: list[tuple[str, bool]]) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                end = getattr(child, "end_lineno", child.lineno) or child.lineno
                first = min([child.lineno, *(d.lineno for d in getattr(child, "decorator_list", []))])
                if first <= line <= end:
                    here = [*stack, (child.name, isinstance(child, ast.ClassDef))]
                    if not isinstance(child, ast.ClassDef):
                        best = [n for n, _ in here]
                        kinds = [c for _, c in here]
                        if len(here) > 2 or (len(here) == 2 and not kinds[0]):
                            best = None
                    visit(child, here)
            else:
                visit(child, stack)

    visit(tree, [])
    return ".".join(best) if best else None


def top_function_at(tree: ast.AST, line: int) -> str | None:
    """The module-level function holding ``line`` (a model builder such as ``build_model(hp)``)."""
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= (node.end_lineno or node.lineno):
            return node.name
    return None


def statement_span(tree: ast.AST, line: int) -> list[int] | None:
    """[first, last] line of the module-level statement holding ``line`` (e.g. a multi-line tuner construction)."""
    for node in getattr(tree, "body", []):
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            return [node.lineno, node.end_lineno or node.lineno]
    return None


def wants_run(source: str) -> bool:
    """Files worth executing for the runtime-only data rules even without a finding (Keras code only: an
    sklearn script calling .fit() is never run)."""
    from kerasnanlint.files import mentions_keras

    return (".search(" in source or ".fit(" in source) and mentions_keras(source.encode("utf-8", "replace"))


def make_plan(file: Path, shown: str, findings: list[Diagnostic]) -> FilePlan | None:
    try:
        source = file.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    plan = FilePlan(shown, file, source)
    for d in findings:
        if not confirmable(d.rule):
            continue
        entry = {"id": len(plan.entries), "rule": d.rule, "line": d.line, "end_line": d.end_line}
        if d.rule in DIRECT_RULES:
            entry["function"] = function_at(tree, d.line)
        builder = top_function_at(tree, d.line)
        if builder:
            entry["builder"] = builder
        span = statement_span(tree, d.line)
        if span:
            entry["span"] = span
        plan.findings.append(d)
        plan.entries.append(entry)
    if not plan.findings and not wants_run(source):
        return None
    rules = {e["rule"] for e in plan.entries}
    plan.runs = [name for name, codes in RUNS_FOR.items() if rules & codes]
    return plan


def call_range(source: str, line: int | None) -> tuple[int, int, int, int]:
    """(line, col, end_line, end_col) of the search()/fit() call on ``line`` (1-based, end exclusive)."""
    if not line:
        return 1, 1, 1, 1
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return line, 1, line, 1
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and node.lineno == line
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("search", "fit")
        ):
            return node.lineno, node.col_offset + 1, node.end_lineno or line, (node.end_col_offset or 0) + 1
    text = source.splitlines()[line - 1] if 0 < line <= len(source.splitlines()) else ""
    col = len(text) - len(text.lstrip()) + 1
    return line, col, line, len(text) + 1
