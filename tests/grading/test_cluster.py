"""A class graded on a real Dask cluster into a real PostgreSQL gradebook, with a worker killed mid-run.

The course's nbgrader_config.py names a PostgreSQL database (c.CourseDirectory.db_url);
generate, autograde (--scheduler, the cluster started with Dask's own commands),
feedback and report all go through it, and the test reads the grades straight
from PostgreSQL, row by row.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from grading_helpers import (TITO, needs_bwrap, release_notebook, run_tito, solved_notebook, submit,
                             tito_env, toy_course, with_cell)
from services import PG_BINS, dask_cluster, postgres_server, wait_for

pytestmark = [needs_bwrap, pytest.mark.skipif(not PG_BINS, reason="PostgreSQL is not installed "
                                              "(apt-get install -y postgresql)")]

ADD = "def add(a, b):\n    return np.asarray(a) + np.asarray(b)\n"
SLOW_ADD = "import time\ntime.sleep(2)\n" + ADD     # long enough to be killed while it runs
# student -> (how the notebook is made, expected points of test-add and test-mul)
CLASS = {
    **{f"slow{i}": (lambda c: with_cell(solved_notebook(c, "02"), "add", SLOW_ADD), (2.0, 3.0))
       for i in range(6)},
    "reference": (lambda c: solved_notebook(c, "02"), (2.0, 3.0)),
    "untouched": (lambda c: release_notebook(c, "02"), (0.0, 0.0)),
    "partial": (lambda c: with_cell(release_notebook(c, "02"), "add", ADD), (2.0, 0.0)),
    "broken": (None, (0.0, 0.0)),
}


@pytest.fixture(scope="module")
def database():
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def cluster():
    with dask_cluster(nworkers=2) as running:
        yield running


@pytest.fixture(scope="module")
def course(toy_template, tmp_path_factory, database):
    course = toy_course(toy_template, tmp_path_factory.mktemp("course"))
    (course.root / "gradebook.db").unlink()
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.db_url = {database!r}\n")
    proc = run_tito(course, "grade", "generate", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student, (make, _) in CLASS.items():
        if make is None:
            submit(course, "02", student, raw=b'{"cells": [')
        else:
            submit(course, "02", student, make(course))
    return course


def grades_in_postgres(url: str) -> list[tuple[str, str, float | None]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("""
            SELECT st.id, bc.name, g.auto_score
            FROM grade g
            JOIN base_cell bc ON bc.id = g.cell_id
            JOIN submitted_notebook sn ON sn.id = g.notebook_id
            JOIN submitted_assignment sa ON sa.id = sn.assignment_id
            JOIN assignment a ON a.id = sa.assignment_id
            JOIN student st ON st.id = sa.student_id
            WHERE a.name = '02_toy'
            ORDER BY st.id, bc.name""").fetchall()


@pytest.fixture(scope="module")
def graded(course, cluster):
    """`tito grade autograde 02 --scheduler ...`, one worker process killed with SIGKILL mid-run."""
    run = subprocess.Popen([*TITO, "grade", "autograde", "02", "--scheduler", cluster.address],
                           cwd=course.root, env=tito_env(course), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    ledger = course.root / "autograded" / ".tito" / "02_toy.json"
    with cluster.client() as client:
        def busy_worker():
            for address, keys in client.processing().items():
                students = [str(k).rsplit("-", 1)[-1] for k in keys if str(k).startswith("tito-grade-")]
                if any(s.startswith("slow") for s in students):
                    return address, students
            return None
        address, students = wait_for(busy_worker, 180, "a worker grading a slow submission")
        time.sleep(1.0)  # inside the sleeping cell by now
        pid = client.run(os.getpid, workers=[address])[address]
        recorded = set(json.loads(ledger.read_text())) if ledger.exists() else set()
        os.kill(pid, signal.SIGKILL)
        out, err = run.communicate(timeout=600)
        replaced = wait_for(lambda: len(client.scheduler_info()["workers"]) == 2, 120, "the worker's restart")
    killed = [s for s in students if s not in recorded]   # being graded when the worker died
    return out, err, run.returncode, killed, replaced


def test_every_student_graded_exactly_once_in_postgres(graded, course, database):
    out, err, code, killed_students, _ = graded
    assert code == 1, out + err   # "broken" failed, and only it
    rows = grades_in_postgres(database)
    by_student: dict[str, dict[str, float | None]] = {}
    for student, cell, score in rows:
        assert cell not in by_student.setdefault(student, {}), f"two grades of {student}'s {cell}"
        by_student[student][cell] = score
    assert set(by_student) == set(CLASS), out
    assert not (course.root / "gradebook.db").exists()   # nothing went to SQLite
    for student, (_, (add, mul)) in CLASS.items():
        assert by_student[student] == {"test-add": add, "test-mul": mul}, (student, out)
    assert set(killed_students) <= set(CLASS)


def test_the_killed_workers_submissions_were_regraded(graded, course):
    out, _, _, killed_students, replaced = graded
    assert killed_students, "the worker was killed before or after its tasks, not during"
    assert replaced                       # the nanny started a new worker process
    ledger = json.loads((course.root / "autograded" / ".tito" / "02_toy.json").read_text())
    for student in killed_students:
        assert ledger[student]["score"] == sum(CLASS[student][1]), out
        assert (course.root / "autograded" / student / "02_toy" / "toy_dev.ipynb").exists()
    assert re.search(r"^broken\s.*FAILED: toy_dev.ipynb is not a readable notebook", out, re.MULTILINE), out
    assert f"{len(CLASS)} submission(s), 1 failed." in out


def test_report_and_feedback_read_postgres(graded, course):
    proc = run_tito(course, "grade", "report", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = course.root / "reports" / "02_toy"
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert set(rows) == set(CLASS)
    assert all(float(rows[s]["score"]) == sum(points) for s, (_, points) in CLASS.items())
    cells = {r["cell"]: r for r in csv.DictReader(open(out / "cells.csv", encoding="utf-8"))}
    expected_add = sum(points[0] == 2.0 for _, points in CLASS.values())
    expected_mul = sum(points[1] == 3.0 for _, points in CLASS.values())
    assert (int(cells["test-add"]["passed"]), int(cells["test-add"]["submissions"])) == (expected_add, len(CLASS))
    assert (int(cells["test-mul"]["passed"]), int(cells["test-mul"]["submissions"])) == (expected_mul, len(CLASS))
    assert (out / "cells.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    proc = run_tito(course, "grade", "feedback", "02", "--student", "reference")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (course.root / "feedback" / "reference" / "02_toy" / "toy_dev.html").exists()


def test_second_run_regrades_nothing(graded, course, cluster, database):
    before = grades_in_postgres(database)
    proc = run_tito(course, "grade", "autograde", "02", "--scheduler", str(cluster.scheduler_file))
    assert f"Grading 0 of {len(CLASS)} submission(s)" in proc.stdout, proc.stdout + proc.stderr
    assert grades_in_postgres(database) == before


def test_unreachable_scheduler_is_one_clear_line(course):
    proc = run_tito(course, "grade", "autograde", "02", "--force", "--scheduler", "tcp://127.0.0.1:9")
    assert proc.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
