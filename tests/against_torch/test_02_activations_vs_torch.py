"""The comparisons of test_02_activations.py with live torch (course suite only: `tito module complete` does not run
this folder, so students need no torch)."""

from tinytorch.core.tensor import Tensor
import numpy as np
import pytest
import torch

from test_02_activations import REFERENCES, _input_gradient, _sample


@pytest.mark.parametrize("name", REFERENCES)
def test_forward_agrees_with_torch(name):
    modules = {"relu": torch.nn.ReLU(), "sigmoid": torch.nn.Sigmoid(), "tanh": torch.nn.Tanh(),
               "softmax": torch.nn.Softmax(dim=-1), "gelu": torch.nn.GELU(),
               "gelu_tanh": torch.nn.GELU(approximate="tanh")}
    make, _ = REFERENCES[name]
    x = _sample(shape=(4, 6), scale=4.0)
    want = modules[name](torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(make()(Tensor(x)).data, want, rtol=1e-13, atol=1e-15)


TORCH_FUNCTIONS = {
    "relu": lambda torch, t: torch.relu(t),
    "sigmoid": lambda torch, t: torch.sigmoid(t),
    "tanh": lambda torch, t: torch.tanh(t),
    "softmax": lambda torch, t: torch.softmax(t, dim=-1),
    "gelu": lambda torch, t: torch.nn.functional.gelu(t),
    "gelu_tanh": lambda torch, t: torch.nn.functional.gelu(t, approximate="tanh"),
}


@pytest.mark.parametrize("name, scale", [(name, 3.0) for name in REFERENCES] + [("softmax", 1000.0)])
def test_gradient_agrees_with_torch(name, scale):
    make, _ = REFERENCES[name]
    x, upstream = _sample(seed=3, scale=scale), _sample(seed=4)
    grad = _input_gradient(make, x, upstream)
    reference = torch.from_numpy(x.copy()).requires_grad_()
    TORCH_FUNCTIONS[name](torch, reference).backward(torch.from_numpy(upstream))
    assert grad.dtype == np.float64 and np.all(np.isfinite(grad.data))
    np.testing.assert_allclose(grad.data, reference.grad.numpy(), rtol=1e-12, atol=1e-14)
