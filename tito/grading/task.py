"""What travels between tito and a grading worker: one task per submission, one result back.

A worker needs the installed course environment (Python, nbgrader, tito) and
bubblewrap, never the course folder: a ``GradingTask`` carries everything
grading one submission reads (its files, the assignment's cells and scratch
gradebook, the student notebooks of release/, the course's nbgrader_config.py,
the grader's tinytorch as a zip archive with its hash, the limits, and what
the judge expects of each graded cell's probes), and a ``GradingResult``
carries back everything tito records (scores per cell as the judge set them,
the cells it overruled, the autograded files, nbgrader's log, the one-line
reason of a failure). Both are plain data, pickled by Dask. The expectations
stay in the worker's own process (judge.py): they are never written where
the student's kernel runs.
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tito.grading import gradebook as gbook
from tito.grading.settings import GradeSettings


@dataclass(frozen=True)
class GraderPackage:
    """The grader's ``tinytorch`` (modules before the graded one), zipped, named by its content hash."""

    digest: str
    archive: bytes

    @classmethod
    def pack(cls, lib: Path) -> "GraderPackage":
        """Zip ``lib/tinytorch``; ``lib``'s name ends with the hash of the modules it was built from."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((lib / "tinytorch").rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(lib).as_posix())
        return cls(lib.name, buffer.getvalue())

    def unpack(self, folder: Path) -> None:
        with zipfile.ZipFile(io.BytesIO(self.archive)) as archive:
            archive.extractall(folder)


@dataclass(frozen=True)
class Assignment:
    """What every submission of one module shares."""

    course_id: str
    module: str
    cells: gbook.AssignmentCells
    template: bytes                  # a SQLite gradebook holding only this assignment's cells
    release: dict[str, bytes]        # student notebook of release/, by notebook name
    course_config: str               # the course's nbgrader_config.py
    package: GraderPackage
    settings: GradeSettings
    sandboxed: bool
    course_root: str                 # hidden under a tmpfs in the sandbox, should the worker have it
    expected: dict[str, dict[str, list[dict]]] | None = None  # the judge's: {notebook: {grade_id: probes}}


@dataclass(frozen=True)
class GradingTask:
    """One submission as handed in: regular files by relative path, symbolic links by their target."""

    student: str
    digest: str
    files: dict[str, bytes]
    links: dict[str, str]
    assignment: Assignment

    @classmethod
    def read(cls, student: str, digest: str, folder: Path, assignment: Assignment) -> "GradingTask":
        files, links = {}, {}
        for top, folders, names in os.walk(folder):  # never into a linked folder
            for name in sorted(folders + names):
                path = Path(top) / name
                relative = path.relative_to(folder).as_posix()
                if path.is_symlink():
                    links[relative] = os.readlink(path)
                elif path.is_file():
                    files[relative] = path.read_bytes()
        return cls(student, digest, files, links, assignment)

    def write(self, folder: Path) -> None:
        """Recreate the submission in ``folder``: links as links, never followed (see submission.py)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name, points_to in self.links.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(points_to, target)


@dataclass
class GradingResult:
    student: str
    digest: str
    graded: gbook.GradedSubmission
    failed: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    disputes: list[str] = field(default_factory=list)  # graded cells the kernel passed and the judge did not
    autograded: dict[str, bytes] = field(default_factory=dict)  # autograded/<student>/<module>/ files
    log: str = ""
    seconds: float = 0.0
    worker: str = ""

    @property
    def score(self) -> float:
        return self.graded.total
