"""The catalogue of hostile and broken submissions, graded by the real grader.

One fixture course (fixtures/01_base, fixtures/02_toy: 2 + 3 points) gets one
submission per case; a single `tito grade autograde 02 --workers 2` run
(real nbgrader, real bubblewrap, per-cell limit 3 s) grades them all, then
each test checks the grade and the summary line its case must get.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tito.grading.sandbox import KERNEL_DIR
from grading_helpers import (cell, toy_course, needs_bwrap, release_notebook, run_tito,
                      solved_notebook, submit, tito, with_cell)

pytestmark = needs_bwrap
SLEEPER = f"{uuid.uuid4().int % 10**6 + 10**6}.5"   # a sleep length no other process uses

ADD = "def add(a, b):\n    return np.asarray(a) + np.asarray(b)\n"
MUL = "def mul(a, b):\n    return np.asarray(a) * np.asarray(b)\n"
WRONG_ADD = "def add(a, b):\n    return np.asarray(a) - np.asarray(b)\n"


@dataclass
class Case:
    student: str
    build: Callable          # (course, solved, release) -> notebook, or bytes for a raw file
    score: float
    failed: bool = False
    reason: str = ""         # must appear in the summary line
    note: str = ""           # must appear in the notes
    filename: str | None = None


def code(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


def delete_cell(nb, grade_id):
    nb.cells.remove(cell(nb, grade_id))
    return nb


def tamper_metadata(nb):
    meta = cell(nb, "test-mul").metadata.nbgrader
    meta["points"], meta["grade"], meta["locked"] = 100, False, False
    return nb


CASES = [
    Case("reference", lambda c, s, r: s, 5),
    Case("untouched", lambda c, s, r: r, 0),
    Case("partial", lambda c, s, r: with_cell(r, "add", ADD), 2),
    # (a) the gradebook is not there to reach; writes outside the scratch folder fail.
    Case("gradebook_wiper", lambda c, s, r: with_cell(s, "add", code(f"""
        import os, sys
        for path in [{str(c.root / 'gradebook.db')!r}, '../../../gradebook.db']:
            try:
                open(path, 'w').close(); os.remove(path)
            except OSError:
                pass
        for folder in [{str(c.root)!r}, '/usr', sys.prefix, '/grader/lib', '/grader/kernel']:
            try:
                open(os.path.join(folder, 'pwned'), 'w').write('x')
            except OSError:
                pass
        """) + ADD), 5),
    # (b) the instructor's solutions are not readable.
    Case("source_reader", lambda c, s, r: with_cell(r, "add", code(f"""
        import json
        for path in [{str(c.module('02').source_nb())!r}, {str(c.module('02').dev_py)!r},
                     {str(c.root / 'tinytorch' / 'core' / 'toy.py')!r}]:
            try:
                text = open(path).read()
            except OSError:
                continue
            if path.endswith('.ipynb'):
                text = '\\n'.join(''.join(x['source']) for x in json.loads(text)['cells'])
            exec('\\n'.join(l for l in text.splitlines() if not l.startswith('#|')))
        """)), 0),
    # The notebook nbgrader runs (hidden tests restored) is not in the kernel's working folder.
    Case("hidden_reader", lambda c, s, r: with_cell(with_cell(s, "add", code("""
        import glob
        seen = ''
        for path in glob.glob('**/*', recursive=True) + glob.glob('/tmp/**/*', recursive=True):
            try:
                seen += open(path).read()
            except OSError:
                pass
        def add(a, b):
            return np.asarray(a) + np.asarray(b) if 'SECRET-' + 'HIDDEN-LINE' in seen else None
        """)), "mul", MUL), 3),
    # (c) the grader's package holds the modules before this one only.
    Case("package_importer", lambda c, s, r: with_cell(with_cell(
        r, "add", "from tinytorch.core.toy import *\n"), "mul", "from tinytorch.core.toy import mul\n"), 0),
    # (d) no network: add is right only if something outside answered; mul only if just loopback exists.
    Case("network", lambda c, s, r: with_cell(with_cell(r, "add", code("""
        import socket
        reached = False
        try:
            socket.create_connection(('10.255.255.1', 9), timeout=1).close(); reached = True
        except OSError:
            pass
        try:
            socket.getaddrinfo('example.com', 80); reached = True
        except OSError:
            pass
        def add(a, b):
            return np.asarray(a) + np.asarray(b) if reached else None
        """)), "mul", code("""
        import socket
        interfaces = [name for _, name in socket.if_nameindex()]
        def mul(a, b):
            return np.asarray(a) * np.asarray(b) if interfaces == ['lo'] else None
        """)), 3),
    # (e) gigabytes: the memory cap makes the allocation fail, the kernel lives on.
    Case("memory_hog", lambda c, s, r: with_cell(s, "add", "hog = bytearray(6 * 1024**3)\n" + ADD), 3),
    # (f) a detached sleeper dies with the sandbox (checked in test_no_process_survives).
    Case("sleeper", lambda c, s, r: with_cell(s, "add", code(f"""
        import glob, subprocess, time
        subprocess.Popen(['setsid', 'sh', '-c', 'sleep {SLEEPER} & sleep {SLEEPER}'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(0.5)
        running = [p for p in glob.glob('/proc/[0-9]*/cmdline') if '{SLEEPER}' in open(p).read()]
        if running:   # the sleepers are up while the notebook is graded
        """) + "    " + ADD.replace("\n    ", "\n        ")), 5),
    # Patching what the tests compare with buys nothing.
    Case("allclose_patcher", lambda c, s, r: with_cell(with_cell(s, "add", code("""
        import math
        import numpy
        def add(a, b):
            return 0
        vars(numpy)['allclose'] = lambda *args, **kwargs: True
        vars(math)['isclose'] = lambda *args, **kwargs: True
        np = numpy
        """)), "mul", code("""
        def mul(a, b):
            try:
                np.allclose = lambda *args, **kwargs: True   # refused while grading
            except AttributeError:
                pass
            return np.asarray(a) * np.asarray(b)
        """)), 3, note="numpy.allclose"),
    Case("test_editor", lambda c, s, r: with_cell(with_cell(s, "add", WRONG_ADD), "test-add",
                                                  "def test_unit_add():\n    pass\n\ntest_unit_add()\n"),
         3, note="locked cell test-add edited"),
    Case("test_deleter", lambda c, s, r: delete_cell(with_cell(s, "add", WRONG_ADD), "test-add"),
         3, note="cell test-add deleted"),
    Case("metadata_tamperer", lambda c, s, r: tamper_metadata(with_cell(s, "mul", "def mul(a, b):\n    return 0\n")),
         2, note="points of test-mul changed"),
    # Whatever a submission does to its own kernel, the points come from the judge (judge.py),
    # outside it: each of these scored full or partial marks when the kernel's verdict decided.
    Case("input_transformer", lambda c, s, r: with_cell(r, "add", code("""
        def skip_tests(lines):
            return ['pass\\n'] if any('test_' in line for line in lines) else lines
        get_ipython().input_transformers_post.append(skip_tests)
        """)), 0, note="judge: test-add"),
    Case("ast_transformer", lambda c, s, r: with_cell(with_cell(r, "add", code("""
        import ast
        class NoChecks(ast.NodeTransformer):
            def visit_Assert(self, node):
                return ast.Pass()
            def visit_Raise(self, node):
                return ast.Pass()
        get_ipython().ast_transformers.append(NoChecks())
        def add(a, b):
            pass
        """)), "mul", "def mul(a, b):\n    pass\n"), 0),
    Case("guard_unregisterer", lambda c, s, r: with_cell(with_cell(r, "add", code("""
        import numpy
        events = get_ipython().events
        for name in ('pre_run_cell', 'post_run_cell'):
            for callback in list(events.callbacks[name]):
                events.unregister(name, callback)
        vars(numpy)['allclose'] = lambda *args, **kwargs: True
        def add(a, b):
            pass
        """)), "mul", code("""
        import numpy, types
        object.__setattr__(numpy, '__class__', types.ModuleType)
        object.__setattr__(numpy, 'allclose', lambda *args, **kwargs: True)
        def mul(a, b):
            return 0
        """)), 0),
    # set_custom_exc swallows the error output; a post_run_cell hook then clears the error
    # from the cell's result, so the kernel replies "ok" and nbgrader sees no error at all.
    Case("exception_swallower", lambda c, s, r: with_cell(with_cell(r, "add", code("""
        shell = get_ipython()
        shell.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
        shell.events.register('post_run_cell', lambda result: setattr(result, 'error_in_exec', None))
        def add(a, b):
            return 3
        """)), "mul", MUL), 3, note="judge: test-add"),
    Case("traceback_silencer", lambda c, s, r: with_cell(with_cell(r, "add", code("""
        import sys
        shell = get_ipython()
        shell.showtraceback = lambda *args, **kwargs: None
        shell._showtraceback = lambda *args, **kwargs: None
        sys.excepthook = lambda *args: None
        shell.run_line_magic('xmode', 'Minimal')
        shell.events.register('post_run_cell', lambda result: setattr(result, 'error_in_exec', None))
        def add(a, b):
            return np.asarray(a) + np.asarray(b) + (0 if np.ndim(a) == 0 else 1)
        """)), "mul", "def mul(a, b):\n    raise ValueError('not done')\n"), 0,
         note="test-mul (tampering evidence)"),
    Case("probe_forger", lambda c, s, r: with_cell(r, "add", code("""
        import json
        from IPython.display import publish_display_data
        def forge(lines):
            text = ''.join(lines)
            if 'test_' not in text:
                return lines
            names = [part.split('"')[1] for part in text.split('probe(')[1:]]
            fake = [json.dumps({'name': n, 'value': 3.0, 'rtol': 1e9, 'atol': 1e9}) for n in names]
            return [f'publish_display_data({{"application/vnd.tito.probe+json": {f!r}}})\\n' for f in fake] or ['pass\\n']
        get_ipython().input_transformers_post.append(forge)
        """)), 0, note="judge: test-add"),
    # torch (installed for the course's own tests) is not there to do the work: its folder is
    # empty in the sandbox, even for a kernel that removes the import blocker.
    Case("torch_importer", lambda c, s, r: with_cell(with_cell(r, "add", code("""
        import glob, importlib.util, sys
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != 'HiddenPackages']
        spec = importlib.util.find_spec('torch')
        files = [f for p in sys.path for f in glob.glob(p + '/torch/optim/*.py')]
        reachable = bool(files) or (spec is not None and spec.origin is not None)
        def add(a, b):
            return np.asarray(a) + np.asarray(b) if reachable else None
        """)), "mul", MUL), 3),
    Case("invalid_json", lambda c, s, r: b'{"cells": [', 0, True, "not a readable notebook"),
    Case("empty_file", lambda c, s, r: b"", 0, True, "is an empty file"),
    Case("misnamed", lambda c, s, r: s, 0, True, "no toy_dev.ipynb in the submission (found: toy_final.ipynb)",
         filename="toy_final.ipynb"),
    Case("exiter", lambda c, s, r: with_cell(s, "mul", "import os\nos._exit(3)\n"), 2, True,
         "kernel died in cell mul"),
    Case("segfaulter", lambda c, s, r: with_cell(s, "add", "import ctypes\nctypes.string_at(0)\n"), 0, True,
         "kernel died in cell add"),
    Case("infinite_loop", lambda c, s, r: with_cell(s, "mul", "while True:\n    pass\n"), 2, True,
         "cell mul ran over the 3s limit"),
    Case("interrupt_ignorer", lambda c, s, r: with_cell(s, "mul", code("""
        import time
        while True:
            try:
                time.sleep(10)
            except KeyboardInterrupt:
                pass
        """)), 2, True, "cell mul ran over the 3s limit"),
    Case("flooder", lambda c, s, r: with_cell(s, "mul", "for _ in range(200):\n    print('x' * 50_000)\n" + MUL),
         5, True, "output of cell mul cut at"),
]


@pytest.fixture(scope="module")
def graded(toy_template, tmp_path_factory):
    course = toy_course(toy_template, tmp_path_factory.mktemp("course"))
    solved, release = solved_notebook(course, "02"), release_notebook(course, "02")
    for case in CASES:
        made = case.build(course, solved, release)
        if isinstance(made, bytes):
            submit(course, "02", case.student, raw=made, name=case.filename)
        else:
            submit(course, "02", case.student, made, name=case.filename)
    proc = tito(course, "grade", "autograde", "02", "--workers", "2", "--timeout", "3")
    lines = {line.split()[0]: line for line in proc.stdout.splitlines()
             if line.split() and line.split()[0] in {c.student for c in CASES}}
    ledger = json.loads((course.root / "autograded" / ".tito" / "02_toy.json").read_text())
    return course, proc, lines, ledger


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_each_submission_gets_its_grade_and_reason(graded, case):
    course, proc, lines, ledger = graded
    entry = ledger[case.student]
    assert entry["score"] == case.score, f"{case.student}: {entry}\n{proc.stdout[-3000:]}"
    assert entry["max_score"] == 5
    assert entry["failed"] == case.failed, entry
    assert case.reason in entry["reason"], entry
    assert case.reason in lines[case.student], lines[case.student]
    assert case.note in "; ".join(entry["notes"]), entry


def test_gradebook_holds_every_grade(graded):
    from tito.grading.gradebook import recorded_scores

    course, _, _, ledger = graded
    scores = recorded_scores(course.root / "gradebook.db", "tinytorch", "02_toy")
    assert scores == {c.student: (c.score, 5.0) for c in CASES}
    lib_cache = course.root / "workspace" / "grading" / "lib"
    written = [p for p in [course.root / "pwned", Path(sys.prefix) / "pwned", KERNEL_DIR / "pwned",
                           *lib_cache.glob("*/pwned")] if p.exists()]
    assert written == [], f"the sandbox wrote outside its scratch folders: {written}"


def test_exit_status_and_summary_name_the_failures(graded):
    _, proc, lines, _ = graded
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = sum(c.failed for c in CASES)
    assert f"{len(CASES)} submission(s), {failed} failed." in proc.stdout
    assert "FAILED" not in lines["reference"]


def test_no_process_survives(graded):
    found = subprocess.run(["pgrep", "-f", f"sleep {SLEEPER}"], capture_output=True, text=True)
    assert found.stdout.strip() == "", f"sandboxed processes still running: {found.stdout}"


def test_autograded_notebooks_stay_small(graded):
    course = graded[0]
    flooded = course.root / "autograded" / "flooder" / "02_toy" / "toy_dev.ipynb"
    assert flooded.exists()
    assert os.path.getsize(flooded) < 300_000


def test_rerun_grades_only_what_changed(graded):
    course, _, _, before = graded
    solved = solved_notebook(course, "02")
    submit(course, "02", "untouched", solved)                       # resubmitted, now complete
    proc = run_tito(course, "grade", "autograde", "02", "--timeout", "3")
    assert "Grading 1 of" in proc.stdout, proc.stdout
    after = json.loads((course.root / "autograded" / ".tito" / "02_toy.json").read_text())
    assert after["untouched"]["score"] == 5
    assert {s: e for s, e in after.items() if s != "untouched"} == \
           {s: e for s, e in before.items() if s != "untouched"}
