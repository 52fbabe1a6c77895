"""``--add-noqa``: suppress every current finding with ``# noqa: CODE`` on its line, as ruff's ``--add-noqa``
does, so that a codebase adopts the linter at zero findings and only new code is held to it.

The comment goes at the end of the line where the finding starts (where ``# noqa`` is read), after any comment
already there (``# type: ignore  # noqa: KNL301``); codes missing from a ``# noqa: X`` there are added to it
(``# noqa: X, KNL301``); a bare ``# noqa`` already covers everything. A line that ends inside a multi-line string
or with a backslash cannot end with a comment: those findings are named on standard error and left as they are,
as are KNL000 findings (a file that does not parse). Notebooks get their comments in their code cells, on the
finding's line within the cell. Files are written as ``--fix`` writes them (kerasnanlint/fix_cli.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kerasnanlint.diagnostics import Applicability, Diagnostic, Fix
from kerasnanlint.files import is_notebook_path
from kerasnanlint.fix_cli import WriteRefused
from kerasnanlint.registry import SYNTAX_ERROR
from kerasnanlint.suppressions import CommentSlots


@dataclass
class NoqaRun:
    """What ``--add-noqa`` did: directives added (one per line edited, as ruff counts), messages for standard
    error, and files that could not be written."""

    added: int = 0
    messages: list[str] = field(default_factory=list)
    failed: int = 0


def add_noqa_text(text: str, findings: list[tuple[int, str]]) -> tuple[str, int, list[tuple[int, str]]]:
    """``text`` with ``# noqa`` comments for ``findings`` ((line, code) pairs): the new text, the number of lines
    edited, and the findings whose line cannot end with a comment."""
    slots = CommentSlots.of(text)
    by_line: dict[int, list[str]] = {}
    skipped: list[tuple[int, str]] = []
    for line, code in sorted(set(findings)):
        if slots.commentable(line):
            by_line.setdefault(line, []).append(code)
        else:
            skipped.append((line, code))
    edits = [e for line, codes in by_line.items() if (e := slots.noqa_edit(line, codes)) is not None]
    if not edits:
        return text, 0, skipped
    from kerasnanlint.fix import apply_fixes

    return apply_fixes(text, [Fix("add noqa", Applicability.SAFE, tuple(edits))]), len(edits), skipped


def add_noqa(diagnostics: list[Diagnostic], digests: Mapping[str, str]) -> NoqaRun:
    """Add the ``# noqa`` comments of a run's findings to their files (``digests``: the bytes they were linted
    from; a file changed since is left alone)."""
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    run = NoqaRun()
    for path, found in by_path.items():
        _add_to_file(path, found, digests.get(path), run)
    return run


def _add_to_file(path: str, found: list[Diagnostic], digest: str | None, run: NoqaRun) -> None:
    from kerasnanlint.fix_cli import write_atomic
    from kerasnanlint.runner import file_digest
    from kerasnanlint.source import SourceError, SourceFile

    for d in found:
        if d.rule == SYNTAX_ERROR.code:
            run.messages.append(f"{path}:{d.line}:{d.col}: {d.rule} cannot be suppressed with # noqa; not added")
    found = [d for d in found if d.rule != SYNTAX_ERROR.code]
    if not found:
        return
    try:
        data = Path(path).read_bytes()
        if digest is not None and file_digest(path, data) != digest:
            run.messages.append(f"{path}: changed on disk since it was linted; not edited")
            return
        if is_notebook_path(path):
            new = _add_to_notebook(data, path, found, run)
        else:
            source = SourceFile.from_bytes(path, data)
            text = _add_to_text(source.text, [(d.line, d.rule) for d in found], run, lambda n: f"{path}:{n}")
            new = text.encode(source.encoding)
        if new != data and not write_atomic(Path(path), new, data):
            run.messages.append(f"{path}: changed on disk while adding noqa comments; not overwritten")
    except (WriteRefused, OSError, SourceError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        run.messages.append(f"{path}: noqa comments not added: {reason}")
        run.failed += 1


def _add_to_text(text: str, findings: list[tuple[int, str]], run: NoqaRun, where: Callable[[int], str]) -> str:
    """``add_noqa_text``, counted into ``run``; ``where(line)`` names a line in the messages."""
    new, added, skipped = add_noqa_text(text, findings)
    run.added += added
    for line, code in skipped:
        run.messages.append(
            f"{where(line)}: {code} not suppressed: no comment can end this line"
            " (a multi-line string or a backslash continues it)"
        )
    return new


def _add_to_notebook(data: bytes, path: str, found: list[Diagnostic], run: NoqaRun) -> bytes:
    """The notebook's code cells with their comments: the program's text is edited, then split back into cells
    (kerasnanlint/notebook.py keeps the JSON layout, outputs and metadata)."""
    from kerasnanlint.notebook import dump_like, read_notebook, with_sources
    from kerasnanlint.notebook_lint import to_program

    notebook = read_notebook(data)
    program = notebook.program()
    at = [to_program(d, program) for d in found]

    def where(line: int) -> str:
        cell, in_cell, _ = program.cell_at(line)
        return f"{path}:cell {cell}:{in_cell}"

    added_before = run.added
    text = _add_to_text(program.text, [(d.line, d.rule) for d in at], run, where)
    sources = program.cells_from(text)
    new = dump_like(notebook, with_sources(notebook, sources)) if sources is not None else None
    if new is None:
        run.added = added_before
        raise WriteRefused("its JSON layout cannot be reproduced")
    return new.encode("utf-8")
