"""Markers by folder, file, test or fixture, so that `make quick` can leave out the slow kinds.

`make test` (CI) runs everything; `make quick` runs what is not marked slow, notebook,
grading or browser (the markers are declared in pyproject.toml). A test belongs to the
first kind whose prefix its id starts with (ids are relative to tests/); a test that uses
a toy course (built with nbgrader and nbdev, then handed out) is slow.
"""
from __future__ import annotations

import pytest

KINDS = {
    "browser": ("browser/",),
    "grading": ("grading/", "pipeline/test_nbgrader.py"),
    "notebook": (
        "pipeline/test_notebooks.py::test_instructor_notebook_runs_top_to_bottom",
        "pipeline/test_notebooks.py::test_student_notebook_fails_only_on_stubs",
        "pipeline/test_student.py::test_module_06_reference_completes_in_a_student_distribution",
        "pipeline/test_module_06_answers.py",
    ),
    # slow: builds the course or hands it out in the test itself
    "slow": (
        "pipeline/test_build.py::test_committed_build_matches_modules",
        "pipeline/test_student.py::test_dist_carries_no_answer_of_its_module",
    ),
}
SLOW_FIXTURES = {"toy_course", "toy_dist"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        test_id = item.nodeid.split("tests/", 1)[-1]
        kind = next((k for k, prefixes in KINDS.items() if test_id.startswith(prefixes)), None)
        if kind is None and SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            kind = "slow"
        if kind:
            item.add_marker(getattr(pytest.mark, kind))
