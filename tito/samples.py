"""Sample submissions made from a module's notebooks: for the demo, tests and benchmarks."""
from __future__ import annotations

import copy

from tito.course import Module
from tito.run import read_notebook


def solved_notebook(module: Module, solved: set[str] | None = None):
    """The student notebook with the instructor's answers in the solution cells ``solved``
    (all of them when None), as a student who wrote exactly those parts would hand it in."""
    source = {c.metadata.nbgrader.grade_id: c for c in read_notebook(module.source_nb()).cells
              if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(read_notebook(module.release_nb()))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in source and (solved is None or grade_id in solved):
            cell.source = "\n".join(line for line in source[grade_id].source.splitlines()
                                    if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return nb


def solution_ids(module: Module) -> list[str]:
    """Grade ids of the module's solution cells, in notebook order."""
    return [c.metadata.nbgrader.grade_id for c in read_notebook(module.source_nb()).cells
            if c.metadata.get("nbgrader", {}).get("solution")]
