"""The exported optimizers of module 06: agreement with torch.optim (recorded), and the behaviours users rely on.

The comparisons use results recorded from torch.optim (record_torch_06.py,
data/torch_optim_06.npz), so these tests run without torch. Each assertion
names the function of the notebook to look at.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import optimizer_cases as cases
from tinytorch.core import optimizers
from tinytorch.core.optimizers import SGD, Adam, AdamW, Optimizer
from tinytorch.core.tensor import Tensor

FAST = settings(max_examples=30, deadline=None)
OURS = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}
RECORDED = cases.load_recording()


def set_grad(param, grad):
    param.grad = None if grad is None else Tensor(grad)


def run_ours(kind, settings, dtype, steps, groups=False):
    def make(params):
        return OURS[kind](cases.group_layout(params) if groups else params, **settings)

    return cases.run(make, lambda a: Tensor(a.copy(order="K"), requires_grad=True), set_grad,
                     lambda p: p.data, dtype, steps)


def compare_with_torch(kind, name, settings, dtype, steps, rtol, atol, groups=False):
    ours = run_ours(kind, settings, dtype, steps, groups)
    for index, mine in enumerate(ours):
        reference = RECORDED[cases.key(kind, name, np.dtype(dtype).name, index)]
        assert mine.dtype == dtype, (
            f"{kind} {settings}: a {np.dtype(dtype).name} parameter became {mine.dtype} "
            f"(see {cases.UPDATE_FUNCTION[kind]})")
        np.testing.assert_allclose(
            mine, reference, rtol=rtol, atol=atol,
            err_msg=f"{kind}({settings}) after {steps} {np.dtype(dtype).name} steps differs from torch.optim.{kind} "
                    f"on parameter {index} of shape {reference.shape} (parameter 1 gets a gradient on every "
                    f"third step only; see {cases.UPDATE_FUNCTION[kind]})")


# ----- agreement with torch.optim (recorded) ----------------------------------

@pytest.mark.parametrize("kind,name,settings", cases.VARIANTS, ids=[f"{k}-{n}" for k, n, _ in cases.VARIANTS])
def test_float64_trajectory_matches_torch_to_roundoff(kind, name, settings):
    compare_with_torch(kind, name, settings, np.float64, cases.FLOAT64_STEPS, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind,name,settings", cases.VARIANTS, ids=[f"{k}-{n}" for k, n, _ in cases.VARIANTS])
def test_float32_trajectory_matches_torch_closely(kind, name, settings):
    """float32 agrees to rtol 2e-5: torch's fused multiply-adds round differently (notebook section 7)."""
    compare_with_torch(kind, name, settings, np.float32, cases.FLOAT32_STEPS, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kind,name,settings", cases.RANDOM_CASES, ids=[n for _, n, _ in cases.RANDOM_CASES])
def test_random_hyperparameters_match_torch(kind, name, settings):
    compare_with_torch(kind, name, settings, np.float64, cases.RANDOM_STEPS, rtol=1e-10, atol=1e-12)


def test_param_groups_match_torch():
    compare_with_torch("AdamW", "groups", {"lr": 0.01, "amsgrad": True}, np.float64, cases.GROUP_STEPS,
                       rtol=1e-10, atol=1e-12, groups=True)
    params = [Tensor(a.copy(), requires_grad=True) for a in cases.initial_arrays(np.float64)]
    optimizer = AdamW(cases.group_layout(params), lr=0.01)
    assert [g["lr"] for g in optimizer.param_groups] == [0.05, 0.01]
    assert [g["weight_decay"] for g in optimizer.param_groups] == [0.2, 0.01]


@pytest.mark.parametrize("kind", ["SGD", "Adam", "AdamW"])
def test_state_dict_has_torch_layout(kind):
    settings = {"SGD": {"momentum": 0.9}, "Adam": {"amsgrad": True}, "AdamW": {}}[kind]
    params = [Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(2), requires_grad=True)]
    params[0].grad = Tensor(np.ones(3))
    optimizer = OURS[kind](params, **settings)
    optimizer.step()
    state = optimizer.state_dict()
    assert sorted(state["state"]) == list(RECORDED[cases.key(kind, "state_indices")])
    assert sorted(state["state"][0]) == list(RECORDED[cases.key(kind, "state_keys")])
    assert set(state["param_groups"][0]) <= set(RECORDED[cases.key(kind, "group_keys")])


# ----- the rules of section 3.2: in place, grad untouched, slices ---------------------

@pytest.mark.parametrize("kind,name,settings", cases.VARIANTS, ids=[f"{k}-{n}" for k, n, _ in cases.VARIANTS])
def test_update_is_in_place_and_never_writes_the_gradient(kind, name, settings):
    param = Tensor(np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    data = param.data
    grad = np.linspace(0.5, -0.3, 12, dtype=np.float32).reshape(3, 4)
    optimizer = OURS[kind]([param], **settings)
    for _ in range(2):
        param.grad = grad
        optimizer.step()
        assert np.array_equal(grad, np.linspace(0.5, -0.3, 12, dtype=np.float32).reshape(3, 4)), (
            f"{kind}({settings}) wrote into the gradient array; compute new arrays instead "
            f"(g = -grad, g = g + weight_decay * param) in {cases.UPDATE_FUNCTION[kind]}")
    assert param.data is data, f"{kind}: param.data was replaced by another array"
    assert not np.array_equal(data, np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4)), (
        f"{kind}({settings}): the parameter did not move; update the array in place (param -= ...) "
        f"in {cases.UPDATE_FUNCTION[kind]}")


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.01, momentum=0.9, weight_decay=1e-4, nesterov=True),
                                  lambda p: Adam(p, weight_decay=1e-4, maximize=True),
                                  lambda p: AdamW(p, amsgrad=True)],
                         ids=["SGD", "Adam", "AdamW"])
