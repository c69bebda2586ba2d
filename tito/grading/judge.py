"""The judge: the points of every graded cell, decided in the grading worker's process, not in the student's kernel.

In the sandbox, the hidden checks of a graded cell are probes (tito/probes.py):
they publish results of the student's code as plain data. The expected values
were recorded by running the instructor's notebook through the same sandbox
(`tito grade generate`, ``record``) and are kept in
``autograded/.tito/expected/<module>.json``; they never enter a student's kernel.

A graded cell keeps the points nbgrader gave it (its *kernel verdict*: no
error and no stderr output) only when, in the autograded notebook, the cell
has no error output **and** every probe the reference reported in that cell
was reported exactly once, with a value matching the reference within the
reference's tolerance, and no other probe was; otherwise it scores 0. When
the kernel gave points the judge takes away, the cell is listed, with why, in
the ledger and in `tito grade report`. A probe
that is missing, repeated, unknown or malformed while the kernel reported no
error cannot come from an honest run (an honest kernel either raises before
the probe or reports it once): that is marked as tampering evidence.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tito.errors import TitoError
from tito.probes import MIME, ProbeFormatError, Unencodable, decode, matches


def expectations_path(course_root: Path, module_name: str) -> Path:
    return course_root / "autograded" / ".tito" / "expected" / f"{module_name}.json"


@dataclass
class Expectations:
    """What the reference's probes reported: ``{notebook: {grade_id: [payload, ...]}}``."""

    module: str
    notebooks: dict[str, dict[str, list[dict]]]

    @classmethod
    def load(cls, course_root: Path, module_name: str) -> "Expectations":
        path = expectations_path(course_root, module_name)
        if not path.is_file():
            raise TitoError(f"no recorded expectations for {module_name} ({path}): "
                            f"run `tito grade generate {module_name}` first")
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(raw["module"], raw["notebooks"])

    def save(self, course_root: Path) -> Path:
        path = expectations_path(course_root, self.module)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps({"module": self.module, "notebooks": self.notebooks}, indent=1,
                                      sort_keys=True), encoding="utf-8")
        partial.replace(path)
        return path

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.notebooks, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------- reading a cell

def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_probe_output(output) -> bool:
    return any(key.startswith(MIME.split("+")[0]) for key in output.get("data", {}) or {})


def cell_probes(cell) -> tuple[list[dict], list[str]]:
    """The probe payloads a cell's outputs carry, and what was malformed about the others."""
    found, bad = [], []
    for output in cell.get("outputs", []):
        if not is_probe_output(output):
            continue
        raw = output["data"].get(MIME)
        try:
            record = json.loads(raw if isinstance(raw, str) else "".join(raw))
            if not (isinstance(record, dict) and isinstance(record.get("name"), str)):
                raise ProbeFormatError("no name")
            found.append({"name": record["name"], "value": decode(record.get("value"))})
        except (ValueError, TypeError, RecursionError) as err:
            bad.append(f"malformed probe output ({type(err).__name__})")
    return found, bad


