"""The bubblewrap sandbox one submission's kernel runs in.

Inside, the kernel sees: the system's read-only folders (/usr, /etc, ...), the
Python environment read-only except the installed packages that implement
what is graded (torch, jax, ...: ``GradeSettings.hidden_packages``), each
covered by an empty read-only folder, the grader's tinytorch at /grader/lib,
``tito.probes`` at /grader/probes, the course's public ``datasets/`` at
/grader/datasets, the kernel start-up code at /grader/kernel, its connection
folder (for the ``ipc`` sockets), and a small writable tmpfs as working folder holding the submitted
files read-only. Nothing else of the course, no network, no other process. The
kernel is PID 1 of its own PID namespace, so when it ends (or bwrap's parent,
nbgrader, dies) the kernel of Linux kills every process it started, setsid or
double fork included.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tito.errors import TitoError
from tito.grading.settings import GradeSettings

KERNEL_DIR = Path(__file__).resolve().parent / "kernel"
KERNEL_NAME = "tito-sandbox"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
INSIDE_LIB, INSIDE_KERNEL, INSIDE_CONFIG = "/grader/lib", "/grader/kernel", "/grader/config.json"
INSIDE_DATASETS = "/grader/datasets"
# tito/probes.py alone (with tito's empty __init__), so that hidden checks can import it.
INSIDE_PROBES = "/grader/probes"
TITO_DIR = Path(__file__).resolve().parents[1]
INSTALL_HINT = ("install bubblewrap (`apt-get install -y bubblewrap`, as `make install` does), "
                "or pass --unsafe-no-sandbox to run student code with your own permissions")


def find_bwrap() -> str | None:
    """The bwrap executable ($TITO_BWRAP if set, else on PATH or /usr/bin), or None."""
    chosen = os.environ.get("TITO_BWRAP")
    if chosen is not None:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("bwrap") or ("/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None)


def require_bwrap() -> str:
    bwrap = find_bwrap()
    if bwrap is None:
        raise TitoError("bubblewrap (bwrap) is not installed, and tito grades untrusted notebooks only "
                        "inside it: " + INSTALL_HINT)
    return bwrap


@dataclass(frozen=True)
class KernelJail:
    """Everything the sandbox of one submission is made of (all host paths)."""

    course_root: Path
    lib: Path                 # folder holding the grader's ``tinytorch`` package
    workdir: Path             # where nbgrader runs the notebook (autograded/<student>/<module>)
    shown_files: tuple[Path, ...]  # the submitted files, shown read-only in ``workdir``
    runtime_dir: Path         # connection file and ipc sockets
    config_file: Path         # kernel configuration written by ``write_kernel_config``
    settings: GradeSettings
    masked: tuple[Path, ...] = ()  # installed packages the kernel must not see (hidden_package_paths)

    def bwrap_argv(self, bwrap: str) -> list[str]:
        mib = 1024 * 1024
        argv = [bwrap, "--unshare-all", "--die-with-parent", "--as-pid-1", "--cap-drop", "ALL",
                "--hostname", "grader", "--dev", "/dev", "--proc", "/proc"]
        for folder in SYSTEM_DIRS:
            if os.path.islink(folder):
                argv += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                argv += ["--ro-bind", folder, folder]
        scratch = str(self.settings.scratch_mb * mib)
        # Mounts apply in order, later ones on top: a fresh /tmp first, then a tmpfs over the
        # course (it may live under a folder bound above, or under /tmp), then the Python
        # environment read-only on top of both (a virtualenv may live in the course or in /tmp).
        argv += ["--size", scratch, "--tmpfs", "/tmp", "--tmpfs", str(self.course_root)]
        for prefix in dict.fromkeys(Path(p).resolve() for p in (sys.base_prefix, sys.prefix)):
            argv += ["--ro-bind", str(prefix), str(prefix)]
        # An empty read-only folder over each hidden package (a file: /dev/null over it). The
        # kernel has no capabilities, so it cannot unmount them.
        for path in self.masked:
            if path.is_dir():
                argv += ["--tmpfs", str(path), "--remount-ro", str(path)]
            else:
                argv += ["--ro-bind", "/dev/null", str(path)]
        datasets = self.course_root / "datasets"
        if datasets.is_dir():  # public data the notebooks load (module 07's digits), read-only
            argv += ["--ro-bind", str(datasets), INSIDE_DATASETS]
        argv += ["--ro-bind", str(self.lib), INSIDE_LIB,
                 "--ro-bind", str(KERNEL_DIR), INSIDE_KERNEL,
                 "--ro-bind", str(TITO_DIR / "__init__.py"), f"{INSIDE_PROBES}/tito/__init__.py",
                 "--ro-bind", str(TITO_DIR / "probes.py"), f"{INSIDE_PROBES}/tito/probes.py",
                 "--ro-bind", str(self.config_file), INSIDE_CONFIG,
                 "--bind", str(self.runtime_dir), str(self.runtime_dir),
                 "--size", scratch, "--tmpfs", str(self.workdir)]
        for shown in self.shown_files:
            argv += ["--ro-bind", str(shown), str(self.workdir / shown.name)]
        argv += ["--chdir", str(self.workdir), "--clearenv"]
        for key, value in sandbox_environment().items():
            argv += ["--setenv", key, value]
        if datasets.is_dir():
            argv += ["--setenv", "TINYTORCH_DATASETS", INSIDE_DATASETS]
        return argv

    def kernel_argv(self, sandboxed: bool = True) -> list[str]:
        """The kernelspec argv: bwrap around boot.py, or boot.py alone (--unsafe-no-sandbox)."""
        if sandboxed:
            start = [*self.bwrap_argv(require_bwrap()), sys.executable,
                     f"{INSIDE_KERNEL}/boot.py", INSIDE_CONFIG]
        else:
            start = [sys.executable, str(KERNEL_DIR / "boot.py"), str(self.config_file)]
        return [*start, "-f", "{connection_file}"]

    def write_kernel_config(self, graded_cells: list[str], sandboxed: bool = True) -> None:
        mib = 1024 * 1024
        config = {
            "lib": INSIDE_LIB if sandboxed else str(self.lib),
            # unsandboxed, the kernel imports tito.probes from the installed tito
            "probes": INSIDE_PROBES if sandboxed else None,
            "hidden_packages": list(self.settings.hidden_packages),
            "graded_cells": graded_cells,
            "limits": {"memory_bytes": self.settings.memory_mb * mib,
                       "cpu_seconds": self.settings.cpu_seconds,
                       "file_bytes": self.settings.file_mb * mib},
        }
        self.config_file.write_text(json.dumps(config, indent=1), encoding="utf-8")

    def write_kernelspec(self, data_dir: Path, sandboxed: bool = True) -> None:
        """Install the ``tito-sandbox`` kernelspec in the (private) Jupyter data folder."""
        spec = {"argv": self.kernel_argv(sandboxed), "display_name": "TinyTorch grading sandbox",
                "language": "python",
                # A signal to bwrap's process group would kill bwrap, and the sandbox with it:
                # ask the kernel to interrupt itself instead.
                "interrupt_mode": "message", "metadata": {"debugger": False}}
        folder = data_dir / "kernels" / KERNEL_NAME
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def sandbox_environment() -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's (tokens, paths) leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib", "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # One thread each: parallel workers share the cores.
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }


def hidden_package_paths(names: tuple[str, ...]) -> tuple[Path, ...]:
    """Where the packages ``names`` are installed, in every folder of this Python's path.

    The kernel runs this same Python: covering these folders (and single-file
    modules or extensions of those names) leaves it nothing to import.
    """
    found = []
    for entry in dict.fromkeys(p for p in sys.path if p and os.path.isdir(p)):
        folder = Path(entry)
        for name in names:
            candidates = [folder / name, *folder.glob(f"{name}.py"), *folder.glob(f"{name}.*.so"),
                          *folder.glob(f"{name}.libs"), *folder.glob(f"{name}-*.dist-info")]
            found += [c.resolve() for c in candidates if c.exists() and not c.is_symlink()]
    return tuple(dict.fromkeys(found))
