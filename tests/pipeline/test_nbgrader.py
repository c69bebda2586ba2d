"""Plain nbgrader, without tito, on a copy of the course: each module's reference solution
earns every point and its untouched student notebook earns none."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from tito.course import Course
from tito.samples import solved_notebook

MODULES = Course(ROOT).modules()


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A copy of the course with two submissions per module, autograded by nbgrader itself."""
    root = tmp_path_factory.mktemp("nbgrader-course")
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for module in MODULES:
        for student, nb in (("reference", solved_notebook(module)),
                            ("untouched", solved_notebook(module, solved=set()))):
            target = root / "submitted" / student / module.name / module.notebook_name
            target.parent.mkdir(parents=True)
            nbformat.write(nb, str(target))

    # nbgrader runs the `alembic` command to create its gradebook: the venv's bin must be on PATH
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}

    def nbgrader(*args):
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=ERROR"],
                              cwd=root, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"

    for module in MODULES:
        nbgrader("generate_assignment", module.name, "--force")
        nbgrader("autograde", module.name, "--force")
    return root


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_reference_full_marks_untouched_zero(graded_course, module):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gradebook:
        assignment = gradebook.find_assignment(module.name)
        reference = gradebook.find_submission(module.name, "reference")
        untouched = gradebook.find_submission(module.name, "untouched")
        assert assignment.max_score > 0
        assert reference.score == assignment.max_score, f"{module.name}: reference got {reference.score}"
        assert untouched.score == 0, f"{module.name}: the untouched student notebook got {untouched.score}"
