"""The exported optimizers of module 06 against torch.optim, plus the laws and behaviours users rely on."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core import optimizers
from tinytorch.core.optimizers import SGD, Adam, AdamW, Optimizer
from tinytorch.core.tensor import Tensor

FAST = settings(max_examples=30, deadline=None)

SGD_VARIANTS = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.05, "momentum": 0.9},
    "dampening": {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    "nesterov": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    "weight_decay": {"lr": 0.05, "weight_decay": 0.1},
    "momentum_weight_decay": {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1},
    "maximize": {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.05, "maximize": True},
}
ADAM_VARIANTS = {
    "plain": {"lr": 0.01},
    "weight_decay": {"lr": 0.01, "weight_decay": 0.1},
    "amsgrad": {"lr": 0.01, "amsgrad": True},
    "maximize": {"lr": 0.01, "weight_decay": 0.05, "maximize": True},
    "betas_eps": {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
}
ADAMW_VARIANTS = {
    "plain": {"lr": 0.01},
    "weight_decay": {"lr": 0.01, "weight_decay": 0.5},
    "amsgrad": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True},
    "maximize": {"lr": 0.01, "maximize": True},
}
VARIANTS = (
    [("SGD", name, settings) for name, settings in SGD_VARIANTS.items()]
    + [("Adam", name, settings) for name, settings in ADAM_VARIANTS.items()]
    + [("AdamW", name, settings) for name, settings in ADAMW_VARIANTS.items()]
)
OURS = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}


def initial_arrays(dtype):
    """Parameters of several shapes, one of them not C-contiguous (a transposed array)."""
    rng = np.random.default_rng(0)
    return [
        rng.standard_normal((7, 5)).astype(dtype),
        rng.standard_normal(300).astype(dtype),
        rng.standard_normal((6, 4)).astype(dtype).T,  # strided: updated without flattening
        rng.standard_normal(()).astype(dtype),
    ]


def gradient_stream(arrays, steps):
    """For each step, a function params -> grads (curvature * p + noise); None skips a parameter.

    The last-but-one parameter (index 1) gets a gradient only on every third
    step, so per-parameter step counts differ from the optimizer's.
    """
    rng = np.random.default_rng(1)
    curvatures = [rng.uniform(0.1, 3.0, a.shape).astype(a.dtype) for a in arrays]
    noises = [[rng.standard_normal(a.shape).astype(a.dtype) * 0.1 for a in arrays] for _ in range(steps)]

    def grads_at(step, values):
        grads = [c * v + n for c, v, n in zip(curvatures, values, noises[step])]
        if step % 3:
            grads[1] = None
        return grads

    return grads_at


def run_ours(kind, settings, dtype, steps, stop_after=None):
    arrays = initial_arrays(dtype)
    params = [Tensor(a.copy(order="K"), requires_grad=True) for a in arrays]
    optimizer = OURS[kind](params, **settings)
    grads_at = gradient_stream(arrays, steps)
    for step in range(steps):
        for param, grad in zip(params, grads_at(step, [p.data for p in params])):
            param.grad = None if grad is None else Tensor(grad)
        optimizer.step()
    return [p.data for p in params]


def run_torch(kind, settings, dtype, steps):
    torch = pytest.importorskip("torch")
    arrays = initial_arrays(dtype)
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    optimizer = getattr(torch.optim, kind)(params, foreach=False, **settings)
    grads_at = gradient_stream(arrays, steps)
    for step in range(steps):
        for param, grad in zip(params, grads_at(step, [p.detach().numpy() for p in params])):
            param.grad = None if grad is None else torch.tensor(grad)
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 64 bytes, so every parameter above is updated in several blocks."""
    monkeypatch.setattr(optimizers, "BLOCK_BYTES", 64)


# ----- agreement with torch.optim -------------------------------------------

@pytest.mark.parametrize("kind,name,settings", VARIANTS, ids=[f"{k}-{n}" for k, n, _ in VARIANTS])
def test_float64_trajectory_matches_torch_to_roundoff(kind, name, settings):
    ours = run_ours(kind, settings, np.float64, 300)
    theirs = run_torch(kind, settings, np.float64, 300)
    for mine, reference in zip(ours, theirs):
        assert mine.dtype == np.float64
        np.testing.assert_allclose(mine, reference, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kind,name,settings", VARIANTS, ids=[f"{k}-{n}" for k, n, _ in VARIANTS])
def test_float32_trajectory_matches_torch_closely(kind, name, settings):
    ours = run_ours(kind, settings, np.float32, 100)
    theirs = run_torch(kind, settings, np.float32, 100)
    for mine, reference in zip(ours, theirs):
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, reference, rtol=2e-5, atol=2e-6)


