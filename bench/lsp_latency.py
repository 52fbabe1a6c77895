#!/usr/bin/env python
"""Language Server latency: from ``didChange`` to the ``publishDiagnostics`` of that version, on a Keras file.

    python bench/lsp_latency.py                # 1,000 lines, 30 edits
    python bench/lsp_latency.py --lines 2000 --edits 50

A minimal JSON-RPC client over stdio starts ``python -m kerasnanlint lsp``, opens a generated Keras file of about
``--lines`` lines (builders, custom losses with risky ops, tuners), then makes edits one at a time (a new comment
line at the end, which keeps the findings) and measures, for each, the wall time until the diagnostics of that
version arrive. The server waits ``DEBOUNCE_SECONDS`` (kerasnanlint/lsp.py) after an edit before it lints, so the
lint itself is the total minus that wait; both are printed. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
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


def source(lines: int) -> str:
    head = "import keras\nimport keras_tuner as kt\n"
    blocks, i = [], 0
    while (head + "".join(blocks)).count("\n") < lines:
        blocks.append(BLOCK.format(i=i))
        i += 1
    return head + "".join(blocks)


class Client:
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc, self.next_id = proc, 0
        assert proc.stdin is not None and proc.stdout is not None
        self.out: BinaryIO = proc.stdin
        self.inp: BinaryIO = proc.stdout

    def send(self, method: str, params: Any, request: bool = False) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.out.flush()

    def receive(self) -> dict[str, Any]:
        length = 0
        while (line := self.inp.readline().strip()) != b"":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.inp.read(length))

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
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kerasnanlint.lsp import DEBOUNCE_SECONDS

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tune.py"
        text = source(args.lines)
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kerasnanlint", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
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
        times = []
        for version in range(2, args.edits + 2):
            text += f"# edit {version}\n"
            start = time.perf_counter()
            change = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}
            client.send("textDocument/didChange", change)
            client.wait_for("textDocument/publishDiagnostics", version)
            times.append(time.perf_counter() - start)
        client.send("shutdown", None, True)
        client.send("exit", None)
        proc.wait(10)
    median = statistics.median(times)
    lines = text.count("\n")
    print(f"{lines} lines, {findings} findings, {len(times)} edits, debounce {DEBOUNCE_SECONDS * 1000:.0f} ms")
    print("| measure | median ms | p90 ms |\n|---|---:|---:|")
    p90 = sorted(times)[int(len(times) * 0.9) - 1]
    print(f"| didChange -> publishDiagnostics | {median * 1000:.0f} | {p90 * 1000:.0f} |")
    lint, lint90 = median - DEBOUNCE_SECONDS, p90 - DEBOUNCE_SECONDS
    print(f"| the same, less the debounce wait (the lint) | {lint * 1000:.0f} | {lint90 * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
