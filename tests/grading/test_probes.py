"""Probes and the judge as data: what a kernel may report, and how it is judged (no kernel needed)."""
from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from tito.grading import judge
from tito.probes import MIME, ProbeFormatError, Unencodable, decode, encode, matches


def roundtrip(value):
    return decode(json.loads(json.dumps(encode(value))))


@pytest.mark.parametrize("value", [
    None, True, 3, 2.5, float("nan"), float("-inf"), "ValueError", 10**30,
    np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int32), np.float32(1.5), np.array(True),
    [np.ones(2), (1, "a")], {"plain": np.zeros((2, 0)), "loss": 0.25},
])
def test_values_survive_the_data_only_encoding(value):
    assert matches(roundtrip(value), value, rtol=0, atol=0, same_dtype=True)


def test_arrays_keep_dtype_and_bytes():
    array = np.array([[1.0, -2.5]], dtype=np.float32)
    back = roundtrip(array)
    assert back.dtype == np.float32 and back.shape == (1, 2) and np.array_equal(back, array)


def test_what_probes_cannot_carry_matches_nothing():
    assert isinstance(roundtrip(object()), Unencodable)
    assert isinstance(roundtrip(np.array(["a"], dtype=object)), Unencodable)
    assert not matches(roundtrip(object()), roundtrip(object()))


@pytest.mark.parametrize("payload", [
    {"array": {"dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}},          # object array
    {"array": {"dtype": "<f8", "shape": [4], "data": "AAAAAAAAAAA="}},         # fewer bytes than shape
    {"array": {"dtype": "<f8", "shape": [-1], "data": ""}},
    {"pickle": "gASVAAAAAAAAAAB9lC4="}, 7, {"list": "x"}, {"dict": [[1, 2]]},
])
def test_malformed_payloads_are_refused(payload):
    with pytest.raises(ProbeFormatError):
        decode(payload)


def test_matching_uses_the_given_tolerance_shape_and_dtype():
    want = np.array([1.0, 2.0])
    assert matches(want, want * (1 + 1e-11), rtol=1e-10, atol=0)
    assert not matches(want, want * (1 + 1e-9), rtol=1e-10, atol=0)
    assert not matches(want, want.reshape(2, 1))
    assert not matches(want, want.astype(np.float32), same_dtype=True)
    assert matches(want, want.astype(np.float32))
    assert not matches("ValueError", "TypeError") and not matches(None, 0.0)
    assert not matches(np.array([True]), np.array([1.0]))
    assert not matches([1.0, 2.0], [1.0]) and not matches({"a": 1.0}, {"b": 1.0})


def probe_output(name, value):
    return nbformat.v4.new_output("display_data", data={MIME: json.dumps({"name": name, "value": encode(value)})})


def graded_cell(*outputs, error=False):
    cell = nbformat.v4.new_code_cell("test()", execution_count=1)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test-x", "locked": True, "points": 3}
    cell.outputs = list(outputs)
    if error:
        cell.outputs.append(nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[]))
    return cell


EXPECTED = [{"name": "a", "value": encode(np.array([1.0, 2.0])), "rtol": 1e-10, "atol": 0.0},
            {"name": "b", "value": encode("ValueError"), "rtol": 0.0, "atol": 0.0}]


@pytest.mark.parametrize("outputs, error, passed, tampering, why", [
    ([probe_output("a", np.array([1.0, 2.0])), probe_output("b", "ValueError")], False, True, False, ""),
    ([probe_output("a", np.array([1.0, 2.0])), probe_output("b", "ValueError")], True, False, False, "raised"),
    ([probe_output("a", np.array([1.0, 2.1])), probe_output("b", "ValueError")], False, False, False, "'a' failed"),
    ([probe_output("a", np.array([1.0, 2.0]))], False, False, True, "'b' missing"),
    ([probe_output("a", np.array([1.0, 2.0]))] * 2 + [probe_output("b", "ValueError")], False, False, True,
     "reported 2 times"),
    ([probe_output("a", np.array([1.0, 2.0])), probe_output("b", "ValueError"), probe_output("c", 1.0)],
     False, False, True, "unexpected probe 'c'"),
    ([nbformat.v4.new_output("display_data", data={MIME: "{not json"}), probe_output("a", np.array([1.0, 2.0])),
      probe_output("b", "ValueError")], False, False, True, "malformed"),
])
def test_judge_gives_points_only_for_every_probe_once_and_right(outputs, error, passed, tampering, why):
    verdict = judge.judge_cell("nb", "test-x", graded_cell(*outputs, error=error), EXPECTED)
    assert (verdict.passed, verdict.tampering) == (passed, tampering), verdict
    assert why in verdict.reason


def test_tolerance_comes_from_the_reference_not_the_kernel():
    forged = nbformat.v4.new_output("display_data", data={MIME: json.dumps(
        {"name": "a", "value": encode(np.array([1.0, 3.0])), "rtol": 1e9, "atol": 1e9})})
    verdict = judge.judge_cell("nb", "test-x", graded_cell(forged, probe_output("b", "ValueError")), EXPECTED)
    assert not verdict.passed


def test_apply_sets_scores_and_lists_disputes():
    scores = {"nb": {"test-x": 3.0, "test-y": 0.0, "test-z": 0.0, "test-w": 4.0}}
    verdicts = [judge.Verdict("nb", "test-x", True, False, "probe 'b' missing", True),
                judge.Verdict("nb", "test-y", False, False, "the cell raised an error"),
                judge.Verdict("nb", "test-z", True, True),    # nbgrader gave 0 (stderr output): stays 0
                judge.Verdict("nb", "test-w", True, True)]
    disputes = judge.apply(scores, {"nb": {"test-x": 3.0, "test-y": 2.0, "test-z": 1.0, "test-w": 4.0}}, verdicts)
    assert scores == {"nb": {"test-x": 0.0, "test-y": 0.0, "test-z": 0.0, "test-w": 4.0}}
    assert disputes == ["test-x: kernel passed it, judge did not (tampering evidence: probe 'b' missing)"]
