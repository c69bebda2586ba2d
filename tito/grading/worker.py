"""Grading one submission, in whatever process runs it: a Dask worker, usually.

``grade(task)`` is the one function a worker runs per submission. It

1. writes the submission into a scratch folder (as data) and checks it (is the
   notebook there, is it a notebook; which locked cells were edited or
   deleted: nbgrader puts them back, tito notes it);
2. lays out a scratch course around it (nbgrader_config.py, a gradebook
   holding only this assignment, the grader's tinytorch, the sandbox
   kernelspec) and runs real nbgrader autograde there, *in this process*: a
   worker grades submission after submission without starting Python and
   nbgrader each time. Only the kernel is a new process, in the bubblewrap
   sandbox (sandbox.py);
3. lets the judge (judge.py) set each graded cell's points from the probes
   in the autograded notebook, against the expectations the task carries
   (held in this process only, never where the kernel runs);
4. returns a ``GradingResult``: the scores, the cells the judge overruled,
   the autograded files, nbgrader's log and what went wrong.

It writes nothing outside its scratch folder and the process's cache of
unpacked grader packages; tito, which sent the task, records the result.
nbgrader keeps process-wide state while it grades (the working directory,
the environment that locates the kernelspec), so one process grades one
submission at a time, however many threads its worker has.
"""
from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode

from tito.grading import gradebook as gbook
from tito.grading import judge
from tito.grading.execute import SandboxedExecute
from tito.grading.sandbox import KERNEL_NAME, KernelJail, hidden_package_paths
from tito.grading.submission import (Submission, check_submission, copy_regular_files, count_code_cells,
                                     restore_metadata)
from tito.grading.task import GraderPackage, GradingResult, GradingTask

GUARD_MARK = "tito guard: restored "
SCRATCH_PREFIX = "ttg-"  # short: the ipc socket paths inside are limited to 108 bytes

SCRATCH_CONFIG = '''"""One submission's scratch course (written by tito's grading worker; deleted after)."""
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                    LimitOutput, SaveAutoGrades)
from tito.grading.worker import WorkerExecute

c = get_config()
load_subconfig({course_config!r})
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
c.CourseDirectory.course_id = {course_id!r}
c.Execute.timeout = {timeout}
c.Execute.kernel_name = {kernel!r}
# Every output is in once the last cell has replied: the kernel is killed, not asked to stop
# (a polite shutdown took 0.4 s of a module-06 submission, the kill 0.01 to 0.1 s; killing bwrap
# kills the whole sandbox).
c.Execute.shutdown_kernel = "immediate"
c.KernelManager.transport = "ipc"
c.KernelManager.ip = {ipc!r}
c.KernelManager.connection_file = {connection_file!r}
c.SandboxedExecute.output_chars = {output_chars}
c.SandboxedExecute.events_file = {events!r}
c.KernelOutput.output_file = {kernel_output!r}
c.Autograde.autograde_preprocessors = [
    WorkerExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
'''

_one_at_a_time = threading.Lock()
_process_folder: Path | None = None    # this process's ttg- folder: the unpacked grader packages


# ---------------------------------------------------------------- scratch folders

def make_scratch(parent: Path | None = None) -> Path:
    """A temporary folder that says which process owns it (see ``remove_stale_scratch``)."""
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=parent))
    (scratch / "owner.pid").write_text(str(os.getpid()), encoding="ascii")
    return scratch


def remove_stale_scratch() -> None:
    """Delete scratch folders left by a grading process that was killed (its kernels died with it)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            os.kill(int((folder / "owner.pid").read_text(encoding="ascii")), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            pass  # not ours, being created, or owned by another user


def close_process_folder() -> None:
    """Delete this process's scratch folder (for a process that graded in-process, then goes on)."""
    global _process_folder
    if _process_folder is not None:
        shutil.rmtree(_process_folder, ignore_errors=True)
        _process_folder = None


def process_folder() -> Path:
    """This process's own scratch folder, made (and stale ones of dead processes removed) once."""
    global _process_folder
    if _process_folder is None:
        remove_stale_scratch()
        _process_folder = make_scratch()
    return _process_folder


