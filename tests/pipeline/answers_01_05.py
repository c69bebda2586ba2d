"""Modules 01-05 answered as a student would, written from each notebook's prose and docstrings
(not from the reference solution): loops and other NumPy calls where the reference is compact,
other error messages. Each graded solution cell keeps its given code; the answers replace, in
order, the `raise NotImplementedError()` stubs that the release notebook has in that cell."""
import re

TENSOR = [
    # __init__
    '''\
if isinstance(data, Tensor):
    array = data.data
elif isinstance(data, (np.ndarray, np.generic)):
    array = np.asarray(data)
else:
    array = np.array(data, dtype=np.float32)
if requires_grad and array.dtype.kind != "f":
    raise ValueError(f"requires_grad=True needs a floating-point dtype, this data has {array.dtype}")
self.data = array
self.requires_grad = requires_grad
self.grad = None
self._op = None
self._inputs = ()
self._saved = {}
''',
    # from_op
    '''\
wrapped = []
for x in inputs:
    if not isinstance(x, Tensor):
        x = Tensor(x)
    wrapped.append(x)
result = Tensor(data)
needs_grad = False
for x in wrapped:
    if x.requires_grad:
        needs_grad = True
if needs_grad:
    result.requires_grad = True
    result._op = op
    result._inputs = tuple(wrapped)
    result._saved = saved
return result
''',
    # _binary
    '''\
other = self._lift(other)
if reflected:
    return Tensor.from_op(compute(other.data, self.data), op, (other, self))
return Tensor.from_op(compute(self.data, other.data), op, (self, other))
''',
    # __neg__
    'return Tensor.from_op(np.negative(self.data), "neg", (self,))\n',
    # sum, mean, max
    'return Tensor.from_op(self.data.sum(axis=axis, keepdims=keepdims), "sum", (self,), axis=axis, keepdims=keepdims)\n',
    'return Tensor.from_op(self.data.mean(axis=axis, keepdims=keepdims), "mean", (self,), axis=axis, keepdims=keepdims)\n',
    'return Tensor.from_op(self.data.max(axis=axis, keepdims=keepdims), "max", (self,), axis=axis, keepdims=keepdims)\n',
    # reshape
    '''\
if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
    shape = shape[0]
return Tensor.from_op(np.reshape(self.data, shape), "reshape", (self,))
''',
    # permute
    '''\
axes = tuple(axes)
return Tensor.from_op(self.data.transpose(axes), "transpose", (self,), axes=axes)
''',
    # transpose
    '''\
order = []
for i in range(self.ndim):
    order.append(i)
a = dim0 % self.ndim
b = dim1 % self.ndim
order[a] = b
order[b] = a
return self.permute(order)
''',
    # __getitem__
    '''\
if isinstance(index, tuple):
    parts = []
    for part in index:
        if isinstance(part, Tensor):
            part = part.data
        parts.append(part)
    index = tuple(parts)
elif isinstance(index, Tensor):
    index = index.data
return Tensor.from_op(self.data[index], "getitem", (self,), index=index)
''',
    # exp, log, sqrt
    'return Tensor.from_op(np.exp(self.data), "exp", (self,))\n',
    'return Tensor.from_op(np.log(self.data), "log", (self,))\n',
    'return Tensor.from_op(self.data ** 0.5, "sqrt", (self,))\n',
    # backward
    '''\
engine = _load_autograd_engine()
engine(self, gradient)
''',
]

ACTIVATIONS = {
    "relu": ['return Tensor.from_op(np.where(x.data > 0, x.data, 0), "relu", (x,))\n'],
    "sigmoid": ['''\
values = np.empty_like(x.data)
positive = x.data >= 0
values[positive] = 1 / (1 + np.exp(-x.data[positive]))
e = np.exp(x.data[~positive])
values[~positive] = e / (1 + e)
return Tensor.from_op(values, "sigmoid", (x,))
'''],
    "tanh": ['''\
values = np.tanh(x.data)
return Tensor.from_op(values, "tanh", (x,))
'''],
    "softmax": ['''\
biggest = np.max(x.data, axis=self.axis, keepdims=True)
e = np.exp(x.data - biggest)
total = np.sum(e, axis=self.axis, keepdims=True)
return Tensor.from_op(e / total, "softmax", (x,), axis=self.axis)
'''],
    "gelu": ['''\
v = x.data
if self.approximate == "tanh":
    u = np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3)
    values = v * (1 + np.tanh(u)) / 2
else:
    values = v * (1 + _erf(v / np.sqrt(2))) / 2
return Tensor.from_op(values.astype(v.dtype), "gelu", (x,), approximate=self.approximate)
'''],
}

