"""Autograde: every submission of a module graded on a Dask cluster, recorded here.

For each ``submitted/<student>/<module>/`` that is new or changed:

1. tito packs a task (task.py): the submission's files and what grading it
   needs, so a worker needs no course folder;
2. a worker (worker.py), in the embedded cluster or the instructor's
   (cluster.py), checks it, runs real nbgrader autograde on it in a scratch
   course with the kernel in the bubblewrap sandbox (sandbox.py), lets the
   judge (judge.py) set each graded cell's points from the probes the kernel
   reported, against the expectations recorded from the instructor's notebook
   (carried in the task, never shown to the kernel), and sends back the
   scores, the autograded notebook and what went wrong;
3. back in this process, tito merges the grades into the real gradebook,
   writes the autograded files into ``autograded/`` and records the
   submission's content hash in the ledger (ledger.py), in that order.

Only this process writes the real gradebook and the ledger, so any number of
workers can grade at once; a submission whose hash is in the ledger is
skipped unless ``force``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

from tito.build import build_package
from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading import cluster
from tito.grading import gradebook as gbook
from tito.grading import judge
from tito.grading.ledger import Entry, Ledger
from tito.grading.progress import Progress
from tito.grading.sandbox import require_bwrap
from tito.grading.settings import CourseGrading, GradeSettings
from tito.grading.submission import Submission, find_submissions
from tito.grading.task import Assignment, GraderPackage, GradingResult, GradingTask
from tito.grading.worker import make_scratch, remove_stale_scratch


# ---------------------------------------------------------------- the grader's package

def grader_package(course: Course, module: Module) -> Path:
    """The folder holding a ``tinytorch`` built from the modules before ``module`` only.

    Cached under ``workspace/grading/lib``, keyed by the content of those
    modules: editing any of them gives a fresh build.
    """
    before = course.modules_before(module)
    digest = hashlib.sha256()
    for earlier in before:
        digest.update(earlier.name.encode() + b"\0" + earlier.dev_py.read_bytes() + b"\0")
    cache = course.root / "workspace" / "grading" / "lib"
    folder = cache / f"{module.name}-{digest.hexdigest()[:16]}"
    if (folder / "tinytorch" / "__init__.py").exists():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{module.name}-", dir=cache))
    try:
        build_package(course, before, partial / "tinytorch")
        for stale in cache.glob(f"{module.name}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(partial, folder)
        except OSError:  # another tito run finished the same build first
            if not (folder / "tinytorch" / "__init__.py").exists():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


# ---------------------------------------------------------------- what every task carries

@dataclass
class Run:
    """Everything shared by the submissions of one autograde run."""

    course: Course
    module: Module
    grading: CourseGrading
    assignment: Assignment
    lib: Path
    expected: judge.Expectations | None  # None: recording the reference (tito grade generate)

    @property
    def cells(self) -> gbook.AssignmentCells:
        return self.assignment.cells

    @cached_property
    def fingerprint(self) -> str:
        """What else a grade depends on: the assignment's cells and the grader's package."""
        cells = json.dumps(self.cells.notebooks, sort_keys=True, default=str)
        expected = self.expected.digest if self.expected else ""
        return hashlib.sha256(f"{cells}\0{self.lib.name}\0{expected}".encode()).hexdigest()

    def ledger_key(self, submission: Submission) -> str:
        """Changes when the submission, the assignment or the earlier modules change."""
        return hashlib.sha256(f"{submission.digest}:{self.fingerprint}".encode()).hexdigest()

    @property
    def max_score(self) -> float:
        return sum(c["max_score"] for nb in self.cells.notebooks.values()
                   for c in nb["grade_cells"] + nb["task_cells"])

    def task(self, submission: Submission) -> GradingTask:
        return GradingTask.read(submission.student, submission.digest, submission.folder, self.assignment)


# ---------------------------------------------------------------- many submissions

@dataclass
class Row:
    student: str
    score: float
    max_score: float
    failed: bool
    reason: str
    notes: list[str]
    graded_now: bool


def record(run: Run, ledger: Ledger, submission: Submission, result: GradingResult) -> None:
    """Gradebook first, then the autograded files and log, then the ledger (see ledger.py)."""
    student, module = submission.student, run.module.name
    gbook.merge(run.grading.gradebook, run.grading.course_id, module, student, result.graded)
    target = run.course.root / "autograded" / student / module
    if target.exists():
        shutil.rmtree(target)
    for name, data in result.autograded.items():
        path = target / name
        if not path.resolve().is_relative_to(target.resolve()):
            continue  # a name nbgrader could not have written
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    log = run.course.root / "autograded" / ".tito" / "logs" / module / f"{student}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.log, encoding="utf-8")
    ledger.record(student, Entry(run.ledger_key(submission), result.score, run.max_score, result.failed,
                                 result.reason, result.notes, disputes=result.disputes))


def prepare(course: Course, module: Module, settings: GradeSettings, sandboxed: bool,
            scratch: Path, recording: bool = False) -> Run:
    """Check the grader can run, then build what every submission shares.

    ``recording``: for running the reference to record the expectations (no judge).
    """
    if sandboxed:
        require_bwrap()
    grading = CourseGrading.load(course.root)
    cells = gbook.read_assignment(grading.gradebook, grading.course_id, module.name)
    expected = None if recording else judge.Expectations.load(course.root, module.name)
    template = scratch / "template.db"
    gbook.write_template(template, grading.course_id, module.name, cells)
    lib = grader_package(course, module)
    release = {name: module.release_nb().with_name(f"{name}.ipynb").read_bytes()
               for name in cells.notebooks if module.release_nb().with_name(f"{name}.ipynb").exists()}
    assignment = Assignment(
        grading.course_id, module.name, cells, template.read_bytes(), release,
        (course.root / "nbgrader_config.py").read_text(encoding="utf-8"), GraderPackage.pack(lib),
        settings, sandboxed, str(course.root), expected.notebooks if expected else None)
    return Run(course, module, grading, assignment, lib, expected)


def autograde(course: Course, module: Module, settings: GradeSettings, *, students: list[str] | None = None,
              force: bool = False, sandboxed: bool = True, scheduler: str | None = None,
              say: Callable[[str], None] = print, progress_bar: bool = False) -> list[Row]:
    """Grade what is new or changed (everything with ``force``); return one row per submission.

    ``scheduler``: the address (or scheduler file) of a running Dask cluster;
    without it, an embedded cluster of ``settings.workers`` processes.
    """
    ledger = Ledger.for_module(course.root, module.name)
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    remove_stale_scratch()
    shared = make_scratch()
    not_graded: dict[str, str] = {}
    try:
        run = prepare(course, module, settings, sandboxed, shared)
        submissions = find_submissions(course, module, students)
        if not submissions:
            raise TitoError(f"no submissions of {module.name}: expected folders "
                            f"{course.root / 'submitted'}/<student>/{module.name}/")
        in_gradebook = gbook.recorded_scores(run.grading.gradebook, run.grading.course_id, module.name)
        todo = [s for s in submissions
                if force or not ledger.is_current(s.student, run.ledger_key(s)) or s.student not in in_gradebook]
        graded_now: set[str] = set()
        unchanged = f"({len(submissions) - len(todo)} unchanged since last graded)"
        if not todo:
            say(f"Grading 0 of {len(submissions)} submission(s) of {module.name} {unchanged}")
        else:
            with cluster.dask_client(scheduler, settings.workers) as client:
                where = cluster.describe(client) if scheduler else f"{settings.workers} worker(s)"
                say(f"Grading {len(todo)} of {len(submissions)} submission(s) of {module.name} with "
                    f"{where}{'' if sandboxed else ' WITHOUT SANDBOX'} {unchanged}")
                graded_now, not_graded = grade_on_cluster(run, client, todo, ledger,
                                                          Progress(len(todo), say, progress_bar))
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)
    rows = []
    for s in submissions:
        entry = ledger.entries.get(s.student)
        if s.student in not_graded or entry is None:
            rows.append(Row(s.student, 0.0, run.max_score, True, not_graded.get(s.student, "not graded"), [],
                            False))
        else:
            rows.append(Row(s.student, entry.score, entry.max_score, entry.failed, entry.reason, entry.notes,
                            s.student in graded_now))
    return rows


def grade_on_cluster(run: Run, client, todo: list[Submission], ledger: Ledger,
                     progress: Progress) -> tuple[set[str], dict[str, str]]:
    """Grade ``todo`` on the cluster, recording each result once, as it arrives.

    Returns the students graded now and ``{student: why not}`` for those whose
    task ended without a result (they keep their previous grade, if any, and
    the next run grades them).
    """
    graded_now, not_graded = set(), {}
    width = max(len(s.student) for s in todo)
    try:
        for submission, result, why_not in cluster.grade_all(client, todo, run.task):
            if result is None:
                not_graded[submission.student] = why_not
                progress.advance(f"{submission.student:<{width}}  FAILED: {why_not}")
                continue
            if submission.student in graded_now:
                continue  # recorded already: a result counts once, however often it was computed
            record(run, ledger, submission, result)
            graded_now.add(submission.student)
            status = f"FAILED: {result.reason}" if result.failed else "ok"
            progress.advance(f"{submission.student:<{width}} {result.score:6.1f} / {run.max_score:<6.1f} "
                             f"{result.seconds:5.1f}s  {status}")
    finally:
        progress.close()
    return graded_now, not_graded


def _terminate(signum, frame):
    raise KeyboardInterrupt  # `kill` stops autograde as cleanly as Ctrl-C
