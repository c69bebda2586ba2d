"""Every other module's notebook in a student's JupyterLab of a clone (`workspace/`), and
that JupyterLab as a student sees it. One server and one browser for the whole file."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser_lab import Lab, course_clone, scratch_env
from tito.course import Course

pytestmark = pytest.mark.browser

JOURNEY = "06_optimizers"  # driven step by step in test_student_journey.py
NBGRADER_START_NOISE = ("No nbgrader_config.py file found", "not a subdirectory of the notebook server root",
                        "Unwritable directory", "exchange directory")


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone whose workspace holds the instructor notebook of every module but 06, and
    a tinytorch with the reference of every module before the last."""
    root = course_clone(tmp_path_factory.mktemp("clone") / "tinytorch-course")
    course = Course(root)
    last = course.modules()[-1]
    subprocess.run([sys.executable, "-m", "tito.cli", "module", "start", last.name], cwd=root, check=True,
                   capture_output=True)
    for module in course.modules():
        if module.name != JOURNEY:
            target = root / "workspace" / "modules" / module.name / module.notebook_name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(module.source_nb(), target)
    return root


def notebooks(clone: Path) -> list[str]:
    return sorted(str(p.relative_to(clone / "workspace"))
                  for p in (clone / "workspace" / "modules").glob("*/*_dev.ipynb") if JOURNEY not in str(p))


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("jupyter-state")


@pytest.fixture(scope="module")
def lab(clone, state):
    server = Lab([sys.executable, "-m", "tito.cli", "lab", "--"], cwd=clone, env=scratch_env(state),
                 log=state / "lab.log")
    yield server
    server.stop()


def test_a_clones_workspace_gets_a_students_jupyterlab(page, lab, clone):
    first = notebooks(clone)[0]
    page.open_lab(first)
    page.wait_notebook_ready()
    page.shot("opened")
    assert "Nbgrader" not in page.menu_titles()
    assert not page.command_exists("nbgrader:open-formgrader")
    assert not page.command_exists("nbgrader:open-create-assignment")
    assert not any("Create Assignment" in tab for tab in page.side_tabs()), page.side_tabs()
    assert page.driver.find_elements("css selector", ".jp-NotebookPanel-toolbar .validate-button")
    for noise in NBGRADER_START_NOISE:
        assert noise not in lab.log(), f"the server log says {noise!r}:\n{lab.log()}"
    page.close_all()


def test_every_other_modules_notebook_runs_without_error(page, clone):
    ran = []
    for path in notebooks(clone):
        page.open_lab(path)
        page.wait_notebook_ready()
        page.menu("Run", "Run All Cells")
        page.wait_idle()
        page.shot(Path(path).parent.name)
        cells = page.cells()
        failing = [(c["index"], o["ename"] or o["name"]) for c in cells for o in c["outputs"]
                   if o["type"] == "error" or o["name"] == "stderr"]
        assert not failing, f"{path}: error output in cells {failing}"
        assert all(c["count"] is not None for c in cells if c["type"] == "code"), f"{path}: some cells did not run"
        page.js("return window.jupyterapp.shell.currentWidget.context.save()")
        page.close_all()
        ran.append(Path(path).parent.name)
    expected = [m.name for m in Course(clone).modules() if m.name != JOURNEY]
    assert ran == expected
