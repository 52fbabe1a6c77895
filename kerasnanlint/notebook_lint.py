"""Lint and fix a notebook: its code cells as one program (kerasnanlint/notebook.py) through the usual engine and
fixer, with every position moved back into its cell.

Findings carry ``cell`` (code cells counted from 1) and lines and columns within that cell, and so do their fix
edits. A fix whose edits reach a blanked IPython line, a cell's marker or another cell is not offered.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic, Edit, Fix
from kerasnanlint.fix import FixResult, fix_text
from kerasnanlint.notebook import Notebook, Program, dump_like, read_notebook, with_sources
from kerasnanlint.registry import SYNTAX_ERROR
from kerasnanlint.semantics.linked import Linked
from kerasnanlint.source import SourceError


def lint_notebook(data: bytes, path: str, settings: Settings, linked: Linked | None = None) -> list[Diagnostic]:
    """Lint one notebook's bytes (``linked``: what its imports from the project are). Never raises for bad input:
    a notebook that cannot be read yields KNL000, one whose kernel does not run Python (R, Julia) yields
    nothing."""
    from kerasnanlint.engine import lint_module, parse, source_error_diagnostic
    from kerasnanlint.files import mentions_keras

    program: Program | None = None
    try:
        notebook = read_notebook(data)
        if not notebook.is_python:
            # Not an error of the run (exit code unchanged), but never a silent pass: say why it was not checked.
            print(
                f"kerasnanlint: {path}: skipped: its kernel language is {notebook.language}, not Python",
                file=sys.stderr,
            )
            return []
        program = notebook.program()
        if not mentions_keras(program.text.encode("utf-8", "surrogatepass")):
            return []
        module = parse(program.text)
        return [to_cells(d, program) for d in lint_module(module, program.text, path, settings, linked)]
    except RecursionError:
        err = SourceError("file too deeply nested to analyse")
    except SourceError as exc:
        err = exc
    if not settings.rule_selected(SYNTAX_ERROR.code):
        return []
    found = source_error_diagnostic(path, err, settings)
    if program is None:  # the JSON itself: its line and column in the file
        return [found]
    return [to_cells(found, program)]


def to_cells(d: Diagnostic, program: Program) -> Diagnostic:
    """A finding on the program -> the same finding in its cell (the fix too, when it stays in that cell)."""
    cell, line, col = program.cell_at(d.line, d.col)
    end_cell, end_line, end_col = program.cell_at(d.end_line, d.end_col)
    if end_cell != cell:  # a span running into the next cell: end it with the cell's last line
        end_line, end_col = _cell_end(program, cell)
    return d.with_(line=line, col=col, end_line=end_line, end_col=end_col, cell=cell, fix=_fix_to_cells(d, program))


def _cell_end(program: Program, cell: int) -> tuple[int, int]:
    lines = program.notebook.cells[cell - 1].lines
    return max(len(lines), 1), (len(lines[-1]) if lines else 0) + 1


def _fix_to_cells(d: Diagnostic, program: Program) -> Fix | None:
    if d.fix is None:
        return None
    edits = []
    for e in d.fix.edits:
        cell, line, col = program.cell_at(e.line, e.col)
        end_cell, end_line, end_col = program.cell_at(e.end_line, e.end_col)
        code = program.notebook.cells[cell - 1]
        touched = range(line - 1, end_line) if (e.line, e.col) != (e.end_line, e.end_col) else range(0)
        if end_cell != cell or code.skipped is not None or any(i in code.blanked for i in touched):
            return None  # never edit IPython syntax, a cell that is not Python, or across cells
        edits.append(Edit(line, col, end_line, end_col, e.content, cell=cell))
    return Fix(d.fix.title, d.fix.applicability, tuple(edits))


def to_program(d: Diagnostic, program: Program) -> Diagnostic:
    """The inverse of to_cells: a finding in a cell -> the same finding on the program (for the fixer)."""
    if d.cell is None or d.cell not in program.starts:
        return d
    fix = None
    if d.fix is not None:
        cell = d.cell
        edits = tuple(
            Edit(
                program.program_line(e.cell or cell, e.line),
                e.col,
                program.program_line(e.cell or cell, e.end_line),
                e.end_col,
                e.content,
            )
            for e in d.fix.edits
        )
        fix = Fix(d.fix.title, d.fix.applicability, edits)
    line, end_line = program.program_line(d.cell, d.line), program.program_line(d.cell, d.end_line)
    return d.with_(line=line, end_line=end_line, cell=None, fix=fix)


_AT = re.compile(r"^(\S+) at (\d+):(\d+) ")


def _dropped_in_cells(message: str, program: Program) -> str:
    """fix_text's "KNL107 at 12:5 (...)" names a program line: name the cell and its line instead."""
    m = _AT.match(message)
    if m is None:
        return message
    cell, line, col = program.cell_at(int(m.group(2)), int(m.group(3)))
    return f"{m.group(1)} at cell {cell}:{line}:{col} {message[m.end() :]}"


@dataclass
class NotebookFix:
    """What fixing a notebook produced: the fixer's result (findings in cells), the bytes to write (the input
    when nothing changed), each changed cell's (old, new) source and why nothing could be written, if so."""

    result: FixResult
    data: bytes
    cells: dict[int, tuple[str, str]]
    refused: str | None = None


def fix_notebook(
    data: bytes, path: str, settings: Settings, *, unsafe: bool, diagnostics: list[Diagnostic] | None = None
) -> NotebookFix:
    """Fix a notebook's code cells (``diagnostics``: its findings when the caller has them, in cells)."""
    try:
        notebook = read_notebook(data)
    except SourceError:
        remaining = diagnostics if diagnostics is not None else lint_notebook(data, path, settings)
        return NotebookFix(FixResult(path, "", "", remaining=remaining), data, {})
    if diagnostics is None:
        diagnostics = lint_notebook(data, path, settings)
    program = notebook.program()
    if not notebook.is_python or any(d.rule == SYNTAX_ERROR.code for d in diagnostics):
        return NotebookFix(FixResult(path, program.text, program.text, remaining=diagnostics), data, {})
    result = fix_text(program.text, [to_program(d, program) for d in diagnostics], settings, path=path, unsafe=unsafe)
    result.dropped = [_dropped_in_cells(m, program) for m in result.dropped]
    if not result.changed:
        result.remaining = [to_cells(d, program) for d in result.remaining]
        return NotebookFix(result, data, {})
    return _rewrite(notebook, program, result, data, diagnostics)


def _rewrite(
    notebook: Notebook, program: Program, result: FixResult, data: bytes, before: list[Diagnostic]
) -> NotebookFix:
    """The fixed program back into the notebook's cells and JSON; the findings left, in the new cells."""
    sources = program.cells_from(result.text)
    new_text = dump_like(notebook, with_sources(notebook, sources)) if sources is not None else None
    if sources is None or new_text is None:
        why = "its JSON layout cannot be reproduced" if sources is not None else "a fix reached a cell boundary"
        unchanged = FixResult(result.path, result.original, result.original, remaining=before)
        return NotebookFix(unchanged, data, {}, refused=f"not fixed: {why}")
    # The fixed program is the new notebook's program: the findings left are placed in its cells.
    new_program = read_notebook(new_text.encode("utf-8")).program()
    result.remaining = [to_cells(d, new_program) for d in result.remaining]
    changed = {c.number: (c.source, sources[c.number]) for c in notebook.cells if sources[c.number] != c.source}
    return NotebookFix(result, new_text.encode("utf-8"), changed)
