"""Autograde: every submission of a module in its own scratch course and sandbox, several at once.

For each ``submitted/<student>/<module>/``:

1. check it (is the notebook there, is it a notebook; which locked cells were
   edited or deleted: nbgrader puts them back, tito notes it);
2. copy it into a scratch course with a gradebook holding only this
   assignment, and run real ``nbgrader autograde`` there; the kernel runs in
   the bubblewrap sandbox (sandbox.py) with the grader's tinytorch, built from
   the modules *before* this one;
3. back in this process, let the judge (judge.py) set each graded cell's
   points from the probes the kernel reported, against the expectations
   recorded from the instructor's notebook; merge the grades into the real
   gradebook, copy the autograded notebook into ``autograded/``, and record
   the submission's content hash in the ledger (ledger.py), in that order.

Only this process writes the real gradebook and the ledger, so any number of
workers can grade at once; a submission whose hash is in the ledger is
skipped unless ``force``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from tito.build import build_package
from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading import gradebook as gbook
from tito.grading import judge
from tito.grading.ledger import Entry, Ledger
from tito.grading.submission import (Submission, check_submission, copy_regular_files, count_code_cells,
                                     find_submissions, restore_metadata)
from tito.jupyter import nbgrader_argv, private_env
from tito.grading.sandbox import KERNEL_NAME, KernelJail, hidden_package_paths, require_bwrap
from tito.grading.settings import CourseGrading, GradeSettings

GUARD_MARK = "tito guard: restored "

SCRATCH_CONFIG = '''"""One submission's scratch course (written by tito grade autograde; deleted after)."""
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                    LimitOutput, SaveAutoGrades)
from tito.grading.execute import SandboxedExecute

