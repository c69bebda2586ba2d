"""The student workflow: dist, start, test, complete — on their code, never the instructor's."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, tito
from tito.course import Course


def set_solution(notebook: Path, grade_id: str, source: str) -> None:
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = source
    notebook.write_text(json.dumps(nb))


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def toy_dist_template(toy_course_template, tmp_path_factory):
    dist = tmp_path_factory.mktemp("toy-dist") / "student"
    tito("dist", "01", str(dist), cwd=toy_course_template)
    tito("module", "start", "01_toy", cwd=dist)
    return dist


@pytest.fixture
def toy_dist(toy_dist_template, tmp_path):
    """A fresh copy of the toy course's hand-out, module 01 started."""
    return Path(shutil.copytree(toy_dist_template, tmp_path / "student"))


def test_dist_carries_no_answer_of_its_module(course, tmp_path):
    module = course.module("06") if (ROOT / "modules" / "06_optimizers").exists() else course.modules()[-1]
    dist = tmp_path / "dist"
    tito("dist", module.name, str(dist), cwd=ROOT)
    core = dist / "tinytorch" / "core"
    for m in course.modules():
        assert (core / f"{m.export_name.split('.')[-1]}.py").exists() == (m.number < module.number), m.name
    solution_lines = {line.strip() for line in module.dev_py.read_text().split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].splitlines() if len(line.strip()) > 20}
    for path in dist.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".json", ".md") and "tito" not in path.relative_to(dist).parts:
            text = path.read_text(errors="replace")
            assert "### BEGIN SOLUTION" not in text, path
    assert not (dist / "modules").exists() or not any((dist / "modules").rglob("*.py"))
    assert solution_lines  # the module does have answers to hide
    released = (dist / "release" / module.name / module.notebook_name).read_text()
    assert not any(line in released for line in solution_lines if line not in module.release_nb().read_text())


def test_untouched_notebook_scores_zero_and_complete_changes_nothing(toy_dist):
    proc = tito("module", "test", "01", cwd=toy_dist, check=False)
    assert proc.returncode == 1
    assert "0/5" in proc.stdout and "NotImplementedError" in proc.stdout
    before = tree_digest(toy_dist / "tinytorch"), (toy_dist / "tito-workspace.json").read_text()
    proc = tito("module", "complete", "01_toy", cwd=toy_dist, check=False)
    assert proc.returncode == 1 and "unchanged" in proc.stdout
    assert (tree_digest(toy_dist / "tinytorch"), (toy_dist / "tito-workspace.json").read_text()) == before


def test_wrong_solution_that_passes_visible_tests_is_refused_by_package_tests(toy_dist):
    notebook = toy_dist / "modules" / "01_toy" / "toy_dev.ipynb"
    set_solution(notebook, "add", "#| export\ndef add(a, b):\n    return 3 if (a, b) == (1, 2) else 0\n")
    before = tree_digest(toy_dist / "tinytorch"), (toy_dist / "tito-workspace.json").read_text()
    proc = tito("module", "complete", "01", cwd=toy_dist, check=False)
    assert proc.returncode == 1
    assert "5/5" in proc.stdout, "the visible test passes"
    assert "1 package test(s) failed on your code" in proc.stdout and "unchanged" in proc.stdout
    assert "test_01_toy::test_add_is_addition" in proc.stdout, "the failure names the test"
    assert "assert 0 == 5" in proc.stdout, "and says what it expected"
    assert (tree_digest(toy_dist / "tinytorch"), (toy_dist / "tito-workspace.json").read_text()) == before


