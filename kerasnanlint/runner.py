"""Lint many files: discovery, cache, process pool. One bad file never stops the others."""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from kerasnanlint.cache import Cache
from kerasnanlint.cancel import checkpoint
from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Analysis, Diagnostic
from kerasnanlint.files import discover, is_notebook_path, mentions_keras
from kerasnanlint.project import Project, ProjectIndex, find_root
from kerasnanlint.semantics.linked import Entry, Linked, entry_hash
from kerasnanlint.workers import Pool

Reader = Callable[[Path], bytes]


@dataclass
class RunResult:
    """A run's findings (sorted), how many files it checked and how many came from the cache."""

    diagnostics: list[Diagnostic]
    files_checked: int
    cache_hits: int = 0
    # display path -> file_digest of the bytes linted: --fix reuses a file's findings while it still holds them
    digests: dict[str, str] = field(default_factory=dict)
    linted: int = 0  # files analysed in this run (not served from the cache), imported modules included
    notes: list[str] = field(default_factory=list)  # for standard error: files skipped, --jobs capped


def file_digest(path: str, data: bytes) -> str:
    """Identifies the bytes a file's findings were computed from (the cache key: it hashes them anyway)."""
    return Cache.key(path, data)


def display_path(path: Path) -> str:
    """``path`` as findings show it: relative to the working folder when inside it, in POSIX form."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# Garbage collection during a run. A file's tree (~100k objects per 1,000 lines) lives for one file and then
# dies in reference cycles (facts point back at their scopes). With CPython's default thresholds the collector
# runs thousands of times per run and its full collections walk everything alive: a quarter of a cold run's CPU.
# Instead, what exists before the run is frozen out of the collector, automatic collection is off, and each
# file's garbage is collected once, right after the file (memory stays flat).
_manual_gc = False
_files_since_full = 0


@contextmanager
def _gc_per_file() -> Iterator[None]:
    global _manual_gc
    if not gc.isenabled() or _manual_gc:  # the embedding program manages collection itself
        yield
        return
    gc.freeze()
    gc.disable()
    _manual_gc = True
    try:
        yield
    finally:
        _manual_gc = False
        gc.enable()
        gc.unfreeze()


def _worker_init() -> None:
    global _manual_gc
    from kerasnanlint import engine

    engine.reuse_statements(None)  # a worker lints each file once: nothing to reuse
    gc.freeze()
    gc.disable()
    _manual_gc = True


def _after_file() -> None:
    global _files_since_full
    gc.collect(0)
    _files_since_full += 1
    if _files_since_full >= 200:  # what survived a file young and died later (module-level caches)
        _files_since_full = 0
        gc.collect()


def _cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _plainly_not_keras(data: bytes) -> bool:
    """True where ``lint_source`` would return nothing without parsing: the text never mentions Keras and
    decodes as UTF-8 with no coding cookie (otherwise lint_source decides, and may report KNL000)."""
    if mentions_keras(data):
        return False
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    if b"coding" in (data if second < 0 else data[:second]):  # a PEP 263 cookie sits in the first two lines
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class _Task:
    shown: str
    data: bytes
    settings: Settings
    linked: Linked | None
    prefilter: bool = True


def _lint_one(task: _Task) -> Analysis:
    if task.prefilter and _plainly_not_keras(task.data):
        return Analysis([])
    try:
        return lint_bytes(task.data, task.shown, task.settings, task.linked, prefilter=task.prefilter)
    finally:
        if _manual_gc:
            _after_file()


def lint_bytes(
    data: bytes, path: str, settings: Settings, linked: Linked | None = None, *, prefilter: bool = True
) -> Analysis:
    """Lint one file's bytes as what its path says it is: a notebook (.ipynb) or Python."""
    if is_notebook_path(path):
        from kerasnanlint.notebook_lint import lint_notebook  # here: a .py-only run never imports it

        found = lint_notebook(data, path, settings, linked)
        return Analysis(found, None, linked.asked() if linked else {})
    from kerasnanlint.engine import analyse  # here: a run with nothing to parse never imports LibCST

    return analyse(data, path, settings, linked, prefilter=prefilter)


