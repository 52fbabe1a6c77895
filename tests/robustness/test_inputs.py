"""Hostile input: each reproducer ends in a finding or a clear message, never a traceback, and the other files of
the run are still linted."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from kerasnanlint.cache import Cache
from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Analysis, Diagnostic, Severity
from tests.helpers import run_cli

GOOD = "import keras\nimport numpy as np\nx = 1.0\nm = x == np.nan\n"


def lint_folder(root: Path, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr; concise output, one `path:line:col: CODE ...` line per finding."""
    proc = run_cli("--no-cache", "--output-format", "concise", *args, ".", cwd=root)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def test_floats_that_overflow_where_an_int_is_expected(tmp_path: Path) -> None:
    (tmp_path / "ovf.py").write_text(
        "import keras\n\ndef build(hp):\n    hp.Int('u', min_value=1e309, max_value=2)\n"
        "    hp.Float('lr', 1e-400, 1e309)\n    return keras.layers.Dense(1e309)\n"
    )
    (tmp_path / "good.py").write_text(GOOD)
    rc, out, _ = lint_folder(tmp_path)
    assert rc == 1
    assert "good.py:4:5: KNL107" in out and "ovf.py:4:5: KNL403" in out and "internal error" not in out


def test_utf7_text_with_a_lone_surrogate(tmp_path: Path) -> None:
    (tmp_path / "u7.py").write_bytes(b'# coding: utf-7\nimport keras\nx = "+2D0-"\n')
    (tmp_path / "good.py").write_text(GOOD)
    rc, out, _ = lint_folder(tmp_path)
    assert rc == 1
    assert "u7.py:3:1: KNL000" in out and "lone surrogate" in out and "good.py:4:5: KNL107" in out


def test_the_api_and_a_lone_surrogate() -> None:
    from kerasnanlint import lint_source

    [found] = lint_source(b'# coding: utf-7\nimport keras\nx = "+2D0-"\n', "u7.py")
    assert found.rule == "KNL000"
    [found] = lint_source('import keras\nx = "\ud83d"\n', "s.py")
    assert found.rule == "KNL000"


@pytest.mark.parametrize(
    ("toml", "message"),
    [("tool = 1\n", "`tool` must be a table"), ("a = " + "[" * 50000 + "]" * 50000 + "\n", "nested too deeply")],
)
def test_a_broken_pyproject(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "good.py").write_text(GOOD)
    rc, _, err = lint_folder(tmp_path)
    assert rc == 2 and message in err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab"])
