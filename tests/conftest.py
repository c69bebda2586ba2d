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
        "pipeline/test_module_06_answers.py",
    ),
    # slow: rebuilds a course, runs a kernel or starts JupyterLab in the test itself
    "slow": (
        "pipeline/test_build.py::test_committed_build_matches_modules",
        "pipeline/test_build.py::test_building_twice_gives_identical_bytes",
        "pipeline/test_build.py::test_check_names_the_files_that_drifted",
        "pipeline/test_build.py::test_cell_ids_are_stable_when_a_cell_is_added",
        "pipeline/test_lint.py::test_tito_lint_and_build_refuse_a_broken_module",
        "pipeline/test_student.py::test_dist_carries_no_answer_of_its_module",
        "pipeline/test_student.py::test_untouched_notebook_scores_zero_and_complete_changes_nothing",
        "pipeline/test_student.py::test_wrong_solution_that_passes_visible_tests_is_refused_by_package_tests",
        "pipeline/test_student.py::test_complete_exports_the_students_own_code",
        "pipeline/test_student.py::test_a_missing_python_package_is_named_not_blamed_on_the_student",
        "pipeline/test_student.py::test_lab_passes_what_follows_the_double_dash_to_jupyter_lab",
    ),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        test_id = item.nodeid.split("tests/", 1)[-1]
        for kind, prefixes in KINDS.items():
            if test_id.startswith(prefixes):
                item.add_marker(getattr(pytest.mark, kind))
                break
