"""Modules 01-05 as students write them: plain answers written from each notebook's text
(answers_01_05.py) earn full marks in `tito module test` and pass `tito module complete`,
whose package tests run on the student's exported code, in one `tito dist` hand-out where
the student completes 01, 02, ... 05 in turn; then every package test of 01-05 passes on the
student's own package, none skipped."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, tito

from answers_01_05 import ANSWERS, fill_stubs

pytestmark = pytest.mark.slow

def answer(notebook: Path, answers: dict[str, list[str]]) -> None:
    nb = json.loads(notebook.read_text())
    seen = set()
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = fill_stubs(source, answers[grade_id])
            seen.add(grade_id)
    assert seen == set(answers), f"cells not found: {set(answers) - seen}"
    notebook.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    dist = tmp_path_factory.mktemp("handout") / "h"
    tito("dist", "05", str(dist), cwd=ROOT)
    return dist


def test_every_solution_cell_has_an_answer():
    for module, answers in ANSWERS.items():
        notebook = ROOT / "release" / module / f"{module.split('_', 1)[1]}_dev.ipynb"
        nb = json.loads(notebook.read_text())
        solution_cells = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
                          if c["metadata"].get("nbgrader", {}).get("solution")}
        assert solution_cells == set(answers), module


@pytest.mark.parametrize("module", list(ANSWERS))
def test_a_plain_answer_earns_full_marks_and_completes(handout, module):
    tito("module", "start", module, cwd=handout)
    notebook = handout / "modules" / module / f"{module.split('_', 1)[1]}_dev.ipynb"
    answer(notebook, ANSWERS[module])
    proc = tito("module", "test", module, cwd=handout, check=False)
    assert proc.returncode == 0 and "100/100" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    proc = tito("module", "complete", module, cwd=handout, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # Before module 05 is completed, a package test that needs gradients says so and does not run;
    # nothing else may be left out (the last test runs them all once module 05 is the student's).
    not_run = [line for line in proc.stdout.splitlines() if line.startswith("  - test_")]
    assert all(line.endswith(": gradients arrive with module 05") for line in not_run), not_run
    assert not not_run or module != "05_autograd", not_run
    export = (handout / "tinytorch" / "core" / f"{module.split('_', 1)[1]}.py").read_text()
    first_line = ANSWERS[module][next(iter(ANSWERS[module]))][-1].splitlines()[0].strip()
    assert first_line in export, "the student's own code is exported"


def test_the_students_package_passes_every_package_test_of_01_to_05(handout):
    """Run after the parametrized test: the package is now the student's 01-05, gradients included."""
    env = {"PYTHONPATH": str(handout), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    where = subprocess.run([sys.executable, "-c", "import tinytorch.core.autograd as m; print(m.__file__)"],
                           env=env, capture_output=True, text=True, cwd=handout)
    assert where.stdout.startswith(str(handout / "tinytorch")), where.stdout + where.stderr
    assert "has no backward rule yet" in (handout / "tinytorch" / "core" / "autograd.py").read_text()
    tests = sorted(str(p) for p in (handout / "tests" / "package").glob("test_0[1-5]_*.py"))
    assert len(tests) == 5
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *tests],
                          env=env, capture_output=True, text=True, cwd=handout)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "skipped" not in proc.stdout, proc.stdout[-3000:]
