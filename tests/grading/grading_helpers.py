"""A small course to grade, notebooks to submit to it, and tito to run on it.

The fixture course is the modules in ``fixtures/`` (or real course modules),
built with tito and recorded with `tito grade generate`, using the
project's own nbgrader_config.py.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tito.build import build
from tito.course import Course
from tito.grading.generate import generate

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TITO = [sys.executable, "-m", "tito.cli"]

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None,
                                 reason="bubblewrap is not installed (apt-get install -y bubblewrap)")


def make_course(root: Path, module_folders: list[Path], graded: str, prebuilt: bool = False) -> Course:
    """A course at ``root`` holding copies of ``module_folders``, built, with ``graded`` generated.

    ``prebuilt``: copy the project's committed source/ and release/ notebooks instead of building.
    """
    for folder in module_folders:
        shutil.copytree(folder, root / "modules" / folder.name)
        if prebuilt:
            for generated in ("source", "release"):
                shutil.copytree(REPO / generated / folder.name, root / generated / folder.name)
    for name in ("nbgrader_config.py", "settings.ini"):
        shutil.copy2(REPO / name, root / name)
    if prebuilt:  # real modules: the data their notebooks load
        shutil.copytree(REPO / "datasets", root / "datasets")
    course = Course(root)
    if not prebuilt:
        build(course, course.modules())
    generate(course, course.module(graded))
    return course


@pytest.fixture(scope="session")
def toy_template(tmp_path_factory) -> Path:
    """The fixture course (01_base, 02_toy), built and generated once per test session."""
    from tito.grading.autograde import grader_package

    course = make_course(tmp_path_factory.mktemp("toy-template"),
                         [FIXTURES / "01_base", FIXTURES / "02_toy"], graded="02")
    grader_package(course, course.module("02"))  # built once, copied with the course
    return course.root


def toy_course(template: Path, root: Path) -> Course:
    """A private copy of the built fixture course: its own gradebook, submissions and results."""
    shutil.copytree(template, root, symlinks=True, dirs_exist_ok=True)
    return Course(root)


def release_notebook(course: Course, module: str) -> nbformat.NotebookNode:
    return nbformat.read(str(course.module(module).release_nb()), as_version=4)


def solved_notebook(course: Course, module: str, only: set[str] | None = None) -> nbformat.NotebookNode:
    """The student notebook with the instructor's answer in each solution cell (or those in ``only``)."""
    mod = course.module(module)
    source = nbformat.read(str(mod.source_nb()), as_version=4)
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [l for l in cell.source.splitlines()
                     if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines)
    nb = release_notebook(course, module)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and (only is None or grade_id in only):
            cell.source = answers[grade_id]
    return nb


def cell(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def with_cell(nb, grade_id: str, source: str):
    """A copy of ``nb`` whose cell ``grade_id`` holds ``source``."""
    nb = copy.deepcopy(nb)
    cell(nb, grade_id).source = source
    return nb


def submit(course: Course, module: str, student: str, nb=None, *, raw: bytes | None = None,
           name: str | None = None) -> Path:
    mod = course.module(module)
    folder = course.root / "submitted" / student / mod.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or mod.notebook_name)
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_tito(course: Course, *args: str, **env: str) -> Result:
    """`tito ARGS` in this process (no interpreter start-up): same parser, handlers and errors."""
    from tito.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update(TITO_COURSE=str(course.root), **env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse refusing the arguments
                code = exit.code
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Result(code, out.getvalue(), err.getvalue())


def tito_env(course: Course, **extra: str) -> dict[str, str]:
    return dict(os.environ, TITO_COURSE=str(course.root), PYTHONPATH=str(REPO), **extra)


def tito(course: Course, *args: str, timeout: int = 900, **env: str) -> subprocess.CompletedProcess:
    """Run the real `tito` command line in the course (``env``: extra environment variables)."""
    return subprocess.run([*TITO, *args], cwd=course.root, env=tito_env(course, **env),
                          capture_output=True, text=True, timeout=timeout)


def ledger(course: Course, module: str) -> dict:
    path = course.root / "autograded" / ".tito" / f"{course.module(module).name}.json"
    return json.loads(path.read_text(encoding="utf-8"))
