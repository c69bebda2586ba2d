"""Step 1: a module's percent file becomes the instructor notebook.

jupytext reads the cells; this step makes the result fit for nbgrader and for
version control: complete nbgrader metadata, cell ids that do not change from
one build to the next, and nothing jupytext-specific left in the notebook.
"""
from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import jupytext
import nbformat

NBGRADER_SCHEMA = 3
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# What ipykernel reports of its language, less the Python version (see with_python_version):
# JupyterLab writes the kernel's report into the notebook when the kernel starts, and a
# notebook whose metadata it changes that way is marked modified as soon as it opens.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def with_python_version(nb: dict, version: str | None = None) -> dict:
    """``nb`` with the version of the Python that will run it (default: this one) in its
    language_info, as ipykernel reports it. `tito module start` sets it: the build cannot, as
    its output must not depend on the Python that builds."""
    info = nb.setdefault("metadata", {}).setdefault("language_info", dict(LANGUAGE_INFO))
    info["version"] = version or platform.python_version()
    return nb


def complete_nbgrader_metadata(meta: dict) -> dict:
    """nbgrader 0.9 rejects a cell whose metadata lacks any of these keys."""
    done = {"grade": False, "solution": False, "locked": False, **meta, "schema_version": NBGRADER_SCHEMA}
    if done["grade"] and not done["solution"]:
        done["locked"] = True
    return dict(sorted(done.items()))


def stable_cell_id(cell, taken: set[str]) -> str:
    """A graded cell is named by its grade_id; any other by a digest of its text.

    Digests keep a cell's id when cells around it are added or removed, so a
    rebuild only changes what really changed.
    """
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    base = grade_id or "c" + hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:10]
    cell_id, n = base, 1
    while cell_id in taken:
        n += 1
        cell_id = f"{base}-{n}"
    taken.add(cell_id)
    return cell_id


def percent_to_notebook(path: Path) -> nbformat.NotebookNode:
    """Read ``modules/NN_name/name_dev.py`` into a clean nbformat 4.5 notebook."""
    text = Path(path).read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    taken: set[str] = set()
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict(
            {k: v for k, v in cell.metadata.items() if k in ("nbgrader", "tags", "deletable", "editable")}
        )
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader = complete_nbgrader_metadata(dict(cell.metadata.nbgrader))
        cell.id = stable_cell_id(cell, taken)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write with sorted keys and a final newline, so equal notebooks are equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
