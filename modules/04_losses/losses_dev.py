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
# Module 04: Losses

Training needs a single number that says how wrong the model is: the *loss*.
Gradients (module 05) then tell every parameter which way to move to make that
number smaller, and the optimizers (module 06) take the step. Which loss you
pick encodes what "wrong" means for your task:

| class | task | inputs |
| --- | --- | --- |
| `MSELoss` | regression: predict numbers | predictions and targets of the same shape |
| `CrossEntropyLoss` | classification into C classes | logits (N, C) and class indices (N,) |
| `BinaryCrossEntropyLoss` | yes/no answers | probabilities in [0, 1] and targets in [0, 1] |

Each loss is a callable object that returns a *scalar* Tensor (shape `()`),
the mean over all examples, as PyTorch does by default. Like the activations,
each records one named op with `Tensor.from_op`, so that `loss.backward()` in
module 05 can start from it.

**Where the code goes.** You work in `modules/04_losses/losses_dev.py`; the
cells marked `#| export` become `tinytorch/core/losses.py`:

```python
from tinytorch.core.losses import MSELoss, CrossEntropyLoss, BinaryCrossEntropyLoss
```
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "solution": false}
#| default_exp core.losses
#| export
import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The shape of a loss

A loss object is called as `loss_fn(prediction, target)` and runs
`forward(prediction, target)`. The small base class below turns a prediction
given as an array into a Tensor, and offers one check the regression and
binary losses share: prediction and target must have the same shape.

Why insist on it? NumPy would happily broadcast a prediction of shape (N, 1)
against a target of shape (N,) into an (N, N) table of differences, and the
mean of that table is a number that looks plausible and is wrong. PyTorch
only warns; we refuse, with a message that shows both shapes.
"""

# %% nbgrader={"grade": false, "grade_id": "loss-base", "locked": true, "solution": false}
#| export
def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(value)


def _check_same_shape(prediction, target, loss_name):
    if prediction.shape != target.shape:
        raise ValueError(f"{loss_name}: prediction shape {prediction.shape} and target shape "
                         f"{target.shape} differ; reshape one of them (broadcasting would silently "
                         "compare every prediction with every target)")


class Loss:
    """Base class of the losses: `loss_fn(prediction, target)` runs `forward` and returns a 0-d Tensor."""

    def forward(self, prediction, target):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(prediction, target)")

    def __call__(self, prediction, target):
        return self.forward(_as_tensor(prediction), target)

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% [markdown]
"""
## 2. Mean squared error

```
MSE(p, t) = mean((p - t)^2)         over all N elements
```

Squaring makes every error count positively and punishes large errors much
more than small ones: an error of 10 costs 100 times an error of 1. That is
the right behaviour when errors are roughly Gaussian noise, and the wrong one
when the data has outliers (one bad label can dominate the loss).

The gradient is `2 (p - t) / N` with respect to the prediction (and the
negative of that for the target); module 05 registers it under the name
`"mse_loss"`.

**Your task.** Compute the mean of the squared differences and record the
op `"mse_loss"` with inputs `(prediction, target)`. The result must be a 0-d
Tensor of the prediction's floating dtype.

*Hint:* `np.mean` of a float64 array is a float64 scalar; `Tensor.from_op`
turns it into a 0-d array.
"""

# %% nbgrader={"grade": false, "grade_id": "mse-loss", "solution": true}
#| export
class MSELoss(Loss):
    """Mean squared error: `MSE(p, t) = mean((p - t)^2)` over all elements."""

    def forward(self, prediction, target):
        target = _as_tensor(target)
        _check_same_shape(prediction, target, "MSELoss")
        ### BEGIN SOLUTION
        squared_errors = (prediction.data - target.data) ** 2
        return Tensor.from_op(squared_errors.mean(), "mse_loss", (prediction, target))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-mse", "locked": true, "points": 20}
def test_unit_mse_loss():
    """MSELoss is the mean of squared differences, a 0-d Tensor of the input dtype."""
    loss_fn = MSELoss()
    prediction = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    target = Tensor(np.array([[1.5, 2.0], [1.0, 5.0]]))
    loss = loss_fn(prediction, target)
    expected = (0.25 + 0.0 + 4.0 + 1.0) / 4
    assert isinstance(loss, Tensor), f"MSELoss.forward should return a Tensor, got {type(loss).__name__}"
    assert loss.shape == (), f"MSELoss.forward should return a scalar (shape ()), got shape {loss.shape}"
    assert np.isclose(loss.item(), expected, rtol=1e-12), (
        f"MSELoss.forward: expected {expected}, got {loss.item()}")
    assert loss.dtype == np.float64, f"MSELoss.forward should keep float64, got {loss.dtype}"
    assert loss_fn(prediction, prediction).item() == 0.0, "MSELoss of a perfect prediction should be 0"

    small = loss_fn(Tensor([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0], dtype=np.float32))
    assert small.dtype == np.float32, f"MSELoss.forward should keep float32, got {small.dtype}"
    assert np.isclose(small.item(), 5 / 3), f"MSELoss with a NumPy target: expected {5 / 3}, got {small.item()}"
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    rng = np.random.default_rng(4)
    p, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    probe("mse", [loss.data, loss_fn(prediction, prediction).data, loss_fn(Tensor(p), Tensor(t)).data],
          rtol=1e-12, same_dtype=True)
    probe("mse-float32", small.data, rtol=1e-6, same_dtype=True)
    ### END HIDDEN TESTS
    print("MSELoss works.")


test_unit_mse_loss()

# %% [markdown]
"""
## 3. Cross-entropy for classification

