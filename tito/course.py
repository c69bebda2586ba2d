"""Where things live: the course root, its modules, and the paths derived from them."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tito.errors import TitoError

MODULE_DIR = re.compile(r"^(\d\d)_([a-z][a-z0-9_]*)$")
DEFAULT_EXP = re.compile(r"^#\|\s*default_exp\s+(\S+)\s*$", re.MULTILINE)


def find_module(query: str, modules: list, where: str):
    """The module of ``modules`` that ``query`` names: ``06``, ``6``, ``06_optimizers`` or
    ``optimizers`` (a path to the module's folder works too)."""
    query = Path(str(query).strip().rstrip("/")).name
    for module in modules:
        if query in (module.name, module.name[3:]) or (query.isdigit() and int(query) == int(module.name[:2])):
            return module
    known = ", ".join(m.name for m in modules) or "none"
    raise TitoError(f"no module '{query}' in {where} (modules: {known})")


@dataclass(frozen=True)
class Module:
    """One course module, named like its folder: ``06_optimizers``."""

    root: Path
    name: str

    @property
    def number(self) -> int:
        return int(self.name[:2])

    @property
    def short(self) -> str:
        return self.name[3:]

    @property
    def notebook_name(self) -> str:
        return f"{self.short}_dev.ipynb"

    @property
    def dev_py(self) -> Path:
        return self.root / "modules" / self.name / f"{self.short}_dev.py"

    def source_nb(self, root: Path | None = None) -> Path:
        return (root or self.root) / "source" / self.name / self.notebook_name

    def release_nb(self, root: Path | None = None) -> Path:
        return (root or self.root) / "release" / self.name / self.notebook_name

    @property
    def export_name(self) -> str | None:
        """The dotted module the ``#| default_exp`` line names, e.g. ``core.optimizers``."""
        match = DEFAULT_EXP.search(self.dev_py.read_text(encoding="utf-8"))
        return match.group(1) if match else None

    def package_file(self, lib: Path) -> Path | None:
        """Where this module's exported code lands inside the package folder ``lib``."""
        name = self.export_name
        return lib.joinpath(*name.split(".")).with_suffix(".py") if name else None


class Course:
    """A course checkout: the folder holding ``modules/`` and ``nbgrader_config.py``."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    @classmethod
    def find(cls, start: Path | None = None) -> "Course":
        """The course containing ``start`` (default: $TITO_COURSE, else the current folder)."""
        here = Path(start or os.environ.get("TITO_COURSE") or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "modules").is_dir() and (folder / "nbgrader_config.py").is_file():
                return cls(folder)
        raise TitoError(
            f"no TinyTorch course found at or above {here}: run tito inside the course "
            "checkout (the folder with modules/ and nbgrader_config.py) or set TITO_COURSE"
        )

    def modules(self) -> list[Module]:
        folders = sorted(p.name for p in (self.root / "modules").iterdir() if MODULE_DIR.match(p.name))
        return [Module(self.root, name) for name in folders]

    def module(self, query: str) -> Module:
        """Accepts ``06``, ``6``, ``06_optimizers`` or ``optimizers``."""
        return find_module(query, self.modules(), str(self.root / "modules"))

    def modules_before(self, module: Module) -> list[Module]:
        return [m for m in self.modules() if m.number < module.number]
