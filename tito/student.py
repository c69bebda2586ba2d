"""Student commands: `tito module list|status|start|test|complete`, `tito lab`, and `tito dist`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from tito.build import build_package
from tito.convert import with_python_version
from tito.course import Course
from tito.errors import TitoError
from tito.export import export_notebook
from tito.run import format_results, read_notebook, restore_locked_cells, run_graded
from tito.workspace import Workspace


def say(message: str = "") -> None:
    print(message, flush=True)


def _seed_earlier_modules(ws: Workspace, number: int) -> None:
    """Give the package the earlier modules it lacks: from the course's reference, when there is one."""
    missing = [m for m in ws.modules() if m.number < number and m.export_name
               and not ws.lib.joinpath(*m.export_name.split(".")).with_suffix(".py").exists()]
    if not missing:
        return
    try:
        course = Course.find(ws.materials)
    except TitoError:
        course = None
    if course is None:
        names = ", ".join(m.name for m in missing)
        say(f"note: your tinytorch has no code yet from {names}; complete those modules first "
            "or later cells that import them will fail")
        return
    build_package(course, [course.module(m.name) for m in missing], ws.lib)
    for m in missing:
        say(f"note: tinytorch.{m.export_name} is the course's reference until you complete {m.name}")


def cmd_start(args) -> int:
    ws = Workspace.find(args.workspace, create=True)
    module = ws.module(args.module)
    target = ws.notebook(module)
    if target.exists() and not args.force:
        say(f"{module.name} is already started: {target}")
    else:
        if target.exists():
            backup = target.with_suffix(f".ipynb.bak-{int(target.stat().st_mtime)}")
            target.rename(backup)
            say(f"your previous notebook is kept as {backup.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = with_python_version(json.loads(module.release_nb.read_text(encoding="utf-8")))
        target.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        say(f"Started {module.name}: {target}")
    _seed_earlier_modules(ws, module.number)
    say("")
    say("Open it in JupyterLab:")
    say(f"  tito lab {module.name}" + (f" --workspace {ws.root}" if args.workspace else ""))
    say("Check your work as you go, then hand it in to your package:")
    say(f"  tito module test {module.name}")
    say(f"  tito module complete {module.name}")
    return 0


def _run_student_notebook(ws: Workspace, module):
    """Run the student's notebook with the released tests put back; print and return the results."""
    path = ws.notebook(module)
    if not path.exists():
        raise TitoError(f"{module.name} is not started in {ws.root}: run `tito module start {module.name}`")
    nb = read_notebook(path)
    restored = restore_locked_cells(nb, read_notebook(module.release_nb))
    if restored:
        say(f"note: restored the original text of locked cells {', '.join(restored)} (graders do the same)")
    say(f"Running {path.relative_to(ws.root)} with tinytorch from {ws.lib} ...")
    results = run_graded(nb, ws.root, path.parent)
    say(format_results(results))
    return nb, results


def cmd_test(args) -> int:
    ws = Workspace.find(args.workspace)
    _, results = _run_student_notebook(ws, ws.module(args.module))
    return 0 if results and all(r.passed for r in results) else 1


def cmd_complete(args) -> int:
    ws = Workspace.find(args.workspace)
    module = ws.module(args.module)
    nb, results = _run_student_notebook(ws, module)
    unchanged = "Your package and progress are unchanged."
    failed = [r for r in results if not r.passed]
    if failed:
        say(f"\n{module.name} is not complete: {len(failed)} graded test(s) failed "
            f"({', '.join(r.grade_id for r in failed)}). {unchanged}")
        return 1
    with ws.stage_package() as staging:
        staged_lib = Path(staging) / "tinytorch"
        with tempfile.TemporaryDirectory(prefix="tito-export-") as tmp:
            exported = Path(tmp) / module.notebook_name
            nbformat.write(nb, str(exported))
            export_notebook(exported, staged_lib)
        tests = ws.package_tests(module)
        say(f"Exported your code to a staging copy of tinytorch; running {len(tests)} package test file(s) ...")
        report = ws.run_package_tests(module, Path(staging))
        if report is not None and not report.ok:
            say(describe_failures(report))
            if report.missing_packages:
                say(f"\n{module.name} is not complete: the tests could not run because Python packages are "
                    f"missing ({', '.join(report.missing_packages)}); install them with "
                    f"`pip install -c constraints.txt -e .` in {ws.materials}. {unchanged}")
            else:
                say(f"\n{module.name} is not complete: {len(report.failed)} package test(s) failed on your "
                    f"code. {unchanged}")
            return 1
        if report is not None:
            say(f"package tests: {report.passed} passed" + (f", {len(report.skipped)} not run:" if report.skipped else ""))
            for outcome in report.skipped:
                say(f"  - {outcome.name}: {outcome.message}")
        ws.swap_in(staged_lib)
    ws.record_completed(module)
    say(f"\n{module.name} complete: tinytorch.{module.export_name} in {ws.lib} is now your code.")
    return 0


def describe_failures(report, detailed: int = 6, listed: int = 20) -> str:
    """The failed package tests in student terms: which test, what it expected, which function to look at.

    The first failure of each test function is shown in full (up to ``detailed``
    of them); further failures are listed by name.
    """
    lines = [f"{len(report.failed)} package test(s) failed ({report.passed} passed):"]
    shown, rest = set(), []
    for outcome in report.failed:
        function = outcome.name.split("[")[0]
        if function in shown or len(shown) >= detailed:
            rest.append(outcome)
            continue
        shown.add(function)
        lines.append(f"\n  ✗ {outcome.name}")
        lines.extend(f"      {line}" for line in outcome.message.splitlines())
        if outcome.look_at:
            lines.append(f"      → look at {outcome.look_at} in your notebook")
    if rest:
        lines.append("\n  also failed:")
        lines.extend(f"  ✗ {outcome.name}" + (f"  (see {outcome.look_at})" if outcome.look_at else "")
                     for outcome in rest[:listed])
        if len(rest) > listed:
            lines.append(f"  ... and {len(rest) - listed} more")
    functions = sorted({o.look_at for o in report.failed if o.look_at})
    if functions:
        lines.append(f"\nFunctions the failures point to: {', '.join(functions)}")
    return "\n".join(lines)


def cmd_list(args) -> int:
    try:
        ws = Workspace.find(args.workspace)
    except TitoError:
        ws = None
    if ws is None:
        course = Course.find()
        say(f"{'module':<18} {'exports to':<28} status")
        for m in course.modules():
            say(f"{m.name:<18} {'tinytorch.' + (m.export_name or '?'):<28} not started")
        return 0
    say(f"{'module':<18} {'exports to':<28} status")
    for m in ws.modules():
        say(f"{m.name:<18} {'tinytorch.' + (m.export_name or '?'):<28} {ws.status_of(m)}")
    return 0


def cmd_status(args) -> int:
    ws = Workspace.find(args.workspace)
    say(f"workspace: {ws.root}")
    say(f"materials: {ws.materials}")
    for m in ws.modules():
        if args.module and m.name != ws.module(args.module).name:
            continue
        exported = m.export_name and ws.lib.joinpath(*m.export_name.split(".")).with_suffix(".py").exists()
        if not exported:
            package = "not in your tinytorch"
        else:
            package = "your code" if m.name in ws.completed() else "the course's reference code"
        say(f"  {m.name:<18} {ws.status_of(m):<32} {package}")
    return 0


# Jupyter configuration of a student's JupyterLab: nbgrader without its instructor tools.
STUDENT_LAB_CONFIG = Path(__file__).resolve().parent / "student_lab"


def cmd_lab(args) -> int:
    ws = Workspace.find(args.workspace)
    folder = ws.notebook(ws.module(args.module)).parent if args.module else ws.root
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={folder}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ws.root), os.environ.get("PYTHONPATH")])),
               JUPYTER_CONFIG_PATH=os.pathsep.join(filter(None, [str(STUDENT_LAB_CONFIG),
                                                                 os.environ.get("JUPYTER_CONFIG_PATH")])))
    say(f"Starting JupyterLab in {folder}; notebooks import tinytorch from {ws.lib}")
    return subprocess.call(command + list(args.passthrough), env=env)


