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
# Module 05 · Autograd

Training a network means nudging every weight in the direction that lowers the
loss. That direction is the gradient: for each weight `w`, the number
`dL/dw` saying how much the loss `L` changes when `w` moves a little. A
model has thousands of weights and the loss is a long composition of tensor
operations, so we need a machine that computes all those derivatives at once,
exactly, for any composition. That machine is **reverse-mode automatic
differentiation**, and you build it in this module.

You will learn to

- read the computation graph that module 01 already records
  (`_op`, `_inputs`, `_saved` on every result);
- write the **backward rule** of every op in the package: the arithmetic and
  shape ops of module 01, the activations of module 02 and the losses of
  module 04;
- undo broadcasting on the way back (**unbroadcasting**);
- order the graph **topologically** and walk it backwards, adding up the
  contributions of every path into each tensor;
- plug the result into `Tensor.backward()` through the door module 01 left
  open: `register_autograd`.

When you finish, `loss.backward()` fills `w.grad` for every weight `w` that
has `requires_grad=True`, and modules 06 onwards can train.
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "solution": false}
#| default_exp core.autograd
#| export
import math

import numpy as np

from tinytorch.core.tensor import Tensor, register_autograd

# %% [markdown]
"""
## 1. The graph you already have

Since module 01, every op builds its result with `Tensor.from_op`, which, as
soon as an input requires gradients, stores the op name, the inputs and
whatever the op saved. Take a one-neuron model with a squared error:

```python
w = Tensor([2.0], requires_grad=True)
b = Tensor([1.0], requires_grad=True)
x = Tensor([3.0])
y = x * w + b        # y = 7
loss = (y ** 2).sum()  # loss = 49
```

The objects now form this graph (arrows point from inputs to results):

```
   x ──┐
       ├─ mul ─► u ──┐
   w ──┘             ├─ add ─► y ─► pow(·, 2) ─► v ─► sum ─► loss
   b ────────────────┘
```

### The chain rule, backwards

Write `ȳ` ("y-bar") for `dloss/dy`, the gradient of the final scalar with
respect to an intermediate tensor. Reverse mode starts with `loss̄ = 1` and
walks the arrows backwards. At each node it applies that op's **backward
rule**, which turns the gradient of the output into gradients of the inputs:

```
loss̄ = 1
v̄ = 1                       (sum: every element gets the upstream gradient)
ȳ = v̄ · 2y   = 14           (pow: d(y²)/dy = 2y)
ū = ȳ · 1    = 14,  b̄ = 14  (add: both inputs get the gradient unchanged)
w̄ = ū · x    = 42           (mul: each input gets the gradient times the other)
```

Indeed `loss = (3w + b)²` gives `dloss/dw = 2(3w + b)·3 = 42`. Each rule
only needs local information: the upstream gradient, the op's inputs and
output, and what it saved. That is why one small function per op is enough.

### Why backwards?

Going backwards costs one pass for *all* weights, because the single scalar
loss sits at the end. Going forwards would need one pass per weight. Networks
have one loss and many weights, so reverse mode wins.

## 2. The rule registry

A backward rule is a function `rule(grad, out)`:

- `grad` is the NumPy array `out̄`, with the shape of `out`;
- `out` is the result Tensor; the rule reads `out._inputs[i].data`,
  `out.data` and `out._saved`;
- it returns one array per input (or `None` for an input that gets no
  gradient), in the order of `out._inputs`.

Rules live in a dictionary keyed by op name. The decorator
`@backward_rule("add")` puts a function there, so the rule and its op name
sit together.

### Unbroadcasting

Broadcasting copies an operand along some axes without saying so. In
`y = x + b` with `x` of shape `(2, 3)` and `b` of shape `(3,)`, every
element of `b` is used in both rows, so its gradient is the *sum* over rows:

```
ȳ  (2, 3)     [[1, 2, 3],        b̄ (3,) = [1+4, 2+5, 3+6] = [5, 7, 9]
               [4, 5, 6]]
```

The general recipe to bring a gradient back to an input's `shape`:

1. sum over the leading axes the input did not have (`grad.ndim - len(shape)` of them);
2. sum, keeping the axis, wherever the input had length 1 but the gradient does not.

The engine applies `unbroadcast` to every gradient a rule returns, so the
rules themselves can return gradients of the broadcast shape.
"""

# %% nbgrader={"grade": false, "grade_id": "rule-registry", "solution": true}
#| export
BACKWARD_RULES = {}


def backward_rule(op):
    """Register the decorated function as the backward rule of op name `op`."""
    def register(rule):
        BACKWARD_RULES[op] = rule
        return rule
    return register


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing NumPy broadcasting.

    Leading axes that `shape` lacks are summed away; axes where `shape` has
    length 1 are summed with keepdims. Example: (4, 2, 3) -> (2, 1) sums
    axis 0, then axis 2 (the 3 -> 1 axis).
    """
    ### BEGIN SOLUTION
    grad = np.asarray(grad)
    extra_axes = grad.ndim - len(shape)
    if extra_axes > 0:
        grad = grad.sum(axis=tuple(range(extra_axes)))
    stretched = tuple(axis for axis, length in enumerate(shape) if length == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)
    ### END SOLUTION


# %% [markdown]
"""
### Checking rules numerically

How do we know a rule is right? Compare it with the definition of the
derivative. For a scalar function `f` and a small `h`, the **central
difference**

```
df/dx ≈ (f(x + h) - f(x - h)) / (2h)
```

is accurate to about `h²`. In `float64` with `h = 1e-6` that agrees with the
exact derivative to roughly 8 digits, so any real mistake in a rule shows up.

