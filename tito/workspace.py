"""A student's workspace: their notebooks, their tinytorch, their progress.

Layout::

    tito-workspace.json        progress, and where the course materials are
    modules/NN_name/*.ipynb    the student's working notebooks
    tinytorch/                 the student's package (their own exports)

The materials folder holds ``release/`` (pristine student notebooks) and
``tests/package/`` (the package tests ``tito module complete`` runs). In a
course checkout it is the checkout; in a distribution made by ``tito dist`` it
is the distribution itself.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from tito.course import MODULE_DIR, Course, find_module
from tito.errors import TitoError
from tito.export import ensure_package

MARKER = "tito-workspace.json"
LOOK_AT = re.compile(r"\bsee ([A-Za-z_][\w.]*)")
MISSING_MODULE = re.compile(r"No module named '([^']+)'")
DEFAULT_EXP = re.compile(r"#\|\s*default_exp\s+(\S+)")


@dataclass(frozen=True)
class StudentModule:
    """A module as a student sees it: a released notebook, no source file."""

    name: str
    release_nb: Path

    @property
    def number(self) -> int:
        return int(self.name[:2])

    @property
    def notebook_name(self) -> str:
        return self.release_nb.name

    @property
    def export_name(self) -> str | None:
        nb = json.loads(self.release_nb.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            match = DEFAULT_EXP.search("".join(cell["source"]))
            if match:
                return match.group(1)
        return None


@dataclass
class TestOutcome:
    """One package test that did not pass: its name, what it said, and where a student should look."""

    name: str
    message: str
    details: str = ""  # the full report (traceback), searched for imports that failed

    @property
    def look_at(self) -> str | None:
        """The notebook function the test's message points to (``see sgd_update``), if it names one."""
        found = LOOK_AT.findall(self.message)
        return found[-1] if found else None


@dataclass
class PackageTestReport:
    """What pytest said about the package tests, read from its JUnit XML report."""

    passed: int = 0
    failed: list[TestOutcome] = field(default_factory=list)
    skipped: list[TestOutcome] = field(default_factory=list)
    output: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def missing_packages(self) -> list[str]:
        """Python packages (not tinytorch's own modules) whose import failed: a problem of the install."""
        names = {match.split(".")[0] for outcome in self.failed
                 for match in MISSING_MODULE.findall(outcome.message + "\n" + outcome.details)}
        return sorted(name for name in names if name != "tinytorch")

    @classmethod
    def read(cls, junit: Path, proc: subprocess.CompletedProcess) -> "PackageTestReport":
        report = cls(output=(proc.stdout + proc.stderr).strip())
        if not junit.is_file():
            report.failed.append(TestOutcome("pytest", report.output.splitlines()[-1] if report.output else
                                             f"pytest exited with code {proc.returncode}"))
            return report
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = f"{Path(case.get('file') or case.get('classname', '').replace('.', '/')).stem}::{case.get('name')}"
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            skip = case.find("skipped")
            if problem is not None:
                details = problem.text or ""
                message = problem.get("message") or ""
                if not message or message == "collection failure":  # say what failed to import or run
                    raised = [line[1:].strip() for line in details.splitlines() if line.startswith("E ")]
                    message = "\n".join(raised) or details
                report.failed.append(TestOutcome(name, _first_lines(message), details))
            elif skip is not None:
                report.skipped.append(TestOutcome(name, skip.get("message") or ""))
            else:
                report.passed += 1
        if proc.returncode not in (0, 1) and not report.failed:
            report.failed.append(TestOutcome("pytest", f"pytest exited with code {proc.returncode}: "
                                             + (report.output.splitlines() or [""])[-1]))
        return report