def grader_lib(package: GraderPackage) -> Path:
    """The folder holding the unpacked ``tinytorch`` of ``package``, unpacked once per process."""
    process_folder()
    folder = _process_folder / f"lib-{package.digest}"
    if not (folder / "tinytorch").is_dir():
        partial = Path(tempfile.mkdtemp(dir=_process_folder))
        package.unpack(partial)
        os.replace(partial, folder)
    return folder


# ---------------------------------------------------------------- what went wrong

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


# ---------------------------------------------------------------- one submission

def grade(task: GradingTask) -> GradingResult:
    """Grade one submission in a scratch course of its own; the caller records the result."""
    with _one_at_a_time:
        started = time.monotonic()
        lib = grader_lib(task.assignment.package)
        scratch = make_scratch()
        try:
            result = _grade_in(task, lib, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        result.seconds = time.monotonic() - started
        result.worker = f"{socket.gethostname()}:{os.getpid()}"
        return result


def _grade_in(task: GradingTask, lib: Path, scratch: Path) -> GradingResult:
    work = task.assignment
    student, module = task.student, work.module
    received = scratch / "received"
    task.write(received)
    zero = gbook.zero_grades(work.cells)
    cannot_run, notes = check_submission(Submission(student, received, task.digest), work.cells)
    if cannot_run:
        return GradingResult(student, task.digest, zero, True, cannot_run, notes)

    submitted = scratch / "submitted" / student / module
    shown = copy_regular_files(received, submitted)
    for name, release in work.release.items():
        pristine = scratch / "release" / f"{name}.ipynb"
        pristine.parent.mkdir(parents=True, exist_ok=True)
        pristine.write_bytes(release)
        restore_metadata(submitted / f"{name}.ipynb", pristine)
    # The same path for every submission this process grades: nbgrader's engine for it is reused
    # (gradebook.share_engines), so its SQL is compiled once per process, not once per submission.
    scratch_gradebook = process_folder() / "gradebook.db"
    scratch_gradebook.write_bytes(work.template)
    (scratch / "course_config.py").write_text(work.course_config, encoding="utf-8")
    runtime = scratch / "rt"
    runtime.mkdir()
    events = scratch / "events.jsonl"
    (scratch / "nbgrader_config.py").write_text(SCRATCH_CONFIG.format(
        course_config=str(scratch / "course_config.py"), root=str(scratch),
        db_url=gbook.db_url(scratch_gradebook), course_id=work.course_id,
        timeout=work.settings.cell_timeout, kernel=KERNEL_NAME,
        output_chars=work.settings.output_chars, events=str(events),
        ipc=str(runtime / "kernel"), connection_file=str(runtime / "kernel.json"),
        kernel_output=str(scratch / "kernel.out")), encoding="utf-8")
    workdir = scratch / "autograded" / student / module
    jail = KernelJail(Path(work.course_root), lib, workdir, tuple(shown), runtime,
                      scratch / "kernel.json", work.settings, hidden_packages(work.settings.hidden_packages))
    jail.write_kernel_config(work.cells.graded_sources(), work.sandboxed)
    jail.write_kernelspec(scratch / "j" / "data", work.sandboxed)

    limit = work.settings.submission_timeout(work.cells.code_cells() + count_code_cells(shown))
    ok, log, timed_out = run_autograde(scratch, module, student, limit)
    if (scratch / "kernel.out").exists():
        log += "\n[kernel output]\n" + (scratch / "kernel.out").read_text(encoding="utf-8", errors="replace")
    if timed_out:
        return GradingResult(student, task.digest, zero, True,
                             f"grading took longer than {limit}s and was stopped", notes, log=log)
    if not ok:
        return GradingResult(student, task.digest, zero, True,
                             f"nbgrader could not grade it: {nbgrader_error(log)}", notes, log=log)
    graded = gbook.read_scratch_grades(scratch_gradebook, work.course_id, module, student)
    for name in work.cells.notebooks:
        notes += guard_notes(workdir / f"{name}.ipynb")
    # ---- the judge decides the points, from the probes, outside the kernel (judge.py)
    disputes = []
    for name, expected in (work.expected or {}).items():
        verdicts = judge.judge_notebook(workdir / f"{name}.ipynb", name, expected)
        disputes += judge.apply(graded.scores, {name: work.cells.max_scores(name)}, verdicts)
    if disputes:
        notes.append("judge: " + ", ".join(judge.summarize(d) for d in disputes))
    # ----
    problems = describe_events(events, work.settings.cell_timeout)
    reason = problems[0] + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "") if problems else ""
    return GradingResult(student, task.digest, graded, bool(problems), reason, notes, disputes,
                         autograded=read_folder(workdir), log=log)


