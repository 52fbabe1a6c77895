"""SARIF, GitHub and GitLab paths are relative to the repository root (git's top level, else the project root),
whatever folder the CLI runs in; text and JSON keep paths relative to the current folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kerasnanlint.project import git_root, repository_root
from tests.helpers import run_cli
from tests.test_sarif import FLAGGED, assert_valid


def make_repo(folder: Path) -> Path:
    """A git work tree at ``folder`` (real ``git init`` where git is installed; the linter never runs git)."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(folder)], check=True, timeout=60)
    else:
        (folder / ".git").mkdir()
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """repo/ (git) > sub/ (where CI runs) > pkg/a.py with one finding."""
    root = make_repo(tmp_path / "repo")
    (root / "sub" / "pkg").mkdir(parents=True)
    (root / "sub" / "pkg" / "a.py").write_text(FLAGGED, encoding="utf-8")
    return root


def cli(cwd: Path, fmt: str, *paths: str) -> str:
    result = run_cli(*paths, "--format", fmt, "--no-cache", cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def sarif_locations(log: dict) -> list[dict]:
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]


def sarif_fingerprints(log: dict) -> list[str]:
    return [r["partialFingerprints"]["kerasnanlint/v1"] for r in log["runs"][0]["results"]]


def test_git_root_and_repository_root(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    (root / "a" / "b").mkdir(parents=True)
    assert git_root(root / "a" / "b") == repository_root(root / "a" / "b") == root.resolve()
    # A worktree or submodule has a .git *file*; a nested pyproject.toml does not make a new repository root.
    (root / "a" / "pyproject.toml").write_text("", encoding="utf-8")
    worktree = tmp_path / "worktree"
    (worktree / "src").mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {root / '.git'}\n", encoding="utf-8")
    assert repository_root(root / "a" / "b") == root.resolve()
    assert repository_root(worktree / "src") == worktree.resolve()
    # No git: the project root (the pyproject.toml folder), else the folder itself.
    plain = tmp_path / "plain"
    (plain / "deep").mkdir(parents=True)
    (plain / "pyproject.toml").write_text("", encoding="utf-8")
    assert git_root(plain / "deep") is None
    assert repository_root(plain / "deep") == plain.resolve()
    bare = tmp_path / "bare"
    bare.mkdir()
    assert repository_root(bare) == bare.resolve()


def test_sarif_from_a_subfolder_is_relative_to_the_repository_root(repo: Path):
    log = json.loads(cli(repo / "sub", "sarif", "pkg"))
    assert_valid(log)
    assert sarif_locations(log) == [{"uri": "sub/pkg/a.py", "uriBaseId": "%SRCROOT%"}]
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    # The same finding from the root: the same URI and the same fingerprint (code scanning keeps its state).
    from_root = json.loads(cli(repo, "sarif", "sub/pkg"))
    assert sarif_locations(from_root) == sarif_locations(log)
    assert sarif_fingerprints(from_root) == sarif_fingerprints(log)
    # An absolute path on the command line names the same file.
    absolute = json.loads(cli(repo / "sub", "sarif", str(repo / "sub" / "pkg" / "a.py")))
    assert sarif_locations(absolute) == sarif_locations(log)
    assert sarif_fingerprints(absolute) == sarif_fingerprints(log)


def test_github_and_gitlab_from_a_subfolder(repo: Path):
    github = cli(repo / "sub", "github", "pkg")
    assert github.startswith("::warning file=sub/pkg/a.py,line=6,"), github
    gitlab = json.loads(cli(repo / "sub", "gitlab", "pkg"))
    assert [issue["location"]["path"] for issue in gitlab] == ["sub/pkg/a.py"]
    from_root = json.loads(cli(repo, "gitlab", "sub"))
    assert [i["fingerprint"] for i in from_root] == [i["fingerprint"] for i in gitlab]


def test_text_and_json_keep_paths_relative_to_the_current_folder(repo: Path):
    assert cli(repo / "sub", "text", "pkg").startswith(os.path.join("pkg", "a.py") + ":6:")
    assert [d["filename"] for d in json.loads(cli(repo / "sub", "json", "pkg"))] == [os.path.join("pkg", "a.py")]


def test_a_file_outside_the_repository_gets_an_absolute_uri(repo: Path, tmp_path: Path):
    outside = tmp_path / "elsewhere" / "b.py"
    outside.parent.mkdir()
    outside.write_text(FLAGGED, encoding="utf-8")
    relative = os.path.relpath(outside, repo / "sub")
    log = json.loads(cli(repo / "sub", "sarif", relative, "pkg"))
    assert_valid(log)
    by_uri = {loc["uri"]: loc for loc in sarif_locations(log)}
    assert by_uri[outside.resolve().as_uri()] == {"uri": outside.resolve().as_uri()}  # no uriBaseId
    assert by_uri["sub/pkg/a.py"]["uriBaseId"] == "%SRCROOT%"
    github = cli(repo / "sub", "github", relative)
    assert f"file={relative}," in github.replace("%2C", ",")


def test_without_git_paths_are_relative_to_the_project_root(tmp_path: Path):
    project = tmp_path / "project"
    (project / "sub" / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.kerasnanlint]\n", encoding="utf-8")
    (project / "sub" / "pkg" / "a.py").write_text(FLAGGED, encoding="utf-8")
    log = json.loads(cli(project / "sub", "sarif", "pkg"))
    assert sarif_locations(log) == [{"uri": "sub/pkg/a.py", "uriBaseId": "%SRCROOT%"}]
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="file names there must be valid Unicode")
def test_names_that_are_not_utf8_are_percent_encoded(repo: Path):
    name = os.fsdecode(b"caf\xe9 model.py")  # Latin-1 bytes: not UTF-8
    (repo / "sub" / "pkg" / name).write_text(FLAGGED, encoding="utf-8")
    log = json.loads(cli(repo / "sub", "sarif", "pkg"))
    assert_valid(log)
    uris = sorted(loc["uri"] for loc in sarif_locations(log))
    assert uris == ["sub/pkg/a.py", "sub/pkg/caf%E9%20model.py"]
