"""Where submissions are graded: a Dask cluster, embedded in tito or started by the instructor.

Each submission is one Dask task, ``tito.grading.worker.grade(task)``. Without
``--scheduler`` tito starts a ``LocalCluster`` of ``workers`` processes with
one thread each; with ``--scheduler tcp://HOST:PORT`` (or the path of a
scheduler file) it sends the tasks to a running cluster started with Dask's
own commands (``dask scheduler``, ``dask worker ADDRESS --nworkers N
--nthreads 1``) or any Dask deployment.

Nothing is lost when a worker dies: the scheduler gives the tasks it was
running to another worker (up to ``distributed.scheduler.allowed-failures``
deaths per task, then the submission is reported as not graded), and a task
that raised is tried again ``RETRIES`` times. Each future completes once, and
tito records a submission's result once (autograde.py).
"""
from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from tito.errors import TitoError
from tito.grading.submission import Submission
from tito.grading.task import GradingResult, GradingTask

RETRIES = 2            # a task that raised (not one whose worker died) runs up to 3 times
IN_FLIGHT_PER_THREAD = 2   # tasks sent ahead of the workers: they never wait, tito's memory stays small


@contextmanager
def dask_client(scheduler: str | None, workers: int):
    """A Dask client: to the cluster at ``scheduler`` (address or scheduler file), else an embedded one."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        # Processes with one thread each: nbgrader grades one submission at a time per process.
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=logging.ERROR,
                          # no dashboard; its HTTP endpoints on any free port of 127.0.0.1
                          scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        if "://" not in scheduler and Path(scheduler).is_file():
            client = Client(scheduler_file=scheduler, timeout="20s")
        else:
            client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as err:
        raise TitoError(f"cannot reach the Dask scheduler at {scheduler}: {str(err).splitlines()[0]} "
                        "(start one with `dask scheduler`, see docs/grading.md)") from None
    with client:
        yield client


def describe(client) -> str:
    """``at ADDRESS (N worker processes, T threads)`` for the start line."""
    threads = client.nthreads()
    return (f"{len(threads)} Dask worker(s) with {sum(threads.values())} thread(s) "
            f"at {client.scheduler.address}")


def failure(error: BaseException) -> str:
    """The one-line reason a task ended without a result."""
    from distributed import KilledWorker

    if isinstance(error, KilledWorker):
        return ("not graded: every worker that took it died (Dask gave up after "
                "distributed.scheduler.allowed-failures); run autograde again")
    if isinstance(error, ModuleNotFoundError):
        return f"not graded: the worker cannot import {error.name} (install the course environment there)"
    return f"not graded: {type(error).__name__} on the worker: {str(error).splitlines()[0] if str(error) else ''}"


def grade_all(client, todo: list[Submission], make_task: Callable[[Submission], GradingTask],
              ) -> Iterator[tuple[Submission, GradingResult | None, str]]:
    """Grade ``todo`` on the cluster; yield ``(submission, result or None, why not)`` as each ends.

    Tasks are built and sent a few at a time (``IN_FLIGHT_PER_THREAD`` per
    worker thread), so a class of any size never sits whole in memory.
    """
    from distributed import as_completed

    from tito.grading.worker import grade

    token = uuid.uuid4().hex[:8]
    waiting = list(reversed(todo))
    running: dict[str, tuple[Submission, object]] = {}   # by task key: the submission, its future
    completed = as_completed()

    def send_more() -> None:
        room = max(4, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values())) - len(running)
        while waiting and room > 0:
            submission = waiting.pop()
            future = client.submit(grade, make_task(submission), key=f"tito-grade-{token}-{submission.student}",
                                   retries=RETRIES, pure=False)
            running[future.key] = (submission, future)
            completed.add(future)
            room -= 1

    send_more()
    try:
        for future in completed:
            submission, _ = running.pop(future.key)
            if future.status == "finished":
                yield submission, future.result(), ""
            elif future.status == "cancelled":
                yield submission, None, "not graded: its task was cancelled on the cluster; run autograde again"
            else:
                yield submission, None, failure(future.exception())
            future.release()
            send_more()
    finally:  # interrupted: queued tasks are dropped; a remote worker finishes a running one unheard
        if running:
            client.cancel([future for _, future in running.values()], force=True)
