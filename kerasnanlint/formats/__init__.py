"""Renderers: each takes the run's diagnostics, the sources they refer to and the run's settings, and returns the
text to print.

The sources are a ``SourceLoader`` (kerasnanlint/source.py): SARIF and GitLab fingerprint the flagged line's
text, LSP counts columns in UTF-16. Standard input and freshly fixed files are in memory; others are read from
disk when asked. The settings give SARIF, GitHub and GitLab the project whose repository root their paths are
relative to, and ``docs-url``. Formats that need neither ignore them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from kerasnanlint.diagnostics import Diagnostic

if TYPE_CHECKING:  # the CLI imports FORMATS at startup: keep that import light
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

# `full` is the default, as in ruff; `text` is the former name of `concise`, still accepted.
FORMATS = ("full", "concise", "text", "json", "sarif", "github", "gitlab", "lsp")
TERMINAL_FORMATS = ("full", "concise", "text")  # for people: coloured on a terminal, followed by a summary


class Renderer(Protocol):
    def __call__(
        self, diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None
    ) -> str: ...


def finding_lines(d: Diagnostic, sources: SourceLoader) -> tuple[str, ...]:
    """The lines ``d``'s line and columns count in: its file's, or in a notebook its cell's."""
    source = sources(d.path)
    if d.cell is None:
        return source.lines
    from kerasnanlint.notebook import cell_lines  # only when a notebook's finding is rendered

    return cell_lines(source.text, d.cell)


def renderer(name: str, *, colour: bool = False) -> Renderer:
    """The ``render(diagnostics, sources, settings)`` function of format ``name`` (imported on demand);
    ``colour`` paints the terminal formats."""
    if name in TERMINAL_FORMATS:
        from functools import partial

        if name == "full":
            from kerasnanlint.formats.full import render as terminal
        else:
            from kerasnanlint.formats.text import render as terminal
        return partial(terminal, colour=colour)
    if name == "json":
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