To check a rule for a non-scalar op we use a random upstream gradient `G` and
the scalar `f = sum(G * op(inputs))`: its gradient with respect to each input
is exactly what the rule must return for `grad = G`. The helper below does
that for every element of every input. It is not graded; the graded tests use
it.
"""

# %%
def numerical_gradient(scalar_fn, arrays, index, h=1e-6):
    """Central differences of `scalar_fn(*arrays)` with respect to `arrays[index]`."""
    target = arrays[index]
    estimate = np.zeros_like(target)
    for position in np.ndindex(target.shape):
        original = target[position]
        target[position] = original + h
        above = scalar_fn(*arrays)
        target[position] = original - h
        below = scalar_fn(*arrays)
        target[position] = original
        estimate[position] = (above - below) / (2 * h)
    return estimate


def check_rule(forward, *arrays, seed=0, atol=1e-6):
    """Compare the backward rule of `forward`'s op with finite differences.

    `forward(*tensors)` must build its result with a single recorded op;
    `arrays` are the values of its differentiable inputs (made float64).
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = forward(*inputs)
    upstream = np.random.default_rng(seed).normal(size=out.shape)
    rule_grads = BACKWARD_RULES[out._op](upstream, out)

    def weighted_output(*values):
        return float(np.sum(upstream * forward(*[Tensor(v) for v in values]).data))

    for index, tensor in enumerate(inputs):
        # The op may record constants too (2.0 ** x records pow(2.0, x)):
        # match our tensor to its position(s) in out._inputs by identity.
        positions = [i for i, recorded in enumerate(out._inputs) if recorded is tensor]
        assert all(rule_grads[i] is not None for i in positions), f"rule {out._op!r} returned None for an input"
        got = sum(unbroadcast(np.asarray(rule_grads[i], dtype=np.float64), tensor.shape) for i in positions)
        want = numerical_gradient(weighted_output, arrays, index)
        assert np.allclose(got, want, rtol=1e-5, atol=atol), (
            f"backward rule {out._op!r}, input {index} (shape {tensor.shape}):\n"
            f"expected (finite differences)\n{want}\ngot\n{got}\nlook at the rule registered for {out._op!r}")


# %% nbgrader={"grade": true, "grade_id": "test-unbroadcast", "locked": true, "points": 5}
def test_unit_unbroadcast():
    """unbroadcast sums away exactly the axes broadcasting added or stretched."""
    grad = np.arange(24.0).reshape(4, 2, 3)
    cases = [((4, 2, 3), grad), ((2, 3), grad.sum(axis=0)), ((3,), grad.sum(axis=(0, 1))),
             ((2, 1), grad.sum(axis=(0, 2)).reshape(2, 1)), ((1, 1, 3), grad.sum(axis=(0, 1), keepdims=True)),
             ((), grad.sum())]
    for shape, want in cases:
        got = unbroadcast(grad, shape)
        assert np.shape(got) == shape, f"unbroadcast(grad of shape (4, 2, 3), {shape}) returned shape {np.shape(got)}"
        assert np.allclose(got, want), f"unbroadcast(..., {shape}): expected\n{want}\ngot\n{got}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("unbroadcast", [unbroadcast(grad, shape) for shape, _ in cases]
          + [unbroadcast(np.arange(24.0).reshape(2, 3, 4) ** 2, (3, 1)), unbroadcast(grad[0], (1, 3))], rtol=1e-12)
    ### END HIDDEN TESTS
    print("✅ unbroadcast")


test_unit_unbroadcast()

# %% [markdown]
"""
## 3. Arithmetic rules

For `out = a ∘ b` with upstream gradient `ḡ` (all products elementwise, then
unbroadcast by the engine):

| op    | forward      | gradient for `a`            | gradient for `b`                     |
| ----- | ------------ | --------------------------- | ------------------------------------ |
| `add` | `a + b`      | `ḡ`                         | `ḡ`                                  |
| `sub` | `a - b`      | `ḡ`                         | `-ḡ`                                 |
| `mul` | `a * b`      | `ḡ · b`                     | `ḡ · a`                              |
| `div` | `a / b`      | `ḡ / b`                     | `-ḡ · a / b²`                        |
| `pow` | `a ** b`     | `ḡ · b · a^(b-1)`           | `ḡ · a^b · ln a`                     |
| `neg` | `-a`         | `-ḡ`                        |                                      |
| `exp` | `eˣ`         | `ḡ · out`  (`out = eˣ`)     |                                      |
| `log` | `ln a`       | `ḡ / a`                     |                                      |
| `sqrt`| `√a`         | `ḡ / (2 · out)`             |                                      |

Two corners of `pow` follow PyTorch, so a checked model gets the same
numbers: where the exponent is 0 the base gets gradient 0 (the formula would
give `0 · 0^(-1)`, which is `nan`), and where the base is 0 and the exponent
is non-negative the exponent gets gradient 0 (instead of `0 · ln 0`). The
exponent's gradient is only computed when the exponent requires gradients:
for `x ** 2` that saves work and avoids taking `ln` of negative bases.
"""

# %% nbgrader={"grade": false, "grade_id": "rules-arithmetic", "solution": true}
#| export
@backward_rule("add")
def add_backward(grad, out):
    """out = a + b:  ā = ḡ,  b̄ = ḡ."""
    ### BEGIN SOLUTION
    return grad, grad
    ### END SOLUTION


@backward_rule("sub")
def sub_backward(grad, out):
    """out = a - b:  ā = ḡ,  b̄ = -ḡ."""
    ### BEGIN SOLUTION
    return grad, -grad
    ### END SOLUTION


@backward_rule("mul")
def mul_backward(grad, out):
    """out = a * b:  ā = ḡ·b,  b̄ = ḡ·a."""
    ### BEGIN SOLUTION
    a, b = out._inputs
    return grad * b.data, grad * a.data
    ### END SOLUTION


@backward_rule("div")
def div_backward(grad, out):
    """out = a / b:  ā = ḡ/b,  b̄ = -ḡ·a/b²."""
    ### BEGIN SOLUTION
    a, b = out._inputs
    return grad / b.data, -grad * a.data / b.data ** 2
    ### END SOLUTION


@backward_rule("pow")
def pow_backward(grad, out):
    """out = a ** b:  ā = ḡ·b·a^(b-1) (0 where b = 0),  b̄ = ḡ·a^b·ln a (0 where a = 0 and b >= 0)."""
    ### BEGIN SOLUTION
    base, exponent = out._inputs
    a, b = base.data, exponent.data
    with np.errstate(divide="ignore", invalid="ignore"):
        grad_base = np.where(b == 0, 0.0, grad * b * a ** (b - 1))
        grad_exponent = None
        if exponent.requires_grad:
            grad_exponent = np.where((a == 0) & (b >= 0), 0.0, grad * out.data * np.log(a))
    return grad_base, grad_exponent
    ### END SOLUTION


