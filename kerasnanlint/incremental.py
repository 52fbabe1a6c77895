"""Reparse only what an edit touched: top-level statements parsed once and reused between lints of a document.

An editor lints the same document after every pause in typing. LibCST parses about 3,500 lines a second here, so
a full parse of a 1,000-line file alone takes longer than the whole budget for fresh diagnostics. A keystroke
changes one top-level statement: the text is cut where top-level statements start, each piece is parsed alone
(and remembered by its text), and the module is assembled from the pieces. Node positions are kept per piece
too (kerasnanlint/positions.py counts them by code generation, as costly as the parse) and shifted by where the
piece starts.

The assembled module is the one a full parse gives: the same nodes, the same code (tests compare both on every
file they have). A cut falls only where a line starts at column 0 with code, outside a triple-quoted string, and
not with ``else``, ``elif``, ``except`` or ``finally``. A piece that still ends inside a bracket or a string does
not parse, and is merged with the next one. The blank and comment lines a piece ends with (its module footer)
are the leading lines of the next statement in a full parse, and are moved there. A file whose pieces detect
different indentation or newlines, or that splits badly, returns None: the caller parses it whole.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import libcst as cst

from kerasnanlint.positions import Spans, spans_of
from kerasnanlint.source import STRING_LEXEME

# A line that may start a top-level statement: column 0, not a comment, not a clause of the statement before it.
_CUT = re.compile(r"^(?=[^ \t\f#\r\n])(?!(?:else|elif|except|finally)\b)", re.MULTILINE)

MIN_LINES = 200  # below this a full parse is fast enough: reuse would only add risk
MAX_MERGES = 16  # pieces that did not parse alone in a row: past this, the whole text is parsed instead


@dataclass
class _Piece:
    module: cst.Module
    spans: Spans  # node -> (start, end), offsets within the piece
    indented: bool  # it holds an indented block (whose indent is the piece's default_indent when None)
    shifted: tuple[int, Spans] | None = None  # the spans shifted to where the piece last started in its file

    def spans_at(self, offset: int) -> Spans:
        """The spans shifted to start at ``offset``: kept, since an edit moves only the pieces after it."""
        if self.shifted is None or self.shifted[0] != offset:
            self.shifted = (offset, {n: (s + offset, e + offset) for n, (s, e) in self.spans.items()})
        return self.shifted[1]


class StatementCache:
    """Parsed pieces by their text (and which of the equal pieces of a text it is), least recently used first
    out; thread-safe (one lock around each parse)."""

    def __init__(self, max_pieces: int = 20_000) -> None:
        self.max_pieces = max_pieces
        self._pieces: OrderedDict[tuple[str, int], _Piece] = OrderedDict()
        self._lock = threading.Lock()
        self.parsed = 0  # pieces parsed (not reused) since creation: what tests and the benchmark look at

    def parse(self, text: str) -> tuple[cst.Module, Spans] | None:
        """The module of ``text`` and its nodes' offsets, from reused pieces where the text is unchanged; None
        when the text is small or does not split cleanly (the caller then parses it whole)."""
        if text.count("\n") < MIN_LINES:
            return None
        with self._lock:
            try:
                pieces = self._pieces_of(text)
            except (cst.ParserSyntaxError, RecursionError, MemoryError):
                return None
            return _assemble(pieces) if pieces else None

    def _pieces_of(self, text: str) -> list[tuple[str, _Piece]] | None:
        starts = _cuts(text)
        out: list[tuple[str, _Piece]] = []
        seen: dict[str, int] = {}  # a piece's text -> times seen: equal statements must still be distinct nodes
        start = merges = 0
        for end in [*starts[1:], len(text)]:
            piece_text = text[start:end]
            nth = seen[piece_text] = seen.get(piece_text, -1) + 1
            piece = self._piece(piece_text, nth, last=end == len(text))
            if piece is None:  # ends inside a bracket or string: the next piece starts here too
                merges += 1
                if merges > MAX_MERGES:
                    return None
                continue
            out.append((piece_text, piece))
            start, merges = end, 0
        return out

    def _piece(self, piece_text: str, nth: int, *, last: bool) -> _Piece | None:
        key = (piece_text, nth)
        piece = self._pieces.get(key)
        if piece is not None:
            self._pieces.move_to_end(key)
            return piece
        try:
            module = cst.parse_module(piece_text)
        except cst.ParserSyntaxError:
            if last:
                raise  # the text does not parse: the full parse reports the error
            return None
        self.parsed += 1
        spans = spans_of(module)
        piece = self._pieces[key] = _Piece(module, spans, any(type(n) is cst.IndentedBlock for n in spans))
        while len(self._pieces) > self.max_pieces:
            self._pieces.popitem(last=False)
        return piece


def _cuts(text: str) -> list[int]:
    """Where pieces may start: 0, then each column-0 code line after the first, outside a triple-quoted string."""
    hidden = _triple_quoted(text)
    cuts = []
    for m in _CUT.finditer(text):
        at = m.start()
        while hidden and hidden[0][1] <= at:
            hidden.pop(0)
        if not (hidden and hidden[0][0] < at):
            cuts.append(at)
    cuts[:1] = [0]  # the first piece holds the file's header (comments before the first statement) too
    return cuts


def _triple_quoted(text: str) -> list[tuple[int, int]]:
    """(start, end) of each triple-quoted string, in order; a scan that skips comments and one-line strings."""
    out: list[tuple[int, int]] = []
    pos = 0
    while (m := STRING_LEXEME.search(text, pos)) is not None:
        quote = m.group("triple")
        if quote is None:
            pos = m.end()
            continue
        end = m.end()
        while True:
            end = text.find(quote, end)
            if end < 0:
                return [*out, (m.start(), len(text))]
            escape = end
            while text[escape - 1] == "\\":
                escape -= 1
            if (end - escape) % 2 == 0:  # not an escaped quote
                break
            end += 1
        out.append((m.start(), end + 3))
        pos = end + 3
    return out


def _assemble(pieces: list[tuple[str, _Piece]]) -> tuple[cst.Module, Spans] | None:
    first = pieces[0][1].module
    indent = next((p.module.default_indent for _, p in pieces if p.indented), first.default_indent)
    newline = first.default_newline
    body: list[cst.BaseStatement] = []
    spans: Spans = {}
    offset = 0
    carried: list[cst.EmptyLine] = []  # the footer of the piece before: the next statement's leading lines
    for i, (piece_text, piece) in enumerate(pieces):
        module = piece.module
        if (piece.indented and module.default_indent != indent) or module.default_newline != newline:
            return None  # its nodes would print with the wrong defaults
        if i > 0 and (module.header or not module.body):
            return None  # a piece starts with a statement: anything else means the cut was not one
        spans.update(piece.spans_at(offset))
        statements = list(module.body)
        if carried:
            head = statements[0]
            statements[0] = head.with_changes(leading_lines=[*carried, *head.leading_lines])
            spans[statements[0]] = spans[head]
        body.extend(statements)
        carried = list(module.footer)
        offset += len(piece_text)
    last = pieces[-1][1].module
    assembled = first.with_changes(
        body=body,
        footer=carried,
        default_indent=indent,
        has_trailing_newline=last.has_trailing_newline,
    )
    spans[assembled] = (0, offset + (0 if last.has_trailing_newline else 1))
    return assembled, spans
