"""The dask engine's cluster: a LocalCluster set up for it, or a scheduler reached within a time limit.

dask and distributed are imported inside the functions: they are the optional ``[dask]`` extra, and
importing this module must work without them.
"""

from __future__ import annotations

import gc
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Final

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import library_message
from chengyu.geo.limits import SCHEDULER_SECONDS

__all__ = ["NO_DASHBOARD", "WORKER_GC_THRESHOLD", "connect", "local_client"]

#: LocalCluster options for no dashboard, and the scheduler's HTTP server (it always has one) on a
#: free port rather than 8787, which may be taken (a warning) by another cluster on the machine.
NO_DASHBOARD: Final = {"dashboard_address": ":0", "scheduler_kwargs": {"dashboard": False}}

#: gc.set_threshold in the worker processes of local_client. Reading makes hundreds of thousands
#: of shapely geometries at a time (in dask-geopandas' read tasks too, which ours cannot wrap), and
#: with Python's default (700, 10, 10) the cyclic collector then runs full collections over the
#: whole worker again and again: measured 0.5-1 s of 2 s for a million points. It still runs.
WORKER_GC_THRESHOLD: Final = (100_000, 20, 10)

# Clients made by local_client (a WeakSet: they are not kept alive by being listed).
_OWN_CLIENTS: Any = weakref.WeakSet()


@contextmanager
def local_client(n_workers: int = 2, *, processes: bool = True) -> Iterator[Any]:
    """A :class:`distributed.Client` on a LocalCluster set up for this engine, closed on the way out.

    ``n_workers`` single-threaded workers (processes, or threads of this process with
    ``processes=False``); no dashboard; the active memory manager off, because its ReduceReplicas
    policy undoes the broadcast of the zones (and can stall it: dask/dask#11148,
    dask/distributed#8796); and the workers' cyclic garbage collector made to run less often (see
    :data:`WORKER_GC_THRESHOLD`). :func:`~geo.coverage.dask.covered_area_dask` starts one of these
    unless it is given a scheduler or a client; pass one as ``client=`` to measure several layers
    on one cluster.
    """
    import dask
    from distributed import Client, LocalCluster

    if n_workers < 1:
        raise ValueError("n_workers must be at least 1")
    level = logging.getLogger("distributed").level
    with dask.config.set({"distributed.scheduler.active-memory-manager.start": False}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes, **NO_DASHBOARD)
    try:
        with Client(cluster) as client:
            if processes:
                client.run(gc.set_threshold, *WORKER_GC_THRESHOLD)
                # A task that fails on a broken file comes back to the client, which says it in one
                # line; the worker would also log it, traceback and all, on our stderr.
                client.run(_quiet_distributed_logs)
            _OWN_CLIENTS.add(client)
            try:
                yield client
            finally:
                # Closing races with the workers' heartbeats, which then log ERRORs ("Failed to
                # communicate with scheduler during heartbeat") on stderr, where our read report
                # goes: quiet the cluster's logs for the shutdown only.
                with suppress(Exception):
                    client.run(_quiet_distributed_logs)
                _quiet_distributed_logs()
    finally:
        cluster.close()
        logging.getLogger("distributed").setLevel(level)


def _quiet_distributed_logs() -> None:
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


@contextmanager
def connect(client: Any, scheduler: str | None, n_workers: int) -> Iterator[tuple[Any, bool]]:
    """The client to use, and whether it runs on a cluster of :func:`local_client` (broadcasts allowed).

    ``client`` when one is given (left open); else a client of the scheduler at ``scheduler``, or of
    a :func:`local_client` of ``n_workers`` workers, closed on the way out.
    """
    from distributed import Client

    if client is not None:
        yield client, client in _OWN_CLIENTS
        return
    if scheduler:
        cl = _client_within(Client, scheduler, SCHEDULER_SECONDS.value())
        try:
            yield cl, False
        finally:
            cl.close()
        return
    with local_client(n_workers) as cl:
        yield cl, True


def _client_within(client_type: Any, scheduler: str, seconds: float) -> Any:
    """``Client(scheduler)``, or an AtlasError when it fails or takes longer than ``seconds``.

    distributed's own ``timeout=`` covers the TCP connection only: a server that accepts it but is
    not a dask scheduler (it never answers the handshake) keeps ``Client()`` waiting forever. So
    the client is made in a thread of its own, given up on after ``seconds`` (the thread is left
    to wait; it holds nothing of ours).
    """
    made: list[Any] = []
    failed: list[BaseException] = []

    def attempt() -> None:
        try:
            made.append(client_type(scheduler, timeout=f"{seconds:g}s"))
        except Exception as err:  # noqa: BLE001 - reported below, in the caller's thread
            failed.append(err)

    worker = threading.Thread(target=attempt, name="chengyu-dask-connect", daemon=True)
    worker.start()
    worker.join(seconds + 1.0)
    if made:
        return made[0]
    if failed:
        raise AtlasError(scheduler, f"cannot connect to the dask scheduler: {library_message(failed[0])}")
    raise AtlasError(scheduler, f"did not answer as a dask scheduler within {seconds:g} s (is it one?); "
                     f"check the address given to scheduler= ({SCHEDULER_SECONDS.says()})")
