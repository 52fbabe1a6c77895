"""A valid file is never KNL000 because of its size or nesting: long sums and deeply nested calls are analysed."""

from __future__ import annotations

import sys

from kerasnanlint import lint_source
from kerasnanlint.config import Settings
from kerasnanlint.fix import fix_text

TAIL = "y = x == np.nan\n"  # a finding after the deep expression proves the file was analysed to its end


def program(expression: str) -> str:
    return f"import keras\nimport numpy as np\nx = {expression}\n{TAIL}"


def test_a_thousand_term_sum_is_linted() -> None:
    found = lint_source(program(" + ".join(["1"] * 1000)), "sum.py")
    assert [(d.rule, d.line) for d in found] == [("KNL107", 4)]


def test_deeply_nested_calls_are_linted() -> None:
    found = lint_source(program("f(" * 400 + "x" + ")" * 400), "nested.py")
    assert [(d.rule, d.line) for d in found] == [("KNL107", 4)]


def test_fixing_a_long_sum_keeps_the_sum() -> None:
    text = program(" + ".join(["1.5"] * 1000))
    result = fix_text(text, None, Settings(), path="sum.py")
    assert result.text == text.replace("x == np.nan", "np.isnan(x)")
    assert not result.remaining


def test_the_recursion_limit_is_raised_only_for_the_analysis() -> None:
    before = sys.getrecursionlimit()
    lint_source(program(" + ".join(["1"] * 1000)), "sum.py")
    assert sys.getrecursionlimit() == before


def test_a_null_byte_is_a_syntax_error_as_in_cpython() -> None:
    # found by tests/robustness/test_fuzz.py: LibCST parses it, and the NUL inside a string broke the analysis
    [found] = lint_source('import keras\nm.compile(loss=["\x00mse"])\n', "nul.py")
    assert (found.rule, found.line, found.col) == ("KNL000", 2, 18)
    assert found.message == "syntax error: source code cannot contain null bytes"
