#!/usr/bin/env python
"""Speed of kerasnanlint against its floor (a bare LibCST parse) and its nearest peer (fixit), on real code.

    python bench/run.py                      # downloads keras-hub, autokeras, keras-tuner into bench/.cache/
    python bench/run.py --fixit-every 1      # fixit on the whole corpus instead of every 4th file
    python bench/run.py --corpus DIR --repeat 1 --no-fixit --nonkeras-files 5   # any folder, no download

Every figure is CPU time (user + system) of a child process, read with getrusage(RUSAGE_CHILDREN), so a
busy machine inflates wall time more than these numbers; the median of ``--repeat`` runs is shown, and the
measurements of one repeat run interleaved with those of the others. All runs include interpreter start-up.
The per-rule findings of the cold run go to bench/.cache/findings.json (the numerics precision corpus).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import project_bench  # bench/project_bench.py, beside this script

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
PACKAGES = ("keras-hub==0.32.0", "autokeras==3.0.0", "keras-tuner==1.4.8")
MARKERS = (b"keras", b"tensorflow", b"kerastuner")

# Parses every file named in a list file, as kerasnanlint would read it (bytes, then decoded).
PARSE_SCRIPT = """
import sys, libcst
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        libcst.parse_module(open(path, "rb").read().decode("utf-8"))
    except Exception:
        pass
"""


# --- corpus -----------------------------------------------------------------------------------------------


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True)


def fetch() -> Path:
    """Sources of the packages, unpacked under bench/.cache/src (downloaded once)."""
    src = CACHE / "src"
    if src.is_dir() and any(src.rglob("*.py")):
        return src
    dl = CACHE / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    src.mkdir(parents=True, exist_ok=True)
    for spec in PACKAGES:
        before = set(dl.iterdir())
        try:
            pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(dl), spec)
        except subprocess.CalledProcessError:  # no sdist on this index: the wheel holds the same sources
            pip("download", "--no-deps", "--only-binary", ":all:", "-d", str(dl), spec)
        for archive in sorted(set(dl.iterdir()) - before) or sorted(dl.iterdir()):
            if archive.name.endswith(".tar.gz"):
                with tarfile.open(archive) as tar:
                    try:
                        tar.extractall(src, filter="data")
                    except TypeError:  # Python < 3.11.4 has no extraction filters
                        tar.extractall(src)  # a pinned sdist from the package index
            elif archive.suffix == ".whl":
                with zipfile.ZipFile(archive) as whl:
                    whl.extractall(src / archive.name.removesuffix(".whl"))
    return src


def copy_py(source: Path, target: Path, files: list[Path] | None = None) -> list[Path]:
    """Copy the .py files (only) of ``source`` below ``target``, keeping relative paths."""
    chosen = files if files is not None else sorted(source.rglob("*.py"))
    out = []
    for f in chosen:
        dest = target / f.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
        out.append(dest)
    return out


def nonkeras_files(limit: int) -> tuple[Path, list[Path]]:
    """Standard-library modules that never mention Keras: the common case in a big monorepo."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found: list[Path] = []
    for f in sorted(stdlib.rglob("*.py")):
        if len(found) >= limit:
            break
        parts = f.relative_to(stdlib).parts
        if parts[0] in ("site-packages", "test", "lib2to3", "idlelib") or "tests" in parts:
            continue
        try:
            data = f.read_bytes()
            data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if len(data) < 200_000 and not any(m in data for m in MARKERS):
            found.append(f)
    return stdlib, found


# --- measuring --------------------------------------------------------------------------------------------


@dataclass
class Sample:
    cpu: float
    wall: float
    stdout: str = ""


def run(*cmds: list[str], cwd: Path) -> Sample:
    """Run ``cmds`` concurrently; CPU of all of them (and their children), wall until the last ends."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    outputs = [p.communicate() for p in procs]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for cmd, p, (_, err) in zip(cmds, procs, outputs, strict=True):
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{err[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(cpu, wall, outputs[0][0])


def peak_rss(cmd: list[str], cwd: Path) -> float:
    """Peak resident memory of one run of ``cmd``, in MiB (its own process: --jobs 1)."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped here
    return usage.ru_maxrss / 1024


