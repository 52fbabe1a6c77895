"""Which files to lint: folders recursed for .py/.pyi, .gitignore and configured excludes honoured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from kerasnanlint.config import Settings

# A file whose text names none of these cannot be about Keras: it costs a text scan, not a parse.
KERAS_MARKERS: tuple[bytes, ...] = (b"keras", b"tensorflow", b"kerastuner")


def mentions_keras(data: bytes) -> bool:
    return any(marker in data for marker in KERAS_MARKERS)


class _GitIgnore:
    """The .gitignore files between the project root and each folder walked."""

    def __init__(self) -> None:
        import pathspec

        self._pathspec = pathspec
        self._cache: dict[Path, object | None] = {}

    def _spec(self, folder: Path) -> object | None:
        if folder not in self._cache:
            gi = folder / ".gitignore"
            spec = None
            if gi.is_file():
                try:
                    lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = self._pathspec.PathSpec.from_lines("gitwildmatch", lines)
                except (OSError, ValueError):
                    spec = None
            self._cache[folder] = spec
        return self._cache[folder]

    def ignored(self, path: Path, is_dir: bool, stop: Path) -> bool:
        folder = path.parent
        while True:
            spec = self._spec(folder)
            if spec is not None:
                rel = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                if spec.match_file(rel):  # type: ignore[attr-defined]
                    return True
            if folder == stop or folder.parent == folder:
                return False
            folder = folder.parent


def discover(paths: list[Path], settings: Settings) -> Iterator[Path]:
    """Files to lint, in a stable order. Explicit files are linted unless ``force_exclude`` is set and
    they are excluded (pre-commit passes every staged file explicitly)."""
    gitignore = _GitIgnore() if settings.respect_gitignore else None
    root = _gitignore_root(settings.root.resolve())
    seen: set[Path] = set()
    for path in paths:
        if path.is_file():
            if settings.force_exclude and _excluded(path, settings, gitignore, root, is_dir=False):
                continue
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path
            continue
        for folder, dirnames, filenames in os.walk(path):
            here = Path(folder)
            dirnames[:] = sorted(d for d in dirnames if not _excluded(here / d, settings, gitignore, root, is_dir=True))
            for name in sorted(filenames):
                if not name.endswith((".py", ".pyi")):
                    continue
                file = here / name
                if _excluded(file, settings, gitignore, root, is_dir=False):
                    continue
                key = file.resolve()
                if key not in seen:
                    seen.add(key)
                    yield file


def _gitignore_root(root: Path) -> Path:
    """The git work tree holding ``root`` (its .gitignore files above ``root`` apply too, as in git), else root."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


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
