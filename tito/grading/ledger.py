"""What has been graded: one JSON file per module, so an interrupted run resumes.

``autograded/.tito/<module>.json`` maps each student to a hash of what was
graded (the submission's files, the assignment's cells in the gradebook and
the grader's package), its score and, when it failed, why. An entry
is written only after the grades are in the gradebook and the autograded
notebook is in place, and the file is replaced atomically: killing tito at
any moment leaves either the old entry (the submission is graded again, and
the gradebook updated in place) or the new one.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Entry:
    digest: str
    score: float
    max_score: float
    failed: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    graded_at: str = ""
    disputes: list[str] = field(default_factory=list)  # graded cells the kernel passed and the judge did not


class Ledger:
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, Entry] = {}
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.entries = {student: Entry(**entry) for student, entry in raw.items()}

    @classmethod
    def for_module(cls, course_root: Path, module_name: str) -> "Ledger":
        return cls(course_root / "autograded" / ".tito" / f"{module_name}.json")

    def is_current(self, student: str, digest: str) -> bool:
        entry = self.entries.get(student)
        return entry is not None and entry.digest == digest

    def record(self, student: str, entry: Entry) -> None:
        entry.graded_at = entry.graded_at or time.strftime("%Y-%m-%dT%H:%M:%S")
        self.entries[student] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({s: asdict(e) for s, e in sorted(self.entries.items())}, indent=1),
                           encoding="utf-8")
        os.replace(partial, self.path)
