"""``kerasnanlint [check] PATH...``, ``rules``, ``rule KNL101``, ``confirm PATH...``, ``lsp``.

Exit codes follow ruff: 0 nothing at or above --fail-on, 1 findings remain, 2 usage or configuration error.
Heavy imports (libcst, TensorFlow for confirm, pygls for lsp) happen inside the subcommands only.
"""

from __future__ import annotations

import argparse
import difflib
import io
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from kerasnanlint import __version__
from kerasnanlint.adopt_cli import add_adoption_arguments, instead_of_lint, show_fixes, watch_instead
from kerasnanlint.colour import CHOICES as COLOUR_CHOICES
from kerasnanlint.formats import FORMATS, TERMINAL_FORMATS
from kerasnanlint.rule import parse_codes

if TYPE_CHECKING:  # imported where used: `kerasnanlint --version` stays fast
    from kerasnanlint.config import Settings
    from kerasnanlint.diagnostics import Diagnostic
    from kerasnanlint.source import Sources

SUBCOMMANDS = ("check", "rules", "rule", "confirm", "lsp")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line or configuration: printed as ``kerasnanlint: error: ...``, exit code 2."""


def _codes(text: str) -> tuple[str, ...]:
    try:
        return parse_codes(c.strip().upper() for c in text.split(",") if c.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_lint_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``check`` and ``confirm``: paths, format, selection, fixing (ruff's names)."""
    p.add_argument("paths", nargs="*", type=Path, help="files or folders to lint; - reads standard input")
    p.add_argument(
        "--output-format",
        "--format",
        dest="format",
        default="full",
        choices=FORMATS,
        metavar="FORMAT",
        help="full (the default, as in ruff: source line, carets, help), concise (one line per finding; text is its"
        " old name), json, sarif, github, gitlab or lsp; --format is an alias",
    )
    p.add_argument(
        "--color",
        choices=COLOUR_CHOICES,
        default="auto",
        help="colour full/concise output: auto (on a terminal, unless NO_COLOR; FORCE_COLOR forces it), always, never",
    )
    p.add_argument(
        "--fail-on",
        choices=("info", "warning", "error"),
        default=None,
        help="lowest severity that makes the exit code 1 (default: warning)",
    )
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    p.add_argument("--select", type=_codes, default=None, help="comma-separated codes or prefixes to enable")
    p.add_argument("--extend-select", type=_codes, default=None)
    p.add_argument("--ignore", type=_codes, default=None, help="comma-separated codes or prefixes to disable")
    p.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    p.add_argument("--stdin-filename", default=None, help="the path of the file read from standard input")
    p.add_argument("--config", type=Path, default=None, help="a pyproject.toml to read instead of the nearest")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument(
        "--per-file-timeout",
        type=float,
        metavar="SECONDS",
        help="a file analysed longer gets KNL000 'not analysed' (default 10, or per-file-timeout in the config)",
    )
    p.add_argument("--no-cache", action="store_true", help="neither read nor write .kerasnanlint_cache")
    p.add_argument(
        "--force-exclude",
        action="store_true",
        default=None,
        help="apply excludes to files named on the command line too (pre-commit)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    p.add_argument("--fix", action="store_true", help="apply safe fixes")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")
    p.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing")
    p.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a fix was applied")
    add_adoption_arguments(p)


