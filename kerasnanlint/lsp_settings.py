"""The Language Server's editor settings: ``initializationOptions`` and the ``kerasnanlint`` section of
``workspace/configuration``, validated, laid over each document's pyproject.toml settings.

Editor first, as ruff's server does by default (its ``configurationPreference = "editorFirst"``,
https://docs.astral.sh/ruff/editors/settings/#configurationpreference): a key the editor sets replaces that key of
``[tool.kerasnanlint]``; ``severity`` entries are added, the editor's winning for the same code. Keys the editor
does not set keep the file's values. A bad value is reported (once, by the server) and that key is left out; the
other keys still apply.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kerasnanlint.config import Settings, did_you_mean
from kerasnanlint.diagnostics import Severity
from kerasnanlint.rule import parse_codes

SECTION = "kerasnanlint"  # the workspace/configuration section
# Editor key -> Settings field, for the keys that are lists of rule codes or prefixes.
CODE_KEYS = {"select": "select", "extendSelect": "extend_select", "ignore": "ignore"}
KEYS = (*CODE_KEYS, "severity", "fixAllOnSave")


@dataclass(frozen=True)
class EditorSettings:
    """What the editor set; None (or empty) leaves the pyproject.toml value alone."""

    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (Settings field, codes) for each code key set
    severity: tuple[tuple[str, Severity], ...] = ()
    fix_all_on_save: bool = False

    def over(self, settings: Settings) -> Settings:
        """``settings`` (a document's pyproject.toml) with the editor's keys laid over it."""
        if not self.codes and not self.severity:
            return settings
        # Settings.severity_of takes the first of equally specific entries: the editor's go first.
        return settings.with_(**dict(self.codes), severity=(*self.severity, *settings.severity))


def _codes(key: str, value: Any, known: Collection[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"`{key}` must be a list of rule codes, got {value!r}")
    codes = parse_codes(value)
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise ValueError(f"`{key}`: {code!r} matches no rule{did_you_mean(code, known)}")
    return codes


def _severity(value: Any, known: Collection[str]) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f'`severity` must map rule codes to "info", "warning" or "error", got {value!r}')
    out = []
    for code, level in value.items():
        _codes("severity", [code], known)
        try:
            out.append((code, Severity.parse(level)))
        except ValueError as exc:
            raise ValueError(f"`severity.{code}`: {exc}") from None
    return tuple(out)


def parse_editor_settings(raw: Any, known: Collection[str]) -> tuple[EditorSettings, list[str]]:
    """The editor's settings (``raw`` as the client sent them; None is none) and a message for each bad key."""
    if raw is None:
        return EditorSettings(), []
    if not isinstance(raw, Mapping):
        return EditorSettings(), [f"the settings must be an object of {', '.join(KEYS)}, got {raw!r}"]
    codes: list[tuple[str, tuple[str, ...]]] = []
    severity: tuple[tuple[str, Severity], ...] = ()
    fix_all = False
    errors: list[str] = []
    for key, value in raw.items():
        try:
            if key in CODE_KEYS:
                codes.append((CODE_KEYS[key], _codes(key, value, known)))
            elif key == "severity":
                severity = _severity(value, known)
            elif key == "fixAllOnSave":
                if not isinstance(value, bool):
                    raise ValueError(f"`fixAllOnSave` must be true or false, got {value!r}")
                fix_all = value
            else:
                raise ValueError(f"unknown key `{key}` (known keys: {', '.join(KEYS)})")
        except ValueError as exc:
            errors.append(str(exc))
    return EditorSettings(tuple(codes), severity, fix_all), errors


def editor_error(errors: list[str], where: str) -> str | None:
    """One message for the user naming every bad editor setting (None when there is none)."""
    if not errors:
        return None
    return f"kerasnanlint: editor settings ({where}): {'; '.join(errors)} (left out until fixed)"
