"""The exported autograd engine of module 05.

Every backward rule is checked against central finite differences in float64
(gradcheck.py); the comparisons of composite expressions with torch.autograd
are in tests/against_torch/ (the course suite), so this file needs no torch.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck import check_gradients
from tinytorch.core import autograd
from tinytorch.core.tensor import Tensor

FAST = settings(max_examples=25, deadline=None)
rng = np.random.default_rng(2024)


def record(op, values, inputs, **saved):
    """A result recorded the way modules 02 and 04 record theirs."""
    return Tensor.from_op(values, op, inputs, **saved)


# ----- every rule against finite differences -------------------------------

BINARY = {
    "add": (lambda a, b: a + b), "sub": (lambda a, b: a - b), "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / b), "pow": (lambda a, b: a ** b),
}


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_rules_with_broadcasting(shapes, op, seed):
    generator = np.random.default_rng(seed)
    left = generator.uniform(0.5, 2.0, size=shapes.input_shapes[0])
    right = generator.uniform(0.5, 2.0, size=shapes.input_shapes[1])
    check_gradients(BINARY[op], left, right, seed=seed)


CONSTANT_SIDES = {
    "x + 2.5": lambda x: x + 2.5, "2.5 + x": lambda x: 2.5 + x, "x - 2.5": lambda x: x - 2.5,
    "2.5 - x": lambda x: 2.5 - x, "x * 3": lambda x: x * 3, "3 * x": lambda x: 3 * x,
    "x / 3": lambda x: x / 3, "3 / x": lambda x: 3 / x, "x ** 3": lambda x: x ** 3, "2 ** x": lambda x: 2 ** x,
    "x ** 0.5": lambda x: x ** 0.5, "array + x": lambda x: np.array([1.0, 2.0, 3.0]) + x,
    "array - x": lambda x: np.array([1.0, 2.0, 3.0]) - x, "array * x": lambda x: np.array([1.0, 2.0, 3.0]) * x,
    "array / x": lambda x: np.array([1.0, 2.0, 3.0]) / x, "x / array": lambda x: x / np.array([1.0, 2.0, 3.0]),
    "array ** x": lambda x: np.array([1.0, 2.0, 3.0]) ** x, "x ** array": lambda x: x ** np.array([1.0, 2.0, 3.0]),
    "array @ x": lambda x: np.array([[1.0, 2.0, 3.0]]) @ x, "x @ array": lambda x: x @ np.ones((3, 2)),
    "-x": lambda x: -x, "exp": lambda x: x.exp(), "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(),
}


@pytest.mark.parametrize("name", sorted(CONSTANT_SIDES))
def test_numbers_and_arrays_on_either_side(name):
    check_gradients(CONSTANT_SIDES[name], rng.uniform(0.5, 2.0, size=(2, 3)) if "@ x" not in name
                    else rng.uniform(0.5, 2.0, size=(3, 2)))


def test_pow_with_tensor_exponent_and_the_zero_corners():
    check_gradients(lambda a, b: a ** b, rng.uniform(0.5, 2, (2, 3)), rng.normal(size=(2, 3)))
    x = Tensor(np.array([0.0, 1.0, -2.0]), requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
    base = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    exponent = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    (base ** exponent).sum().backward()
    np.testing.assert_allclose(exponent.grad.data, [0.0, 8.0 * np.log(2.0)])
    np.testing.assert_allclose(base.grad.data, [0.0, 12.0])


@pytest.mark.parametrize("left, right", [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                                         ((4, 2, 3), (3, 2)), ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (3, 2, 3, 1)),
                                         ((3,), (2, 3, 4)), ((2, 2, 3), (3,))])
def test_matmul_rule_all_numpy_cases(left, right):
    check_gradients(lambda a, b: a @ b, rng.normal(size=left), rng.normal(size=right))


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (-1, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_rules(name, axis, keepdims):
    check_gradients(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), rng.normal(size=(2, 3, 4)))


def test_shape_rules():
    data = rng.normal(size=(2, 3, 4))
    check_gradients(lambda x: x.reshape(4, 6), data)
    check_gradients(lambda x: x.reshape(-1), data)
    check_gradients(lambda x: x.transpose(), data)
    check_gradients(lambda x: x.transpose(0, 2), data)
    check_gradients(lambda x: x.T, data)
    check_gradients(lambda x: x.permute((1, 2, 0)), data)


@pytest.mark.parametrize("index", [1, -1, (0, slice(1, 3)), (Ellipsis, 2), np.array([1, 1, 0]),
                                   (np.array([0, 0, 1]), np.array([2, 2, 0])), (None, 1), (slice(None, None, -1),)])
def test_getitem_rule_including_repeated_indices(index):
    check_gradients(lambda x: x[index], rng.normal(size=(2, 3, 4)))


def test_getitem_boolean_mask_and_repeats_accumulate():
    data = rng.normal(size=(3, 4))
    check_gradients(lambda x: x[data > 0], data)
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x[np.array([0, 0, 0, 2])] * np.array([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 0.0, 4.0])


def _softmax(x, axis):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


ACTIVATION_RECORDS = {
    "relu": lambda x: record("relu", np.maximum(x.data, 0), (x,)),
    "sigmoid": lambda x: record("sigmoid", 1 / (1 + np.exp(-x.data)), (x,)),
    "tanh": lambda x: record("tanh", np.tanh(x.data), (x,)),
    "softmax-last": lambda x: record("softmax", _softmax(x.data, -1), (x,), axis=-1),
    "softmax-first": lambda x: record("softmax", _softmax(x.data, 0), (x,), axis=0),
    "gelu-none": lambda x: record("gelu", 0.5 * x.data * (1 + autograd._erf(x.data / np.sqrt(2))), (x,),
                                  approximate="none"),
    "gelu-tanh": lambda x: record("gelu", 0.5 * x.data * (1 + np.tanh(np.sqrt(2 / np.pi) * (x.data + 0.044715 * x.data ** 3))),
                                  (x,), approximate="tanh"),
}


@pytest.mark.parametrize("name", sorted(ACTIVATION_RECORDS))
def test_activation_rules_from_records(name):
    check_gradients(ACTIVATION_RECORDS[name], rng.normal(size=(3, 5)) * 2)


def _cross_entropy_record(logits, targets):
    z = logits.data - logits.data.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(targets)), targets].mean()
    return record("cross_entropy", loss, (logits,), targets=targets, probs=np.exp(log_probs))


def _bce_record(pred, target):
    with np.errstate(divide="ignore"):
        log_p, log_not_p = np.maximum(np.log(pred.data), -100), np.maximum(np.log1p(-pred.data), -100)
    return record("binary_cross_entropy", -np.mean(target.data * log_p + (1 - target.data) * log_not_p), (pred, target))


def test_loss_rules_from_records():
    check_gradients(lambda p, t: record("mse_loss", np.mean((p.data - t.data) ** 2), (p, t)),
                    rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    check_gradients(lambda z: _cross_entropy_record(z, np.array([0, 2, 1, 2])), rng.normal(size=(4, 3)) * 3)
    check_gradients(_bce_record, rng.uniform(0.05, 0.95, size=(5,)), rng.uniform(0, 1, size=(5,)))


def test_every_op_name_of_the_package_has_a_rule():
    names = {"add", "sub", "mul", "div", "pow", "neg", "matmul", "sum", "mean", "max", "reshape", "transpose",
             "getitem", "exp", "log", "sqrt", "relu", "sigmoid", "tanh", "softmax", "gelu", "mse_loss",
             "cross_entropy", "binary_cross_entropy"}
    assert names <= set(autograd.BACKWARD_RULES)


# ----- the engine ----------------------------------------------------------

def test_diamond_graph_sums_both_paths():
    a = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    left, right = a * 3.0, a ** 2
    (left + right).sum().backward()
    np.testing.assert_allclose(a.grad.data, 3 + 2 * a.data)


def test_tensor_used_twice_in_one_op():
    a = Tensor(np.array([1.0, -3.0]), requires_grad=True)
    (a * a).sum().backward()
    np.testing.assert_allclose(a.grad.data, [2.0, -6.0])
    b = Tensor(np.eye(2) * 2.0, requires_grad=True)
    (b @ b).sum().backward()
    np.testing.assert_allclose(b.grad.data, np.full((2, 2), 4.0))


def test_gradients_accumulate_across_calls_until_reset():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for expected in ([3.0, 3.0], [6.0, 6.0]):
        (w * 3.0).sum().backward()
        np.testing.assert_allclose(w.grad.data, expected)
    w.grad = None
    (w * 3.0).sum().backward()
    np.testing.assert_allclose(w.grad.data, [3.0, 3.0])


def test_same_graph_can_be_backpropagated_twice():
    w = Tensor(np.array([2.0]), requires_grad=True)
    loss = (w ** 2).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(w.grad.data, [8.0])


def test_grad_is_tensor_with_leaf_dtype_and_shape():
    for dtype in (np.float32, np.float64):
        w = Tensor(np.ones((3, 2), dtype=dtype), requires_grad=True)
        b = Tensor(np.zeros(2, dtype=dtype), requires_grad=True)
        x = Tensor(np.arange(12.0).reshape(4, 3).astype(dtype))
        (x @ w + b).mean().backward()
        for leaf in (w, b):
            assert isinstance(leaf.grad, Tensor) and leaf.grad.dtype == dtype and leaf.grad.shape == leaf.shape
            assert not leaf.grad.requires_grad
        np.testing.assert_allclose(b.grad.data, [0.5, 0.5])
        assert x.grad is None


def test_python_number_keeps_float32_gradients_float32():
    w = Tensor([1.0, 2.0], requires_grad=True)
    ((w * 0.1 + 1) ** 2 / 3.0).mean().backward()
    assert w.grad.dtype == np.float32


def test_inputs_without_requires_grad_get_no_grad_and_intermediates_keep_none():
    x = Tensor(np.array([1.0, 2.0]))
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    hidden = x * w
    (hidden * 2).sum().backward()
    assert x.grad is None and hidden.grad is None
    np.testing.assert_allclose(w.grad.data, [2.0, 4.0])


def test_non_scalar_backward_needs_a_gradient():
    v = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="shape"):
        (v * 2).backward()
    (v * 2).backward(Tensor(np.array([1.0, -1.0])))
    np.testing.assert_allclose(v.grad.data, [2.0, -2.0])
    with pytest.raises(ValueError):
        (v * 2).backward(np.ones(3))


def test_single_element_non_scalar_root_and_root_without_grad():
    w = Tensor(np.array([[2.0]]), requires_grad=True)
    (w * 3).backward()
    np.testing.assert_allclose(w.grad.data, [[3.0]])
    with pytest.raises(RuntimeError, match="requires_grad"):
        Tensor([1.0]).sum().backward()


def test_long_chain_does_not_hit_the_recursion_limit():
    x = Tensor(np.array(1.0), requires_grad=True)
    value = x
    for _ in range(5000):
        value = value + 0.0
    value.backward()
    assert x.grad.item() == 1.0


def test_topological_order_puts_inputs_first():
    a = Tensor(np.array([1.0]), requires_grad=True)
    b = a * 2
    c = a + b
    d = (b * c).sum()
    order = autograd.topological_order(d)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(order) == 5 == len(position)  # a, b, c, b * c, sum
    for node in order:
        for parent in node._inputs:
            if parent.requires_grad:
                assert position[id(parent)] < position[id(node)]
