"""Results cache keyed by (content hash, settings fingerprint, code fingerprint), one small JSON file per entry.

An entry holds a file's analysis: its findings, its module summary and the names it asked of the rest of the
project with a hash of each answer. A hit is only a candidate: the runner looks those names up again and
lints the file anew when an answer changed (an edited ``models.py`` re-lints the ``tune.py`` importing it).
Entries are written atomically, behind a checksum of their text; an unreadable, corrupted or ill-shaped entry is a
miss, never an error or a wrong finding.

Pruning (at most once a day, after a run that used the cache): the folders of other kerasnanlint versions or code
are removed once a day old, and in the current one every entry not written for 30 days. A removed entry only costs
a lint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from kerasnanlint import __version__
from kerasnanlint.diagnostics import Analysis, Diagnostic

CACHE_DIR_NAME = ".kerasnanlint_cache"


def code_fingerprint() -> str:
    """Version plus the size and mtime of every module of the package, so an edited rule (a development
    checkout, an upgrade that keeps the version) never serves stale results. Costs a few dozen stats."""
    package = Path(__file__).resolve().parent
    h = hashlib.blake2b(__version__.encode(), digest_size=8)
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _checksum(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


DAY = 86_400
_ENTRY_DAYS = 30


class Cache:
    """The entries of one settings fingerprint under ``root/.kerasnanlint_cache``."""

    def __init__(self, root: Path, settings_fingerprint: str) -> None:
        self.top = root / CACHE_DIR_NAME
        self.folder = self.top / f"{__version__}-{code_fingerprint()}" / settings_fingerprint
        self._ready = False

    def prune(self, now: float | None = None) -> None:
        """Drop old versions' folders and stale entries (see the module docstring); never raises."""
        now = time.time() if now is None else now
        marker = self.top / ".pruned"
        try:
            if now - marker.stat().st_mtime < DAY:
                return
        except OSError:
            pass
        if not self.top.is_dir():
            return
        current = self.folder.parent
        for version in self.top.iterdir():
            if version.is_dir() and version != current and now - version.stat().st_mtime > DAY:
                shutil.rmtree(version, ignore_errors=True)
        for entry in current.glob("*/*/*"):
            try:
                if now - entry.stat().st_mtime > _ENTRY_DAYS * DAY:
                    entry.unlink()
            except OSError:
                continue
        try:
            marker.touch()
        except OSError:
            pass

    @staticmethod
    def key(path: str, data: bytes) -> str:
        """The entry of a file shown as ``path`` holding ``data``."""
        # The display path is part of the key because diagnostics carry it.
        return hashlib.blake2b(os.fsencode(path) + b"\0" + data, digest_size=16).hexdigest()

    def get(self, key: str) -> Analysis | None:
        """The analysis stored under ``key``; None on a miss, and for an entry that fails its checksum or does not
        have the shape of one (a bad entry is a miss, never a crash or a wrong finding)."""
        try:
            raw = (self.folder / key[:2] / key).read_bytes()
            digest, _, body = raw.partition(b"\n")
            if digest != _checksum(body).encode():
                return None
            entry = json.loads(body)
            summary, demands = entry["summary"], entry["demands"]
            if not (summary is None or isinstance(summary, dict)) or not isinstance(demands, dict):
                return None
            return Analysis([Diagnostic.from_json(d) for d in entry["diagnostics"]], summary, demands)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, analysis: Analysis) -> None:
        """Store the findings under ``key``, atomically; a folder we cannot write to is silently skipped."""
        target = self.folder / key[:2] / key
        try:
            if not self._ready:
                self.folder.mkdir(parents=True, exist_ok=True)
                gitignore = self.folder.parents[1] / ".gitignore"
                if not gitignore.exists():
                    gitignore.write_text("# created by kerasnanlint\n*\n", encoding="utf-8")
                self._ready = True
            target.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                entry = {
                    "diagnostics": [d.to_json(where=True) for d in analysis.diagnostics],
                    "summary": analysis.summary,
                    "demands": analysis.demands,
                }
                body = json.dumps(entry).encode()
                fh.write(_checksum(body).encode() + b"\n" + body)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only tree just runs uncached