@dataclass
class Measure:
    label: str
    files: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)


def knl(*args: str) -> list[str]:
    return [sys.executable, "-m", "kerasnanlint", *args]


def lint_cmd(target: str, jobs: int, cache: bool) -> list[str]:
    cmd = knl("check", target, "--jobs", str(jobs), "--format", "json", "--exit-zero", "--quiet")
    return cmd + ([] if cache else ["--no-cache"])


# --- the benchmark ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="lint this folder instead of the downloaded packages")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="the 'all cores' job count")
    ap.add_argument("--no-fixit", action="store_true")
    ap.add_argument("--fixit-every", type=int, default=4, help="fixit on every Nth file (1: all); slow")
    ap.add_argument("--nonkeras-files", type=int, default=500, help="size of the non-Keras tree (stdlib)")
    ap.add_argument("--findings", type=Path, default=CACHE / "findings.json")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kerasnanlint-bench")
    args = ap.parse_args(argv)

    corpus = args.corpus.resolve() if args.corpus else fetch()
    # Outside this git work tree: its .gitignore (bench/.cache/) would hide the corpus from both linters.
    work = args.workdir.resolve()
    if work.is_dir() and any(work.iterdir()) and not (work / ".kerasnanlint-bench").exists():
        raise SystemExit(f"{work} is not empty and not a benchmark folder: choose another --workdir")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / ".kerasnanlint-bench").touch()
    # An empty [tool.kerasnanlint] table: the project's own config (its excludes) must not apply here.
    (work / "pyproject.toml").write_text("[tool.kerasnanlint]\n", encoding="utf-8")
    # A snapshot of the package: the runs measure one version of the code even while it is being edited (the
    # cache keys on the package's files, so an edit between two runs would turn "warm" into "cold").
    import kerasnanlint

    package = Path(kerasnanlint.__file__).parent
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=package, capture_output=True, text=True)
    args.code = described.stdout.strip() or kerasnanlint.__version__
    shutil.copytree(package, work / "pkg" / "kerasnanlint", ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(work / "pkg"), os.environ.get("PYTHONPATH")]))
    files = copy_py(corpus, work / "corpus")
    keras_files = [f for f in files if any(m in f.read_bytes() for m in MARKERS)]
    lines = sum(f.read_bytes().count(b"\n") for f in files)
    subset = files[:: args.fixit_every]
    copy_py(work / "corpus", work / "subset", subset)
    stdlib, plain = nonkeras_files(args.nonkeras_files)
    copy_py(stdlib, work / "nonkeras", plain)
    (work / "empty").mkdir()
    edited = max(keras_files or files, key=lambda f: f.stat().st_size)  # the worst case for "one file edited"
    edited_rel = str(edited.relative_to(work))
    affected = project_bench.generate(work / "project")
    rss: list[float] = []

    lists = {}
    for name in ("corpus", "subset", "nonkeras"):
        listed = sorted(str(p) for p in (work / name).rglob("*.py"))
        lists[name] = work / f"{name}.txt"
        lists[name].write_text("\n".join(listed) + "\n", encoding="utf-8")
    corpus_files = lists["corpus"].read_text(encoding="utf-8").splitlines()
    for k in range(args.jobs):  # the same files split over N plain parsers: the speed-up this machine allows
        (work / f"corpus-{k}.txt").write_text("\n".join(corpus_files[k :: args.jobs]) + "\n", encoding="utf-8")
    parse = [sys.executable, "-c", PARSE_SCRIPT]
    cache_dir = work / ".kerasnanlint_cache"
    count = {n: len(lists[n].read_text().splitlines()) for n in lists}

    m: dict[str, Measure] = {}

    def measure(key: str, label: str, n: int, *cmds: list[str]) -> Sample:
        sample = run(*cmds, cwd=work)
        m.setdefault(key, Measure(label, n)).samples.append(sample)
        return sample

    def cache_round(i: int) -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)
        measure("fill", "kerasnanlint cold, writing the cache, --jobs 1", count["corpus"], lint_cmd("corpus", 1, True))
        measure("warm", "kerasnanlint warm cache, nothing changed", count["corpus"], lint_cmd("corpus", 1, True))
        with edited.open("a", encoding="utf-8") as fh:
            fh.write(f"\n# bench edit {i}\n")
        measure("edit", "kerasnanlint warm cache, one file edited", count["corpus"], lint_cmd("corpus", 1, True))
        measure("alone", "kerasnanlint on that one file alone (no cache)", 1, lint_cmd(edited_rel, 1, False))

    def project_round(i: int) -> None:
        shutil.rmtree(work / "project" / ".kerasnanlint_cache", ignore_errors=True)
        here = work / "project"
        n = project_bench.FILES
        sample = run(lint_cmd(".", 1, True), cwd=here)
        m.setdefault("pfill", Measure("project of 1,000 modules: cold, writing the cache", n)).samples.append(sample)
        sample = run(lint_cmd(".", 1, True), cwd=here)
        m.setdefault("pwarm", Measure("project: warm cache, nothing changed", n)).samples.append(sample)
        project_bench.edit(here, i)
        sample = run(lint_cmd(".", 1, True), cwd=here)
        m.setdefault("pedit", Measure("project: warm, models0.py's metrics edited", n)).samples.append(sample)
        alone = knl("check", *affected, "--jobs", "1", "--format", "json", "--exit-zero", "--quiet", "--no-cache")
        sample = run(alone, cwd=here)
        m.setdefault("palone", Measure("project: models0.py and its 9 importers alone", 10)).samples.append(sample)

    tasks: list[Callable[[int], object]] = [
        lambda i: measure(
            "parse", "bare libcst.parse_module, 1 process", count["corpus"], [*parse, str(lists["corpus"])]
        ),
        lambda i: measure(
            "cold", "kerasnanlint cold, --jobs 1 --no-cache", count["corpus"], lint_cmd("corpus", 1, False)
        ),
        lambda i: measure(
            "coldN",
            f"kerasnanlint cold, --jobs {args.jobs} --no-cache",
            count["corpus"],
            lint_cmd("corpus", args.jobs, False),
        ),
        lambda i: measure(
            "parseN",
            f"bare parse, {args.jobs} processes at once (the machine's own speed-up)",
            count["corpus"],
            *([*parse, str(work / f"corpus-{k}.txt")] for k in range(args.jobs)),
        ),
        cache_round,
        project_round,
        lambda i: rss.append(peak_rss(lint_cmd("corpus", 1, False), work)),
        lambda i: measure(
            "parse_plain", "bare parse, non-Keras tree", count["nonkeras"], [*parse, str(lists["nonkeras"])]
        ),
        lambda i: measure(
            "lint_plain", "kerasnanlint, non-Keras tree", count["nonkeras"], lint_cmd("nonkeras", 1, False)
        ),
        lambda i: measure("empty", "kerasnanlint check on an empty folder", 0, lint_cmd("empty", 1, False)),
        lambda i: [measure("version", "kerasnanlint --version", 0, knl("--version")) for _ in range(3)],
    ]
    if not args.no_fixit:
        every = "all files" if args.fixit_every == 1 else f"every {args.fixit_every}th file"
        tasks += [
            lambda i: measure(
                "fixit", f"fixit lint, default rules ({every})", count["subset"], ["fixit", "lint", "subset"]
            ),
            lambda i: measure(
                "subset",
                f"kerasnanlint cold, --jobs 1 --no-cache ({every})",
                count["subset"],
                lint_cmd("subset", 1, False),
            ),
            lambda i: measure("parse_subset", f"bare parse ({every})", count["subset"], [*parse, str(lists["subset"])]),
        ]
    for i in range(args.repeat):
        shift = i % len(tasks)  # interleave: each repeat starts with a different measurement
        for task in tasks[shift:] + tasks[:shift]:
            task(i)
        print(f"repeat {i + 1}/{args.repeat} done", file=sys.stderr)

    findings = json.loads(m["cold"].samples[0].stdout or "[]")
    report(args, m, count, lines, len(keras_files), edited_rel, findings)
    print(f"\nPeak RSS of `kerasnanlint check corpus --jobs 1 --no-cache`: {statistics.median(rss):.0f} MiB")
    write_findings(args.findings, findings, count["corpus"])
    return 0


