"""Record torch.optim's results on the cases of optimizer_cases.py into data/torch_optim_06.npz.

    python tests/package/record_torch_06.py        (needs torch; the course's .venv has it)

Run it again when a case changes; `tests/against_torch/test_06_recording.py`
fails when the committed file differs from what torch computes.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import optimizer_cases as cases  # noqa: E402


def torch_run(kind, settings, dtype, steps, groups=False):
    import torch

    def to_param(array):
        return torch.tensor(array, requires_grad=True)

    def set_grad(param, grad):
        param.grad = None if grad is None else torch.tensor(grad)

    def make(params):
        return getattr(torch.optim, kind)(cases.group_layout(params) if groups else params,
                                          foreach=False, **settings)

    return cases.run(make, to_param, set_grad, lambda p: p.detach().numpy(), dtype, steps)


def torch_state_keys(kind, settings):
    """The keys of torch's state_dict()["state"][0] after one step on two parameters, the second without grad."""
    import torch
    params = [torch.ones(3, dtype=torch.float64, requires_grad=True),
              torch.ones(2, dtype=torch.float64, requires_grad=True)]
    params[0].grad = torch.ones(3, dtype=torch.float64)
    optimizer = getattr(torch.optim, kind)(params, **settings)
    optimizer.step()
    state = optimizer.state_dict()
    return sorted(state["state"]), sorted(state["state"][0]), sorted(state["param_groups"][0])


STATE_CASES = {"SGD": {"momentum": 0.9}, "Adam": {"amsgrad": True}, "AdamW": {}}


def record():
    """Every recorded array, by key (see optimizer_cases.key)."""
    import torch
    torch.set_num_threads(1)
    recorded = {"torch_version": np.array(torch.__version__)}
    for kind, name, settings in cases.VARIANTS:
        for dtype, steps in ((np.float64, cases.FLOAT64_STEPS), (np.float32, cases.FLOAT32_STEPS)):
            for index, array in enumerate(torch_run(kind, settings, dtype, steps)):
                recorded[cases.key(kind, name, np.dtype(dtype).name, index)] = array
    for kind, name, settings in cases.RANDOM_CASES:
        for index, array in enumerate(torch_run(kind, settings, np.float64, cases.RANDOM_STEPS)):
            recorded[cases.key(kind, name, "float64", index)] = array
    for index, array in enumerate(torch_run("AdamW", {"lr": 0.01, "amsgrad": True}, np.float64,
                                            cases.GROUP_STEPS, groups=True)):
        recorded[cases.key("AdamW", "groups", "float64", index)] = array
    for kind, settings in STATE_CASES.items():
        indices, state_keys, group_keys = torch_state_keys(kind, settings)
        recorded[cases.key(kind, "state_indices")] = np.array(indices)
        recorded[cases.key(kind, "state_keys")] = np.array(state_keys)
        recorded[cases.key(kind, "group_keys")] = np.array(group_keys)
    return recorded


if __name__ == "__main__":
    cases.RECORDING.parent.mkdir(exist_ok=True)
    np.savez_compressed(cases.RECORDING, **record())
    print(f"wrote {cases.RECORDING}")
