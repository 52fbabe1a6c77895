"""Which Keras generation a project targets, from its declared dependencies (standard library only).

What differs between generations for our rules is the name ``compile(metrics=["accuracy"])`` logs. Keras 2.3.0
changed it: "Metrics and losses are now reported under the exact name specified by the user" (its release notes);
before, in Keras <= 2.2 and the tf.keras of TensorFlow 1.x, ``"accuracy"`` and ``"acc"`` both logged ``acc`` (and
``"crossentropy"``/``"ce"`` logged ``ce``), so ``val_acc`` was the right objective. Keras 2.3+ (tf.keras in TF 2)
and Keras 3 log the same names. The targets are therefore ``"2.2"`` (the old naming), ``"2"`` and ``"3"``.
"""

from __future__ import annotations

import re
from pathlib import Path

TARGETS = ("2.2", "2", "3")
# Dependency files read at the project root, and the pins in them that say "the old naming".
_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "environment.yml", "environment.yaml")
_TF = r"(?<![\w.-])tensorflow(?:-gpu|-cpu)?\s*"
_TF1 = re.compile(_TF + r"(?:===?|~=)\s*1\.\d|" + _TF + r"<\s*=?\s*(?:1\.|2(?:\.0)?\b(?!\.))", re.I)
_KERAS = r"(?<![\w.-])keras\s*"
_KERAS_OLD = re.compile(_KERAS + r"(?:===?|~=)\s*(?:1\.|2\.[0-2](?:\.|\b))|" + _KERAS + r"<\s*2\.3\b", re.I)
_KERAS_3 = re.compile(_KERAS + r"(?:>=?|===?|~=)\s*3", re.I)
_TF2 = re.compile(_TF + r"(?:>=?|===?|~=)\s*2\.", re.I)


def declared_target(root: Path) -> str | None:
    """The Keras generation the project's dependency files pin, or None when they say nothing we can use."""
    texts = []
    for path in [*(root / name for name in _FILES), *sorted(root.glob("requirements*.txt"))]:
        try:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    text = "\n".join(texts)
    if _TF1.search(text) or _KERAS_OLD.search(text):
        return "2.2"
    if _KERAS_3.search(text):
        return "3"
    if _TF2.search(text):
        return "2"
    return None