@backward_rule("neg")
def neg_backward(grad, out):
    """out = -a:  ā = -ḡ."""
    ### BEGIN SOLUTION
    return (-grad,)
    ### END SOLUTION


@backward_rule("exp")
def exp_backward(grad, out):
    """out = e^a:  ā = ḡ·out."""
    ### BEGIN SOLUTION
    return (grad * out.data,)
    ### END SOLUTION


@backward_rule("log")
def log_backward(grad, out):
    """out = ln a:  ā = ḡ/a."""
    ### BEGIN SOLUTION
    return (grad / out._inputs[0].data,)
    ### END SOLUTION


@backward_rule("sqrt")
def sqrt_backward(grad, out):
    """out = √a:  ā = ḡ/(2·out)."""
    ### BEGIN SOLUTION
    return (grad / (2 * out.data),)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-rules-arithmetic", "locked": true, "points": 15}
### BEGIN HIDDEN TESTS
def probe_rule_gradients(forward, *arrays, seed=0):
    """What the backward rule of `forward`'s op gives each input for a random upstream gradient."""
    inputs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = forward(*inputs)
    grads = BACKWARD_RULES[out._op](np.random.default_rng(seed).normal(size=out.shape), out)
    return [sum(unbroadcast(np.asarray(grads[i], dtype=np.float64), tensor.shape)
                for i, recorded in enumerate(out._inputs) if recorded is tensor) for tensor in inputs]


### END HIDDEN TESTS
def test_unit_rules_arithmetic():
    """Each arithmetic rule matches finite differences, with broadcasting."""
    rng = np.random.default_rng(1)
    matrix, row = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    positive = rng.uniform(0.5, 2.0, size=(3, 4))
    rules = [(lambda a, b: a + b, (matrix, row)), (lambda a, b: a - b, (matrix, row)),
             (lambda a, b: a * b, (matrix, row)), (lambda a, b: a / b, (matrix, positive)),
             (lambda a: -a, (matrix,)), (lambda a: a ** 3, (matrix,)), (lambda a, b: a ** b, (positive, row)),
             (lambda a: 2.0 ** a, (row,)), (lambda a: a.exp(), (matrix,)), (lambda a: a.log(), (positive,)),
             (lambda a: a.sqrt(), (positive,))]
    for forward, arrays in rules:
        check_rule(forward, *arrays)

    base = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    squared = base ** 0.0
    grad_base, _ = BACKWARD_RULES["pow"](np.ones(2), squared)
    assert np.array_equal(grad_base, [0.0, 0.0]), f"x ** 0 should give gradient 0 (also at x = 0), got {grad_base}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("rules-arithmetic", [probe_rule_gradients(forward, *arrays) for forward, arrays in rules]
          + [probe_rule_gradients(lambda a, b: b / a, positive, matrix), grad_base], rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ arithmetic rules")


test_unit_rules_arithmetic()

# %% [markdown]
"""
## 4. Matrix multiplication

For matrices `C = A @ B` with `A: (m, k)`, `B: (k, n)`, element `C[i, j] =
Σ_p A[i, p] B[p, j]`. Element `A[i, p]` meets every `B[p, j]` in row `i` of
`C`, so

```
Ā = C̄ @ Bᵀ      (m, n) @ (n, k) -> (m, k)
B̄ = Aᵀ @ C̄      (k, m) @ (m, n) -> (k, n)
```

A quick way to remember: the only way to multiply `C̄` with `B` or `A` so that
the shapes come out as `A`'s or `B`'s.

`np.matmul` also accepts

- **batches**: leading axes broadcast, as in `(5, 2, 3) @ (3, 4) -> (5, 2, 4)`.
  The same formulas hold per batch (`ᵀ` swaps the last two axes only), and
  unbroadcasting sums a shared `B` over the batch;
- **1-D operands**: a vector on the left acts as a row `(1, k)`, a vector on the
  right as a column `(k, 1)`, and the helper axis is dropped from the result.
  Backwards we re-insert that axis into `C̄`, apply the matrix formulas and
  drop it again.

```
a (k,)   @ B (k, n)  -> (n,)   : a as (1, k), C̄ (n,) as (1, n)
A (m, k) @ b (k,)    -> (m,)   : b as (k, 1), C̄ (m,) as (m, 1)
a (k,)   @ b (k,)    -> ()     : both,        C̄ ()   as (1, 1)
```
"""

# %% nbgrader={"grade": false, "grade_id": "rule-matmul", "solution": true}
#| export
@backward_rule("matmul")
def matmul_backward(grad, out):
    """out = a @ b:  ā = ḡ @ bᵀ,  b̄ = aᵀ @ ḡ (ᵀ swaps the last two axes).

    1-D operands are promoted to a row (left) or column (right) matrix first,
    exactly as np.matmul does, and the gradients are reshaped back.
    """
    ### BEGIN SOLUTION
    a, b = out._inputs[0].data, out._inputs[1].data
    a_matrix = a[np.newaxis, :] if a.ndim == 1 else a
    b_matrix = b[:, np.newaxis] if b.ndim == 1 else b
    # Re-insert the axes np.matmul dropped for 1-D operands (column first, so
    # a 0-d gradient of vector @ vector becomes (1, 1)).
    grad_matrix = grad
    if b.ndim == 1:
        grad_matrix = np.expand_dims(grad_matrix, -1)
    if a.ndim == 1:
        grad_matrix = np.expand_dims(grad_matrix, -2)
    grad_a = grad_matrix @ np.swapaxes(b_matrix, -1, -2)
    grad_b = np.swapaxes(a_matrix, -1, -2) @ grad_matrix
    return (unbroadcast(grad_a, a_matrix.shape).reshape(a.shape),
            unbroadcast(grad_b, b_matrix.shape).reshape(b.shape))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-rule-matmul", "locked": true, "points": 10}