def add_confirm_arguments(p: argparse.ArgumentParser) -> None:
    """The runtime probes' options (``confirm``, ``check --confirm``)."""
    p.add_argument("--budget", type=float, default=120.0, help="total seconds for runtime probes")
    p.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    p.add_argument("--trials", type=int, default=2, help="trials per probe search")
    p.add_argument("--epochs", type=int, default=1, help="epochs per probe trial")
    p.add_argument(
        "--batches", type=int, default=40, help="batches per probe epoch, and of a dataset or generator checked for NaN"
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the script and the probe runs (default 1234)")
    p.add_argument("--report", type=Path, default=None, help="write an HTML report of the verdicts, trials and curves")
    p.add_argument("--shard", default=None, metavar="I/N", help="run only the I-th of N parts of the scripts (CI)")


class _Parser(argparse.ArgumentParser):
    """argparse with "did you mean" for a misspelt option or subcommand (Python 3.11 has no suggestions)."""

    def error(self, message: str) -> NoReturn:
        words = re.findall(r"unrecognized arguments: (.+)|invalid choice: '([^']+)'", message)
        wrong = [w for found in words for w in " ".join(found).split() if w]
        parsers: list[argparse.ArgumentParser] = [self]
        for a in self._actions:  # the subcommands' options too: the top parser reports what none of them took
            if isinstance(a.choices, dict):
                parsers += [c for c in a.choices.values() if isinstance(c, argparse.ArgumentParser)]
        known = [o for parser in parsers for a in parser._actions for o in a.option_strings]
        known += [c for a in self._actions if isinstance(a.choices, dict | list | tuple) for c in a.choices]
        close = [m for w in wrong for m in difflib.get_close_matches(w, known, n=1, cutoff=0.6)]
        super().error(message + (f" (did you mean {', '.join(close)}?)" if close else ""))


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = _Parser(
        prog="kerasnanlint",
        description="Find the Keras/KerasTuner code that makes searches score NaN or fail.",
    )
    parser.add_argument("--version", action="version", version=f"kerasnanlint {__version__}")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="lint files and folders (the default command)")
    add_lint_arguments(check)
    check.add_argument("--confirm", action="store_true", help="run runtime probes for the findings")
    add_confirm_arguments(check)
    confirm = sub.add_parser("confirm", help="lint, then run short searches to confirm findings (runs your code)")
    add_lint_arguments(confirm)
    add_confirm_arguments(confirm)
    sub.add_parser("rules", help="list the rule catalogue").add_argument(
        "--format", choices=("text", "json"), default="text"
    )
    sub.add_parser("rule", help="print a rule's documentation").add_argument("code")
    sub.add_parser("lsp", help="start the Language Server on stdio (needs the lsp extra)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line (``check`` when no subcommand is named); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "check")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help/--version
        return int(exc.code or 0)
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        code = _dispatch(parser, args)
        if not sys.stdout.closed:  # the Language Server's transport closes it on exit
            sys.stdout.flush()  # a full disk shows here, while we can still say so
        return code
    except UsageError as exc:
        print(f"kerasnanlint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`kerasnanlint rules | head`): stop quietly, as `yes | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # the status of a process ended by SIGPIPE
    except OSError as exc:  # writing the output failed (/dev/full): say so, no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"kerasnanlint: error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "rules":
        return _cmd_rules(args)
    if args.command == "rule":
        return _cmd_rule(args)
    if args.command == "lsp":
        return _cmd_lsp()
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.watch:
        return watch_instead(args, lambda: _cmd_check(args, confirm=False))
    return _cmd_check(args, confirm=args.command == "confirm" or getattr(args, "confirm", False))


def _cmd_rules(args: argparse.Namespace) -> int:
    from kerasnanlint.registry import all_rules

    rules = all_rules()
    if args.format == "json":
        import json

        print(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": str(r.severity),
                        "summary": r.summary,
                        "runtime_only": r.runtime_only,
                    }
                    for r in rules.values()
                ],
                indent=2,
            )
        )
        return EXIT_OK
    for r in rules.values():
        tag = " (runtime-confirm only)" if r.runtime_only else ""
        print(f"{r.code}  {r.name:<36} {r.severity!s:<8} {r.summary}{tag}")
    return EXIT_OK


def _cmd_rule(args: argparse.Namespace) -> int:
    from kerasnanlint import catalog

    code = args.code.strip().upper()
    text = catalog.doc(code)
    if text is None:
        raise UsageError(f"unknown rule {args.code!r}; `kerasnanlint rules` lists them")
    print(text, end="" if text.endswith("\n") else "\n")
    return EXIT_OK


def _cmd_lsp() -> int:
    try:
        from kerasnanlint.lsp import serve
    except ImportError as exc:
        raise UsageError(
            f"the Language Server needs the lsp extra ({exc.name or exc}): pip install 'kerasnanlint[lsp]'"
        ) from None
    serve()
    return EXIT_OK


class _KnownCodes(Collection[str]):
    """Every rule code, for validating configured codes: "KNL000" first, which the registry defines without
    importing the checks (and LibCST), so the usual "KNL" prefix is validated for free and a run whose files
    are all cached never imports LibCST."""

    def __iter__(self) -> Iterator[str]:
        from kerasnanlint.registry import SYNTAX_ERROR, all_rules

        yield SYNTAX_ERROR.code
        yield from all_rules()

    def __contains__(self, code: object) -> bool:
        return any(k == code for k in self)

    def __len__(self) -> int:
        return sum(1 for _ in dict.fromkeys(self))


