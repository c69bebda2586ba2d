"""The build is reproducible, in sync with modules/, and the student notebooks hold no answers."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import ROOT, tito
from tito.course import Course

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for top in ("source", "release", "tinytorch") for p in sorted((root / top).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def regions(source: str, begin: str, end: str) -> list[list[str]]:
    """The lines between each begin/end marker pair."""
    found, current = [], None
    for line in source.splitlines():
        if line.strip() == begin:
            current = []
        elif line.strip() == end and current is not None:
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def without_regions(source: str) -> str:
    """``source`` with every solution and hidden-test region (markers included) removed."""
    kept, inside = [], False
    for line in source.splitlines():
        if line.strip() in (SOLUTION[0], HIDDEN[0]):
            inside = True
        elif line.strip() in (SOLUTION[1], HIDDEN[1]):
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def test_committed_build_matches_modules():
    """`tito build --check` rebuilds everything from modules/ and finds the tree identical."""
    proc = tito("build", "--check", cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_building_twice_gives_identical_bytes(toy_course):
    first = digests(toy_course)
    tito("build", "--all", cwd=toy_course)
    assert digests(toy_course) == first


def test_check_names_the_files_that_drifted(toy_course):
    module = toy_course / "modules" / "01_toy" / "toy_dev.py"
    module.write_text(module.read_text().replace("Return a + b.", "Return the sum of a and b."))
    (toy_course / "tinytorch" / "core" / "stray.py").write_text("x = 1\n")
    proc = tito("build", "--check", cwd=toy_course, check=False)
    assert proc.returncode == 1
    for name in ("source/01_toy/toy_dev.ipynb", "tinytorch/core/toy.py", "tinytorch/core/stray.py"):
        assert name in proc.stdout


def test_cell_ids_are_stable_when_a_cell_is_added(toy_course):
    ids_before = [c["id"] for c in json.loads((toy_course / "source/01_toy/toy_dev.ipynb").read_text())["cells"]]
    module = toy_course / "modules" / "01_toy" / "toy_dev.py"
    text = module.read_text()
    module.write_text(text.replace("# %% [markdown]\n# # Toy", "# %% [markdown]\n# A new first cell.\n\n# %% [markdown]\n# # Toy", 1))
    tito("build", "01", cwd=toy_course)
    ids_after = [c["id"] for c in json.loads((toy_course / "source/01_toy/toy_dev.ipynb").read_text())["cells"]]
    assert ids_after[1:] == ids_before


@pytest.mark.parametrize("module", Course(ROOT).modules(), ids=lambda m: m.name)
def test_release_holds_no_solution_or_hidden_test(module):
    source = json.loads(module.source_nb().read_text())
    release_text = module.release_nb().read_text()
    release = json.loads(release_text)
    # lines the notebook shows outside every answer and hidden region may appear in the release
    outside = {line.strip() for cell in source["cells"]
               for line in without_regions("".join(cell["source"])).splitlines()}
    released_lines = {line.strip() for cell in release["cells"] for line in "".join(cell["source"]).splitlines()}
    leaks = []
    for cell in source["cells"]:
        text = "".join(cell["source"])
        for begin, end in (SOLUTION, HIDDEN):
            for region in regions(text, begin, end):
                for line in region:
                    # a line that only answers (never appears elsewhere in the notebook) must not be released
                    if len(line.strip()) > 12 and line.strip() not in outside and line.strip() in released_lines:
                        leaks.append(line.strip())
    assert not leaks, f"{module.name}: answer lines in the student notebook: {leaks[:5]}"
    for marker in (*SOLUTION, *HIDDEN):
        assert marker not in release_text
    assert len(release["cells"]) == len(source["cells"])


@pytest.mark.parametrize("module", Course(ROOT).modules(), ids=lambda m: m.name)
def test_release_keeps_locked_cells_and_metadata(module):
    source = json.loads(module.source_nb().read_text())
    release = json.loads(module.release_nb().read_text())
    for mine, theirs in zip(source["cells"], release["cells"]):
        assert mine["id"] == theirs["id"]
        meta = mine["metadata"].get("nbgrader")
        if not meta:
            continue
        assert meta["schema_version"] == 3
        assert {"grade", "solution", "locked", "grade_id"} <= meta.keys()
        if meta["locked"] and not meta["solution"]:
            # imports and tests reach students as written (minus hidden tests)
            if not regions("".join(mine["source"]), *HIDDEN):
                assert "".join(theirs["source"]) == "".join(mine["source"])
    imports = [c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "imports"]
    assert imports and "import" in "".join(imports[0]["source"]), f"{module.name}: the imports cell was lost"


@pytest.mark.parametrize("module", Course(ROOT).modules(), ids=lambda m: m.name)
def test_package_file_comes_from_the_module(module):
    package_file = module.package_file(ROOT / "tinytorch")
    assert package_file.is_file()
    assert "### BEGIN SOLUTION" not in package_file.read_text()
