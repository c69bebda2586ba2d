"""tinytorch.core.activations: forward values, stability, dtypes, recorded ops and their gradients."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.tensor import Tensor

from gradcheck import check_gradients

_erf = np.vectorize(math.erf)

# Independent NumPy formulas, valid for moderate inputs.
REFERENCES = {
    "relu": (ReLU, lambda x: np.where(x > 0, x, 0.0)),
    "sigmoid": (Sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (Tanh, lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)),
    "softmax": (Softmax, lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)),
    "gelu": (GELU, lambda x: x * 0.5 * (1 + _erf(x / np.sqrt(2)))),
    "gelu_tanh": (lambda: GELU(approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
}


def _sample(shape=(3, 5), seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(scale=scale, size=shape)


@pytest.mark.parametrize("name", REFERENCES)
def test_forward_matches_numpy_formula(name):
    make, formula = REFERENCES[name]
    x = _sample()
    y = make()(Tensor(x))
    assert isinstance(y, Tensor)
    assert y.shape == x.shape
    np.testing.assert_allclose(y.data, formula(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(name, dtype):
    make, _ = REFERENCES[name]
    assert make()(Tensor(_sample().astype(dtype))).dtype == dtype


@pytest.mark.parametrize("name", REFERENCES)
def test_accepts_arrays_and_lists(name):
    make, formula = REFERENCES[name]
    np.testing.assert_allclose(make()(np.array([[0.5, -1.0]])).data, formula(np.array([[0.5, -1.0]])))
    assert make()([[0.5, -1.0]]).dtype == np.float32


def test_sigmoid_and_softmax_are_finite_for_huge_inputs():
    huge = np.array([[-1e4, -1000.0, 0.0, 1000.0, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = Sigmoid()(Tensor(huge)).data
        p = Softmax()(Tensor(huge)).data
        p32 = Softmax()(Tensor(huge.astype(np.float32))).data
    np.testing.assert_array_equal(s, [[0.0, 0.0, 0.5, 1.0, 1.0]])
    np.testing.assert_array_equal(p, [[0.0, 0.0, 0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(p32, [[0.0, 0.0, 0.0, 0.0, 1.0]])


def test_softmax_of_two_huge_close_logits_is_exact():
    p = Softmax()(Tensor(np.array([3000.0, 2999.0]))).data
    np.testing.assert_allclose(p, [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))], rtol=1e-14)


def test_softmax_axis():
    x = _sample(shape=(2, 3, 4))
    for axis in (0, 1, 2, -1):
        p = Softmax(axis=axis)(Tensor(x)).data
        np.testing.assert_allclose(p, np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True), rtol=1e-12)


finite_rows = arrays(np.float64, (3, 4), elements=st.floats(-1e4, 1e4))


@settings(max_examples=50, deadline=None)
@given(finite_rows, st.floats(-1e3, 1e3))
def test_softmax_is_a_distribution_invariant_to_shifts(x, shift):
    p = Softmax()(Tensor(x)).data
    assert np.all(p >= 0) and np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(Softmax()(Tensor(x + shift)).data, p, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, 6, elements=st.floats(-800, 800)))
def test_sigmoid_symmetry(x):
    s = Sigmoid()(Tensor(x)).data
    np.testing.assert_allclose(Sigmoid()(Tensor(-x)).data, 1 - s, atol=1e-15)


def test_gelu_rejects_unknown_variant():
    with pytest.raises(ValueError, match="approximate"):
        GELU(approximate="fast")


@pytest.mark.parametrize("make, op, saved", [
    (ReLU, "relu", {}), (Sigmoid, "sigmoid", {}), (Tanh, "tanh", {}),
    (lambda: Softmax(axis=0), "softmax", {"axis": 0}),
    (GELU, "gelu", {"approximate": "none"}),
    (lambda: GELU(approximate="tanh"), "gelu", {"approximate": "tanh"}),
])
def test_records_the_contract_op(make, op, saved):
    x = Tensor(_sample(), requires_grad=True)
    y = make()(x)
    assert y.requires_grad and y._op == op
    assert len(y._inputs) == 1 and y._inputs[0] is x
    for key, value in saved.items():
        assert y._saved[key] == value
    untracked = make()(Tensor(_sample()))
    assert not untracked.requires_grad and untracked._op is None


# ----- gradients (module 05 holds the rules; these check them for this module's ops) -----

def _require_autograd():
    pytest.importorskip("tinytorch.core.autograd", reason="gradients arrive with module 05")


def _input_gradient(make, x, upstream):
    """Gradient of sum(upstream * activation(x)) with respect to x, by backward()."""
    _require_autograd()
    leaf = Tensor(x.copy(), requires_grad=True)
    make()(leaf).backward(upstream)
    return leaf.grad


@pytest.mark.parametrize("name", REFERENCES)
def test_gradient_matches_finite_differences(name):
    _require_autograd()
    make, _ = REFERENCES[name]
    x = _sample(seed=1)
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU's kink out of the difference stencil
    check_gradients(lambda t: make()(t), x)


def test_softmax_gradient_along_axis_0():
    _require_autograd()
    check_gradients(lambda t: Softmax(axis=0)(t), _sample(shape=(4, 3), seed=5))
