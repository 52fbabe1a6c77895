"""kerasnanlint: find the code that makes KerasTuner searches score NaN or fail, before they run."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Diagnostic", "Severity", "__version__", "lint_paths", "lint_source"]


def __getattr__(name: str):  # lazy: `kerasnanlint --version` must not import libcst
    if name == "lint_source":
        from kerasnanlint.engine import lint_source

        return lint_source
    if name == "lint_paths":
        from kerasnanlint.runner import lint_paths

        return lint_paths
    if name in ("Diagnostic", "Severity"):
        from kerasnanlint import diagnostics

        return getattr(diagnostics, name)
    raise AttributeError(name)
