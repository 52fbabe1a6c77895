"""The README's rule table is the catalogue's (regenerate with kerasnanlint.catalog.markdown_table()), and its
install commands work in a fresh clone or say they need the published package."""

from __future__ import annotations

import re

from kerasnanlint.catalog import markdown_table
from tests.helpers import ROOT


def test_readme_rule_table_matches_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README rule table is stale: paste kerasnanlint.catalog.markdown_table()"


def _headed_blocks(readme: str) -> list[tuple[str, str]]:
    """Each fenced code block of the README with the heading it stands under."""
    out, heading, block = [], "", None
    for line in readme.splitlines():
        if block is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("```"):
            if block is None:
                block = []
            else:
                out.append((heading, "\n".join(block)))
                block = None
        elif block is not None:
            block.append(line)
    return out


def _install_targets(command: str) -> list[str]:
    """What ``pip install ...`` (up to ``&&`` or a comment) installs: its arguments that are not options."""
    args = command.split("&&")[0].split(" #")[0].split()
    return [a.strip("\"'") for a in args if not a.startswith("-")]


def test_every_pip_install_installs_a_path_or_is_marked_once_released() -> None:
    """kerasnanlint is not published: in a fresh clone every install command of the README installs a path (the
    clone, a copy), or says that it needs the published package (a `# once released` comment, or a block under an
    "Once released" heading)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [(h, line) for h, block in _headed_blocks(readme) for line in block.splitlines()]
    commands += [("", f"pip install {span}") for span in re.findall(r"(?<!!)`pip install ([^`]+)`", readme)]
    unmarked = []
    for heading, line in commands:
        for found in re.finditer(r"pip install (.+)", line):
            by_name = [t for t in _install_targets(found.group(1)) if not t.startswith((".", "/"))]
            marked = heading == "Once released" or "# once released" in line or "# needs" in line
            if by_name and not marked:
                unmarked.append(line.strip())
    assert unmarked == [], "installs the unpublished package without saying so"
    assert "#### Once released" in readme or "### Once released" in readme


def test_readme_configuration_example_is_valid() -> None:
    """The [tool.kerasnanlint] example of the Configuration section shows every key, and it validates."""
    import sys
    from pathlib import Path

    from kerasnanlint.config import KEYS, settings_from_table

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [example] = [b for h, b in _headed_blocks(readme) if h == "Configuration" and "[tool.kerasnanlint]" in b]
    table = tomllib.loads(example)["tool"]["kerasnanlint"]
    assert sorted(table) == sorted(KEYS), "the README's Configuration example should show every key"
    settings = settings_from_table(table, Path("."))
    assert settings.docs_url == "https://example.org/kerasnanlint/rules/{code}"
