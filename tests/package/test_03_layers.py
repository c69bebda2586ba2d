"""tinytorch.core.layers: Linear init and forward, Sequential, Dropout, and gradients through them."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU, Tanh
from tinytorch.core.layers import Dropout, Layer, Linear, Sequential
from tinytorch.core.tensor import Tensor

from gradcheck import check_gradients


def _require_autograd():
    pytest.importorskip("tinytorch.core.autograd", reason="gradients arrive with module 05")


# ----- Linear -----

def test_linear_parameters_shapes_and_dtype():
    layer = Linear(5, 3)
    assert layer.weight.shape == (5, 3) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer.weight.requires_grad and layer.bias.requires_grad
    params = layer.parameters()
    assert len(params) == 2 and params[0] is layer.weight and params[1] is layer.bias


def test_linear_without_bias():
    layer = Linear(5, 3, bias=False)
    assert layer.bias is None
    assert layer.parameters() == [layer.weight]
    x = np.ones((2, 5), dtype=np.float32)
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data, rtol=1e-6)


def test_linear_init_is_uniform_within_fan_in_bound():
    layer = Linear(1000, 500)
    k = 1 / np.sqrt(1000)
    w = layer.weight.data
    assert np.abs(w).max() <= k and np.abs(layer.bias.data).max() <= k
    # uniform on [-k, k]: reaches both ends, mean 0, standard deviation k / sqrt(3)
    assert w.min() < -0.99 * k and w.max() > 0.99 * k
    assert abs(w.mean()) < 0.01 * k
    assert abs(w.std() - k / np.sqrt(3)) < 0.01 * k


def test_linear_init_follows_numpy_global_seed():
    np.random.seed(123)
    layer = Linear(4, 2)
    np.random.seed(123)
    k = 1 / np.sqrt(4)
    np.testing.assert_array_equal(layer.weight.data, np.random.uniform(-k, k, (4, 2)).astype(np.float32))
    np.testing.assert_array_equal(layer.bias.data, np.random.uniform(-k, k, 2).astype(np.float32))
    np.random.seed(123)
    np.testing.assert_array_equal(Linear(4, 2).weight.data, layer.weight.data)


def test_linear_output_variance_does_not_grow_with_fan_in():
    rng = np.random.default_rng(0)
    stds = []
    for fan_in in (16, 1024):
        x = rng.normal(size=(256, fan_in))
        stds.append(Linear(fan_in, 128, bias=False)(x).data.std())
    np.testing.assert_allclose(stds, 1 / np.sqrt(3), rtol=0.1)


@pytest.mark.parametrize("bad", [(0, 3), (3, 0), (-1, 2)])
def test_linear_rejects_empty_sizes(bad):
    with pytest.raises(ValueError, match="positive"):
        Linear(*bad)


def test_linear_gradients_match_finite_differences():
    _require_autograd()
    layer = Linear(3, 2)
    x = np.random.default_rng(2).normal(size=(4, 3))
    weight, bias = layer.weight.data.astype(np.float64), layer.bias.data.astype(np.float64)

    def through_layer(inputs, w, b):
        layer.weight, layer.bias = w, b
        return layer(inputs)

    check_gradients(through_layer, x, weight, bias)


# ----- Sequential -----

def test_sequential_composes_layers_and_activations_in_order():
    first, second = Linear(3, 4), Linear(4, 2)
    model = Sequential(first, Tanh(), second)
    x = np.random.default_rng(5).normal(size=(6, 3)).astype(np.float32)
    hidden = np.tanh(x @ first.weight.data + first.bias.data)
    np.testing.assert_allclose(model(x).data, hidden @ second.weight.data + second.bias.data, rtol=1e-5)
    assert len(model) == 3 and model[0] is first and model[2] is second


def test_sequential_parameters_are_flat_ordered_and_nested():
    a, b, c = Linear(2, 3), Linear(3, 3, bias=False), Linear(3, 1)
    model = Sequential(a, ReLU(), Sequential(b, ReLU()), Dropout(0.1), c)
    expected = [a.weight, a.bias, b.weight, c.weight, c.bias]
    params = model.parameters()
    assert len(params) == len(expected) and all(p is q for p, q in zip(params, expected))
    assert Sequential().parameters() == []


def test_train_and_eval_reach_every_sublayer():
    inner_dropout = Dropout(0.5)
    model = Sequential(Linear(2, 2), ReLU(), Sequential(inner_dropout))
    assert model.training and inner_dropout.training
    assert model.eval() is model
    assert not model.training and not inner_dropout.training and not model[0].training
    model.train()
    assert model.training and inner_dropout.training


def test_layer_base_interface():
    class Double(Layer):
        def forward(self, x):
            return x * 2

    layer = Double()
    assert layer.parameters() == [] and layer.training
    np.testing.assert_array_equal(layer([1.0, 2.0]).data, [2.0, 4.0])
    with pytest.raises(NotImplementedError, match="forward"):
        Layer()(np.ones(2))


# ----- Dropout -----

def test_dropout_is_identity_in_eval_and_for_p_zero():
    x = Tensor(np.random.default_rng(6).normal(size=(4, 5)))
    np.testing.assert_array_equal(Dropout(0.7).eval()(x).data, x.data)
    np.testing.assert_array_equal(Dropout(0.0)(x).data, x.data)


def test_dropout_p_one_drops_everything():
    np.testing.assert_array_equal(Dropout(1.0)(np.ones((3, 3))).data, np.zeros((3, 3)))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_rate_and_inverted_scaling(p):
    np.random.seed(0)
    x = Tensor(np.ones((400, 500)))
    y = Dropout(p)(x).data
    kept = y != 0
    assert abs(1 - kept.mean() - p) < 0.005
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-12)
    assert abs(y.mean() - 1) < 0.02  # expected value preserved
    assert y.dtype == np.float64


def test_dropout_keeps_float32_and_follows_seed():
    x = Tensor(np.ones((10, 10), dtype=np.float32))
    np.random.seed(9)
    first = Dropout(0.5)(x).data
    np.random.seed(9)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(Dropout(0.5)(x).data, first)
    assert not np.array_equal(Dropout(0.5)(x).data, Dropout(0.5)(x).data)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_invalid_probability(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(p)


def test_dropout_gradient_uses_the_same_mask():
    _require_autograd()
    x = Tensor(np.random.default_rng(7).normal(size=(20, 30)) + 3.0, requires_grad=True)
    y = Dropout(0.4)(x)
    y.sum().backward()
    # d(sum y)/dx is the scaled mask, which is also y / x elementwise.
    np.testing.assert_allclose(x.grad.data, y.data / x.data, rtol=1e-12)
    assert set(np.unique(np.round(x.grad.data, 12))) <= {0.0, round(1 / 0.6, 12)}