LAYERS = {
    "linear": [
        '''\
k = 1 / np.sqrt(in_features)
w = (np.random.rand(in_features, out_features) * 2 - 1) * k
self.weight = Tensor(w.astype(np.float32), requires_grad=True)
if bias:
    b = (np.random.rand(out_features) * 2 - 1) * k
    self.bias = Tensor(b.astype(np.float32), requires_grad=True)
else:
    self.bias = None
''',
        '''\
y = x @ self.weight
if self.bias is not None:
    y = y + self.bias
return y
''',
        '''\
params = [self.weight]
if self.bias is not None:
    params.append(self.bias)
return params
''',
    ],
    "sequential": [
        '''\
out = x
for layer in self.layers:
    out = layer(out)
return out
''',
        '''\
params = []
for layer in self.layers:
    if hasattr(layer, "parameters"):
        for p in layer.parameters():
            params.append(p)
return params
''',
    ],
    "dropout": ['''\
if not self.training:
    return x
if self.p == 1:
    return x * 0
keep = (np.random.rand(*x.shape) < 1 - self.p).astype(x.dtype)
return x * keep * (1 / (1 - self.p))
'''],
}

LOSSES = {
    "mse-loss": ['''\
diff = prediction.data - target.data
loss = np.mean(diff * diff)
return Tensor.from_op(loss, "mse_loss", (prediction, target))
'''],
    "cross-entropy-loss": ['''\
z = logits.data
biggest = np.max(z, axis=1, keepdims=True)
log_sum = biggest + np.log(np.sum(np.exp(z - biggest), axis=1, keepdims=True))
log_probs = z - log_sum
picked = []
for i in range(len(targets)):
    picked.append(log_probs[i, targets[i]])
loss = -np.mean(np.array(picked, dtype=z.dtype))
return Tensor.from_op(loss, "cross_entropy", (logits,), targets=targets, probs=np.exp(log_probs))
'''],
    "bce-loss": ['''\
p = prediction.data
t = target.data
with np.errstate(divide="ignore"):
    log_p = np.clip(np.log(p), -100, None)
    log_q = np.clip(np.log(1 - p), -100, None)
loss = -np.mean(t * log_p + (1 - t) * log_q)
return Tensor.from_op(loss, "binary_cross_entropy", (prediction, target))
'''],
}

