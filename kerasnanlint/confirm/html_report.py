"""``confirm --report report.html``: one self-contained HTML file (parent side, no TensorFlow).

Per script: each finding's verdict and evidence, a table of the short runs' trials (hyperparameters, score, status,
first non-finite value) and each trial's per-batch loss and metric curves with the first non-finite value marked.
The plots are inline SVG drawn by matplotlib (imported here only, when a report is asked for).
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerasnanlint.diagnostics import Diagnostic

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #eee; }
.confirmed { background: #f8d0d0; } .not-reproduced { background: #d8f0d8; } .could-not-run { background: #f0f0c8; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
.plot { border: 1px solid #ddd; padding: 4px; }
"""


@dataclass
class Section:
    """One script's part of the report: its diagnostics (with confirmations) and the trials its short runs made."""

    path: str
    diagnostics: list[Diagnostic]
    trials: list[dict[str, Any]]
    device: str | None
    note: str | None  # why the script could not run, when it could not


def write_report(target: Path, sections: list[Section]) -> None:
    """Write the report to ``target`` (its folder exists: the CLI checked)."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>kerasnanlint confirm</title><style>{STYLE}"]
    parts.append("</style></head><body><h1>kerasnanlint runtime-confirm</h1>")
    for section in sections:
        parts.append(_section(section))
    parts.append("</body></html>")
    target.write_text("\n".join(parts), encoding="utf-8")


def _e(value: Any) -> str:
    return html.escape(str(value))


def _section(s: Section) -> str:
    out = [f"<h2>{_e(s.path)}</h2>"]
    if s.device:
        out.append(f"<p>Device: {_e(s.device)}</p>")
    if s.note:
        out.append(f"<p><b>could not run:</b> {_e(s.note)}</p>")
    out.append("<table><tr><th>Line</th><th>Rule</th><th>Verdict</th><th>Evidence</th></tr>")
    for d in s.diagnostics:
        c = d.confirmation
        verdict = c.verdict if c else "no probe"
        where = f"cell {d.cell}, line {d.line}" if d.cell is not None else str(d.line)
        out.append(
            f"<tr class='{verdict.replace(' ', '-')}'><td>{_e(where)}</td><td>{_e(d.rule)} {_e(d.name)}</td>"
            f"<td>{_e(verdict)}</td><td>{_e(c.evidence if c else d.message)}</td></tr>"
        )
    out.append("</table>")
    if s.trials:
        out.append(_trial_table(s.trials))
        plots = [_plot(row) for row in s.trials if row.get("curves")]
        out.append("<div class='plots'>" + "".join(f"<div class='plot'>{p}</div>" for p in plots) + "</div>")
    return "\n".join(out)


def _trial_table(rows: list[dict[str, Any]]) -> str:
    out = ["<h3>Trials</h3><table><tr><th>Call</th><th>Run</th><th>Trial</th><th>Hyperparameters</th>"]
    out.append("<th>Score</th><th>Status</th><th>First non-finite</th></tr>")
    for row in rows:
        hp = ", ".join(f"{k}={v}" for k, v in row["hp"].items())
        first = row.get("first_nonfinite")
        shown = f"{first['name']} at epoch {first['epoch']}, batch {first['batch']}" if first else "none"
        status = f"{row['status']} ({row['error']})" if row.get("error") else row["status"]
        out.append(
            f"<tr><td>{_e(row['call'] or '')}</td><td>{_e(row['run'])}</td><td>{_e(row['trial'])}</td>"
            f"<td>{_e(hp)}</td><td>{_e(row['score'])}</td><td>{_e(status)}</td><td>{_e(shown)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) else math.nan  # "nan"/"inf" strings and None: gaps


def _plot(row: dict[str, Any]) -> str:
    """One trial's curves as inline SVG, each first non-finite batch marked by a red line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    fig, ax = plt.subplots(figsize=(4.6, 2.8))
    for key, values in row["curves"].items():
        ys = [_number(v) for v in values]
        ax.plot(range(1, len(ys) + 1), ys, label=key, marker="." if len(ys) < 30 else None)
        bad = next((i for i, v in enumerate(values) if not (isinstance(v, int | float) and math.isfinite(v))), None)
        if bad is not None:
            ax.axvline(bad + 1, color="red", linestyle="--", linewidth=1)
            ax.annotate(f"first {values[bad]}: {key}", (bad + 1, 0.95), xycoords=("data", "axes fraction"),
                        color="red", fontsize=8, ha="left", va="top")  # fmt: skip
    for end in row.get("epoch_ends", [])[:-1]:
        ax.axvline(end + 0.5, color="#999", linewidth=0.5)
    call = f" ({row['call']})" if row.get("call") else ""
    ax.set_title(f"{row['run']}, trial {row['trial']}{call}", fontsize=9)
    ax.set_xlabel("batch", fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})  # no timestamp: same run, same report
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog: the SVG is inline in the HTML