A classifier outputs one score per class, the *logits* `z` (shape (N, C)).
Softmax turns them into probabilities, and the loss of an example is the
negative log of the probability given to its true class `y`:

```
CE(z, y) = -mean_n log softmax(z_n)[y_n]
```

A confident right answer (probability near 1) costs almost nothing; a
confident wrong one (probability near 0) costs a lot, without bound. With C
classes and uniform logits every class gets `1/C` and the loss is `log C`:
a useful sanity check for an untrained network (2.303 for ten classes).

### Computing it without overflow or log(0)

Taking `np.log(softmax(z))` is a trap twice over: softmax may overflow (module
02), and a probability that underflows to exactly 0 gives `log(0) = -inf`.
Work in log space instead. With `m = max_j z_j`:

```
log softmax(z)_i = z_i - log sum_j e^(z_j)
                 = (z_i - m) - log sum_j e^(z_j - m)
```

Every exponential is at most 1 and the sum is at least 1 (the largest term is
`e^0`), so the log is finite and so is every log-probability, even for logits
in the thousands.

The gradient with respect to the logits is famously simple:
`(softmax(z) - onehot(y)) / N`. So that module 05 does not recompute the
softmax, the forward pass saves the probabilities along with the targets.

### The targets

Targets are class indices: integers in `0 .. C-1`, one per example (PyTorch
calls them `long` targets). The helper `_class_indices` below, which is
given, accepts them as a NumPy array, a list or a Tensor (a Tensor built from
a list of whole numbers is float32, so whole floats are accepted too), and
explains what is wrong otherwise.

