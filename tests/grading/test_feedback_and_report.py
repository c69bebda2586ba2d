"""Feedback without hidden tests (sources, outputs, tracebacks) and the instructor's report."""
from __future__ import annotations

import csv
import html
import re

import pytest

from grading_helpers import (toy_course, needs_bwrap, release_notebook, run_tito, solved_notebook, submit,
                      with_cell)

pytestmark = needs_bwrap
HIDDEN = ["SECRET-HIDDEN-LINE", "add([1, 2], [3, 4])"]

# Passes the visible check, fails the hidden one (its traceback quotes the hidden line), and
# prints the source of whatever called it.
LEAKER = '''
import inspect, traceback
def add(a, b):
    print("".join(traceback.format_stack()))
    for frame in inspect.stack():
        print(frame.code_context)
    return 3
'''


@pytest.fixture(scope="module")
def course(toy_template, tmp_path_factory):
    course = toy_course(toy_template, tmp_path_factory.mktemp("course"))
    solved = solved_notebook(course, "02")
    submit(course, "02", "leaker", with_cell(solved, "add", LEAKER))
    submit(course, "02", "reference", solved)
    submit(course, "02", "untouched", release_notebook(course, "02"))
    submit(course, "02", "broken", raw=b"not json")
    proc = run_tito(course, "grade", "autograde", "02", "--timeout", "5")
    assert proc.returncode == 1, proc.stdout + proc.stderr   # "broken" failed
    return course


def visible_text(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_feedback_never_shows_hidden_tests(course):
    proc = run_tito(course, "grade", "feedback", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = course.root / "feedback" / "leaker" / "02_toy" / "toy_dev.html"
    autograded = (course.root / "autograded" / "leaker" / "02_toy" / "toy_dev.ipynb").read_text()
    assert "SECRET-HIDDEN-LINE" in autograded           # the leak was there to remove
    text = visible_text(page)
    for secret in HIDDEN:
        assert secret not in text, f"hidden test text {secret!r} in {page}"
    assert "AssertionError" in text                      # the student still sees that a check failed
    assert "broken: no feedback" in proc.stdout


def test_feedback_for_every_graded_student(course):
    run_tito(course, "grade", "feedback", "02")
    for student in ("leaker", "reference", "untouched"):
        page = course.root / "feedback" / student / "02_toy" / "toy_dev.html"
        assert page.exists()
        assert "SECRET-HIDDEN-LINE" not in page.read_text(encoding="utf-8")


def test_report_table_csv_histogram_and_failures(course):
    proc = run_tito(course, "grade", "report", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = course.root / "reports" / "02_toy"
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert rows["reference"]["score"] == "5" and rows["reference"]["percent"] == "100.0"
    assert rows["untouched"]["score"] == "0"
    assert rows["leaker"]["score"] == "3"
    assert rows["broken"]["status"] == "failed" and "not a readable notebook" in rows["broken"]["reason"]
    assert (out / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r"^reference\s+5\.0\s+5\.0\s+100\.0%", proc.stdout, re.MULTILINE)
    assert "Submissions that failed (1):" in proc.stdout
    assert "broken: toy_dev.ipynb is not a readable notebook" in proc.stdout
