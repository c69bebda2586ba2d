"""What does `tito grade autograde` cost per submission, and how does it grow with workers?

Builds a scratch copy of the course (committed modules, source/ and release/
notebooks), records module 06 (or --module) in a fresh gradebook and submits
20 notebooks (half the reference solution, half the untouched student notebook).
Then, side by side in one run:

- the notebook's own run time: the notebook nbgrader ran for each kind of
  submission (hidden tests included, outputs cleared), executed by nbclient in
  an ordinary IPython kernel (kernel start to its default, polite shutdown)
  with the grader's tinytorch importable, no sandbox and no grading around it;
  run as many times as there are submissions, half just before and half just
  after the 1-worker run, so that a machine whose speed drifts affects both
  alike; and how much of it the kernel's polite shutdown after the last cell
  takes (the grader kills the kernel once the last cell has replied instead);
- autograde (--force, so every run does the same work) on a running Dask
  cluster of 1, then 2 worker processes of one thread each (started and warmed
  up before the clock starts, as an instructor's cluster would be): wall-clock
  time, time per submission, and the overhead per submission above the
  notebook's own run time (target: at most 0.5 s), and the speed-up of 2
  workers over 1 (target: at least 1.9x on 2 cores);
- how well the machine runs two busy processes at once, which bounds any speed-up.

    .venv/bin/python benchmarks/bench_autograde.py [--submissions 20] [--module 06]
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "grading"))
sys.modules.setdefault("rfc3987_syntax", None)  # see tito/nbgrader_main.py

from grading_helpers import make_course, release_notebook, solved_notebook, submit  # noqa: E402
from tito.grading import autograde as engine  # noqa: E402
from tito.grading.autograde import autograde, grader_package  # noqa: E402
from tito.grading.settings import GradeSettings  # noqa: E402


def machine_scaling() -> float:
    """How much faster two CPU-bound processes finish together than one after the other.

    2.0 on two idle cores; less when other work shares the machine. The autograde
    ratio cannot beat it, so it is printed next to it.
    """
    busy = [sys.executable, "-c", "sum(i * i for i in range(15_000_000))"]
    started = time.perf_counter()
    subprocess.run(busy, check=True)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    pair = [subprocess.Popen(busy) for _ in range(2)]
    for proc in pair:
        proc.wait()
    return 2 * alone / (time.perf_counter() - started)


def notebook_seconds(nb, lib: Path, workdir: Path) -> tuple[float, float]:
    """Time nbclient takes to run ``nb`` in a fresh python3 kernel, from its start to its shutdown,
    and how much of it came after the last cell's reply (the kernel's polite shutdown)."""
    import copy

    from nbclient import NotebookClient
    from traitlets.config import Config

    from tito.grading.worker import KernelOutput

    workdir.mkdir(parents=True, exist_ok=True)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(lib)
    replied = []
    try:
        started = time.perf_counter()
        NotebookClient(copy.deepcopy(nb), timeout=60, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(workdir)}}, kernel_manager_class=KernelOutput,
                       on_cell_executed=lambda **_: replied.append(time.perf_counter()),
                       config=Config({"KernelOutput": {"output_file": os.devnull}})).execute()
        ended = time.perf_counter()
        return ended - started, ended - replied[-1]
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved


class NotebookAlone:
    """The notebooks nbgrader ran for student00 (solved) and student01 (untouched), run alone."""

    def __init__(self, course, module, lib: Path, workdir: Path):
        import nbformat

        self.lib, self.workdir, self.notebooks = lib, workdir, {}
        for kind, student in (("reference solution", "student00"), ("untouched", "student01")):
            nb = nbformat.read(str(course.root / "autograded" / student / module.name / module.notebook_name),
                               as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            self.notebooks[kind] = nb
        self.times: dict[str, list[float]] = {kind: [] for kind in self.notebooks}
        self.shutdowns: list[float] = []

    def run(self, count: int) -> None:
        """Run ``count`` notebooks, the two kinds in turn (as the submissions alternate)."""
        kinds = list(self.notebooks)
        for i in range(count):
            kind = kinds[i % len(kinds)]
            seconds, shutdown = notebook_seconds(self.notebooks[kind], self.lib, self.workdir)
            self.times[kind].append(seconds)
            self.shutdowns.append(shutdown)

    def mean(self) -> float:
        return statistics.mean(statistics.mean(times) for times in self.times.values())  # half of each

    def polite_shutdown(self) -> float:
        """Mean time from the last cell's reply to the end of the run: nbclient's default shutdown."""
        return statistics.mean(self.shutdowns)

    def describe(self, module) -> str:
        parts = ", ".join(f"{statistics.mean(t):.2f} s ({kind}, {len(t)} runs)" for kind, t in self.times.items())
        return f"{module.name}: the graded notebook alone runs in {parts}; {self.mean():.2f} s on average"


RECORDING: list[float] = []


def timed_record(*args, _record=engine.record):
    """tito's own work per result (gradebook merge, files, ledger): the serial part of a run."""
    started = time.perf_counter()
    _record(*args)
    RECORDING.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--module", default="06", help="module to grade (default: 06, optimizers)")
    args = parser.parse_args()

    from distributed import LocalCluster

    engine.record = timed_record

    folders = sorted(p for p in (REPO / "modules").iterdir() if p.name[:2].isdigit())
    target = next(p for p in folders if p.name.startswith(args.module))
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        course = make_course(Path(tmp), [p for p in folders if p.name <= target.name], target.name,
                             prebuilt=True)
        solved, untouched = solved_notebook(course, target.name), release_notebook(course, target.name)
        for i in range(args.submissions):
            submit(course, target.name, f"student{i:02d}", solved if i % 2 == 0 else untouched)
        module = course.module(target.name)
        settings = GradeSettings.load(course.root)
        lib = grader_package(course, module)

        results, notebook = {}, 0.0
        for workers in (1, 2):
            started = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None, silence_logs=logging.ERROR,
                              # no dashboard; its HTTP endpoints on any free port of 127.0.0.1
                              scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster:
                start_up = time.perf_counter() - started
                address = cluster.scheduler_address
                # warm-up: every worker process imports nbgrader and unpacks the grader's package once
                autograde(course, module, settings, students=["student00", "student01"],
                          force=True, scheduler=address, say=lambda _: None)
                if workers == 1:
                    alone = NotebookAlone(course, module, lib, Path(tmp) / "run")
                    alone.run(args.submissions // 2)
                started = time.perf_counter()
                rows = autograde(course, module, settings, force=True, scheduler=address, say=lambda _: None)
                seconds = time.perf_counter() - started
                if workers == 1:
                    alone.run(args.submissions - args.submissions // 2)
                    notebook = alone.mean()
                    print(alone.describe(module), flush=True)
            failed = [r.student for r in rows if r.failed]
            assert not failed, f"benchmark submissions failed: {failed}"
            results[workers] = seconds
            each = seconds * workers / len(rows)
            print(f"{module.name}: {len(rows)} submissions, {workers} worker process(es): {seconds:6.1f} s "
                  f"({len(rows) / seconds:.2f} submissions/s; {each:.2f} s per submission per worker, "
                  f"{each - notebook:+.2f} s over the notebook alone; cluster start-up {start_up:.1f} s)",
                  flush=True)
        print(f"tito's own work per result (merge into the gradebook, files, ledger): "
              f"{statistics.median(RECORDING) * 1000:.0f} ms median")
        print(f"overhead per submission with 1 worker: {results[1] / args.submissions - notebook:.2f} s "
              f"above the notebook's own run time (target <= 0.5 s); that run time includes "
              f"{alone.polite_shutdown():.2f} s of polite kernel shutdown after the last cell, which grading "
              f"skips (it kills the kernel once the last cell has replied)")
        print(f"speed-up with 2 workers: {results[1] / results[2]:.2f}x "
              f"(target >= 1.9x on 2 cores; this machine has {os.cpu_count()} cores)")
        print(f"machine check: two busy processes at once run {machine_scaling():.2f}x as fast as "
              f"one after the other (2.00x on two idle cores)")
        shutil.rmtree(course.root / "workspace", ignore_errors=True)


if __name__ == "__main__":
    main()