**Your task.** In `forward`, compute the log-softmax of the logits row by
row as above, pick each row's entry at its target
(`log_probs[np.arange(N), targets]`), and return the negative mean recorded
as `Tensor.from_op(loss, "cross_entropy", (logits,), targets=targets,
probs=np.exp(log_probs))`.
"""

# %% nbgrader={"grade": false, "grade_id": "cross-entropy-loss", "solution": true}
#| export
def _class_indices(targets, logits):
    """`targets` as an int64 array of shape (N,) with values in 0..C-1, for logits of shape (N, C)."""
    if logits.ndim != 2:
        raise ValueError(f"CrossEntropyLoss expects logits of shape (N, C), got shape {logits.shape}")
    indices = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if np.issubdtype(indices.dtype, np.floating) and np.all(indices == np.round(indices)):
        indices = indices.astype(np.int64)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"CrossEntropyLoss expects integer class indices as targets, got dtype {indices.dtype}")
    batch, classes = logits.shape
    if indices.shape != (batch,):
        raise ValueError(f"CrossEntropyLoss expects one target per row of logits, shape ({batch},), "
                         f"got shape {indices.shape}")
    if indices.size and (indices.min() < 0 or indices.max() >= classes):
        raise ValueError(f"CrossEntropyLoss targets must lie in 0..{classes - 1} for {classes} classes, "
                         f"got values from {indices.min()} to {indices.max()}")
    return indices.astype(np.int64)


class CrossEntropyLoss(Loss):
    """Cross-entropy from logits: `CE(z, y) = -mean_n log softmax(z_n)[y_n]`.

    `log softmax(z)_i = (z_i - max z) - log sum_j e^(z_j - max z)` keeps every term finite.
    """

    def forward(self, logits, targets):
        targets = _class_indices(targets, logits)
        ### BEGIN SOLUTION
        shifted = logits.data - logits.data.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        true_class_log_probs = log_probs[np.arange(len(targets)), targets]
        return Tensor.from_op(-true_class_log_probs.mean(), "cross_entropy", (logits,),
                              targets=targets, probs=np.exp(log_probs))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy", "locked": true, "points": 30}
def test_unit_cross_entropy_loss():
    """CrossEntropyLoss matches -log softmax at the targets, stays finite, saves what backward needs."""
    loss_fn = CrossEntropyLoss()
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.0, 1.0, 1.0]])
    targets = np.array([0, 2, 1])
    loss = loss_fn(Tensor(logits), targets)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(probs[[0, 1, 2], targets]))
    assert isinstance(loss, Tensor), f"CrossEntropyLoss.forward should return a Tensor, got {type(loss).__name__}"
    assert loss.shape == (), f"CrossEntropyLoss.forward should return a scalar, got shape {loss.shape}"
    assert np.isclose(loss.item(), expected, rtol=1e-12), (
        f"CrossEntropyLoss.forward: expected {expected:.6f}, got {loss.item()}")
    assert loss.dtype == np.float64, f"CrossEntropyLoss.forward should keep float64, got {loss.dtype}"

    uniform = loss_fn(Tensor(np.zeros((4, 10))), np.array([0, 3, 7, 9])).item()
    assert np.isclose(uniform, np.log(10)), f"uniform logits over 10 classes should cost log(10), got {uniform}"

    huge = Tensor(np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]]))
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            right = loss_fn(huge, np.array([0, 0])).item()
            wrong = loss_fn(huge, np.array([2, 2])).item()
    except FloatingPointError as error:
        raise AssertionError(f"CrossEntropyLoss.forward failed on logits of +-1000 ({error}); shift by the "
                             "row maximum and compute log-softmax directly, not log(softmax)") from error
    assert np.isclose(right, 0.0, atol=1e-12), (
        f"CrossEntropyLoss.forward: a confident right answer should cost ~0, got {right}; use the max shift")
    assert np.isclose(wrong, 2000.0), (
        f"CrossEntropyLoss.forward: logit 1000 vs true class -1000 should cost 2000, got {wrong}; "
        "compute log-softmax directly instead of log(softmax)")

    tracked = Tensor(logits, requires_grad=True)
    recorded = loss_fn(tracked, Tensor([0.0, 2.0, 1.0]))
    assert recorded._op == "cross_entropy" and recorded._inputs[0] is tracked, (
        "CrossEntropyLoss.forward should record Tensor.from_op(..., 'cross_entropy', (logits,), ...)")
    assert np.array_equal(recorded._saved.get("targets"), targets), (
        "CrossEntropyLoss.forward should save targets=<int array> for the backward rule")
    assert np.allclose(recorded._saved.get("probs"), probs, rtol=1e-12), (
        "CrossEntropyLoss.forward should save probs=<softmax of the logits> for the backward rule")
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    rng = np.random.default_rng(5)
    probe("cross-entropy", [loss.data, uniform, right, wrong, recorded.data, recorded._op,
                            np.asarray(recorded._saved.get("targets")), np.asarray(recorded._saved.get("probs")),
                            loss_fn(Tensor(rng.normal(scale=3, size=(6, 5))), rng.integers(0, 5, size=6)).data],
          rtol=1e-10, atol=1e-12, same_dtype=True)
    probe("cross-entropy-float32", loss_fn(Tensor([[1.0, 2.0], [0.5, -1.0]]), [1, 0]).data, rtol=1e-6,
          same_dtype=True)
    ### END HIDDEN TESTS
    print("CrossEntropyLoss works.")


test_unit_cross_entropy_loss()

# %% [markdown]
"""
## 4. Binary cross-entropy

For a yes/no question the model outputs one probability `p` (usually a
sigmoid of a score) and the target `t` is 1 for yes and 0 for no (values in
between are allowed, as soft labels):

```
BCE(p, t) = -mean( t * log(p) + (1 - t) * log(1 - p) )
```

It is the cross-entropy of the two-class distribution `(p, 1 - p)` against
`(t, 1 - t)`.

**The edges.** A probability of exactly 0 or 1 is easy to produce (a sigmoid
of 40 is exactly 1.0 in float64), and then `log(0) = -inf`. PyTorch's
`nn.BCELoss` clamps each log at -100, so one hopelessly wrong example costs
at most 100 instead of turning the whole loss into `inf`. We do the same,
which also makes our numbers identical to PyTorch's. For `log(1 - p)` use
`np.log1p(-p)`, which stays accurate when `p` is tiny.

