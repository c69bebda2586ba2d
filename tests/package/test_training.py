"""End to end: modules 01-05 train a small network with plain gradient descent."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import MSELoss
from tinytorch.core.tensor import Tensor


def test_gradient_descent_fits_a_smooth_function():
    pytest.importorskip("tinytorch.core.autograd", reason="backward() needs module 05 (tinytorch.core.autograd)")
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-2, 2, size=(128, 2)).astype(np.float32)
    targets = (np.sin(inputs[:, :1]) + 0.5 * inputs[:, 1:] ** 2).astype(np.float32)

    np.random.seed(0)
    model = Sequential(Linear(2, 32), ReLU(), Linear(32, 1))
    loss_fn = MSELoss()
    learning_rate = 0.1

    losses = []
    for _ in range(500):
        loss = loss_fn(model(Tensor(inputs)), Tensor(targets))
        loss.backward()
        for param in model.parameters():
            assert param.grad is not None and param.grad.shape == param.shape
            param.data -= learning_rate * param.grad.data
            param.grad = None
        losses.append(loss.item())

    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0] / 10, f"loss only fell from {losses[0]:.4f} to {losses[-1]:.4f}"
    assert model.parameters()[0].dtype == np.float32