def _settings(args: argparse.Namespace, anchor: Path) -> Settings:
    from kerasnanlint.config import ConfigError, did_you_mean, load_settings, validate_codes
    from kerasnanlint.diagnostics import Severity

    known = _KnownCodes()
    try:
        settings = load_settings(anchor, args.config)
        validate_codes(settings, known)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    for flag in ("select", "extend_select", "ignore"):
        for code in getattr(args, flag) or ():
            if not any(k.startswith(code) for k in known):
                option = "--" + flag.replace("_", "-")
                raise UsageError(f"{option}: {code!r} matches no rule{did_you_mean(code, known)}")
    changes: dict[str, object] = {}
    if args.select is not None:
        changes["select"] = args.select
    if args.extend_select is not None:
        changes["extend_select"] = args.extend_select
    if args.select is not None or args.ignore is not None:
        # As in ruff, a --select on the command line starts a new layer: the config's ignore list is dropped.
        base = () if args.select is not None else settings.ignore
        changes["ignore"] = base + (args.ignore or ())
    if args.fail_on is not None:
        changes["fail_on"] = Severity.parse(args.fail_on)
    if args.force_exclude:
        changes["force_exclude"] = True
    timeout = getattr(args, "per_file_timeout", None)
    if timeout is not None:
        if not 0 < timeout < float("inf"):
            raise UsageError(f"--per-file-timeout must be a positive number of seconds, got {timeout}")
        changes["per_file_timeout"] = timeout
    return settings.with_(**changes)