The gradient with respect to `p` is `(p - t) / (p (1 - p)) / N` (PyTorch
keeps the denominator at least `1e-12`); module 05 implements it under the
name `"binary_cross_entropy"`. In practice, sigmoid and BCE are often fused
into one "with logits" loss that never forms `p` at all; here they are kept
apart so each piece stays visible.

**Your task.** The checks on shapes and on the range of `p` are given.
Compute both clamped logs (silence NumPy's divide-by-zero warning with
`np.errstate(divide="ignore")`: the clamp handles it), combine them, and
record the op `"binary_cross_entropy"` with inputs `(prediction, target)`.
"""

# %% nbgrader={"grade": false, "grade_id": "bce-loss", "solution": true}
#| export
class BinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy of probabilities: `BCE(p, t) = -mean(t log p + (1 - t) log(1 - p))`.

    Each log is clamped at -100, as in `torch.nn.BCELoss`, so `p = 0` or `p = 1` gives a finite loss.
    """

    def forward(self, prediction, target):
        target = _as_tensor(target)
        _check_same_shape(prediction, target, "BinaryCrossEntropyLoss")
        if np.any((prediction.data < 0) | (prediction.data > 1)):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1] (apply Sigmoid first), "
                             f"got values from {prediction.data.min()} to {prediction.data.max()}")
        ### BEGIN SOLUTION
        p, t = prediction.data, target.data
        with np.errstate(divide="ignore"):
            # log(0) is -inf; clamping at -100 (as PyTorch does) bounds the cost of a hopeless example.
            log_p = np.maximum(np.log(p), -100)
            log_one_minus_p = np.maximum(np.log1p(-p), -100)
        losses = -(t * log_p + (1 - t) * log_one_minus_p)
        return Tensor.from_op(losses.mean(), "binary_cross_entropy", (prediction, target))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-bce", "locked": true, "points": 25}
def test_unit_binary_cross_entropy_loss():
    """BinaryCrossEntropyLoss matches the formula and clamps log(0) at -100."""
    loss_fn = BinaryCrossEntropyLoss()
    p = np.array([0.9, 0.2, 0.6, 0.5])
    t = np.array([1.0, 0.0, 0.0, 0.7])
    loss = loss_fn(Tensor(p), Tensor(t))
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert isinstance(loss, Tensor), (
        f"BinaryCrossEntropyLoss.forward should return a Tensor, got {type(loss).__name__}")
    assert loss.shape == (), f"BinaryCrossEntropyLoss.forward should return a scalar, got shape {loss.shape}"
    assert np.isclose(loss.item(), expected, rtol=1e-12), (
        f"BinaryCrossEntropyLoss.forward: expected {expected:.6f}, got {loss.item()}")
    assert loss.dtype == np.float64, f"BinaryCrossEntropyLoss.forward should keep float64, got {loss.dtype}"

    edges = loss_fn(Tensor(np.array([0.0, 1.0, 1.0, 0.0])), Tensor(np.array([1.0, 0.0, 1.0, 0.0]))).item()
    assert np.isclose(edges, (100 + 100 + 0 + 0) / 4), (
        f"BinaryCrossEntropyLoss.forward: p=0 with t=1 and p=1 with t=0 should each cost 100 "
        f"(logs clamped at -100), right answers 0: expected 50, got {edges}")

    tracked = Tensor(p, requires_grad=True)
    recorded = loss_fn(tracked, t)
    assert recorded._op == "binary_cross_entropy" and recorded._inputs[0] is tracked, (
        "BinaryCrossEntropyLoss.forward should record Tensor.from_op(..., 'binary_cross_entropy', "
        "(prediction, target))")
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    probe("bce", [loss.data, edges, recorded.data, recorded._op, len(recorded._inputs),
                  loss_fn(Tensor(np.linspace(0.05, 0.95, 7)), Tensor(np.linspace(1.0, 0.0, 7))).data],
          rtol=1e-10, same_dtype=True)
    probe("bce-float32", loss_fn(Tensor([0.25, 0.75, 0.5]), Tensor([0.0, 1.0, 1.0])).data, rtol=1e-6,
          same_dtype=True)
    ### END HIDDEN TESTS
    print("BinaryCrossEntropyLoss works.")


test_unit_binary_cross_entropy_loss()

# %% [markdown]
"""
## 5. Analysis: log-softmax against log(softmax), and what confidence costs

The first measurement feeds growing logits to two versions of the same loss:
the naive one takes `np.log` of a (shifted, so finite) softmax, ours works in
log space. The true class has the *smallest* logit, so the correct loss grows
with the scale.
"""

# %%
def naive_cross_entropy(logits, target):
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return -np.log(probs[0, target])


