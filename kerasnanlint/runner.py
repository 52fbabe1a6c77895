"""Lint many files: discovery, cache, process pool. One bad file never stops the others."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kerasnanlint.cache import Cache
from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source
from kerasnanlint.files import discover

# Below this many files to parse, a process pool costs more to start than it saves.
_POOL_THRESHOLD = 8


@dataclass
class RunResult:
    diagnostics: list[Diagnostic]
    files_checked: int
    cache_hits: int = 0


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _lint_one(args: tuple[str, bytes, Settings]) -> list[Diagnostic]:
    path, data, settings = args
    try:
        return lint_source(data, path, settings)
    except RecursionError:
        from kerasnanlint.engine import SourceError, source_error_diagnostic

        return [source_error_diagnostic(path, SourceError("file too deeply nested to analyse"), settings)]


def lint_paths(
    paths: Iterable[Path], settings: Settings, *, jobs: int | None = None, use_cache: bool = True
) -> RunResult:
    files = list(discover(list(paths), settings))
    cache = Cache(settings.root, settings.fingerprint()) if use_cache else None
    results: list[Diagnostic] = []
    todo: list[tuple[str, bytes, Settings]] = []
    keys: list[str] = []
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
        if cache is not None:
            key = Cache.key(shown, data)
            cached = cache.get(key)
            if cached is not None:
                results.extend(cached)
                hits += 1
                continue
            keys.append(key)
        todo.append((shown, data, settings))

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and len(todo) >= _POOL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outputs = list(pool.map(_lint_one, todo, chunksize=max(1, len(todo) // (workers * 4))))
    else:
        outputs = [_lint_one(t) for t in todo]

    for i, diags in enumerate(outputs):
        results.extend(diags)
        if cache is not None:
            cache.put(keys[i], diags)
    results.sort(key=Diagnostic.sort_key)
    return RunResult(results, len(files), hits)
