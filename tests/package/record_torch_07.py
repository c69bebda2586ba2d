"""Record torch's answers to module 07's comparison cases into training_reference.py.

    .venv/bin/python tests/package/record_torch_07.py

`tito module complete 07` runs test_07_training.py, which compares against
the recorded numbers, so a student needs no torch;
tests/against_torch/test_07_training_vs_torch.py checks that the recorded
numbers are still what live torch computes.
"""
from __future__ import annotations

import pprint
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import training_cases as cases  # noqa: E402

TARGET = Path(__file__).resolve().with_name("training_reference.py")


def torch_schedules() -> dict[str, list[list[float]]]:
    """Each case's rates of both groups at epoch 0 (construction) and after each step."""
    import torch
    from torch.optim import lr_scheduler

    rates = {}
    for name, make in cases.SCHEDULES.items():
        params = [torch.zeros(2, requires_grad=True) for _ in cases.GROUP_LRS]
        optimizer = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, cases.GROUP_LRS)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch warns when a scheduler steps with no optimizer step
            scheduler = make(lr_scheduler, optimizer)
            rows = [[group["lr"] for group in optimizer.param_groups]]
            for _ in range(cases.EPOCHS):
                optimizer.step()
                scheduler.step()
                rows.append([group["lr"] for group in optimizer.param_groups])
        rates[name] = rows
    return rates


def torch_clips() -> list[dict]:
    """For each (norm_type, max_norm): the returned total norm and the clipped grads (None kept)."""
    import torch

    results = []
    for norm_type, max_norm in cases.CLIPS:
        params = []
        for grad in cases.clip_grads():
            param = torch.zeros(1 if grad is None else grad.shape, dtype=torch.float64, requires_grad=True)
            param.grad = None if grad is None else torch.tensor(grad)
            params.append(param)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        results.append({"total": total.item(),
                        "grads": [None if p.grad is None else p.grad.numpy().tolist() for p in params]})
    return results


def torch_trainer_run() -> dict:
    """The Trainer case as a hand-written torch loop in float64: per-epoch mean losses, final parameters."""
    import torch

    config = cases.TRAINER
    inputs, labels, weights, biases = cases.trainer_data()
    layers = []
    for weight, bias in zip(weights, biases):
        linear = torch.nn.Linear(*weight.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight.T))
            linear.bias.copy_(torch.tensor(bias))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"], foreach=False)
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, **config["warmup"])
    batches = [(torch.tensor(x), torch.tensor(y)) for x, y in cases.fixed_batches(inputs, labels)]
    k = config["accumulation_steps"]
    losses = []
    for _ in range(config["epochs"]):
        loss_total, examples = 0.0, 0
        for start in range(0, len(batches), k):
            group = batches[start:start + k]
            group_size = sum(len(x) for x, _ in group)
            for x, y in group:
                loss = torch.nn.functional.cross_entropy(model(x), y)
                (loss * (len(x) / group_size)).backward()
                loss_total += loss.item() * len(x)
            torch.nn.utils.clip_grad_norm_(model.parameters(), config["grad_clip_norm"])
            optimizer.step()
            optimizer.zero_grad()
            examples += group_size
        scheduler.step()
        losses.append(loss_total / examples)
    params = []
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            params += [layer.weight.detach().numpy().T.tolist(), layer.bias.detach().numpy().tolist()]
    return {"train_loss": losses, "params": params}


def main() -> None:
    import torch

    text = (f'"""Written by record_torch_07.py from torch {torch.__version__}: do not edit."""\n'
            "\n"
            f"SCHEDULES = {pprint.pformat(torch_schedules(), width=110, sort_dicts=False)}\n\n"
            f"CLIPS = {pprint.pformat(torch_clips(), width=110, sort_dicts=False)}\n\n"
            f"TRAINER = {pprint.pformat(torch_trainer_run(), width=110, sort_dicts=False)}\n")
    assert "nan" not in text, "a recorded value is not a number"
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
