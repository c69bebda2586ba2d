"""`tito lint` refuses each defect nbgrader or nbdev would silently get wrong, naming file and cell."""
from __future__ import annotations

import pytest

from conftest import TOY_MODULE, tito
from tito.lint import lint_file

BROKEN = {
    "solution cell without markers": (
        '# %% nbgrader={"grade": false, "grade_id": "add", "solution": true}\n'
        "#| export\ndef add(a, b):\n    return a + b\n",
        "solution cell without '### BEGIN SOLUTION'", "'add'"),
    "markers outside a solution cell": (
        "# %%\ndef helper():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
        "solution markers outside a solution cell", "cell"),
    "graded cell that calls no test": (
        '# %% nbgrader={"grade": true, "grade_id": "test-lazy", "locked": true, "points": 25}\n'
        "def test_lazy():\n    assert add(1, 2) == 3\n",
        "does not call a test", "'test-lazy'"),
    "graded cell whose call is only under __main__": (
        '# %% nbgrader={"grade": true, "grade_id": "test-main", "locked": true, "points": 5}\n'
        "def test_main():\n    assert True\n\nif __name__ == '__main__':\n    test_main()\n",
        "does not call a test", "'test-main'"),
    "duplicate grade id": (
        '# %% nbgrader={"grade": true, "grade_id": "test-add", "locked": true, "points": 5}\n'
        "def test_again():\n    assert add(2, 2) == 4\n\ntest_again()\n",
        "duplicate grade_id 'test-add'", "'test-add'"),
    "graded cell without a probe": (
        '# %% nbgrader={"grade": true, "grade_id": "test-trusting", "locked": true, "points": 5}\n'
        "def test_trusting():\n    assert add(1, 2) == 3\n    ### BEGIN HIDDEN TESTS\n"
        "    assert add(2, 2) == 4\n    ### END HIDDEN TESTS\n\ntest_trusting()\n",
        "graded cell without a probe", "'test-trusting'"),
    "graded cell whose probe is not hidden": (
        '# %% nbgrader={"grade": true, "grade_id": "test-shown", "locked": true, "points": 5}\n'
        "from tito.probes import probe\n\ndef test_shown():\n    probe('add', add(1, 2))\n\ntest_shown()\n",
        "graded cell without a probe", "'test-shown'"),
    "graded cell without points": (
        '# %% nbgrader={"grade": true, "grade_id": "test-free", "locked": true}\n'
        "def test_free():\n    assert True\n\ntest_free()\n",
        "without positive 'points'", "'test-free'"),
}


@pytest.mark.parametrize("defect", sorted(BROKEN))
def test_lint_names_file_cell_and_defect(tmp_path, defect):
    cell, message, label = BROKEN[defect]
    path = tmp_path / "toy_dev.py"
    path.write_text(TOY_MODULE + "\n" + cell)
    problems = lint_file(path)
    matching = [p for p in problems if message in p]
    assert matching, f"{defect}: not reported; got {problems}"
    assert str(path) in matching[0] and label in matching[0]
    assert matching[0].split(":")[1].isdigit(), "the message gives the line of the cell"


def test_lint_refuses_module_without_default_exp(tmp_path):
    path = tmp_path / "toy_dev.py"
    path.write_text(TOY_MODULE.replace("#| default_exp core.toy\n", ""))
    assert any("default_exp" in p and str(path) in p for p in lint_file(path))


def test_clean_module_passes(tmp_path):
    path = tmp_path / "toy_dev.py"
    path.write_text(TOY_MODULE)
    assert lint_file(path) == []


def test_tito_lint_and_build_refuse_a_broken_module(toy_course):
    module = toy_course / "modules" / "01_toy" / "toy_dev.py"
    module.write_text(TOY_MODULE + "\n" + BROKEN["graded cell that calls no test"][0])
    lint = tito("lint", cwd=toy_course, check=False)
    assert lint.returncode == 1 and "does not call a test" in lint.stdout
    build = tito("build", "01", cwd=toy_course, check=False)
    assert build.returncode == 2 and "does not pass tito lint" in build.stderr
    assert "Traceback" not in build.stderr


def test_real_modules_pass_lint(course):
    proc = tito("lint", cwd=course.root, check=False)
    assert proc.returncode == 0, proc.stdout


def test_marker_words_in_prose_are_refused(tmp_path):
    """nbgrader stops at any line containing the marker words, even in a markdown cell."""
    path = tmp_path / "toy_dev.py"
    path.write_text(TOY_MODULE + '\n# %% [markdown]\n# Write your code after the BEGIN SOLUTION line.\n')
    assert any("solution markers outside a solution cell" in p for p in lint_file(path))