@dataclass(eq=False)
class _Unit:
    """One file of the run: named by the user (``report``), or a module they import, read for its summary."""

    real: Path
    shown: str
    data: bytes
    key: str
    report: bool
    result: Analysis | None = None  # None: to be linted in the next round
    answers: dict[str, Entry | None] = field(default_factory=dict)
    prefilter: bool = True  # False once another file needs its summary
    summarize: bool = True  # False: its summary is built only once another file needs it
    fresh: bool = False  # linted in this run (so to be cached)


# Rounds of re-linting files whose imported answers changed; a chain of re-exports or an import cycle longer
# than this keeps its last answers (unknowns, at worst: rules stay silent).
_MAX_ROUNDS = 8


def lint_paths(
    paths: Iterable[Path], settings: Settings, *, jobs: int | None = None, use_cache: bool = True
) -> RunResult:
    """Lint the files under ``paths`` (discovered with the settings' excludes), from the cache where it can.
    Imports are resolved across the whole project: a module the named files import is read for its summary
    even when it is not among them."""
    files = list(discover(list(paths), settings))
    # The cache lives at the project root, or in the current folder: never inside a linted tree without a project
    # of its own (site-packages, say).
    cache_root = settings.root if settings.config_file is not None else Path.cwd()
    cache = Cache(cache_root, settings.fingerprint()) if use_cache else None
    results: list[Diagnostic] = []
    units: list[_Unit] = []
    digests: dict[str, str] = {}
    notes: list[str] = []
    hits = 0
    for file in files:
        unit = _read(file, settings, results, report=True, notes=notes)
        if unit is None:
            continue
        digests[unit.shown] = unit.key
        if cache is not None:
            unit.result = cache.get(unit.key)
            hits += unit.result is not None
        units.append(unit)
    cores = _cores()
    if jobs is not None and jobs > cores:
        notes.append(f"--jobs {jobs} capped at the {cores} cores this process may use")
        jobs = cores
    linter = _Linter(settings, jobs, killable=True)
    try:
        _settle(units, ProjectIndex(_project(settings, Path.cwd())), settings, linter, cache, Path.read_bytes)
    finally:
        linter.close()
    if cache is not None:
        cache.prune()
    for unit in units:
        assert unit.result is not None
        if unit.report:
            results.extend(unit.result.diagnostics)
    results.sort(key=Diagnostic.sort_key)
    return RunResult(results, len(files), hits, digests, sum(u.fresh for u in units), notes)


def lint_in_project(
    data: bytes,
    shown: str,
    settings: Settings,
    *,
    overlay: Mapping[Path, bytes] | None = None,
    cache: MemoryCache | None = None,
    known: dict[str, Entry | None] | None = None,
    killable: bool = False,
    summary: bool = True,
) -> Analysis:
    """Lint text that is not read from disk (standard input, an editor's buffer) as the file ``shown`` of its
    project: its imports are answered from the project's modules, read from ``overlay`` (the editor's open
    buffers, by real path) before the disk. ``cache`` keeps the analyses of those modules between calls;
    ``known``, the answers a previous lint of the same document got, is a first guess (a lint instead of two
    when they still hold) and is updated with this lint's answers. ``killable`` lints in a worker process under
    the per-file time limit (a large buffer); otherwise in this process, at once. The per-file size limit
    applies either way. ``summary=False``: no other module needs the file's summary now (the result holds none
    unless the file imports itself through others); one that needs it later lints it again."""
    real = Path(os.path.realpath(shown))
    answers = dict(known or {})
    unit = _Unit(real, shown, data, file_digest(shown, data), report=True, answers=answers, summarize=summary)
    too_large = _over_size_limit(len(data), settings)
    if too_large is not None:
        return Analysis([_error(shown, too_large, settings)])
    buffers = overlay or {}

    def read(path: Path) -> bytes:
        return buffers[path] if path in buffers else path.read_bytes()

    linter = _Linter(settings, 1, killable, threaded=killable)
    try:
        _settle([unit], ProjectIndex(_project(settings, real)), settings, linter, cache, read)
    finally:
        linter.close()
    assert unit.result is not None
    if known is not None:
        known.clear()
        known.update(unit.answers)
    return unit.result


