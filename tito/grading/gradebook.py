"""The gradebook side of grading: a scratch copy per submission, one merge into the real one.

nbgrader autograde writes its grades into a gradebook while the kernel runs.
Running many at once against one gradebook would interleave those writes
(and SQLite "is not threadsafe" for that, as nbgrader's FAQ says), so each
submission is graded in a scratch course with its own small SQLite gradebook
(the assignment's cells only, copied from the real gradebook), and tito alone
copies the result into the real gradebook, one submission at a time.

The real gradebook is whatever ``c.CourseDirectory.db_url`` in the course's
nbgrader_config.py names: a SQLite file (the default, ``gradebook.db``) or a
PostgreSQL database (``postgresql://user@host:port/name``), reached through
psycopg 3. Functions here take either a path (SQLite) or a URL.
"""
from __future__ import annotations

import hashlib
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from tito.errors import TitoError


def db_url(where: Path | str) -> str:
    """The SQLAlchemy URL of a gradebook given as a SQLite path or a URL."""
    return where if isinstance(where, str) and "://" in where else f"sqlite:///{where}"


def shown(where: Path | str) -> str:
    """A gradebook's name for messages: its path, or its URL without the password."""
    url = db_url(where)
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def exists(where: Path | str) -> bool:
    """False for a SQLite gradebook not created yet; a database server is asked when opened."""
    url = db_url(where)
    return not url.startswith("sqlite:///") or Path(url[len("sqlite:///"):]).exists()


def use_psycopg() -> None:
    """Make ``postgresql://`` URLs use psycopg 3, the driver the course installs.

    SQLAlchemy's default for a bare ``postgresql://`` is psycopg2, which is not
    installed; ``postgresql+psycopg://`` works without this. Called by every tito
    process and every nbgrader tito starts (tito/nbgrader_main.py).
    """
    from sqlalchemy.dialects import registry

    registry.register("postgresql", "sqlalchemy.dialects.postgresql.psycopg", "PGDialect_psycopg")


_engines: dict = {}


def _one_engine_per_url(url, **options):
    engine = _engines.get((url, tuple(sorted(options.items()))))
    if engine is None:
        from sqlalchemy import create_engine

        engine = _engines[(url, tuple(sorted(options.items())))] = create_engine(url, **options)
    return engine


def share_engines() -> None:
    """Let every nbgrader Gradebook of this process on the same URL share one SQLAlchemy engine.

    nbgrader opens its gradebook about ten times per graded submission, each
    time with a new engine, whose SQL is compiled afresh (about a third of a
    second per submission) and whose database connections are new. One engine
    per URL keeps the compiled SQL and the connection pool; ``Gradebook.close``
    still returns its connections (``engine.dispose`` leaves the engine usable).
    """
    import nbgrader.api

    nbgrader.api.create_engine = _one_engine_per_url


def open_gradebook(where: Path | str, course_id: str):
    from nbgrader.api import Gradebook

    use_psycopg()
    share_engines()
    # nbgrader runs the `alembic` script of its environment when it creates a gradebook.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", os.defpath)])
    try:
        return Gradebook(db_url(where), course_id)
    except Exception as err:
        if db_url(where).startswith("sqlite:///"):
            raise
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise TitoError(f"cannot open the gradebook {shown(where)}: {first}") from err


@dataclass
class AssignmentCells:
    """What autograde must know of one assignment, read from the real gradebook."""

    notebooks: dict[str, dict] = field(default_factory=dict)

    def graded_sources(self) -> list[str]:
        """SHA-256 of the source of every graded code cell (the guard recognises them by it)."""
        digests = []
        for notebook in self.notebooks.values():
            graded = {cell["name"] for cell in notebook["grade_cells"]}
            for cell in notebook["source_cells"]:
                if cell["name"] in graded and cell["cell_type"] == "code":
                    digests.append(hashlib.sha256(cell["source"].encode("utf-8")).hexdigest())
        return sorted(digests)

    def locked_sources(self, notebook: str) -> dict[str, str]:
        return {c["name"]: c["source"] for c in self.notebooks[notebook]["source_cells"] if c["locked"]}

    def max_scores(self, notebook: str) -> dict[str, float]:
        return {c["name"]: c["max_score"] for c in self.notebooks[notebook]["grade_cells"]}

    def code_cells(self) -> int:
        return sum(1 for nb in self.notebooks.values() for c in nb["source_cells"] if c["cell_type"] == "code")


def read_assignment(gradebook: Path | str, course_id: str, assignment: str) -> AssignmentCells:
    """The notebooks and cells of ``assignment`` as nbgrader generate_assignment recorded them."""
    from nbgrader.api import MissingEntry

    if not exists(gradebook):
        raise TitoError(f"no gradebook at {shown(gradebook)}: run `tito grade generate {assignment}` first")
    with open_gradebook(gradebook, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise TitoError(f"the gradebook has no assignment {assignment}: "
                            f"run `tito grade generate {assignment}` first") from None
        cells = AssignmentCells()
        for notebook in found.notebooks:
            cells.notebooks[notebook.name] = {
                "grade_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type}
                                for c in notebook.grade_cells],
                "solution_cells": [{"name": c.name} for c in notebook.solution_cells],
                "task_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type}
                               for c in notebook.task_cells],
                "source_cells": [{"name": c.name, "cell_type": c.cell_type, "locked": c.locked,
                                  "source": c.source, "checksum": c.checksum}
                                 for c in notebook.source_cells],
            }
    if not cells.notebooks:
        raise TitoError(f"assignment {assignment} has no notebooks in the gradebook: "
                        f"run `tito grade generate {assignment}` again")
    return cells


