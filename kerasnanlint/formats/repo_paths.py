"""Paths as CI reads them: relative to the repository root (git's top level, else the project root), whatever
folder kerasnanlint runs in. SARIF (as ``uriBaseId: %SRCROOT%`` references), GitHub annotations and GitLab Code
Quality use them: GitHub drops an annotation whose ``file`` is not a path from the checkout's root, and code
scanning resolves SARIF URIs against the repository. Text, concise and JSON keep the paths as given (relative to
the current folder, as ruff prints them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from kerasnanlint.project import repository_root

if TYPE_CHECKING:
    from kerasnanlint.config import Settings

SRCROOT = "%SRCROOT%"


@dataclass(frozen=True)
class RepoPaths:
    """Maps the paths diagnostics carry (relative to the current folder, or absolute) to the repository root."""

    root: Path  # real (symlinks resolved), absolute

    @classmethod
    def of(cls, settings: Settings | None) -> RepoPaths:
        """The repository holding the run's project root (the current folder's when no settings are given)."""
        return cls(repository_root(settings.root if settings is not None else Path.cwd()))

    def relative(self, path: str) -> str | None:
        """``path`` from the root in POSIX form; None when it lies outside the root. Standard input stays ``-``."""
        if path == "-":
            return path
        # The path as spelled first (a symlink inside the repository is the repository's file), then its target.
        for candidate in (os.path.abspath(path), os.path.realpath(path)):
            try:
                return Path(candidate).relative_to(self.root).as_posix()
            except ValueError:
                continue
        return None

    def display(self, path: str) -> str:
        """The root-relative path, or ``path`` as given when it lies outside the root."""
        rel = self.relative(path)
        return path if rel is None else rel

    def uri(self, path: str) -> str:
        """A URI reference: relative to %SRCROOT% (percent-encoded; the bytes of a name that is not UTF-8 too),
        or an absolute ``file://`` URI outside the root."""
        rel = self.relative(path)
        if rel is None:
            return Path(os.path.abspath(path)).as_uri()
        return quote(os.fsencode(rel))

    def artifact(self, path: str) -> dict[str, str]:
        """A SARIF ``artifactLocation``: uriBaseId only qualifies relative references."""
        uri = self.uri(path)
        return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": SRCROOT}

    def base_ids(self) -> dict[str, dict[str, str]]:
        """SARIF ``originalUriBaseIds``: %SRCROOT% as an absolute URI ending in "/", as SARIF 2.1.0 requires."""
        uri = self.root.as_uri()
        return {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}