STUDENT_README = """# TinyTorch: module {module}

Your workspace for {module}. `tinytorch/` is your package: it holds the
modules before this one; `tito module complete {module}` adds yours.
`datasets/` holds the data sets the notebooks load (with their licences).

    python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e .
    .venv/bin/tito module start {module}
    .venv/bin/tito lab {module}            # write your code in JupyterLab
    .venv/bin/tito module test {module}    # graded tests, with points
    .venv/bin/tito module complete {module}

Hand in `modules/{module}/{notebook}`.
"""


def make_distribution(course: Course, module_query: str, dest: Path) -> Path:
    """A folder to hand students for one module: tools, notebooks, tests, and a package
    built only from the modules before it."""
    module = course.module(module_query)
    if dest.exists() and any(dest.iterdir()):
        raise TitoError(f"{dest} exists and is not empty; choose a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(course.root / "tito", dest / "tito", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy2(course.root / name, dest / name)
    if (course.root / "datasets").is_dir():  # the data the notebooks and package tests load (module 07)
        shutil.copytree(course.root / "datasets", dest / "datasets", ignore=shutil.ignore_patterns("__pycache__"))
    upto = [m for m in course.modules() if m.number <= module.number]
    for m in upto:
        if not m.release_nb().exists():
            raise TitoError(f"{m.release_nb()} is missing: run `tito build {m.name}` first")
        (dest / "release" / m.name).mkdir(parents=True)
        shutil.copy2(m.release_nb(), dest / "release" / m.name / m.notebook_name)
    tests_src, tests_dst = course.root / "tests" / "package", dest / "tests" / "package"
    tests_dst.mkdir(parents=True)
    for path in sorted(tests_src.glob("*.py")) if tests_src.is_dir() else []:
        numbered = path.name[5:7].isdigit() and path.name.startswith("test_")
        if (numbered and int(path.name[5:7]) <= module.number) or not path.name.startswith("test_"):
            shutil.copy2(path, tests_dst / path.name)
    if (tests_src / "data").is_dir():  # results recorded from torch, so that students need no torch
        shutil.copytree(tests_src / "data", tests_dst / "data")
    build_package(course, course.modules_before(module), dest / "tinytorch")
    Workspace.create(dest, dest)
    (dest / "README.md").write_text(STUDENT_README.format(module=module.name, notebook=module.notebook_name))
    return dest


def cmd_dist(args) -> int:
    course = Course.find()
    dest = make_distribution(course, args.module, Path(args.dest))
    say(f"Student distribution for {course.module(args.module).name} in {dest}")
    say("  its tinytorch holds only the modules before this one; hand out the folder as it is")
    return 0


def register(sub) -> None:
    ws_help = "workspace folder (default: the one above the current folder, else ./workspace of the course)"

    p = sub.add_parser("module", help="student commands: list, status, start, test, complete",
                       description="Work on a module: start puts its notebook in your workspace, test "
                                   "runs your notebook's graded tests, complete also exports your code "
                                   "into your tinytorch once every test passes.")
    msub = p.add_subparsers(title="module commands", metavar="ACTION", required=True)

    def add(name, handler, help, needs_module=True, optional_module=False):
        q = msub.add_parser(name, help=help, description=help)
        if needs_module:
            q.add_argument("module", metavar="MODULE", help="e.g. 06 or 06_optimizers")
        elif optional_module:
            q.add_argument("module", nargs="?", metavar="MODULE", help="only this module")
        q.add_argument("--workspace", help=ws_help)
        q.set_defaults(handler=handler)
        return q

    add("list", cmd_list, "list the modules and your progress", needs_module=False)
    add("status", cmd_status, "show your workspace, progress and package", needs_module=False, optional_module=True)
    q = add("start", cmd_start, "copy the module's student notebook into your workspace")
    q.add_argument("--force", action="store_true", help="start over (your current notebook is kept as a .bak)")
    add("test", cmd_test, "run your notebook and show the points of each graded test")
    add("complete", cmd_complete,
        "run your notebook, export your code into your tinytorch, run the package tests, record progress; "
        "on any failure nothing changes")

    p = sub.add_parser("lab", help="open JupyterLab on your workspace",
                       usage="tito lab [-h] [--workspace WORKSPACE] [MODULE] [-- JUPYTER_LAB_ARGS ...]",
                       description="Start JupyterLab so that notebooks import tinytorch from your workspace. "
                                   "Arguments after -- go to jupyter lab, e.g. tito lab 06 -- --port=8890.")
    p.add_argument("module", nargs="?", metavar="MODULE", help="open in this module's folder")
    p.add_argument("--workspace", help=ws_help)
    p.set_defaults(handler=cmd_lab, passthrough=[])

    p = sub.add_parser("dist", help="instructors: make the student distribution of a module",
                       description="Write a folder with tito, the student notebooks up to MODULE, the "
                                   "package tests, and a tinytorch built only from the modules before "
                                   "MODULE (no answer to MODULE or later).")
    p.add_argument("module", metavar="MODULE")
    p.add_argument("dest", metavar="DEST", help="a new or empty folder")
    p.set_defaults(handler=cmd_dist)