def test_unit_rule_matmul():
    """matmul rule for 2-D, 1-D and batched operands, against finite differences."""
    rng = np.random.default_rng(2)
    shapes = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
              ((5, 2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (3, 2, 3, 1)), ((3,), (2, 3, 4))]
    operands = [(rng.normal(size=left), rng.normal(size=right)) for left, right in shapes]
    for left, right in operands:
        check_rule(lambda a, b: a @ b, left, right)
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("rule-matmul", [probe_rule_gradients(lambda a, b: a @ b, *pair, seed=3) for pair in operands],
          rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ matmul rule")


test_unit_rule_matmul()

# %% [markdown]
"""
## 5. Reductions

A reduction maps many elements to fewer. Backwards, each input element
receives the gradient of the output element it went into, so we first give
the gradient its reduced axes back (length 1), then broadcast it to the input
shape:

```
x (2, 3) ── sum(axis=1) ──► out (2,)          ḡ (2,) = [g0, g1]
                                              expand  -> (2, 1)
x̄ = broadcast to (2, 3) = [[g0, g0, g0],
                           [g1, g1, g1]]
```

With `keepdims=True` (or `axis=None`, which gives a 0-d result) the gradient
already broadcasts; otherwise `np.expand_dims(ḡ, axis)` restores the axes.

- `sum`:  `x̄ = expand(ḡ)`
- `mean`: `x̄ = expand(ḡ) · out.size / x.size`, since each element counts
  `1 / (number of elements averaged)`
- `max`:  only the elements equal to the maximum influenced it. When several
  elements tie for the maximum we **split the gradient equally** among them
  (this is what PyTorch does for `x.max()` and `torch.amax`):
  `x̄ = expand(ḡ) · mask / count` with `mask = (x == expand(out))` and
  `count` the number of maxima in each reduced group.
"""

# %% nbgrader={"grade": false, "grade_id": "rules-reductions", "solution": true}
#| export
def _restore_reduced_axes(values, axis, keepdims):
    """Give a reduction result its reduced axes back, with length 1."""
    if axis is None or keepdims:
        return values
    return np.expand_dims(values, axis)


@backward_rule("sum")
def sum_backward(grad, out):
    """out = x.sum(axis):  x̄ = ḡ broadcast back over the summed axes."""
    ### BEGIN SOLUTION
    x = out._inputs[0]
    grad = _restore_reduced_axes(grad, out._saved["axis"], out._saved["keepdims"])
    return (np.broadcast_to(grad, x.shape),)
    ### END SOLUTION


@backward_rule("mean")
def mean_backward(grad, out):
    """out = x.mean(axis):  x̄ = ḡ broadcast back, divided by the count averaged."""
    ### BEGIN SOLUTION
    x = out._inputs[0]
    grad = _restore_reduced_axes(grad, out._saved["axis"], out._saved["keepdims"])
    return (np.broadcast_to(grad, x.shape) * (out.data.size / x.data.size),)
    ### END SOLUTION


@backward_rule("max")
def max_backward(grad, out):
    """out = x.max(axis):  x̄ = ḡ · mask / count, ties sharing the gradient equally."""
    ### BEGIN SOLUTION
    x = out._inputs[0]
    axis, keepdims = out._saved["axis"], out._saved["keepdims"]
    is_max = x.data == _restore_reduced_axes(out.data, axis, keepdims)
    ties = is_max.sum(axis=axis, keepdims=True)
    return (_restore_reduced_axes(grad, axis, keepdims) * is_max / ties,)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-rules-reductions", "locked": true, "points": 10}
def test_unit_rules_reductions():
    """sum / mean / max rules for every axis form, plus the tie rule of max."""
    rng = np.random.default_rng(3)
    data = rng.normal(size=(2, 3, 4))
    for axis in (None, 0, -1, (0, 2)):
        for keepdims in (False, True):
            check_rule(lambda x: x.sum(axis=axis, keepdims=keepdims), data)
            check_rule(lambda x: x.mean(axis=axis, keepdims=keepdims), data)
            check_rule(lambda x: x.max(axis=axis, keepdims=keepdims), data)

    tied = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]), requires_grad=True)
    (grad,) = max_backward(np.array([6.0, 4.0]), tied.max(axis=1))
    want = np.array([[0.0, 3.0, 3.0], [4.0, 0.0, 0.0]])
    assert np.allclose(grad, want), f"max with ties should split the gradient equally: expected\n{want}\ngot\n{grad}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("rules-reductions", [probe_rule_gradients(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), data)
                               for axis in (None, 0, -1, (0, 2)) for keepdims in (False, True)
                               for name in ("sum", "mean", "max")] + [grad], rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ reduction rules")


test_unit_rules_reductions()

# %% [markdown]
"""
## 6. Shape and indexing rules

These ops move elements around without changing them, so backwards we move
the gradient back:

- `reshape`: `x̄ = ḡ.reshape(x.shape)`.
- `transpose` (saved `axes`, a permutation): out's axis `i` is x's axis
  `axes[i]`. Applying the inverse permutation, `np.argsort(axes)`, puts the
  gradient's axes back in x's order.
- `getitem` (saved `index`): the selected elements got the gradient, the
  rest get 0. Start from zeros of x's shape and add `ḡ` into the selected
  positions. An index such as `x[[0, 0, 1]]` selects row 0 twice, and both
  uses must count; `full[index] += ḡ` would keep only one of them (NumPy
  buffers the write), while `np.add.at(full, index, ḡ)` adds every
  occurrence.

```
x = [a, b, c]      x[[0, 0, 2]] = [a, a, c]      ḡ = [1, 2, 3]
x̄ = [1 + 2, 0, 3] = [3, 0, 3]
```
"""

# %% nbgrader={"grade": false, "grade_id": "rules-shape", "solution": true}
#| export
@backward_rule("reshape")
def reshape_backward(grad, out):
    """out = x.reshape(...):  x̄ = ḡ reshaped to x's shape."""
    ### BEGIN SOLUTION
    return (grad.reshape(out._inputs[0].shape),)
    ### END SOLUTION


