#!/usr/bin/env python
"""Language Server latency: from ``didChange`` to the ``publishDiagnostics`` of that version, on a Keras file.

    python bench/lsp_latency.py                # 1,000 lines, 30 edits of each kind
    python bench/lsp_latency.py --lines 2000 --edits 50

A minimal JSON-RPC client over stdio starts ``python -m kerasnanlint lsp``, opens a generated Keras file of about
``--lines`` lines (builders, custom losses with risky ops, tuners), then makes edits one at a time and measures, for
each, the wall time until the diagnostics of that version arrive. Two kinds of edit: a comment line added at the
end, and a change inside a statement in the middle of the file (a learning-rate bound, alternating, which keeps the
findings). Then bursts: five edits 20 ms apart (typing), timed from the last edit to its diagnostics. The server
lints the first edit after a pause at once and makes edits in quick succession wait for a pause of
``DEBOUNCE_SECONDS`` (kerasnanlint/lsp.py). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

BLOCK = """
def build_{i}(hp):
    model = keras.Sequential([
        keras.layers.Dense(hp.Int("units_{i}", 8, 64), activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    lr = hp.Float("lr_{i}", 1e-4, 1e-2)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss=ratio_loss_{i}, metrics=["accuracy"])
    return model


def ratio_loss_{i}(y_true, y_pred):
    return keras.ops.mean(keras.ops.log(y_pred) / keras.ops.sum(y_true))


tuner_{i} = kt.RandomSearch(build_{i}, objective="val_acc", max_trials=2, overwrite=True)
"""


def edit(text: str, kind: str, version: int) -> str:
    """``text`` after one edit of ``kind`` (see the module's doc)."""
    if kind.startswith("a comment"):
        return text + f"# edit {version}\n"
    middle = text.index('hp.Float("lr_', len(text) // 2)
    upper = text.index("1e-", text.index("1e-", middle) + 1)  # hp.Float("lr_N", 1e-4, 1e-2): 1e-2 <-> 1e-3
    return text[:upper] + ("1e-3" if text.startswith("1e-2", upper) else "1e-2") + text[upper + 4 :]


# The same block written safely: log sampling, a built-in loss, guarded ops, an objective compile() logs.
CLEAN_BLOCK = (
    BLOCK.replace("1e-2)\n", '1e-2, sampling="log")\n')
    .replace("loss=ratio_loss_{i}", 'loss="binary_crossentropy"')
    .replace('"val_acc"', '"val_accuracy"')
    .replace("log(y_pred) / keras.ops.sum(y_true)", "log(y_pred + 1e-7) / (keras.ops.sum(y_true) + 1e-7)")
)


def source(lines: int, every: int = 1) -> str:
    """About ``lines`` lines of blocks; one block in ``every`` has findings (4 each), the others none."""
    head = "import keras\nimport keras_tuner as kt\n"
    blocks, i = [], 0
    while (head + "".join(blocks)).count("\n") < lines:
        blocks.append((BLOCK if i % every == 0 else CLEAN_BLOCK).format(i=i))
        i += 1
    return head + "".join(blocks)


class Client:
    """Writes requests and notifications; a reader thread takes the server's messages off its stdout as they
    come (as an editor does): a client that read only while waiting could deadlock with a server blocked on
    writing a large publishDiagnostics while the client writes its next full-text change."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc, self.next_id = proc, 0
        assert proc.stdin is not None and proc.stdout is not None
        self.out: BinaryIO = proc.stdin
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, inp: BinaryIO) -> None:
        while True:
            length = 0
            while (line := inp.readline()).strip() != b"":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return  # the server exited
            self.messages.put(json.loads(inp.read(length)))

    def send(self, method: str, params: Any, request: bool = False) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.out.flush()

    def receive(self) -> dict[str, Any]:
        return self.messages.get(timeout=60)

    def change(self, uri: str, version: int, text: str) -> None:
        change = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}
        self.send("textDocument/didChange", change)

    def wait_for(self, method: str, version: int | None = None) -> dict[str, Any]:
        while True:
            message = self.receive()
            if message.get("method") == method and (version is None or message["params"].get("version") == version):
                return message
            if "id" in message and "method" in message:  # a request from the server (configuration...): answer null
                body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode()
                self.out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                self.out.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--every", type=int, default=1, help="one block in EVERY has findings (1: all, 252 findings)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kerasnanlint.lsp import DEBOUNCE_SECONDS

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tune.py"
        text = source(args.lines, args.every)
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kerasnanlint", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
        )
        client = Client(proc)
        client.send("initialize", {"processId": None, "rootUri": Path(tmp).as_uri(), "capabilities": {}}, True)
        client.receive()  # the initialize response
        client.send("initialized", {})
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": item})
        first = client.wait_for("textDocument/publishDiagnostics")
        findings = len(first["params"]["diagnostics"])
        version = 1
        rows: list[tuple[str, list[float]]] = []
        for kind in ("a comment line added at the end", "a number changed in the middle"):
            times = []
            for _ in range(args.edits):
                version += 1
                text = edit(text, kind, version)
                start = time.perf_counter()
                client.change(uri, version, text)
                client.wait_for("textDocument/publishDiagnostics", version)
                times.append(time.perf_counter() - start)
            rows.append((kind, times))
        times = []
        for _ in range(max(3, args.edits // 5)):
            for _ in range(5):
                version += 1
                text = edit(text, "a number changed in the middle", version)
                start = time.perf_counter()
                client.change(uri, version, text)
                time.sleep(0.02)
            client.wait_for("textDocument/publishDiagnostics", version)
            times.append(time.perf_counter() - start - 0.02)
        rows.append(("the last of 5 edits 20 ms apart", times))
        client.send("shutdown", None, True)
        client.send("exit", None)
        proc.wait(10)
    lines = text.count("\n")
    debounce = DEBOUNCE_SECONDS * 1000
    print(f"{lines} lines, {findings} findings, {args.edits} edits of each kind, debounce {debounce:.0f} ms")
    print("| didChange -> publishDiagnostics | median ms | p90 ms |\n|---|---:|---:|")
    for kind, times in rows:
        p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
        print(f"| {kind} | {statistics.median(times) * 1000:.0f} | {p90 * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
