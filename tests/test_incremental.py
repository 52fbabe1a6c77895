"""Reparsing by top-level statements (kerasnanlint/incremental.py): the assembled module is the full parse's, node
for node and offset for offset, and an edit reparses only what it touched."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from kerasnanlint import engine, incremental
from kerasnanlint.config import Settings
from kerasnanlint.incremental import StatementCache
from kerasnanlint.positions import Spans, spans_of
from tests.helpers import ROOT, RULES

TRICKY = {
    "docstring with column-0 lines": 'import keras\n"""Doc.\n\nx = 1\ndef f(): pass\n"""\ny = 2\n',
    "clauses at column 0": (
        "if a:\n    x = 1\nelse:\n    x = 2\ntry:\n    pass\nexcept E:\n    pass\nfinally:\n    z = 3\n"
    ),
    "decorators": "@dec\n@dec2(\n    1)\ndef f():\n    pass\n\n\n@dec\nclass C:\n    pass\n",
    "brackets with column-0 lines": "x = [\n1,\n2,\n]\ny = {\n'a':\n1}\nz = f(\na)\n",
    "backslash": "x = 1 + \\\n2\ny = 3\n",
    "escaped quotes": "s = '''a\\'''\nb = 1\n'''\nt = \"\"\"x\\\"\"\"\nc = 2\n\"\"\"\nu = 1\n",
    "comments between statements": (
        "x = 1\n# one\n\n# two\ny = 2\ndef f():\n    a = 1\n    # inside\n# outside\n\ng = 1\n"
    ),
    "same statement twice": "x = 1\nx = 1\nx = 1\ndef f():\n    return 1\ndef f():\n    return 1\n",
    "no final newline": "x = 1\ny = 2",
    "crlf": "x = 1\r\ndef f():\r\n    return 1\r\ny = 2\r\n",
    "two-space indent first": "def f():\n  return 1\ndef g():\n    return 2\n",
    "tabs": "def f():\n\treturn 1\ndef g():\n\treturn 2\n",
    "header comments": "#!/usr/bin/env python\n# coding: utf-8\n\n\nimport keras\nx = 1\n",
    "only comments": "# a\n# b\n",
    "form feed": "x = 1\n\x0c\ny = 2\n",
    "async and match": "async def f():\n    await g()\nmatch x:\n    case 1:\n        pass\n",
}


def _walk_equal(full: cst.CSTNode, full_spans: Spans, mine: cst.CSTNode, my_spans: Spans) -> None:
    assert full_spans.get(full) == my_spans.get(mine), (type(full).__name__, full_spans.get(full), my_spans.get(mine))
    a, b = full.children, mine.children
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        _walk_equal(x, full_spans, y, my_spans)


def _assert_same_as_full_parse(text: str, cache: StatementCache) -> bool:
    """True when the cache assembled the module (it may refuse, and the caller parses it whole)."""
    full = cst.parse_module(text)
    reused = cache.parse(text)
    if reused is None:
        return False
    module, spans = reused
    assert module.code == text
    assert module.deep_equals(full)
    assert (module.default_indent, module.default_newline) == (full.default_indent, full.default_newline)
    _walk_equal(full, spans_of(full), module, spans)
    return True


@pytest.fixture(autouse=True)
def _every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "MIN_LINES", 0)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_texts_assemble_as_the_full_parse(name: str) -> None:
    text = TRICKY[name]
    if _assert_same_as_full_parse(text, StatementCache()):
        return
    assert name in {"two-space indent first", "only comments"}  # the only ones allowed to fall back


def _corpus() -> list[Path]:
    files = [*RULES.glob("*/*.py"), *(ROOT / "examples").glob("*.py"), *(ROOT / "kerasnanlint").rglob("*.py")]
    try:
        import keras_tuner  # real code we did not write, when the runtime extra is installed

        files += sorted(Path(keras_tuner.__file__).parent.rglob("*.py"))
    except ImportError:
        pass
    return sorted(files)


def test_real_files_assemble_as_the_full_parse() -> None:
    cache = StatementCache()
    assembled = 0
    for path in _corpus():
        assembled += _assert_same_as_full_parse(path.read_text(encoding="utf-8"), cache)
    assert assembled >= 0.95 * len(_corpus())


def _blocks(n: int) -> str:
    block = (
        "def build_{i}(hp):\n"
        "    model = keras.Sequential([keras.layers.Dense(1, activation='sigmoid')])\n"
        "    model.compile(optimizer=keras.optimizers.Adam(hp.Float('lr_{i}', 1e-4, 1e-2)), loss='mse')\n"
        "    return model\n\n\n"
    )
    return "import keras\n\n\n" + "".join(block.format(i=i) for i in range(n))


def test_an_edit_reparses_only_the_statement_it_touched() -> None:
    cache = StatementCache()
    text = _blocks(60)
    assert _assert_same_as_full_parse(text, cache)
    first = cache.parsed
    edited = text.replace("hp.Float('lr_30'", "hp.Float('lr_x'")
    assert _assert_same_as_full_parse(edited, cache)
    assert cache.parsed == first + 1
    assert _assert_same_as_full_parse(edited + "x = 1\n", cache)  # a statement added at the end: one more piece
    assert cache.parsed == first + 2


def test_a_text_that_does_not_parse_is_left_to_the_full_parse() -> None:
    assert StatementCache().parse(_blocks(3) + "def broken(:\n    pass\n") is None


def test_findings_are_the_same_with_and_without_reuse() -> None:
    settings = Settings(extend_select=("KNL206",))
    texts = [p.read_text(encoding="utf-8") for p in sorted(RULES.glob("*/flagged.py"))] + [_blocks(30)]
    try:
        for text in texts:
            engine.reuse_statements(None)
            alone = engine.analyse(text, "t.py", settings).diagnostics
            engine.reuse_statements(StatementCache())
            engine.analyse(text + "\n# warm\n", "t.py", settings)
            assert engine.analyse(text, "t.py", settings).diagnostics == alone
    finally:
        engine.reuse_statements(None)
