"""Jupyter notebooks (nbformat 4) as one Python program.

The code cells are joined, in order, into one text (a marker comment line before each cell, IPython lines blanked
to placeholders, cells that do not run Python left empty), with a map from each line of that text back to its cell
and its line in the cell. After fixing, the text is split at the markers again and the cells' sources are written
back in the file's own JSON layout. Standard library only; imported only when a notebook is linted.

Cells are numbered as ruff numbers them: code cells only, from 1 (markdown and raw cells are not counted).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kerasnanlint.ipython import PLACEHOLDER, ipython_lines, placeholder
from kerasnanlint.source import SourceError, split_lines

# Cell magics whose body is Python that IPython runs itself. Every other cell magic (%%bash, %%sh, %%writefile,
# %%html, %%javascript, %%latex, %%markdown, %%script, %%sql, ...) runs another language or only stores the text:
# such cells are skipped.
PYTHON_CELL_MAGICS = frozenset({"capture", "time", "timeit", "prun", "debug", "memit"})
_MARKER = "#:knl-cell {}"
_MARKER_RE = re.compile(r"#:knl-cell (\d+)\Z")


@dataclass(frozen=True)
class CodeCell:
    """One code cell: its number (code cells only, from 1), its place in the cell list, its source as found."""

    number: int
    index: int
    source: str
    lines: tuple[str, ...]
    blanked: tuple[int, ...]  # 0-based lines that are IPython syntax (placeholders in the program)
    skipped: str | None  # the cell magic that makes the cell not Python, else None

    def program_lines(self) -> list[str]:
        """The cell's lines as the program holds them."""
        if self.skipped is not None:
            return [""] * len(self.lines)
        out = list(self.lines)
        for i in self.blanked:
            out[i] = placeholder(out[i])
        return out


@dataclass
class Notebook:
    """A parsed notebook: its JSON data, its code cells and the program they make."""

    data: dict[str, Any]
    cells: list[CodeCell]
    language: str | None  # the kernel's language as the metadata says it (None: not said, Python assumed)
    text: str  # the file's JSON text

    @property
    def is_python(self) -> bool:
        """Does the notebook run Python (or not say)?"""
        return self.language is None or self.language.lower().startswith("python")

    def program(self) -> Program:
        """The code cells as one Python text, with the line map."""
        lines: list[str] = []
        where: list[tuple[int, int]] = []
        starts: dict[int, int] = {}
        for cell in self.cells:
            lines.append(_MARKER.format(cell.number))
            where.append((cell.number, 0))
            starts[cell.number] = len(lines) + 1
            for i, line in enumerate(cell.program_lines(), 1):
                lines.append(line)
                where.append((cell.number, i))
        return Program("\n".join(lines) + "\n" if lines else "", where, starts, self)


@dataclass(frozen=True)
class Program:
    """The joined text of a notebook's code cells and the map of its lines (1-based) to (cell, line in cell)."""

    text: str
    where: list[tuple[int, int]]  # program line - 1 -> (cell number, line in cell; 0 for the cell's marker)
    starts: dict[int, int]  # cell number -> program line of the cell's first line
    notebook: Notebook

    def cell_at(self, line: int, col: int = 1) -> tuple[int, int, int]:
        """Program (line, col) -> (cell, line in cell, col). A marker line, or the line after the end, is the end
        of the cell before it (where an insertion after that cell's last statement lands)."""
        if 0 < line <= len(self.where):
            cell, in_cell = self.where[line - 1]
            if in_cell > 0:
                return cell, in_cell, col
            line -= 1  # the marker: one past the previous cell's last line
        if line <= 0 or not self.where:
            first = self.notebook.cells[0].number if self.notebook.cells else 1
            return first, 1, 1
        cell, in_cell = self.where[min(line, len(self.where)) - 1]
        return cell, in_cell + 1, 1

    def program_line(self, cell: int, line: int) -> int:
        """(cell, line in cell) -> program line (the inverse of cell_at)."""
        return self.starts[cell] + line - 1

    def cells_from(self, text: str) -> dict[int, str] | None:
        """Each code cell's new source in a fixed program ``text`` (IPython lines restored, skipped cells as
        they were), by cell number; None when the fixes moved a marker or a placeholder (never applied)."""
        segments: dict[int, list[str]] = {}
        current: list[str] | None = None
        for line in split_lines(text):
            m = _MARKER_RE.match(line)
            if m:
                current = segments.setdefault(int(m.group(1)), [])
                continue
            if current is None:
                return None  # text before the first marker
            current.append(line)
        if list(segments) != [c.number for c in self.notebook.cells]:
            return None
        out: dict[int, str] = {}
        for cell in self.notebook.cells:
            new = segments[cell.number]
            if cell.skipped is not None or new == cell.program_lines():
                out[cell.number] = cell.source
                continue
            spots = [i for i, line in enumerate(new) if line.lstrip() == PLACEHOLDER]
            if len(spots) != len(cell.blanked):
                return None
            for spot, original in zip(spots, cell.blanked, strict=True):
                new[spot] = cell.lines[original]
            trailing = "\n" if cell.source.endswith("\n") else ""
            out[cell.number] = "\n".join(new) + trailing
        return out


