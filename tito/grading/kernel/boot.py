"""The grading kernel's entry point, run by bwrap as PID 1 of the sandbox.

``python boot.py CONFIG -f CONNECTION_FILE [kernel options]``: applies the
resource limits, puts the grader's tinytorch (built from the modules before
the graded one) first on ``sys.path``, makes ``tito.probes`` publish what
hidden checks report instead of comparing it (the grader compares, outside),
refuses imports of the hidden packages (their folders are already empty in
the sandbox; this only makes the error say so), installs the guard
(guard.py) and starts an ordinary IPython kernel. CONFIG is a JSON file
written by tito.
"""
import importlib.abc
import json
import os
import resource
import sys


class HiddenPackages(importlib.abc.MetaPathFinder):
    """``import torch`` (or any hidden package) fails with a clear error while grading."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is not available while grading: "
                                      "the graded code must do the work itself", name=fullname)
        return None


def apply_limits(limits: dict) -> None:
    """Address space, CPU seconds and file size, as hard limits the kernel cannot raise."""
    for name, value in (("RLIMIT_AS", limits.get("memory_bytes")),
                        ("RLIMIT_CPU", limits.get("cpu_seconds")),
                        ("RLIMIT_FSIZE", limits.get("file_bytes"))):
        if value:
            resource.setrlimit(getattr(resource, name), (int(value), int(value)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    config_path, kernel_argv = sys.argv[1], sys.argv[2:]
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    apply_limits(config["limits"])

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p not in ("", here)]
    sys.path.insert(0, config["lib"])
    if config["probes"]:
        sys.path.insert(1, config["probes"])
    sys.meta_path.insert(0, HiddenPackages(config["hidden_packages"]))
    import tito.probes
    tito.probes.MODE = "emit"
    sys.path.insert(0, here)
    import guard
    sys.path.remove(here)
    del sys.modules["guard"]

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(kernel_argv)
    guard.install(app.shell, set(config["graded_cells"]))
    app.start()


if __name__ == "__main__":
    main()
