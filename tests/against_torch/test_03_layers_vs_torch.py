"""The comparisons of test_03_layers.py with live torch (course suite only: `tito module complete` does not run
this folder, so students need no torch)."""

from tinytorch.core.layers import Dropout, Layer, Linear, Sequential
from tinytorch.core.tensor import Tensor
import numpy as np
import pytest
import torch

from test_03_layers import _require_autograd


def test_linear_forward_agrees_with_torch():
    layer = Linear(6, 4)
    x = np.random.default_rng(1).normal(size=(3, 2, 6)).astype(np.float32)
    want = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(layer.weight.data.T.copy()),
                                      torch.from_numpy(layer.bias.data))
    y = layer(Tensor(x))
    assert y.shape == (3, 2, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y.data, want.numpy(), rtol=1e-5, atol=1e-6)


def test_linear_gradients_agree_with_torch():
    _require_autograd()
    layer = Linear(5, 3)
    x = np.random.default_rng(3).normal(size=(7, 5)).astype(np.float32)
    upstream = np.random.default_rng(4).normal(size=(7, 3)).astype(np.float32)
    layer(Tensor(x)).backward(upstream)

    w = torch.from_numpy(layer.weight.data.T.copy()).requires_grad_()
    b = torch.from_numpy(layer.bias.data.copy()).requires_grad_()
    torch.nn.functional.linear(torch.from_numpy(x), w, b).backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(layer.weight.grad.data, w.grad.numpy().T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.data, b.grad.numpy(), rtol=1e-5, atol=1e-6)
