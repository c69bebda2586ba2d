"""``probe``: how a hidden check hands the result of a student's code to the grader.

An author writes, in the hidden section of a graded test cell::

    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    probe("sgd-momentum-trajectory", run_sgd(momentum=0.9, steps=40), rtol=1e-10)
    ### END HIDDEN TESTS

A probe does not compare anything in the student's kernel. In the grading
sandbox it publishes the value as plain data (a ``display_data`` output of
type ``application/vnd.tito.probe+json``: JSON, arrays as dtype, shape and
base64 bytes; never pickle). `tito grade generate` runs the instructor's
notebook through the same sandbox and keeps what its probes reported as the
expectations, outside every student kernel; `tito grade autograde` compares
the submission's probes with them in tito's own process (tito/grading/judge.py).

Anywhere else (plain ``nbgrader autograde``, the instructor's notebook in
JupyterLab) ``probe`` compares in the kernel against the recorded expectations
file when it can find one, and raises ``AssertionError`` on a mismatch: the
in-process, less trusted path (docs/grading.md).

This module needs only the standard library and NumPy: the sandbox mounts it
alone, without the rest of tito.
"""
from __future__ import annotations

import base64
import json
import math
import os
from pathlib import Path

import numpy as np

MIME = "application/vnd.tito.probe+json"
DEFAULT_RTOL, DEFAULT_ATOL = 1e-5, 1e-8
ARRAY_KINDS = "biufc"   # bool, integers, floats, complex: no object or string arrays
EXPECTED_ENV = "TITO_EXPECTED"

# "emit" in the grading sandbox (set by tito/grading/kernel/boot.py); None: compare in process.
MODE: str | None = None


class ProbeFormatError(ValueError):
    """A probe payload that is not what ``encode`` writes."""


class Unencodable:
    """Stands for a value ``encode`` cannot carry; it matches nothing."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unencodable {self.type_name}>"


# ---------------------------------------------------------------- data-only encoding

def encode(value):
    """``value`` as JSON-able data: None, bool, int, float, str, arrays, and lists, tuples
    and str-keyed dicts of those. Anything else becomes ``{"unencodable": type name}``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in ARRAY_KINDS:
            return {"unencodable": f"array of {array.dtype}"}
        array = array.copy(order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
        return {"array": {"dtype": array.dtype.str, "shape": list(array.shape),
                          "data": base64.b64encode(array.tobytes()).decode("ascii")}}
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": [[k, encode(v)] for k, v in value.items()]}
    return {"unencodable": type(value).__name__}


def decode(data, depth: int = 0):
    """The value ``encode`` wrote; ``ProbeFormatError`` for anything else (data from a
    submission's kernel is untrusted: no object arrays, sizes checked)."""
    if depth > 32:
        raise ProbeFormatError("nested too deeply")
    if data is None or isinstance(data, (bool, str)):
        return data
    if isinstance(data, float):
        return data
    if not isinstance(data, dict) or len(data) != 1:
        raise ProbeFormatError(f"not a probe value: {type(data).__name__}")
    (tag, body), = data.items()
    if tag == "int" and isinstance(body, str) and len(body) < 400:
        try:
            return int(body)
        except ValueError:
            raise ProbeFormatError("bad int") from None
    if tag == "float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "list" and isinstance(body, list):
        return [decode(v, depth + 1) for v in body]
    if tag == "dict" and isinstance(body, list):
        pairs = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)) or pair[0] in pairs:
                raise ProbeFormatError("bad dict entry")
            pairs[pair[0]] = decode(pair[1], depth + 1)
        return pairs
    if tag == "array" and isinstance(body, dict):
        return _decode_array(body)
    if tag == "unencodable" and isinstance(body, str):
        return Unencodable(body[:100])
    raise ProbeFormatError(f"unknown probe value tag {tag!r}")


