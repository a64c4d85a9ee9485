"""Where tasks run: ``serial`` (this process), ``local`` (a process pool on this machine) or
``dask`` (dask.distributed: a LocalCluster, or an existing cluster's scheduler).

Every backend runs the same pure task function on the same task specs and yields results as
they complete; results depend only on the specs (random streams are keyed by task), never on
the backend, the number of workers or the order of completion.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from backscratch.core.errors import ScenarioError

BACKENDS = ("serial", "local", "dask")


MAX_WORKERS = 256
"""Most processes (local) or workers (dask) a run may ask for."""


def check_backend(backend: str, workers: int | None = None, scheduler: str | None = None) -> None:
    """A one-line error if ``backend``, ``workers`` or ``scheduler`` cannot be used (checked
    before anything is written)."""
    if backend not in BACKENDS:
        raise ScenarioError.bad(
            "backend", f"unknown backend '{backend}' (known: {', '.join(BACKENDS)})"
        )
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ScenarioError.bad("workers", f"must be at least 1, got {workers}")
    if workers is not None and workers > MAX_WORKERS:
        raise ScenarioError.bad("workers", f"{workers} is more than the limit of {MAX_WORKERS}")
    if scheduler is not None and backend != "dask":
        raise ScenarioError.bad("scheduler", "only with the dask backend")


def run_tasks(
    fn: Callable[[Any], Any],
    specs: Iterable[Any],
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """Yield ``fn(spec)`` for every spec, in completion order, on the chosen backend."""
    specs = list(specs)
    check_backend(backend, workers, scheduler)
    if not specs:
        return
    if backend == "serial":
        for spec in specs:
            yield fn(spec)
    elif backend == "local":
        n = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(fn, s) for s in specs]
            for fut in as_completed(futures):
                yield fut.result()
    else:
        yield from _dask(fn, specs, workers, scheduler)


def _dask(fn, specs, workers, scheduler) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ScenarioError.bad(
            "backend", "dask.distributed is not installed (pip install 'backscratch[dask]')", "dask"
        ) from None
    if scheduler is None:
        import dask

        # Two dask defaults slow these tasks on our own cluster, so they are off: the workers'
        # statistical profiler (samples every 10 ms, taking the GIL from the task thread; up
        # to 2x), and MALLOC_TRIM_THRESHOLD_ in the workers' environment, which pins glibc's
        # mmap threshold so that every large array is fresh, page-faulted memory (+25%).
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        with dask.config.set(
            {
                "distributed.worker.profile.enabled": False,
                "distributed.nanny.pre-spawn-environ": environ,
            }
        ):
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ScenarioError.bad("scheduler", f"cannot connect ({reason})", scheduler) from None
    try:
        futures = client.map(fn, specs, pure=False)
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
