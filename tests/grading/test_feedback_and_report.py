"""Feedback without hidden tests (sources, outputs, tracebacks) and the instructor's report."""
from __future__ import annotations

import base64
import csv
import html
import json
import re

import pytest

from grading_helpers import (toy_course, needs_bwrap, release_notebook, run_tito, solved_notebook, submit,
                      with_cell)

pytestmark = needs_bwrap
HIDDEN = ["SECRET-HIDDEN-LINE", "add([1, 2], [3, 4])"]

# Passes the visible check, fails the hidden one, and prints the source of whatever called it.
LEAKER = '''
import inspect, traceback
def add(a, b):
    print("".join(traceback.format_stack()))
    for frame in inspect.stack():
        print(frame.code_context)
    return 3
'''

# The reference, plus a hook printing every cell's source in base64 (and reversed) as it runs.
EXFILTRATOR = '''
import base64
def show(info):
    print(base64.b64encode(info.raw_cell.encode()).decode())
    print(info.raw_cell[::-1])
get_ipython().events.register("pre_run_cell", show)
print("application/vnd.tito.probe+json")  # the probe type's name as plain text: scrubbed, not a failure
def add(a, b):
    return np.asarray(a) + np.asarray(b)
'''

# Passes the visible check; a hidden probe is made to go missing (raises, error silenced).
SWALLOWER = '''
get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)
get_ipython().events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))
def add(a, b):
    if np.ndim(a):
        raise ValueError("only numbers")
    return a + b
'''


@pytest.fixture(scope="module")
def course(toy_template, tmp_path_factory):
    course = toy_course(toy_template, tmp_path_factory.mktemp("course"))
    solved = solved_notebook(course, "02")
    submit(course, "02", "leaker", with_cell(solved, "add", LEAKER))
    submit(course, "02", "reference", solved)
    submit(course, "02", "exfiltrator", with_cell(solved, "add", EXFILTRATOR))
    submit(course, "02", "swallower", with_cell(solved, "add", SWALLOWER))
    submit(course, "02", "untouched", release_notebook(course, "02"))
    submit(course, "02", "broken", raw=b"not json")
    proc = run_tito(course, "grade", "autograde", "02", "--timeout", "5")
    assert proc.returncode == 1, proc.stdout + proc.stderr   # "broken" failed
    return course


