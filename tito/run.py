"""Runs a student's notebook the way a grader would and reports each graded cell."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from tito.errors import TitoError
from tito.jupyter import private_env


@dataclass
class GradedResult:
    grade_id: str
    points: float
    passed: bool
    reason: str = ""

    @property
    def earned(self) -> float:
        return self.points if self.passed else 0.0


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as err:  # nbformat raises several types for a damaged file
        raise TitoError(f"{path} is not a readable notebook ({type(err).__name__}: {err}); "
                        "restore it from JupyterLab's checkpoint or start again with --force") from err


def graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata.nbgrader.grade_id: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.metadata.nbgrader.get("grade_id")}


def restore_locked_cells(nb, pristine) -> list[str]:
    """Put back the locked cells of ``pristine`` (the student notebook as released).

    The tests a student runs are the tests they will be graded with, whatever
    was edited or deleted. Returns the grade ids that had to be restored.
    """
    restored = []
    mine = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for index, cell in enumerate(pristine.cells):
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("locked"):
            continue
        grade_id = meta.get("grade_id")
        if grade_id not in mine:
            nb.cells.insert(min(index, len(nb.cells)), nbformat.from_dict(cell))
            restored.append(grade_id)
        elif mine[grade_id].source != cell.source or mine[grade_id].metadata != cell.metadata:
            mine[grade_id].source, mine[grade_id].metadata = cell.source, cell.metadata
            restored.append(grade_id)
    return restored


@contextmanager
def _environ(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute_notebook(nb, package_root: Path, workdir: Path, timeout: int = 120):
    """Execute ``nb`` in place, top to bottom, with ``package_root`` first on the kernel's path.

    Errors do not stop the run (like nbgrader's autograde): each cell keeps its
    own error output. A cell that times out or kills the kernel ends the run.
    """
    with tempfile.TemporaryDirectory(prefix="tito-run-") as state, \
            _environ(**{k: v for k, v in private_env(Path(state)).items() if k != "PYTHONPATH"},
                     PYTHONPATH=os.pathsep.join(filter(None, [str(package_root), os.environ.get("PYTHONPATH")]))):
        # ipc: the kernel talks over local sockets, not unencrypted TCP
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(state) / "kernel"))
        client = NotebookClient(nb, km=manager, timeout=timeout, allow_errors=True,
                                shutdown_kernel="immediate",
                                resources={"metadata": {"path": str(workdir)}})
        try:
            client.execute()
        except (CellTimeoutError, DeadKernelError):
            pass  # the cell that failed carries the error; later cells did not run
        finally:
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    return nb


def cell_error(cell) -> str:
    """``'Name: first line of message'`` of the error a cell raised, or ``''``."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            value = (output.get("evalue") or "").strip().splitlines()
            if output.get("ename") == "NotImplementedError" and not value:
                value = ["a solution this test uses is not written yet"]
            return f"{output.get('ename')}: {value[0] if value else ''}".strip().rstrip(":")
    return ""


def run_graded(nb, package_root: Path, workdir: Path, timeout: int = 120) -> list[GradedResult]:
    """Execute ``nb`` and say, for each graded cell, whether it passed."""
    execute_notebook(nb, package_root, workdir, timeout)
    results = []
    for grade_id, cell in graded_cells(nb).items():
        points = float(cell.metadata.nbgrader.get("points", 0))
        ran = cell.get("execution_count") is not None
        error = cell_error(cell) if ran else "did not run (the kernel died or an earlier cell timed out)"
        results.append(GradedResult(grade_id, points, ran and not error, error))
    return results


def format_results(results: list[GradedResult]) -> str:
    width = max([len(r.grade_id) for r in results] + [4])
    lines = [f"  {'test':<{width}}  {'points':>9}  result", f"  {'-' * width}  {'-' * 9}  {'-' * 30}"]
    for r in results:
        score = f"{r.earned:g}/{r.points:g}"
        lines.append(f"  {r.grade_id:<{width}}  {score:>9}  {'passed' if r.passed else r.reason}")
    earned, total = sum(r.earned for r in results), sum(r.points for r in results)
    lines.append(f"  {'total':<{width}}  {f'{earned:g}/{total:g}':>9}")
    return "\n".join(lines)
