"""`tito grade ...`: parse, call the grading pipeline, print what happened."""
from __future__ import annotations

import argparse
import sys

from tito.course import Course
from tito.grading.settings import GradeSettings


def say(message: str) -> None:
    print(message, flush=True)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


def cmd_generate(args) -> int:
    from tito.grading.generate import generate

    course = Course.find()
    module = course.module(args.module)
    gradebook = generate(course, module)
    say(f"{module.name} recorded in {gradebook}; students' work goes in "
        f"submitted/<student>/{module.name}/{module.notebook_name}")
    return 0


def cmd_autograde(args) -> int:
    from tito.grading.autograde import autograde
    from tito.grading.report import print_summary

    course = Course.find()
    module = course.module(args.module)
    settings = GradeSettings.load(course.root).override(
        workers=args.workers, cell_timeout=args.timeout, memory_mb=args.memory_mb,
        cpu_seconds=args.cpu_seconds)
    if args.unsafe_no_sandbox:
        say("WARNING: --unsafe-no-sandbox: student code runs with your permissions, network and files.")
    rows = autograde(course, module, settings, students=args.student, force=args.force,
                     sandboxed=not args.unsafe_no_sandbox, scheduler=args.scheduler, say=say,
                     progress_bar=sys.stdout.isatty())
    return print_summary(rows, say)


def cmd_feedback(args) -> int:
    from tito.grading.feedback import generate_feedback

    course = Course.find()
    module = course.module(args.module)
    written, skipped = generate_feedback(course, module, students=args.student)
    for path in written:
        say(f"  {path.relative_to(course.root)}")
    for student, why in skipped:
        say(f"  {student}: no feedback ({why})")
    say(f"{len(written)} feedback file(s) in {course.root / 'feedback'}; hidden tests removed.")
    return 0


def cmd_report(args) -> int:
    from tito.grading.report import report

    course = Course.find()
    module = course.module(args.module)
    return report(course, module, say)


def register(sub) -> None:
    grade = sub.add_parser("grade", help="generate, autograde, feedback and report for a module",
                           description="Grade students' notebooks with nbgrader, each in a bubblewrap "
                                       "sandbox. Typical order: generate, autograde, feedback, report. "
                                       "See docs/grading.md.")
    steps = grade.add_subparsers(title="steps", metavar="STEP", required=True)

    p = steps.add_parser("generate", help="record a module's cells in the gradebook",
                         description="Run nbgrader generate_assignment for MODULE with the course's "
                                     "gradebook, so autograde knows its graded and locked cells. "
                                     "Needs source/ from `tito build`.")
    p.add_argument("module", metavar="MODULE", help="e.g. 06 or 06_optimizers")
    p.set_defaults(handler=cmd_generate)

    p = steps.add_parser("autograde", help="grade submitted/<student>/MODULE/ in sandboxes",
                         description="Grade each submission with nbgrader autograde, its kernel in a "
                                     "bubblewrap sandbox (no network, no course files, memory and CPU "
                                     "limits), as one task of a Dask cluster: an embedded one, or the "
                                     "one at --scheduler. Submissions graded before and unchanged since "
                                     "are skipped. Exit status 1 when any submission failed.")
    p.add_argument("module", metavar="MODULE", help="e.g. 06 or 06_optimizers")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="worker processes of the embedded Dask cluster, each grading one submission "
                        "at a time (default: number of cores; not used with --scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on a running Dask cluster: its scheduler's address (tcp://HOST:PORT) "
                        "or scheduler file; its workers need the course environment and bubblewrap")
    p.add_argument("--student", action="append", metavar="S",
                   help="grade only this student (repeatable)")
    p.add_argument("--force", action="store_true", help="grade again even if unchanged")
    p.add_argument("--timeout", type=positive_int, metavar="SECONDS",
                   help="per-cell time limit (default: c.Execute.timeout in nbgrader_config.py)")
    p.add_argument("--memory-mb", type=positive_int, metavar="MB",
                   help="kernel memory limit (default: c.TitoGrade.memory_mb)")
    p.add_argument("--cpu-seconds", type=positive_int, metavar="SECONDS",
                   help="kernel CPU-time limit (default: c.TitoGrade.cpu_seconds)")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run kernels without bubblewrap (only for trusted notebooks)")
    p.set_defaults(handler=cmd_autograde)

    p = steps.add_parser("feedback", help="HTML feedback per student, hidden tests removed",
                         description="Write feedback/<student>/MODULE/*.html from the autograded "
                                     "notebooks, without hidden tests in sources, outputs or tracebacks.")
    p.add_argument("module", metavar="MODULE", help="e.g. 06 or 06_optimizers")
    p.add_argument("--student", action="append", metavar="S", help="only this student (repeatable)")
    p.set_defaults(handler=cmd_feedback)

    p = steps.add_parser("report", help="score table, CSV, histogram and failures",
                         description="Print every student's score for MODULE, write "
                                     "reports/MODULE/grades.csv and histogram.png, and list the "
                                     "submissions that failed with their reasons.")
    p.add_argument("module", metavar="MODULE", help="e.g. 06 or 06_optimizers")
    p.set_defaults(handler=cmd_report)