@backward_rule("transpose")
def transpose_backward(grad, out):
    """out = np.transpose(x, axes):  x̄ = np.transpose(ḡ, argsort(axes))."""
    ### BEGIN SOLUTION
    return (np.transpose(grad, np.argsort(out._saved["axes"])),)
    ### END SOLUTION


@backward_rule("getitem")
def getitem_backward(grad, out):
    """out = x[index]:  x̄ = zeros with ḡ added at index (repeats accumulate)."""
    ### BEGIN SOLUTION
    x = out._inputs[0]
    full = np.zeros(x.shape, dtype=np.result_type(x.dtype, grad.dtype))
    np.add.at(full, out._saved["index"], grad)
    return (full,)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-rules-shape", "locked": true, "points": 10}
def test_unit_rules_shape():
    """reshape / transpose / getitem rules, including repeated indices."""
    rng = np.random.default_rng(4)
    data = rng.normal(size=(2, 3, 4))
    check_rule(lambda x: x.reshape(4, 6), data)
    check_rule(lambda x: x.reshape(-1), data)
    check_rule(lambda x: x.transpose(), data)
    check_rule(lambda x: x.transpose(0, 2), data)
    check_rule(lambda x: x.T, data)
    for index in (1, (0, slice(1, 3)), (Ellipsis, 2), np.array([1, 1, 0]),
                  (np.array([0, 0, 1]), np.array([2, 2, 0])), data > 0):
        check_rule(lambda x: x[index], data)

    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (grad,) = getitem_backward(np.array([1.0, 2.0, 3.0]), x[np.array([0, 0, 2])])
    assert np.allclose(grad, [3.0, 0.0, 3.0]), f"x[[0, 0, 2]] with ḡ=[1, 2, 3] should give [3, 0, 3], got {grad}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    shapes = [lambda x: x.reshape(4, 6), lambda x: x.reshape(-1), lambda x: x.transpose(),
              lambda x: x.transpose(0, 2), lambda x: x.T]
    indices = (1, (0, slice(1, 3)), (Ellipsis, 2), np.array([1, 1, 0]),
               (np.array([0, 0, 1]), np.array([2, 2, 0])), data > 0)
    probe("rules-shape", [probe_rule_gradients(forward, data) for forward in shapes]
          + [probe_rule_gradients(lambda x: x[index], data) for index in indices] + [grad], rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ shape and indexing rules")


test_unit_rules_shape()

# %% [markdown]
"""
## 7. Activation rules (module 02)

Module 02 records its activations as ops with input `(x,)`. Their
derivatives are best written through the output `y`, which the rule can read
from `out.data` for free:

| op        | forward                         | `x̄`                                         |
| --------- | ------------------------------- | ------------------------------------------- |
| `relu`    | `max(x, 0)`                     | `ḡ · [x > 0]` (0 at `x = 0`, like PyTorch)  |
| `sigmoid` | `y = 1 / (1 + e^(-x))`          | `ḡ · y · (1 - y)`                           |
| `tanh`    | `y = tanh x`                    | `ḡ · (1 - y²)`                              |
| `softmax` | `yᵢ = e^(xᵢ) / Σⱼ e^(xⱼ)` along `axis` | `y · (ḡ - Σⱼ ḡⱼ yⱼ)`, sum along `axis` |
| `gelu` `"none"` | `x · Φ(x)`, `Φ(x) = (1 + erf(x/√2)) / 2` | `ḡ · (Φ(x) + x · φ(x))`, `φ(x) = e^(-x²/2) / √(2π)` |
| `gelu` `"tanh"` | `x · (1 + tanh u) / 2`, `u = √(2/π)(x + 0.044715 x³)` | `ḡ · ((1 + t)/2 + x (1 - t²) √(2/π)(1 + 3·0.044715 x²) / 2)`, `t = tanh u` |

The softmax line deserves a derivation. `∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ - yⱼ)`, so

```
x̄ⱼ = Σᵢ ḡᵢ yᵢ (δᵢⱼ - yⱼ) = yⱼ ḡⱼ - yⱼ Σᵢ ḡᵢ yᵢ = yⱼ (ḡⱼ - Σᵢ ḡᵢ yᵢ)
```

It never forms the `C × C` Jacobian, and it reads only `y`, which module 02
computed stably, so it stays finite for logits in the thousands.
"""

# %% nbgrader={"grade": false, "grade_id": "rules-activations", "solution": true}
#| export
_erf = np.vectorize(math.erf, otypes=[np.float64])


@backward_rule("relu")
def relu_backward(grad, out):
    """y = max(x, 0):  x̄ = ḡ · [x > 0]."""
    ### BEGIN SOLUTION
    return (grad * (out._inputs[0].data > 0),)
    ### END SOLUTION


@backward_rule("sigmoid")
def sigmoid_backward(grad, out):
    """y = sigmoid(x):  x̄ = ḡ · y · (1 - y)."""
    ### BEGIN SOLUTION
    y = out.data
    return (grad * y * (1 - y),)
    ### END SOLUTION


@backward_rule("tanh")
def tanh_backward(grad, out):
    """y = tanh(x):  x̄ = ḡ · (1 - y²)."""
    ### BEGIN SOLUTION
    return (grad * (1 - out.data ** 2),)
    ### END SOLUTION


@backward_rule("softmax")
def softmax_backward(grad, out):
    """y = softmax(x, axis):  x̄ = y · (ḡ - Σ ḡ·y) with the sum along axis."""
    ### BEGIN SOLUTION
    y = out.data
    weighted_total = np.sum(grad * y, axis=out._saved["axis"], keepdims=True)
    return (y * (grad - weighted_total),)
    ### END SOLUTION


@backward_rule("gelu")
def gelu_backward(grad, out):
    """GELU, exact ("none") or tanh approximation ("tanh"); formulas in the table above."""
    ### BEGIN SOLUTION
    x = out._inputs[0].data
    if out._saved["approximate"] == "tanh":
        scale = math.sqrt(2 / math.pi)
        t = np.tanh(scale * (x + 0.044715 * x ** 3))
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * scale * (1 + 3 * 0.044715 * x ** 2)
    else:
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
        pdf = np.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)
        slope = cdf + x * pdf
    return (grad * slope,)
    ### END SOLUTION


