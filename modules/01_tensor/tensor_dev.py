# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 01 · Tensor

Every number a neural network touches lives in a tensor: the pixels of an
image batch, the weights of a layer, the loss you minimise. In this module you
write `Tensor`, the class that the rest of TinyTorch is built on. Layers
(module 03) multiply tensors, losses (module 04) reduce them, autograd
(module 05) differentiates them and optimizers (module 06) update them.

You will learn to

- store n-dimensional data in a NumPy array and describe it by its **shape**
  and **dtype**;
- write arithmetic that **broadcasts** the way NumPy (and PyTorch) does, with
  Tensors, NumPy arrays and plain Python numbers on either side of `+ - * / **`;
- multiply matrices with `@`, reduce with `sum`, `mean` and `max`, change the
  view of the data with `reshape`, `transpose`, `.T` and indexing;
- record, for every result, *which operation made it from which inputs*: the
  hook that module 05 uses to add gradients without rewriting this class.

When you finish, `from tinytorch.core.tensor import Tensor` gives you this
class for the rest of the course.
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "solution": false}
#| default_exp core.tensor
#| export
import importlib

import numpy as np

# %% [markdown]
"""
## 1. What a tensor is

A tensor is a block of numbers arranged along *axes*. The number of axes is
its `ndim`, the length of each axis its `shape`, and all elements share one
`dtype` (the kind of number stored: `float32`, `float64`, `int64`, `bool`).

```
ndim 0  scalar      3.0                      shape ()
ndim 1  vector      [1, 2, 3]                shape (3,)
ndim 2  matrix      [[1, 2, 3],
                     [4, 5, 6]]              shape (2, 3)
ndim 3  batch of    [[[...], [...]],          shape (batch, rows, cols)
        matrices     [[...], [...]]]
```

NumPy already stores such blocks efficiently (`np.ndarray`), so our Tensor
keeps one in `.data` and adds what deep learning needs on top: a fixed policy
for dtypes, operators that return Tensors, and a record of how each value was
computed.

### The dtype policy

Deep-learning libraries compute in 32-bit floats by default: half the memory
of 64-bit floats and plenty of precision for training. PyTorch turns Python
numbers and lists into `float32`, but keeps the dtype of a NumPy array it is
given (`torch.from_numpy`). We do the same:

| you pass                         | `.data` becomes                           |
| -------------------------------- | ----------------------------------------- |
| a Python number or nested list   | `float32` array                           |
| a NumPy array or NumPy scalar    | that array, dtype unchanged (`float64` stays `float64`, `int64` stays `int64`) |
| another `Tensor`                 | the same array (shared, like a view)      |

Keeping `float64` matters when you check gradients numerically (module 05):
finite differences need the extra precision. Keeping integers matters for
class labels, which the cross-entropy loss (module 04) reads as indices.

Only floating-point tensors can have gradients, so asking for
`requires_grad=True` on an integer tensor is an error.
"""

# %% [markdown]
"""
## 2. Every result remembers where it came from

Module 05 computes gradients by walking backwards from a loss to the weights.
To walk backwards it needs a trail: for each tensor, the operation that
produced it and the tensors it was produced from. We lay that trail here,
once, in a single place: the class method

```python
Tensor.from_op(data, op, inputs, **saved)
```

Every operation in the whole package (the arithmetic of this module, the
activations of module 02, the losses of module 04) builds its result with it:

- `data` is the NumPy result of the computation;
- `op` is a short name such as `"add"`, `"matmul"`, `"relu"`;
- `inputs` is the tuple of Tensors the result was computed from (a NumPy
  array or a Python number among them is wrapped into a Tensor that does not
  require gradients);
- `saved` holds whatever else the backward rule will need (an axis, an index).

If at least one input requires gradients, the result requires them too and
keeps `_op`, `_inputs` and `_saved`. Otherwise it records nothing: plain
inference builds no graph and costs nothing extra.

```
  a (leaf, requires_grad)     b (leaf)
          \\                   /
           \\                 /
      c = a * b      c._op = "mul", c._inputs = (a, b)
                 |
      d = c.sum()    d._op = "sum", d._inputs = (c,), d._saved = {"axis": None, ...}
```

### The extension point for module 05

`d.backward()` should fill `a.grad`. This module does not know how; module 05
does. So `backward` only delegates: it calls the *engine* function that was
registered with `register_autograd(engine)`. When no engine is registered
yet, `backward` imports `tinytorch.core.autograd`, whose import registers
its engine. If the package has no module 05 yet, you get a clear error.

This is why the order of imports never matters: `Tensor` is defined once,
here, and module 05 plugs into it through a door this module declares. No
other module rewrites the class.
"""