def visible_text(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_feedback_never_shows_hidden_tests(course):
    proc = run_tito(course, "grade", "feedback", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = course.root / "feedback" / "leaker" / "02_toy" / "toy_dev.html"
    autograded = (course.root / "autograded" / "leaker" / "02_toy" / "toy_dev.ipynb").read_text()
    assert "SECRET-HIDDEN-LINE" in autograded           # the leak was there to remove
    text = visible_text(page)
    for secret in HIDDEN:
        assert secret not in text, f"hidden test text {secret!r} in {page}"
    assert re.search(r"test-add.{0,200}?Score:\s*0(\.0)?\s*/\s*2", text, re.S), text  # it shows the cell failed
    assert "broken: no feedback" in proc.stdout


def expected_fragments(course) -> list[str]:
    """Every recorded expected value of the hidden checks, as the text it could appear as."""
    recorded = json.loads((course.root / "autograded" / ".tito" / "expected" / "02_toy.json").read_text())
    found = []
    for probes in recorded["notebooks"]["toy_dev"].values():
        for p in probes:
            text = json.dumps(p["value"])
            found += re.findall(r'"data": "([^"]+)"', text) + [text]
    return found


def test_feedback_shows_no_probe_output_nor_expected_value(course):
    run_tito(course, "grade", "feedback", "02")
    for student in ("reference", "leaker", "exfiltrator", "swallower"):
        raw = (course.root / "feedback" / student / "02_toy" / "toy_dev.html").read_text(encoding="utf-8")
        # a probe's payload (what the student's code handed the judge) is dropped; the student's own
        # source may name the probe type (the exfiltrator's does), its printout of it is scrubbed
        assert '"same_dtype"' not in html.unescape(raw), f"{student}: a probe payload in the feedback page"
        for fragment in expected_fragments(course):
            assert fragment not in raw, f"{student}: expected value {fragment!r} in the feedback page"


def test_feedback_scrubs_encoded_hidden_source(course):
    run_tito(course, "grade", "feedback", "02")
    autograded = (course.root / "autograded" / "exfiltrator" / "02_toy" / "toy_dev.ipynb").read_text()
    text = visible_text(course.root / "feedback" / "exfiltrator" / "02_toy" / "toy_dev.html")
    decoded = ""
    for token in re.findall(r"[A-Za-z0-9+/=]{16,}", text):
        try:
            decoded += base64.b64decode(token + "=" * (-len(token) % 4)).decode("utf-8", "ignore")
        except ValueError:
            pass
    assert "SECRET-HIDDEN-LINE"[::-1] in autograded        # the hook did print the hidden source
    for secret in HIDDEN:
        assert secret not in text and secret[::-1] not in text and secret not in decoded, secret


def test_feedback_for_every_graded_student(course):
    run_tito(course, "grade", "feedback", "02")
    for student in ("leaker", "reference", "untouched"):
        page = course.root / "feedback" / student / "02_toy" / "toy_dev.html"
        assert page.exists()
        assert "SECRET-HIDDEN-LINE" not in page.read_text(encoding="utf-8")


def test_report_table_csv_histogram_and_failures(course):
    proc = run_tito(course, "grade", "report", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = course.root / "reports" / "02_toy"
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert rows["reference"]["score"] == "5" and rows["reference"]["percent"] == "100.0"
    assert rows["untouched"]["score"] == "0"
    assert rows["leaker"]["score"] == "3"
    assert rows["broken"]["status"] == "failed" and "not a readable notebook" in rows["broken"]["reason"]
    assert (out / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r"^reference\s+5\.0\s+5\.0\s+100\.0%", proc.stdout, re.MULTILINE)
    assert "Submissions that failed (1):" in proc.stdout
    assert "broken: toy_dev.ipynb is not a readable notebook" in proc.stdout
    assert rows["exfiltrator"]["score"] == "5" and rows["swallower"]["score"] == "3"


def test_report_flags_cells_the_judge_overruled(course):
    proc = run_tito(course, "grade", "report", "02")
    assert "Kernel and judge disagree (2 submission(s), 1 with tampering evidence):" in proc.stdout, proc.stdout
    assert re.search(r"^  swallower: test-add: kernel passed it, judge did not \(tampering evidence: "
                     r"probe 'add-lists' missing", proc.stdout, re.M), proc.stdout
    assert re.search(r"^  leaker: test-add: .*hidden check 'add-lists' failed", proc.stdout, re.M)
    assert "reference:" not in proc.stdout.split("disagree")[1]


def test_report_pass_rate_per_graded_cell(course):
    proc = run_tito(course, "grade", "report", "02")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = course.root / "reports" / "02_toy"
    cells = {r["cell"]: r for r in csv.DictReader(open(out / "cells.csv", encoding="utf-8"))}
    # test-add: reference and exfiltrator pass (leaker and swallower fail the hidden check);
    # test-mul: those four; untouched and broken pass nothing
    assert (cells["test-add"]["passed"], cells["test-add"]["submissions"], cells["test-add"]["points"]) == \
        ("2", "6", "2")
    assert (cells["test-mul"]["passed"], cells["test-mul"]["submissions"], cells["test-mul"]["points"]) == \
        ("4", "6", "3")
    assert re.search(r"^test-add\s+2\s+2/6\s+33\.3%", proc.stdout, re.MULTILINE), proc.stdout
    assert "Most often failed: test-add (4 of 6 submissions without every point)" in proc.stdout
    assert (out / "cells.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
