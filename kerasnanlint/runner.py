"""Lint many files: discovery, cache, process pool. One bad file never stops the others."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kerasnanlint.cache import Cache
from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.files import discover, is_notebook_path, mentions_keras

# Below this many files to parse, a process pool costs more to start than it saves.
_POOL_THRESHOLD = 8


@dataclass
class RunResult:
    """A run's findings (sorted), how many files it checked and how many came from the cache."""

    diagnostics: list[Diagnostic]
    files_checked: int
    cache_hits: int = 0
    # display path -> file_digest of the bytes linted: --fix reuses a file's findings while it still holds them
    digests: dict[str, str] = field(default_factory=dict)


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


def _lint_one(args: tuple[str, bytes, Settings]) -> list[Diagnostic]:
    path, data, settings = args
    if _plainly_not_keras(data):
        return []
    try:
        return lint_bytes(data, path, settings)
    finally:
        if _manual_gc:
            _after_file()


def lint_bytes(data: bytes, path: str, settings: Settings) -> list[Diagnostic]:
    """Lint one file's bytes as what its path says it is: a notebook (.ipynb) or Python."""
    if is_notebook_path(path):
        from kerasnanlint.notebook_lint import lint_notebook  # here: a .py-only run never imports it

        return lint_notebook(data, path, settings)
    from kerasnanlint.engine import lint_source  # here: a run with nothing to parse never imports LibCST

    return lint_source(data, path, settings)


def lint_paths(
    paths: Iterable[Path], settings: Settings, *, jobs: int | None = None, use_cache: bool = True
) -> RunResult:
    """Lint the files under ``paths`` (discovered with the settings' excludes), from the cache where it can."""
    files = list(discover(list(paths), settings))
    cache = Cache(settings.root, settings.fingerprint()) if use_cache else None
    results: list[Diagnostic] = []
    todo: list[tuple[str, bytes, Settings]] = []
    keys: list[str] = []
    digests: dict[str, str] = {}
    hits = 0
    for file in files:
        shown = display_path(file)
        try:
            data = file.read_bytes()
        except OSError as exc:
            from kerasnanlint.engine import SourceError, source_error_diagnostic

            err = SourceError(f"cannot read file: {exc.strerror or exc}")
            results.append(source_error_diagnostic(shown, err, settings))
            continue
        key = digests[shown] = file_digest(shown, data)
        if cache is not None:
            cached = cache.get(key)
            if cached is not None:
                results.extend(cached)
                hits += 1
                continue
            keys.append(key)
        todo.append((shown, data, settings))

    workers = min(jobs if jobs is not None else _cores(), len(todo))
    if workers > 1 and len(todo) >= _POOL_THRESHOLD:
        # Largest files first, in small chunks: no worker is left with one big file while the others idle.
        order = sorted(range(len(todo)), key=lambda i: len(todo[i][1]), reverse=True)
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
            chunk = max(1, len(todo) // (workers * 16))
            done = list(pool.map(_lint_one, [todo[i] for i in order], chunksize=chunk))
        outputs: list[list[Diagnostic]] = [[] for _ in todo]
        for i, diags in zip(order, done, strict=True):
            outputs[i] = diags
    else:
        with _gc_per_file():
            outputs = [_lint_one(t) for t in todo]

    for i, diags in enumerate(outputs):
        results.extend(diags)
        if cache is not None:
            cache.put(keys[i], diags)
    results.sort(key=Diagnostic.sort_key)
    return RunResult(results, len(files), hits, digests)