class MemoryCache:
    """The cache of a long-running process (the Language Server): analyses by key, the newest few thousand."""

    def __init__(self, limit: int = 4096) -> None:
        self.entries: dict[str, Analysis] = {}
        self.limit = limit

    def get(self, key: str) -> Analysis | None:
        return self.entries.get(key)

    def put(self, key: str, analysis: Analysis) -> None:
        if len(self.entries) >= self.limit:
            self.entries.pop(next(iter(self.entries)))
        # Without what completes its findings, which holds the file's tree: an importer needs only the summary.
        self.entries[key] = replace(analysis, details=None) if analysis.details is not None else analysis


def _project(settings: Settings, near: Path) -> Project:
    """The project of the files: the configured one, else the nearest marker above ``near``."""
    root = settings.root if settings.config_file is not None else find_root(near) or settings.root
    return Project.at(root, settings.src)


def _read(
    file: Path,
    settings: Settings,
    errors: list[Diagnostic] | None,
    report: bool,
    read: Reader = Path.read_bytes,
    notes: list[str] | None = None,
) -> _Unit | None:
    """The file as a unit of the run; None when it is skipped (a KNL000 into ``errors``, a note into ``notes``)."""
    shown = display_path(file)
    try:
        problem = _unreadable(file, settings)  # only regular files of a bounded size are read
        if problem is not None:
            if problem.startswith("not analysed") and errors is not None:
                errors.append(_error(shown, problem, settings))
            elif notes is not None:
                notes.append(f"{shown}: skipped: {problem}")
            return None
        data = read(file)
    except OSError as exc:
        if errors is not None:
            errors.append(_error(shown, f"cannot read file: {exc.strerror or exc}", settings))
        return None
    return _Unit(Path(os.path.realpath(file)), shown, data, file_digest(shown, data), report)


def _unreadable(file: Path, settings: Settings) -> str | None:
    """Why a file is not read: not a regular file (a FIFO would block, /dev/zero never ends), or too large."""
    st = file.stat()  # follows a symlink: what matters is what it points at
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) else "not a file"
        return f"not a regular file ({kind})"
    return _over_size_limit(st.st_size, settings)


def _over_size_limit(size: int, settings: Settings) -> str | None:
    """Why a file (or a buffer) of ``size`` bytes is not analysed, or None within the per-file size limit."""
    limit = settings.per_file_size_limit
    if size > limit * 1_000_000:
        return f"not analysed: {size / 1e6:.1f} MB, over the per-file size limit of {limit:g} MB"
    return None


def _error(shown: str, message: str, settings: Settings) -> Diagnostic:
    from kerasnanlint.engine import SourceError, source_error_diagnostic

    return source_error_diagnostic(shown, SourceError(message), settings)


