"""The exported training module (07): schedules, clipping and a Trainer loop against numbers
recorded from torch 2.13 (training_reference.py, so no torch is needed here), the laws of
gradient accumulation, checkpoints that resume bit-identically in a fresh process and survive
a failed save, and the UCI digits to at least 95% test accuracy."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import training_cases as cases
import training_reference as torch_recorded
from tinytorch.core import training
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import (CosineAnnealingLR, LinearLR, SequentialLR, StepLR, Trainer, clip_grad_norm_,
                                     load_digits, make_batches)

HERE = Path(__file__).resolve().parent


def two_group_sgd(lrs=cases.GROUP_LRS):
    params = [Tensor(np.zeros(2, dtype=np.float32), requires_grad=True) for _ in lrs]
    return SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)])


# -- schedules ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(cases.SCHEDULES))
def test_schedule_matches_torch_epoch_by_epoch(name):
    optimizer = two_group_sgd()
    scheduler = cases.SCHEDULES[name](training, optimizer)
    rates = [[group["lr"] for group in optimizer.param_groups]]
    assert scheduler.get_last_lr() == rates[0]
    for _ in range(cases.EPOCHS):
        scheduler.step()
        rates.append([group["lr"] for group in optimizer.param_groups])
        assert scheduler.get_last_lr() == rates[-1]
    expected = torch_recorded.SCHEDULES[name]
    for epoch, (got, want) in enumerate(zip(rates, expected)):
        assert np.allclose(got, want, rtol=1e-12, atol=0), f"{name}, epoch {epoch}: {got} != torch {want}"
    assert scheduler.last_epoch == cases.EPOCHS


def test_scheduler_sets_epoch_zero_and_initial_lr_per_group():
    optimizer = two_group_sgd()
    scheduler = LinearLR(optimizer, start_factor=0.5)
    assert [g["lr"] for g in optimizer.param_groups] == [lr * 0.5 for lr in cases.GROUP_LRS]
    assert [g["initial_lr"] for g in optimizer.param_groups] == list(cases.GROUP_LRS)
    assert scheduler.base_lrs == list(cases.GROUP_LRS) and scheduler.last_epoch == 0
    # a second scheduler on the same optimizer keeps the first initial_lr (setdefault)
    assert CosineAnnealingLR(optimizer, T_max=3).base_lrs == list(cases.GROUP_LRS)


def test_scheduler_state_dict_resumes_the_schedule():
    def build():
        optimizer = two_group_sgd()
        return optimizer, cases.SCHEDULES["three phases"](training, optimizer)

    optimizer, scheduler = build()
    for _ in range(6):
        scheduler.step()
    state = json.loads(json.dumps(scheduler.state_dict()))   # plain data: survives JSON
    other_optimizer, other = build()
    other_optimizer.load_state_dict(optimizer.state_dict())
    other.load_state_dict(state)
    for _ in range(10):
        scheduler.step()
        other.step()
        assert other.get_last_lr() == scheduler.get_last_lr()
        assert [g["lr"] for g in other_optimizer.param_groups] == [g["lr"] for g in optimizer.param_groups]


@pytest.mark.parametrize("make, message", [
    (lambda opt: StepLR(opt, step_size=0), "step_size"),
    (lambda opt: LinearLR(opt, start_factor=0.0), "start_factor"),
    (lambda opt: LinearLR(opt, end_factor=1.5), "end_factor"),
    (lambda opt: CosineAnnealingLR(opt, T_max=0), "T_max"),
    (lambda opt: SequentialLR(opt, [StepLR(opt, 2)], milestones=[3]), "milestone"),
    (lambda opt: SequentialLR(opt, [StepLR(two_group_sgd(), 2), StepLR(opt, 2)], milestones=[3]), "optimizer"),
])
def test_scheduler_rejects_bad_settings_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make(two_group_sgd())


# -- clipping ----------------------------------------------------------------------------

@pytest.mark.parametrize("case", range(len(cases.CLIPS)))
def test_clip_grad_norm_matches_torch(case):
    norm_type, max_norm = cases.CLIPS[case]
    params = []
    for grad in cases.clip_grads():
        param = Tensor(np.zeros(1 if grad is None else grad.shape), requires_grad=True)
        param.grad = None if grad is None else Tensor(grad.copy())
        params.append(param)
    arrays = [None if p.grad is None else p.grad.data for p in params]
    total = clip_grad_norm_(params, max_norm, norm_type)
    expected = torch_recorded.CLIPS[case]
    assert isinstance(total, float)
    assert total == pytest.approx(expected["total"], rel=1e-12)
    for param, array, want in zip(params, arrays, expected["grads"]):
        if want is None:
            assert param.grad is None
        else:
            assert param.grad.data is array, "clip_grad_norm_ must scale the gradient arrays in place"
            np.testing.assert_allclose(param.grad.data, want, rtol=1e-12, atol=0)


def test_clip_grad_norm_keeps_float32_and_direction():
    param = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    param.grad = Tensor(np.array([30.0, -40.0, 0.0], dtype=np.float32))
    assert clip_grad_norm_([param], 5.0) == pytest.approx(50.0)
    assert param.grad.dtype == np.float32
    np.testing.assert_allclose(param.grad.data, [3.0, -4.0, 0.0], rtol=1e-6)
    assert clip_grad_norm_([Tensor(np.zeros(2), requires_grad=True)], 1.0) == 0.0


# -- the Trainer -------------------------------------------------------------------------

def float64_mlp(weights, biases):
    layers = []
    for weight, bias in zip(weights, biases):
        linear = Linear(*weight.shape)
        linear.weight.data = weight.copy()
        linear.bias.data = bias.copy()
        layers += [linear, ReLU()]
    return Sequential(*layers[:-1])


def test_trainer_with_accumulation_and_clipping_matches_a_torch_loop():
    config = cases.TRAINER
    inputs, labels, weights, biases = cases.trainer_data()
    model = float64_mlp(weights, biases)
    optimizer = Adam(model.parameters(), lr=config["lr"])
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), scheduler=LinearLR(optimizer, **config["warmup"]),
                      grad_clip_norm=config["grad_clip_norm"])
    batches = [(Tensor(x), Tensor(y)) for x, y in cases.fixed_batches(inputs, labels)]
    losses = [trainer.train_epoch(batches, accumulation_steps=config["accumulation_steps"])
              for _ in range(config["epochs"])]
    np.testing.assert_allclose(losses, torch_recorded.TRAINER["train_loss"], rtol=1e-10)
    assert trainer.history["train_loss"] == losses and trainer.epoch == config["epochs"]
    for param, want in zip(model.parameters(), torch_recorded.TRAINER["params"]):
        np.testing.assert_allclose(param.data, want, rtol=1e-9, atol=1e-12)


def test_accumulating_batches_steps_like_one_batch_of_all_their_examples():
    inputs, labels, weights, biases = cases.trainer_data()
    accumulated, whole = float64_mlp(weights, biases), float64_mlp(weights, biases)
    Trainer(accumulated, SGD(accumulated.parameters(), lr=0.3), CrossEntropyLoss()).train_epoch(
        [(Tensor(x), Tensor(y)) for x, y in cases.fixed_batches(inputs, labels)], accumulation_steps=7)
    Trainer(whole, SGD(whole.parameters(), lr=0.3), CrossEntropyLoss()).train_epoch(
        [(Tensor(inputs), Tensor(labels))])
    for a, b in zip(accumulated.parameters(), whole.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


def test_train_epoch_steps_once_per_group_and_schedules_once_per_epoch():
    inputs, labels, weights, biases = cases.trainer_data()
    model = float64_mlp(weights, biases)
    optimizer = SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), scheduler=StepLR(optimizer, step_size=1, gamma=0.5))
    batches = [(Tensor(x), Tensor(y)) for x, y in cases.fixed_batches(inputs, labels)]
    trainer.train_epoch(iter(batches), accumulation_steps=3)   # any iterable, even a one-shot iterator
    assert optimizer.step_count == 3                           # groups of 3, 3 and the last 1
    assert trainer.history["lr"] == [0.1] and optimizer.param_groups[0]["lr"] == 0.05
    with pytest.raises(ValueError, match="accumulation_steps"):
        trainer.train_epoch(batches, accumulation_steps=0)
    with pytest.raises(ValueError, match="no batches"):
        trainer.train_epoch([])


def test_evaluate_runs_in_eval_mode_and_restores_train_mode():
    inputs, labels, _, _ = cases.trainer_data()
    np.random.seed(0)
    model = Sequential(Linear(4, 16), ReLU(), Dropout(0.5), Linear(16, 3))
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss())
    first = trainer.evaluate(make_batches(inputs, labels, 16, shuffle=False))
    assert first == trainer.evaluate(make_batches(inputs, labels, 16, shuffle=False))
    assert model.training and model[2].training
    model.eval()
    outputs = model(Tensor(inputs.astype(np.float32))).data
    model.train()
    assert first[1] == pytest.approx(np.mean(outputs.argmax(axis=1) == labels))
    assert first[0] == pytest.approx(CrossEntropyLoss()(Tensor(outputs), labels).item(), rel=1e-6)


# -- checkpoints -------------------------------------------------------------------------

RUN = textwrap.dedent('''
    """One leg of a run with every kind of state: Dropout, Adam in two groups, warm-up then
    cosine, clipping, accumulation, shuffled batches."""
    import json, sys
    import numpy as np
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Dropout, Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam
    from tinytorch.core.training import CosineAnnealingLR, LinearLR, SequentialLR, Trainer, make_batches

    def build(seed):
        np.random.seed(seed)
        model = Sequential(Linear(4, 16), ReLU(), Dropout(0.3), Linear(16, 3))
        optimizer = Adam([{"params": model.parameters()[:2], "lr": 0.03},
                          {"params": model.parameters()[2:], "lr": 0.01}])
        scheduler = SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.2, total_iters=2),
                                             CosineAnnealingLR(optimizer, T_max=4)], milestones=[2])
        return Trainer(model, optimizer, CrossEntropyLoss(), scheduler=scheduler, grad_clip_norm=0.3)

    mode, checkpoint, out = sys.argv[1:]
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=70)
    inputs = (np.eye(4)[labels] * 2 + rng.normal(size=(70, 4))).astype(np.float32)
    if mode == "resume":
        trainer = build(seed=99)
        trainer.load_checkpoint(checkpoint)
    else:
        trainer = build(seed=0)
    for _ in range({"straight": 6, "first": 3, "resume": 3}[mode]):
        trainer.train_epoch(make_batches(inputs, labels, batch_size=8), accumulation_steps=2)
    if mode == "first":
        trainer.save_checkpoint(checkpoint)
    np.savez(out, *[p.data for p in trainer.model.parameters()], next_draw=np.random.random(3))
    print(json.dumps({"history": trainer.history, "lr": trainer.scheduler.get_last_lr(), "epoch": trainer.epoch}))
''')


def run_leg(tmp_path, mode):
    script = tmp_path / "leg.py"
    script.write_text(RUN)
    out = tmp_path / f"{mode}.npz"
    proc = subprocess.run([sys.executable, str(script), mode, str(tmp_path / "run.ckpt"), str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with np.load(out) as file:
        arrays = {name: file[name] for name in file.files}
    return arrays, json.loads(proc.stdout)


def test_resume_in_a_fresh_process_is_bit_identical(tmp_path):
    straight, straight_info = run_leg(tmp_path, "straight")
    run_leg(tmp_path, "first")
    resumed, resumed_info = run_leg(tmp_path, "resume")
    assert straight.keys() == resumed.keys()
    for name in straight:
        assert np.array_equal(straight[name], resumed[name]), f"{name} differs after resuming"
        assert straight[name].dtype == resumed[name].dtype
    assert resumed_info == straight_info
    assert resumed_info["epoch"] == 6 and len(resumed_info["history"]["train_loss"]) == 6


def small_trainer(seed=0):
    np.random.seed(seed)
    model = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
    optimizer = Adam(model.parameters(), lr=0.01)
    return Trainer(model, optimizer, CrossEntropyLoss(), scheduler=StepLR(optimizer, step_size=2))


def test_checkpoint_loads_without_pickle_and_holds_every_state(tmp_path):
    inputs, labels, _, _ = cases.trainer_data()
    trainer = small_trainer()
    trainer.train_epoch(make_batches(inputs.astype(np.float32), labels, 10))
    path = tmp_path / "run.ckpt"
    trainer.save_checkpoint(path)
    with np.load(path, allow_pickle=False) as file:
        assert all(not file[name].dtype.hasobject for name in file.files)
        meta = json.loads(file["meta"].tobytes())
    assert meta["epoch"] == 1 and meta["optimizer"] and meta["scheduler"] and meta["numpy_random_state"]
    fresh = small_trainer(seed=5)
    state = np.random.get_state()
    np.random.seed(1234)
    fresh.load_checkpoint(path)
    assert fresh.optimizer.step_count == trainer.optimizer.step_count
    assert fresh.scheduler.last_epoch == 1 and fresh.history == trainer.history
    for a, b in zip(fresh.model.parameters(), trainer.model.parameters()):
        assert np.array_equal(a.data, b.data) and a.dtype == b.dtype
    for key in ("exp_avg", "exp_avg_sq"):
        for a, b in zip(fresh.optimizer.state_dict()["state"].values(), trainer.optimizer.state_dict()["state"].values()):
            assert np.array_equal(a[key], b[key])
    np.random.set_state(state)


def test_loading_a_mismatched_or_foreign_file_fails_clearly(tmp_path):
    trainer = small_trainer()
    path = tmp_path / "run.ckpt"
    trainer.save_checkpoint(path)
    np.random.seed(0)
    wider = Sequential(Linear(4, 9), ReLU(), Linear(9, 3))
    with pytest.raises(ValueError, match="parameter 0"):
        Trainer(wider, Adam(wider.parameters()), CrossEntropyLoss(),
                scheduler=StepLR(Adam(wider.parameters()), 2)).load_checkpoint(path)
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a tinytorch checkpoint"):
        trainer.load_checkpoint(tmp_path / "notes.txt")


@pytest.mark.parametrize("breaks", ["savez", "fsync", "replace"])
def test_a_failed_save_leaves_the_previous_checkpoint_loadable(tmp_path, monkeypatch, breaks):
    inputs, labels, _, _ = cases.trainer_data()
    trainer = small_trainer()
    path = tmp_path / "run.ckpt"
    trainer.save_checkpoint(path)
    before = path.read_bytes()
    trainer.train_epoch(make_batches(inputs.astype(np.float32), labels, 10))

    def write_half_then_fail(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full (simulated)")

    def fail(*args, **kwargs):
        raise OSError("simulated crash")

    if breaks == "savez":
        monkeypatch.setattr(training.np, "savez", write_half_then_fail)
    else:
        monkeypatch.setattr(training.os, breaks, fail)
    with pytest.raises(OSError):
        trainer.save_checkpoint(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt"], "the temporary file was left behind"
    restored = small_trainer(seed=3)
    restored.load_checkpoint(path)
    assert restored.epoch == 0


# -- the digits --------------------------------------------------------------------------

def test_load_digits_splits_reproducibly():
    train_x, train_y, test_x, test_y = load_digits()
    assert train_x.shape == (1438, 64) and test_x.shape == (359, 64)
    assert train_x.dtype == np.float32 and 0 <= train_x.min() and train_x.max() <= 1
    assert set(np.unique(test_y)) == set(range(10)) and train_y.dtype == np.int64
    again = load_digits()
    assert all(np.array_equal(a, b) for a, b in zip((train_x, train_y, test_x, test_y), again))
    state = np.random.get_state()[1].copy()
    load_digits(seed=1)
    assert np.array_equal(np.random.get_state()[1], state), "load_digits must not touch NumPy's global generator"


def test_mlp_of_modules_01_to_07_reaches_95_percent_on_the_digits():
    train_x, train_y, test_x, test_y = load_digits()
    np.random.seed(0)
    model = Sequential(Linear(64, 128), ReLU(), Dropout(0.1), Linear(128, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.1, total_iters=3),
                                         CosineAnnealingLR(optimizer, T_max=12)], milestones=[3])
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), scheduler=scheduler)
    for _ in range(15):
        trainer.train_epoch(make_batches(train_x, train_y, 32))
    loss, accuracy = trainer.evaluate(make_batches(test_x, test_y, 256, shuffle=False))
    assert accuracy >= 0.95, f"test accuracy {accuracy:.1%}, loss {loss:.3f}"
    assert trainer.history["train_loss"][-1] < trainer.history["train_loss"][0] / 10