def torch_fuses_multiply_adds():
    """Whether torch's CPU kernels here are the vectorised ones whose add(alpha=)/lerp/addcmul use FMA."""
    torch = pytest.importorskip("torch")
    return torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def test_multiply_add_rounds_once_like_torch_kernels():
    torch = pytest.importorskip("torch")
    if not torch_fuses_multiply_adds():
        pytest.skip("torch runs its non-vectorised CPU kernels here")
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(100_003).astype(np.float32) for _ in range(3))
    wide = [np.empty(a.size), np.empty(a.size)]
    A, B, C = (torch.from_numpy(x.copy()) for x in (a, b, c))
    out = np.empty_like(a)
    np.testing.assert_array_equal(optimizers.multiply_add(b, -0.1, a, out, wide), A.add(B, alpha=-0.1).numpy())
    np.testing.assert_array_equal(optimizers.multiply_add(b - a, np.float32(1 - 0.9), a, out, wide),
                                  A.lerp(B, 1 - 0.9).numpy())
    scaled = np.float32(1 - 0.999) * b
    np.testing.assert_array_equal(optimizers.multiply_add(scaled, b, a, out, wide),
                                  A.addcmul(B, B, value=1 - 0.999).numpy())
    assert not np.array_equal(out, a + scaled * b), "the data should tell one rounding from two"


@pytest.mark.parametrize("name,settings", list(SGD_VARIANTS.items()), ids=list(SGD_VARIANTS))
def test_float32_sgd_equals_torch_bit_for_bit(name, settings):
    if not torch_fuses_multiply_adds():
        pytest.skip("torch runs its non-vectorised CPU kernels here")
    ours = run_ours("SGD", settings, np.float32, 300)
    theirs = run_torch("SGD", settings, np.float32, 300)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine, reference)


@pytest.mark.parametrize("kind,name,settings", VARIANTS[::3], ids=[f"{k}-{n}" for k, n, _ in VARIANTS[::3]])
def test_blocked_updates_equal_whole_array_updates(small_blocks, kind, name, settings):
    blocked = run_ours(kind, settings, np.float64, 30)
    optimizers.BLOCK_BYTES = 1 << 30
    whole = run_ours(kind, settings, np.float64, 30)
    for a, b in zip(blocked, whole):
        np.testing.assert_array_equal(a, b)


sgd_settings = st.fixed_dictionaries({
    "lr": st.floats(1e-4, 0.2), "momentum": st.sampled_from([0.0, 0.5, 0.9, 0.99]),
    "dampening": st.sampled_from([0.0, 0.1, 0.5]), "weight_decay": st.sampled_from([0.0, 1e-3, 0.3]),
    "nesterov": st.booleans(), "maximize": st.booleans(),
}).filter(lambda s: not s["nesterov"] or (s["momentum"] > 0 and s["dampening"] == 0))
adam_settings = st.fixed_dictionaries({
    "lr": st.floats(1e-4, 0.2), "betas": st.tuples(st.sampled_from([0.0, 0.5, 0.9]), st.sampled_from([0.9, 0.999])),
    "eps": st.sampled_from([1e-8, 1e-3]), "weight_decay": st.sampled_from([0.0, 1e-3, 0.3]),
    "amsgrad": st.booleans(), "maximize": st.booleans(),
})


@FAST
@given(kind_settings=st.one_of(st.tuples(st.just("SGD"), sgd_settings),
                               st.tuples(st.sampled_from(["Adam", "AdamW"]), adam_settings)))
def test_random_hyperparameters_match_torch(kind_settings):
    kind, settings = kind_settings
    ours = run_ours(kind, settings, np.float64, 25)
    theirs = run_torch(kind, settings, np.float64, 25)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-11, atol=1e-12)


