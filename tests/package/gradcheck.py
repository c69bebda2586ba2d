"""Finite-difference gradient checks shared by the package tests.

pytest puts this directory on sys.path (there is no __init__.py here), so a
test file next to it imports the helpers with `from gradcheck import ...`.

Everything runs in float64: with central differences and h = 1e-6 the
estimate agrees with the exact derivative to about 8 significant digits, so a
wrong backward rule cannot hide inside the tolerance.
"""

import numpy as np

from tinytorch.core.tensor import Tensor


def numerical_gradient(scalar_fn, arrays, index, h=1e-6):
    """Central-difference gradient of `scalar_fn(*arrays)` with respect to `arrays[index]`."""
    target = arrays[index]
    estimate = np.zeros_like(target, dtype=np.float64)
    for position in np.ndindex(target.shape):
        original = target[position]
        target[position] = original + h
        above = scalar_fn(*arrays)
        target[position] = original - h
        below = scalar_fn(*arrays)
        target[position] = original
        estimate[position] = (above - below) / (2 * h)
    return estimate


def check_gradients(fn, *arrays, seed=0, rtol=1e-5, atol=1e-7):
    """Assert that `backward()` through `fn` gives the finite-difference gradients.

    `fn(*tensors)` builds a Tensor from float64 leaves made of `arrays`. A
    non-scalar result is contracted with a fixed random upstream gradient `G`
    (the checked scalar is `sum(G * fn(...))`), so every output element
    matters. Returns the leaves so callers can inspect them further.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*leaves)
    upstream = np.random.default_rng(seed).normal(size=out.shape)
    if out.size == 1 and out.ndim == 0:
        upstream = np.ones(())
    out.backward(upstream)

    def weighted_output(*values):
        return float(np.sum(upstream * fn(*[Tensor(v) for v in values]).data))

    for index, leaf in enumerate(leaves):
        expected = numerical_gradient(weighted_output, arrays, index)
        assert leaf.grad is not None, f"input {index} received no gradient"
        assert leaf.grad.shape == leaf.shape, f"input {index}: grad shape {leaf.grad.shape} != {leaf.shape}"
        assert leaf.grad.dtype == np.float64, f"input {index}: float64 leaf got {leaf.grad.dtype} grad"
        np.testing.assert_allclose(leaf.grad.data, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {index}")
    return leaves