# --- reading --------------------------------------------------------------------------------------------------


def read_notebook(data: bytes) -> Notebook:
    """Parse a notebook's bytes; SourceError says why it is not a notebook we can read."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode notebook as UTF-8: {exc}") from None
    return parse_notebook(text)


def parse_notebook(text: str) -> Notebook:
    """Parse a notebook's JSON text (see read_notebook)."""
    if not text.strip():
        raise SourceError("not a notebook: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"not a notebook: invalid JSON ({exc.msg})", exc.lineno, exc.colno) from None
    except RecursionError:
        raise SourceError("not a notebook: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise SourceError("not a notebook: the JSON is not an object")
    major = data.get("nbformat")
    if "worksheets" in data or (isinstance(major, int) and major < 4):
        raise SourceError(
            f"nbformat {major} notebooks are not supported; convert it with `jupyter nbconvert --to notebook "
            "--nbformat 4` (or open and save it in Jupyter)"
        )
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise SourceError("not a notebook: no `cells` list")
    return Notebook(data, _code_cells(cells), _language(data.get("metadata")), text)


def _code_cells(cells: list[Any]) -> list[CodeCell]:
    out: list[CodeCell] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise SourceError(f"not a notebook: cell {index + 1} is not an object")
        if cell.get("cell_type") != "code":
            continue  # markdown and raw cells are not code
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise SourceError(f"not a notebook: code cell {len(out) + 1} has a `source` that is not text")
        lines = split_lines(source)
        skipped = _skipping_magic(lines)
        blanked = () if skipped is not None else tuple(ipython_lines(lines))
        out.append(CodeCell(len(out) + 1, index, source, lines, blanked, skipped))
    return out


def _skipping_magic(lines: tuple[str, ...]) -> str | None:
    """The cell magic (``%%bash``) that makes a cell not Python, or None."""
    first = next((line.strip() for line in lines if line.strip()), "")
    if not first.startswith("%%"):
        return None
    name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
    return None if name in PYTHON_CELL_MAGICS else f"%%{name}"


def _language(metadata: Any) -> str | None:
    """The kernel's language: kernelspec.language, else language_info.name; None when neither says."""
    if not isinstance(metadata, dict):
        return None
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        table = metadata.get(key)
        if isinstance(table, dict) and isinstance(table.get(field), str) and table[field].strip():
            return str(table[field]).strip()
    return None


@lru_cache(maxsize=8)
def _parsed(text: str) -> Notebook | None:
    try:
        return parse_notebook(text)
    except SourceError:
        return None


def cell_lines(text: str, cell: int) -> tuple[str, ...]:
    """The lines of code cell ``cell`` of the notebook whose JSON is ``text`` (empty when there is none): what
    renderers fingerprint and count columns in."""
    nb = _parsed(text)
    if nb is None or not 0 < cell <= len(nb.cells):
        return ()
    return nb.cells[cell - 1].lines


# --- writing --------------------------------------------------------------------------------------------------


def dump_like(notebook: Notebook, data: dict[str, Any]) -> str | None:
    """``data`` serialised in the layout of ``notebook``'s file (indent, key order, ensure_ascii, trailing
    newline), or None when re-serialising the unchanged notebook does not give back its exact text (then a
    rewrite would change more than the cells)."""
    text = notebook.text
    indent = _indent(text)
    trailing = text[len(text.rstrip()) :]
    for ensure_ascii in (False, True):
        if json.dumps(notebook.data, indent=indent, ensure_ascii=ensure_ascii) + trailing == text:
            return json.dumps(data, indent=indent, ensure_ascii=ensure_ascii) + trailing
    return None


def _indent(text: str) -> int | None:
    m = re.match(r"\s*[{\[]\r?\n( *)", text)
    return len(m.group(1)) if m else None


def with_sources(notebook: Notebook, sources: dict[int, str]) -> dict[str, Any]:
    """A copy of the notebook's data with the code cells' sources replaced (only the cells that changed, in the
    form they had: a list of lines or one string). Outputs, metadata, ids and the cell list are kept."""
    cells = list(notebook.data["cells"])
    for cell in notebook.cells:
        new = sources.get(cell.number, cell.source)
        if new == cell.source:
            continue
        entry = dict(cells[cell.index])
        entry["source"] = new.splitlines(keepends=True) if isinstance(entry.get("source"), list) else new
        cells[cell.index] = entry
    return {**notebook.data, "cells": cells}
