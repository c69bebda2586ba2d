"""Module 07's comparison cases, written once for both libraries.

Each case takes the scheduler module (`tinytorch.core.training` or
`torch.optim.lr_scheduler`) and an optimizer, so the same line builds the
tinytorch schedule and the torch one. `record_torch_07.py` runs
them in torch and writes `training_reference.py`; `test_07_training.py`
compares tinytorch against those recorded numbers (no torch needed), and
`tests/against_torch/test_07_training_vs_torch.py` against live torch.
"""
import numpy as np

GROUP_LRS = (0.1, 0.004)   # two param groups with different initial rates
EPOCHS = 30

SCHEDULES = {
    "StepLR": lambda m, opt: m.StepLR(opt, step_size=4),
    "StepLR gamma": lambda m, opt: m.StepLR(opt, step_size=3, gamma=0.7),
    "LinearLR defaults": lambda m, opt: m.LinearLR(opt),
    "LinearLR decay": lambda m, opt: m.LinearLR(opt, start_factor=1.0, end_factor=0.05, total_iters=12),
    "CosineAnnealingLR": lambda m, opt: m.CosineAnnealingLR(opt, T_max=10),
    "CosineAnnealingLR eta_min": lambda m, opt: m.CosineAnnealingLR(opt, T_max=7, eta_min=0.001),
    "CosineAnnealingLR T_max=1": lambda m, opt: m.CosineAnnealingLR(opt, T_max=1, eta_min=0.002),
    "warm-up then cosine": lambda m, opt: m.SequentialLR(
        opt, [m.LinearLR(opt, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(opt, T_max=20, eta_min=1e-4)],
        milestones=[5]),
    "three phases": lambda m, opt: m.SequentialLR(
        opt, [m.LinearLR(opt, start_factor=0.25, total_iters=3), m.StepLR(opt, step_size=2, gamma=0.5),
              m.CosineAnnealingLR(opt, T_max=6)], milestones=[3, 10]),
    "milestone 0": lambda m, opt: m.SequentialLR(
        opt, [m.StepLR(opt, step_size=2), m.CosineAnnealingLR(opt, T_max=8)], milestones=[0]),
}

# (norm_type, max_norm): 2-norm clipping, a norm below max_norm (no change), 1-norm, inf-norm
CLIPS = [(2.0, 1.0), (2.0, 50.0), (1.0, 3.0), (float("inf"), 0.25), (3.0, 0.5)]
GRAD_SHAPES = [(4, 3), None, (3,), (2, 2, 2), None]   # None: a parameter whose grad is None


def clip_grads():
    """The gradients (float64) of the clipping cases; None where a parameter has no grad."""
    rng = np.random.default_rng(20)
    return [None if shape is None else rng.normal(scale=2.0, size=shape) for shape in GRAD_SHAPES]


# The Trainer case: a 4-8-3 MLP in float64, 50 examples in 7 fixed batches (six of 8, one of 2),
# gradients of 3 batches accumulated per step (the last group holds 1 batch), clipping at 0.5,
# Adam with a warm-up, 3 epochs.
TRAINER = {"sizes": (4, 8, 3), "batch_size": 8, "examples": 50, "accumulation_steps": 3,
           "grad_clip_norm": 0.5, "lr": 0.05, "epochs": 3, "warmup": {"start_factor": 0.2, "total_iters": 2}}


def trainer_data():
    """Inputs (50, 4) float64, integer labels, and the initial weights as (in, out) matrices and biases."""
    rng = np.random.default_rng(21)
    labels = rng.integers(0, 3, size=TRAINER["examples"])
    centres = np.array([[1.5, 0, 0, 0], [0, 1.5, 0, 0], [0, 0, 1.5, 0]])
    inputs = centres[labels] + rng.normal(size=(TRAINER["examples"], 4))
    sizes = TRAINER["sizes"]
    weights = [rng.uniform(-0.5, 0.5, size=(sizes[i], sizes[i + 1])) for i in range(len(sizes) - 1)]
    biases = [rng.uniform(-0.5, 0.5, size=sizes[i + 1]) for i in range(len(sizes) - 1)]
    return inputs, labels, weights, biases


def fixed_batches(inputs, labels):
    size = TRAINER["batch_size"]
    return [(inputs[i:i + size], labels[i:i + size]) for i in range(0, len(inputs), size)]
