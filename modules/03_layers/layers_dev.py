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
# Module 03: Layers

A neural network is a chain of functions, some of which carry numbers that
training will adjust. Those adjustable numbers are the *parameters*; a
*layer* is a function together with the parameters it owns. In this module
you build the pieces that every later model is assembled from:

| class | what it does | parameters |
| --- | --- | --- |
| `Layer` | the common interface: `layer(x)`, `parameters()`, `train()`, `eval()` | none |
| `Linear` | `y = x @ W + b`, the fully connected layer | `W` (in, out), `b` (out,) |
| `Sequential` | runs layers one after the other | those of its layers |
| `Dropout` | randomly zeroes activations during training | none |

With these and the activations of module 02, a classifier is one line:

```python
model = Sequential(Linear(784, 128), ReLU(), Dropout(0.2), Linear(128, 10))
```

**Where the code goes.** You work in `modules/03_layers/layers_dev.py`; the
cells marked `#| export` become `tinytorch/core/layers.py`:

```python
from tinytorch.core.layers import Layer, Linear, Sequential, Dropout
```

**What you need.** The `Tensor` of module 01. Layers create no new
operations: `Linear` is a matrix product and an addition, `Dropout` a
multiplication, all of which the Tensor already records for module 05's
autograd engine.
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "solution": false}
#| default_exp core.layers
#| export
import math

import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The `Layer` interface

Everything the rest of the course does with a model goes through four
methods, so they are fixed once in a base class:

* `layer(x)` runs `layer.forward(x)`. A NumPy array or a list is turned into
  a Tensor first, so quick experiments need no wrapping.
* `parameters()` returns the list of Tensors that training updates. The
  optimizers of module 06 receive exactly this list. A layer without weights
  returns `[]`.
* `train()` and `eval()` switch the flag `self.training`. Most layers ignore
  it; `Dropout` behaves differently in the two modes. Both return the layer,
  so `model.eval()` can be chained.

The base class is given; the layers below build on it.
"""

# %% nbgrader={"grade": false, "grade_id": "layer-base", "locked": true, "solution": false}
#| export
class Layer:
    """Base class of all layers: `layer(x)` runs `forward(x)`; `parameters()` lists what training updates."""

    training = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def __call__(self, x):
        return self.forward(x if isinstance(x, Tensor) else Tensor(x))

    def parameters(self):
        """The Tensors this layer trains (none by default)."""
        return []

    def train(self, mode=True):
        """Switch to training mode (`mode=False`: evaluation mode); returns the layer."""
        self.training = mode
        return self

    def eval(self):
        """Switch to evaluation mode; returns the layer."""
        return self.train(False)

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% [markdown]
"""
## 2. `Linear`: the fully connected layer

Each of the `out_features` outputs is a weighted sum of all `in_features`
inputs plus a bias:

```
y = x @ W + b          x: (batch, in_features)
                       W: (in_features, out_features)
                       b: (out_features,)   broadcast over the batch
                       y: (batch, out_features)
```

We store `W` as (in, out) so the forward pass is `x @ W` with no transpose.
(PyTorch stores the transpose, (out, in); the numbers are the same.)

### How to start the weights

The weights cannot start at zero: every output would compute the same thing,
receive the same gradient and stay identical forever. They start random, and
the *scale* of that randomness matters.

Take one output `y_j = sum_i x_i W_ij`, with inputs of variance `v` and
weights of variance `s^2`, all independent with mean zero. The variance of a
sum of independent terms is the sum of their variances:

```
Var(y_j) = in_features * s^2 * v
```

With a fixed scale, say weights uniform in [-1, 1] (`s^2 = 1/3`), the outputs
of a layer with 1000 inputs vary 1000/3 times as much as its inputs. Stack a
few such layers and the numbers explode (or, if `s` is too small, vanish),
and so do the gradients. Choosing the scale from the layer's own fan-in
removes the dependence:

