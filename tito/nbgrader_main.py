"""nbgrader's command line, started the way tito needs it.

``python -m tito.nbgrader_main ARGS`` is nbgrader's command line
without the optional ``rfc3987_syntax`` package: jsonschema imports it when
present, and that import builds a grammar for about 2.5 CPU-seconds, more
than nbgrader spends grading a small notebook. Notebook validation does not
use IRI formats. A ``postgresql://`` gradebook URL uses psycopg 3 (see
tito.grading.gradebook.use_psycopg).
"""
from __future__ import annotations

import os
import sys

PARENT = "TITO_GRADE_PARENT"  # tito's pid, set by tito grade autograde


def die_with_parent() -> None:
    """Be killed when the tito process that started us dies, even by SIGKILL (Linux only).

    Then bwrap (--die-with-parent) and the sandbox go too: nothing keeps running
    after an interrupted autograde.
    """
    parent = os.environ.get(PARENT)
    if not parent or not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(parent):  # the parent died before prctl took effect
        os._exit(1)


if __name__ == "__main__":
    die_with_parent()
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules makes the import fail
    from nbgrader.apps.nbgraderapp import main

    from tito.grading.gradebook import use_psycopg

    use_psycopg()  # c.CourseDirectory.db_url = "postgresql://..." with psycopg 3

    sys.argv[0] = "nbgrader"
    sys.exit(main())
