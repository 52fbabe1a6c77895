"""What one file sees of the rest of its project: the answers to lookups of the names it imports.

A file is linted without its neighbours' trees. When a check needs to know what an imported name is (a
hypermodel builder in ``models.py``, a metric in ``metrics.py``, a constant), it asks ``Linked.entry`` with the
name's full dotted spelling (``pkg.models.build_model``). The answer comes from the imported module's summary
(kerasnanlint/semantics/summary.py), looked up beforehand by whoever runs the lint (kerasnanlint/project.py);
every name asked is recorded in ``demands``: the runner answers those it had no answer for and lints the file
again, and lints it again whenever one of those answers changes.
Unknown stays unknown: a missing answer is None, and the rules that need it stay silent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Names under these roots are libraries we know by heart (semantics/names.py): never a project's module.
_LIBRARIES = ("keras", "keras_tuner", "tensorflow", "numpy", "pandas", "math", "functools", "builtins")

Entry = dict[str, Any]


def entry_hash(entry: Entry | None) -> str:
    """A short fingerprint of an answer: a file is linted again when one of its answers changes."""
    if entry is None:
        return "-"
    text = json.dumps(entry, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def is_library(qualname: str) -> bool:
    """Is this name under a library we know by heart (so never one of the project's modules)?"""
    return qualname.split(".", 1)[0] in _LIBRARIES


@dataclass
class Linked:
    """The project as one file sees it: its package (for relative imports) and answers by dotted name."""

    package: str | None = None
    answers: dict[str, Entry | None] = field(default_factory=dict)
    demands: set[str] = field(default_factory=set)
    summarize: bool = True  # build the file's summary: False when no file of the run needs it (an editor's buffer)

    def entry(self, qualname: str) -> Entry | None:
        """The summary entry of an imported name (recorded as a demand); None when unknown or not answered yet."""
        if is_library(qualname):
            return None
        self.demands.add(qualname)
        return self.answers.get(qualname)

    def asked(self) -> dict[str, str]:
        """Every name asked, with the fingerprint of the answer it got (what Analysis.demands holds)."""
        return {name: entry_hash(self.answers.get(name)) for name in sorted(self.demands)}
