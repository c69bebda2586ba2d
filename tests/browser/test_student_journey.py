"""Module 06 as a student meets it: a `tito dist 06` hand-out installed as its README says,
`tito lab 06`, the notebook in headless Chromium, Run All, Validate, the answers, then
`tito module complete`. One server and one browser for the whole file."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser_lab import ROOT, Lab, scratch_env

pytestmark = pytest.mark.browser

MODULE = "06_optimizers"
NOTEBOOK = "optimizers_dev.ipynb"
# What nbgrader logs at the start of a JupyterLab that is not in a course directory, or
# that has no exchange; a student's JupyterLab must not.
NBGRADER_START_NOISE = ("No nbgrader_config.py file found", "not a subdirectory of the notebook server root",
                        "Unwritable directory", "exchange directory")
INSTRUCTOR_TOOLS = ("Formgrader", "Create Assignment", "Course List", "Assignment List")


def run(*command, cwd: Path, env=None, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, command))} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    """`tito dist 06`, installed as its README says, module 06 started."""
    if not (ROOT / "modules" / MODULE).is_dir():
        pytest.skip(f"{MODULE} is not in the course")
    dest = tmp_path_factory.mktemp("handout") / "handout-06"
    run(sys.executable, "-m", "tito.cli", "dist", "06", str(dest), cwd=ROOT)
    readme = (dest / "README.md").read_text()
    install = "python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e ."
    assert install in readme, "the hand-out's README no longer says how to install it"
    python3 = shutil.which("python3") or sys.executable
    run(python3, "-m", "venv", ".venv", cwd=dest)
    run(".venv/bin/pip", "install", "--quiet", "-c", "constraints.txt", "-e", ".", cwd=dest, timeout=1200)
    run(".venv/bin/tito", "module", "start", "06", cwd=dest)
    return dest


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("jupyter-state")


@pytest.fixture(scope="module")
def lab(handout, state):
    server = Lab([str(handout / ".venv/bin/tito"), "lab", "06", "--"], cwd=handout,
                 env=scratch_env(state), log=state / "lab.log")
    yield server
    server.stop()


def reference_solutions() -> dict[str, str]:
    """The instructor notebook's solution cells, by grade_id."""
    nb = json.loads((ROOT / "source" / MODULE / NOTEBOOK).read_text())
    return {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("solution")}


def errors(cells) -> list[tuple[int, str]]:
    return [(c["index"], o["ename"] or "stderr") for c in cells for o in c["outputs"]
            if o["type"] == "error" or (o["type"] == "stream" and o["name"] == "stderr")]


def graded_tests(cells) -> list[dict]:
    return [c for c in cells if (c["nbgrader"] or {}).get("grade") and c["type"] == "code"]


def test_a_student_sees_a_students_jupyterlab(page, lab, state):
    page.open_lab(NOTEBOOK)
    page.wait_notebook_ready()
    page.shot("opened")
    assert "Nbgrader" not in page.menu_titles()
    for tool in INSTRUCTOR_TOOLS:
        assert not any(tool in tab for tab in page.side_tabs()), (tool, page.side_tabs())
    for command in ("nbgrader:open-formgrader", "nbgrader:open-create-assignment",
                    "nbgrader:open-course-list", "nbgrader:open-assignment-list"):
        assert not page.command_exists(command), command
    assert page.driver.find_elements("css selector", ".jp-NotebookPanel-toolbar .validate-button"), \
        "Validate is gone from the notebook toolbar"
    log = lab.log()
    for noise in NBGRADER_START_NOISE:
        assert noise not in log, f"the server log says {noise!r}:\n{log}"
    assert "validate_assignment | extension was successfully loaded" in log
    assert not (state / "home" / ".npm").exists(), "starting tito lab ran npm (it wrote ~/.npm)"


def test_module_06_journey(page, handout, lab):
    page.open_lab(NOTEBOOK)
    page.wait_notebook_ready()
    page.shot("opened")
    assert not page.is_dirty(), "the notebook is marked modified right after opening"

    # The untouched notebook: Run All stops at the first graded test, on the stub.
    page.menu("Run", "Run All Cells")
    page.wait_idle()
    page.shot("run-all-untouched")
    cells = page.cells()
    failing = errors(cells)
    assert failing, "Run All on the untouched notebook raised nothing"
    first_test = graded_tests(cells)[0]
    assert failing[0] == (first_test["index"], "NotImplementedError"), \
        f"first error {failing[0]}, first graded test is cell {first_test['index']} ({first_test['nbgrader']['grade_id']})"
    # (Whether a cell queued after the failing one still runs is the kernel's timing: ipykernel aborts
    # only the requests that arrived before the error, and under load Run All's later requests come after.)

    outcome, text = page.validate()
    page.shot("validate-untouched")
    assert "validation-failed" in outcome, text
    assert "NotImplementedError" in text, text
    page.accept_dialog()

    # The reference answers typed in: everything passes and the plots show.
    solutions = reference_solutions()
    assert sorted(page.set_sources(solutions)) == sorted(solutions)
    page.shot("answers-in")
    page.menu("Kernel", "Restart Kernel and Run All Cells…")
    page.accept_dialog()
    page.until("the restarted run to start", lambda: page.cells()[-1]["count"] is not None
               or any(c["count"] for c in page.cells()), timeout=120)
    page.wait_idle()
    page.shot("restart-run-all-solved")
    cells = page.cells()
    assert not errors(cells), f"error output in cells {errors(cells)}"
    code = [c for c in cells if c["type"] == "code"]
    assert all(c["count"] is not None for c in code), "some cells did not run"
    plots = [c for c in cells if any("image/png" in o["mimes"] for o in c["outputs"])]
    assert plots, "no plot in the analysis"
    for cell in plots:
        page.js("window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node.scrollIntoView()",
                cell["index"])
        page.until(f"the plot of cell {cell['index']} on the page",
                   lambda: page.cells()[cell["index"]]["images"] > 0)
        page.js("window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node"
                ".querySelector('.jp-OutputArea-output img').scrollIntoView()", cell["index"])
        page.shot(f"plot-cell-{cell['index']}")

    where = page.run_in_kernel("import tinytorch, tinytorch.core.tensor as t; print(tinytorch.__file__); print(t.__file__)")
    assert where.split() == [str(handout / "tinytorch" / "__init__.py"),
                             str(handout / "tinytorch" / "core" / "tensor.py")], where

    outcome, text = page.validate()
    page.shot("validate-solved")
    assert "validation-success" in outcome and "Success!" in text, text
    page.accept_dialog()
    assert not page.is_dirty()

    # Validate saved the notebook: what the student wrote in the browser completes the module.
    proc = subprocess.run([str(handout / ".venv/bin/tito"), "module", "complete", "06"], cwd=handout,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (handout / "tinytorch" / "core" / "optimizers.py").exists()
