"""Markers by folder, file or test, so that `make quick` can leave out the slow kinds.

`make test` (CI) runs everything; `make quick` runs what is not marked slow, notebook,
grading or browser (the markers are declared in pyproject.toml). A test belongs to the
first kind whose prefix its id starts with (ids are relative to tests/).
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
    ),
    "slow": (),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        test_id = item.nodeid.split("tests/", 1)[-1]
        for kind, prefixes in KINDS.items():
            if test_id.startswith(prefixes):
                item.add_marker(getattr(pytest.mark, kind))
                break