# %% [markdown]
"""
The test below records the activations with `Tensor.from_op` itself, using
small NumPy forward passes, so it checks the rules whatever state your
module 02 is in.
"""

# %% nbgrader={"grade": true, "grade_id": "test-rules-activations", "locked": true, "points": 10}
def _softmax_values(x, axis):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _gelu_values(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def test_unit_rules_activations():
    """relu / sigmoid / tanh / softmax / gelu rules against finite differences."""
    rng = np.random.default_rng(5)
    data = rng.normal(size=(3, 5)) * 2
    check_rule(lambda x: Tensor.from_op(np.maximum(x.data, 0), "relu", (x,)), data)
    check_rule(lambda x: Tensor.from_op(1 / (1 + np.exp(-x.data)), "sigmoid", (x,)), data)
    check_rule(lambda x: Tensor.from_op(np.tanh(x.data), "tanh", (x,)), data)
    for axis in (-1, 0):
        check_rule(lambda x: Tensor.from_op(_softmax_values(x.data, axis), "softmax", (x,), axis=axis), data)
    for approximate in ("none", "tanh"):
        check_rule(lambda x: Tensor.from_op(_gelu_values(x.data, approximate), "gelu", (x,),
                                            approximate=approximate), data)

    huge = Tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    probs = Tensor.from_op(_softmax_values(huge.data, -1), "softmax", (huge,), axis=-1)
    (grad,) = softmax_backward(np.array([[1.0, 0.0, 0.0]]), probs)
    assert np.all(np.isfinite(grad)), f"softmax rule must stay finite for logits in the thousands, got {grad}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    forwards = [lambda x: Tensor.from_op(np.maximum(x.data, 0), "relu", (x,)),
                lambda x: Tensor.from_op(1 / (1 + np.exp(-x.data)), "sigmoid", (x,)),
                lambda x: Tensor.from_op(np.tanh(x.data), "tanh", (x,))]
    forwards += [lambda x, axis=axis: Tensor.from_op(_softmax_values(x.data, axis), "softmax", (x,), axis=axis)
                 for axis in (-1, 0)]
    forwards += [lambda x, approximate=approximate: Tensor.from_op(_gelu_values(x.data, approximate), "gelu", (x,),
                                                                   approximate=approximate)
                 for approximate in ("none", "tanh")]
    probe("rules-activations", [probe_rule_gradients(forward, data) for forward in forwards] + [grad],
          rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ activation rules")


test_unit_rules_activations()

# %% [markdown]
"""
## 8. Loss rules (module 04)

Each loss is a mean over `N` terms and returns a 0-d scalar, so its upstream
gradient `ḡ` is a single number.

**`mse_loss`**, inputs `(pred, target)`: `L = mean((p - t)²)` over the `N`
elements of `p - t`, so

```
p̄ = ḡ · 2 (p - t) / N        t̄ = -p̄
```

**`cross_entropy`**, input `(logits,)`, saved `targets` (class indices, shape
`(N,)`) and `probs` (softmax of the logits). For one row,
`Lₙ = -log softmax(z)[k] = log Σⱼ e^(zⱼ) - z_k` with `k` the target class, and
`∂Lₙ/∂zⱼ = softmax(z)ⱼ - [j = k]`. Averaged over rows:

```
z̄ = ḡ · (probs - onehot(targets)) / N
```

This is the reason losses take logits: the gradient is a clean difference of
probabilities, with no division by a probability that could be 0.

**`binary_cross_entropy`**, inputs `(pred, target)`, both probabilities of
the same shape. `L = -mean(t log p + (1 - t) log(1 - p))`, where PyTorch clamps
each log at -100 so that `p = 0` or `p = 1` gives a large finite loss. The
gradients (matching `torch.nn.BCELoss`):

```
p̄ = ḡ · (p - t) / max(p (1 - p), 1e-12) / N
t̄ = ḡ · (max(log(1 - p), -100) - max(log p, -100)) / N
```
"""

# %% nbgrader={"grade": false, "grade_id": "rules-losses", "solution": true}
#| export
@backward_rule("mse_loss")
def mse_loss_backward(grad, out):
    """L = mean((p - t)²):  p̄ = ḡ·2(p - t)/N,  t̄ = -p̄."""
    ### BEGIN SOLUTION
    pred, target = out._inputs
    difference = pred.data - target.data
    grad_pred = grad * 2 * difference / difference.size
    return grad_pred, -grad_pred
    ### END SOLUTION


@backward_rule("cross_entropy")
def cross_entropy_backward(grad, out):
    """L = mean(-log softmax(z)[target]):  z̄ = ḡ·(probs - onehot(targets))/N."""
    ### BEGIN SOLUTION
    probs, targets = out._saved["probs"], out._saved["targets"]
    rows = probs.shape[0]
    grad_logits = probs.copy()
    grad_logits[np.arange(rows), targets] -= 1
    return (grad * grad_logits / rows,)
    ### END SOLUTION


@backward_rule("binary_cross_entropy")
def binary_cross_entropy_backward(grad, out):
    """L = -mean(t log p + (1-t) log(1-p)), logs clamped at -100; formulas above."""
    ### BEGIN SOLUTION
    pred, target = out._inputs
    p, t = pred.data, target.data
    count = p.size
    grad_pred = grad * (p - t) / np.maximum(p * (1 - p), 1e-12) / count
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_not_p = np.maximum(np.log1p(-p), -100)
    grad_target = grad * (log_not_p - log_p) / count
    return grad_pred, grad_target
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-rules-losses", "locked": true, "points": 10}
def _cross_entropy_record(logits, targets):
    z = logits.data
    log_probs = z - z.max(axis=1, keepdims=True)
    log_probs = log_probs - np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(targets)), targets].mean()
    return Tensor.from_op(loss, "cross_entropy", (logits,), targets=targets, probs=np.exp(log_probs))