def test_param_groups_match_torch():
    torch = pytest.importorskip("torch")
    arrays = initial_arrays(np.float64)
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    groups = lambda ps: [{"params": ps[:2], "lr": 0.05, "weight_decay": 0.2}, {"params": ps[2:]}]
    mine = AdamW(groups(ours), lr=0.01, amsgrad=True)
    reference = torch.optim.AdamW(groups(theirs), lr=0.01, amsgrad=True, foreach=False)
    grads_at = gradient_stream(arrays, 80)
    for step in range(80):
        for param, twin, grad in zip(ours, theirs, grads_at(step, [p.data for p in ours])):
            param.grad = None if grad is None else Tensor(grad)
            twin.grad = None if grad is None else torch.tensor(grad)
        mine.step()
        reference.step()
    for param, twin in zip(ours, theirs):
        np.testing.assert_allclose(param.data, twin.detach().numpy(), rtol=1e-11, atol=1e-13)
    assert [g["lr"] for g in mine.param_groups] == [0.05, 0.01]
    assert [g["weight_decay"] for g in mine.param_groups] == [0.2, 0.01]


def test_state_dict_has_torch_layout():
    torch = pytest.importorskip("torch")
    for kind, settings in [("SGD", {"momentum": 0.9}), ("Adam", {"amsgrad": True}), ("AdamW", {})]:
        ours = [Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(2), requires_grad=True)]
        theirs = [torch.ones(3, dtype=torch.float64, requires_grad=True), torch.ones(2, dtype=torch.float64, requires_grad=True)]
        ours[0].grad, theirs[0].grad = Tensor(np.ones(3)), torch.ones(3, dtype=torch.float64)
        mine = OURS[kind](ours, **settings)
        reference = getattr(torch.optim, kind)(theirs, **settings)
        mine.step()
        reference.step()
        state, expected = mine.state_dict(), reference.state_dict()
        assert set(state["state"]) == set(expected["state"]) == {0}
        assert set(state["state"][0]) == set(expected["state"][0])
        assert [g["params"] for g in state["param_groups"]] == [g["params"] for g in expected["param_groups"]]
        assert set(state["param_groups"][0]) <= set(expected["param_groups"][0])


# ----- state dict: resume exactly ---------------------------------------------

@pytest.mark.parametrize("kind,settings", [("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
                                           ("Adam", {"lr": 0.01, "amsgrad": True}),
                                           ("AdamW", {"lr": 0.01, "weight_decay": 0.1})])
def test_state_dict_round_trip_resumes_exactly(kind, settings):
    arrays = initial_arrays(np.float32)
    grads_at = gradient_stream(arrays, 20)

    def train(params, optimizer, steps):
        for step in steps:
            for param, grad in zip(params, grads_at(step, [p.data for p in params])):
                param.grad = None if grad is None else Tensor(grad)
            optimizer.step()

    straight = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    straight_optimizer = OURS[kind](straight, **settings)
    train(straight, straight_optimizer, range(10))
    saved = straight_optimizer.state_dict()
    saved_values = [p.data.copy() for p in straight]
    train(straight, straight_optimizer, range(10, 20))

    resumed = [Tensor(v.copy(), requires_grad=True) for v in saved_values]
    resumed_optimizer = OURS[kind](resumed, lr=123.0)  # settings come back from the state dict
    resumed_optimizer.load_state_dict(saved)
    train(resumed, resumed_optimizer, range(10, 20))
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.data, b.data)
    assert resumed_optimizer.step_count == straight_optimizer.step_count == 20


def test_state_dict_is_a_deep_copy():
    param = Tensor(np.ones(4), requires_grad=True)
    optimizer = Adam([param], lr=0.1)
    param.grad = Tensor(np.ones(4))
    optimizer.step()
    saved = optimizer.state_dict()
    before = saved["state"][0]["exp_avg"].copy()
    optimizer.step()
    saved["param_groups"][0]["lr"] = 5.0
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], before)
    assert saved["state"][0]["step"] == 1
    assert optimizer.lr == 0.1


def test_load_state_dict_rejects_a_different_layout():
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    saved = SGD([a, b]).state_dict()
    with pytest.raises(ValueError, match="groups"):
        SGD([a]).load_state_dict(saved)


# ----- validation ------------------------------------------------------------

