"""Plain `nbgrader autograde` (no tito, no sandbox, no judge): the in-process, less trusted path.

There ``probe`` compares in the student's kernel against the expectations `tito grade
generate` recorded, so a course graded without tito still grades hidden checks right.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grading_helpers import needs_bwrap, release_notebook, solved_notebook, submit, toy_course, with_cell

pytestmark = needs_bwrap   # the fixture course's expectations are recorded in the sandbox

# Passes the visible check (add(1, 2) == 3) and gets the hidden probe of add on lists wrong.
LISTS_WRONG = "def add(a, b):\n    return np.asarray(a) + np.asarray(b) + (0 if np.ndim(a) == 0 else 1)\n"


def test_plain_nbgrader_compares_probes_in_the_kernel(toy_template, tmp_path):
    from nbgrader.api import Gradebook

    course = toy_course(toy_template, tmp_path / "course")
    solved = solved_notebook(course, "02")
    submit(course, "02", "reference", solved)
    submit(course, "02", "lists_wrong", with_cell(solved, "add", LISTS_WRONG))
    submit(course, "02", "untouched", release_notebook(course, "02"))
    # the kernel imports the fixture course's tinytorch (not the project's): it is on PYTHONPATH
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
           "PYTHONPATH": str(course.root)}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "02_toy", "--force", "--log-level=ERROR"],
                          cwd=course.root, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "tinytorch") as gradebook:
        scores = {s: gradebook.find_submission("02_toy", s).score for s in ("reference", "lists_wrong", "untouched")}
    assert scores == {"reference": 5.0, "lists_wrong": 3.0, "untouched": 0.0}
    graded = (course.root / "autograded" / "lists_wrong" / "02_toy" / "toy_dev.ipynb").read_text()
    assert "hidden check 'add-lists' does not match the reference result" in graded
