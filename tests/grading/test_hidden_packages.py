"""The packages that implement what is graded are hidden from the grading kernel, and only those."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tito.errors import TitoError
from tito.grading.sandbox import KernelJail, hidden_package_paths
from tito.grading.settings import GradeSettings


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_torch_folders_are_found_and_covered_in_the_sandbox(tmp_path):
    torch_dir = Path(importlib.util.find_spec("torch").origin).parent.resolve()
    masked = hidden_package_paths(GradeSettings().hidden_packages)
    assert torch_dir in masked
    assert not any(p.name.startswith("numpy") for p in masked), "numpy must stay importable"
    jail = KernelJail(tmp_path, tmp_path, tmp_path / "work", (), tmp_path / "rt", tmp_path / "k.json",
                      GradeSettings(), masked)
    argv = jail.bwrap_argv("bwrap")
    at = argv.index(str(torch_dir))
    assert argv[at - 1] == "--tmpfs" and argv[at + 1:at + 3] == ["--remount-ro", str(torch_dir)]
    prefix = str(Path(sys.prefix).resolve())
    bound = max(i for i, a in enumerate(argv) if a == prefix and argv[i - 1] == "--ro-bind")
    assert at > bound, "covered after the Python environment is bound (mounts apply in order)"


def test_hidden_packages_are_configurable_and_checked():
    assert GradeSettings().override(hidden_packages=["torch"]).hidden_packages == ("torch",)
    with pytest.raises(TitoError, match="hidden_packages must be a list of package names"):
        GradeSettings().override(hidden_packages="torch")
