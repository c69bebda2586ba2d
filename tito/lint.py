"""Checks a module's percent file for what nbgrader or nbdev would silently get wrong."""
from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import jupytext

from tito.course import DEFAULT_EXP, Module

# nbgrader treats any line *containing* these words as a marker, in any cell, prose included.
SOLUTION_MARKS = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_MARKS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
CELL_HEADER = re.compile(r"^# %%")


def _cell_lines(path: Path) -> list[int]:
    """Line number of each ``# %%`` header: where each cell starts in the file."""
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if CELL_HEADER.match(line)]


def _code_of(source: str) -> str:
    """Cell source with IPython magics and shell escapes blanked, so ast can parse it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _calls_a_test(source: str) -> bool:
    """True when the cell calls a ``test*`` function at its top level."""
    try:
        tree = ast.parse(_code_of(source))
    except SyntaxError:
        return False
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.startswith("test"):
                return True
    return False


def _hidden_line_numbers(source: str) -> set[int]:
    """Line numbers (1-based) inside the cell's hidden-test regions."""
    inside, found = False, set()
    for number, line in enumerate(source.splitlines(), 1):
        if HIDDEN_MARKS[0] in line:
            inside = True
        elif HIDDEN_MARKS[1] in line:
            inside = False
        elif inside:
            found.add(number)
    return found


def _probes_in_hidden(source: str) -> bool:
    """True when a hidden-test region calls ``probe(...)`` (tito.probes): the only check the
    grader trusts, because it is judged outside the student's kernel."""
    try:
        tree = ast.parse(_code_of(source))
    except SyntaxError:
        return False
    hidden = _hidden_line_numbers(source)
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "probe"
               and node.lineno in hidden for node in ast.walk(tree))


def _marked(source: str, marks: tuple[str, str]) -> bool:
    return any(mark in line for line in source.splitlines() for mark in marks)


def _balanced(source: str, begin: str, end: str) -> bool:
    depth = 0
    for line in source.splitlines():
        if begin in line:
            depth += 1
            if depth > 1:
                return False
        elif end in line:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def lint_file(path: Path) -> list[str]:
    """Every problem found in one module file, each naming the file, line and cell."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []
    if not DEFAULT_EXP.search(text):
        problems.append(f"{path}: no '#| default_exp' line: nbdev would not know which tinytorch module to write")
    nb = jupytext.reads(text, fmt="py:percent")
    lines = _cell_lines(path)
    offset = len(nb.cells) - len(lines)  # cells before the first '# %%' have no header line
    grade_ids = Counter(c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
                        if "nbgrader" in c.metadata)

    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        line = lines[index - offset] if 0 <= index - offset < len(lines) else 1
        label = f"cell {index + 1}" + (f" '{meta.get('grade_id')}'" if meta and meta.get("grade_id") else "")
        where = f"{path}:{line}: {label}"
        has_solution_marks = _marked(cell.source, SOLUTION_MARKS)
        has_hidden_marks = _marked(cell.source, HIDDEN_MARKS)

        if cell.cell_type == "code" and cell.source.strip():
            try:
                ast.parse(_code_of(cell.source))
            except SyntaxError as err:
                problems.append(f"{where}: does not parse as Python ({err.msg}, cell line {err.lineno})")
        if not meta:
            if has_solution_marks:
                problems.append(f"{where}: solution markers outside a solution cell (nbgrader reads any "
                                "line containing 'BEGIN SOLUTION' or 'END SOLUTION' as one, prose included)")
            if has_hidden_marks:
                problems.append(f"{where}: hidden-test markers outside a graded test cell")
            continue

        if not meta.get("grade_id"):
            problems.append(f"{where}: nbgrader cell without a grade_id")
        elif grade_ids[meta["grade_id"]] > 1:
            problems.append(f"{where}: duplicate grade_id '{meta['grade_id']}' (grade ids must be unique)")
        solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))

        if solution and cell.cell_type == "code" and not has_solution_marks:
            problems.append(f"{where}: solution cell without '### BEGIN SOLUTION' / '### END SOLUTION' markers: "
                            "nbgrader would replace the whole cell with a stub")
        if has_solution_marks and not solution:
            problems.append(f"{where}: solution markers outside a solution cell")
        if has_solution_marks and not _balanced(cell.source, *SOLUTION_MARKS):
            problems.append(f"{where}: unbalanced solution markers (each BEGIN needs its END)")
        if has_hidden_marks and not grade:
            problems.append(f"{where}: hidden-test markers outside a graded test cell")
        if has_hidden_marks and not _balanced(cell.source, *HIDDEN_MARKS):
            problems.append(f"{where}: unbalanced hidden-test markers")
        if grade:
            points = meta.get("points")
            if not isinstance(points, (int, float)) or points <= 0:
                problems.append(f"{where}: graded cell without positive 'points'")
            if cell.cell_type == "code" and not solution:
                if not meta.get("locked"):
                    problems.append(f"{where}: graded test cell is not locked (students could edit it)")
                if not _calls_a_test(cell.source):
                    problems.append(f"{where}: graded cell does not call a test: define test_...() "
                                    "and call it at the end of the cell, or its points are free")
                if not _probes_in_hidden(cell.source):
                    problems.append(f"{where}: graded cell without a probe: its points are decided by the "
                                    "probes of its hidden section (### BEGIN HIDDEN TESTS ... "
                                    "probe('name', result) ...), see docs/grading.md")
    return problems


def lint_module(module: Module) -> list[str]:
    if not module.dev_py.is_file():
        return [f"{module.dev_py}: missing (each module folder holds <name>_dev.py)"]
    return lint_file(module.dev_py)
