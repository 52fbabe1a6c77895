"""Import-alias resolution: any spelling a user writes -> one canonical dotted name.

We keep our own table instead of LibCST's QualifiedNameProvider, which costs ~9x the parse (see
reference/lint-tools.md). Canonical names are rooted at ``keras``, ``keras_tuner``, ``tensorflow``,
``numpy``, ``pandas``, ``math``: ``tf.keras.layers.Dense``, ``from tensorflow.keras.layers import Dense`` and
``keras.layers.core.Dense`` all become ``keras.layers.Dense``.
"""

from __future__ import annotations

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


def canonical(dotted: str) -> str:
    """Canonical spelling of a fully qualified dotted name."""
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


class ImportTable:
    """Local alias -> fully qualified name, filled from every import statement in the file."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                # ``import tensorflow.keras`` binds ``tensorflow``.
                root = full.split(".", 1)[0]
                self.aliases.setdefault(root, root)

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative:  # relative imports are the project's own modules: unknown to us
            return
        module = _module_name(node.module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{module}.{name}" if module else name

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
            return None
        return canonical(f"{full}.{rest}" if rest else full)

    def mentions(self, *roots: str) -> bool:
        """Does the file import anything under one of these canonical roots?"""
        for full in self.aliases.values():
            c = canonical(full)
            if any(c == r or c.startswith(r + ".") for r in roots):
                return True
        return False


def last_part(qualname: str | None) -> str:
    return qualname.rsplit(".", 1)[-1] if qualname else ""
