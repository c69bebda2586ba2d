"""`make demo`: build the course, then grade three sample submissions of the newest module
(module 06 once it is there) in a scratch course under demo/, and print the results."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tito.course import Course
from tito.samples import solved_notebook, solution_ids


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def tito(*args: str, cwd: Path) -> int:
    print(f"$ tito {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "tito.cli", *args], cwd=cwd)


def main() -> int:
    course = Course.find(Path(__file__).resolve().parent.parent)
    step("Building the course: modules/ -> source/, release/, tinytorch/")
    if tito("build", "--all", cwd=course.root) != 0:
        return 1

    names = [m.name for m in course.modules()]
    module = course.module("06_optimizers" if "06_optimizers" in names else names[-1])
    demo = course.root / "demo"
    step(f"A scratch course in {demo} with three submissions of {module.name}")
    shutil.rmtree(demo, ignore_errors=True)
    demo.mkdir()
    for name in ("modules", "source", "release"):
        shutil.copytree(course.root / name, demo / name)
    for name in ("nbgrader_config.py", "settings.ini"):
        shutil.copy2(course.root / name, demo / name)

    ids = solution_ids(module)
    partial = set(ids[:2])  # the optimizer base and SGD, in module 06
    samples = {
        "reference": solved_notebook(module),
        "untouched": solved_notebook(module, solved=set()),
        "partial": solved_notebook(module, solved=partial),
    }
    for student, nb in samples.items():
        target = demo / "submitted" / student / module.name / module.notebook_name
        target.parent.mkdir(parents=True)
        nbformat.write(nb, str(target))
        print(f"  {student:<10} {target.relative_to(course.root)}"
              + (f"  (solved: {', '.join(sorted(partial))})" if student == "partial" else ""))

    step("Grading with nbgrader, each submission in its own sandbox")
    for args in (("generate", module.name), ("autograde", module.name),
                 ("feedback", module.name), ("report", module.name)):
        code = tito("grade", *args, cwd=demo)
        if code != 0 and args[0] != "autograde":
            return code
    step("Done")
    print(f"Feedback for each student: {demo / 'feedback'}/<student>/{module.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