def _settle(
    units: list[_Unit],
    index: ProjectIndex,
    settings: Settings,
    linter: _Linter,
    cache: Cache | MemoryCache | None,
    read: Reader,
) -> None:
    """Lint until every file's answers about its imports are the current ones (or the rounds run out); what
    was linted goes into ``cache``."""
    by_real = {u.real: u for u in units}
    project = index.project
    for _ in range(_MAX_ROUNDS):
        checkpoint()
        todo = [u for u in units if u.result is None]
        if todo:
            tasks = [_Task(u.shown, u.data, settings, _linked(u, project), u.prefilter) for u in todo]
            for unit, (analysis, cacheable) in zip(todo, linter.run(tasks), strict=True):
                unit.result, unit.fresh = analysis, cacheable
        for u in units:
            assert u.result is not None
            if u.result.summary is not None or not u.prefilter:
                index.summaries[u.real] = u.result.summary
        if not _schedule(units, by_real, index, settings, cache, read):
            break
    for u in units:
        if u.result is None:  # out of rounds: what is still pending keeps the unknowns (rules stay silent)
            u.result = Analysis([])
        elif cache is not None and u.fresh:
            cache.put(u.key, u.result)


def _linked(unit: _Unit, project: Project) -> Linked:
    """What the file sees of its project, and whether to summarize it for the others."""
    return Linked(project.package_of(unit.real), unit.answers, summarize=unit.summarize or not unit.prefilter)


def _schedule(
    units: list[_Unit],
    by_real: dict[Path, _Unit],
    index: ProjectIndex,
    settings: Settings,
    cache: Cache | MemoryCache | None,
    read: Reader,
) -> bool:
    """Mark what the next round lints: modules whose summary is needed, files whose answers changed."""
    needed: set[Path] = set()
    relint: list[tuple[_Unit, dict[str, Entry | None]]] = []
    for u in units:
        assert u.result is not None
        if not u.result.demands:
            continue
        answers: dict[str, Entry | None] = {}
        missing: list[Path] = []
        for name in u.result.demands:
            found = index.lookup(name, u.real)
            answers[name] = found.entry
            missing.extend(found.missing)
        if missing:
            needed.update(missing)  # answered once those are read
        elif any(entry_hash(answers[n]) != h for n, h in u.result.demands.items()):
            relint.append((u, answers))
    for u, answers in relint:
        u.answers, u.result = answers, None
    for path in sorted(needed):
        unit = by_real.get(path)
        if unit is None:
            unit = _read(path, settings, None, report=False, read=read)
            if unit is None:
                index.summaries[path] = None  # unreadable: its names stay unknown
                continue
            units.append(unit)
            by_real[path] = unit
            unit.result = cache.get(unit.key) if cache is not None else None
            unit.prefilter = False
            if unit.result is not None and unit.result.summary is None:
                unit.result = None  # cached from a run that skipped it: parse it now
        elif unit.prefilter:
            unit.prefilter, unit.result = False, None
        else:
            index.summaries[path] = None  # read, and still no summary: it does not parse
    return bool(relint or needed)


class _Linter:
    """Runs lint tasks: in killable worker processes with the per-file time limit (a CLI run), or in this process
    (an editor's buffer, where a lint must start without a process)."""

    def __init__(self, settings: Settings, jobs: int | None, killable: bool, *, threaded: bool = False) -> None:
        """``threaded``: the caller runs threads (the Language Server), so workers must not be forked from it."""
        self.pool: Pool[_Task, Analysis] | None = None
        if killable:
            limit = settings.per_file_timeout
            self.pool = Pool(
                jobs or _cores(),
                _lint_one,
                init=_worker_init,
                clean_start=threaded,
                limit=limit,
                late=lambda t: Analysis([_error(t.shown, f"not analysed: took longer than {limit:g} s", t.settings)]),
                died=lambda t, why: Analysis([_error(t.shown, f"internal error: its worker died ({why})", t.settings)]),
            )

    def run(self, tasks: list[_Task]) -> list[tuple[Analysis, bool]]:
        """Each task's analysis, and whether it is one to cache (not a time-out or a worker's death)."""
        if self.pool is None:
            with _gc_per_file():
                return [(_lint_one(t), True) for t in tasks]
        # Largest files first: no worker is left with one big file while the others idle.
        order = sorted(range(len(tasks)), key=lambda i: len(tasks[i].data), reverse=True)
        return self.pool.map(tasks, order)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
