"""The comparisons of test_05_autograd.py with live torch (course suite only: `tito module complete` does not run
this folder, so students need no torch)."""

from tinytorch.core.tensor import Tensor
import numpy as np
import pytest
import torch

from test_05_autograd import rng


def test_max_splits_ties_equally_like_torch_amax():
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for kwargs, torch_fn in [({}, lambda t: t.amax()), ({"axis": 1}, lambda t: t.amax(dim=1)),
                             ({"axis": 0, "keepdims": True}, lambda t: t.amax(dim=0, keepdim=True))]:
        x = Tensor(data, requires_grad=True)
        out = x.max(**kwargs)
        upstream = np.arange(1.0, out.size + 1).reshape(out.shape)
        out.backward(upstream)
        reference = torch.tensor(data, requires_grad=True)
        torch_fn(reference).backward(torch.tensor(upstream))
        np.testing.assert_allclose(x.grad.data, reference.grad.numpy())


def compare_with_torch(fn, arrays, rtol=1e-7, atol=1e-9, upstream_seed=0):
    """Run `fn` on tinytorch leaves and on torch leaves; compare outputs and gradients."""
    ours = [Tensor(np.array(a), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a), requires_grad=True) for a in arrays]
    out, reference = fn(ours, "tt"), fn(theirs, "torch")
    np.testing.assert_allclose(out.data, reference.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(upstream_seed).normal(size=out.shape).astype(out.dtype)
    out.backward(upstream)
    reference.backward(torch.tensor(upstream))
    for index, (mine, theirs_leaf) in enumerate(zip(ours, theirs)):
        assert mine.grad.dtype == mine.dtype
        np.testing.assert_allclose(mine.grad.data, theirs_leaf.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {index}")


def test_broadcasting_composite_against_torch():
    def fn(t, lib):
        x, bias, column, scale = t
        y = (x * bias + column) / (scale ** 2 + 1.0)
        return (y.exp() - 2.0 * y).mean(axis=0) if lib == "tt" else (y.exp() - 2.0 * y).mean(dim=0)
    compare_with_torch(fn, [rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(3, 1)),
                            rng.normal(size=())])


def test_diamond_and_reuse_against_torch():
    def fn(t, lib):
        (a,) = t
        b, c = a * 2.0, a ** 2
        d = b * c + b / c.exp()
        return (d @ a.T).sum() if lib == "tt" else (d @ a.T).sum()
    compare_with_torch(fn, [rng.normal(size=(3, 3))])


def test_shape_ops_and_reductions_against_torch():
    def fn(t, lib):
        (x,) = t
        y = x.reshape(4, 6).transpose(0, 1)[1:5] if lib == "tt" else x.reshape(4, 6).transpose(0, 1)[1:5]
        peak = y.max(axis=1, keepdims=True) if lib == "tt" else y.amax(dim=1, keepdim=True)
        total = (y - peak).sum(axis=0) if lib == "tt" else (y - peak).sum(dim=0)
        return total * 1.5
    compare_with_torch(fn, [rng.normal(size=(2, 3, 4))])


def test_softmax_and_cross_entropy_with_huge_logits_against_torch():
    activations = pytest.importorskip("tinytorch.core.activations")
    losses = pytest.importorskip("tinytorch.core.losses")
    logits = np.array([[3000.0, -2000.0, 0.0, 1000.0], [-1500.0, 1500.0, 1499.0, 0.0]])
    labels = np.array([3, 2])

    def softmax_fn(t, lib):
        return activations.Softmax()(t[0]) if lib == "tt" else torch.softmax(t[0], dim=-1)
    compare_with_torch(softmax_fn, [logits])

    def ce_fn(t, lib):
        if lib == "tt":
            return losses.CrossEntropyLoss()(t[0], labels)
        return torch.nn.functional.cross_entropy(t[0], torch.tensor(labels))
    compare_with_torch(ce_fn, [logits])


ACTIVATIONS = ["ReLU", "Sigmoid", "Tanh", "GELU-none", "GELU-tanh", "Softmax"]


TORCH_ACTIVATIONS = {"ReLU": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
                     "GELU-none": torch.nn.GELU(), "GELU-tanh": torch.nn.GELU(approximate="tanh"),
                     "Softmax": lambda x: torch.softmax(x, dim=-1)}


def _make_activation(activations, name):
    if name.startswith("GELU"):
        return activations.GELU(approximate=name.split("-")[1])
    return getattr(activations, name)()


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", ["mse", "cross_entropy", "bce"])
def test_mlp_with_each_activation_and_loss_against_torch(activation, loss):
    activations = pytest.importorskip("tinytorch.core.activations")
    layers = pytest.importorskip("tinytorch.core.layers")
    losses = pytest.importorskip("tinytorch.core.losses")
    generator = np.random.default_rng(11)
    features = generator.normal(size=(6, 4))
    np.random.seed(0)
    model = layers.Sequential(layers.Linear(4, 5), _make_activation(activations, activation), layers.Linear(5, 3))
    params = model.parameters()
    arrays = [p.data.astype(np.float64) for p in params]
    for p, a in zip(params, arrays):
        p.data = a  # float64 end to end, compared tightly with torch
    targets = {"mse": generator.normal(size=(6, 3)), "cross_entropy": np.array([0, 2, 1, 1, 0, 2]),
               "bce": generator.uniform(0, 1, size=(6, 3))}[loss]

    loss_value = {
        "mse": lambda out: losses.MSELoss()(out, targets),
        "cross_entropy": lambda out: losses.CrossEntropyLoss()(out, targets),
        "bce": lambda out: losses.BinaryCrossEntropyLoss()(activations.Sigmoid()(out), targets),
    }[loss](model(Tensor(features)))
    loss_value.backward()

    w1, b1, w2, b2 = [torch.tensor(a, requires_grad=True) for a in arrays]
    hidden = TORCH_ACTIVATIONS[activation](torch.tensor(features) @ w1 + b1)
    out = hidden @ w2 + b2
    reference = {
        "mse": lambda: torch.nn.functional.mse_loss(out, torch.tensor(targets)),
        "cross_entropy": lambda: torch.nn.functional.cross_entropy(out, torch.tensor(targets)),
        "bce": lambda: torch.nn.functional.binary_cross_entropy(torch.sigmoid(out), torch.tensor(targets)),
    }[loss]()
    reference.backward()
    np.testing.assert_allclose(loss_value.item(), reference.item(), rtol=1e-10)
    for index, (param, theirs) in enumerate(zip(params, [w1, b1, w2, b2])):
        assert param.grad.dtype == np.float64
        np.testing.assert_allclose(param.grad.data, theirs.grad.numpy(), rtol=1e-7, atol=1e-10,
                                   err_msg=f"{activation}/{loss}: gradient of parameter {index}")


def test_bce_gradients_against_torch_including_saturated_predictions():
    losses = pytest.importorskip("tinytorch.core.losses")

    def fn(t, lib):
        target = t[1] if len(t) > 1 else saturated_targets
        if lib == "tt":
            return losses.BinaryCrossEntropyLoss()(t[0], target)
        return torch.nn.functional.binary_cross_entropy(t[0], torch.as_tensor(target))

    # Gradients for both inputs where every log is finite.
    compare_with_torch(fn, [np.array([0.1, 0.3, 0.9]), np.array([0.2, 1.0, 0.0])])
    # p = 0 or 1: the clamped loss stays finite and the prediction's gradient
    # uses the 1e-12 floor, as in torch. (Torch's *target* gradient is +-inf
    # there, which does not match its own clamped forward; ours is the exact
    # derivative of the clamped loss, so the target is left out here.)
    saturated_targets = np.array([0.2, 1.0, 0.7, 0.0, 0.4])
    compare_with_torch(fn, [np.array([0.0, 1e-8, 0.3, 1.0 - 1e-9, 1.0])], rtol=1e-6)


def test_float32_model_against_torch():
    def fn(t, lib):
        x, w = t
        hidden = x @ w
        return ((hidden * hidden).mean(axis=1) - 1.0).sum() if lib == "tt" else ((hidden * hidden).mean(dim=1) - 1.0).sum()
    compare_with_torch(fn, [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(3, 2)).astype(np.float32)],
                       rtol=1e-5, atol=1e-6)