def _decode_array(body: dict) -> np.ndarray:
    try:
        dtype = np.dtype(body["dtype"]) if isinstance(body["dtype"], str) else None
        shape = tuple(body["shape"])
        raw = base64.b64decode(body["data"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise ProbeFormatError("bad array") from None
    if dtype is None or dtype.kind not in ARRAY_KINDS or dtype.fields is not None:
        raise ProbeFormatError("array of a type probes do not carry")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape) or len(shape) > 32:
        raise ProbeFormatError("bad array shape")
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise ProbeFormatError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


# ---------------------------------------------------------------- comparison

def _numeric(value) -> bool:
    return isinstance(value, (int, float, np.ndarray, np.generic))


def matches(expected, got, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
            same_dtype: bool = False) -> bool:
    """Whether decoded ``got`` is the reference's decoded ``expected``.

    Strings, None and booleans exactly; numbers and arrays by shape (and
    dtype, with ``same_dtype``), then ``np.allclose(got, expected, rtol, atol,
    equal_nan=True)`` (booleans exactly); lists (and tuples) and dicts element
    by element.
    """
    if isinstance(expected, Unencodable) or isinstance(got, Unencodable):
        return False
    if expected is None or isinstance(expected, str):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, list):
        return (isinstance(got, (list, tuple)) and len(got) == len(expected)
                and all(matches(e, g, rtol, atol, same_dtype) for e, g in zip(expected, got)))
    if isinstance(expected, dict):
        return (isinstance(got, dict) and got.keys() == expected.keys()
                and all(matches(expected[k], got[k], rtol, atol, same_dtype) for k in expected))
    if not (_numeric(expected) and _numeric(got)):
        return False
    if type(expected) is int and type(got) is int:  # exactly, however large
        return expected == got
    want, have = np.asarray(expected), np.asarray(got)
    if want.shape != have.shape or (same_dtype and want.dtype != have.dtype):
        return False
    if want.dtype.kind == "b" or have.dtype.kind == "b":
        return want.dtype.kind == have.dtype.kind and bool(np.array_equal(want, have))
    try:
        return bool(np.allclose(have, want, rtol=rtol, atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return False


def error_of(action) -> str | None:
    """The name of the exception ``action()`` raises, or None: a probe-able outcome of an error check."""
    try:
        action()
    except Exception as err:  # noqa: BLE001 - which exception is the result being probed
        return type(err).__name__
    return None


# ---------------------------------------------------------------- the probe itself

def payload(name: str, value, rtol: float, atol: float, same_dtype: bool) -> dict:
    return {"name": name, "value": encode(value), "rtol": rtol, "atol": atol, "same_dtype": same_dtype}


def probe(name: str, value, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
          same_dtype: bool = False) -> None:
    """Hand ``value`` (a result of the student's code on given inputs) to the grader as ``name``.

    ``rtol`` / ``atol``: how close a numeric result must be to the
    reference's; ``same_dtype``: arrays must also have the reference's dtype.
    The grader takes all three from the instructor's notebook, never from the
    submission.
    """
    if not isinstance(name, str) or not name:
        raise TypeError("probe(name, value): name must be a non-empty string")
    if MODE == "emit":
        from IPython.display import publish_display_data

        publish_display_data({MIME: json.dumps(payload(name, value, float(rtol), float(atol), bool(same_dtype)))})
        return
    _check_in_process(name, value)


_expected_cache: dict[str, dict] = {}
_warned = []


def expectations_file(start: Path | None = None) -> Path | None:
    """``$TITO_EXPECTED``, else the course's recorded expectations of the module the kernel
    runs in (``autograded/<student>/<module>/`` or ``source/<module>/``), if any."""
    if os.environ.get(EXPECTED_ENV):
        return Path(os.environ[EXPECTED_ENV])
    here = (start or Path.cwd()).resolve()
    for root in [here, *here.parents]:
        if (root / "nbgrader_config.py").is_file():
            candidate = root / "autograded" / ".tito" / "expected" / f"{here.name}.json"
            return candidate if candidate.is_file() else None
    return None


def _expected_by_name(path: Path) -> dict:
    key = str(path)
    if key not in _expected_cache:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        _expected_cache[key] = {p["name"]: p for cells in recorded["notebooks"].values()
                                for probes in cells.values() for p in probes}
    return _expected_cache[key]


def _check_in_process(name: str, value) -> None:
    path = expectations_file()
    if path is None:
        if not _warned:  # on stdout: nbgrader scores a cell with any stderr output 0
            _warned.append(True)
            print("tito probes: no recorded expectations here (run `tito grade generate`); "
                  "hidden checks are not compared")
        return
    expected = _expected_by_name(path).get(name)
    if expected is None:
        raise AssertionError(f"hidden check {name!r} has no recorded expectation: "
                             "run `tito grade generate` again")
    got = decode(json.loads(json.dumps(encode(value))))
    if not matches(decode(expected["value"]), got, expected["rtol"], expected["atol"],
                   expected.get("same_dtype", False)):
        raise AssertionError(f"hidden check {name!r} does not match the reference result")
