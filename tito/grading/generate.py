"""`tito grade generate`: record a module's cells in the real gradebook."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading.gradebook import db_url
from tito.grading.settings import CourseGrading
from tito.jupyter import private_env, run_nbgrader


def generate(course: Course, module: Module) -> Path:
    """Run ``nbgrader generate_assignment`` with the course's config and gradebook.

    It runs on a copy of ``source/<module>`` so the committed ``release/``
    (written by ``tito build``) is left alone; only the gradebook changes.
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
    return grading.gradebook
