"""Shared fixtures for the pipeline tests: the course checkout and a tiny throwaway course."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tito.course import Course

ROOT = Path(__file__).resolve().parents[2]
TITO = [sys.executable, "-m", "tito.cli"]

HEADER = textwrap.dedent('''\
    # ---
    # jupyter:
    #   jupytext:
    #     text_representation:
    #       extension: .py
    #       format_name: percent
    #   kernelspec:
    #     display_name: Python 3 (ipykernel)
    #     language: python
    #     name: python3
    # ---
    ''')

TOY_MODULE = HEADER + textwrap.dedent('''
    # %% [markdown]
    # # Toy: adding and scaling

    # %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "solution": false}
    #| default_exp core.toy
    #| export
    import numpy as np

    # %% nbgrader={"grade": false, "grade_id": "add", "solution": true}
    #| export
    def add(a, b):
        """Return a + b."""
        ### BEGIN SOLUTION
        return a + b
        ### END SOLUTION

    # %% nbgrader={"grade": true, "grade_id": "test-add", "locked": true, "points": 5}
    def test_add():
        assert add(1, 2) == 3, f"add(1, 2) should be 3, got {add(1, 2)}"
        ### BEGIN HIDDEN TESTS
        from tito.probes import probe
        probe("add-opposites", add(-4, 4))
        ### END HIDDEN TESTS

    test_add()
    ''')

TOY_TEST = textwrap.dedent('''\
    from tinytorch.core.toy import add

    def test_add_is_addition():
        assert add(2, 3) == 5
        assert add(-1.5, 1.5) == 0
    ''')


def tito(*args: str, cwd: Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([*TITO, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"tito {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


@pytest.fixture(scope="session", autouse=True)
def private_jupyter(tmp_path_factory):
    """Keep Jupyter and IPython state of the tests out of the home directory."""
    state = tmp_path_factory.mktemp("jupyter-state")
    saved = {k: os.environ.get(k) for k in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR")}
    os.environ.update(JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_DATA_DIR=str(state / "data"),
                      IPYTHONDIR=str(state / "ipython"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def make_toy_course(folder: Path, module_text: str = TOY_MODULE) -> Path:
    """A one-module course with the project's own configuration, built with tito."""
    (folder / "modules" / "01_toy").mkdir(parents=True)
    (folder / "modules" / "01_toy" / "toy_dev.py").write_text(module_text)
    (folder / "tests" / "package").mkdir(parents=True)
    (folder / "tests" / "package" / "test_01_toy.py").write_text(TOY_TEST)
    for name in ("nbgrader_config.py", "settings.ini", "pyproject.toml", "constraints.txt"):
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(ROOT / "tito", folder / "tito", ignore=shutil.ignore_patterns("__pycache__"))
    tito("build", cwd=folder)
    return folder


@pytest.fixture(scope="session")
def toy_course_template(tmp_path_factory) -> Path:
    """The toy course, built once per session (a build runs nbgrader and nbdev)."""
    return make_toy_course(tmp_path_factory.mktemp("toy-course") / "course")


@pytest.fixture
def toy_course(toy_course_template, tmp_path) -> Path:
    """A fresh copy of the built toy course, for one test to change."""
    return Path(shutil.copytree(toy_course_template, tmp_path / "course"))