@pytest.mark.parametrize("make,message", [
    (lambda p: SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: SGD(p, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    (lambda p: SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: Adam(p, lr=-0.5), "Invalid learning rate: -0.5"),
    (lambda p: Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: AdamW(p, weight_decay=-2), "Invalid weight_decay value: -2"),
    (lambda p: AdamW([{"params": p, "lr": -3}]), "Invalid learning rate: -3"),
])
def test_bad_hyperparameters_are_named(make, message):
    with pytest.raises(ValueError) as error:
        make([Tensor([1.0], requires_grad=True)])
    assert message in str(error.value)


@pytest.mark.parametrize("kind", [Optimizer, SGD, Adam, AdamW])
def test_bad_parameters_are_refused(kind):
    good = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Parameter 1 .*list"):
        kind([good, [1.0, 2.0]])
    with pytest.raises(ValueError, match=r"Parameter 1 does not require gradients"):
        kind([good, Tensor([1.0])])
    with pytest.raises(ValueError, match="empty"):
        kind([])
    with pytest.raises(TypeError, match="single Tensor"):
        kind(good)
    with pytest.raises(ValueError, match="twice"):
        kind([good, good])


def test_grad_of_the_wrong_shape_is_named():
    param = Tensor(np.ones((2, 3)), requires_grad=True)
    param.grad = Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"Parameter 0 has shape \(2, 3\) but its grad has shape \(3,\)"):
        SGD([param]).step()


# ----- in place, no allocation -------------------------------------------------

@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.01, momentum=0.9, weight_decay=1e-4, nesterov=True),
                                  lambda p: Adam(p, weight_decay=1e-4, maximize=True),
                                  lambda p: AdamW(p, amsgrad=True)],
                         ids=["SGD", "Adam", "AdamW"])
def test_step_updates_in_place_without_allocating(make):
    rng = np.random.default_rng(0)
    param = Tensor(rng.standard_normal(1_000_000).astype(np.float32), requires_grad=True)
    small = Tensor(rng.standard_normal((30, 20)).astype(np.float32), requires_grad=True)
    param.grad = Tensor(rng.standard_normal(1_000_000).astype(np.float32))
    small.grad = rng.standard_normal((30, 20)).astype(np.float32)
    optimizer = make([param, small])
    data = param.data
    optimizer.step()  # creates the state and scratch buffers
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        optimizer.step()
        optimizer.step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert param.data is data
    assert peak - start < 0.01 * data.nbytes, f"a step allocated {peak - start} bytes at its peak"
    assert current - start < 4096


def test_non_contiguous_parameter_is_updated_in_place():
    data = np.arange(12.0).reshape(3, 4).T
    param = Tensor(data, requires_grad=True)
    param.grad = Tensor(np.ones((4, 3)))
    Adam([param], lr=0.5).step()
    assert param.data is data
    np.testing.assert_allclose(data, np.arange(12.0).reshape(3, 4).T - 0.5, atol=1e-6)


# ----- laws --------------------------------------------------------------------

CONFIGS = [
    lambda p, lr: SGD(p, lr=lr, momentum=0.9, weight_decay=0.1, nesterov=True),
    lambda p, lr: SGD(p, lr=lr, momentum=0.5, dampening=0.5, maximize=True),
    lambda p, lr: Adam(p, lr=lr, weight_decay=0.1, amsgrad=True),
    lambda p, lr: AdamW(p, lr=lr, weight_decay=0.5),
]
finite = hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5),
                    elements=st.floats(-1e3, 1e3, allow_nan=False))


@FAST
@given(values=finite, seed=st.integers(0, 2**16), config=st.sampled_from(CONFIGS))
def test_zero_learning_rate_changes_nothing(values, seed, config):
    rng = np.random.default_rng(seed)
    param = Tensor(values.copy(), requires_grad=True)
    optimizer = config([param], 0.0)
    for _ in range(3):
        param.grad = Tensor(rng.standard_normal(values.shape) * 10)
        optimizer.step()
    np.testing.assert_array_equal(param.data, values)


@FAST
@given(values=finite, seed=st.integers(0, 2**16), config=st.sampled_from(CONFIGS))
def test_maximize_is_minimize_with_the_gradient_negated(values, seed, config):
    rng = np.random.default_rng(seed)
    climbing = Tensor(values.copy(), requires_grad=True)
    descending = Tensor(values.copy(), requires_grad=True)
    up = config([climbing], 0.01)
    up.maximize = not up.maximize
    down = config([descending], 0.01)
    for _ in range(3):
        grad = rng.standard_normal(values.shape)
        climbing.grad = Tensor(grad if up.maximize else -grad)
        descending.grad = Tensor(-grad if up.maximize else grad)
        up.step()
        down.step()
    np.testing.assert_array_equal(climbing.data, descending.data)


