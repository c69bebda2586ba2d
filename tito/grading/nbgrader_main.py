"""Running nbgrader for tito grade: its environment, its command line, and a quicker start.

``python -m tito.grading.nbgrader_main ARGS`` is nbgrader's command line
without the optional ``rfc3987_syntax`` package: jsonschema imports it when
present, and that import builds a grammar for about 2.5 CPU-seconds, more
than nbgrader spends grading a small notebook. Notebook validation does not
use IRI formats.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tito.errors import TitoError
from tito.jupyter import private_env


PARENT = "TITO_GRADE_PARENT"


def nbgrader_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "tito.grading.nbgrader_main", *args]


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


def nbgrader_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """``private_env`` with this Python's scripts first on PATH (nbgrader runs ``alembic``)."""
    env = private_env(state_dir, **extra)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    return env


def run_nbgrader(args: list[str], cwd: Path, env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    """Run nbgrader; a failure becomes a TitoError naming ``what`` with the end of its log."""
    proc = subprocess.run(nbgrader_argv(*args), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise TitoError(f"nbgrader failed while {what}:\n{tail}")
    return proc


if __name__ == "__main__":
    die_with_parent()
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules makes the import fail
    from nbgrader.apps.nbgraderapp import main

    sys.argv[0] = "nbgrader"
    sys.exit(main())
