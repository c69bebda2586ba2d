"""Module 06 as students write it: a plain answer written from the notebook's text completes in a
hand-out; answers with one realistic mistake each are refused, naming the mistake."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, tito

from answers_06 import MISTAKES, PLAIN


def answer(notebook: Path, solutions: dict[str, str]) -> None:
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell["source"] = solutions[grade_id]
    notebook.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    dist = tmp_path_factory.mktemp("handout") / "h"
    tito("dist", "06", str(dist), cwd=ROOT)
    tito("module", "start", "06", cwd=dist)
    return dist


@pytest.mark.parametrize("mistake", MISTAKES)
def test_an_answer_with_one_mistake_is_refused_naming_it(handout, mistake):
    grade_id, old, new, words = MISTAKES[mistake]
    assert old in PLAIN[grade_id]
    notebook = handout / "modules" / "06_optimizers" / "optimizers_dev.ipynb"
    answer(notebook, {**PLAIN, grade_id: PLAIN[grade_id].replace(old, new)})
    proc = tito("module", "complete", "06", cwd=handout, check=False)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "is not complete" in proc.stdout and "unchanged" in proc.stdout
    assert words in proc.stdout, proc.stdout[-3000:]
    assert not (handout / "tinytorch" / "core" / "optimizers.py").exists()


def test_a_plain_answer_from_the_notebook_text_completes_in_a_handout(tmp_path):
    dist = tmp_path / "h"
    tito("dist", "06", str(dist), cwd=ROOT)
    tito("module", "start", "06", cwd=dist)
    answer(dist / "modules" / "06_optimizers" / "optimizers_dev.ipynb", PLAIN)
    proc = tito("module", "complete", "06", cwd=dist, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "90/90" in proc.stdout
    assert "not run" not in proc.stdout, "no package test may be skipped"
    exported = (dist / "tinytorch" / "core" / "optimizers.py").read_text()
    assert "exp_avg[:] = beta1 * exp_avg" in exported, "the student's own code is exported"


def test_package_tests_run_without_torch_and_skip_nothing(tmp_path):
    """What `complete` runs needs no torch: with torch made unimportable, every package test runs and passes."""
    import subprocess
    import sys

    blocker = tmp_path / "blocker" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('torch is blocked for this test')\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
                           str(ROOT / "tests" / "package")],
                          env={"PYTHONPATH": f"{tmp_path / 'blocker'}:{ROOT}", "PATH": "/usr/bin:/bin",
                               "MPLBACKEND": "Agg"},
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "skipped" not in proc.stdout, proc.stdout[-3000:]