def _bce_record(pred, target):
    p, t = pred.data, target.data
    log_p, log_not_p = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
    return Tensor.from_op(-np.mean(t * log_p + (1 - t) * log_not_p), "binary_cross_entropy", (pred, target))


def test_unit_rules_losses():
    """mse_loss / cross_entropy / binary_cross_entropy rules against finite differences."""
    rng = np.random.default_rng(6)
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    check_rule(lambda p, t: Tensor.from_op(np.mean((p.data - t.data) ** 2), "mse_loss", (p, t)), pred, target)

    labels = np.array([2, 0, 1, 2])
    check_rule(lambda z: _cross_entropy_record(z, labels), rng.normal(size=(4, 3)) * 3)

    probabilities = rng.uniform(0.05, 0.95, size=(4, 3))
    soft_targets = rng.uniform(0, 1, size=(4, 3))
    check_rule(_bce_record, probabilities, soft_targets)

    huge = Tensor(np.array([[2000.0, -2000.0, 0.0]]), requires_grad=True)
    (grad,) = cross_entropy_backward(np.array(1.0), _cross_entropy_record(huge, np.array([1])))
    assert np.allclose(grad, [[1.0, -1.0, 0.0]]), f"cross-entropy rule with huge logits: expected [[1, -1, 0]], got {grad}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("rules-losses", [
        probe_rule_gradients(lambda p, t: Tensor.from_op(np.mean((p.data - t.data) ** 2), "mse_loss", (p, t)),
                             pred, target),
        probe_rule_gradients(lambda z: _cross_entropy_record(z, labels), pred * 3),
        probe_rule_gradients(_bce_record, probabilities, soft_targets), grad], rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ loss rules")


test_unit_rules_losses()

# %% [markdown]
"""
## 9. The engine: topological order and accumulation

With a rule for every op, `backward(root)` has three jobs.

**Order.** A tensor's gradient is complete only after every result that used
it has sent its contribution. So we visit the graph in *reverse topological
order*: results before their inputs. A depth-first search that appends a node
after all its inputs gives the topological order (inputs first); we walk it
reversed. We only follow inputs that require gradients, and we use an explicit
stack instead of recursion so a long chain of ops cannot exceed Python's
recursion limit.

**Accumulate.** A tensor used by two ops (or twice by one op, as in `x * x`)
gets the *sum* of the contributions, the multivariable chain rule. We collect
gradients in a dictionary keyed by `id(tensor)` and add:

```
        ┌── mul(·, 3) ──┐
   a ───┤               ├── add ── loss        loss = 3a + a²
        └── pow(·, 2) ──┘                      ā = 3 + 2a   (both paths)
```

**Store.** Leaves (tensors with no `_op`) that require gradients receive
their total in `.grad`, as a Tensor with the leaf's dtype. If `.grad` already
holds a gradient from an earlier `backward()`, the new one is **added**:
that is how PyTorch lets you sum gradients over several batches, and why
optimizers call `zero_grad()` before each step. Intermediate results do not
keep their gradient (PyTorch's default too).

The starting gradient is 1 for a single-element root. For any other root the
caller must pass `gradient` of the root's shape (a vector has no single
"direction to go down"); without it we raise an error that says so.

Finally the exported cell calls `register_autograd(backward)`: importing this
module is what switches gradients on for every Tensor.
"""

# %% nbgrader={"grade": false, "grade_id": "engine", "solution": true}
#| export
def topological_order(root):
    """Tensors that `root` depends on and that require gradients, inputs first."""
    ### BEGIN SOLUTION
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        # Revisit this node once everything pushed after it (its inputs) is ordered.
        stack.append((node, True))
        for parent in node._inputs:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order
    ### END SOLUTION


def _seed_gradient(root, gradient):
    """The gradient backward starts from: ones for a single element, else `gradient`."""
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a single-element tensor, but this one has shape "
                f"{root.shape}. Reduce it first (for example loss.sum() or loss.mean()) or pass "
                f"backward(gradient=...) with shape {root.shape}."
            )
        return np.ones_like(root.data)
    seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.dtype)
    if seed.shape != root.shape:
        raise ValueError(f"backward(gradient=...) needs shape {root.shape}, got {seed.shape}")
    return seed


def _accumulate_into_leaf(leaf, grad):
    """Add `grad` to `leaf.grad`, creating it on the first call."""
    grad = np.array(grad, dtype=leaf.dtype)  # an owned, writable copy in the leaf's dtype
    if leaf.grad is not None:
        previous = leaf.grad.data if isinstance(leaf.grad, Tensor) else np.asarray(leaf.grad)
        grad = previous + grad
    leaf.grad = Tensor(grad)


def backward(root, gradient=None):
    """Fill `.grad` of every leaf that `root` depends on and that requires gradients.

    Walks the recorded graph in reverse topological order, applies the rule of
    each op from BACKWARD_RULES, unbroadcasts each input's gradient to its
    shape and dtype, sums contributions of tensors used more than once, and
    adds the totals to the leaves' existing `.grad`.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() was called on a tensor that does not require gradients: "
            "none of the tensors it was computed from has requires_grad=True."
        )
    ### BEGIN SOLUTION
    grads = {id(root): _seed_gradient(root, gradient)}
    for node in reversed(topological_order(root)):
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if node._op is None:
            _accumulate_into_leaf(node, grad)
            continue
        if node._op not in BACKWARD_RULES:
            raise NotImplementedError(f"no backward rule registered for op {node._op!r}")
        input_grads = BACKWARD_RULES[node._op](grad, node)
        for tensor, input_grad in zip(node._inputs, input_grads):
            if input_grad is None or not tensor.requires_grad:
                continue
            input_grad = unbroadcast(input_grad, tensor.shape).astype(tensor.dtype, copy=False)
            key = id(tensor)
            grads[key] = grads[key] + input_grad if key in grads else input_grad
    ### END SOLUTION


register_autograd(backward)

# %% [markdown]
"""
### Try it

