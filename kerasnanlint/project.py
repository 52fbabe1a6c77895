"""The project a file belongs to: its root, its import roots, module names, and its modules' summaries.

- The root is the folder of the nearest ``pyproject.toml``, ``setup.cfg``, ``setup.py`` or ``.git``.
- The repository root (what SARIF, GitHub and GitLab paths are relative to) is git's top level, the nearest folder
  holding ``.git`` (a folder, or a file in a worktree or submodule), else the project root.
- Import roots are the configured ``src`` folders (default ``[".", "src"]``, as in ruff), relative to the root.
  A file outside them is named as Python would name it when run: its package is the chain of folders holding
  an ``__init__.py``, and the folder above that chain is where its absolute imports are found first.
- ``ProjectIndex.lookup`` answers what a dotted name imported somewhere is, from the summaries
  (kerasnanlint/semantics/summary.py) of the modules on the way: re-exports in ``__init__.py``, star imports
  and import cycles are followed a bounded number of steps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerasnanlint.semantics.linked import Entry, is_library

MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_STEPS = 64  # modules visited for one lookup: more is a cycle or a maze, and the answer is unknown


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a project marker."""
    start = Path(os.path.realpath(start))
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        if any((folder / m).exists() for m in MARKERS):
            return folder
    return None


def git_root(start: Path) -> Path | None:
    """The git work tree holding ``start``, as ``git rev-parse --show-toplevel`` finds it but without running git."""
    start = Path(os.path.realpath(start))
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def repository_root(start: Path) -> Path:
    """The git top level holding ``start``, else its project root, else ``start`` itself (made real)."""
    return git_root(start) or find_root(start) or Path(os.path.realpath(start))


def _identifiers(parts: tuple[str, ...]) -> bool:
    return bool(parts) and all(p.isidentifier() for p in parts)


@dataclass
class Project:
    root: Path
    roots: tuple[Path, ...]
    _found: dict[tuple[str, Path | None], Path | None] = field(default_factory=dict)

    @classmethod
    def at(cls, root: Path, src: tuple[str, ...] = (".", "src")) -> Project:
        real = Path(os.path.realpath(root))
        roots = tuple(dict.fromkeys(Path(os.path.realpath(real / s)) for s in src))
        return cls(real, tuple(r for r in roots if r.is_dir()))

    def module_of(self, path: Path) -> tuple[str, bool] | None:
        """(module name, is a package) of a Python file, or None when it has no importable name."""
        real = Path(os.path.realpath(path))
        package = real.name == "__init__.py"
        best: tuple[str, ...] | None = None
        for root in self.roots:
            try:
                rel = real.relative_to(root)
            except ValueError:
                continue
            parts = (*rel.parts[:-1], rel.stem) if not package else rel.parts[:-1]
            if _identifiers(parts) and (best is None or len(parts) < len(best)):
                best = parts  # the deepest root gives the shortest name: src/pkg/m.py is pkg.m, not src.pkg.m
        if best is None:
            chain = _package_chain(real.parent)[1]
            parts = (*chain, real.stem) if not package else chain
            best = parts if _identifiers(parts) else None
        return (".".join(best), package) if best else None

    def package_of(self, path: Path) -> str | None:
        """The package relative imports in ``path`` start from ("" for a top-level module)."""
        named = self.module_of(path)
        if named is None:
            return None
        module, package = named
        return module if package else module.rpartition(".")[0]

    def find_module(self, module: str, near: Path) -> Path | None:
        """The file of a module imported from the file ``near``: in the import roots, else beside the script."""
        key = (module, near.parent)
        if key in self._found:
            return self._found[key]
        parts = module.split(".")
        found = None
        if _identifiers(tuple(parts)):
            for base in (*self.roots, _package_chain(Path(os.path.realpath(near)).parent)[0]):
                target = base.joinpath(*parts)
                for candidate in (target / "__init__.py", target.with_name(target.name + ".py")):
                    if candidate.is_file():
                        found = Path(os.path.realpath(candidate))
                        break
                if found is not None:
                    break
        self._found[key] = found
        return found


def _package_chain(folder: Path) -> tuple[Path, tuple[str, ...]]:
    """The folder above the packages holding ``folder`` (a chain of ``__init__.py``), and their names."""
    chain: list[str] = []
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        chain.append(folder.name)
        folder = folder.parent
    return folder, tuple(reversed(chain))


@dataclass
class Lookup:
    entry: Entry | None
    missing: list[Path]  # modules on the way whose summary is not known yet


@dataclass
class ProjectIndex:
    """The summaries of the project's modules, by real path, and lookups through them."""

    project: Project
    summaries: dict[Path, dict[str, Any] | None] = field(default_factory=dict)

    def lookup(self, dotted: str, near: Path) -> Lookup:
        missing: list[Path] = []
        entry = self._find(dotted, near, missing, set())
        return Lookup(entry, missing)

    def _find(self, dotted: str, near: Path, missing: list[Path], seen: set[str]) -> Entry | None:
        if is_library(dotted) or dotted in seen or len(seen) >= _MAX_STEPS:
            return None
        seen.add(dotted)
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            path = self.project.find_module(".".join(parts[:i]), near)
            if path is None:
                continue
            if path not in self.summaries:
                missing.append(path)
                return None
            summary = self.summaries[path]
            if summary is None:  # the module could not be read or parsed: its names are unknown
                return None
            return self._in_module(summary, path, parts[i], parts[i + 1 :], missing, seen)
        return None

    def _in_module(
        self, summary: dict[str, Any], path: Path, name: str, rest: list[str], missing: list[Path], seen: set[str]
    ) -> Entry | None:
        entry = summary["names"].get(name)
        if entry is None:
            for star in summary.get("stars", ()):
                found = self._find(".".join([star, name, *rest]), path, missing, seen)
                if found is not None:
                    return found
            return None
        if entry.get("kind") == "import":
            return self._find(".".join([entry["target"], *rest]), path, missing, seen)
        return entry if not rest else None
