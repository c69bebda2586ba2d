"""The exported Tensor of module 01: dtype policy, NumPy-equivalent ops, graph records."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core.tensor import Tensor

FAST = settings(max_examples=40, deadline=None)


# ----- constructor ---------------------------------------------------------

@pytest.mark.parametrize("data", [3, 2.5, True, [1, 2, 3], [[1.0, 2.0], [3.0, 4.0]], [[True, False]]])
def test_python_numbers_and_lists_become_float32(data):
    t = Tensor(data)
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.array(data, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_])
def test_numpy_arrays_keep_their_dtype(dtype):
    array = np.arange(6).reshape(2, 3).astype(dtype)
    t = Tensor(array)
    assert t.dtype == dtype
    assert t.shape == (2, 3) and t.size == 6 and t.ndim == 2
    np.testing.assert_array_equal(t.numpy(), array)


def test_numpy_scalars_keep_their_dtype():
    assert Tensor(np.float64(1.5)).dtype == np.float64
    assert Tensor(np.int64(2)).dtype == np.int64
    assert Tensor(np.float64(1.5)).shape == ()


def test_tensor_argument_gives_same_values_and_dtype():
    source = Tensor(np.array([1.0, 2.0]))
    copy = Tensor(source)
    assert copy.dtype == np.float64
    np.testing.assert_array_equal(copy.data, source.data)
    assert not copy.requires_grad and copy._op is None


def test_gradient_bookkeeping_defaults():
    t = Tensor([1.0, 2.0])
    assert t.requires_grad is False and t.grad is None and t._op is None and t._inputs == ()
    w = Tensor([1.0], requires_grad=True)
    assert w.requires_grad is True and w.grad is None


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(ValueError, match="floating"):
        Tensor(np.array([1, 2]), requires_grad=True)


def test_item_numpy_detach_len_repr():
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    assert Tensor(4.0).item() == 4.0
    assert t.numpy() is t.data
    detached = t.detach()
    assert not detached.requires_grad and detached.data is t.data
    assert len(t) == 1
    assert "requires_grad=True" in repr(t) and repr(t).startswith("Tensor(")
    assert "float64" in repr(Tensor(np.zeros(2)))
    np.testing.assert_array_equal(np.asarray(t), t.data)


def test_single_element_tensors_convert_like_torch():
    assert bool(Tensor([0.0])) is False, "a zero must be falsy, whatever the length"
    assert bool(Tensor(2.0) > 1) is True and bool(Tensor([[1.0]]) < 0) is False
    assert float(Tensor(np.array([2.5]))) == 2.5 and int(Tensor(3.0)) == 3
    for convert in (bool, float, int):
        with pytest.raises(ValueError):
            convert(Tensor([1.0, 2.0]))


# ----- arithmetic ----------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b), "sub": (lambda a, b: a - b), "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / b), "pow": (lambda a, b: a ** b),
}

broadcastable_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


@FAST
@given(shapes=broadcastable_pairs, op=st.sampled_from(sorted(BINARY)), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**16))
def test_binary_ops_match_numpy_on_every_side(shapes, op, dtype, seed):
    rng = np.random.default_rng(seed)
    left_np = rng.uniform(0.5, 2.0, size=shapes.input_shapes[0]).astype(dtype)
    right_np = rng.uniform(0.5, 2.0, size=shapes.input_shapes[1]).astype(dtype)
    fn = BINARY[op]
    expected = fn(left_np, right_np)
    for left, right in [(Tensor(left_np), Tensor(right_np)), (Tensor(left_np), right_np), (left_np, Tensor(right_np))]:
        result = fn(left, right)
        assert isinstance(result, Tensor)
        assert result.shape == np.shape(expected)
        assert result.dtype == np.result_type(expected)
        np.testing.assert_allclose(result.data, expected, rtol=1e-6)


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_numbers_on_either_side_keep_the_tensor_dtype(op, dtype):
    x_np = np.array([0.5, 1.0, 2.0], dtype=dtype)
    x = Tensor(x_np)
    fn = BINARY[op]
    for result, expected in [(fn(x, 3.0), fn(x_np, 3.0)), (fn(3.0, x), fn(3.0, x_np)), (fn(x, 2), fn(x_np, 2))]:
        assert result.dtype == dtype
        np.testing.assert_allclose(result.data, expected, rtol=1e-6)


def test_reflected_ops_record_operands_in_expression_order():
    x = Tensor([1.0, 2.0], requires_grad=True)
    result = 5.0 - x
    assert result._op == "sub" and result._inputs[1] is x
    np.testing.assert_array_equal(result._inputs[0].data, 5.0)
    np.testing.assert_array_equal((np.array([4.0, 4.0]) / x).data, [4.0, 2.0])
    assert (np.array([4.0, 4.0]) / x)._inputs[1] is x


def test_negation():
    x = Tensor(np.array([1.0, -2.0]))
    assert (-x).dtype == np.float64
    np.testing.assert_array_equal((-x).data, [-1.0, 2.0])


def test_comparisons_return_bool_tensors_without_graph():
    x_np = np.array([1.0, 2.0, 3.0])
    x = Tensor(x_np, requires_grad=True)
    for result, expected in [(x < 2, x_np < 2), (x <= 2, x_np <= 2), (x > 2, x_np > 2), (x >= 2, x_np >= 2),
                             (x == 2, x_np == 2), (x != 2, x_np != 2), (np.array([2.0, 2.0, 2.0]) < x, 2.0 < x_np)]:
        assert isinstance(result, Tensor) and result.dtype == np.bool_
        assert not result.requires_grad and result._op is None
        np.testing.assert_array_equal(result.data, expected)
    assert {x: 1}[x] == 1, "Tensors hash by identity"


# ----- matmul --------------------------------------------------------------

@pytest.mark.parametrize("left, right", [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                                         ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2))])
def test_matmul_follows_numpy(left, right):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=left), rng.normal(size=right)
    for result in (Tensor(a) @ Tensor(b), a @ Tensor(b), Tensor(a) @ b):
        assert result.shape == np.matmul(a, b).shape
        np.testing.assert_allclose(result.data, a @ b)


# ----- reductions, shapes, indexing ----------------------------------------

@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_follow_numpy(name, axis, keepdims):
    data = np.random.default_rng(1).normal(size=(2, 3, 4))
    result = getattr(Tensor(data), name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(data, axis=axis, keepdims=keepdims)
    assert result.shape == np.shape(expected) and result.dtype == np.float64
    np.testing.assert_allclose(result.data, expected)


def test_reductions_keep_float32():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum().dtype == x.mean(axis=0).dtype == x.max().dtype == np.float32


def test_reshape_transpose_and_T():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(data)
    assert x.reshape(6, 4).shape == (6, 4)
    assert x.reshape((4, -1)).shape == (4, 6)
    assert x.reshape([24]).shape == (24,)
    np.testing.assert_array_equal(x.transpose().data, np.swapaxes(data, -2, -1))
    np.testing.assert_array_equal(x.transpose(0, 2).data, np.swapaxes(data, 0, 2))
    np.testing.assert_array_equal(x.T.data, data.T)
    np.testing.assert_array_equal(Tensor(np.arange(3.0)).T.data, np.arange(3.0))
    assert Tensor(data, requires_grad=True).T._saved == {"axes": (2, 1, 0)}


@pytest.mark.parametrize("index", [0, -1, (1, 2), (slice(None), 0), (Ellipsis, slice(1, 3)), np.array([1, 1, 0]),
                                   (np.array([0, 1]), np.array([2, 2])), (None, 0), (0, slice(None, None, -1))])
def test_indexing_follows_numpy(index):
    data = np.arange(24.0).reshape(2, 3, 4)[[0, 1, 1]]
    result = Tensor(data)[index]
    np.testing.assert_array_equal(result.data, data[index])


def test_boolean_and_tensor_indices():
    data = np.arange(6.0)
    x = Tensor(data)
    np.testing.assert_array_equal(x[x > 2].data, data[data > 2])
    np.testing.assert_array_equal(x[Tensor(np.array([0, 5]))].data, data[[0, 5]])
    np.testing.assert_array_equal(Tensor(data.reshape(2, 3))[Tensor(np.array([1])), 0].data, [3.0])


def test_elementwise_functions():
    data = np.array([0.5, 1.0, 4.0])
    x = Tensor(data)
    np.testing.assert_allclose(x.exp().data, np.exp(data))
    np.testing.assert_allclose(x.log().data, np.log(data))
    np.testing.assert_allclose(x.sqrt().data, np.sqrt(data))


# ----- the graph record (the extension point) ------------------------------

def test_ops_record_name_inputs_and_saved_only_when_needed():
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    c = Tensor(np.ones((2, 2)))
    records = {
        "add": w + c, "sub": w - 1, "mul": 2 * w, "div": w / c, "pow": w ** 2, "neg": -w, "matmul": w @ c,
        "sum": w.sum(axis=1), "mean": w.mean(), "max": w.max(keepdims=True), "reshape": w.reshape(4),
        "transpose": w.transpose(), "getitem": w[1], "exp": w.exp(), "log": w.log(), "sqrt": w.sqrt(),
    }
    for op, result in records.items():
        assert result.requires_grad and result._op == op
        assert any(parent is w for parent in result._inputs)
    assert records["sum"]._saved == {"axis": 1, "keepdims": False}
    assert records["max"]._saved == {"axis": None, "keepdims": True}
    assert records["getitem"]._saved == {"index": 1}
    plain = (c * c).sum()
    assert not plain.requires_grad and plain._op is None and plain._inputs == () and plain._saved == {}


def test_from_op_wraps_non_tensor_inputs():
    w = Tensor([1.0], requires_grad=True)
    out = Tensor.from_op(np.array(2.0), "custom", (w, np.array([3.0]), 4.0), note=1)
    assert out.requires_grad and out._op == "custom" and out._saved == {"note": 1}
    assert all(isinstance(x, Tensor) for x in out._inputs)
    assert not out._inputs[1].requires_grad and not out._inputs[2].requires_grad
    assert out.dtype == np.float64, "from_op keeps the dtype of the computed data"


def _run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_importing_tensor_alone_gives_working_backward():
    # The engine is module 05's: before a student completes it, there is nothing to load.
    pytest.importorskip("tinytorch.core.autograd", reason="gradients arrive with module 05")
    result = _run_python("""
        import numpy as np
        from tinytorch.core.tensor import Tensor
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        (x * x).sum().backward()
        assert np.allclose(x.grad.data, [2.0, 4.0]), x.grad
        print("ok")
    """)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr


def test_backward_without_module_05_is_a_clear_error():
    result = _run_python("""
        import sys
        class HideAutograd:
            def find_spec(self, name, path=None, target=None):
                if name == "tinytorch.core.autograd":
                    raise ModuleNotFoundError("hidden", name=name)
        sys.meta_path.insert(0, HideAutograd())
        from tinytorch.core.tensor import Tensor
        try:
            (Tensor([1.0], requires_grad=True) * 2).sum().backward()
        except RuntimeError as err:
            print("RuntimeError:", err)
    """)
    assert "RuntimeError:" in result.stdout and "module 05" in result.stdout, result.stdout + result.stderr


def test_backward_delegates_to_registered_engine():
    import tinytorch.core.tensor as tensor_module

    calls = []
    previous = tensor_module._autograd_engine
    tensor_module.register_autograd(lambda root, gradient: calls.append((root, gradient)))
    try:
        x = Tensor([1.0], requires_grad=True)
        x.backward("g")
    finally:
        tensor_module.register_autograd(previous)
    assert calls == [(x, "g")]
