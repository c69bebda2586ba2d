"""The optimizer runs that module 06's package tests compare with torch.optim, and the recorded results.

`record_torch_06.py` runs the same cases with torch.optim and writes what it
got to `data/torch_optim_06.npz`; the package tests compare tinytorch with
that file, so a student needs no torch. `tests/against_torch/` checks, where
torch is installed, that the file is what torch computes today.
"""

from pathlib import Path

import numpy as np

RECORDING = Path(__file__).resolve().parent / "data" / "torch_optim_06.npz"
FLOAT64_STEPS, FLOAT32_STEPS, RANDOM_STEPS, GROUP_STEPS = 300, 100, 25, 80

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
UPDATE_FUNCTION = {"SGD": "sgd_update", "Adam": "adam_update", "AdamW": "adamw_update"}


def random_cases(count=24, seed=5):
    """Hyperparameters drawn at random (with a fixed seed), every option on and off."""
    rng = np.random.default_rng(seed)
    cases = []
    for index in range(count):
        kind = ["SGD", "Adam", "AdamW"][index % 3]
        if kind == "SGD":
            momentum = float(rng.choice([0.0, 0.5, 0.9, 0.99]))
            nesterov = bool(momentum > 0 and rng.random() < 0.5)
            settings = {"lr": float(rng.uniform(1e-4, 0.2)), "momentum": momentum,
                        "dampening": 0.0 if nesterov else float(rng.choice([0.0, 0.1, 0.5])),
                        "weight_decay": float(rng.choice([0.0, 1e-3, 0.3])), "nesterov": nesterov,
                        "maximize": bool(rng.random() < 0.5)}
        else:
            settings = {"lr": float(rng.uniform(1e-4, 0.2)),
                        "betas": (float(rng.choice([0.0, 0.5, 0.9])), float(rng.choice([0.9, 0.999]))),
                        "eps": float(rng.choice([1e-8, 1e-3])), "weight_decay": float(rng.choice([0.0, 1e-3, 0.3])),
                        "amsgrad": bool(rng.random() < 0.5), "maximize": bool(rng.random() < 0.5)}
        cases.append((kind, f"random{index}", settings))
    return cases


RANDOM_CASES = random_cases()


def initial_arrays(dtype):
    """Parameters of several shapes, one of them not C-contiguous (a transposed array), one 0-d."""
    rng = np.random.default_rng(0)
    return [
        rng.standard_normal((7, 5)).astype(dtype),
        rng.standard_normal(300).astype(dtype),
        rng.standard_normal((6, 4)).astype(dtype).T,
        rng.standard_normal(()).astype(dtype),
    ]


def gradient_stream(arrays, steps):
    """For each step, a function (step, values) -> grads (curvature * p + noise); None skips a parameter.

    Parameter 1 gets a gradient only on every third step, so its own step
    count differs from the optimizer's.
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


def run(make_optimizer, to_param, set_grad, values_of, dtype, steps):
    """Run an optimizer on the arrays of `initial_arrays(dtype)` for `steps` steps; return the final arrays.

    `to_param(array)` makes a parameter, `set_grad(param, array_or_None)`
    gives it a gradient, `values_of(param)` reads it back as an ndarray: the
    same run works for tinytorch and for torch.
    """
    arrays = initial_arrays(dtype)
    params = [to_param(a) for a in arrays]
    optimizer = make_optimizer(params)
    grads_at = gradient_stream(arrays, steps)
    for step in range(steps):
        for param, grad in zip(params, grads_at(step, [values_of(p) for p in params])):
            set_grad(param, grad)
        optimizer.step()
    return [np.array(values_of(p)) for p in params]


def group_layout(params):
    """Two parameter groups, the first with its own lr and weight decay."""
    return [{"params": params[:2], "lr": 0.05, "weight_decay": 0.2}, {"params": params[2:]}]


def key(*parts):
    return "/".join(str(part) for part in parts)


def load_recording():
    """The arrays recorded from torch.optim, by key."""
    with np.load(RECORDING) as recorded:
        return {name: recorded[name] for name in recorded.files}