```
W, b ~ Uniform(-k, k),   k = 1 / sqrt(in_features)
Var(W_ij) = k^2 / 3 = 1 / (3 * in_features)   =>   Var(y_j) = v / 3
```

Now the output variance no longer depends on how many inputs the layer has.
This is also PyTorch's default for `nn.Linear`. (For deep ReLU networks,
He initialisation picks a larger `k` so the variance stays exactly constant
from layer to layer; the analysis at the end measures both effects.)

**Your task.**

1. In `__init__`, draw `weight` of shape (in_features, out_features) and,
   when `bias` is true, `bias` of shape (out_features,), both from
   `np.random.uniform(-k, k, size)` in that order, cast to float32, and wrap
   them as `Tensor(..., requires_grad=True)`. Without a bias, set
   `self.bias = None`. Using NumPy's global generator means
   `np.random.seed(0)` makes the initialisation reproducible.
2. `forward(x)` returns `x @ self.weight`, plus `self.bias` when there is one.
3. `parameters()` returns `[weight, bias]`, or `[weight]` without a bias.
"""

# %% nbgrader={"grade": false, "grade_id": "linear", "solution": true}
#| export
class Linear(Layer):
    """Fully connected layer: `y = x @ W + b` with `W` of shape (in_features, out_features).

    `W` and `b` start uniform in [-k, k], `k = 1 / sqrt(in_features)`, so the
    variance of the outputs does not grow with the number of inputs.
    """

    def __init__(self, in_features, out_features, bias=True):
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear needs positive sizes, got in_features={in_features}, "
                             f"out_features={out_features}")
        self.in_features = in_features
        self.out_features = out_features
        ### BEGIN SOLUTION
        bound = 1 / math.sqrt(in_features)
        weight = np.random.uniform(-bound, bound, (in_features, out_features))
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        self.bias = None
        if bias:
            initial_bias = np.random.uniform(-bound, bound, out_features)
            self.bias = Tensor(initial_bias.astype(np.float32), requires_grad=True)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        out = x @ self.weight
        if self.bias is not None:
            out = out + self.bias
        return out
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        if self.bias is None:
            return [self.weight]
        return [self.weight, self.bias]
        ### END SOLUTION

    def __repr__(self):
        return (f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None})")

# %% nbgrader={"grade": true, "grade_id": "test-linear", "locked": true, "points": 35}
def test_unit_linear():
    """Linear has the right shapes, init bounds, forward values and parameters."""
    np.random.seed(0)
    layer = Linear(4, 3)
    assert layer.weight.shape == (4, 3), (
        f"Linear.__init__: weight should have shape (in_features, out_features) = (4, 3), got {layer.weight.shape}")
    assert layer.bias is not None and layer.bias.shape == (3,), (
        "Linear.__init__: bias should have shape (out_features,) = (3,)")
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32, (
        f"Linear.__init__: weight and bias should be float32, got {layer.weight.dtype} and {layer.bias.dtype}")
    assert layer.weight.requires_grad and layer.bias.requires_grad, (
        "Linear.__init__: weight and bias must be created with requires_grad=True")
    bound = 1 / np.sqrt(4)
    assert np.all(np.abs(layer.weight.data) <= bound) and np.all(np.abs(layer.bias.data) <= bound), (
        f"Linear.__init__: every weight and bias should lie in [-{bound}, {bound}]")

    np.random.seed(0)
    expected_weight = np.random.uniform(-bound, bound, (4, 3)).astype(np.float32)
    assert np.array_equal(layer.weight.data, expected_weight), (
        "Linear.__init__: after np.random.seed(0) the weight should equal "
        "np.random.uniform(-k, k, (in_features, out_features)) drawn before the bias")

    x = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 0.5, 2.0]], dtype=np.float32)
    y = layer(x)
    expected = x @ layer.weight.data + layer.bias.data
    assert isinstance(y, Tensor), f"Linear.forward should return a Tensor, got {type(y).__name__}"
    assert y.shape == (2, 3), f"Linear.forward: expected shape (2, 3), got {y.shape}"
    assert np.allclose(y.data, expected, rtol=1e-6), f"Linear.forward: expected\n{expected}\ngot\n{y.data}"

    params = layer.parameters()
    assert len(params) == 2 and params[0] is layer.weight and params[1] is layer.bias, (
        "Linear.parameters should return [self.weight, self.bias] (the Tensors themselves)")

    no_bias = Linear(4, 3, bias=False)
    assert no_bias.bias is None, "Linear(..., bias=False) should set self.bias = None"
    assert len(no_bias.parameters()) == 1, "Linear(..., bias=False).parameters() should hold only the weight"
    assert np.allclose(no_bias(x).data, x @ no_bias.weight.data, rtol=1e-6), (
        "Linear.forward without bias should be x @ weight")
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    np.random.seed(5)
    wide = Linear(40, 30)
    batch = Tensor(np.arange(40.0, dtype=np.float32).reshape(2, 5, 4) / 10)
    probe("linear", [layer.weight.data, layer.bias.data, y.data, no_bias(x).data, wide.weight.data, wide.bias.data,
                     layer(batch).data, len(params), no_bias.bias is None, len(no_bias.parameters()),
                     layer.weight.requires_grad, layer.bias.requires_grad], rtol=1e-6, same_dtype=True)
    ### END HIDDEN TESTS
    print("Linear works.")


test_unit_linear()

# %% [markdown]
"""
## 3. `Sequential`: layers in a row

