"""The README's editor snippets, run: Neovim's built-in LSP client (headless) on the README's Lua, and for Helix
and VS Code (not installed here) the command and options their snippets give, started and spoken to over stdio."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from kerasnanlint.lsp import FIX_ALL
from kerasnanlint.lsp_settings import parse_editor_settings
from kerasnanlint.registry import all_rules
from tests.test_lsp_editor import FIXED_LINE, TUNE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NVIM = shutil.which("nvim")
BIN = Path(sys.executable).parent  # where `kerasnanlint` is installed beside this Python (a venv's bin/)


def editors_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Editors (Language Server)")
    return readme[start : readme.index("\n### ", start + 1)]


def snippet(language: str) -> str:
    """The first fenced ``language`` block of the README's Editors section."""
    match = re.search(rf"```{language}\n(.*?)```", editors_section(), re.S)
    assert match, f"no {language} block in the README's Editors section"
    return match.group(1)


def editor_env() -> dict[str, str]:
    """The environment editors start the server in: `kerasnanlint` on PATH."""
    if not (BIN / "kerasnanlint").exists():
        pytest.skip(f"no kerasnanlint script in {BIN} (install the package: pip install -e .)")
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


# --- Neovim ---------------------------------------------------------------------------------------------------


@pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (.ci/run installs Debian's neovim)")
def test_neovim_runs_the_readme_snippet(tmp_path: Path) -> None:
    (tmp_path / "kerasnanlint.lua").write_text(snippet("lua"), encoding="utf-8")
    (tmp_path / "tune.py").write_text(TUNE, encoding="utf-8")
    env = {
        **editor_env(),
        "KNL_SNIPPET": str(tmp_path / "kerasnanlint.lua"),
        "KNL_FILE": str(tmp_path / "tune.py"),
        "KNL_OUT": str(tmp_path / "out.json"),
        "KNL_FIX_CODE": "KNL401",
    }
    harness = ROOT / "tests" / "data" / "editors" / "neovim.lua"
    assert NVIM is not None
    run = subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {harness}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert (tmp_path / "out.json").exists(), run.stdout + run.stderr
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert "error" not in out, out.get("error")
    assert out["encoding"] == "utf-16"

    line = TUNE.splitlines()[5]
    start = line.index('hp.Float("lr"')  # a code-point column: the emoji and "é" come before it
    end = line.index(")", start) + 1
    knl401 = {"code": "KNL401", "lnum": 5, "col": len(line[:start].encode()), "end_col": len(line[:end].encode())}
    knl304 = {"code": "KNL304", "lnum": 11, "col": 8, "end_col": len(TUNE.splitlines()[11])}
    # What Neovim shows (byte columns it converted from the server's UTF-16 ones) ...
    assert sorted(out["diagnostics"], key=lambda d: d["code"]) == [knl304, knl401]
    # ... and what the server sent: UTF-16 units, one more than code points for the emoji.
    [sent] = [d for d in out["published"] if d["code"] == "KNL401"]
    assert sent["range"] == {"start": {"line": 5, "character": start + 1}, "end": {"line": 5, "character": end + 1}}

    assert out["applied"] == 'KNL401: Sample the learning rate with sampling="log"'
    assert "Suppress KNL401 with # noqa" in out["titles"]
    assert out["cleared"] is True
    assert out["lines"][5] == FIXED_LINE.rstrip("\n")
    assert out["lines"] == TUNE.replace(TUNE.splitlines(keepends=True)[5], FIXED_LINE).splitlines()
    assert out["after"] == ["KNL304"]


# --- Helix and VS Code: their commands and options, spoken to over stdio -------------------------------------------


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(stream: Any) -> dict[str, Any]:
    length = 0
    while (header := stream.readline().strip()) != b"":
        name, _, value = header.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(stream.read(length))


def converse(argv: list[str], options: Any, root: Path) -> dict[str, Any]:
    """Start ``argv`` as an editor would, initialize with ``options``, open tune.py, wait for its diagnostics, ask
    for its fix-all action, then shut down: the initialize result, the diagnostics, the actions and the exit code."""
    uri = (root / "tune.py").as_uri()
    server = subprocess.Popen(
        argv, cwd=root, env=editor_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    watchdog = threading.Timer(120, server.kill)  # a hung server ends the reads (EOF) rather than the test run
    watchdog.start()
    assert server.stdin is not None and server.stdout is not None
    out: dict[str, Any] = {}

    def send(message: dict[str, Any]) -> None:
        assert server.stdin is not None
        server.stdin.write(_frame({"jsonrpc": "2.0", **message}))
        server.stdin.flush()

    def until(wanted: Any) -> dict[str, Any]:
        while not wanted(message := _read(server.stdout)):
            pass
        return message

    def answer(request_id: int) -> Any:
        return until(lambda m: m.get("id") == request_id and "method" not in m)["result"]

    try:
        params = {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, "initializationOptions": options}
        send({"id": 1, "method": "initialize", "params": params})
        out["initialize"] = answer(1)
        send({"method": "initialized", "params": {}})
        document = {"uri": uri, "languageId": "python", "version": 1, "text": TUNE}
        send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        published = until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        out["diagnostics"] = published["params"]["diagnostics"]
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": 12, "character": 0}}
        context = {"diagnostics": [], "only": ["source.fixAll"]}
        action_params = {"textDocument": {"uri": uri}, "range": whole, "context": context}
        send({"id": 2, "method": "textDocument/codeAction", "params": action_params})
        out["actions"] = answer(2)
        send({"id": 3, "method": "shutdown"})
        answer(3)
        send({"method": "exit"})
        out["code"] = server.wait(timeout=30)
        return out
    finally:
        watchdog.cancel()
        if server.poll() is None:
            server.kill()
        server.communicate()


def test_helix_snippet(tmp_path: Path) -> None:
    config = tomllib.loads(snippet("toml"))
    server = config["language-server"]["kerasnanlint"]
    [python] = [lang for lang in config["language"] if lang["name"] == "python"]
    assert "kerasnanlint" in python["language-servers"]
    options = server.get("config")  # Helix sends it as initializationOptions
    assert parse_editor_settings(options, all_rules())[1] == []
    out = converse([server["command"], *server["args"]], options, tmp_path)
    assert out["initialize"]["serverInfo"]["name"] == "kerasnanlint"
    severities = {d["code"]: d["severity"] for d in out["diagnostics"]}
    assert severities == {"KNL401": 2, "KNL304": 2}  # KNL304 is info (3) but for the snippet's config
    [action] = out["actions"]
    assert action["kind"] == FIX_ALL
    assert out["code"] == 0


def test_vscode_snippet(tmp_path: Path) -> None:
    settings = json.loads(snippet("json"))
    assert "python" in settings["glspc.server.languageId"]
    options = settings.get("glspc.server.initializationOptions")
    assert parse_editor_settings(options, all_rules())[1] == []
    assert settings["editor.codeActionsOnSave"] == {FIX_ALL: "explicit"}  # the kind the server's action has
    argv = [settings["glspc.server.command"], *settings["glspc.server.commandArguments"]]
    out = converse(argv, options, tmp_path)
    assert FIX_ALL in out["initialize"]["capabilities"]["codeActionProvider"]["codeActionKinds"]
    assert sorted(d["code"] for d in out["diagnostics"]) == ["KNL304", "KNL401"]
    [action] = out["actions"]
    [change] = action["edit"]["documentChanges"]
    assert [e["newText"] for e in change["edits"]] == [FIXED_LINE]
    assert out["code"] == 0
