"""Node positions without LibCST's PositionProvider.

PositionProvider re-generates the module's code while splitting every token on newlines and building a
CodePosition per node: about 1.3x the parse. Code generation reproduces the source exactly, so counting
characters is enough: this records (start, end) character offsets per node and turns only the offsets that are
asked for into lines and columns. Same ranges as PositionProvider (syntactic positions, not whitespace-inclusive).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")


class _Syntactic:
    """``with state.record_syntactic_position(node, ...)``: a plain object is cheaper than a generator."""

    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(self, state: _OffsetState, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *exc: object) -> None:
        spans = self.state.spans
        start = spans[self.start_node][0] if self.start_node is not None else self.start
        end = spans[self.end_node][1] if self.end_node is not None else self.state.offset
        spans[self.node] = (start, end)


@dataclass(frozen=False)
class _OffsetState(CodegenState):
    offset: int = 0
    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def pop_trailing_newline(self) -> None:
        pass  # like PositionProvider, the last Newline keeps its end on the line after: offsets need the token

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if node not in self.spans:
            self.spans[node] = (start, self.offset)

    def record_syntactic_position(  # type: ignore[override]
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


Spans = dict[cst.CSTNode, tuple[int, int]]


def spans_of(module: cst.Module) -> Spans:
    """(start, end) character offsets of every node of ``module``, by generating its code."""
    state = _OffsetState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    return state.spans


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """node -> CodeRange (1-based lines, 0-based columns) for every node of ``module``, computed on first use, or
    from ``spans`` already known (kerasnanlint/incremental.py keeps them per top-level statement)."""

    def __init__(self, module: cst.Module, text: str | None = None, spans: Spans | None = None) -> None:
        self._module = module
        self._text = text  # the text parsed (None: generated from the module when needed)
        self._spans = spans
        self._line_starts: list[int] | None = None

    def _ensure(self) -> Spans:
        if self._spans is None:
            self._spans = spans_of(self._module)
        if self._line_starts is None:
            text = self._module.code if self._text is None else self._text
            if not text.endswith(("\n", "\r")):  # code generation ends the last line, which the file may not
                text += "\n"
            self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        return self._spans

    def _position(self, offset: int) -> CodePosition:
        starts = self._line_starts
        assert starts is not None
        line = bisect.bisect_right(starts, offset)
        return CodePosition(line, offset - starts[line - 1])

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        """(start, end) character offsets of ``node`` (cheap containment tests between nodes)."""
        return self._ensure()[node]

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._ensure()[node]
        return CodeRange(self._position(start), self._position(end))

    def __contains__(self, node: object) -> bool:
        return node in self._ensure()

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._ensure())

    def __len__(self) -> int:
        return len(self._ensure())