The one-neuron example of section 1, now with real gradients:
"""

# %%
w = Tensor([2.0], requires_grad=True)
b = Tensor([1.0], requires_grad=True)
x = Tensor([3.0])
loss = ((x * w + b) ** 2).sum()
loss.backward()
print("loss", loss.item(), " dloss/dw", w.grad, " dloss/db", b.grad, " x.grad", x.grad)

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine", "locked": true, "points": 20}
def test_unit_backward_engine():
    """Order, accumulation over paths and calls, dtypes and errors of backward()."""
    a = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    order = topological_order(((a * 3.0) + a ** 2).sum())
    positions = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node._inputs:
            if parent.requires_grad:
                assert positions[id(parent)] < positions[id(node)], (
                    f"topological_order put an input after its result (op {node._op!r})")
    assert len(order) == len({id(n) for n in order}), "topological_order must list each tensor once"

    loss = ((a * 3.0) + a ** 2).sum()          # diamond: a reaches loss through two paths
    loss.backward()
    assert isinstance(a.grad, Tensor), f"a.grad should be a Tensor, got {type(a.grad).__name__} (_accumulate_into_leaf)"
    assert np.allclose(a.grad.data, 3 + 2 * a.data), f"diamond graph: expected {3 + 2 * a.data}, got {a.grad.data} (backward)"
    assert a.grad.dtype == np.float64, f"float64 leaves need float64 gradients, got {a.grad.dtype}"

    ((a * 3.0) + a ** 2).sum().backward()
    assert np.allclose(a.grad.data, 2 * (3 + 2 * a.data)), "a second backward() should add to the existing grad"
    a.grad = None
    (a * a).sum().backward()
    assert np.allclose(a.grad.data, 2 * a.data), f"x * x should give 2x, got {a.grad.data}"

    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    bias = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    inputs = Tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
    (inputs @ w + bias).mean().backward()
    assert bias.grad.shape == (2,) and np.allclose(bias.grad.data, 0.5), (
        f"a broadcast bias should get its gradient summed back to shape (2,): got {bias.grad.data}")
    assert w.grad.dtype == np.float32, f"float32 leaves keep float32 gradients, got {w.grad.dtype}"
    assert inputs.grad is None, "tensors that do not require grad must keep grad None"

    v = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    try:
        (v * 2.0).backward()
    except RuntimeError as err:
        assert "shape" in str(err), "the non-scalar error should mention the shape"
    else:
        raise AssertionError("backward() on a non-scalar without gradient should raise RuntimeError")
    (v * 2.0).backward(np.array([1.0, 0.0, -1.0]))
    assert np.allclose(v.grad.data, [2.0, 0.0, -2.0]), f"backward(gradient) should weight the outputs, got {v.grad.data}"

    chain = Tensor(np.array(1.0), requires_grad=True)
    value = chain
    for _ in range(3000):
        value = value * 1.0
    value.backward()
    assert chain.grad.item() == 1.0, "a chain of 3000 ops should backpropagate without recursion errors"
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    b = Tensor(np.array([0.5, 3.0]), requires_grad=True)
    ((b * 3.0) + b ** 2).sum().backward()
    once = b.grad.data.copy()
    (b.exp() * b).mean().backward()
    probe("backward-engine", [len(order), once, b.grad.data, a.grad.data, w.grad.data, bias.grad.data,
                              v.grad.data, chain.grad.data, inputs.grad is None,
                              error_of(lambda: (v * 2.0).backward())], rtol=1e-10, same_dtype=True)
    ### END HIDDEN TESTS
    print("✅ backward engine")


test_unit_backward_engine()

# %% [markdown]
"""
## 10. Putting it together

The final test runs every unit test, then trains nothing but checks
everything: a two-layer network written with Tensor ops, with a sigmoid
recorded like module 02 does and a cross-entropy loss recorded like module 04
does. Every gradient the engine computes is compared with finite differences
of the whole network, in float64.
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10}
def test_module():
    """All unit tests, then a full-network gradient check."""
    test_unit_unbroadcast()
    test_unit_rules_arithmetic()
    test_unit_rule_matmul()
    test_unit_rules_reductions()
    test_unit_rules_shape()
    test_unit_rules_activations()
    test_unit_rules_losses()
    test_unit_backward_engine()

    rng = np.random.default_rng(7)
    features = rng.normal(size=(6, 4))
    labels = np.array([0, 2, 1, 1, 0, 2])
    arrays = [rng.normal(size=(4, 5)) * 0.5, np.zeros(5), rng.normal(size=(5, 3)) * 0.5, np.zeros(3)]

    def network_loss(w1, b1, w2, b2):
        pre = Tensor(features) @ w1 + b1
        hidden = Tensor.from_op(1 / (1 + np.exp(-pre.data)), "sigmoid", (pre,))
        logits = hidden @ w2 + b2
        return _cross_entropy_record(logits, labels) + 0.01 * (w1 ** 2).sum()

    params = [Tensor(a, requires_grad=True) for a in arrays]
    network_loss(*params).backward()
    for index, param in enumerate(params):
        want = numerical_gradient(lambda *values: network_loss(*[Tensor(v) for v in values]).item(), arrays, index)
        assert param.grad is not None, f"parameter {index} received no gradient"
        assert np.allclose(param.grad.data, want, rtol=1e-5, atol=1e-7), (
            f"parameter {index}: engine gradient\n{param.grad.data}\ndiffers from finite differences\n{want}")
    ### BEGIN HIDDEN TESTS
    from tito.probes import error_of, probe
    probe("module-network", [param.grad.data for param in params], rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS
    print("✅ module 05 complete: every Tensor now has gradients")


test_module()

# %% [markdown]
"""
## Summary

- A backward rule turns the gradient of an op's output into gradients of its
  inputs using only local information; module 05 holds one per op name, next
  to its formula.
- The engine orders the graph topologically, walks it backwards, unbroadcasts,
  sums contributions of tensors used more than once and adds the totals to
  the leaves' `.grad`.
- `register_autograd(backward)` plugs the engine into `Tensor.backward()`:
  importing `tinytorch.core.autograd` (which `backward()` does on its own
  when needed) switches gradients on everywhere.

Next, module 06 uses these gradients to update weights: optimizers.
"""
