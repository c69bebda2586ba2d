"""Modules 01-05 graded by real nbgrader with their hidden tests: the plain answers written from
each notebook's text (tests/pipeline/answers_01_05.py) get full marks."""
from __future__ import annotations

import sys

import pytest

from grading_helpers import REPO, ledger, make_course, needs_bwrap, release_notebook, run_tito, submit
from tito.grading.generate import generate

pytestmark = [needs_bwrap, pytest.mark.slow]
sys.path.insert(0, str(REPO / "tests" / "pipeline"))
from answers_01_05 import ANSWERS  # noqa: E402  (written from the notebooks' text)
from answers_01_05 import fill_stubs  # noqa: E402


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folders = [REPO / "modules" / name for name in ANSWERS]
    course = make_course(tmp_path_factory.mktemp("course"), folders, graded=folders[-1].name, prebuilt=True)
    for name in list(ANSWERS)[:-1]:
        generate(course, course.module(name))
    return course


@pytest.mark.parametrize("module", list(ANSWERS))
def test_plain_answers_get_full_marks_with_hidden_tests(course, module):
    nb = release_notebook(course, module)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ANSWERS[module]:
            cell.source = fill_stubs(cell.source, ANSWERS[module][grade_id])
    submit(course, module, "plain", nb)
    proc = run_tito(course, "grade", "autograde", module, "--workers", "1")
    entry = ledger(course, module)["plain"]
    assert entry["max_score"] == 100, proc.stdout
    assert entry["score"] == 100, (entry, proc.stdout[-3000:])
    assert not entry["failed"], entry