def test_a_file_name_that_is_not_utf8(tmp_path: Path, fmt: str) -> None:
    (tmp_path / os.fsdecode(b"bad\xff.py")).write_text(GOOD)
    rc, out, _ = lint_folder(tmp_path, "--format", fmt)
    assert rc == 1 and "KNL107" in out
    if fmt == "sarif":
        [result] = json.loads(out)["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad%FF.py"


def test_a_bug_in_a_rule_is_a_finding_for_that_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import dataclasses

    from kerasnanlint import registry
    from kerasnanlint.runner import lint_paths

    def broken(ctx: object) -> None:
        raise ZeroDivisionError("boom")

    registry.load_checks()
    rule = dataclasses.replace(registry.RULES["KNL107"], check=broken)
    monkeypatch.setitem(registry.RULES, "KNL107", rule)
    monkeypatch.delenv("KERASNANLINT_DEBUG", raising=False)
    (tmp_path / "a.py").write_text(GOOD)
    found = lint_paths([tmp_path / "a.py"], Settings(), use_cache=False).diagnostics
    assert [d.rule for d in found] == ["KNL000"]
    assert "internal error: ZeroDivisionError: boom" in found[0].message


# --- --fix and the file's identity ------------------------------------------------------------------------
def test_fix_refuses_a_write_protected_file(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text(GOOD)
    f.chmod(0o444)
    proc = run_cli("--no-cache", "--fix", "f.py", cwd=tmp_path)
    assert proc.returncode == 1 and "not fixed: permission denied" in proc.stderr
    assert "Traceback" not in proc.stderr and f.read_text() == GOOD


def test_fix_keeps_hard_links_mode_and_owner(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text(GOOD)
    f.chmod(0o640)
    link = tmp_path / "g.py"
    os.link(f, link)
    if os.geteuid() == 0:
        os.chown(f, 65534, 65534)
    before = f.stat()
    proc = run_cli("--no-cache", "--fix", "f.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = f.stat()
    assert link.read_text().endswith("m = np.isnan(x)\n") and after.st_ino == link.stat().st_ino
    assert stat.S_IMODE(after.st_mode) == 0o640 and (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_fix_keeps_the_owner_of_a_renamed_file(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another owner")
    f = tmp_path / "f.py"
    f.write_text(GOOD)
    os.chown(f, 65534, 65534)
    assert run_cli("--no-cache", "--fix", "f.py", cwd=tmp_path).returncode == 0
    assert (f.stat().st_uid, f.stat().st_gid) == (65534, 65534) and f.read_text().endswith("np.isnan(x)\n")


def test_an_os_error_while_writing_is_a_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from kerasnanlint import fix_cli
    from kerasnanlint.runner import lint_paths

    f = tmp_path / "f.py"
    f.write_text(GOOD)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fix_cli.tempfile, "mkstemp", full)
    run = lint_paths([f], Settings(), use_cache=False)
    fixed = fix_cli.fix_paths(run.diagnostics, Settings(), unsafe=False, digests=run.digests)
    assert fixed.refused == 1 and "not fixed: No space left on device" in fixed.messages[0]
    assert f.read_text() == GOOD


# --- the cache --------------------------------------------------------------------------------------------
def _entry(tmp_path: Path) -> tuple[Cache, str, Path]:
    cache = Cache(tmp_path, "fp")
    found = Diagnostic("KNL107", "nan-equality", Severity.WARNING, "a.py", 4, 5, 4, 16, "m")
    key = Cache.key("a.py", b"x")
    cache.put(key, Analysis([found], {"names": {}, "stars": []}, {}))
    return cache, key, cache.folder / key[:2] / key


def test_a_cache_entry_round_trips(tmp_path: Path) -> None:
    cache, key, _ = _entry(tmp_path)
    got = cache.get(key)
    assert got is not None and got.diagnostics[0].rule == "KNL107"


def test_every_single_byte_corruption_of_a_cache_entry_is_a_miss(tmp_path: Path) -> None:
    cache, key, path = _entry(tmp_path)
    data = path.read_bytes()
    for i in range(0, len(data), 3):
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1 :])
        assert cache.get(key) is None, i


@pytest.mark.parametrize("body", [b"[]", b'{"diagnostics": 1, "summary": null, "demands": {}}', b"null"])
def test_a_cache_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, body: bytes) -> None:
    import hashlib

    cache, key, path = _entry(tmp_path)
    path.write_bytes(hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b"\n" + body)
    assert cache.get(key) is None


# --- what is read, and where output goes -------------------------------------------------------------------
def test_fifos_and_devices_are_skipped_with_a_note(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "z.py").symlink_to("/dev/zero")
    (tmp_path / "good.py").write_text(GOOD)
    proc = run_cli("--no-cache", ".", cwd=tmp_path)
    assert proc.returncode == 1 and " --> good.py:4:5\n" in proc.stdout
    assert "x.py: skipped: not a regular file (a FIFO)" in proc.stderr
    assert "z.py: skipped: not a regular file (a device)" in proc.stderr
    named = run_cli("--no-cache", "x.py", cwd=tmp_path)
    assert named.returncode == 0 and "skipped" in named.stderr


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kerasnanlint]\nper-file-size-limit = 0.001\n")
    (tmp_path / "big.py").write_text(GOOD + "# padding\n" * 200)
    (tmp_path / "good.py").write_text(GOOD)
    rc, out, _ = lint_folder(tmp_path)
    assert "big.py:1:1: KNL000" in out and "over the per-file size limit of 0.001 MB" in out
    assert "good.py:4:5: KNL107" in out and rc == 1


def test_jobs_are_capped_at_the_cores(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    proc = run_cli("--no-cache", "--jobs", "500", ".", cwd=tmp_path)
    assert proc.returncode == 1 and "--jobs 500 capped at the" in proc.stderr


def test_closed_standard_input_and_a_full_device(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "good.py").write_text(GOOD)
    cmd = [sys.executable, "-m", "kerasnanlint", "--no-cache"]
    closed = subprocess.run([*cmd, "-"], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert "Traceback" not in closed.stderr
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*cmd, "good.py"], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2 and "cannot write the output: No space left on device" in proc.stderr


def test_no_cache_is_written_inside_a_tree_without_a_project(tmp_path: Path) -> None:
    tree, here = tmp_path / "site-packages" / "lib", tmp_path / "work"
    tree.mkdir(parents=True)
    here.mkdir()
    (tree / "good.py").write_text(GOOD)
    assert run_cli(str(tree), cwd=here).returncode == 1
    assert not (tree / ".kerasnanlint_cache").exists() and (here / ".kerasnanlint_cache").is_dir()


def test_python_m_does_not_import_the_projects_own_modules(tmp_path: Path) -> None:
    (tmp_path / "tomllib.py").write_text("raise SystemExit('the project tomllib was imported')\n")
    (tmp_path / "libcst.py").write_text("raise SystemExit('the project libcst was imported')\n")
    (tmp_path / "good.py").write_text(GOOD)
    rc, out, _ = lint_folder(tmp_path)
    assert rc == 1 and "good.py:4:5: KNL107" in out


# --- bounded time -----------------------------------------------------------------------------------------
def _slow_rule(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """KNL107's check takes ``seconds`` on a file whose text says "slow" (workers are forked: they see this)."""
    import dataclasses
    import time

    from kerasnanlint import registry

    registry.load_checks()
    original = registry.RULES["KNL107"].check

    def slow(ctx) -> None:  # type: ignore[no-untyped-def]
        if "slow" in ctx.source:
            time.sleep(seconds)
        original(ctx)

    monkeypatch.setitem(registry.RULES, "KNL107", dataclasses.replace(registry.RULES["KNL107"], check=slow))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_over_the_time_limit_is_a_finding_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: int
) -> None:
    from kerasnanlint.runner import lint_paths

    _slow_rule(monkeypatch, 120)
    (tmp_path / "a_slow.py").write_text(GOOD + "# slow\n")
    for i in range(3):
        (tmp_path / f"b{i}.py").write_text(GOOD)
    result = lint_paths([tmp_path], Settings(per_file_timeout=3), jobs=jobs, use_cache=False)
    by_file = {Path(d.path).name: d for d in result.diagnostics}
    assert by_file["a_slow.py"].rule == "KNL000" and "took longer than 3 s" in by_file["a_slow.py"].message
    assert all(by_file[f"b{i}.py"].rule == "KNL107" for i in range(3))


def test_a_worker_that_dies_is_a_finding_and_the_run_goes_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import dataclasses

    from kerasnanlint import registry
    from kerasnanlint.runner import lint_paths

    registry.load_checks()
    original = registry.RULES["KNL107"].check

    def crash(ctx) -> None:  # type: ignore[no-untyped-def]
        if "crash" in ctx.source:
            os._exit(9)  # as a segfault in native code would: no exception to catch
        original(ctx)

    monkeypatch.setitem(registry.RULES, "KNL107", dataclasses.replace(registry.RULES["KNL107"], check=crash))
    (tmp_path / "a.py").write_text(GOOD + "# crash\n")
    (tmp_path / "b.py").write_text(GOOD)
    found = {Path(d.path).name: d for d in lint_paths([tmp_path], Settings(), jobs=1, use_cache=False).diagnostics}
    assert found["a.py"].rule == "KNL000" and "its worker died" in found["a.py"].message
    assert found["b.py"].rule == "KNL107"


def test_per_file_timeout_flag(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    assert run_cli("--no-cache", "--per-file-timeout", "30", ".", cwd=tmp_path).returncode == 1
    bad = run_cli("--no-cache", "--per-file-timeout", "nan", ".", cwd=tmp_path)
    assert bad.returncode == 2 and "--per-file-timeout must be a positive number" in bad.stderr


def test_the_cache_is_pruned_by_age(tmp_path: Path) -> None:
    import time

    from kerasnanlint.cache import DAY

    cache, key, path = _entry(tmp_path)
    old_version = cache.top / "0.0.1-old" / "fp" / "aa"
    old_version.mkdir(parents=True)
    (old_version / "entry").write_text("x")
    now = time.time()
    os.utime(cache.top / "0.0.1-old", (now - 2 * DAY, now - 2 * DAY))
    stale = path.parent / "stale"
    stale.write_text("x")
    os.utime(stale, (now - 31 * DAY, now - 31 * DAY))
    cache.prune(now)
    assert not (cache.top / "0.0.1-old").exists() and not stale.exists() and cache.get(key) is not None
    (cache.top / "0.0.1-new").mkdir()
    os.utime(cache.top / "0.0.1-new", (now - 2 * DAY, now - 2 * DAY))
    cache.prune(now)  # pruned less than a day ago: nothing to do until tomorrow
    assert (cache.top / "0.0.1-new").exists()