# %% [markdown]
"""
## 3. Broadcasting

Adding a bias vector of shape `(3,)` to a batch of shape `(2, 3)` should add
the vector to every row. NumPy's broadcasting rule makes that work without
copying: align the shapes from the right; two axis lengths fit when they are
equal or one of them is 1 (a missing axis counts as 1); the result takes the
larger length.

```
x      (2, 3)      [[1, 2, 3],        b  (3,) -> (1, 3) -> (2, 3)
                    [4, 5, 6]]             [10, 20, 30]

x + b  (2, 3)      [[11, 22, 33],
                    [14, 25, 36]]
```

Our operators compute with NumPy, so they broadcast exactly like NumPy. The
only work is to turn the other operand into a Tensor first. A number (a
Python number or a NumPy scalar such as `np.sqrt(2.0)`) takes the dtype NumPy
would give the result with a plain Python number, as PyTorch does:
`float32_tensor * 2.0` and `float32_tensor * np.sqrt(2.0)` stay `float32`,
`float64_tensor * 2.0` stays `float64`.

Reflected operators (`2.0 - x`, `np_array @ x`) record the operands in the
order they appear in the expression, so `2.0 - x` is recorded as
`sub(2.0, x)`. One more detail: a NumPy array on the left of an operator would
normally try to handle the Tensor itself. Setting `__array_ufunc__ = None`
tells NumPy to step back and let `Tensor.__radd__` and friends answer.

## 4. Matrix multiplication, reductions, shapes and indexing

- `a @ b` follows `np.matmul`: `(m, k) @ (k, n) -> (m, n)`; a 1-D operand is
  treated as a row (left) or column (right) vector and that axis is dropped
  from the result; leading axes are batch axes and broadcast.
- `sum`, `mean`, `max` take `axis=None` (all elements, result is a 0-d
  tensor) or an axis or a tuple of axes, and `keepdims` to keep reduced axes
  with length 1, which makes the result broadcast back against the input.
- `reshape(*shape)` accepts `reshape(2, 3)` or `reshape((2, 3))`, with one
  `-1` for "whatever is left".
- `transpose(dim0=-2, dim1=-1)` swaps two axes (like `torch.transpose`; the
  default swaps the last two, which transposes a batch of matrices), and `.T`
  reverses all axes. Both are recorded as one op, `"transpose"`, saving the
  full permutation `axes`, so module 05 needs a single rule.
- `x[idx]` accepts anything NumPy accepts (ints, slices, integer and boolean
  arrays, Tensors of them) and records `"getitem"` with the index.

Comparisons (`<`, `==`, ...) return `bool` Tensors. They are not
differentiable and record nothing. `__eq__` returning a Tensor would make
Python drop the default hash, so we restore identity hashing: Tensors can
still be keys of a dict or members of a set (module 05 relies on that).
"""

