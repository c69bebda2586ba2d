"""Module 07 against live torch 2.13: the numbers test_07_training.py compares with were recorded
from torch and are still what torch computes, and tinytorch's schedules are torch's to the bit
(course suite only: `tito module complete` does not run this folder, so students need no torch)."""
import warnings

import numpy as np
import pytest
import torch

import record_torch_07 as record
import training_cases as cases
import training_reference as recorded
from tinytorch.core import training
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor


def test_recorded_schedules_are_what_torch_computes():
    assert record.torch_schedules() == recorded.SCHEDULES


# Schedules are Python float arithmetic, equal everywhere; torch's float64 kernels may round
# differently on another CPU, so the tensor results are compared to within round-off.
def test_recorded_clipping_is_what_torch_computes():
    for live, saved in zip(record.torch_clips(), recorded.CLIPS, strict=True):
        assert live["total"] == pytest.approx(saved["total"], rel=1e-13)
        for a, b in zip(live["grads"], saved["grads"], strict=True):
            assert (a is None and b is None) or np.allclose(a, b, rtol=1e-13, atol=0)


def test_recorded_trainer_run_is_what_a_torch_loop_computes():
    live = record.torch_trainer_run()
    np.testing.assert_allclose(live["train_loss"], recorded.TRAINER["train_loss"], rtol=1e-12)
    for a, b in zip(live["params"], recorded.TRAINER["params"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("name", list(cases.SCHEDULES))
def test_schedules_and_last_lr_are_bit_identical_to_torch(name):
    params = [Tensor(np.zeros(2, dtype=np.float32), requires_grad=True) for _ in cases.GROUP_LRS]
    ours_opt = SGD([{"params": [p], "lr": lr} for p, lr in zip(params, cases.GROUP_LRS)])
    theirs_opt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                                  for lr in cases.GROUP_LRS])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = cases.SCHEDULES[name](training, ours_opt)
        theirs = cases.SCHEDULES[name](torch.optim.lr_scheduler, theirs_opt)
        for epoch in range(cases.EPOCHS + 1):
            assert [g["lr"] for g in ours_opt.param_groups] == [g["lr"] for g in theirs_opt.param_groups], epoch
            assert ours.get_last_lr() == theirs.get_last_lr(), epoch
            assert ours.last_epoch == theirs.last_epoch
            theirs_opt.step()
            ours.step()
            theirs.step()