def test_complete_exports_the_students_own_code(toy_dist):
    notebook = toy_dist / "modules" / "01_toy" / "toy_dev.ipynb"
    set_solution(notebook, "add", "#| export\ndef add(a, b):\n    total = a + b  # written by the student\n    return total\n")
    # a student who edits a locked test cell gets the released test back
    set_solution(notebook, "test-add", "def test_add():\n    pass\n\ntest_add()\n")
    proc = tito("module", "complete", "01", cwd=toy_dist, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "restored the original text of locked cells test-add" in proc.stdout
    exported = (toy_dist / "tinytorch" / "core" / "toy.py").read_text()
    assert "written by the student" in exported
    assert "01_toy" in json.loads((toy_dist / "tito-workspace.json").read_text())["completed"]
    listing = tito("module", "list", cwd=toy_dist).stdout
    assert "completed" in listing


def test_a_missing_python_package_is_named_not_blamed_on_the_student(toy_dist):
    """Package tests that cannot import a library get an install instruction, never 'your code failed'."""
    tests = toy_dist / "tests" / "package" / "test_01_toy.py"
    tests.write_text("import hypothesis_that_is_not_installed\n" + tests.read_text())
    set_solution(toy_dist / "modules" / "01_toy" / "toy_dev.ipynb", "add", "#| export\ndef add(a, b):\n    return a + b\n")
    proc = tito("module", "complete", "01", cwd=toy_dist, check=False)
    assert proc.returncode == 1
    assert "Python packages are missing (hypothesis_that_is_not_installed)" in proc.stdout
    assert "pip install -c constraints.txt -e ." in proc.stdout
    assert "failed on your code" not in proc.stdout


def test_complete_needs_pytest_and_says_how_to_install_it(toy_dist, monkeypatch):
    import importlib.util

    from tito.errors import TitoError
    from tito.workspace import Workspace

    ws = Workspace(toy_dist)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pytest" else real(name, *a))
    with pytest.raises(TitoError, match=r"pytest.*pip install -c constraints.txt -e \."):
        ws.run_package_tests(ws.module("01"), toy_dist)


def test_unknown_module_is_a_clear_error(toy_dist):
    proc = tito("module", "start", "99", cwd=toy_dist, check=False)
    assert proc.returncode == 2
    assert "no module '99'" in proc.stderr and "01_toy" in proc.stderr and "Traceback" not in proc.stderr


def test_module_06_reference_completes_in_a_student_distribution(tmp_path):
    course = Course(ROOT)
    if not (ROOT / "modules" / "06_optimizers").exists():
        pytest.skip("module 06 is not in the course yet")
    module = course.module("06")
    dist = tmp_path / "dist06"
    tito("dist", "06", str(dist), cwd=ROOT)
    tito("module", "start", "06", cwd=dist)
    untouched = tito("module", "complete", "06_optimizers", cwd=dist, check=False)
    assert untouched.returncode == 1 and not (dist / "tinytorch/core/optimizers.py").exists()
    shutil.copy2(module.source_nb(), dist / "modules" / module.name / module.notebook_name)
    proc = tito("module", "complete", "06", cwd=dist, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "90/90" in proc.stdout
    assert (dist / "tinytorch/core/optimizers.py").exists()


def test_handout_tito_lists_only_what_works_there(toy_dist):
    listing = tito("--help", cwd=toy_dist).stdout
    commands = {line.split()[0] for line in listing.split("COMMAND\n", 1)[1].splitlines() if line.strip()}
    assert commands == {"module", "lab"}, listing
    proc = tito("build", cwd=toy_dist, check=False)
    assert proc.returncode == 2 and "no TinyTorch course found" in proc.stderr and "Traceback" not in proc.stderr
    in_course = tito("--help", cwd=ROOT).stdout
    assert all(f"    {name} " in in_course for name in ("build", "lint", "dist", "module", "lab")), in_course


@pytest.mark.parametrize("module", [[], ["01"]])
def test_lab_passes_what_follows_the_double_dash_to_jupyter_lab(toy_dist, module):
    proc = tito("lab", *module, "--", "--version", cwd=toy_dist, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("4."), proc.stdout  # jupyter lab --version
    refused = tito("module", "list", "--", "--version", cwd=toy_dist, check=False)
    assert refused.returncode == 2 and "only `tito lab`" in refused.stderr


def test_started_notebook_names_the_python_its_kernel_reports(toy_dist):
    """JupyterLab writes the kernel's language_info into a notebook as it opens; a notebook
    holding the same opens unmodified."""
    import platform

    started = json.loads((toy_dist / "modules" / "01_toy" / "toy_dev.ipynb").read_text())
    released = json.loads((toy_dist / "release" / "01_toy" / "toy_dev.ipynb").read_text())
    kernel = subprocess.run([sys.executable, "-c", "from ipykernel.ipkernel import IPythonKernel as K; "
                             "import json; print(json.dumps(K.language_info))"], capture_output=True, text=True)
    assert started["metadata"]["language_info"] == json.loads(kernel.stdout)
    assert started["metadata"]["language_info"]["version"] == platform.python_version()
    assert started["cells"] == released["cells"]
