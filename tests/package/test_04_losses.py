"""tinytorch.core.losses: values against NumPy and torch, stability, input checks, recorded ops, gradients."""
import numpy as np
import pytest

from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor

from gradcheck import check_gradients


def _require_autograd():
    pytest.importorskip("tinytorch.core.autograd", reason="gradients arrive with module 05")


def _rng(seed):
    return np.random.default_rng(seed)


# ----- MSELoss -----

def test_mse_value_scalar_and_dtype():
    p, t = _rng(0).normal(size=(4, 3)), _rng(1).normal(size=(4, 3))
    loss = MSELoss()(Tensor(p), Tensor(t))
    assert loss.shape == () and loss.dtype == np.float64
    np.testing.assert_allclose(loss.item(), np.mean((p - t) ** 2), rtol=1e-14)
    small = MSELoss()(Tensor(p.astype(np.float32)), t.astype(np.float32))
    assert small.dtype == np.float32


def test_mse_rejects_shapes_that_would_broadcast():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        MSELoss()(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4)))


def test_mse_records_both_inputs():
    p, t = Tensor(np.ones(3), requires_grad=True), Tensor(np.zeros(3))
    loss = MSELoss()(p, t)
    assert loss._op == "mse_loss" and loss._inputs[0] is p and loss._inputs[1] is t


# ----- CrossEntropyLoss -----

def _log_softmax(z):
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_cross_entropy_value_scalar_and_dtype():
    z, y = _rng(4).normal(size=(6, 4)), np.array([0, 3, 1, 1, 2, 0])
    loss = CrossEntropyLoss()(Tensor(z), y)
    assert loss.shape == () and loss.dtype == np.float64
    np.testing.assert_allclose(loss.item(), -np.mean(_log_softmax(z)[np.arange(6), y]), rtol=1e-13)
    assert CrossEntropyLoss()(Tensor(z.astype(np.float32)), y).dtype == np.float32


def test_cross_entropy_of_uniform_logits_is_log_classes():
    np.testing.assert_allclose(CrossEntropyLoss()(Tensor(np.zeros((3, 7))), [0, 6, 3]).item(), np.log(7))


@pytest.mark.parametrize("targets", [
    [1, 0], np.array([1, 0], dtype=np.int32), Tensor([1.0, 0.0]), Tensor(np.array([1, 0]))
])
def test_cross_entropy_accepts_targets_in_common_forms(targets):
    z = np.array([[0.0, 2.0], [1.0, -1.0]])
    np.testing.assert_allclose(CrossEntropyLoss()(Tensor(z), targets).item(),
                               -np.mean(_log_softmax(z)[[0, 1], [1, 0]]))


@pytest.mark.parametrize("logits, targets, error, match", [
    (np.zeros((2, 3)), [0, 3], ValueError, "0..2"),
    (np.zeros((2, 3)), [-1, 0], ValueError, "0..2"),
    (np.zeros((2, 3)), [0.5, 1.0], TypeError, "integer"),
    (np.zeros((2, 3)), [0, 1, 2], ValueError, "one target per row"),
    (np.zeros(3), [0], ValueError, r"\(N, C\)"),
])
def test_cross_entropy_explains_bad_inputs(logits, targets, error, match):
    with pytest.raises(error, match=match):
        CrossEntropyLoss()(Tensor(logits), targets)


def test_cross_entropy_saves_targets_and_probabilities():
    z = _rng(6).normal(size=(3, 4))
    logits = Tensor(z, requires_grad=True)
    loss = CrossEntropyLoss()(logits, [3, 0, 2])
    assert loss._op == "cross_entropy" and loss._inputs == (logits,)
    targets = loss._saved["targets"]
    assert np.issubdtype(targets.dtype, np.integer)
    np.testing.assert_array_equal(targets, [3, 0, 2])
    np.testing.assert_allclose(loss._saved["probs"], np.exp(_log_softmax(z)), rtol=1e-13)


# ----- BinaryCrossEntropyLoss -----

def test_bce_value_scalar_and_dtype():
    p, t = _rng(7).uniform(0.01, 0.99, size=(4, 2)), _rng(8).uniform(size=(4, 2))
    loss = BinaryCrossEntropyLoss()(Tensor(p), Tensor(t))
    assert loss.shape == () and loss.dtype == np.float64
    np.testing.assert_allclose(loss.item(), -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)), rtol=1e-13)
    assert BinaryCrossEntropyLoss()(Tensor(p.astype(np.float32)), t.astype(np.float32)).dtype == np.float32


def test_bce_rejects_values_outside_zero_one_and_mismatched_shapes():
    with pytest.raises(ValueError, match="Sigmoid"):
        BinaryCrossEntropyLoss()(Tensor(np.array([0.5, 1.2])), Tensor(np.array([0.0, 1.0])))
    with pytest.raises(ValueError, match="shape"):
        BinaryCrossEntropyLoss()(Tensor(np.full((3, 1), 0.5)), Tensor(np.ones(3)))


def test_bce_records_both_inputs():
    p, t = Tensor(np.full(3, 0.5), requires_grad=True), Tensor(np.ones(3))
    loss = BinaryCrossEntropyLoss()(p, t)
    assert loss._op == "binary_cross_entropy" and loss._inputs[0] is p and loss._inputs[1] is t


# ----- gradients (rules in module 05) -----

def test_mse_gradients_match_finite_differences():
    _require_autograd()
    check_gradients(lambda p, t: MSELoss()(p, t), _rng(9).normal(size=(3, 2)), _rng(10).normal(size=(3, 2)))


def test_cross_entropy_gradient_matches_finite_differences():
    _require_autograd()
    targets = np.array([1, 0, 3])
    check_gradients(lambda z: CrossEntropyLoss()(z, targets), _rng(11).normal(size=(3, 4)))


def test_bce_gradients_match_finite_differences():
    _require_autograd()
    check_gradients(lambda p: BinaryCrossEntropyLoss()(p, np.array([0.0, 1.0, 0.3, 1.0])),
                    np.array([0.2, 0.7, 0.5, 0.95]))
