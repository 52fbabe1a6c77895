"""``[tool.kerasnanlint]`` in the nearest pyproject.toml, validated; CLI flags override it."""

from __future__ import annotations

import difflib
import fnmatch
import functools
import hashlib
import json
import sys
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from kerasnanlint.diagnostics import Severity
from kerasnanlint.project import find_root
from kerasnanlint.registry import OPT_IN
from kerasnanlint.rule import parse_codes
from kerasnanlint.versions import TARGETS, declared_target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI prints it and exits 2."""


DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".kerasnanlint_cache",
    "build",
    "dist",
    "node_modules",
    "site-packages",
)

# Which files folders are searched for, as in ruff (`include` replaces, `extend-include` adds). Files named on the
# command line are linted whatever their name.
DEFAULT_INCLUDE: tuple[str, ...] = ("*.py", "*.pyi", "*.ipynb")

# [tool.kerasnanlint.thresholds]: key -> (default, help). Values must be positive numbers.
THRESHOLDS: dict[str, tuple[float, str]] = {
    "lr-decade-ratio": (10.0, "KNL401: max/min ratio of a linear learning-rate range that is flagged"),
    "lr-ceiling-sgd": (0.5, "KNL402: highest learning rate accepted for SGD-family optimizers"),
    "lr-ceiling-adaptive": (0.1, "KNL402: highest learning rate accepted for adaptive optimizers (Adam, ...)"),
    "input-scale-max": (50.0, "KNL504: largest absolute input value accepted without a scaling layer"),
}


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of a run: ``[tool.kerasnanlint]`` with the command-line flags applied."""

    select: tuple[str, ...] = ("KNL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    extend_include: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity = Severity.WARNING
    respect_gitignore: bool = True
    force_exclude: bool = False
    src: tuple[str, ...] = (".", "src")  # import roots, relative to the project root (as ruff's ``src``)
    per_file_size_limit: float = 10.0  # MB: a larger file gets KNL000 "not analysed" and is never read
    per_file_timeout: float = 10.0  # seconds: a file analysed longer gets KNL000 "not analysed", its worker killed
    target_keras: str | None = None  # "2.2" | "2" | "3" (kerasnanlint/versions.py); None: not declared
    docs_url: str | None = None  # where rule pages are published, "{code}" standing for the code (catalog.rule_url)
    thresholds: tuple[tuple[str, float], ...] = tuple((k, v[0]) for k, v in THRESHOLDS.items())
    root: Path = field(default_factory=Path.cwd)
    config_file: Path | None = None

    def rule_selected(self, code: str) -> bool:
        """Most specific prefix wins between select and ignore, as in ruff; an opt-in rule needs its exact code."""
        best_sel = max((len(p) for p in (*self.select, *self.extend_select) if code.startswith(p)), default=-1)
        best_ign = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if code in OPT_IN and best_sel != len(code):
            return False
        return best_sel >= 0 and best_sel > best_ign

    def ignored_for_path(self, code: str, path: str) -> bool:
        """True where ``per-file-ignores`` silences ``code`` for ``path``."""
        rel = self.relative(path)
        for pattern, codes in self.per_file_ignores:
            if _glob_match(rel, pattern) and any(code.startswith(c) for c in codes):
                return True
        return False

    def severity_of(self, code: str, default: Severity) -> Severity:
        """The override of the most specific matching code or prefix (``KNL1 = "info"``, ``KNL107 = ...``)."""
        best, level = -1, default
        for c, sev in self.severity:
            if code.startswith(c) and len(c) > best:
                best, level = len(c), sev
        return level

    def threshold(self, key: str) -> float:
        """A ``[tool.kerasnanlint.thresholds]`` value (its default when not configured)."""
        for k, v in self.thresholds:
            if k == key:
                return v
        raise KeyError(key)

    def relative(self, path: str | Path) -> str:
        """``path`` relative to the project root in POSIX form (as given when it lies outside the root)."""
        return _relative(str(path), str(self.root))

    def is_excluded(self, path: str | Path) -> bool:
        """True where ``exclude``/``extend-exclude`` match ``path`` or one of its folders."""
        return self.is_excluded_relative(self.relative(path))

    def is_excluded_relative(self, rel: str) -> bool:
        """``is_excluded`` for a path already made relative to ``root`` (POSIX): no file-system access."""
        parts = PurePosixPath(rel).parts
        for pattern in (*self.exclude, *self.extend_exclude):
            if _glob_match(rel, pattern) or any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
        return False

    def included(self, name: str, rel: str | None) -> bool:
        """Is a file found in a folder, named ``name`` (path ``rel`` from the root, None outside it), one to lint?
        A pattern without ``/`` matches the file name; one with ``/`` the path from the project root."""
        for pattern in (*self.include, *self.extend_include):
            if "/" not in pattern:
                if fnmatch.fnmatchcase(name, pattern):
                    return True
            elif rel is not None and _glob_match(rel, pattern):
                return True
        return False

    def include_suffixes(self) -> tuple[str, ...] | None:
        """The suffixes when every include pattern is a plain ``*.ext`` (a string test instead of globbing)."""
        patterns = (*self.include, *self.extend_include)
        if all(p.startswith("*.") and not any(ch in p[1:] for ch in "*?[]/") for p in patterns):
            return tuple(p[1:] for p in patterns)
        return None

    def fingerprint(self) -> str:
        """Stable hash of everything that changes what a file's lint result is (for the cache)."""
        data = {
            "select": self.select,
            "extend_select": self.extend_select,
            "ignore": self.ignore,
            "per_file_ignores": self.per_file_ignores,
            "severity": [(c, int(s)) for c, s in self.severity],
            "thresholds": self.thresholds,
            "src": self.src,
            "per_file_size_limit": self.per_file_size_limit,
            "target_keras": self.target_keras,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (command-line overrides)."""
        return replace(self, **changes)


def _glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    # "tests/" style patterns match everything below; "**/x" also matches x at the root.
    if fnmatch.fnmatchcase(rel, pattern + "/*"):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(rel, pattern[3:])


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.kerasnanlint] table, else the
    nearest pyproject.toml at all (its folder is the project root)."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    nearest: Path | None = None
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            nearest = nearest or candidate
            try:
                if "kerasnanlint" in candidate.read_text(encoding="utf-8", errors="replace"):
                    return candidate
            except OSError:
                continue
    return nearest


def _str_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def _codes(key: str, value: Any) -> tuple[str, ...]:
    try:
        return parse_codes(_str_list(key, value))
    except ValueError as exc:
        raise ConfigError(f"`{key}`: {exc}") from None


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false, got {value!r}")
    return value


def _severity(key: str, value: Any) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"`{key}` must be one of info, warning, error; got {value!r}")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(f"`{key}` must be one of info, warning, error; got {value!r}") from None


def _docs_url(key: str, value: Any) -> str:
    """An http(s) URL template with a ``{code}`` placeholder, e.g. ``https://example.org/rules/{code}``."""
    from urllib.parse import urlsplit

    example = '"https://example.org/kerasnanlint/rules/{code}"'
    if not isinstance(value, str) or "{code}" not in value:
        raise ConfigError(
            f"`{key}` must be a URL with {{code}} where the rule code goes, e.g. {example}; got {value!r}"
        )
    try:
        parts = urlsplit(value.replace("{code}", "KNL000"))
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ConfigError(f"`{key}` must be an http:// or https:// URL, e.g. {example}; got {value!r}")
    return value


@functools.lru_cache(maxsize=4096)
def _relative(path: str, root: str) -> str:
    """Settings.relative, remembered: every finding of a file asks it (per-file-ignores), and resolve() costs a
    system call per path component."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


# Every key of [tool.kerasnanlint] (for the message naming an unknown one).
KEYS = (
    "select",
    "extend-select",
    "ignore",
    "exclude",
    "extend-exclude",
    "include",
    "extend-include",
    "per-file-ignores",
    "severity",
    "fail-on",
    "respect-gitignore",
    "force-exclude",
    "src",
    "per-file-size-limit",
    "per-file-timeout",
    "target-keras",
    "thresholds",
    "docs-url",
)


def settings_from_table(table: dict[str, Any], root: Path, config_file: Path | None = None) -> Settings:
    """Validate a ``[tool.kerasnanlint]`` table into Settings; ConfigError names the first bad key or value."""
    s = Settings(root=root, config_file=config_file)
    thresholds = dict(s.thresholds)
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = f"tool.kerasnanlint.{key}"
        if key == "select":
            changes["select"] = _codes(name, value)
        elif key == "extend-select":
            changes["extend_select"] = _codes(name, value)
        elif key == "ignore":
            changes["ignore"] = _codes(name, value)
        elif key == "exclude":
            changes["exclude"] = _str_list(name, value)
        elif key == "extend-exclude":
            changes["extend_exclude"] = _str_list(name, value)
        elif key == "include":
            changes["include"] = _str_list(name, value)
        elif key == "extend-include":
            changes["extend_include"] = _str_list(name, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"`{name}` must be a table of glob = [codes]")
            changes["per_file_ignores"] = tuple((g, _codes(f"{name}.{g}", v)) for g, v in value.items())
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f'`{name}` must be a table of rule code = "info" | "warning" | "error"')
            changes["severity"] = tuple(
                (code, _severity(f"{name}.{code}", level)) for code, level in value.items() if _codes(name, [code])
            )
        elif key == "fail-on":
            changes["fail_on"] = _severity(name, value)
        elif key == "src":
            changes["src"] = _str_list(name, value)
        elif key == "target-keras":
            if value not in TARGETS:
                raise ConfigError(f"`{name}` must be one of {', '.join(map(repr, TARGETS))}, got {value!r}")
            changes["target_keras"] = value
        elif key in ("per-file-size-limit", "per-file-timeout"):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
                unit = "megabytes" if key == "per-file-size-limit" else "seconds"
                raise ConfigError(f"`{name}` must be a positive number of {unit}, got {value!r}")
            changes[key.replace("-", "_")] = float(value)
        elif key == "docs-url":
            changes["docs_url"] = _docs_url(name, value)
        elif key == "respect-gitignore":
            changes["respect_gitignore"] = _bool(name, value)
        elif key == "force-exclude":
            changes["force_exclude"] = _bool(name, value)
        elif key == "thresholds":
            if not isinstance(value, dict):
                raise ConfigError(f"`{name}` must be a table ([tool.kerasnanlint.thresholds])")
            for k, v in value.items():
                if k not in THRESHOLDS:
                    raise ConfigError(f"unknown key `{name}.{k}` (known thresholds: {', '.join(THRESHOLDS)})")
                if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                    raise ConfigError(f"`{name}.{k}` must be a positive number, got {v!r}")
                thresholds[k] = float(v)
        elif key in THRESHOLDS:
            raise ConfigError(f"`{name}` belongs in the [tool.kerasnanlint.thresholds] table")
        else:
            raise ConfigError(f"unknown key `{name}` (known keys: {', '.join(sorted(KEYS))})")
    changes["thresholds"] = tuple(thresholds.items())
    return s.with_(**changes)


def did_you_mean(code: str, known: Collection[str]) -> str:
    """The end of a "matches no rule" message: the closest rule code, or where the codes are listed."""
    close = difflib.get_close_matches(code.upper(), list(dict.fromkeys(known)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else " (`kerasnanlint rules` lists them)"


def validate_codes(settings: Settings, known: Collection[str]) -> None:
    """Raise ConfigError naming the key of a configured code or prefix that matches no rule in ``known``
    (a typo there would otherwise silently select, ignore or re-grade nothing)."""
    groups: list[tuple[str, tuple[str, ...]]] = [
        ("select", settings.select),
        ("extend-select", settings.extend_select),
        ("ignore", settings.ignore),
        *((f"per-file-ignores.{glob}", codes) for glob, codes in settings.per_file_ignores),
        *((f"severity.{code}", (code,)) for code, _ in settings.severity),
    ]
    for key, codes in groups:
        for code in codes:
            if not any(k.startswith(code) for k in known):
                where = f"{settings.config_file}: " if settings.config_file else ""
                raise ConfigError(
                    f"{where}`tool.kerasnanlint.{key}`: {code!r} matches no rule{did_you_mean(code, known)}"
                )


def load_settings(start: Path | None = None, config: Path | None = None) -> Settings:
    """Settings from ``config`` (a pyproject.toml) or the nearest pyproject.toml above ``start``."""
    path = config if config is not None else find_pyproject(start or Path.cwd())
    if path is None:
        anchor = start or Path.cwd()
        # requirements.txt without a pyproject.toml still says which Keras
        project = find_root(anchor) or (anchor if anchor.is_dir() else anchor.parent)
        target = declared_target(project)
        return Settings(root=anchor.resolve() if anchor.is_dir() else Path.cwd(), target_keras=target)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not valid TOML: nested too deeply to read") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table ([tool.kerasnanlint] goes inside it)")
    table = tool.get("kerasnanlint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kerasnanlint] must be a table")
    try:
        settings = settings_from_table(table, path.parent.resolve(), path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if settings.target_keras is None:  # not set: what the project's dependency files pin, if anything
        settings = settings.with_(target_keras=declared_target(settings.root))
    return settings