def write_template(path: Path, course_id: str, assignment: str, cells: AssignmentCells) -> None:
    """A gradebook holding only ``assignment`` and its cells: the start of every scratch course."""
    with open_gradebook(path, course_id) as gb:
        gb.update_or_create_assignment(assignment)
        for name, notebook in cells.notebooks.items():
            gb.update_or_create_notebook(name, assignment)
            for cell in notebook["grade_cells"]:
                gb.update_or_create_grade_cell(cell["name"], name, assignment,
                                               max_score=cell["max_score"], cell_type=cell["cell_type"])
            for cell in notebook["solution_cells"]:
                gb.update_or_create_solution_cell(cell["name"], name, assignment)
            for cell in notebook["task_cells"]:
                gb.update_or_create_task_cell(cell["name"], name, assignment,
                                              max_score=cell["max_score"], cell_type=cell["cell_type"])
            for cell in notebook["source_cells"]:
                gb.update_or_create_source_cell(cell["name"], name, assignment,
                                                **{k: v for k, v in cell.items() if k != "name"})


@dataclass
class GradedSubmission:
    """Scores nbgrader gave one submission, per notebook and cell."""

    timestamp: object = None
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)
    comments: dict[str, dict[str, str | None]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(s or 0.0 for cells in self.scores.values() for s in cells.values())


def read_scratch_grades(gradebook: Path, course_id: str, assignment: str, student: str) -> GradedSubmission:
    with open_gradebook(gradebook, course_id) as gb:
        submission = gb.find_submission(assignment, student)
        graded = GradedSubmission(timestamp=submission.timestamp)
        for notebook in submission.notebooks:
            graded.scores[notebook.name] = {g.name: g.auto_score for g in notebook.grades}
            graded.comments[notebook.name] = {c.name: c.auto_comment for c in notebook.comments}
    return graded


def zero_grades(cells: AssignmentCells) -> GradedSubmission:
    """The grades of a submission of which nothing could run."""
    return GradedSubmission(scores={
        name: {c["name"]: 0.0 for c in nb["grade_cells"] + nb["task_cells"] if c["cell_type"] == "code"}
        for name, nb in cells.notebooks.items()})


def merge(gradebook: Path | str, course_id: str, assignment: str, student: str, graded: GradedSubmission) -> None:
    """Record ``graded`` as the autograder's scores of ``student`` in the real gradebook.

    Grading the same submission again updates its scores in place: one
    submission per student, and a manual score a grader gave is kept (and the
    cell flagged for review, as nbgrader does).
    """
    from nbgrader.api import MissingEntry

    with open_gradebook(gradebook, course_id) as gb, warnings.catch_warnings():
        # nbgrader's add_submission builds its rows in a way SQLAlchemy 2 warns about, harmlessly.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(assignment, student)
            if graded.timestamp is not None:
                submission.timestamp = graded.timestamp
        except MissingEntry:
            extra = {"timestamp": graded.timestamp} if graded.timestamp is not None else {}
            gb.add_submission(assignment, student, **extra)
        for notebook, scores in graded.scores.items():
            for cell, score in scores.items():
                grade = gb.find_grade(cell, notebook, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = grade.manual_score is not None or score is None
        for notebook, comments in graded.comments.items():
            for cell, text in comments.items():
                gb.find_comment(cell, notebook, assignment, student).auto_comment = text
        gb.db.commit()


def recorded_scores(gradebook: Path | str, course_id: str, assignment: str) -> dict[str, tuple[float, float]]:
    """``{student: (score, max_score)}`` of every submission of ``assignment`` in the gradebook."""
    from nbgrader.api import MissingEntry

    if not exists(gradebook):
        return {}
    with open_gradebook(gradebook, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return {}
        return {s.student.id: (float(s.score), float(s.max_score)) for s in found.submissions}


@dataclass(frozen=True)
class CellResult:
    """How the class did on one graded cell (a test worth points)."""

    notebook: str
    cell: str
    max_score: float
    passed: int          # submissions with every point of the cell
    submissions: int     # submissions graded
    mean_score: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else 0.0


def cell_results(gradebook: Path | str, course_id: str, assignment: str) -> list[CellResult]:
    """Every autograded cell of ``assignment`` in notebook order, with how many earned all its points."""
    from nbgrader.api import MissingEntry

    with open_gradebook(gradebook, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return []
        results = []
        for notebook in found.notebooks:
            for cell in notebook.grade_cells:
                if cell.cell_type != "code":
                    continue
                scores = [float(g.score or 0.0) for g in cell.grades]
                results.append(CellResult(
                    notebook.name, cell.name, float(cell.max_score),
                    sum(score >= cell.max_score for score in scores), len(scores),
                    sum(scores) / len(scores) if scores else 0.0))
    return results
