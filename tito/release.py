"""Step 2: nbgrader turns the instructor notebook into the student notebook."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tito.course import Course, Module
from tito.jupyter import private_env, run_nbgrader


def generate_release(course: Course, module: Module, out_root: Path) -> Path:
    """Run ``nbgrader generate_assignment`` on ``out_root/source/<module>``.

    It runs in a scratch course with the course's own nbgrader_config.py and no
    gradebook, so building never touches an instructor's grades. Returns the
    student notebook written under ``out_root/release``.
    """
    with tempfile.TemporaryDirectory(prefix="tito-release-") as tmp:
        scratch = Path(tmp)
        shutil.copy2(course.root / "nbgrader_config.py", scratch / "nbgrader_config.py")
        # Only the notebook: nbgrader copies any other file of source/ verbatim into release/.
        staged = scratch / "source" / module.name / module.notebook_name
        staged.parent.mkdir(parents=True)
        shutil.copy2(module.source_nb(out_root), staged)
        run_nbgrader(
            ["generate_assignment", module.name, "--force", "--no-db", "--log-level=ERROR"],
            cwd=scratch,
            env=private_env(scratch / ".jupyter"),
            what=f"generating the student notebook of {module.name}",
        )
        released = scratch / "release" / module.name / module.notebook_name
        target = module.release_nb(out_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(released, target)
    return target

