"""`tito grade`: generate, autograde (sandboxed, parallel, resumable), feedback and report.

The pipeline, one module per step:

- settings.py   the grading limits (nbgrader_config.py's ``c.TitoGrade``, CLI overrides)
- sandbox.py    the bubblewrap command that runs one submission's kernel
- kernel/       what runs inside the sandbox: boot.py (limits, path, guard) and guard.py
- execute.py    nbgrader's Execute step, made to survive dead kernels and floods of output
- gradebook.py  the per-submission scratch gradebook and the merge into the real one
- autograde.py  one submission in a scratch course; many in parallel; the resume ledger
- feedback.py   HTML feedback with hidden tests removed from sources and outputs
- report.py     score table, CSV, histogram and the list of failed submissions
- cli.py        the `tito grade` commands
"""

import sys as _sys

# jsonschema imports the optional rfc3987_syntax when present, which builds a grammar for
# about 2.5 CPU-seconds; notebook validation never needs it (see nbgrader_main.py).
_sys.modules.setdefault("rfc3987_syntax", None)