def write_findings(path: Path, findings: list[dict], files: int) -> None:
    by_rule: dict[str, dict] = {}
    for f in findings:
        entry = by_rule.setdefault(f["code"], {"name": f["name"], "count": 0, "findings": []})
        entry["count"] += 1
        entry["findings"].append(
            {k: f[k] for k in ("filename", "location", "message", "severity")} | {"fix": f.get("fix") is not None}
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"packages": PACKAGES, "files": files, "by_rule": dict(sorted(by_rule.items()))}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def report(
    args: argparse.Namespace,
    m: dict[str, Measure],
    count: dict[str, int],
    lines: int,
    keras: int,
    edited: str,
    findings: list[dict],
) -> None:
    parse = m["parse"].cpu
    print(
        f"\n## kerasnanlint {args.code} speed: {count['corpus']} files ({keras} mention Keras), {lines:,} lines;"
        f" {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end;"
        f" CPU seconds (user+system), median of {args.repeat}\n"
    )
    print("| measurement | files | CPU s | wall s | x bare parse CPU |")
    print("|---|---:|---:|---:|---:|")
    for key, meas in m.items():
        base = {"parse_plain": m["parse_plain"].cpu, "lint_plain": m["parse_plain"].cpu}.get(key, parse)
        if key in ("fixit", "subset", "parse_subset"):
            base = m["parse_subset"].cpu
        if key.startswith("p") and key in ("pfill", "pwarm", "pedit", "palone"):
            base = 0  # a different corpus: no ratio to the bare parse
        ratio = f"{meas.cpu / base:.2f}" if base and meas.files else ""
        print(f"| {meas.label} | {meas.files} | {meas.cpu:.2f} | {meas.wall:.2f} | {ratio} |")

    cold, warm, edit, alone, empty = (m[k].cpu for k in ("cold", "warm", "edit", "alone", "empty"))
    rows = [
        ("cold, 1 process / bare parse", cold / parse, "<= 2.0 (stretch 1.5)", cold / parse <= 2.0),
        ("warm cache / cold", warm / cold, "<= 0.05", warm / cold <= 0.05),
        (
            f"one file edited ({edited}) - warm, / that file alone",
            (edit - warm) / alone,
            "<= 1.0",
            edit - warm <= alone,
        ),
    ]
    project = (m["pedit"].cpu - m["pwarm"].cpu) / m["palone"].cpu
    rows.append(("project: one module edited - warm, / it and its importers alone", project, "<= 1.0", project <= 1))
    if "fixit" in m:
        fix_ratio = m["fixit"].cpu / m["subset"].cpu
        rows.append(("fixit CPU / kerasnanlint CPU (same files)", fix_ratio, ">= 5", fix_ratio >= 5))
    plain = (m["lint_plain"].cpu - empty) / m["parse_plain"].cpu
    rows.append(("non-Keras tree, beyond start-up / its bare parse", plain, "<= 0.10 (a text scan)", plain <= 0.10))
    speedup = m["cold"].wall / m["coldN"].wall
    machine = m["parse"].wall / m["parseN"].wall
    rows.append((f"--jobs {args.jobs} wall speed-up over --jobs 1", speedup, "(shared machine: see next row)", None))
    rows.append(
        (
            f"that speed-up / {args.jobs} concurrent bare parsers' speed-up ({machine:.2f})",
            speedup / machine,
            ">= 0.8",
            speedup / machine >= 0.8,
        )
    )
    version = m["version"].wall
    rows.append(("`kerasnanlint --version` wall s", version, "well under 0.5 (<= 0.25)", version <= 0.25))
    print("\n| target | value | goal | met |\n|---|---:|---|---|")
    for name, value, goal, ok in rows:
        print(f"| {name} | {value:.3f} | {goal} | {'-' if ok is None else 'yes' if ok else '**no**'} |")

    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for f in findings:
        counts[f["code"]] = counts.get(f["code"], 0) + 1
        names[f["code"]] = f["name"]
    print(f"\n### Findings per rule on the corpus ({len(findings)} in all; list in {args.findings})\n")
    print("| rule | name | findings |\n|---|---|---:|")
    for code in sorted(counts):
        print(f"| {code} | {names[code]} | {counts[code]} |")
    if not counts:
        print("| - | (none) | 0 |")


if __name__ == "__main__":
    sys.exit(main())
