"""A submission as handed in: where it is, its content hash, what is wrong with it, its files.

Everything here reads the student's files as data; nothing of them runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading import gradebook as gbook

@dataclass(frozen=True)
class Submission:
    student: str
    folder: Path
    digest: str


def submission_digest(folder: Path) -> str:
    """Content hash of everything in a submission folder (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(b"link:" + os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def find_submissions(course: Course, module: Module, students: list[str] | None = None) -> list[Submission]:
    base = course.root / "submitted"
    found = sorted(p for p in base.glob(f"*/{module.name}") if p.is_dir()) if base.is_dir() else []
    by_student = {p.parent.name: p for p in found}
    if students:
        missing = [s for s in students if s not in by_student]
        if missing:
            raise TitoError(f"no submission of {module.name} for {', '.join(missing)} "
                            f"(looked for {base}/<student>/{module.name}/)")
        by_student = {s: by_student[s] for s in students}
    return [Submission(s, p, submission_digest(p)) for s, p in sorted(by_student.items())]


def visible_lines(source) -> list[str]:
    """A cell's non-blank lines as a student sees them (hidden tests removed)."""
    text = source if isinstance(source, str) else "".join(source)
    lines, hidden = [], False
    for line in text.splitlines():
        marker = line.strip()
        if marker == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif marker == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden and marker:
            lines.append(line.rstrip())
    return lines


def check_submission(submission: Submission, cells: gbook.AssignmentCells) -> tuple[str | None, list[str]]:
    """``(why it cannot run or None, notes on tampering nbgrader will undo)``."""
    import nbformat

    notes = []
    for name in cells.notebooks:
        path = submission.folder / f"{name}.ipynb"
        if path.is_symlink():  # whether or not its target exists where it is checked
            return f"{name}.ipynb is a symbolic link, not a notebook", notes
        if not path.is_file():
            present = sorted(p.name for p in submission.folder.iterdir())
            return (f"no {name}.ipynb in the submission (found: {', '.join(present) or 'nothing'})", notes)
        if path.stat().st_size == 0:
            return f"{name}.ipynb is an empty file", notes
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return f"{name}.ipynb is not a readable notebook ({first[:120]})", notes
        by_id = {}
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if isinstance(meta, dict) and meta.get("grade_id"):
                by_id.setdefault(meta["grade_id"], (cell, meta))
        for grade_id, source in cells.locked_sources(name).items():
            if grade_id not in by_id:
                notes.append(f"cell {grade_id} deleted (restored)")
            elif visible_lines(by_id[grade_id][0].get("source", "")) != visible_lines(source):
                notes.append(f"locked cell {grade_id} edited (restored)")
        for grade_id, points in cells.max_scores(name).items():
            if grade_id in by_id and by_id[grade_id][1].get("points") not in (None, points):
                notes.append(f"points of {grade_id} changed (restored)")
    return None, notes


def restore_metadata(notebook: Path, release: Path) -> None:
    """Put back the nbgrader metadata of every cell the student notebook had (by grade_id).

    nbgrader restores locked cells' sources and points, but refuses a notebook
    whose graded cell was turned into an ordinary one; the student notebook
    from ``release/`` says what each cell's metadata must be.
    """
    import nbformat

    if not release.exists():
        return
    pristine = {c.metadata.nbgrader.grade_id: c.metadata.nbgrader
                for c in nbformat.read(str(release), as_version=4).cells if "nbgrader" in c.metadata}
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception:  # nbgrader will say what is wrong with it
        return
    changed = False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id in pristine and meta != pristine[grade_id]:
            cell.metadata["nbgrader"] = pristine[grade_id]
            changed = True
    if changed:
        nbformat.write(nb, str(notebook))


def count_code_cells(files: list[Path]) -> int:
    cells = 0
    for path in files:
        if path.suffix == ".ipynb":
            try:
                cells += sum(c.get("cell_type") == "code" for c in json.loads(path.read_text())["cells"])
            except (ValueError, KeyError, TypeError, AttributeError, OSError):
                pass
    return cells


def copy_regular_files(source: Path, target: Path) -> list[Path]:
    """Copy files and folders, never symbolic links (they could point at the course)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True,
                    ignore=lambda folder, names: [n for n in names if os.path.islink(os.path.join(folder, n))])
    return sorted(target.iterdir())
