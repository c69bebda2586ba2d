"""The grading limits: defaults, the course's ``c.TitoGrade`` section, then command-line overrides."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from tito.errors import TitoError


# Installed packages that implement what the course grades (a solution could call them instead
# of doing the work): the grading sandbox hides every one that is installed.
HIDDEN_PACKAGES = ("torch", "torchvision", "torchaudio", "torchgen", "functorch", "triton",
                   "jax", "jaxlib", "flax", "optax", "tensorflow", "keras", "tf_keras",
                   "sklearn", "autograd", "mxnet", "paddle", "tinygrad", "mlx", "chainer", "theano")


@dataclass(frozen=True)
class GradeSettings:
    """How long, how big and how many: every limit a graded submission runs under."""

    cell_timeout: int = 60          # seconds one cell may run (nbgrader's c.Execute.timeout)
    memory_mb: int = 2048           # address space of the kernel process
    cpu_seconds: int = 600          # CPU time of the kernel process, all cells together
    scratch_mb: int = 64            # size of the writable folders (working folder, /tmp)
    file_mb: int = 32               # largest file the kernel may write
    output_chars: int = 100_000     # output kept per cell; the rest is cut with a note
    workers: int = os.cpu_count() or 1
    hidden_packages: tuple[str, ...] = HIDDEN_PACKAGES  # not importable by the graded kernel

    def submission_timeout(self, code_cells: int) -> int:
        """Wall-clock limit of one whole grading run: every cell at its limit, plus start-up."""
        return self.cell_timeout * (code_cells + 2) + 60

    @classmethod
    def load(cls, course_root: Path) -> "GradeSettings":
        """Read ``c.TitoGrade.*`` and ``c.Execute.timeout`` from the course's nbgrader_config.py."""
        from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
        except ConfigFileNotFound:
            return cls()
        except Exception as err:  # a broken config file is the instructor's to fix
            raise TitoError(f"cannot read {course_root / 'nbgrader_config.py'}: {err}") from err
        values = {}
        if "Execute" in config and "timeout" in config.Execute:
            values["cell_timeout"] = config.Execute.timeout
        known = {f.name for f in fields(cls)}
        for key, value in (config.TitoGrade.items() if "TitoGrade" in config else []):
            if key not in known:
                raise TitoError(f"nbgrader_config.py: unknown setting c.TitoGrade.{key} "
                                f"(known: {', '.join(sorted(known))})")
            values[key] = value
        return cls().override(**values)

    def override(self, **values) -> "GradeSettings":
        """A copy with the given (non-None) values, each checked: limits are positive integers,
        ``hidden_packages`` a list of package names."""
        chosen = {k: v for k, v in values.items() if v is not None}
        if "hidden_packages" in chosen:
            names = chosen["hidden_packages"]
            if isinstance(names, str) or not all(isinstance(n, str) and n.isidentifier() for n in names):
                raise TitoError(f"c.TitoGrade.hidden_packages must be a list of package names, got {names!r}")
            chosen["hidden_packages"] = tuple(names)
        for key, value in chosen.items():
            if key == "hidden_packages":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise TitoError(f"grading setting {key} must be a positive whole number, got {value!r}")
        return replace(self, **chosen)


@dataclass(frozen=True)
class CourseGrading:
    """Where the course keeps its grades, as its nbgrader_config.py says."""

    course_id: str
    gradebook: Path | str    # a SQLite file, or the URL of a database server (PostgreSQL)

    @classmethod
    def load(cls, course_root: Path) -> "CourseGrading":
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
        section = config.CourseDirectory if "CourseDirectory" in config else {}
        course_id = section.get("course_id", "default_course")
        url = section.get("db_url", "")
        if not url:
            return cls(course_id, course_root / "gradebook.db")
        if url.startswith("sqlite:///"):
            return cls(course_id, Path(url[len("sqlite:///"):]))
        if not url.startswith(("postgresql://", "postgresql+psycopg://")):
            raise TitoError(f"nbgrader_config.py: c.CourseDirectory.db_url must be a sqlite:/// or "
                            f"postgresql:// URL, not {url.split('://')[0]}://...")
        return cls(course_id, url)

