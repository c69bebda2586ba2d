"""`tito grade` as an instructor meets it: refusals, the unsafe flag, and resuming a killed run."""
from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from grading_helpers import (TITO, toy_course, needs_bwrap, run_tito, solved_notebook, submit,
                      tito_env, with_cell)
from tito.grading.gradebook import recorded_scores


@pytest.fixture(scope="module")
def course(toy_template, tmp_path_factory):
    return toy_course(toy_template, tmp_path_factory.mktemp("course"))


def test_refuses_to_grade_without_bubblewrap(course):
    submit(course, "02", "nobwrap", solved_notebook(course, "02"))
    proc = run_tito(course, "grade", "autograde", "02", "--student", "nobwrap", TITO_BWRAP="/nonexistent/bwrap")
    assert proc.returncode == 2
    assert "bubblewrap (bwrap) is not installed" in proc.stderr
    assert "apt-get install -y bubblewrap" in proc.stderr and "--unsafe-no-sandbox" in proc.stderr
    assert "nobwrap" not in recorded_scores(course.root / "gradebook.db", "tinytorch", "02_toy")


def test_unsafe_flag_grades_without_bubblewrap(course):
    submit(course, "02", "unsafe", solved_notebook(course, "02"))
    proc = run_tito(course, "grade", "autograde", "02", "--student", "unsafe", "--unsafe-no-sandbox",
                TITO_BWRAP="/nonexistent/bwrap")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING: --unsafe-no-sandbox" in proc.stdout
    assert recorded_scores(course.root / "gradebook.db", "tinytorch", "02_toy")["unsafe"] == (5.0, 5.0)


@pytest.mark.parametrize("args, message", [
    (["autograde", "07"], "no module '07'"),
    (["autograde", "01_base"], "the gradebook has no assignment 01_base: run `tito grade generate 01_base` first"),
    (["autograde", "02", "--student", "nobody"], "no submission of 02_toy for nobody"),
    (["report", "01"], "no grades for 01_base"),
    (["feedback", "02", "--student", "nobody"], "no autograded 02_toy for nobody"),
])
def test_foreseeable_mistakes_get_one_clear_line(course, args, message):
    proc = run_tito(course, "grade", *args)
    assert proc.returncode == 2
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@needs_bwrap
def test_cpu_time_limit_stops_the_kernel(course):
    burner = with_cell(solved_notebook(course, "02"), "mul",
                       "import time\nwhile time.process_time() < 30:\n    pass\n")
    submit(course, "02", "burner", burner)
    proc = run_tito(course, "grade", "autograde", "02", "--student", "burner", "--cpu-seconds", "3",
                    "--timeout", "60")
    assert proc.returncode == 1
    assert "2.0 / 5.0" in proc.stdout and "kernel died in cell mul" in proc.stdout, proc.stdout


def test_workers_must_be_a_positive_number(course):
    proc = run_tito(course, "grade", "autograde", "02", "--workers", "0")
    assert proc.returncode == 2 and "expected a number above 0" in proc.stderr


@needs_bwrap
def test_killed_run_resumes_without_losing_or_duplicating_grades(course):
    slow = with_cell(solved_notebook(course, "02"), "add",
                     "import time\ntime.sleep(1)\ndef add(a, b):\n    return np.asarray(a) + np.asarray(b)\n")
    students = [f"resume{i}" for i in range(3)]
    for student in students:
        submit(course, "02", student, slow)
    selection = [arg for s in students for arg in ("--student", s)]
    ledger_file = course.root / "autograded" / ".tito" / "02_toy.json"

    run = subprocess.Popen([*TITO, "grade", "autograde", "02", "--workers", "1", *selection],
                           cwd=course.root, env=tito_env(course), stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = json.loads(ledger_file.read_text()) if ledger_file.exists() else {}
        if any(s in done for s in students):
            break
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)  # the worst case: no chance to clean up
    run.wait()
    graded_before = {s for s in json.loads(ledger_file.read_text()) if s in students}
    assert 0 < len(graded_before) < len(students)
    time.sleep(1)
    leftovers = subprocess.run(["pgrep", "-f", str(course.root)], capture_output=True, text=True).stdout
    assert leftovers.strip() == "", "processes of the killed run still running"

    proc = run_tito(course, "grade", "autograde", "02", *selection)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Grading {len(students) - len(graded_before)} of {len(students)}" in proc.stdout
    left = [p for p in Path(tempfile.gettempdir()).glob("ttg-*/owner.pid") if p.read_text() == str(run.pid)]
    assert left == [], "the next run removes the scratch folders of the killed one"
    scores = recorded_scores(course.root / "gradebook.db", "tinytorch", "02_toy")
    assert all(scores[s] == (5.0, 5.0) for s in students)
    ledger = json.loads(ledger_file.read_text())
    assert all(ledger[s]["score"] == 5.0 for s in students)

    from tito.grading.gradebook import open_gradebook
    with open_gradebook(course.root / "gradebook.db", "tinytorch") as gb:
        for student in students:   # one submission each, however often it was graded
            assert len([s for s in gb.find_student(student).submissions]) == 1
