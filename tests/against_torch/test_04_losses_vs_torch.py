"""The comparisons of test_04_losses.py with live torch (course suite only: `tito module complete` does not run
this folder, so students need no torch)."""

from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor
import numpy as np
import pytest
import torch

from test_04_losses import _require_autograd, _rng


def test_mse_agrees_with_torch():
    p, t = _rng(2).normal(size=(5, 2)), _rng(3).normal(size=(5, 2))
    want = torch.nn.functional.mse_loss(torch.from_numpy(p), torch.from_numpy(t)).item()
    np.testing.assert_allclose(MSELoss()(p, t).item(), want, rtol=1e-14)


def test_cross_entropy_agrees_with_torch_including_huge_logits():
    y = np.array([2, 0, 1])
    for scale in (1.0, 1e3, 1e4):
        z = _rng(5).normal(size=(3, 5)) * scale
        want = torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = CrossEntropyLoss()(Tensor(z), y).item()
        assert np.isfinite(got)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_bce_agrees_with_torch_including_the_clamped_edges():
    p = np.array([0.0, 1.0, 1.0, 0.0, 1e-300, 0.3, 0.999999])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.6, 0.0])
    want = torch.nn.functional.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(t)).item()
    with np.errstate(over="raise", invalid="raise"):
        got = BinaryCrossEntropyLoss()(Tensor(p), Tensor(t)).item()
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_cross_entropy_gradient_agrees_with_torch(scale):
    _require_autograd()
    z, y = _rng(12).normal(size=(5, 3)) * scale, np.array([0, 2, 1, 1, 0])
    logits = Tensor(z.copy(), requires_grad=True)
    CrossEntropyLoss()(logits, y).backward()
    reference = torch.from_numpy(z.copy()).requires_grad_()
    torch.nn.functional.cross_entropy(reference, torch.from_numpy(y)).backward()
    assert np.all(np.isfinite(logits.grad.data))
    np.testing.assert_allclose(logits.grad.data, reference.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_mse_and_bce_gradients_agree_with_torch():
    _require_autograd()
    p, t = _rng(13).uniform(0.05, 0.95, size=(4, 3)), _rng(14).uniform(size=(4, 3))
    for ours, theirs in [(MSELoss(), torch.nn.functional.mse_loss),
                         (BinaryCrossEntropyLoss(), torch.nn.functional.binary_cross_entropy)]:
        prediction = Tensor(p.copy(), requires_grad=True)
        ours(prediction, t).backward()
        reference = torch.from_numpy(p.copy()).requires_grad_()
        theirs(reference, torch.from_numpy(t)).backward()
        np.testing.assert_allclose(prediction.grad.data, reference.grad.numpy(), rtol=1e-12)


def test_bce_gradient_stays_finite_at_the_edges():
    _require_autograd()
    p, t = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    prediction = Tensor(p.copy(), requires_grad=True)
    BinaryCrossEntropyLoss()(prediction, t).backward()
    reference = torch.from_numpy(p.copy()).requires_grad_()
    torch.nn.functional.binary_cross_entropy(reference, torch.from_numpy(t)).backward()
    assert np.all(np.isfinite(prediction.grad.data))
    # torch stores its 1e-12 floor as a float32 constant, hence agreement to ~4e-9 only at the edges.
    np.testing.assert_allclose(prediction.grad.data, reference.grad.numpy(), rtol=1e-8)