def test_a_step_allocates_slices_not_parameters(make):
    """Temporaries are fine, but the driver hands the update slices: a step never allocates a parameter's worth."""
    rng = np.random.default_rng(0)
    param = Tensor(rng.standard_normal(4_000_000).astype(np.float32), requires_grad=True)
    small = Tensor(rng.standard_normal((30, 20)).astype(np.float32), requires_grad=True)
    param.grad = Tensor(rng.standard_normal(4_000_000).astype(np.float32))
    small.grad = rng.standard_normal((30, 20)).astype(np.float32)
    optimizer = make([param, small])
    data = param.data
    optimizer.step()  # creates the state
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        optimizer.step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert param.data is data
    assert peak - start < 0.25 * data.nbytes, (
        f"a step on a {data.nbytes / 1e6:.0f} MB parameter allocated {(peak - start) / 1e6:.1f} MB at its peak: "
        f"more than a quarter of the parameter, though each call of the update gets slices of "
        f"{optimizers.SLICE_BYTES / 1e6:.2f} MB")
    assert current - start < 0.01 * data.nbytes, (
        f"a step kept {(current - start) / 1e6:.2f} MB once it returned; the optimizer's state is "
        "created on the first step, temporaries should be freed")


@pytest.mark.parametrize("kind,name,settings", cases.VARIANTS[::2], ids=[f"{k}-{n}" for k, n, _ in cases.VARIANTS[::2]])
def test_slices_give_the_same_result_as_whole_arrays(monkeypatch, kind, name, settings):
    monkeypatch.setattr(optimizers, "SLICE_BYTES", 64)  # every parameter above is updated in several slices
    sliced = run_ours(kind, settings, np.float64, 30)
    monkeypatch.setattr(optimizers, "SLICE_BYTES", 1 << 30)
    whole = run_ours(kind, settings, np.float64, 30)
    for a, b in zip(sliced, whole):
        np.testing.assert_array_equal(a, b, err_msg=f"{kind}: the update should act coordinate by coordinate "
                                                    f"(see {cases.UPDATE_FUNCTION[kind]})")


def test_non_contiguous_parameter_is_updated_in_place():
    data = np.arange(12.0).reshape(3, 4).T
    param = Tensor(data, requires_grad=True)
    param.grad = Tensor(np.ones((4, 3)))
    Adam([param], lr=0.5).step()
    assert param.data is data
    np.testing.assert_allclose(data, np.arange(12.0).reshape(3, 4).T - 0.5, atol=1e-6)


# ----- state dict: resume exactly ---------------------------------------------

@pytest.mark.parametrize("kind,settings", [("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
                                           ("Adam", {"lr": 0.01, "amsgrad": True}),
                                           ("AdamW", {"lr": 0.01, "weight_decay": 0.1})])
def test_state_dict_round_trip_resumes_exactly(kind, settings):
    arrays = cases.initial_arrays(np.float32)
    grads_at = cases.gradient_stream(arrays, 20)

    def train(params, optimizer, steps):
        for step in steps:
            for param, grad in zip(params, grads_at(step, [p.data for p in params])):
                set_grad(param, grad)
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
    """_check_parameter names the index and the type; the given bookkeeping refuses the rest."""
    good = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"1.*list|list.*1"):
        kind([good, [1.0, 2.0]])
    with pytest.raises(ValueError, match=r"1.*does not require gradients|does not require gradients.*1"):
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
    np.testing.assert_array_equal(param.data, values, err_msg="with lr=0 no parameter may move")


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
    np.testing.assert_allclose(climbing.data, descending.data, rtol=1e-12, atol=1e-12,
                               err_msg="maximize should negate the gradient first, before weight decay")


@FAST
@given(values=finite, grad=st.floats(-1e3, 1e3), lr=st.floats(1e-4, 1.0))
def test_plain_sgd_is_one_gradient_step(values, grad, lr):
    param = Tensor(values.copy(), requires_grad=True)
    param.grad = np.full(values.shape, grad)
    SGD([param], lr=lr).step()
    np.testing.assert_allclose(param.data, values - lr * grad, rtol=1e-15, atol=1e-12,
                               err_msg="plain SGD is param - lr * grad (see sgd_update)")


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
    assert a.grad is None and b.grad is None, "zero_grad() should set every .grad to None (see zero_grad)"
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
    optimizer.param_groups[1]["lr"] = 0.0  # what a schedule on one group does
    a.grad, b.grad = Tensor([1.0]), Tensor([1.0])
    optimizer.step()
    assert np.isclose(a.data[0], 0.8) and b.data[0] == 1.0, "each group's own lr should be used in its step"
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
