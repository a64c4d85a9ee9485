"""What every benchmark here shares: interleaved timing, medians, and cleaning up children.

Not a benchmark itself. The scripts run as ``python benchmarks/X.py``, so this directory is
on ``sys.path`` and ``import _bench`` finds this file.

The machine these figures come from is shared (2 cores, another engineer's tests running), so
a neighbour's load comes and goes during a run. Timing ours and the peer in interleaved rounds
(round k calls every side once, the order reversed on every other round: A B, B A, A B, ...)
puts that load on both sides alike, and the median of N per side ignores the worst rounds.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def median(values) -> float:
    return float(statistics.median(values))


def interleaved(
    sides: dict[str, Callable[[], Any]], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[Any]]]:
    """Call every side once a round for ``rounds`` rounds, the order reversed on odd rounds;
    return each side's wall times (seconds) and return values, in round order."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    values: dict[str, list[Any]] = {name: [] for name in sides}
    names = list(sides)
    for k in range(rounds):
        for name in names if k % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            value = sides[name]()
            times[name].append(time.perf_counter() - t0)
            values[name].append(value)
    return times, values


def console_script() -> str:
    """The ``backscratch`` script installed with this interpreter (not a version manager's
    shim on PATH, which would add its own start-up)."""
    beside = Path(sys.executable).parent / "backscratch"
    if beside.exists():
        return str(beside)
    found = shutil.which("backscratch")
    if found is None:
        sys.exit("no backscratch script installed beside this interpreter")
    return found


def wall(cmd: list[str]) -> float:
    """Seconds from starting ``cmd`` to its exit (output discarded; it must exit 0)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def exit_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit`` so that ``finally`` blocks (closing a pool or a dask
    cluster) run when the benchmark is stopped."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def leaves_no_children(main: Callable[[], None]) -> Callable[[], None]:
    """Decorate a benchmark's ``main``: SIGTERM exits through ``finally`` blocks, and at the
    end (also on an error, Ctrl-C or SIGTERM) :func:`report_children` stops and reports any
    child process still alive."""

    def wrapped() -> None:
        exit_on_sigterm()
        try:
            main()
        finally:
            report_children()

    return wrapped


def stop_children(grace: float = 10.0) -> list[str]:
    """Wait up to ``grace`` seconds for this process's children (pool workers, dask's nanny
    and workers, multiprocessing's resource tracker) to exit, stop the resource tracker,
    terminate (then kill) any still alive, and return a description of those it had to stop.
    """
    import psutil

    try:  # the resource tracker outlives its users until this process exits: stop it now
        from multiprocessing import resource_tracker

        resource_tracker._resource_tracker._stop()
    except Exception:  # not running, or a Python without _stop
        pass
    me = psutil.Process(os.getpid())
    deadline = time.monotonic() + grace
    alive = me.children(recursive=True)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    stopped = []
    for p in alive:
        try:
            stopped.append(f"{p.pid} {' '.join(p.cmdline())[:80]}")
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, still = psutil.wait_procs(alive, timeout=5)
    for p in still:
        p.kill()
    return stopped


def report_children(grace: float = 10.0) -> int:
    """:func:`stop_children`, printed; returns how many had to be stopped."""
    stopped = stop_children(grace)
    if stopped:
        print(f"child processes still alive {grace:.0f} s after the work: {len(stopped)}, stopped:")
        for line in stopped:
            print(f"  {line}")
    else:
        print("child processes left: 0 (pool and cluster all exited)")
    return len(stopped)
