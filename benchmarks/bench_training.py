"""Time one training epoch of module 07's digits MLP in tinytorch and in PyTorch eager, side by side.

The same network (Linear(64, 128), ReLU, Dropout(0.1), Linear(128, 10)), the same
loss (cross-entropy), optimizer (SGD, lr 0.1, momentum 0.9), mini-batches of 32
over the 1,438 training images of the UCI digits (45 steps), float32, on the
CPU, and the same loop: forward, loss, backward, step, zero_grad. tinytorch runs
it through `Trainer.train_epoch`; PyTorch through the loop written out. Both use
the same number of threads (`--threads`, default 1): the BLAS of NumPy and
OpenMP through the environment, set before NumPy loads, torch through
`torch.set_num_threads`. Each figure is the median over `--repeats` epochs,
after one warm-up epoch; the two libraries alternate, so a slow moment of the
machine hits both. A breakdown of tinytorch's epoch follows (forward, backward,
optimizer step), from the same loop timed in parts.

    python benchmarks/bench_training.py [--repeats 15] [--threads 1] [--batch-size 32]
"""
import argparse
import os
import sys

THREADS = "1"
if "--threads" in sys.argv:
    THREADS = sys.argv[sys.argv.index("--threads") + 1]
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = THREADS

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from tinytorch.core.activations import ReLU  # noqa: E402
from tinytorch.core.layers import Dropout, Linear, Sequential  # noqa: E402
from tinytorch.core.losses import CrossEntropyLoss  # noqa: E402
from tinytorch.core.optimizers import SGD  # noqa: E402
from tinytorch.core.training import Trainer, load_digits, make_batches  # noqa: E402

try:
    import torch
except ImportError:  # the torch column is left out
    torch = None

TARGET = 1.5  # tinytorch's epoch within 1.5x of PyTorch eager


def tinytorch_epoch(train_x, train_y, batch_size):
    np.random.seed(0)
    model = Sequential(Linear(64, 128), ReLU(), Dropout(0.1), Linear(128, 10))
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1, momentum=0.9), CrossEntropyLoss())

    def epoch():
        trainer.train_epoch(make_batches(train_x, train_y, batch_size))
    return epoch


def torch_epoch(train_x, train_y, batch_size):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    inputs, targets = torch.from_numpy(train_x), torch.from_numpy(train_y)

    def epoch():
        model.train()
        order = torch.randperm(len(inputs))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            loss = loss_fn(model(inputs[rows]), targets[rows])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return epoch


def tinytorch_parts(train_x, train_y, batch_size):
    """Seconds per epoch spent in forward + loss, backward, and optimizer step + zero_grad."""
    np.random.seed(0)
    model = Sequential(Linear(64, 128), ReLU(), Dropout(0.1), Linear(128, 10))
    optimizer, loss_fn = SGD(model.parameters(), lr=0.1, momentum=0.9), CrossEntropyLoss()
    parts = {"forward + loss": 0.0, "backward": 0.0, "step + zero_grad": 0.0}
    for inputs, targets in make_batches(train_x, train_y, batch_size):
        start = time.perf_counter()
        loss = loss_fn(model(inputs), targets)
        middle = time.perf_counter()
        loss.backward()
        after = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad()
        parts["forward + loss"] += middle - start
        parts["backward"] += after - middle
        parts["step + zero_grad"] += time.perf_counter() - after
    return parts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="epochs timed per library (median)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / OpenMP / torch threads")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    train_x, train_y, _, _ = load_digits()
    steps = -(-len(train_x) // args.batch_size)
    print(f"one epoch: {len(train_x)} digits, batches of {args.batch_size} ({steps} steps), "
          f"MLP 64-128-10, float32, {args.threads} thread(s)")
    runs = {"tinytorch (Trainer.train_epoch)": tinytorch_epoch(train_x, train_y, args.batch_size)}
    if torch is not None:
        torch.set_num_threads(args.threads)
        runs["PyTorch eager (loop)"] = torch_epoch(train_x, train_y, args.batch_size)
    for run in runs.values():
        run()  # warm-up: first calls allocate and load code
    times = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'':34}{'ms / epoch':>12}{'us / step':>12}")
    for name, seconds in medians.items():
        print(f"{name:34}{seconds * 1e3:>12.2f}{seconds / steps * 1e6:>12.1f}")
    if torch is not None:
        ratio = medians["tinytorch (Trainer.train_epoch)"] / medians["PyTorch eager (loop)"]
        verdict = "within" if ratio <= TARGET else "outside"
        print(f"tinytorch / PyTorch: {ratio:.2f}x ({verdict} the {TARGET}x target)")
    else:
        print("torch is not installed: no comparison (pip install -e '.[test]')")

    parts = [tinytorch_parts(train_x, train_y, args.batch_size) for _ in range(max(3, args.repeats // 3))]
    print("tinytorch epoch by part (median ms):",
          ", ".join(f"{name} {statistics.median(p[name] for p in parts) * 1e3:.2f}" for name in parts[0]))


if __name__ == "__main__":
    main()
