"""`tito grade`: generate, autograde (sandboxed, parallel, resumable), feedback and report.

The pipeline, one module per step:

- settings.py   the grading limits (nbgrader_config.py's ``c.TitoGrade``, CLI overrides)
- sandbox.py    the bubblewrap command that runs one submission's kernel
- kernel/       what runs inside the sandbox: boot.py (limits, path, guard) and guard.py
- submission.py finding, hashing and checking what students handed in (as data only)
- execute.py    nbgrader's Execute step, made to survive dead kernels and floods of output
- gradebook.py  the per-submission scratch gradebook and the merge into the real one
- ledger.py     what was graded (content hashes), so an interrupted run resumes
- generate.py   `tito grade generate`: the module's cells into the gradebook
- autograde.py  one submission in a scratch course and sandbox; many in parallel
- feedback.py   HTML feedback with hidden tests removed from sources and outputs
- report.py     score table, CSV, histogram and the list of failed submissions
- cli.py        the `tito grade` commands
"""

import sys as _sys

# jsonschema imports the optional rfc3987_syntax when present, which builds a grammar for
# about 2.5 CPU-seconds; notebook validation never needs it (see tito/nbgrader_main.py).
_sys.modules.setdefault("rfc3987_syntax", None)
