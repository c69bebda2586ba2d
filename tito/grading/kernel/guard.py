"""Runs inside the grading kernel: graded checks compare with pristine functions.

A submission runs in the same Python process as the tests that grade it, so
it could replace what those tests compare with (``np.allclose = lambda *a, **k:
True``) and buy points. The guard, installed by ``boot.py`` before the first
cell runs, keeps the trusted modules (numpy and its submodules, math, cmath,
operator, builtins) as they were at start-up:

- their modules refuse ``setattr``/``delattr`` of a name they had at
  start-up, so a replacement made while a test is running (from inside a
  function the test calls) fails with an AttributeError;
- before every cell, every name of a trusted module that differs from its
  start-up value (changed through ``vars(module)`` or
  ``ModuleType.__setattr__``) is put back, and so is every trusted module in
  ``sys.modules``;
- before every graded cell (recognised by the SHA-256 of its source, which
  nbgrader has restored from the gradebook), names of the notebook's namespace
  that were bound to a trusted module (``np``, ``math``) are bound to it again,
  names shadowing a builtin the tests use (``abs``, ``isinstance``, ...)
  are removed, and every name an earlier graded cell defined (the
  ``test_unit_...`` functions a module test calls, helpers) is bound again to
  what that graded cell defined.

Each repair is printed on stderr as ``tito guard: restored NAME``, so it shows
in the autograded notebook and in tito's summary. Code running in the kernel
can still dismantle the guard itself; the guard stops patching, not a
determined attack on the grader's process (docs/grading.md).
"""
from __future__ import annotations

import builtins
import hashlib
import sys
import types

TRUSTED = ("numpy", "math", "cmath", "operator", "builtins")
# Builtins graded checks use; a notebook-level name shadowing one is removed before a graded cell.
CHECK_BUILTINS = (
    "abs", "all", "any", "bool", "float", "int", "isinstance", "issubclass", "len", "list",
    "max", "min", "print", "range", "repr", "round", "sorted", "str", "sum", "tuple", "type",
    "zip", "AssertionError", "Exception", "NotImplementedError", "TypeError", "ValueError",
)

_pristine: dict[str, dict[str, object]] = {}
_MISSING = object()


class GuardedModule(types.ModuleType):
    """A trusted module: names it had at start-up cannot be rebound or deleted."""

    def __setattr__(self, name, value):
        kept = _pristine.get(self.__name__, {})
        if name in kept and kept[name] is not value:
            raise AttributeError(f"tito grading: {self.__name__}.{name} cannot be replaced while grading")
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if name in _pristine.get(self.__name__, {}):
            raise AttributeError(f"tito grading: {self.__name__}.{name} cannot be deleted while grading")
        super().__delattr__(name)


def _is_trusted(name: str) -> bool:
    return name in TRUSTED or name.startswith("numpy.")


def _snapshot(module: types.ModuleType) -> dict[str, object]:
    names = vars(module)
    if module is builtins:  # ipykernel itself swaps builtins.input per request: keep to the checks' names
        return {k: names[k] for k in CHECK_BUILTINS if k in names}
    return {k: v for k, v in names.items()
            if callable(v) or isinstance(v, types.ModuleType) or k == "__all__"}


class Guard:
    """Snapshot of the trusted modules and the repairs made before each cell."""

    def __init__(self, shell, graded_sources: set[str]):
        import cmath, math, operator  # noqa: E401,F401 - loaded so that they are snapshotted
        import numpy, numpy.testing  # noqa: E401,F401

        self.shell = shell
        self.graded_sources = graded_sources
        self.modules = {name: mod for name, mod in list(sys.modules.items())
                        if _is_trusted(name) and isinstance(mod, types.ModuleType)}
        for name, module in self.modules.items():
            _pristine[name] = _snapshot(module)
            self._lock(module)
        self.bindings: dict[str, types.ModuleType] = {}
        self.trusted_ids = {id(m) for m in self.modules.values()}
        self.test_names: dict[str, object] = {}  # what graded cells defined, for later graded cells
        self._before_graded: dict[str, int] | None = None

    @staticmethod
    def _lock(module: types.ModuleType) -> None:
        if type(module) is types.ModuleType:
            module.__class__ = GuardedModule

    def restore_modules(self) -> list[str]:
        repaired = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                repaired.append(f"sys.modules[{name!r}]")
            if type(module) is not GuardedModule:
                object.__setattr__(module, "__class__", GuardedModule)
                repaired.append(f"{name} (module type)")
            current = vars(module)
            for key, value in _pristine[name].items():
                if current.get(key, _MISSING) is not value:
                    current[key] = value
                    repaired.append(f"{name}.{key}")
        return repaired

    def restore_namespace(self) -> list[str]:
        repaired = []
        user_ns = self.shell.user_ns
        if user_ns.get("__builtins__") is not builtins:
            user_ns["__builtins__"] = builtins
            repaired.append("__builtins__")
        for key, module in self.bindings.items():
            if user_ns.get(key) is not module:
                user_ns[key] = module
                repaired.append(key)
        for key in CHECK_BUILTINS:
            if key in user_ns and user_ns[key] is not _pristine["builtins"].get(key):
                del user_ns[key]
                repaired.append(f"{key} (shadowed builtin)")
        for key, value in self.test_names.items():
            if user_ns.get(key, _MISSING) is not value:
                user_ns[key] = value
                repaired.append(f"{key} (defined by a graded cell)")
        return repaired

    def pre_run_cell(self, info) -> None:
        repaired = self.restore_modules()
        source = getattr(info, "raw_cell", "") or ""
        if hashlib.sha256(source.encode("utf-8")).hexdigest() in self.graded_sources:
            repaired += self.restore_namespace()
            self._before_graded = {k: id(v) for k, v in self.shell.user_ns.items()}
        for name in repaired:
            print(f"tito guard: restored {name}", file=sys.stderr)

    def post_run_cell(self, result) -> None:
        for key, value in list(self.shell.user_ns.items()):
            if isinstance(value, types.ModuleType) and id(value) in self.trusted_ids:
                self.bindings[key] = value
        if self._before_graded is not None:
            hidden = self.shell.user_ns_hidden  # IPython's own names: In, Out, _, _i1, ...
            for key, value in list(self.shell.user_ns.items()):
                if (key not in hidden and not key.startswith("_")
                        and self._before_graded.get(key) != id(value)):
                    self.test_names[key] = value
            self._before_graded = None


def install(shell, graded_sources: set[str]) -> Guard:
    guard = Guard(shell, graded_sources)
    shell.events.register("pre_run_cell", guard.pre_run_cell)
    shell.events.register("post_run_cell", guard.post_run_cell)
    return guard
