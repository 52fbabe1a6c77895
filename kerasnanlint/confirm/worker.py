"""A warm confirm worker: ``python -m kerasnanlint.confirm.worker`` (POSIX only).

It imports Keras, its backend and KerasTuner once, then forks a fresh process per script: each script still runs
in a process of its own (fresh module state, its own working directory, its own process group for the timeout),
but no longer pays the framework import. The parent (kerasnanlint.confirm.spawn.Worker) writes one job per line
on stdin, ``PLAN.json RESULT.json``; the worker answers ``pid N`` when the script's process starts and ``done RC``
when it ends, after every process the script left behind is killed (kerasnanlint.confirm.reaper). Forking happens
before any training, while the framework has run no op.
"""

from __future__ import annotations

import os
import sys

from kerasnanlint.confirm import child
from kerasnanlint.confirm.reaper import become_subreaper, sweep


def warm_up() -> None:
    """The imports every script needs; KerasTuner too, as most scripts use it. A backend that is not installed is
    left to each script's process, which reports it with the extra to install."""
    try:
        import keras  # noqa: F401
        import keras_tuner  # noqa: F401
    except ImportError:
        pass


def serve() -> int:
    """Run jobs from stdin until it closes."""
    warm_up()
    become_subreaper()  # the script's orphans come to this worker, so that sweep() finds them
    print("ready", flush=True)
    for line in sys.stdin:
        plan_path, result_path = line.split()
        pid = os.fork()
        if pid == 0:  # the script's own process
            os.setsid()  # its own process group: a timeout kills the script's subprocesses too
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)  # the job lines are the worker's, not the script's
            sys.stdin = open(os.devnull)  # lives as long as the process
            with open(os.path.join(os.path.dirname(plan_path), "stdout.txt"), "wb") as out:
                os.dup2(out.fileno(), 1)  # the user's prints must not mix with the worker's answers
            os._exit(child.main([plan_path, result_path]))
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        sweep(pid)  # what the script left running (its background processes, a setsid child) ends with it
        print(f"done {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
