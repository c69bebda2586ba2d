"""`tito grade generate`: record a module's cells in the real gradebook, and what its hidden
checks expect, by running the instructor's notebook through the grading sandbox."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading import judge
from tito.grading.gradebook import db_url
from tito.grading.sandbox import find_bwrap
from tito.grading.settings import CourseGrading, GradeSettings
from tito.grading.submission import Submission
from tito.jupyter import private_env, run_nbgrader

REFERENCE = "tito-reference"  # the scratch course's name for the instructor's notebook


def generate(course: Course, module: Module) -> Path:
    """Run ``nbgrader generate_assignment`` with the course's config and gradebook.

    It runs on a copy of ``source/<module>`` so the committed ``release/``
    (written by ``tito build``) is left alone; only the gradebook changes.
    Then records the expectations of the hidden checks (``record_expectations``).
    Returns the gradebook path.
    """
    source = module.source_nb()
    if not source.exists():
        raise TitoError(f"{source} does not exist: run `tito build {module.name}` first")
    grading = CourseGrading.load(course.root)
    with tempfile.TemporaryDirectory(prefix="tito-generate-") as tmp:
        scratch = Path(tmp)
        shutil.copy2(course.root / "nbgrader_config.py", scratch / "nbgrader_config.py")
        staged = scratch / "source" / module.name / module.notebook_name
        staged.parent.mkdir(parents=True)
        shutil.copy2(source, staged)
        run_nbgrader(
            ["generate_assignment", module.name, "--force", "--log-level=ERROR",
             f"--CourseDirectory.db_url={db_url(grading.gradebook)}",
             f"--CourseDirectory.course_id={grading.course_id}"],
            cwd=scratch, env=private_env(scratch / ".jupyter"),
            what=f"recording {module.name} in the gradebook")
    record_expectations(course, module)
    return grading.gradebook


def record_expectations(course: Course, module: Module) -> Path:
    """Grade the instructor's notebook like a submission (same sandbox, kernel and cells) and
    keep what its probes reported, per graded cell, in ``autograded/.tito/expected/``.

    That file is the judge's reference; no student kernel ever sees it. Without
    bubblewrap the reference (trusted code) runs unsandboxed.
    """
    from tito.grading.autograde import prepare
    from tito.grading.worker import close_process_folder, grade, make_scratch

    shared = make_scratch()
    try:
        run = prepare(course, module, GradeSettings.load(course.root), find_bwrap() is not None, shared,
                      recording=True)
        folder = shared / REFERENCE / module.name
        folder.mkdir(parents=True)
        shutil.copy2(module.source_nb(), folder / module.notebook_name)
        result = grade(run.task(Submission(REFERENCE, folder, "")))  # in this process, no cluster
        if result.failed or not result.autograded:
            raise TitoError(f"the instructor's notebook of {module.name} could not be run to record "
                            f"its hidden checks: {result.reason}")
        notebooks = {name: judge.record(nbformat.reads(result.autograded[f"{name}.ipynb"].decode("utf-8"),
                                                       as_version=4), name)
                     for name in run.cells.notebooks}
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        close_process_folder()
    return judge.Expectations(module.name, notebooks).save(course.root)
