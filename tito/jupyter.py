"""Running Jupyter tools (nbgrader, kernels) as subprocesses with a private state."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tito.errors import TitoError


def private_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """An environment whose Jupyter and IPython state lives in ``state_dir``.

    A user's ~/.jupyter configuration must not change what a build produces
    or how a notebook is graded.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(state_dir / "config"),
        JUPYTER_DATA_DIR=str(state_dir / "data"),
        JUPYTER_RUNTIME_DIR=str(state_dir / "runtime"),
        IPYTHONDIR=str(state_dir / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        MPLBACKEND="Agg",
        # nbgrader runs the `alembic` script of its environment when it creates a gradebook
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
    )
    env.update(extra)
    return env


def nbgrader_argv(*args: str) -> list[str]:
    """nbgrader's command line, through tito.nbgrader_main (a quicker start, see there)."""
    return [sys.executable, "-m", "tito.nbgrader_main", *args]


def run_nbgrader(args: list[str], cwd: Path, env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``cwd``; a failure becomes a TitoError naming ``what``
    with the end of nbgrader's log."""
    proc = subprocess.run(nbgrader_argv(*args), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise TitoError(f"nbgrader failed while {what}:\n{tail}")
    return proc