def has_error(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def graded_cells(nb) -> dict[str, object]:
    return {grade_id(c): c for c in nb.cells
            if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("grade")}


# ---------------------------------------------------------------- recording the reference

def record(nb, notebook_name: str) -> dict[str, list[dict]]:
    """The probes of the reference's executed notebook, per graded cell; refuses a reference
    whose graded cell raised, has no probe, repeats one or reports what probes cannot carry."""
    recorded = {}
    for gid, cell in graded_cells(nb).items():
        where = f"{notebook_name} cell {gid!r}"
        if has_error(cell):
            error = next(o for o in cell.outputs if o.get("output_type") == "error")
            raise TitoError(f"{where}: the instructor's solution fails its own test "
                            f"({error.get('ename')}: {error.get('evalue')})")
        payloads = []
        for output in cell.get("outputs", []):
            if is_probe_output(output):
                payloads.append(json.loads(output["data"][MIME]))
        if not payloads:
            raise TitoError(f"{where}: graded cell reported no probe: its hidden section needs at least one "
                            "probe(...) of a result of the student's code (docs/grading.md)")
        names = [p["name"] for p in payloads]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise TitoError(f"{where}: probe {repeated[0]!r} reported more than once: give each probe of a "
                            "cell its own name")
        for p in payloads:
            if _contains_unencodable(decode(p["value"])):
                raise TitoError(f"{where}: probe {p['name']!r} reports a value probes cannot carry "
                                "(use numbers, strings, arrays, lists, dicts)")
        recorded[gid] = payloads
    return recorded


def _contains_unencodable(value) -> bool:
    if isinstance(value, Unencodable):
        return True
    if isinstance(value, list):
        return any(_contains_unencodable(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_unencodable(v) for v in value.values())
    return False


# ---------------------------------------------------------------- judging a submission

@dataclass
class Verdict:
    notebook: str
    grade_id: str
    kernel_passed: bool     # nbgrader's verdict: the cell has no error output
    passed: bool            # the judge's
    reason: str = ""
    tampering: bool = False

    def describe(self) -> str:
        what = "tampering evidence: " if self.tampering else ""
        return f"{self.grade_id}: kernel passed it, judge did not ({what}{self.reason})"


def judge_cell(notebook: str, gid: str, cell, expected: list[dict]) -> Verdict:
    kernel_passed = cell is not None and cell.get("execution_count") is not None and not has_error(cell)
    if cell is None:
        return Verdict(notebook, gid, False, False, "cell missing from the autograded notebook")
    got, malformed = cell_probes(cell)
    names = [p["name"] for p in got]
    wanted = {p["name"]: p for p in expected}
    problems, tampering = list(malformed), bool(malformed)
    for name in wanted:
        if names.count(name) == 0:
            problems.append(f"probe {name!r} missing")
            tampering = True
        elif names.count(name) > 1:
            problems.append(f"probe {name!r} reported {names.count(name)} times")
            tampering = True
    for name in sorted(set(names) - wanted.keys()):
        problems.append(f"unexpected probe {name!r}")
        tampering = True
    for report in got:
        reference = wanted.get(report["name"])
        if reference is not None and names.count(report["name"]) == 1 and not matches(
                decode(reference["value"]), report["value"], reference["rtol"], reference["atol"],
                reference.get("same_dtype", False)):
            problems.append(f"hidden check {report['name']!r} failed")
    if not kernel_passed:
        return Verdict(notebook, gid, False, False, "the cell raised an error")
    if problems:
        return Verdict(notebook, gid, True, False, "; ".join(problems[:3]) +
                       (f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""), tampering)
    return Verdict(notebook, gid, True, True)


def judge_notebook(path: Path, notebook: str, expected: dict[str, list[dict]]) -> list[Verdict]:
    """One verdict per graded cell the reference recorded, read from the autograded notebook."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - nothing readable: every cell fails
        return [Verdict(notebook, gid, False, False, "no autograded notebook") for gid in expected]
    cells: dict[str, list] = {}
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in expected and cell.cell_type == "code":
            cells.setdefault(gid, []).append(cell)
    verdicts = []
    for gid, probes in expected.items():
        found = cells.get(gid, [])
        if len(found) > 1:
            verdicts.append(Verdict(notebook, gid, False, False, "graded cell appears more than once", True))
            continue
        verdicts.append(judge_cell(notebook, gid, found[0] if found else None, probes))
    return verdicts


def summarize(dispute: str) -> str:
    """``'test-add (tampering evidence)'``: a dispute line as short as a summary note."""
    cell = dispute.split(":", 1)[0]
    return f"{cell} (tampering evidence)" if "tampering evidence" in dispute else cell


def apply(scores: dict[str, dict[str, float | None]], max_scores: dict[str, dict[str, float]],
          verdicts: list[Verdict]) -> list[str]:
    """Keep nbgrader's score of each judged cell (``scores``, the kernel's verdict) where the judge
    passes it, else make it 0. Return where the kernel gave points the judge does not, one line each."""
    disputes = []
    for v in verdicts:
        points = max_scores[v.notebook].get(v.grade_id, 0.0)
        kernel_score = scores.setdefault(v.notebook, {}).get(v.grade_id) or 0.0
        scores[v.notebook][v.grade_id] = min(kernel_score, points) if v.passed else 0.0
        if kernel_score > 0 and not v.passed:
            disputes.append(v.describe())
    return disputes
