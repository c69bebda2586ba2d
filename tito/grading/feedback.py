"""`tito grade feedback`: nbgrader's HTML feedback, with no trace of the hidden tests.

nbgrader's ClearHiddenTests removes hidden tests from cell *sources*; their
text still reaches outputs: IPython tracebacks quote the failing line and
its neighbours, and code run by a test can print its caller's source.
``ScrubHiddenTestOutputs`` (in GenerateFeedback's preprocessors, before
ClearHiddenTests, see nbgrader_config.py) replaces every output line that
contains a hidden-test line, and drops the outputs probes published (the
results hidden checks handed to the judge: application/vnd.tito.probe+json).
After nbgrader has written the HTML, tito reads each file once more and
refuses (deletes) any that still contains a hidden line. (A student's own
source may name the probe type; only outputs are scrubbed.)
The expected values of hidden checks are never in a notebook (judge.py), so
no output can carry them.
"""
from __future__ import annotations

import base64
import html
import re

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from tito.course import Course, Module
from tito.errors import TitoError
from tito.grading.judge import is_probe_output
from tito.grading.ledger import Ledger
from tito.probes import MIME
from tito.jupyter import private_env, run_nbgrader

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
REMOVED = "[hidden test line removed]"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex")


def hidden_lines(sources: list[str]) -> set[str]:
    """The lines of hidden-test regions worth hiding (not bare brackets or keywords)."""
    found, inside = set(), False
    for source in sources:
        for line in source.splitlines():
            text = line.strip()
            if text == BEGIN:
                inside = True
            elif text == END:
                inside = False
            elif inside and len(re.sub(r"\W", "", text)) >= 3:
                found.add(text)
    return found


ENCODED = re.compile(r"[A-Za-z0-9+/_=-]{16,}")


def decoded_forms(line: str) -> list[str]:
    """``line`` as written, reversed, and every base64 or hex token in it decoded: the easy
    ways a submission could smuggle a hidden line it saw at run time into its output."""
    forms = [line, line[::-1]]
    for token in ENCODED.findall(line):
        for decode in (lambda t: base64.b64decode(t + "=" * (-len(t) % 4), validate=True),
                       lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)),
                       bytes.fromhex):
            try:
                forms.append(decode(token).decode("utf-8", "ignore"))
            except ValueError:
                pass
    return forms


def scrub_text(text: str, secrets: set[str]) -> str:
    if not secrets:
        return text
    kept = []
    for line in text.split("\n"):
        forms = decoded_forms(ANSI.sub("", line))
        kept.append(REMOVED if any(secret in form for form in forms for secret in secrets) else line)
    return "\n".join(kept)


def scrub_outputs(nb, secrets: set[str]) -> None:
    for cell in nb.cells:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if not is_probe_output(o)]
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = scrub_text(output["text"], secrets)
            if "traceback" in output:
                output["traceback"] = [scrub_text(entry, secrets) for entry in output["traceback"]]
            if "evalue" in output:
                output["evalue"] = scrub_text(output["evalue"], secrets)
            for mime in TEXT_TYPES:
                if mime in output.get("data", {}):
                    value = output["data"][mime]
                    value = "".join(value) if isinstance(value, list) else value
                    output["data"][mime] = scrub_text(value, secrets)


class ScrubHiddenTestOutputs(Preprocessor):
    """Replace every output line that quotes a hidden test (tracebacks included); drop probe outputs."""

    # nbconvert leaves a preprocessor registered by name disabled unless it says otherwise.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
        # MIME: a printout naming the probe type (a payload printed as text) goes with the probe outputs
        scrub_outputs(nb, hidden_lines(sources) | {MIME})
        return nb, resources


def leaked_lines(feedback_html: str, secrets: set[str]) -> list[str]:
    text = html.unescape(re.sub(r"<[^>]+>", "", feedback_html))
    return [s for s in secrets if s in text]


def generate_feedback(course: Course, module: Module, students: list[str] | None = None):
    """Write feedback/<student>/<module>/*.html; return (written paths, [(student, why not)])."""
    autograded = sorted(p.parent.name for p in (course.root / "autograded").glob(f"*/{module.name}")
                        if p.is_dir())
    ledger = Ledger.for_module(course.root, module.name)
    if students:
        unknown = [s for s in students if s not in autograded]
        if unknown:
            raise TitoError(f"no autograded {module.name} for {', '.join(unknown)}: "
                            f"run `tito grade autograde {module.name}` first")
        autograded = [s for s in autograded if s in students]
    skipped = [(s, entry.reason) for s, entry in sorted(ledger.entries.items())
               if s not in autograded and (not students or s in students)]
    if not autograded:
        raise TitoError(f"nothing autograded for {module.name}: run `tito grade autograde {module.name}` first")
    env = private_env(course.root / "workspace" / "grading" / "jupyter")
    for student in students or ["*"]:
        run_nbgrader(["generate_feedback", module.name, "--force", "--log-level=WARN", f"--student={student}"],
                     cwd=course.root, env=env, what=f"writing the feedback of {module.name}")

    written = []
    for student in autograded:
        secrets = set()
        for notebook in (course.root / "autograded" / student / module.name).glob("*.ipynb"):
            nb = nbformat.read(str(notebook), as_version=4)
            secrets |= hidden_lines([c.source for c in nb.cells if c.cell_type == "code"])
        for page in sorted((course.root / "feedback" / student / module.name).glob("*.html")):
            leaks = leaked_lines(page.read_text(encoding="utf-8"), secrets)
            if leaks:
                page.unlink()
                raise TitoError(f"{page} quoted a hidden test ({leaks[0]!r}) and was deleted; "
                                "check GenerateFeedback.preprocessors in nbgrader_config.py")
            written.append(page)
    return written, skipped
