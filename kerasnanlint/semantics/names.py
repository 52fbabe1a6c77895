"""Import-alias resolution: any spelling a user writes -> one canonical dotted name.

We keep our own table instead of LibCST's QualifiedNameProvider, which costs about 9x the parse
(docs/performance.md). Canonical names are rooted at ``keras``, ``keras_tuner``, ``tensorflow``,
``numpy``, ``pandas``, ``math``: ``tf.keras.layers.Dense``, ``from tensorflow.keras.layers import Dense`` and
``keras.layers.core.Dense`` all become ``keras.layers.Dense``.
"""

from __future__ import annotations

import functools

import libcst as cst

# Prefix rewrites, longest first. Each maps a module path users import to the canonical one.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.compat.v1.keras.", "keras."),
    ("tensorflow.compat.v2.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras.api.", "keras."),
    ("keras.layers.core.", "keras.layers."),
    ("keras.layers.convolutional.", "keras.layers."),
    ("keras.layers.recurrent.", "keras.layers."),
    ("keras.engine.training.", "keras."),
    ("keras.engine.sequential.", "keras."),
    ("keras.engine.functional.", "keras."),
    ("keras.models.", "keras."),  # keras.models.Model / Sequential are keras.Model / keras.Sequential
    ("kerastuner.", "keras_tuner."),
    ("keras_tuner.src.", "keras_tuner."),
    ("keras_tuner.tuners.", "keras_tuner."),
    ("keras_tuner.engine.tuner.", "keras_tuner."),
    ("keras_tuner.engine.hypermodel.", "keras_tuner."),
    ("keras_tuner.engine.objective.", "keras_tuner."),
    ("keras_tuner.engine.hyperparameters.", "keras_tuner."),
    ("keras_tuner.engine.base_tuner.", "keras_tuner."),
    ("keras_tuner.engine.", "keras_tuner."),
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
)
_EXACT: dict[str, str] = {
    "tensorflow.keras": "keras",
    "tf_keras": "keras",
    "kerastuner": "keras_tuner",
    "keras.src": "keras",
    "keras.api": "keras",
}
# tf.math.X is also reachable as tf.X for most ops; keep both spellings apart but let checks ask for either.


@functools.lru_cache(maxsize=16_384)
def canonical(dotted: str) -> str:
    """Canonical spelling of a fully qualified dotted name (asked thousands of times per file, of few names)."""
    if dotted in _EXACT:
        return _EXACT[dotted]
    changed = True
    while changed:
        changed = False
        for old, new in _PREFIXES:
            if dotted.startswith(old):
                dotted = new + dotted[len(old) :]
                changed = True
                break
    # keras.models.Model -> keras.Model already; keras.models (module) itself stays.
    return dotted


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return dotted_name(node) or ""


# Public names a star import of these modules brings in that checks ask about (tuners, oracles, layers, models).
_STAR_ROOTS = frozenset(
    {"keras_tuner", "keras", "keras.layers", "keras.models", "keras.optimizers", "keras.losses", "keras.metrics"}
)


class ImportTable:
    """Local alias -> fully qualified name, filled from every import statement in the file.

    ``package`` is the package of the module being read (``pkg.sub`` for ``pkg/sub/m.py`` or
    ``pkg/sub/__init__.py``), so ``from .models import f`` becomes ``pkg.sub.models.f``; None when the file is
    not part of a known package, and then relative imports stay unknown.
    """

    def __init__(self, package: str | None = None) -> None:
        self.aliases: dict[str, str] = {}
        self.package = package
        self.stars: list[str] = []  # modules imported with ``from m import *``, in order
        self.bound: frozenset[str] = frozenset()  # names the module binds itself: a star import never shadows them

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                # ``import tensorflow.keras`` binds ``tensorflow``.
                root = full.split(".", 1)[0]
                self.aliases.setdefault(root, root)

    def _absolute(self, node: cst.ImportFrom) -> str | None:
        module = _module_name(node.module)
        if not node.relative:
            return module
        if self.package is None:
            return None
        parts = self.package.split(".") if self.package else []
        up = len(node.relative) - 1
        if up > len(parts) or (not parts and not module):
            return None
        base = ".".join(parts[: len(parts) - up])
        return f"{base}.{module}" if base and module else base or module

    def add_import_from(self, node: cst.ImportFrom) -> None:
        module = self._absolute(node)
        if module is None:  # relative, outside any known package: unknown to us
            return
        if isinstance(node.names, cst.ImportStar):
            self.stars.append(module)
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{module}.{name}" if module else name

    def bind(self, local: str, full: str) -> None:
        """A module-level alias made by assignment (``keras = tf.keras``): ``full`` is already resolved."""
        self.aliases.setdefault(local, full)

    def star_source(self, name: str) -> str | None:
        """The canonical name a bare ``name`` has through a star import of keras or keras_tuner, else None.
        Only capitalised names (classes: tuners, layers, models) are taken, the names checks ask about."""
        if not name[:1].isupper():
            return None
        for module in reversed(self.stars):  # the last star import wins, as in Python
            c = canonical(module)
            if c in _STAR_ROOTS:
                return canonical(f"{c}.{name}")
        return None

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """Canonical qualified name of a Name/Attribute expression, or None when it is not imported."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        return self.resolve_dotted(dotted)

    def resolve_dotted(self, dotted: str) -> str | None:
        head, _, rest = dotted.partition(".")
        full = self.aliases.get(head)
        if full is None:
            full = self.star_source(head) if self.stars and head not in self.bound else None
            if full is None:
                return None
        return canonical(f"{full}.{rest}" if rest else full)

    def mentions(self, *roots: str) -> bool:
        """Does the file import anything under one of these canonical roots?"""
        for full in (*self.aliases.values(), *self.stars):
            c = canonical(full)
            if any(c == r or c.startswith(r + ".") for r in roots):
                return True
        return False


def last_part(qualname: str | None) -> str:
    return qualname.rsplit(".", 1)[-1] if qualname else ""
