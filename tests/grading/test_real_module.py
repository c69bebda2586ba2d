"""The newest real module and module 06 (whose plain answers are written out), graded like students'
work: full marks, zero, and exactly the parts done."""
from __future__ import annotations

import json
import sys

import nbformat
import pytest

from grading_helpers import REPO, make_course, needs_bwrap, release_notebook, run_tito, solved_notebook, submit

pytestmark = needs_bwrap
NEWEST = sorted(p for p in (REPO / "modules").iterdir() if p.name[:2].isdigit())[-1]
GRADED = sorted({NEWEST.name} | ({"06_optimizers"} if (REPO / "modules" / "06_optimizers").is_dir() else set()))
# For module 06: the Optimizer base and SGD answered, so their tests pass (10 + 15 points) and
# those of Adam, AdamW and the integration test fail.
# For module 07: clipping and StepLR/LinearLR answered (15 + 15 points); the cosine, the Trainer
# and the module test fail.
PARTIAL = {"06_optimizers": ({"optimizer-base", "sgd-optimizer"}, 25.0),
           "07_training": ({"clip-grad-norm", "step-linear-lr"}, 30.0)}
sys.path.insert(0, str(REPO / "tests" / "pipeline"))
from answers_06 import MISTAKES, PLAIN  # noqa: E402  (answers written from module 06's text)


def answered(nb, solutions):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in solutions:
            cell.source = solutions[cell.metadata.nbgrader.grade_id]
    return nb


@pytest.fixture(scope="module", params=GRADED)
def graded(request, tmp_path_factory):
    """(course, tito's output, ledger, module name) after grading the module's submissions."""
    name = request.param
    folders = sorted(p for p in (REPO / "modules").iterdir() if p.name[:2].isdigit())
    course = make_course(tmp_path_factory.mktemp("course"), folders, graded=name, prebuilt=True)
    submit(course, name, "reference", solved_notebook(course, name))
    submit(course, name, "untouched", release_notebook(course, name))
    if name in PARTIAL:
        parts, _ = PARTIAL[name]
        submit(course, name, "partial", solved_notebook(course, name, only=parts))
    if name == "06_optimizers":
        submit(course, name, "plain", answered(release_notebook(course, name), PLAIN))
        grade_id, old, new, _ = MISTAKES["sgd forgets nesterov"]
        submit(course, name, "no-nesterov", answered(release_notebook(course, name),
                                                     {**PLAIN, grade_id: PLAIN[grade_id].replace(old, new)}))
    data_before = dataset_bytes(course)
    reads_data = any("load_digits()" in c.source for c in solved_notebook(course, name).cells)
    if reads_data:
        submit(course, name, "vandal", vandal_notebook(solved_notebook(course, name)))
    proc = run_tito(course, "grade", "autograde", name, "--workers", "2")
    ledger = json.loads((course.root / "autograded" / ".tito" / f"{name}.json").read_text())
    assert dataset_bytes(course) == data_before, "a submission changed the course's datasets/"
    return course, proc, ledger, name


def dataset_bytes(course) -> dict:
    return {p: p.read_bytes() for p in sorted((course.root / "datasets").rglob("*")) if p.is_file()}


VANDAL = """import os
from pathlib import Path
for data_file in Path(os.environ["TINYTORCH_DATASETS"]).rglob("*.npz"):
    try:
        data_file.write_bytes(b"overwritten by a submission")
    except OSError as error:
        print("the data set is read-only:", type(error).__name__)
"""


def vandal_notebook(nb):
    """The reference, whose cell that loads the digits first tries to overwrite every data set file."""
    first = next(c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("locked")
                 and "load_digits()" in c.source)
    first.source = VANDAL + first.source
    return nb


def test_reference_solution_gets_full_marks(graded):
    _, proc, ledger, name = graded
    entry = ledger["reference"]
    assert entry["max_score"] > 0
    assert entry["score"] == entry["max_score"], proc.stdout
    assert not entry["failed"], entry


def test_reference_notebook_runs_clean_in_the_sandbox(graded):
    """Every cell of the graded reference ran without error, demos and analyses included
    (module 07's read the course's datasets/ through the sandbox)."""
    course, _, _, name = graded
    autograded = course.root / "autograded" / "reference" / name
    errors = []
    for path in autograded.glob("*.ipynb"):
        for index, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
            errors += [(path.name, index, out.get("ename"), out.get("evalue", "")[:200])
                       for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors


def test_a_submission_cannot_change_the_data_sets_it_reads(graded):
    _, proc, ledger, name = graded
    if "vandal" not in ledger:
        pytest.skip(f"{name} reads no data set")
    assert ledger["vandal"]["score"] == ledger["vandal"]["max_score"], proc.stdout   # and the data is intact
    graded_nb = graded[0].root / "autograded" / "vandal" / name / graded[0].module(name).notebook_name
    assert "the data set is read-only: OSError" in graded_nb.read_text(encoding="utf-8")


def test_untouched_student_notebook_gets_zero(graded):
    _, proc, ledger, name = graded
    assert ledger["untouched"]["score"] == 0, proc.stdout
    assert not ledger["untouched"]["failed"], ledger["untouched"]


def test_partial_submission_gets_exactly_its_parts(graded):
    _, proc, ledger, name = graded
    if name not in PARTIAL:
        pytest.skip(f"no partial answer defined for {name}")
    assert ledger["partial"]["score"] == PARTIAL[name][1], proc.stdout


def test_grader_package_has_no_answer_to_the_graded_module(graded):
    course, _, _, name = graded
    module = course.module(name)
    libs = list((course.root / "workspace" / "grading" / "lib").glob(f"{module.name}-*/tinytorch"))
    assert len(libs) == 1
    exported = {p.stem for p in (libs[0] / "core").glob("*.py")} - {"__init__"}
    assert module.export_name.split(".")[-1] not in exported
    assert exported == {m.export_name.split(".")[-1] for m in course.modules_before(module)}


def test_plain_answers_from_the_notebook_text_get_full_marks_with_hidden_tests(graded):
    _, proc, ledger, name = graded
    if name != "06_optimizers":
        pytest.skip("plain answers are written for module 06")
    assert ledger["plain"]["score"] == ledger["plain"]["max_score"] == 90, proc.stdout


def test_one_mistake_loses_the_points_of_its_own_test_only(graded):
    _, proc, ledger, name = graded
    if name != "06_optimizers":
        pytest.skip("plain answers are written for module 06")
    assert ledger["no-nesterov"]["score"] == 90 - 15, proc.stdout  # test-sgd only: no cascade
