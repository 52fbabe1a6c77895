"""Issue 16, point 4: a responsive Language Server. A stale lint is cancelled, a large document is linted in a
killable worker beside the others (so it never holds their diagnostics back), and the per-file limits apply to
buffers as to files."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from kerasnanlint import engine
from kerasnanlint.cancel import Cancelled, cancellable
from kerasnanlint.config import Settings
from kerasnanlint.lsp import LARGE_DOCUMENT_BYTES
from kerasnanlint.runner import lint_in_project
from kerasnanlint.workers import Pool
from tests.test_lsp import SOURCE, client, open_doc, published  # noqa: F401 (client is a fixture)

BLOCK = """
def build_{i}(hp):
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(hp.Float("lr_{i}", 1e-4, 1e-2)), loss="mse")
    return model
"""


def keras_file(blocks: int) -> str:
    return "import keras\n" + "".join(BLOCK.format(i=i) for i in range(blocks))


def test_a_cancelled_lint_unwinds_instead_of_reporting() -> None:
    event = threading.Event()
    event.set()
    with cancellable(event), pytest.raises(Cancelled):
        engine.analyse(keras_file(3), "t.py")
    assert engine.analyse(keras_file(3), "t.py").diagnostics  # without a token nothing is cancelled


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_cancelled_lint_kills_its_worker_process() -> None:
    pool: Pool[float, float] = Pool(1, _sleep, init=None, limit=None, late=lambda t: -1.0, died=lambda t, w: -2.0)
    event = threading.Event()
    threading.Timer(0.3, event.set).start()
    start = time.monotonic()
    with cancellable(event), pytest.raises(Cancelled):
        pool.map([30.0])
    assert time.monotonic() - start < 10
    assert pool.workers == []


def test_buffers_get_the_per_file_limits(tmp_path: Path) -> None:
    text = keras_file(3).encode()
    small = Settings(root=tmp_path, per_file_size_limit=0.0001)  # 100 bytes
    (found,) = lint_in_project(text, str(tmp_path / "a.py"), small).diagnostics
    assert found.rule == "KNL000" and "per-file size limit" in found.message
    slow = Settings(root=tmp_path, per_file_timeout=0.05)
    (late,) = lint_in_project(keras_file(2000).encode(), str(tmp_path / "b.py"), slow, killable=True).diagnostics
    assert late.rule == "KNL000" and "took longer than 0.05 s" in late.message
    findings = lint_in_project(text, str(tmp_path / "c.py"), Settings(root=tmp_path), killable=True).diagnostics
    assert {d.rule for d in findings} == {"KNL401"}  # a large buffer's worker finds what this process finds


@pytest.mark.asyncio
async def test_a_large_document_does_not_hold_back_the_others(client: LanguageClient, tmp_path: Path):  # noqa: F811
    big = keras_file(4000)
    assert len(big) > 4 * LARGE_DOCUMENT_BYTES
    big_uri = open_doc(client, tmp_path / "big.py", big)
    small_uri = open_doc(client, tmp_path / "small.py", SOURCE)
    await published(client, small_uri, lambda diags: len(diags) > 0)
    assert client.diagnostics.get(big_uri) is None  # still linting (seconds): the small one did not wait for it
    found = await published(client, big_uri, lambda diags: len(diags) > 0, timeout=120)
    assert {d.code for d in found} <= {"KNL401", "KNL000"}


# A server that finds any lint over 50 ms slow (the default is SLOW_LINT_SECONDS).
_QUICK_TO_JUDGE = "from kerasnanlint.lsp import build_server; build_server(slow=0.05).start_io()"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-c", _QUICK_TO_JUDGE]))
async def impatient(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())
    )
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_slow_small_document_gets_the_per_file_time_limit(impatient: LanguageClient, tmp_path: Path):
    """A document under LARGE_DOCUMENT_BYTES whose lint overruns is cancelled and linted again in a worker
    process, where the per-file time limit stops it: no small document can hold the server's lint thread."""
    (tmp_path / "pyproject.toml").write_text("[tool.kerasnanlint]\nper-file-timeout = 0.05\n", encoding="utf-8")
    text = keras_file(300)
    assert len(text) < LARGE_DOCUMENT_BYTES
    uri = open_doc(impatient, tmp_path / "slow.py", text)
    [late] = await published(impatient, uri, lambda diags: len(diags) > 0, timeout=60)
    assert late.code == "KNL000" and "took longer than 0.05 s" in late.message


@pytest.mark.asyncio
async def test_every_edit_ends_in_the_diagnostics_of_the_last_version(client: LanguageClient, tmp_path: Path):  # noqa: F811
    uri = open_doc(client, tmp_path / "a.py", keras_file(300))
    await published(client, uri, lambda diags: len(diags) == 300)
    text = keras_file(300)
    for version in range(2, 12):  # faster than a lint: most of these lints are cancelled or never start
        text += f"x_{version} = 1\n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
    text += "import numpy as np\ny = 1 if x_2 == np.nan else 0\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=12),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    found = await published(client, uri, lambda diags: any(d.code == "KNL107" for d in diags), timeout=60)
    assert len(found) == 301