AUTOGRAD = {
    "rule-registry": ['''\
grad = np.asarray(grad)
while grad.ndim > len(shape):
    grad = grad.sum(axis=0)
for axis, length in enumerate(shape):
    if length == 1 and grad.shape[axis] != 1:
        grad = grad.sum(axis=axis, keepdims=True)
return grad
'''],
    "rules-arithmetic": [
        'return grad, grad\n',
        'return grad, np.negative(grad)\n',
        '''\
a = out._inputs[0].data
b = out._inputs[1].data
return grad * b, grad * a
''',
        '''\
a = out._inputs[0].data
b = out._inputs[1].data
return grad / b, -grad * a / (b * b)
''',
        '''\
a = out._inputs[0].data
b = out._inputs[1].data
with np.errstate(all="ignore"):
    grad_a = grad * b * np.power(a, b - 1)
    grad_a = np.where(b == 0, 0, grad_a)
    grad_b = grad * out.data * np.log(a)
    grad_b = np.where((a == 0) & (b >= 0), 0, grad_b)
return grad_a, grad_b
''',
        'return (np.negative(grad),)\n',
        'return (grad * np.exp(out._inputs[0].data),)\n',
        'return (grad / out._inputs[0].data,)\n',
        'return (grad * 0.5 / out.data,)\n',
    ],
    "rule-matmul": ['''\
a = out._inputs[0].data
b = out._inputs[1].data
if a.ndim == 1 and b.ndim == 1:
    return grad * b, grad * a
if a.ndim == 1:
    g = grad[..., np.newaxis, :]
    grad_a = g @ np.swapaxes(b, -1, -2)
    grad_b = a[:, np.newaxis] @ g
    return grad_a.reshape(-1, a.shape[0]).sum(axis=0), grad_b
if b.ndim == 1:
    g = grad[..., np.newaxis]
    grad_a = g @ b[np.newaxis, :]
    grad_b = np.swapaxes(a, -1, -2) @ g
    return grad_a, grad_b.reshape(-1, b.shape[0]).sum(axis=0)
return grad @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ grad
'''],
    "rules-reductions": [
        '''\
x = out._inputs[0].data
g = np.asarray(grad)
if out._saved["axis"] is not None and not out._saved["keepdims"]:
    g = np.expand_dims(g, out._saved["axis"])
return (g * np.ones_like(x),)
''',
        '''\
x = out._inputs[0].data
g = np.asarray(grad)
if out._saved["axis"] is not None and not out._saved["keepdims"]:
    g = np.expand_dims(g, out._saved["axis"])
count = x.size / out.data.size
return (g * np.ones_like(x) / count,)
''',
        '''\
x = out._inputs[0].data
axis = out._saved["axis"]
m = out.data
g = np.asarray(grad)
if axis is not None and not out._saved["keepdims"]:
    m = np.expand_dims(m, axis)
    g = np.expand_dims(g, axis)
mask = (x == m).astype(x.dtype)
count = mask.sum(axis=axis, keepdims=True)
return (g * mask / count,)
''',
    ],
    "rules-shape": [
        'return (np.reshape(grad, out._inputs[0].data.shape),)\n',
        '''\
axes = out._saved["axes"]
inverse = [0] * len(axes)
for position, axis in enumerate(axes):
    inverse[axis] = position
return (np.transpose(grad, inverse),)
''',
        '''\
x = out._inputs[0].data
full = np.zeros(x.shape, dtype=grad.dtype)
np.add.at(full, out._saved["index"], grad)
return (full,)
''',
    ],
    "rules-activations": [
        'return (np.where(out._inputs[0].data > 0, grad, 0),)\n',
        'return (grad * (out.data - out.data ** 2),)\n',
        'return (grad * (1 - out.data * out.data),)\n',
        '''\
y = out.data
s = np.sum(grad * y, axis=out._saved["axis"], keepdims=True)
return (y * grad - y * s,)
''',
        '''\
x = out._inputs[0].data
if out._saved["approximate"] == "none":
    phi_big = (1 + _erf(x / np.sqrt(2))) / 2
    phi_small = np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    return (grad * (phi_big + x * phi_small),)
c = np.sqrt(2 / np.pi)
t = np.tanh(c * (x + 0.044715 * x ** 3))
return (grad * ((1 + t) / 2 + x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x) / 2),)
''',
    ],
    "rules-losses": [
        '''\
p = out._inputs[0].data
t = out._inputs[1].data
n = p.size
grad_p = 2 * grad * (p - t) / n
return grad_p, -grad_p
''',
        '''\
probs = out._saved["probs"]
targets = out._saved["targets"]
n = probs.shape[0]
onehot = np.zeros_like(probs)
for i in range(n):
    onehot[i, targets[i]] = 1
return (grad * (probs - onehot) / n,)
''',
        '''\
p = out._inputs[0].data
t = out._inputs[1].data
n = p.size
grad_p = grad * (p - t) / np.maximum(p * (1 - p), 1e-12) / n
with np.errstate(divide="ignore"):
    grad_t = grad * (np.clip(np.log(1 - p), -100, None) - np.clip(np.log(p), -100, None)) / n
return grad_p, grad_t
''',
    ],
    "engine": [
        '''\
order = []
visited = {id(root)}
stack = [(root, iter(root._inputs))]
while stack:
    node, inputs = stack[-1]
    for parent in inputs:
        if parent.requires_grad and id(parent) not in visited:
            visited.add(id(parent))
            stack.append((parent, iter(parent._inputs)))
            break
    else:
        stack.pop()
        order.append(node)
return order
''',
        '''\
grads = {id(root): _seed_gradient(root, gradient)}
for node in reversed(topological_order(root)):
    if id(node) not in grads:
        continue
    g = grads.pop(id(node))
    if node._op is None:
        _accumulate_into_leaf(node, g)
        continue
    rule = BACKWARD_RULES.get(node._op)
    if rule is None:
        raise NotImplementedError(f"op {node._op!r} has no backward rule yet")
    for tensor, tensor_grad in zip(node._inputs, rule(g, node)):
        if tensor_grad is None or not tensor.requires_grad:
            continue
        tensor_grad = unbroadcast(tensor_grad, tensor.shape).astype(tensor.dtype)
        if id(tensor) in grads:
            grads[id(tensor)] = grads[id(tensor)] + tensor_grad
        else:
            grads[id(tensor)] = tensor_grad
''',
    ],
}

# module name -> {grade id: answers for the stubs of that cell, in order}
ANSWERS = {
    "01_tensor": {"tensor-class": TENSOR},
    "02_activations": ACTIVATIONS,
    "03_layers": LAYERS,
    "04_losses": LOSSES,
    "05_autograd": AUTOGRAD,
}


STUB = re.compile(r"^( *)# YOUR CODE HERE\n\1raise NotImplementedError\(\)(?:\n|\Z)", re.M)


def fill_stubs(source: str, answers: list[str]) -> str:
    """The cell's text with its stubs replaced, in order, by the answers (indented like the stub)."""
    stubs = list(STUB.finditer(source))
    assert len(stubs) == len(answers), f"{len(stubs)} stubs in the cell, {len(answers)} answers"
    for stub, body in zip(reversed(stubs), reversed(answers)):
        indent = stub.group(1)
        text = "".join(indent + line if line.strip() else line for line in body.splitlines(keepends=True))
        source = source[:stub.start()] + text + source[stub.end():]
    return source