_hidden: dict[tuple[str, ...], tuple[Path, ...]] = {}


def hidden_packages(names: tuple[str, ...]) -> tuple[Path, ...]:
    """Where this worker's Python has the hidden packages (covered in the sandbox), found once."""
    if names not in _hidden:
        _hidden[names] = hidden_package_paths(names)
    return _hidden[names]


def read_folder(folder: Path) -> dict[str, bytes]:
    """Regular files under ``folder`` by relative path (what nbgrader wrote to autograded/)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# ---------------------------------------------------------------- nbgrader, in this process

class KernelOutput(AsyncKernelManager):
    """A kernel whose stdout and stderr go to a file (then nbgrader's log), not to the worker's."""

    output_file = Unicode("", help="Where the kernel process writes its stdout and stderr.").tag(config=True)

    async def start_kernel(self, **kw):
        if not self.output_file:
            return await super().start_kernel(**kw)
        with open(self.output_file, "ab") as out:  # the kernel keeps its own copy of the descriptor
            return await super().start_kernel(**{"stdout": out, "stderr": out, **kw})


class WorkerExecute(SandboxedExecute):
    """SandboxedExecute with a ``KernelOutput`` kernel (nbgrader's Execute picks its class otherwise)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", KernelOutput)
        super().__init__(*args, **kwargs)


def run_autograde(scratch: Path, module: str, student: str, limit: int) -> tuple[bool, str, bool]:
    """``nbgrader autograde MODULE --student STUDENT --force`` on the scratch course, in-process.

    Returns (it succeeded, its log, it was stopped at ``limit`` seconds). Each
    run builds its own config, course directory and converter, so nothing of
    one submission's run is left for the next.
    """
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    gbook.share_engines()
    output = io.StringIO()
    log = logging.getLogger(f"tito.grading.worker.{os.getpid()}")
    log.propagate = False
    log.setLevel(logging.WARNING)
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    log.handlers = [handler]
    expired = threading.Event()
    watchdog = threading.Timer(limit, lambda: (expired.set(), stop_kernels(scratch)))
    ok = True
    try:
        with kernel_environment(scratch):
            config = PyFileConfigLoader("nbgrader_config.py", path=str(scratch)).load_config()
            coursedir = CourseDirectory(config=config, log=log)
            coursedir.assignment_id, coursedir.student_id = module, student
            converter = Autograde(coursedir=coursedir, config=config, log=log)
            converter.force = True
            watchdog.start()
            with warnings.catch_warnings():  # SQLAlchemy's about nbgrader's way of adding rows, harmless
                warnings.simplefilter("ignore")
                converter.start()
    except Exception as err:  # nbgrader logs what it refused; keep the exception too
        ok = False
        output.write("".join(traceback.format_exception(err)))
    finally:
        watchdog.cancel()
        log.handlers = []
    return ok, output.getvalue(), expired.is_set()


@contextmanager
def kernel_environment(scratch: Path):
    """jupyter_client finds the ``tito-sandbox`` kernelspec through the environment: point it here."""
    saved = dict(os.environ)
    os.environ["JUPYTER_DATA_DIR"] = str(scratch / "j" / "data")
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "0"
    os.environ.pop("JUPYTER_PATH", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def stop_kernels(scratch: Path) -> None:
    """Kill this process's kernels of the submission graded in ``scratch`` (its time is up).

    nbgrader then records the cell as stopped and the rest as not run; the
    sandbox dies with bwrap.
    """
    import psutil

    for child in psutil.Process().children():
        try:
            if str(scratch) in " ".join(child.cmdline()):
                child.kill()
        except psutil.Error:
            pass
