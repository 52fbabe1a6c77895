"""Renderers: each takes the run's diagnostics and returns the text to print."""

from __future__ import annotations

from collections.abc import Callable

from kerasnanlint.diagnostics import Diagnostic

FORMATS = ("text", "json", "sarif", "github", "gitlab", "lsp")


def renderer(name: str) -> Callable[[list[Diagnostic]], str]:
    if name == "text":
        from kerasnanlint.formats.text import render
    elif name == "json":
        from kerasnanlint.formats.json import render
    elif name == "sarif":
        from kerasnanlint.formats.sarif import render
    elif name == "github":
        from kerasnanlint.formats.github import render
    elif name == "gitlab":
        from kerasnanlint.formats.gitlab import render
    elif name == "lsp":
        from kerasnanlint.formats.lsp import render
    else:
        raise ValueError(name)
    return render