for scale in [1, 10, 100, 1000]:
    logits = np.array([[1.0, 0.0, -1.0]]) * scale
    with np.errstate(divide="ignore"):
        naive = naive_cross_entropy(logits, 2)
    ours = CrossEntropyLoss()(Tensor(logits), [2]).item()
    print(f"scale {scale:>4}: naive {naive:>10.4f}   log-softmax {ours:>10.4f}")

# %% [markdown]
"""
At scale 1000 the true class's probability, `e^-2000`, underflows to 0 and
the naive loss is `inf`; the log-space version returns the exact 2000. A
single such example makes the mean loss of the whole batch `inf`, and its
gradient `nan`.

The second measurement: the cross-entropy an example pays for the probability
it gives its true class, next to the squared error of that probability
against 1.
"""

# %%
for probability in [0.99, 0.9, 0.5, 0.1, 0.01, 1e-6]:
    cross_entropy = -np.log(probability)
    squared_error = (1 - probability) ** 2
    print(f"p(true class) = {probability:<7g} cross-entropy {cross_entropy:8.3f}   squared error {squared_error:.3f}")

# %% [markdown]
"""
Squared error on a probability can never exceed 1, so a confidently wrong
prediction is barely more expensive than an unsure one (0.81 against 0.98 for
p = 0.1 and 0.01). Cross-entropy keeps growing (2.3, 4.6, 13.8): the worse the
mistake, the stronger the push to fix it. This is why classifiers are trained
with cross-entropy.

## 6. Module test

The last cell runs every unit test, then checks the losses against each
other and against a model from module 03.
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 25}
def test_module():
    """Run all unit tests, then check the losses together with Linear, Sigmoid and Softmax."""
    test_unit_mse_loss()
    test_unit_cross_entropy_loss()
    test_unit_binary_cross_entropy_loss()

    from tinytorch.core.activations import Sigmoid
    from tinytorch.core.layers import Linear

    # Binary cross-entropy of sigmoid(z) equals two-class cross-entropy of the logits [0, z].
    scores = np.array([-3.0, -0.5, 0.0, 2.0, 5.0])
    labels = np.array([0, 1, 1, 0, 1])
    binary = BinaryCrossEntropyLoss()(Sigmoid()(Tensor(scores)), Tensor(labels.astype(np.float64))).item()
    two_class_logits = np.stack([np.zeros_like(scores), scores], axis=1)
    two_class = CrossEntropyLoss()(Tensor(two_class_logits), labels).item()
    assert np.isclose(binary, two_class, rtol=1e-10), (
        f"BCE(sigmoid(z), t) should equal cross-entropy of logits [0, z]: got {binary} and {two_class}")

    # A least-squares fit of a Linear layer has a lower MSE than its random start.
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(50, 3))
    targets = inputs @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(50, 1))
    np.random.seed(0)
    layer = Linear(3, 1, bias=False)
    start = MSELoss()(layer(inputs), targets).item()
    solution, *_ = np.linalg.lstsq(inputs, targets, rcond=None)
    layer.weight.data = solution
    fitted = MSELoss()(layer(inputs), targets).item()
    assert fitted < 0.05 < start, f"the least-squares fit should have MSE < 0.05 (got {fitted}), the start more"

    # A classifier that scores the right class highest beats a uniform one.
    classes = rng.integers(0, 4, size=20)
    uniform = CrossEntropyLoss()(Tensor(np.zeros((20, 4))), classes).item()
    informed = CrossEntropyLoss()(Tensor(3.0 * np.eye(4)[classes]), classes).item()
    assert informed < uniform and np.isclose(uniform, np.log(4)), (
        f"right-class logits should cost less ({informed}) than uniform ones (log 4 = {uniform})")
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    probe("module-losses", [binary, two_class, start, fitted, uniform, informed], rtol=1e-8)
    ### END HIDDEN TESTS
    print("All loss tests pass: module 04 is complete.")


test_module()

# %% [markdown]
"""
## Summary

* `MSELoss`: `mean((p - t)^2)` for regression; refuses mismatched shapes
  instead of broadcasting them.
* `CrossEntropyLoss`: `-mean log softmax(z)[y]` from logits and integer
  classes, computed in log space so logits in the thousands stay finite; it
  saves the probabilities for its gradient `(softmax - onehot) / N`.
* `BinaryCrossEntropyLoss`: the two-class case on probabilities, with
  PyTorch's clamp of each log at -100.

With a model (module 03) and a loss, one number now measures how wrong the
model is. Module 05 computes how that number changes with every parameter.
"""