# %% [markdown]
"""
## 5. Your turn: the `Tensor` class

Fill in each solution region of the class below. Every op follows the same
pattern: compute the NumPy result, then return
`Tensor.from_op(result, "<name>", (inputs...), **saved)`. The op names and the
saved keywords are fixed, because module 05's backward rules read them:

| method                 | op name      | inputs              | saved                 |
| ---------------------- | ------------ | ------------------- | --------------------- |
| `a + b`, `a - b`       | `add`, `sub` | `(a, b)`            |                       |
| `a * b`, `a / b`       | `mul`, `div` | `(a, b)`            |                       |
| `a ** b`               | `pow`        | `(a, b)`            |                       |
| `-a`                   | `neg`        | `(a,)`              |                       |
| `a @ b`                | `matmul`     | `(a, b)`            |                       |
| `a.sum/mean/max(...)`  | `sum`, `mean`, `max` | `(a,)`      | `axis`, `keepdims`    |
| `a.reshape(...)`       | `reshape`    | `(a,)`              |                       |
| `a.transpose(...)`, `a.T` | `transpose` | `(a,)`            | `axes` (a permutation)|
| `a[idx]`               | `getitem`    | `(a,)`              | `index`               |
| `a.exp()`, `a.log()`, `a.sqrt()` | `exp`, `log`, `sqrt` | `(a,)` |                 |
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "solution": true}
#| export
_autograd_engine = None


def register_autograd(engine):
    """Install `engine(root, gradient)` as the function behind `Tensor.backward`.

    Module 05 (`tinytorch.core.autograd`) calls this when it is imported. Passing
    `None` removes the engine again.
    """
    global _autograd_engine
    _autograd_engine = engine


def _load_autograd_engine():
    """Return the registered engine, importing module 05 first if needed."""
    if _autograd_engine is None:
        try:
            importlib.import_module("tinytorch.core.autograd")
        except ModuleNotFoundError as err:
            # Only a missing module 05 means "no gradients yet"; any other
            # missing import is a real bug and must surface.
            if err.name not in ("tinytorch", "tinytorch.core", "tinytorch.core.autograd"):
                raise
    if _autograd_engine is None:
        raise RuntimeError(
            "Tensor.backward() needs the autograd engine, which arrives with "
            "module 05 (tinytorch.core.autograd). Build module 05 first."
        )
    return _autograd_engine


class Tensor:
    """An n-dimensional array on NumPy that records how it was computed.

    `Tensor(data, requires_grad=False)` stores `data` as a NumPy array in
    `.data`: Python numbers and nested lists become float32, a NumPy array or
    scalar keeps its dtype, another Tensor gives its array. Operators accept
    Tensors, NumPy arrays and Python numbers on either side and broadcast like
    NumPy.

    Extension point: every op builds its result with `Tensor.from_op`, which
    records `_op`, `_inputs` and `_saved` when an input requires gradients;
    `backward()` hands that graph to the engine installed with
    `register_autograd` (module 05).
    """

    # Makes `ndarray <op> Tensor` return NotImplemented so Python calls our
    # reflected operator instead of NumPy looping over the Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        """Wrap `data` in a NumPy array following the dtype policy above.

        TODO: set `self.data`, `self.requires_grad`, `self.grad = None` and an
        empty graph record (`self._op = None`, `self._inputs = ()`,
        `self._saved = {}`). Raise a ValueError when `requires_grad` is asked
        for on a non-floating dtype.

        HINTS: `isinstance(data, (np.ndarray, np.generic))` catches NumPy
        arrays and scalars; `np.asarray` keeps their dtype;
        `np.array(data, dtype=np.float32)` converts numbers and lists;
        `np.issubdtype(dtype, np.floating)` tests for floats.
        """
        ### BEGIN SOLUTION
        if isinstance(data, Tensor):
            data = data.data
        elif isinstance(data, (np.ndarray, np.generic)):
            data = np.asarray(data)
        else:
            data = np.array(data, dtype=np.float32)
        if requires_grad and not np.issubdtype(data.dtype, np.floating):
            raise ValueError(
                f"only floating-point tensors can require gradients, got dtype {data.dtype}"
            )
        self.data = data
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._op = None
        self._inputs = ()
        self._saved = {}
        ### END SOLUTION

    @classmethod
    def from_op(cls, data, op, inputs, **saved):
        """Build the Tensor that op `op` computed as `data` from `inputs`.

        Non-Tensor inputs are wrapped with `Tensor(...)` (they never require
        gradients). If any input requires gradients, the result does too and
        remembers `_op = op`, `_inputs = inputs` (a tuple of Tensors) and
        `_saved = saved`; otherwise it records nothing.
        """
        ### BEGIN SOLUTION
        inputs = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
        out = cls(np.asarray(data))
        if any(x.requires_grad for x in inputs):
            out.requires_grad = True
            out._op = op
            out._inputs = inputs
            out._saved = saved
        return out
        ### END SOLUTION

    # ----- properties --------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    @property
    def ndim(self):
        return self.data.ndim

    def numpy(self):
        """The underlying NumPy array (shared, not copied)."""
        return self.data

    def item(self):
        """The single element as a Python number."""
        return self.data.item()

    def detach(self):
        """A Tensor sharing this data, cut off from the graph."""
        return Tensor(self.data)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self):
        return len(self.data)

    # Truth value and number conversions need a single element, as in PyTorch:
    # `if loss < 0.1:` and `float(loss)` work, `if x > 0:` on many values is an error.
    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = ""
        if self.data.dtype != np.float32:
            extras += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extras += ", requires_grad=True"
        return f"Tensor({body}{extras})"

    # ----- arithmetic --------------------------------------------------------
    def _lift(self, other):
        """Turn an operand into a Tensor; numbers (Python or NumPy scalars) take the result dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (bool, int, float, np.bool_, np.number)):
            # A NumPy scalar counts as a plain number, as in PyTorch: float32 * np.sqrt(2) stays float32.
            number = other.item() if isinstance(other, np.generic) else other
            return Tensor(np.asarray(other, dtype=np.result_type(self.data, number)))
        return Tensor(other)

    def _binary(self, other, op, compute, reflected=False):
        """Apply `compute(left.data, right.data)` and record it as `op`.

        `reflected=True` means `other` stood on the left in the expression.
        """
        ### BEGIN SOLUTION
        other = self._lift(other)
        left, right = (other, self) if reflected else (self, other)
        return Tensor.from_op(compute(left.data, right.data), op, (left, right))
        ### END SOLUTION

    def __add__(self, other):
        return self._binary(other, "add", np.add)

    def __radd__(self, other):
        return self._binary(other, "add", np.add, reflected=True)

    def __sub__(self, other):
        return self._binary(other, "sub", np.subtract)

    def __rsub__(self, other):
        return self._binary(other, "sub", np.subtract, reflected=True)

    def __mul__(self, other):
        return self._binary(other, "mul", np.multiply)

    def __rmul__(self, other):
        return self._binary(other, "mul", np.multiply, reflected=True)

    def __truediv__(self, other):
        return self._binary(other, "div", np.true_divide)

    def __rtruediv__(self, other):
        return self._binary(other, "div", np.true_divide, reflected=True)

    def __pow__(self, other):
        return self._binary(other, "pow", np.power)

    def __rpow__(self, other):
        return self._binary(other, "pow", np.power, reflected=True)

    def __matmul__(self, other):
        """Matrix product with `np.matmul` semantics (1-D and batched operands)."""
        return self._binary(other, "matmul", np.matmul)

    def __rmatmul__(self, other):
        return self._binary(other, "matmul", np.matmul, reflected=True)

    def __neg__(self):
        ### BEGIN SOLUTION
        return Tensor.from_op(-self.data, "neg", (self,))
        ### END SOLUTION

    # ----- comparisons (bool results, never part of the graph) ---------------
    def _compare(self, other, compare):
        return Tensor(compare(self.data, self._lift(other).data))

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    # Defining __eq__ removes the default hash; identity hashing keeps Tensors
    # usable as dict keys and set members.
    __hash__ = object.__hash__

    # ----- reductions --------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (None: all elements). Records "sum"."""
        ### BEGIN SOLUTION
        result = np.sum(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(result, "sum", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def mean(self, axis=None, keepdims=False):
        """Arithmetic mean over `axis` (None: all elements). Records "mean"."""
        ### BEGIN SOLUTION
        result = np.mean(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(result, "mean", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def max(self, axis=None, keepdims=False):
        """Largest element over `axis` (None: all elements). Records "max"."""
        ### BEGIN SOLUTION
        result = np.max(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(result, "max", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    # ----- shape and indexing ------------------------------------------------
    def reshape(self, *shape):
        """Same elements, new shape: `reshape(2, 3)` or `reshape((2, 3))`."""
        ### BEGIN SOLUTION
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Tensor.from_op(self.data.reshape(shape), "reshape", (self,))
        ### END SOLUTION

    def permute(self, axes):
        """Reorder the axes by the permutation `axes`. Records "transpose"."""
        ### BEGIN SOLUTION
        axes = tuple(int(a) for a in axes)
        return Tensor.from_op(np.transpose(self.data, axes), "transpose", (self,), axes=axes)
        ### END SOLUTION

    def transpose(self, dim0=-2, dim1=-1):
        """Swap axes `dim0` and `dim1` (default: the last two)."""
        ### BEGIN SOLUTION
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)
        ### END SOLUTION

    @property
    def T(self):
        """All axes reversed (a matrix transpose for 2-D tensors)."""
        return self.permute(range(self.ndim - 1, -1, -1))

    def __getitem__(self, index):
        """NumPy indexing; Tensors inside the index are read as their arrays."""
        ### BEGIN SOLUTION
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return Tensor.from_op(self.data[index], "getitem", (self,), index=index)
        ### END SOLUTION

    # ----- elementwise functions ---------------------------------------------
    def exp(self):
        """Elementwise e**x. Records "exp"."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.exp(self.data), "exp", (self,))
        ### END SOLUTION

    def log(self):
        """Elementwise natural logarithm. Records "log"."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.log(self.data), "log", (self,))
        ### END SOLUTION

    def sqrt(self):
        """Elementwise square root. Records "sqrt"."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.sqrt(self.data), "sqrt", (self,))
        ### END SOLUTION

    # ----- gradients (module 05) ---------------------------------------------
    def backward(self, gradient=None):
        """Fill `.grad` of every leaf this tensor was computed from.

        Delegates to the engine registered with `register_autograd`, importing
        `tinytorch.core.autograd` (module 05) on first use. `gradient` is the
        gradient of some final scalar with respect to this tensor; it may be
        omitted when this tensor holds a single element.
        """
        ### BEGIN SOLUTION
        engine = _load_autograd_engine()
        engine(self, gradient)
        ### END SOLUTION

# %% [markdown]
"""
### Try it

The cell below builds a small batch, adds a bias row by broadcasting and looks
at the result. Run it after finishing the class.
"""

# %%
batch = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
bias = Tensor([10.0, 20.0, 30.0])
shifted = batch + bias
print(shifted)
print("shape", shifted.shape, "dtype", shifted.dtype)
print("row sums", shifted.sum(axis=1))
print("float64 stays float64:", (Tensor(np.ones(2)) * 2.0).dtype)

# %% [markdown]
"""
## 6. Tests

Each graded cell below checks one group of methods. A failing check says what
it expected, what it got, and which method to look at.

### Creation and the dtype policy
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-creation", "locked": true, "points": 15}
def test_unit_tensor_creation():
    """Constructor: dtype policy, shape attributes, gradient bookkeeping."""
    scalar = Tensor(3)
    assert scalar.dtype == np.float32, f"Tensor(3).dtype should be float32, got {scalar.dtype} (__init__)"
    assert scalar.shape == () and scalar.ndim == 0 and scalar.size == 1, (
        f"Tensor(3) should be 0-d with shape (), got shape {scalar.shape} (__init__)")
    assert scalar.item() == 3.0, f"Tensor(3).item() should be 3.0, got {scalar.item()}"

    matrix = Tensor([[1, 2, 3], [4, 5, 6]])
    assert isinstance(matrix.data, np.ndarray), f".data should be an np.ndarray, got {type(matrix.data)}"
    assert matrix.dtype == np.float32, f"a list of ints should become float32, got {matrix.dtype} (__init__)"
    assert matrix.shape == (2, 3) and matrix.size == 6 and matrix.ndim == 2, (
        f"expected shape (2, 3), size 6, ndim 2; got {matrix.shape}, {matrix.size}, {matrix.ndim}")

    double = Tensor(np.array([1.5, 2.5]))
    assert double.dtype == np.float64, f"a float64 array must stay float64, got {double.dtype} (__init__)"
    labels = Tensor(np.array([0, 2, 1]))
    assert np.issubdtype(labels.dtype, np.integer), f"an int array must stay integer, got {labels.dtype} (__init__)"
    assert Tensor(np.float64(2.0)).dtype == np.float64, "a NumPy float64 scalar must stay float64 (__init__)"

    copy = Tensor(double)
    assert copy.dtype == np.float64 and np.array_equal(copy.data, double.data), (
        "Tensor(another_tensor) should hold the same values and dtype (__init__)")

    assert matrix.requires_grad is False and matrix.grad is None, (
        "a new Tensor should have requires_grad=False and grad=None by default (__init__)")
    weights = Tensor([0.5, -0.5], requires_grad=True)
    assert weights.requires_grad is True and weights.grad is None, (
        "Tensor(..., requires_grad=True) should set requires_grad=True and grad=None (__init__)")
    assert weights._op is None and weights._inputs == (), "a new Tensor is a leaf: _op None, _inputs () (__init__)"
    try:
        Tensor(np.array([1, 2]), requires_grad=True)
    except ValueError:
        pass
    else:
        raise AssertionError("an integer Tensor with requires_grad=True should raise ValueError (__init__)")
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("creation", [t.data for t in (scalar, matrix, double, labels, copy, Tensor(np.float64(2.0)),
                                        Tensor([True, False]), Tensor(np.zeros((2, 0))), weights)],
          same_dtype=True)
    probe("creation-grad", [matrix.requires_grad, matrix.grad is None, weights.requires_grad, weights.grad is None,
                            weights._op, len(weights._inputs),
                            error_of(lambda: Tensor(np.array([1, 2]), requires_grad=True))])
    ### END HIDDEN TESTS
    print("✅ creation and dtype policy")


test_unit_tensor_creation()

# %% [markdown]
"""
### Arithmetic and broadcasting
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arithmetic", "locked": true, "points": 20}
def test_unit_tensor_arithmetic():
    """Binary operators with Tensors, arrays and numbers on both sides."""
    a_np = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    b_np = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    a, b = Tensor(a_np), Tensor(b_np)
    cases = {
        "a + b": (a + b, a_np + b_np), "a - b": (a - b, a_np - b_np),
        "a * b": (a * b, a_np * b_np), "a / b": (a / b, a_np / b_np),
        "a ** 2": (a ** 2, a_np ** 2), "-a": (-a, -a_np),
        "2.0 - a": (2.0 - a, 2.0 - a_np), "1.0 / a": (1.0 / a, 1.0 / a_np),
        "3 + a": (3 + a, 3 + a_np), "b_np * a": (b_np * a, b_np * a_np),
        "a - b_np": (a - b_np, a_np - b_np), "2.0 ** b": (2.0 ** b, 2.0 ** b_np),
    }
    for text, (got, want) in cases.items():
        assert isinstance(got, Tensor), f"{text} should return a Tensor, got {type(got).__name__} (_binary / operators)"
        assert got.shape == want.shape, f"{text}: expected shape {want.shape}, got {got.shape} (broadcasting)"
        assert np.allclose(got.data, want), f"{text}: expected\n{want}\ngot\n{got.data}"
        assert got.dtype == np.float32, f"{text}: float32 operands should give float32, got {got.dtype}"

    double = Tensor(np.array([1.0, 2.0]))
    for text, result in {"x * 2.0": double * 2.0, "2.0 * x": 2.0 * double, "x + 1": double + 1}.items():
        assert result.dtype == np.float64, f"{text} on float64 should stay float64, got {result.dtype} (_lift)"

    column = Tensor(np.arange(3.0).reshape(3, 1))
    row = Tensor(np.arange(4.0))
    assert (column + row).shape == (3, 4), f"(3,1) + (4,) should broadcast to (3, 4), got {(column + row).shape}"

    less = a < 3.0
    assert isinstance(less, Tensor) and less.dtype == np.bool_, "a < 3.0 should return a bool Tensor"
    assert np.array_equal(less.data, a_np < 3.0), f"a < 3.0: expected {a_np < 3.0}, got {less.data}"
    assert np.array_equal((a == a).data, np.ones((2, 3), bool)), "a == a should be all True"
    assert len({a, b}) == 2, "Tensors must stay hashable (by identity)"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("arithmetic", [got.data for got, _ in cases.values()]
          + [r.data for r in (a_np / a, b >= 0.5, less, a == a, double * 2.0, 2.0 * double, double + 1,
                              column + row)], same_dtype=True)
    ### END HIDDEN TESTS
    print("✅ arithmetic and broadcasting")


test_unit_tensor_arithmetic()

# %% [markdown]
"""
### Matrix multiplication
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 10}
def test_unit_tensor_matmul():
    """`@` follows np.matmul for 2-D, 1-D and batched operands."""
    rng = np.random.default_rng(0)
    shapes = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
              ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2))]
    for left_shape, right_shape in shapes:
        left, right = rng.normal(size=left_shape), rng.normal(size=right_shape)
        got = Tensor(left) @ Tensor(right)
        want = left @ right
        assert got.shape == want.shape, (
            f"{left_shape} @ {right_shape}: expected shape {want.shape}, got {got.shape} (__matmul__)")
        assert np.allclose(got.data, want), f"{left_shape} @ {right_shape}: wrong values (__matmul__)"
    matrix = np.eye(3)
    assert np.allclose((matrix @ Tensor(np.ones((3, 2)))).data, np.ones((3, 2))), "ndarray @ Tensor should work (__rmatmul__)"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    rng = np.random.default_rng(0)
    operands = [(rng.normal(size=left), rng.normal(size=right)) for left, right in shapes]
    probe("matmul", [(Tensor(left) @ Tensor(right)).data for left, right in operands]
          + [(matrix @ Tensor(np.arange(6.0).reshape(3, 2))).data], rtol=1e-10)
    ### END HIDDEN TESTS
    print("✅ matrix multiplication")


test_unit_tensor_matmul()

# %% [markdown]
"""
### Reductions
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-reductions", "locked": true, "points": 15}
def test_unit_tensor_reductions():
    """sum / mean / max with axis None, int, negative int, tuple, keepdims."""
    data = np.arange(24.0).reshape(2, 3, 4) - 7.5
    x = Tensor(data)
    for name in ("sum", "mean", "max"):
        for axis in (None, 0, 1, -1, (0, 2)):
            for keepdims in (False, True):
                got = getattr(x, name)(axis=axis, keepdims=keepdims)
                want = getattr(np, name)(data, axis=axis, keepdims=keepdims)
                assert isinstance(got, Tensor), f"{name}() should return a Tensor"
                assert got.shape == np.shape(want), (
                    f"{name}(axis={axis}, keepdims={keepdims}): expected shape {np.shape(want)}, got {got.shape}")
                assert np.allclose(got.data, want), f"{name}(axis={axis}, keepdims={keepdims}): wrong values"
    assert x.sum().dtype == np.float64, "sum of a float64 tensor should stay float64"
    assert Tensor([1.0, 2.0]).mean().dtype == np.float32, "mean of a float32 tensor should stay float32"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("reductions", [getattr(x, name)(axis=axis, keepdims=keepdims).data for name in ("sum", "mean", "max")
                         for axis in (None, 0, 1, -1, (0, 2)) for keepdims in (False, True)]
          + [x.sum().data, Tensor([1.0, 2.0]).mean().data], rtol=1e-10, same_dtype=True)
    ### END HIDDEN TESTS
    print("✅ reductions")


test_unit_tensor_reductions()

# %% [markdown]
"""
### Reshape, transpose and indexing
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-shape-indexing", "locked": true, "points": 15}
def test_unit_tensor_shape_indexing():
    """reshape, transpose, .T and __getitem__ agree with NumPy."""
    data = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(data)
    assert x.reshape(4, 6).shape == (4, 6), f"reshape(4, 6) gave {x.reshape(4, 6).shape} (reshape)"
    assert x.reshape((6, -1)).shape == (6, 4), f"reshape((6, -1)) gave {x.reshape((6, -1)).shape} (reshape)"
    assert np.array_equal(x.reshape(-1).data, data.reshape(-1)), "reshape(-1) should flatten in C order"

    assert np.array_equal(x.transpose().data, np.swapaxes(data, -2, -1)), "transpose() should swap the last two axes"
    assert np.array_equal(x.transpose(0, 2).data, np.swapaxes(data, 0, 2)), "transpose(0, 2) should swap axes 0 and 2"
    assert np.array_equal(x.T.data, data.T), f".T should reverse all axes: expected shape {data.T.shape}, got {x.T.shape}"
    assert Tensor([1.0, 2.0]).T.shape == (2,), ".T of a 1-D tensor is itself"

    indices = [1, (0, 2), (slice(None), 1), (Ellipsis, slice(1, 3)), np.array([1, 0, 1]),
               (np.array([0, 1]), np.array([2, 0])), data > 10]
    for index in indices:
        got = x[index]
        assert isinstance(got, Tensor), f"x[{index!r}] should return a Tensor (__getitem__)"
        assert np.array_equal(got.data, data[index]), f"x[{index!r}] differs from NumPy (__getitem__)"
    assert np.array_equal(x[Tensor(np.array([1, 0]))].data, data[[1, 0]]), "a Tensor index should act like its array"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("shape-indexing", [x.reshape(4, 6).data, x.reshape((6, -1)).data, x.reshape(-1).data,
                             x.transpose().data, x.transpose(0, 2).data, x.T.data, Tensor([1.0, 2.0]).T.data]
          + [x[index].data for index in indices] + [x[Tensor(np.array([1, 0]))].data])
    ### END HIDDEN TESTS
    print("✅ reshape, transpose, indexing")


test_unit_tensor_shape_indexing()

# %% [markdown]
"""
### The graph record and the door to module 05

This test checks what module 05 will rely on: results of ops on tensors that
require gradients remember `_op`, `_inputs` and `_saved`; results of ops on
plain tensors remember nothing; and `backward()` calls whichever engine is
registered. We register a fake engine that only writes down its arguments.
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-graph", "locked": true, "points": 15}
def test_unit_tensor_graph():
    """from_op records op name, inputs and saved values; backward delegates."""
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    plain = Tensor([[1.0, 0.0], [0.0, 1.0]])

    product = w * plain
    assert product.requires_grad and product._op == "mul", (
        f"w * plain should require grad and record 'mul', got requires_grad={product.requires_grad}, _op={product._op!r}")
    assert product._inputs[0] is w and product._inputs[1] is plain, "_inputs should be (w, plain) in order (from_op)"

    untracked = plain * plain
    assert not untracked.requires_grad and untracked._op is None and untracked._inputs == (), (
        "ops on tensors that do not require grad must record nothing (from_op)")

    reflected = 2.0 - w
    assert reflected._op == "sub" and reflected._inputs[1] is w, "2.0 - w should record sub(2.0, w)"
    assert isinstance(reflected._inputs[0], Tensor) and not reflected._inputs[0].requires_grad, (
        "a number operand should be wrapped into a Tensor without gradients")

    expected = {
        "add": w + 1.0, "div": w / plain.sum(), "pow": w ** 2, "neg": -w, "matmul": w @ plain,
        "sum": w.sum(axis=0), "mean": w.mean(), "max": w.max(axis=1, keepdims=True),
        "reshape": w.reshape(4), "transpose": w.T, "getitem": w[0], "exp": w.exp(), "log": w.log(), "sqrt": w.sqrt(),
    }
    for op, result in expected.items():
        assert result._op == op, f"expected op name {op!r}, got {result._op!r}"
    assert expected["sum"]._saved == {"axis": 0, "keepdims": False}, f"sum should save axis and keepdims, got {expected['sum']._saved}"
    assert expected["transpose"]._saved == {"axes": (1, 0)}, f".T of 2-D should save axes=(1, 0), got {expected['transpose']._saved}"
    assert expected["getitem"]._saved["index"] == 0, "getitem should save the index"

    recorded = Tensor.from_op(np.array(1.5), "custom", (w, np.ones(2)), note="kept")
    assert recorded._op == "custom" and recorded._saved == {"note": "kept"}, "from_op should keep op and saved kwargs"
    assert isinstance(recorded._inputs[1], Tensor), "from_op should wrap array inputs into Tensors"

    calls = []
    register_autograd(lambda root, gradient: calls.append((root, gradient)))
    try:
        loss = (w * w).sum()
        loss.backward()
        loss.backward(np.array(2.0))
    finally:
        register_autograd(None)
    assert len(calls) == 2 and calls[0][0] is loss and calls[0][1] is None, (
        "backward() should call the registered engine with (self, gradient)")
    assert calls[1][1] == 2.0, "backward(gradient) should pass the gradient on"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("graph-values", [product.data, reflected.data, recorded.data] + [r.data for r in expected.values()])
    probe("graph-record", [product._op, product.requires_grad, untracked._op, untracked.requires_grad,
                           reflected._op, [r._op for r in expected.values()], expected["sum"]._saved,
                           expected["transpose"]._saved, expected["getitem"]._saved, recorded._op,
                           recorded._saved, len(calls), calls[0][1], calls[1][1]])
    ### END HIDDEN TESTS
    print("✅ graph record and backward delegation")


test_unit_tensor_graph()

# %% [markdown]
"""
## 7. Putting it together

The last graded cell runs every test above, then pushes a batch through a
tiny linear model by hand: `scores = x @ W + b`, a ReLU made from a
comparison, and a mean squared error, all compared with plain NumPy.
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10}
def test_module():
    """Every unit test, then a forward pass through a hand-made linear model."""
    test_unit_tensor_creation()
    test_unit_tensor_arithmetic()
    test_unit_tensor_matmul()
    test_unit_tensor_reductions()
    test_unit_tensor_shape_indexing()
    test_unit_tensor_graph()

    rng = np.random.default_rng(42)
    x_np = rng.normal(size=(8, 3)).astype(np.float32)
    w_np = rng.normal(size=(3, 2)).astype(np.float32)
    b_np = rng.normal(size=(2,)).astype(np.float32)
    target_np = rng.normal(size=(8, 2)).astype(np.float32)

    x, target = Tensor(x_np), Tensor(target_np)
    w, b = Tensor(w_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    scores = x @ w + b
    hidden = scores * (scores > 0)
    loss = ((hidden - target) ** 2).mean()

    want_hidden = np.maximum(x_np @ w_np + b_np, 0)
    want_loss = np.mean((want_hidden - target_np) ** 2)
    assert hidden.shape == (8, 2), f"hidden activations should have shape (8, 2), got {hidden.shape}"
    assert loss.shape == () and loss.dtype == np.float32, f"loss should be a float32 scalar, got {loss.shape} {loss.dtype}"
    assert np.isclose(loss.item(), want_loss, rtol=1e-5), f"loss: expected {want_loss}, got {loss.item()}"
    assert loss.requires_grad and loss._op == "mean", "the loss should be recorded in the graph"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("module-forward", [scores.data, hidden.data, loss.data, loss._op, loss.requires_grad], same_dtype=True)
    ### END HIDDEN TESTS
    print("✅ module 01 complete: Tensor is ready for the rest of the course")


test_module()

# %% [markdown]
"""
## Summary

- A `Tensor` is a NumPy array plus a dtype policy (float32 by default, NumPy
  dtypes kept), NumPy broadcasting for every operator, and a record of the
  op that made it.
- `Tensor.from_op` is the single place where that record is written; every
  later module builds its results through it.
- `backward()` is a door: module 05 registers the engine behind it with
  `register_autograd`, and `backward()` finds it by importing
  `tinytorch.core.autograd` the first time it is needed.

Next, module 02 uses these operations to build activation functions.
"""