c = get_config()
load_subconfig({course_config!r})
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
c.CourseDirectory.course_id = {course_id!r}
c.Execute.timeout = {timeout}
c.Execute.kernel_name = {kernel!r}
c.KernelManager.transport = "ipc"
c.KernelManager.ip = {ipc!r}
c.SandboxedExecute.output_chars = {output_chars}
c.SandboxedExecute.events_file = {events!r}
c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
'''


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


# ---------------------------------------------------------------- one submission

@dataclass
class Outcome:
    submission: Submission
    graded: gbook.GradedSubmission
    max_score: float
    failed: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    disputes: list[str] = field(default_factory=list)  # cells the kernel passed and the judge did not
    result_dir: Path | None = None     # autograded files to copy into the course
    scratch: Path | None = None        # deleted once merged

    @property
    def score(self) -> float:
        return self.graded.total


@dataclass
class Run:
    """Everything shared by the submissions of one autograde run."""

    course: Course
    module: Module
    grading: CourseGrading
    cells: gbook.AssignmentCells
    template: Path
    lib: Path
    settings: GradeSettings
    sandboxed: bool
    expected: judge.Expectations | None  # None: recording the reference (tito grade generate)
    masked: tuple[Path, ...] = ()         # hidden packages' folders, covered in the sandbox
    processes: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: bool = False

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


def describe_events(events_file: Path, timeout: int) -> list[str]:
    if not events_file.exists():
        return []
    reasons = []
    for line in events_file.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        where = event.get("grade_id") or f"#{event['cell']}"
        if event["event"] == "kernel_died":
            reasons.append(f"kernel died in cell {where} (exit, crash, or memory/CPU limit); later cells scored 0")
        elif event["event"] == "timeout":
            reasons.append(f"cell {where} ran over the {timeout}s limit and was stopped")
        elif event["event"] == "output_cut":
            reasons.append(f"output of cell {where} cut at {event['limit']} characters")
    return reasons


def guard_notes(notebook: Path) -> list[str]:
    """What the kernel guard had to put back, read from the autograded notebook."""
    if not notebook.exists():
        return []
    repaired = []
    for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            for line in (text if isinstance(text, str) else "".join(text)).splitlines():
                if line.startswith(GUARD_MARK):
                    repaired.append(line[len(GUARD_MARK):].strip())
    return [f"guard restored {', '.join(dict.fromkeys(repaired))}"] if repaired else []


def nbgrader_error(output: str) -> str:
    """The most telling line of a failed nbgrader run: the exception, else its last error."""
    lines = [l.strip() for l in output.splitlines() if l.strip()]
    exceptions = [l for l in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*", l)]
    errors = [l.split("] ", 1)[-1] for l in lines if "ERROR]" in l or "CRITICAL]" in l]
    errors = [e for e in errors if not e.startswith(("There was an error", "Please see"))]
    return ((exceptions or errors or lines or ["no output"])[-1])[:200]


SCRATCH_PREFIX = "ttg-"  # short: the ipc socket paths inside are limited to 108 bytes


def make_scratch() -> Path:
    """A temporary folder that says which tito process owns it (see ``remove_stale_scratch``)."""
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    (scratch / "owner.pid").write_text(str(os.getpid()), encoding="ascii")
    return scratch


def remove_stale_scratch() -> None:
    """Delete scratch folders left by a tito that was killed (its processes died with it)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            os.kill(int((folder / "owner.pid").read_text(encoding="ascii")), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            pass  # not ours, being created, or owned by another user


def grade_submission(run: Run, submission: Submission) -> Outcome:
    """Grade one submission in a scratch course; the caller merges the result."""
    started = time.monotonic()
    cannot_run, notes = check_submission(submission, run.cells)
    if cannot_run:
        return Outcome(submission, gbook.zero_grades(run.cells), run.max_score, True, cannot_run, notes)

    scratch = make_scratch()
    try:
        outcome = _grade_in(run, submission, scratch, notes)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    outcome.seconds = time.monotonic() - started
    outcome.scratch = scratch
    return outcome


def _grade_in(run: Run, submission: Submission, scratch: Path, notes: list[str]) -> Outcome:
    student, module = submission.student, run.module.name
    shown = copy_regular_files(submission.folder, scratch / "submitted" / student / module)
    for name in run.cells.notebooks:
        restore_metadata(scratch / "submitted" / student / module / f"{name}.ipynb",
                         run.module.release_nb().with_name(f"{name}.ipynb"))
    shutil.copy2(run.template, scratch / "gradebook.db")
    events = scratch / "events.jsonl"
    (scratch / "nbgrader_config.py").write_text(SCRATCH_CONFIG.format(
        course_config=str(run.course.root / "nbgrader_config.py"), root=str(scratch),
        db_url=gbook.db_url(scratch / "gradebook.db"), course_id=run.grading.course_id,
        timeout=run.settings.cell_timeout, kernel=KERNEL_NAME,
        output_chars=run.settings.output_chars, events=str(events),
        ipc=str(scratch / "rt" / "kernel")), encoding="utf-8")
    runtime = scratch / "rt"
    runtime.mkdir()
    workdir = scratch / "autograded" / student / module
    jail = KernelJail(run.course.root, run.lib, workdir, tuple(shown), runtime,
                      scratch / "kernel.json", run.settings, run.masked)
    jail.write_kernel_config(run.cells.graded_sources(), run.sandboxed)
    state = scratch / "j"
    jail.write_kernelspec(state / "data", run.sandboxed)
    # jupyter_client puts a lone kernel's connection file in the temporary folder: make it ``runtime``.
    env = private_env(state, JUPYTER_RUNTIME_DIR=str(runtime), TMPDIR=str(runtime),
                       TITO_GRADE_PARENT=str(os.getpid()))

    limit = run.settings.submission_timeout(run.cells.code_cells() + count_code_cells(shown))
    proc = subprocess.Popen(
        nbgrader_argv("autograde", module, "--student", student, "--force", "--log-level=WARN"),
        cwd=scratch, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    with run.lock:
        run.processes.add(proc)
    try:
        output, _ = proc.communicate(timeout=limit)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # bwrap dies with its parent, and the sandbox with bwrap
        output, _ = proc.communicate()
        timed_out = True
    finally:
        with run.lock:
            run.processes.discard(proc)

    log = run.course.root / "autograded" / ".tito" / "logs" / module / f"{student}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(output, encoding="utf-8")
    zero = gbook.zero_grades(run.cells)
    if timed_out:
        return Outcome(submission, zero, run.max_score, True,
                       f"grading took longer than {limit}s and was stopped", notes)
    if proc.returncode != 0:
        return Outcome(submission, zero, run.max_score, True,
                       f"nbgrader could not grade it: {nbgrader_error(output)}", notes)
    graded = gbook.read_scratch_grades(scratch / "gradebook.db", run.grading.course_id, module, student)
    for name in run.cells.notebooks:
        notes += guard_notes(workdir / f"{name}.ipynb")
    # ---- the judge decides the points, from the probes, outside the kernel (judge.py)
    disputes = []
    if run.expected is not None:
        for name, expected in run.expected.notebooks.items():
            verdicts = judge.judge_notebook(workdir / f"{name}.ipynb", name, expected)
            disputes += judge.apply(graded.scores, {name: run.cells.max_scores(name)}, verdicts)
    if disputes:
        notes.append("judge: " + ", ".join(judge.summarize(d) for d in disputes))
    # ----
    problems = describe_events(events, run.settings.cell_timeout)
    reason = problems[0] + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "") if problems else ""
    return Outcome(submission, graded, run.max_score, bool(problems), reason, notes, disputes=disputes,
                   result_dir=workdir)


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


def record(run: Run, ledger: Ledger, outcome: Outcome) -> None:
    """Gradebook first, then the autograded files, then the ledger (see ledger.py)."""
    sub = outcome.submission
    gbook.merge(run.grading.gradebook, run.grading.course_id, run.module.name, sub.student, outcome.graded)
    target = run.course.root / "autograded" / sub.student / run.module.name
    if target.exists():
        shutil.rmtree(target)
    if outcome.result_dir is not None and outcome.result_dir.exists():
        shutil.copytree(outcome.result_dir, target, symlinks=True)
    ledger.record(sub.student, Entry(run.ledger_key(sub), outcome.score, outcome.max_score, outcome.failed,
                                     outcome.reason, outcome.notes, disputes=outcome.disputes))


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
    return Run(course, module, grading, cells, template, grader_package(course, module), settings, sandboxed,
               expected, hidden_package_paths(settings.hidden_packages))


def autograde(course: Course, module: Module, settings: GradeSettings, *, students: list[str] | None = None,
              force: bool = False, sandboxed: bool = True,
              say: Callable[[str], None] = print) -> list[Row]:
    """Grade what is new or changed (everything with ``force``); return one row per submission."""
    ledger = Ledger.for_module(course.root, module.name)
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    remove_stale_scratch()
    shared = make_scratch()
    try:
        run = prepare(course, module, settings, sandboxed, shared)
        submissions = find_submissions(course, module, students)
        if not submissions:
            raise TitoError(f"no submissions of {module.name}: expected folders "
                            f"{course.root / 'submitted'}/<student>/{module.name}/")
        in_gradebook = gbook.recorded_scores(run.grading.gradebook, run.grading.course_id, module.name)
        todo = [s for s in submissions
                if force or not ledger.is_current(s.student, run.ledger_key(s)) or s.student not in in_gradebook]
        say(f"Grading {len(todo)} of {len(submissions)} submission(s) of {module.name} with "
            f"{settings.workers} worker(s){'' if sandboxed else ' WITHOUT SANDBOX'} "
            f"({len(submissions) - len(todo)} unchanged since last graded)")
        graded_now = grade_in_parallel(run, todo, ledger, say)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return [Row(s.student, ledger.entries[s.student].score, ledger.entries[s.student].max_score,
                ledger.entries[s.student].failed, ledger.entries[s.student].reason,
                ledger.entries[s.student].notes, s.student in graded_now) for s in submissions]


def grade_in_parallel(run: Run, todo: list[Submission], ledger: Ledger, say: Callable[[str], None]) -> set[str]:
    """Grade ``todo`` with ``run.settings.workers`` at once, recording each as it finishes."""
    graded_now = set()
    pool = ThreadPoolExecutor(max_workers=run.settings.workers)
    futures = {}
    try:
        futures = {pool.submit(grade_submission, run, s): s for s in todo}
        for done, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            try:
                record(run, ledger, outcome)
            finally:
                if outcome.scratch:
                    shutil.rmtree(outcome.scratch, ignore_errors=True)
            graded_now.add(outcome.submission.student)
            status = f"FAILED: {outcome.reason}" if outcome.failed else "ok"
            say(f"  [{done:>{len(str(len(todo)))}}/{len(todo)}] {outcome.submission.student:<16} "
                f"{outcome.score:6.1f} / {outcome.max_score:<6.1f} {outcome.seconds:5.1f}s  {status}")
    except BaseException:
        stop(run, pool, futures)
        raise
    pool.shutdown()
    return graded_now


def _terminate(signum, frame):
    raise KeyboardInterrupt  # `kill` stops autograde as cleanly as Ctrl-C


def stop(run: Run, pool: ThreadPoolExecutor, futures) -> None:
    """Interrupted: drop queued submissions, kill the running ones, delete their scratch courses.

    What was recorded stays recorded; the rest is graded by the next run.
    """
    pool.shutdown(wait=False, cancel_futures=True)
    with run.lock:
        for proc in run.processes:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    pool.shutdown(wait=True)
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is None:
            if future.result().scratch:
                shutil.rmtree(future.result().scratch, ignore_errors=True)
