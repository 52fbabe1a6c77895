"""Which files to lint: folders recursed for the configured includes (.py, .pyi, .ipynb by default), .gitignore and
configured excludes honoured."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from kerasnanlint.config import Settings
from kerasnanlint.project import git_root

# A file whose text names none of these cannot be about Keras: it costs a text scan, not a parse.
KERAS_MARKERS: tuple[bytes, ...] = (b"keras", b"tensorflow", b"kerastuner")


def mentions_keras(data: bytes) -> bool:
    return any(marker in data for marker in KERAS_MARKERS)


def is_notebook_path(path: str) -> bool:
    """Is ``path`` a Jupyter notebook? By its suffix, as ruff decides (also for --stdin-filename)."""
    return path.endswith(".ipynb")


class _GitIgnore:
    """The ignore files between the project root and each folder walked, with git's own semantics
    (``pathspec.GitIgnoreSpec``): each folder's ``.gitignore``, and at the work tree's root also
    ``.git/info/exclude`` and the user's global excludes file (``core.excludesFile``, by default
    ``$XDG_CONFIG_HOME/git/ignore``)."""

    def __init__(self, work_tree: Path) -> None:
        import pathspec

        self._pathspec = pathspec
        self._root = str(work_tree)
        self._cache: dict[str, object | None] = {}

    def _spec(self, folder: str) -> object | None:
        if folder not in self._cache:
            files = [os.path.join(folder, ".gitignore")]
            if folder == self._root and os.path.exists(os.path.join(folder, ".git")):
                files += [os.path.join(folder, ".git", "info", "exclude"), *_global_excludes()]
            lines: list[str] = []
            for name in files:
                try:
                    with open(name, encoding="utf-8", errors="replace") as fh:
                        lines += fh.read().splitlines()
                except OSError:
                    continue
            spec = None
            if lines:
                try:
                    spec = self._pathspec.GitIgnoreSpec.from_lines(lines)
                except ValueError:
                    spec = None
            self._cache[folder] = spec
        return self._cache[folder]

    def ignored(self, path: Path | str, is_dir: bool, stop: Path | str) -> bool:
        """``path``: absolute and resolved, below ``stop``."""
        path, stop = str(path), str(stop)
        folder = os.path.dirname(path)
        while True:
            spec = self._spec(folder)
            if spec is not None:
                prefix = folder if folder.endswith(os.sep) else folder + os.sep
                rel = path[len(prefix) :].replace(os.sep, "/") + ("/" if is_dir else "")
                if spec.match_file(rel):  # type: ignore[attr-defined]
                    return True
            parent = os.path.dirname(folder)
            if folder == stop or parent == folder:
                return False
            folder = parent


def discover(paths: list[Path], settings: Settings) -> Iterator[Path]:
    """Files to lint, in a stable order. Explicit files are linted unless ``force_exclude`` is set and
    they are excluded (pre-commit passes every staged file explicitly)."""
    root = _gitignore_root(settings.root.resolve())
    gitignore = _GitIgnore(root) if settings.respect_gitignore else None
    walk = _Walk(settings, gitignore, root)
    seen: set[str] = set()
    for path in paths:
        if path.is_file() or (path.exists() and not path.is_dir()):  # a named FIFO: the runner says it skips it
            if settings.force_exclude and _excluded(path, settings, gitignore, root, is_dir=False):
                continue
            key = str(path.resolve())
            if key not in seen:
                seen.add(key)
                yield path
            continue
        for file, key in walk.files(path):
            if key not in seen:
                seen.add(key)
                yield file


class _Walk:
    """Folder recursion as ``os.walk`` (top-down, sorted, symlinked folders listed but not entered), with the
    exclusion tests done on strings: one ``realpath`` per folder walked instead of several per file (a warm
    run over 1,000 files spent most of its time resolving paths)."""

    def __init__(self, settings: Settings, gitignore: _GitIgnore | None, git_root: Path) -> None:
        self.settings, self.gitignore = settings, gitignore
        self.root = os.path.realpath(settings.root)
        self.git_root = str(git_root)
        self.suffixes = settings.include_suffixes()

    def files(self, top: Path) -> Iterator[tuple[Path, str]]:
        real = os.path.realpath(top)
        rel = _relative(real, self.root)
        yield from self._folder(str(top), real, rel)

    def _folder(self, shown: str, real: str, rel: str | None) -> Iterator[tuple[Path, str]]:
        try:
            with os.scandir(shown) as it:
                entries = list(it)
        except OSError:
            return
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for e in entries:
            try:
                (dirs if e.is_dir() else files).append(e)
            except OSError:
                files.append(e)
        for e in sorted(files, key=lambda e: e.name):
            if not self._included(e.name, rel):
                continue
            path = os.path.join(shown, e.name)
            if self._is_symlink(e):  # its real path is elsewhere: the general (slower) test
                if not _excluded(Path(path), self.settings, self.gitignore, Path(self.git_root), is_dir=False):
                    yield Path(path), os.path.realpath(path)
                continue
            child = os.path.join(real, e.name)
            if not self._excluded(path, child, _join(rel, e.name), is_dir=False):
                yield Path(path), child
        for e in sorted(dirs, key=lambda e: e.name):
            path = os.path.join(shown, e.name)
            if self._is_symlink(e):
                continue  # os.walk lists a symlinked folder but does not enter it
            child, child_rel = os.path.join(real, e.name), _join(rel, e.name)
            if not self._excluded(path, child, child_rel, is_dir=True):
                yield from self._folder(path, child, child_rel)

    def _included(self, name: str, rel: str | None) -> bool:
        if self.suffixes is not None:
            return name.endswith(self.suffixes)
        return self.settings.included(name, _join(rel, name))

    @staticmethod
    def _is_symlink(e: os.DirEntry[str]) -> bool:
        try:
            return e.is_symlink()
        except OSError:
            return True

    def _excluded(self, shown: str, real: str, rel: str | None, *, is_dir: bool) -> bool:
        if rel is None:  # outside the project root: the patterns see the path as given
            if self.settings.is_excluded(shown):
                return True
        elif self.settings.is_excluded_relative(rel):
            return True
        if self.gitignore is None or _relative(real, self.git_root) is None:
            return False
        return self.gitignore.ignored(real, is_dir, self.git_root)


def _relative(real: str, root: str) -> str | None:
    """``real`` relative to ``root`` in POSIX form ("." for the root itself), None when outside it."""
    if real == root:
        return "."
    prefix = root if root.endswith(os.sep) else root + os.sep
    if not real.startswith(prefix):
        return None
    return real[len(prefix) :].replace(os.sep, "/")


def _join(rel: str | None, name: str) -> str | None:
    if rel is None:
        return None
    return name if rel == "." else f"{rel}/{name}"


def _global_excludes() -> list[str]:
    """The user's global git excludes file: ``core.excludesFile`` in ~/.gitconfig, else git's XDG default."""
    home = os.path.expanduser("~")
    try:
        with open(os.path.join(home, ".gitconfig"), encoding="utf-8", errors="replace") as fh:
            found = re.search(r"(?im)^\s*excludesfile\s*=\s*(.+?)\s*$", fh.read())
        if found:
            return [os.path.expanduser(found.group(1).strip('"'))]
    except OSError:
        pass
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return [os.path.join(xdg, "git", "ignore")]


def _gitignore_root(root: Path) -> Path:
    """The git work tree holding ``root`` (its .gitignore files above ``root`` apply too, as in git), else root."""
    return git_root(root) or root


def _excluded(path: Path, settings: Settings, gitignore: _GitIgnore | None, root: Path, *, is_dir: bool) -> bool:
    if settings.is_excluded(path):
        return True
    if gitignore is None:
        return False
    absolute = path.resolve()
    try:
        absolute.relative_to(root)
    except ValueError:
        return False
    return gitignore.ignored(absolute, is_dir, root)