def _cmd_check(args: argparse.Namespace, *, confirm: bool) -> int:
    if not args.paths:  # --stdin-filename alone reads standard input, as in ruff (what editors send)
        args.paths = [Path("-" if args.stdin_filename else ".")]
    stdin = [p for p in args.paths if str(p) == "-"]
    if stdin and len(args.paths) > 1:
        raise UsageError("`-` (standard input) cannot be combined with other paths")
    for p in args.paths:
        if str(p) != "-" and not p.exists():
            command = difflib.get_close_matches(str(p), SUBCOMMANDS, n=1, cutoff=0.7)
            hint = f" (did you mean the `{command[0]}` command?)" if command else ""
            raise UsageError(f"{p}: no such file or directory{hint}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    anchor = Path(args.stdin_filename) if args.stdin_filename else (args.paths[0] if not stdin else Path("."))
    settings = _settings(args, anchor)  # an unsaved --stdin-filename still finds its project's config
    instead = instead_of_lint(args, anchor, settings)  # --show-settings, --show-files, --add-noqa
    if instead is not None:
        return instead

    from kerasnanlint.source import Sources

    sources = Sources()  # what the renderers read lines from: disk, unless standard input or --fix say otherwise
    diagnostics: list[Diagnostic]
    stdin_text = _StdinText.read(args.stdin_filename, settings) if stdin else None
    if stdin_text is not None:
        diagnostics, files, digests = stdin_text.lint(settings, sources), 1, None
    else:
        from kerasnanlint.runner import lint_paths

        result = lint_paths(args.paths, settings, jobs=args.jobs, use_cache=not args.no_cache and not confirm)
        diagnostics, files, digests = result.diagnostics, result.files_checked, result.digests
        for note in result.notes:
            print(f"kerasnanlint: {note}", file=sys.stderr)

    fixed = 0
    applied: dict[str, list[str]] | None = None  # by path, the rules of the fixes --fix applied (--show-fixes)
    out = sys.stdout
    if args.fix or args.diff:  # --unsafe-fixes alone applies nothing, as in ruff
        from kerasnanlint.fix_cli import fix_files, fix_stdin

        mode = {"unsafe": bool(args.unsafe_fixes), "diff": bool(args.diff)}
        if stdin_text is not None:
            data, name, excluded = stdin_text.data, stdin_text.name, stdin_text.excluded
            diagnostics, fixed, applied = fix_stdin(
                data, name, diagnostics, settings, sources, excluded=excluded, **mode
            )
        else:
            diagnostics, fixed, applied = fix_files(diagnostics, settings, sources, digests=digests, **mode)
        if args.diff:  # as in ruff, the diff is the output; exit 1 when there is one
            return EXIT_FINDINGS if fixed and not args.exit_zero else EXIT_OK
        if stdin:
            out = sys.stderr  # standard output carries the fixed source

    if confirm:
        diagnostics = _confirm(args, settings, diagnostics)

    from kerasnanlint.formats import renderer

    if args.statistics:  # instead of the findings, as ruff does: json/sarif output must stay parseable
        _print_statistics(diagnostics, out, as_json=args.format not in TERMINAL_FORMATS)
    else:
        from kerasnanlint.colour import wants_colour

        out.write(renderer(args.format, colour=wants_colour(args.color, out))(diagnostics, sources, settings))
    if args.show_fixes:  # machine-readable formats keep standard output to themselves
        show_fixes(
            applied, diagnostics, out if args.format in TERMINAL_FORMATS else sys.stderr, unsafe=args.unsafe_fixes
        )
    if args.format in TERMINAL_FORMATS and not args.quiet:
        _print_summary(diagnostics, files, fixed, out, unsafe=args.unsafe_fixes)
    if args.exit_zero:
        return EXIT_OK
    if args.exit_non_zero_on_fix and fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if any(d.severity >= settings.fail_on for d in diagnostics) else EXIT_OK


def _confirm(args: argparse.Namespace, settings: Settings, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Runtime-confirm the findings of the scripts and notebooks (a notebook runs as its code cells in order)."""
    from kerasnanlint.confirm import ConfirmOptions, ConfirmUnavailable
    from kerasnanlint.confirm import confirm as run_confirm

    if min(args.trials, args.epochs, args.batches) < 1:
        raise UsageError("--trials, --epochs and --batches must be at least 1")
    if not (math.isfinite(args.budget) and args.budget > 0):  # nan would mean 1 s per script, inf no limit at all
        raise UsageError(f"--budget {args.budget:g}: expected a finite number of seconds above 0, e.g. --budget 120")
    if args.report is not None and not args.report.parent.is_dir():
        raise UsageError(f"--report {args.report}: the folder {args.report.parent} does not exist")
    seed = {} if args.seed is None else {"seed": args.seed}
    options = ConfirmOptions(
        budget=args.budget, device=args.device, trials=args.trials, epochs=args.epochs, max_batches=args.batches,
        report=args.report, jobs=args.jobs or 1, shard=_shard(args.shard), **seed,
    )  # fmt: skip
    try:
        return run_confirm(args.paths, settings, diagnostics, options)
    except ConfirmUnavailable as exc:
        raise UsageError(str(exc)) from None


def _shard(text: str | None) -> tuple[int, int] | None:
    """``--shard I/N`` as (I, N), 1 <= I <= N."""
    if text is None:
        return None
    found = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise UsageError(f"--shard {text}: expected I/N with 1 <= I <= N, e.g. --shard 2/4")
    return int(found.group(1)), int(found.group(2))


@dataclass(frozen=True)
class _StdinText:
    """Standard input: its bytes, the path findings carry (--stdin-filename, else -), and whether
    --force-exclude excludes that path (then it is neither linted nor fixed)."""

    data: bytes
    name: str
    excluded: bool

    @classmethod
    def read(cls, filename: str | None, settings: Settings) -> _StdinText:
        """Read standard input, named ``filename`` when --stdin-filename gave one."""
        name = filename or "-"
        excluded = bool(filename and settings.force_exclude and settings.is_excluded(name))
        if sys.stdin is None or sys.stdin.closed:
            raise UsageError("`-`: standard input is closed")
        try:
            return cls(sys.stdin.buffer.read(), name, excluded)
        except (OSError, ValueError) as exc:
            raise UsageError(f"`-`: cannot read standard input: {exc}") from None

    def lint(self, settings: Settings, sources: Sources) -> list[Diagnostic]:
        """The findings; the text goes into ``sources``, which renderers must read rather than a file on disk
        that may differ."""
        if self.excluded:
            return []
        from kerasnanlint.runner import lint_in_project
        from kerasnanlint.source import SourceError, SourceFile

        try:
            sources.add(SourceFile.from_bytes(self.name, self.data))
        except SourceError:
            pass
        return lint_in_project(self.data, self.name, settings).diagnostics


def _print_statistics(diagnostics: list[Diagnostic], out: TextIO = sys.stdout, *, as_json: bool = False) -> None:
    counts = Counter((d.rule, d.name, str(d.severity)) for d in diagnostics)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if as_json:
        import json

        data = [{"code": c, "name": name, "severity": sev, "count": n} for (c, name, sev), n in rows]
        print(json.dumps(data, indent=2), file=out)
        return
    for (code, name, sev), n in rows:
        print(f"{n:5d}  {code}  [{sev}]  {name}", file=out)


def _print_summary(
    diagnostics: list[Diagnostic], files: int, fixed: int, out: TextIO = sys.stdout, *, unsafe: bool = False
) -> None:
    if fixed:
        print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.", file=out)
    if not diagnostics:
        print(f"All checks passed! ({files} file{'s' if files != 1 else ''} checked)", file=out)
        return
    by_sev = Counter(str(d.severity) for d in diagnostics)
    plural = {"error": "errors", "warning": "warnings", "info": "info"}
    parts = ", ".join(f"{by_sev[s]} {s if by_sev[s] == 1 else plural[s]}" for s in plural if by_sev[s])
    n = len(diagnostics)
    print(f"Found {n} finding{'s' if n != 1 else ''} ({parts}) in {files} file{'s' if files != 1 else ''}.", file=out)
    from kerasnanlint.fix_cli import fix_summary

    hint = fix_summary(diagnostics, unsafe)
    if hint:  # on standard error: the summary line stays the last line of the report
        print(hint, file=sys.stderr)
