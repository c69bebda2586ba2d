"""Tables and files for people: the autograde summary and `tito grade report`."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading import gradebook as gbook
from tito.grading.ledger import Ledger
from tito.grading.settings import CourseGrading


def print_summary(rows, say: Callable[[str], None]) -> int:
    """The autograde summary; returns the exit status (1 when any submission failed)."""
    width = max([len(r.student) for r in rows] + [7])
    say("")
    say(f"{'student':<{width}}  {'score':>13}  status")
    for row in rows:
        status = "FAILED: " + row.reason if row.failed else "ok"
        if row.notes:
            status += "  [" + "; ".join(row.notes) + "]"
        if not row.graded_now:
            status += "  (unchanged, not regraded)"
        say(f"{row.student:<{width}}  {row.score:6.1f} / {row.max_score:<6.1f}  {status}")
    failed = [r for r in rows if r.failed]
    say(f"\n{len(rows)} submission(s), {len(failed)} failed.")
    return 1 if failed else 0


def report(course: Course, module: Module, say: Callable[[str], None]) -> int:
    grading = CourseGrading.load(course.root)
    scores = gbook.recorded_scores(grading.gradebook, grading.course_id, module.name)
    if not scores:
        raise TitoError(f"no grades for {module.name} in {gbook.shown(grading.gradebook)}: "
                        f"run `tito grade autograde {module.name}` first")
    ledger = Ledger.for_module(course.root, module.name)
    out = course.root / "reports" / module.name
    out.mkdir(parents=True, exist_ok=True)

    width = max(len(s) for s in scores) + 2
    say(f"{'student':<{width}}{'score':>8}{'max':>8}{'percent':>9}  status")
    rows = []
    for student, (score, max_score) in sorted(scores.items()):
        entry = ledger.entries.get(student)
        status = "failed" if entry and entry.failed else "ok"
        percent = 100.0 * score / max_score if max_score else 0.0
        rows.append((student, score, max_score, percent, status, entry.reason if entry else ""))
        say(f"{student:<{width}}{score:8.1f}{max_score:8.1f}{percent:8.1f}%  {status}")
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "score", "max_score", "percent", "status", "reason"])
        writer.writerows([(s, f"{sc:g}", f"{m:g}", f"{p:.1f}", st, r) for s, sc, m, p, st, r in rows])
    histogram(out / "histogram.png", [r[3] for r in rows], module.name)

    percents = [r[3] for r in rows]
    say(f"\n{len(rows)} student(s): mean {sum(percents) / len(percents):.1f}%, "
        f"min {min(percents):.1f}%, max {max(percents):.1f}%")
    failed = [r for r in rows if r[4] == "failed"]
    if failed:
        say(f"\nSubmissions that failed ({len(failed)}):")
        for student, *_, reason in failed:
            say(f"  {student}: {reason}")

    report_disputes(ledger, say)
    cells = gbook.cell_results(grading.gradebook, grading.course_id, module.name)
    report_cells(cells, out, module.name, say)
    written = [out / name for name in ("grades.csv", "histogram.png", "cells.csv", "cells.png")]
    say(f"\nWrote {', '.join(str(p.relative_to(course.root)) for p in written)}")
    return 0


def report_disputes(ledger: Ledger, say: Callable[[str], None]) -> None:
    """The graded cells whose kernel verdict (no error: points) the judge overruled (judge.py).

    A missing, repeated or unknown probe in a cell that raised no error is
    tampering evidence: an honest kernel either stops at an error or reports
    every probe once.
    """
    disputed = {s: e.disputes for s, e in sorted(ledger.entries.items()) if e.disputes}
    if not disputed:
        return
    flagged = sum(any("tampering evidence" in d for d in found) for found in disputed.values())
    say(f"\nKernel and judge disagree ({len(disputed)} submission(s), {flagged} with tampering evidence):")
    for student, found in disputed.items():
        for dispute in found:
            say(f"  {student}: {dispute}")


def report_cells(cells: list[gbook.CellResult], out: Path, title: str, say: Callable[[str], None]) -> None:
    """Which tests the class passed: per graded cell, how many submissions earned all its points."""
    width = max([len(c.cell) for c in cells] + [4]) + 2
    say("\nGraded cells: submissions with every point of the cell")
    say(f"{'cell':<{width}}{'points':>7}{'passed':>10}{'rate':>8}{'mean':>8}")
    for c in cells:
        say(f"{c.cell:<{width}}{c.max_score:7g}{f'{c.passed}/{c.submissions}':>10}"
            f"{100 * c.pass_rate:7.1f}%{c.mean_score:8.2f}")
    if cells:
        hardest = min(cells, key=lambda c: c.pass_rate)
        say(f"Most often failed: {hardest.cell} ({hardest.submissions - hardest.passed} of "
            f"{hardest.submissions} submissions without every point)")
    with open(out / "cells.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["notebook", "cell", "points", "passed", "submissions", "pass_rate", "mean_score"])
        writer.writerows([(c.notebook, c.cell, f"{c.max_score:g}", c.passed, c.submissions,
                           f"{c.pass_rate:.3f}", f"{c.mean_score:.3f}") for c in cells])
    pass_rate_chart(out / "cells.png", cells, title)


def pass_rate_chart(path: Path, cells: list[gbook.CellResult], title: str) -> None:
    """One horizontal bar per graded cell, in notebook order: the share of submissions that passed it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.35 * max(len(cells), 1)))
    names = [c.cell for c in cells]
    rates = [100 * c.pass_rate for c in cells]
    bars = ax.barh(range(len(cells)), rates, color="tab:green", edgecolor="black")
    ax.bar_label(bars, labels=[f"{c.passed}/{c.submissions}" for c in cells], padding=3, fontsize=8)
    ax.set_yticks(range(len(cells)), names, fontsize=8)
    ax.invert_yaxis()  # first cell of the notebook on top
    ax.set_xlim(0, 112)
    ax.set_xlabel("submissions with every point of the cell (%)")
    ax.set_title(f"{title}: pass rate per graded cell")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def histogram(path: Path, percents: list[float], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(percents, bins=[i * 10 for i in range(11)], edgecolor="black")
    ax.set_xlabel("score (% of the maximum)")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{title}: {len(percents)} submission(s)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