Most models are a pipeline: the output of one layer is the input of the
next. `Sequential(*layers)` stores the layers in a list and threads the
input through them. Its parameters are those of its layers, in order. An
activation from module 02 is accepted like any layer; it is not a `Layer`
subclass, has no parameters and ignores `train()`/`eval()`.

**Your task.** Write `forward` (apply each layer in turn) and `parameters`
(collect the parameters of every entry that is a `Layer`, in order, into one
flat list). `train`, which passes the mode on to every sub-layer, is given.

*Hint:* `isinstance(layer, Layer)` tells layers from activations;
`list.extend` appends the items of another list.
"""

# %% nbgrader={"grade": false, "grade_id": "sequential", "solution": true}
#| export
class Sequential(Layer):
    """Runs layers one after the other: `Sequential(f, g, h)(x) = h(g(f(x)))`."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        params = []
        for layer in self.layers:
            if isinstance(layer, Layer):
                params.extend(layer.parameters())
        return params
        ### END SOLUTION

    def train(self, mode=True):
        super().train(mode)
        for layer in self.layers:
            if isinstance(layer, Layer):
                layer.train(mode)
        return self

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __repr__(self):
        inner = "".join(f"\n  {layer!r}," for layer in self.layers)
        return f"Sequential({inner}\n)"

# %% nbgrader={"grade": true, "grade_id": "test-sequential", "locked": true, "points": 20}
def test_unit_sequential():
    """Sequential composes its layers and gathers their parameters."""
    np.random.seed(1)
    first, second = Linear(3, 5), Linear(5, 2)
    from tinytorch.core.activations import ReLU

    model = Sequential(first, ReLU(), second)
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]], dtype=np.float32))
    y = model(x)
    hidden = np.maximum(x.data @ first.weight.data + first.bias.data, 0)
    expected = hidden @ second.weight.data + second.bias.data
    assert isinstance(y, Tensor), f"Sequential.forward should return a Tensor, got {type(y).__name__}"
    assert y.shape == (2, 2), f"Sequential.forward: expected shape (2, 2), got {y.shape}"
    assert np.allclose(y.data, expected, rtol=1e-5), (
        f"Sequential.forward should apply Linear, ReLU, Linear in order: expected\n{expected}\ngot\n{y.data}")

    params = model.parameters()
    expected_params = [first.weight, first.bias, second.weight, second.bias]
    assert len(params) == 4 and all(p is q for p, q in zip(params, expected_params)), (
        f"Sequential.parameters should list the 4 parameters of both Linear layers in order, got {len(params)}")

    nested = Sequential(Sequential(first), ReLU(), second)
    assert len(nested.parameters()) == 4, "Sequential.parameters should reach into a nested Sequential"
    assert np.allclose(nested(x).data, expected, rtol=1e-5), "a nested Sequential should compute the same output"

    model.eval()
    assert not first.training and not second.training, "Sequential.eval() should reach every sub-layer"
    model.train()
    assert first.training and second.training, "Sequential.train() should reach every sub-layer"
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    model.eval()
    evaluating = [first.training, second.training]
    model.train()
    probe("sequential", [y.data, nested(x).data, len(params), len(nested.parameters()), evaluating,
                         [first.training, second.training]], rtol=1e-5)
    ### END HIDDEN TESTS
    print("Sequential works.")


