"""Results cache keyed by (content hash, settings fingerprint, code fingerprint), one small JSON file per entry.

An entry holds a file's analysis: its findings, its module summary and the names it asked of the rest of the
project with a hash of each answer. A hit is only a candidate: the runner looks those names up again and
lints the file anew when an answer changed (an edited ``models.py`` re-lints the ``tune.py`` importing it).
Entries are written atomically, behind a checksum of their text; an unreadable, corrupted or ill-shaped entry is a
miss, never an error or a wrong finding.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
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


class Cache:
    """The entries of one settings fingerprint under ``root/.kerasnanlint_cache``."""

    def __init__(self, root: Path, settings_fingerprint: str) -> None:
        self.folder = root / CACHE_DIR_NAME / f"{__version__}-{code_fingerprint()}" / settings_fingerprint
        self._ready = False

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
