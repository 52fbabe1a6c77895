"""The fast walk in semantics/module.py must collect exactly what a plain ``CSTVisitor`` walk collects."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest

from kerasnanlint.semantics import module as facts_module
from kerasnanlint.semantics.module import _Collector, descendants, walk

ROOT = Path(__file__).resolve().parents[1]

TRICKY = """
import keras
from keras import layers as L
@deco(f(1))
def g(a, b=h(2), /, c: k(3) = 4, *args, d=m(5), **kw) -> n(6):
    x = [p(i) for i in q(7) if r(i) == s(8)]
    y = {t(k): u(v) for k, v in w()}
    z = (aa() if bb() else cc())
    with dd() as (e1, e2), ff() as gg:
        pass
    try:
        hh()
    except ii(jj()) as err:
        kk()
    finally:
        ll()
    lam = lambda o=mm(): nn(o) != oo()
    f"{pp(1):{qq()}}"
    match rr():
        case [ss, *tt] if uu(ss):
            vv()
    return ww(*args, key=xx(), **kw)
class C(keras.Model, metaclass=yy(zz())):
    @property
    def m(self):
        a, b = 1, 2
        a += 1
        if (n := self.f()) > 2:
            return a < b
"""


def _corpus() -> list[tuple[str, str]]:
    out = [("tricky", TRICKY)]
    for folder in ("examples", "rules", "tests/data"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            out.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return out


def _snapshot(value: object, seen: dict[int, int]) -> object:
    """A comparable picture of collected facts: nodes by identity, containers and dataclasses by content."""
    if isinstance(value, cst.CSTNode):
        return ("node", id(value))
    if isinstance(value, dict):
        return {k: _snapshot(v, seen) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_snapshot(v, seen) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(map(repr, value))
    if dataclasses.is_dataclass(value) or hasattr(value, "__dict__"):
        if id(value) in seen:
            return ("ref", seen[id(value)])
        seen[id(value)] = len(seen)
        items = (
            vars(value)
            if not dataclasses.is_dataclass(value)
            else {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        )
        return (type(value).__name__, {k: _snapshot(v, seen) for k, v in items.items()})
    return value


@pytest.mark.parametrize(("name", "source"), _corpus(), ids=lambda x: x if len(x) < 60 else "src")
def test_fast_walk_matches_cst_visitor(name: str, source: str) -> None:
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        pytest.skip("not parsable")
    reference = _Collector(module)
    module.visit(reference)
    fast = _Collector(module)
    walk(module, fast)
    assert _snapshot(vars(fast), {}) == _snapshot(vars(reference), {})


def test_descendants_in_source_order() -> None:
    module = cst.parse_module(TRICKY)
    calls = [n for n in descendants(module, cst.Call)]

    class Calls(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: list[cst.Call] = []

        def visit_Call(self, node: cst.Call) -> None:
            self.found.append(node)

    ref = Calls()
    module.visit(ref)
    assert [id(c) for c in calls] == [id(c) for c in ref.found]
    assert facts_module.collect(module).calls  # collect() goes through the fast walk


@pytest.mark.parametrize(("name", "source"), _corpus(), ids=lambda x: x if len(x) < 60 else "src")
def test_positions_match_position_provider(name: str, source: str) -> None:
    from libcst.metadata import MetadataWrapper, PositionProvider

    from kerasnanlint.positions import Positions

    for text in (source, source.replace("\n", "\r\n"), source.rstrip("\n")):
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            pytest.skip("not parsable")
        reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        ours = Positions(module, text)
        assert len(ours) == len(reference)
        for node, rng in reference.items():
            assert ours[node] == rng, type(node).__name__


def _reference_discover(paths: list[Path], settings) -> list[Path]:
    """discover() as it was before the string-based walk: os.walk plus the Path-based exclusion test."""
    import os

    from kerasnanlint.files import _excluded, _GitIgnore, _gitignore_root

    root = _gitignore_root(settings.root.resolve())
    gitignore = _GitIgnore(root) if settings.respect_gitignore else None
    out, seen = [], set()
    for path in paths:
        if path.is_file():
            if not (settings.force_exclude and _excluded(path, settings, gitignore, root, is_dir=False)):
                if str(path.resolve()) not in seen:
                    seen.add(str(path.resolve()))
                    out.append(path)
            continue
        for folder, dirnames, filenames in os.walk(path):
            here = Path(folder)
            dirnames[:] = sorted(d for d in dirnames if not _excluded(here / d, settings, gitignore, root, is_dir=True))
            for name in sorted(filenames):
                file = here / name
                if name.endswith((".py", ".pyi")) and not _excluded(file, settings, gitignore, root, is_dir=False):
                    if str(file.resolve()) not in seen:
                        seen.add(str(file.resolve()))
                        out.append(file)
    return out


def test_discover_matches_os_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kerasnanlint.config import load_settings
    from kerasnanlint.files import discover

    proj = tmp_path / "proj"
    (proj / ".git").mkdir(parents=True)
    (proj / "pyproject.toml").write_text('[tool.kerasnanlint]\nextend-exclude = ["gen", "pkg/skip_*.py"]\n')
    (proj / ".gitignore").write_text("ign/\n*_ignored.py\n")
    for rel in (
        "a.py",
        "pkg/a.py",
        "pkg/b.py",
        "pkg/skip_me.py",
        "pkg/x_ignored.py",
        "pkg/sub/c.py",
        "pkg/sub/b.py",
        "build/d.py",
        "gen/e.py",
        "ign/f.py",
        ".venv/lib/g.py",
        "other/h.pyi",
        "other/readme.txt",
    ):
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text("import keras\n")
    (proj / "pkg" / ".gitignore").write_text("b.py\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "o.py").write_text("x = 1\n")
    try:
        (proj / "pkg" / "linkdir").symlink_to(proj / "other")
        (proj / "pkg" / "link_a.py").symlink_to(proj / "a.py")
        (proj / "pkg" / "broken.py").symlink_to(tmp_path / "missing.py")
    except OSError:
        pass  # no symlinks on this platform: the rest still counts
    for cwd, args in (
        (proj, ["."]),
        (proj, ["pkg", "pkg/sub/c.py", "gen/e.py", str(tmp_path / "out")]),
        (proj / "pkg", [".", "../other"]),
        (tmp_path, ["proj"]),
    ):
        monkeypatch.chdir(cwd)
        paths = [Path(a) for a in args]
        settings = load_settings(paths[0], None)
        for force in (False, True):
            s = settings.with_(force_exclude=force)
            assert list(discover(paths, s)) == _reference_discover(paths, s)


def test_process_pool_gives_the_serial_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from kerasnanlint.config import Settings
    from kerasnanlint.runner import lint_paths

    for i, path in enumerate(sorted((ROOT / "rules").rglob("flagged.py"))[:12]):
        shutil.copyfile(path, tmp_path / f"f{i}.py")
    (tmp_path / "plain.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path)
    serial = lint_paths([tmp_path], settings, jobs=1, use_cache=False)
    pooled = lint_paths([tmp_path], settings, jobs=2, use_cache=False)
    assert serial.files_checked == pooled.files_checked >= 9
    assert serial.diagnostics == pooled.diagnostics
    assert serial.diagnostics  # the catalogue's flagged examples are flagged


@pytest.mark.parametrize(("name", "source"), _corpus()[:4], ids=lambda x: x if len(x) < 60 else "src")
def test_parent_map_matches_a_visitor(name: str, source: str) -> None:
    from kerasnanlint.semantics.module import _NOT_WALKED, parent_map

    module = cst.parse_module(source)

    class Parents(cst.CSTVisitor):
        def __init__(self) -> None:
            self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
            self.stack: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            if self.stack:
                self.parents[node] = self.stack[-1]
            self.stack.append(node)
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            self.stack.pop()

    ref = Parents()
    module.visit(ref)
    ours = parent_map(module)
    inside_skipped = {n for n in ref.parents if any(isinstance(p, _NOT_WALKED) for p in _ancestors(n, ref.parents))}
    expected = {n: p for n, p in ref.parents.items() if not isinstance(n, _NOT_WALKED) and n not in inside_skipped}
    assert {id(k): id(v) for k, v in ours.items()} == {id(k): id(v) for k, v in expected.items()}


def _ancestors(node: cst.CSTNode, parents: dict[cst.CSTNode, cst.CSTNode]) -> Iterator[cst.CSTNode]:
    while node in parents:
        node = parents[node]
        yield node