test_unit_sequential()

# %% [markdown]
"""
## 4. `Dropout`: regularisation by noise

A large network can memorise its training set: some units learn to fix the
mistakes of specific other units, and the combination fails on new data.
Dropout breaks such co-adaptation. During training, every element of the
input is set to zero with probability `p`, afresh on every call, so no unit
can rely on any other being present.

Zeroing a fraction `p` of the inputs shrinks their expected sum by `1 - p`.
*Inverted* dropout corrects for that during training, by scaling the
survivors by `1 / (1 - p)`:

```
training:    y = x * mask / (1 - p),    mask_i = 1 with probability 1 - p, else 0
evaluation:  y = x
E[y_i] = (1 - p) * x_i / (1 - p) = x_i
```

Because the expected value is already right during training, evaluation
needs no correction at all: the layer is the identity. (The original paper
scaled the weights at test time instead; the inverted form, used by PyTorch,
keeps the model untouched.)

**Your task.** In `forward`:

* in evaluation mode (`self.training` is false), or when `p` is 0, return `x`
  unchanged;
* otherwise build a mask with `np.random.random(x.shape) < 1 - p` (NumPy's
  global generator, so `np.random.seed` reproduces it), convert it to
  `x`'s dtype, scale it by `1 / (1 - p)` and return `x * mask`;
* when `p` is 1 every element is dropped: return zeros (avoid dividing by 0).

Multiplying by a NumPy array is a Tensor op, so module 05 will route the
gradient through the same mask.
"""

