"""The `tito` command: parses arguments, calls the pipeline, prints what happened."""
from __future__ import annotations

import argparse
import sys

from tito import build as build_steps
from tito.course import Course
from tito.errors import TitoError
from tito.lint import lint_module


def say(message: str) -> None:
    print(message, flush=True)


def cmd_build(args) -> int:
    course = Course.find()
    if args.check:
        say("Rebuilding the course in a scratch folder to compare with the tree...")
        differ = build_steps.check(course)
        if differ:
            say("Generated files are out of date (run `tito build --all` and commit):")
            for line in differ:
                say(f"  {line}")
            return 1
        say("source/, release/ and tinytorch/ match modules/.")
        return 0
    if args.all or not args.modules:
        modules = course.modules()
    else:
        modules = [course.module(m) for m in args.modules]
    say(f"Building {len(modules)} module(s) in {course.root}")
    build_steps.build(course, modules, say=say)
    say("Done.")
    return 0


def cmd_lint(args) -> int:
    course = Course.find()
    modules = [course.module(m) for m in args.modules] if args.modules else course.modules()
    problems = [p for m in modules for p in lint_module(m)]
    for problem in problems:
        say(problem)
    say(f"{len(modules)} module(s) checked, {len(problems)} problem(s).")
    return 1 if problems else 0


# Commands that work on the course checkout; a student hand-out (tito dist) has none.
COURSE_COMMANDS = ("build", "lint", "dist", "grade")


def _in_a_course() -> bool:
    try:
        Course.find()
    except TitoError:
        return False
    return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tito",
        description="The TinyTorch course tool: build the course, work on modules, grade them.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    p = sub.add_parser("build", help="modules/ -> source/, release/ and tinytorch/",
                       description="Convert each module's percent file into the instructor notebook "
                                   "(source/), the student notebook (release/, via nbgrader) and the "
                                   "package (tinytorch/, via nbdev). Building twice gives identical files.")
    p.add_argument("modules", nargs="*", metavar="MODULE", help="e.g. 06 or 06_optimizers (default: all)")
    p.add_argument("--all", action="store_true", help="build every module")
    p.add_argument("--check", action="store_true",
                   help="rebuild into a scratch folder and fail, naming the files, if the tree differs")
    p.set_defaults(handler=cmd_build)

    p = sub.add_parser("lint", help="check modules for nbgrader/nbdev mistakes",
                       description="Refuse solution cells without markers, markers outside solution "
                                   "cells, graded cells that call no test, duplicate grade ids and "
                                   "modules without '#| default_exp'.")
    p.add_argument("modules", nargs="*", metavar="MODULE", help="default: all modules")
    p.set_defaults(handler=cmd_lint)

    from tito import student
    student.register(sub)
    try:
        from tito.grading import cli as grading_cli
    except ImportError:
        grading_cli = None
    if grading_cli is not None:
        grading_cli.register(sub)
    if not _in_a_course():
        # Outside a course (in a hand-out) list only what works there; the course
        # commands still answer, with why they cannot run.
        sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest not in COURSE_COMMANDS]
        parser.description = "The TinyTorch course tool: work on your modules, test and complete them."
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Whatever follows `--` is passed on untouched (tito lab [MODULE] -- JUPYTER_ARGS).
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    if cut < len(argv):
        if not hasattr(args, "passthrough"):
            parser.error("only `tito lab` takes arguments after --")
        args.passthrough = argv[cut + 1:]
    try:
        return args.handler(args) or 0
    except TitoError as err:
        print(f"tito: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tito: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