@FAST
@given(values=finite, grad=st.floats(-1e3, 1e3), lr=st.floats(1e-4, 1.0))
def test_plain_sgd_is_exactly_one_gradient_step(values, grad, lr):
    param = Tensor(values.copy(), requires_grad=True)
    param.grad = np.full(values.shape, grad)
    SGD([param], lr=lr).step()
    np.testing.assert_array_equal(param.data, values - lr * grad)


# ----- behaviours of the spec ------------------------------------------------------

@pytest.mark.parametrize("kind", [SGD, Adam, AdamW])
def test_step_count_zero_grad_and_lazy_state(kind):
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    optimizer = kind([a, b], momentum=0.9) if kind is SGD else kind([a, b])
    buffers = optimizer.momentum_buffers if kind is SGD else optimizer.m_buffers
    assert optimizer.step_count == 0 and buffers == [None, None]
    a.grad = Tensor([0.5, 0.5])
    optimizer.step()
    assert optimizer.step_count == 1
    buffers = optimizer.momentum_buffers if kind is SGD else optimizer.m_buffers
    assert buffers[0] is not None and buffers[1] is None
    assert b.data[0] == 3.0
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None
    optimizer.step()  # nothing has a gradient: nothing moves
    assert optimizer.step_count == 2


def test_skipped_parameter_keeps_its_state_and_is_not_decayed():
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    optimizer = AdamW([a, b], lr=0.1, weight_decay=0.5)
    a.grad, b.grad = Tensor(np.ones(3)), Tensor(np.ones(3))
    optimizer.step()
    b_data, b_m, b_steps = b.data.copy(), optimizer.m_buffers[1].copy(), optimizer.param_steps[1]
    b.grad = None
    for _ in range(3):
        a.grad = Tensor(np.ones(3))
        optimizer.step()
    np.testing.assert_array_equal(b.data, b_data)
    np.testing.assert_array_equal(optimizer.m_buffers[1], b_m)
    assert optimizer.param_steps == [4, b_steps] == [4, 1]


@pytest.mark.parametrize("kind", [SGD, Adam, AdamW])
def test_grad_as_tensor_or_ndarray_gives_the_same_step(kind):
    as_tensor, as_array = Tensor(np.ones(4), requires_grad=True), Tensor(np.ones(4), requires_grad=True)
    grad = np.array([0.1, -0.2, 0.3, 0.0])
    as_tensor.grad, as_array.grad = Tensor(grad), grad.copy()
    kind([as_tensor], lr=0.1).step()
    kind([as_array], lr=0.1).step()
    np.testing.assert_array_equal(as_tensor.data, as_array.data)
    np.testing.assert_array_equal(grad, [0.1, -0.2, 0.3, 0.0])


def test_defaults_and_attribute_names():
    p = [Tensor([1.0], requires_grad=True)]
    sgd, adam, adamw = SGD(p), Adam(p), AdamW(p)
    assert (sgd.lr, sgd.momentum, sgd.weight_decay) == (0.01, 0.0, 0.0)
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weight_decay) == (0.001, 0.9, 0.999, 1e-8, 0.0)
    assert (adamw.lr, adamw.beta1, adamw.beta2, adamw.eps, adamw.weight_decay) == (0.001, 0.9, 0.999, 1e-8, 0.01)
    assert sgd.params == p and adam.v_buffers == [None]


def test_setting_lr_reaches_every_group():
    a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert optimizer.lr == 0.1
    optimizer.lr = 0.2
    assert [group["lr"] for group in optimizer.param_groups] == [0.2, 0.2]
    optimizer = Adam([a])
    optimizer.beta2 = 0.99
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.99)


def test_optimizers_train_a_network_from_earlier_modules():
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear
    from tinytorch.core.losses import MSELoss

    rng = np.random.default_rng(0)
    inputs = Tensor(rng.uniform(-1, 1, (32, 3)).astype(np.float32))
    targets = Tensor(np.tanh(inputs.data @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)))
    for make in [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.02), lambda p: AdamW(p, lr=0.02)]:
        np.random.seed(0)
        hidden, output = Linear(3, 8), Linear(8, 1)
        optimizer = make(hidden.parameters() + output.parameters())
        losses = []
        for _ in range(100):
            loss = MSELoss()(output(ReLU()(hidden(inputs))), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        assert losses[-1] < 0.1 * losses[0]