# %% nbgrader={"grade": false, "grade_id": "dropout", "solution": true}
#| export
class Dropout(Layer):
    """Inverted dropout: while training, zero each element with probability `p`
    and scale the rest by `1 / (1 - p)`; in evaluation mode, the identity."""

    def __init__(self, p=0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout probability must be between 0 and 1, got {p}")
        self.p = p

    def forward(self, x):
        ### BEGIN SOLUTION
        if not self.training or self.p == 0:
            return x
        keep_prob = 1 - self.p
        mask = (np.random.random(x.shape) < keep_prob).astype(x.dtype)
        if keep_prob > 0:
            # Scaling the survivors keeps the expected value of every element unchanged.
            mask = mask / keep_prob
        return x * mask
        ### END SOLUTION

    def __repr__(self):
        return f"Dropout(p={self.p})"

# %% nbgrader={"grade": true, "grade_id": "test-dropout", "locked": true, "points": 25}
def test_unit_dropout():
    """Dropout zeroes about p of the inputs, scales the rest, and is the identity in eval."""
    x = Tensor(np.ones((200, 500), dtype=np.float32))
    np.random.seed(3)
    dropped = Dropout(0.3)(x)
    assert isinstance(dropped, Tensor), f"Dropout.forward should return a Tensor, got {type(dropped).__name__}"
    assert dropped.shape == x.shape, f"Dropout.forward changed the shape: {x.shape} -> {dropped.shape}"
    values = dropped.data
    zero_fraction = np.mean(values == 0)
    assert abs(zero_fraction - 0.3) < 0.01, (
        f"Dropout(0.3).forward should zero about 30% of the elements, zeroed {zero_fraction:.1%}")
    survivors = values[values != 0]
    assert np.allclose(survivors, 1 / 0.7), (
        f"Dropout(0.3).forward should scale the kept elements by 1 / (1 - p) = {1 / 0.7:.4f}, "
        f"got values {np.unique(survivors)[:5]}")
    assert abs(values.mean() - 1.0) < 0.02, (
        f"Dropout.forward should keep the mean of the input (1.0), got {values.mean():.4f}")
    assert dropped.dtype == np.float32, f"Dropout.forward should keep float32, got {dropped.dtype}"

    np.random.seed(3)
    kept = np.random.random(x.shape) < 1 - 0.3
    assert np.array_equal(values != 0, kept), (
        "Dropout.forward should keep exactly the elements where np.random.random(x.shape) < 1 - p "
        "(NumPy's global generator, so np.random.seed reproduces the mask)")

    layer = Dropout(0.5)
    layer.eval()
    small = Tensor(np.array([1.0, -2.0, 3.0]))
    assert np.array_equal(layer(small).data, small.data), "Dropout.forward in eval mode should return x unchanged"
    layer.train()
    assert np.array_equal(Dropout(0.0)(small).data, small.data), "Dropout(0.0).forward should return x unchanged"
    assert np.array_equal(Dropout(1.0)(small).data, np.zeros(3)), "Dropout(1.0).forward should return zeros"
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    np.random.seed(11)
    first, second = Dropout(0.5)(x).data, Dropout(0.5)(x).data
    layer.eval()
    evaluated = layer(small).data
    layer.train()
    probe("dropout", [int((values == 0).sum()), values[:4, :8], np.unique(survivors), evaluated,
                      Dropout(0.0)(small).data, Dropout(1.0)(small).data, int((first == 0).sum()),
                      int((second == 0).sum()), int((first != second).sum())], rtol=1e-6, same_dtype=True)
    ### END HIDDEN TESTS
    print("Dropout works.")


test_unit_dropout()

# %% [markdown]
"""
## 5. Analysis: what the initialisation does to the signal

The prose claimed that `k = 1 / sqrt(in_features)` makes the output variance
independent of the fan-in. Here is the measurement: one layer, inputs with
standard deviation 1, fan-in from 16 to 4096, weights uniform in [-1, 1]
against our scaled init.
"""

# %%
rng = np.random.default_rng(0)
print(f"{'fan-in':>7} {'std, U(-1,1)':>14} {'std, U(-k,k)':>14}")
for fan_in in [16, 256, 4096]:
    inputs = rng.normal(size=(512, fan_in))
    unscaled = inputs @ rng.uniform(-1, 1, size=(fan_in, 64))
    np.random.seed(0)
    scaled = Linear(fan_in, 64, bias=False)(inputs).data
    print(f"{fan_in:>7} {unscaled.std():>14.2f} {scaled.std():>14.3f}")

# %% [markdown]
"""
The unscaled column grows like `sqrt(fan_in / 3)` (about 2.3, 9.2 and 37),
while the scaled one stays near `1 / sqrt(3) = 0.577` whatever the fan-in.

The same `1/3` factor applies at every layer, so in a deep stack the signal
still shrinks with depth. Next, the standard deviation after each of eight
`Linear(256, 256)` + ReLU blocks, with our init and with He's bound
`k = sqrt(6 / in_features)`, which is chosen so that ReLU (which zeroes half
of its inputs) leaves the variance unchanged:
"""

# %%
from tinytorch.core.activations import ReLU

np.random.seed(0)
relu = ReLU()
signal = Tensor(np.random.normal(size=(512, 256)))
he_signal = signal
for depth in range(1, 9):
    layer = Linear(256, 256, bias=False)
    he_weight = np.random.uniform(-1, 1, (256, 256)) * math.sqrt(6 / 256)
    signal = relu(layer(signal))
    he_signal = relu(he_signal @ he_weight)
    print(f"after block {depth}: std {signal.data.std():.4f} (1/sqrt(in) init)   "
          f"{he_signal.data.std():.4f} (He init)")

# %% [markdown]
"""
With `1 / sqrt(in_features)` each block divides the standard deviation by
about `sqrt(6) = 2.45` (a factor 3 in variance from the init, 2 from ReLU),
so eight blocks leave less than a thousandth of the signal; with He's bound
it holds steady near its starting size. For the shallow networks of this course the
default is fine, and module 06's optimizers adapt to the scale; for deep ReLU
networks the initialisation is worth choosing deliberately.

Finally, where the memory of a model goes: the parameters of a classifier
for 28x28 images, counted from `parameters()`.
"""

# %%
model = Sequential(Linear(784, 128), ReLU(), Dropout(0.2), Linear(128, 10))
for layer in model.layers:
    if isinstance(layer, Layer):
        count = sum(p.size for p in layer.parameters())
        print(f"{layer!r:>55}: {count:>7} parameters, {sum(p.data.nbytes for p in layer.parameters()):>7} bytes")
print(f"{'total':>55}: {sum(p.size for p in model.parameters()):>7} parameters")

# %% [markdown]
"""
Almost all of the memory sits in the first weight matrix, `784 * 128`
numbers: the parameter count of a `Linear` layer is the product of its two
sizes, so the widest pair of adjacent layers dominates.

## 6. Module test

The final cell runs every unit test, then assembles a small classifier from
all the parts (including module 02's activations) and checks the behaviour a
training loop relies on.
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 20}
def test_module():
    """Run all unit tests, then a classifier built from Linear, ReLU, Dropout and Softmax."""
    test_unit_linear()
    test_unit_sequential()
    test_unit_dropout()

    from tinytorch.core.activations import ReLU, Softmax

    np.random.seed(7)
    model = Sequential(Linear(4, 16), ReLU(), Dropout(0.25), Linear(16, 3), Softmax())
    batch = Tensor(np.random.normal(size=(10, 4)).astype(np.float32))

    total = sum(p.size for p in model.parameters())
    assert total == 4 * 16 + 16 + 16 * 3 + 3, f"the classifier should have 131 parameters, counted {total}"
    assert all(p.requires_grad for p in model.parameters()), "every parameter should require gradients"

    probs = model(batch)
    assert probs.shape == (10, 3), f"the classifier should output (10, 3), got {probs.shape}"
    assert np.allclose(probs.data.sum(axis=1), 1.0, atol=1e-5), "each row of class probabilities should sum to 1"
    assert not np.array_equal(model(batch).data, probs.data), (
        "in training mode two passes should differ (Dropout draws new masks)")

    model.eval()
    first, second = model(batch).data, model(batch).data
    assert np.array_equal(first, second), "in eval mode the model should be deterministic"
    hidden = np.maximum(batch.data @ model[0].weight.data + model[0].bias.data, 0)
    logits = hidden @ model[3].weight.data + model[3].bias.data
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(first, expected, atol=1e-6), "in eval mode Dropout should not change the output"
    ### BEGIN HIDDEN TESTS
    from tito.probes import probe
    probe("module-classifier", [total, probs.data, first], rtol=1e-5, same_dtype=True)
    ### END HIDDEN TESTS
    print("All layer tests pass: module 03 is complete.")


test_module()

# %% [markdown]
"""
## Summary

* `Layer` fixes the interface every model uses: `layer(x)`, `parameters()`,
  `train()` and `eval()`.
* `Linear` computes `x @ W + b`; its weights start uniform in
  `[-1/sqrt(in), 1/sqrt(in)]`, which keeps the output variance independent
  of the fan-in (measured above).
* `Sequential` chains layers and activations and gathers their parameters.
* `Dropout` zeroes a random fraction `p` of its inputs during training and
  rescales the rest, and does nothing in evaluation.

Module 04 adds the last piece a training loop needs before gradients: a loss
that says, in one number, how wrong the model is.
"""
