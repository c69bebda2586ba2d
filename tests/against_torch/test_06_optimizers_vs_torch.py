"""Module 06 against live torch.optim: the recording the package tests use is what torch computes,
and the exported optimizers equal torch.optim on every variant (float64, 300 steps)."""

import numpy as np
import pytest

import optimizer_cases as cases
import record_torch_06
from test_06_optimizers import run_ours


@pytest.fixture(scope="module")
def fresh():
    return record_torch_06.record()


def test_recording_is_what_torch_computes_today(fresh):
    committed = cases.load_recording()
    assert set(committed) == set(fresh), "run tests/package/record_torch_06.py: the cases changed"
    for name, array in fresh.items():
        if array.dtype.kind == "f":
            tolerance = 1e-6 if array.dtype == np.float32 else 1e-13
            np.testing.assert_allclose(committed[name], array, rtol=tolerance, atol=tolerance, err_msg=name)
        elif name != "torch_version":
            np.testing.assert_array_equal(committed[name], array, err_msg=name)


@pytest.mark.parametrize("kind,name,settings", cases.VARIANTS, ids=[f"{k}-{n}" for k, n, _ in cases.VARIANTS])
def test_exported_optimizers_equal_live_torch_in_float64(kind, name, settings):
    ours = run_ours(kind, settings, np.float64, cases.FLOAT64_STEPS)
    theirs = record_torch_06.torch_run(kind, settings, np.float64, cases.FLOAT64_STEPS)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-11, atol=1e-13)