def _first_lines(message: str, limit: int = 8) -> str:
    lines = [line.rstrip() for line in message.strip().splitlines()
             if line.strip() and "full report in element text" not in line]  # pytest's truncation note
    return "\n".join(lines[:limit] + (["..."] if len(lines) > limit else []))


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.state = json.loads((self.root / MARKER).read_text(encoding="utf-8"))

    # -- finding and creating ------------------------------------------------
    @classmethod
    def create(cls, root: Path, materials: Path) -> "Workspace":
        root.mkdir(parents=True, exist_ok=True)
        state = {"materials": os.path.relpath(materials.resolve(), root.resolve()), "completed": {}}
        (root / MARKER).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        ensure_package(root / "tinytorch")
        return cls(root)

    @classmethod
    def find(cls, explicit: str | None = None, create: bool = False) -> "Workspace":
        """--workspace, $TITO_WORKSPACE, a workspace above the current folder, or ./workspace of a course."""
        chosen = explicit or os.environ.get("TITO_WORKSPACE")
        if chosen:
            path = Path(chosen)
            if (path / MARKER).is_file():
                return cls(path)
            if create:
                return cls.create(path, Course.find().root)
            raise TitoError(f"{path} is not a tito workspace (no {MARKER}); `tito module start` creates one")
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            if (folder / MARKER).is_file():
                return cls(folder)
        course = Course.find()
        default = course.root / "workspace"
        if (default / MARKER).is_file():
            return cls(default)
        if create:
            return cls.create(default, course.root)
        raise TitoError(f"no workspace yet: start a module first (`tito module start 01`), "
                        f"which creates {default}")

    # -- what is where -------------------------------------------------------
    @property
    def materials(self) -> Path:
        return (self.root / self.state["materials"]).resolve()

    @property
    def lib(self) -> Path:
        return self.root / "tinytorch"

    def modules(self) -> list[StudentModule]:
        release = self.materials / "release"
        found = []
        for folder in sorted(release.iterdir()) if release.is_dir() else []:
            notebooks = sorted(folder.glob("*_dev.ipynb"))
            if MODULE_DIR.match(folder.name) and notebooks:
                found.append(StudentModule(folder.name, notebooks[0]))
        return found

    def module(self, query: str) -> StudentModule:
        return find_module(query, self.modules(), str(self.materials / "release"))

    def notebook(self, module: StudentModule) -> Path:
        return self.root / "modules" / module.name / module.notebook_name

    def package_tests(self, module: StudentModule) -> list[Path]:
        return sorted((self.materials / "tests" / "package").glob(f"test_{module.name[:2]}_*.py"))

    def completed(self) -> dict[str, str]:
        return dict(self.state.get("completed", {}))

    def record_completed(self, module: StudentModule) -> None:
        self.state.setdefault("completed", {})[module.name] = time.strftime("%Y-%m-%d %H:%M:%S")
        tmp = self.root / (MARKER + ".tmp")
        tmp.write_text(json.dumps(self.state, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.root / MARKER)

    def status_of(self, module: StudentModule) -> str:
        if module.name in self.completed():
            return "completed " + self.completed()[module.name]
        if self.notebook(module).exists():
            return "started"
        return "not started"

    # -- changing the package safely -----------------------------------------
    def run_package_tests(self, module: StudentModule, lib_parent: Path) -> PackageTestReport | None:
        """pytest on the module's package tests, importing tinytorch from ``lib_parent``; None when there are none."""
        tests = self.package_tests(module)
        if not tests:
            return None
        missing = [name for name in ("pytest", "hypothesis") if importlib.util.find_spec(name) is None]
        if missing:
            raise TitoError(f"tito module complete runs the package tests with {' and '.join(missing)}, which "
                            f"this Python ({sys.executable}) lacks; install what the course needs with "
                            f"`pip install -c constraints.txt -e .` in {self.materials} (nothing was changed)")
        env = dict(os.environ, PYTHONPATH=str(lib_parent), MPLBACKEND="Agg")
        with tempfile.TemporaryDirectory(prefix="tito-pytest-") as tmp:
            junit = Path(tmp) / "results.xml"
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
                 f"--rootdir={self.materials / 'tests'}", f"--junitxml={junit}", *map(str, tests)],
                cwd=lib_parent, env=env, capture_output=True, text=True,
            )
            return PackageTestReport.read(junit, proc)

    def stage_package(self) -> tempfile.TemporaryDirectory:
        """A scratch copy of the student's package; ``swap_in`` makes it theirs."""
        staging = tempfile.TemporaryDirectory(prefix="tito-stage-", dir=self.root)
        shutil.copytree(self.lib, Path(staging.name) / "tinytorch",
                        ignore=shutil.ignore_patterns("__pycache__"))
        return staging

    def swap_in(self, staged_lib: Path) -> None:
        """Replace the student's package by ``staged_lib`` in two renames."""
        old = self.root / ".tinytorch-previous"
        shutil.rmtree(old, ignore_errors=True)
        self.lib.rename(old)
        staged_lib.rename(self.lib)
        shutil.rmtree(old, ignore_errors=True)

