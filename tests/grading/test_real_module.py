"""The newest real module and module 06 (whose plain answers are written out), graded like students'
work: full marks, zero, and exactly the parts done."""
from __future__ import annotations

import base64
import html
import json
import re
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


ANSWER_CELLS = ("optimizer-base", "sgd-optimizer", "adam-optimizer", "adamw-optimizer")
SKIP_TESTS = """
def skip_tests(lines):
    return ['pass\\n'] if any('test_' in line for line in lines) else lines
get_ipython().input_transformers_post.append(skip_tests)
"""
NO_CHECKS = """
import ast
class NoChecks(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
    def visit_Raise(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(NoChecks())
"""
UNGUARDED = """
import numpy
events = get_ipython().events
for name in ('pre_run_cell', 'post_run_cell'):
    for callback in list(events.callbacks[name]):
        events.unregister(name, callback)
for name in ('allclose', 'array_equal', 'isclose'):
    vars(numpy)[name] = lambda *args, **kwargs: True
"""
EXFILTRATE = """
import base64
get_ipython().events.register('pre_run_cell', lambda info: print(base64.b64encode(info.raw_cell.encode()).decode()))
"""

# Forges the base class's probe with what its visible checks state (two parameters, in order, step
# count 0, gradients cleared, each refusal right), having written nothing.
GUESSER = """
def guess(lines):
    text = ''.join(lines)
    if 'def test_unit_optimizer_base' not in text:
        return lines
    stated = [2, True, True, 0, True, True, 2, [True, True], True, True, True, True, 'NotImplementedError']
    return ['from tito.probes import probe\\n', f'probe("optimizer-base", {stated!r})\\n']
get_ipython().input_transformers_post.append(guess)
"""


def first_answer_with(extra):
    return lambda release, solved: answered(release, {"optimizer-base": extra + cell_of(release, "optimizer-base")})


def passes_with(extra):
    return lambda release, solved: answered(release, {gid: (extra if gid == "optimizer-base" else "") + "pass\n"
                                                      for gid in ANSWER_CELLS})


def cell_of(nb, grade_id):
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


# The four submissions of the issue that forged grades while the kernel's verdict decided them.
FORGERS = {
    "skip-tests": first_answer_with(SKIP_TESTS),            # untouched + cells mentioning test_ become pass
    "no-checks": passes_with(NO_CHECKS),                     # asserts and raises compiled away
    "unguarded": passes_with(UNGUARDED),                     # guard unregistered, numpy patched via vars()
    "exfiltrator": lambda release, solved: answered(solved, {"optimizer-base": EXFILTRATE + cell_of(solved, "optimizer-base")}),
    "guesser": first_answer_with(GUESSER),                  # the base test's probe forged from its visible checks
}


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
        for student, make in FORGERS.items():
            submit(course, name, student, make(release_notebook(course, name), solved_notebook(course, name)))
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


def test_forged_kernel_verdicts_earn_nothing(graded):
    _, proc, ledger, name = graded
    if name != "06_optimizers":
        pytest.skip("the forging submissions are written for module 06")
    for student in ("skip-tests", "no-checks", "unguarded"):
        assert ledger[student]["score"] == 0, (student, ledger[student], proc.stdout)
    # every test cell became `pass`: the kernel gave points, no probe came, which an honest run cannot do
    disputes = ledger["skip-tests"]["disputes"]
    assert len(disputes) == 5 and all("tampering evidence: probe" in d for d in disputes), disputes
    assert ledger["exfiltrator"]["score"] == 90, ledger["exfiltrator"]
    # what the visible checks state is not enough: which error each hidden list of parameters gets
    # takes _check_parameter's work
    assert ledger["guesser"]["score"] == 0, (ledger["guesser"], proc.stdout)
    assert any("test-optimizer-base" in d for d in ledger["guesser"]["disputes"]), ledger["guesser"]


def test_feedback_of_an_exfiltrator_holds_no_expected_value(graded):
    course, _, _, name = graded
    if name != "06_optimizers":
        pytest.skip("the forging submissions are written for module 06")
    proc = run_tito(course, "grade", "feedback", name, "--student", "exfiltrator")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (course.root / "feedback" / "exfiltrator" / name / "optimizers_dev.html").read_text()
    recorded = json.loads((course.root / "autograded" / ".tito" / "expected" / f"{name}.json").read_text())
    arrays = re.findall(r'"data": "([^"]{12,})"', json.dumps(recorded))
    numbers = {f"{x:.6f}"[:8] for x in expected_floats(recorded) if abs(x) > 1e-3}
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    decoded = ""
    for token in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        try:
            decoded += base64.b64decode(token + "=" * (-len(token) % 4)).decode("latin-1")
        except ValueError:
            pass
    assert arrays and not [a for a in arrays if a[:12] in page], "a recorded array is in the feedback page"
    assert "application/vnd.tito.probe" not in page
    assert "run_on_quadratic(lambda params" not in decoded, "the hidden source went out in base64"
    # numbers a student sees anyway, in the released notebook, do not count
    assert numbers and not [n for n in numbers if n in text and n not in VISIBLE_06], "an expected number is shown"


def expected_floats(recorded):
    from tito.probes import decode
    import numpy as np

    values = []

    def walk(value):
        if isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (float, np.ndarray)):
            values.extend(float(x) for x in np.ravel(value) if np.isfinite(x))

    for probes in recorded["notebooks"]["optimizers_dev"].values():
        for p in probes:
            if p["name"].endswith("trajectories"):
                walk(decode(p["value"]))
    return values


VISIBLE_06 = (REPO / "release" / "06_optimizers" / "optimizers_dev.ipynb").read_text()
