"""Time one optimizer step of SGD (momentum), Adam and AdamW on float32 parameters, side by side with torch.optim.

For each size the table compares, measured in one run and interleaved
(each repeat times every implementation once, and the fastest repeat of each
is kept: the least disturbed by other work on a shared machine):

* tinytorch: the exported `tinytorch.core.optimizers` (the plain NumPy update
  functions of module 06, called on cache-sized slices by the given driver);
* naive numpy: the same formulas as NumPy expressions on whole arrays;
* torch foreach=False: `torch.optim` one tensor at a time (its single-tensor
  path), with `torch.set_num_threads(1)` like NumPy's single thread;
* torch fused=True: torch's one compiled kernel, for reference.

Targets (module 06): tinytorch no slower than 1.25x torch foreach=False at
1e7 parameters and within 2x at 1e6. Each time is also given as a fraction
of the bandwidth bound: the time needed just to move the arrays a step must
read and write (SGD with momentum reads p, g, b and writes p, b: 5 arrays;
Adam and AdamW read p, g, m, v and write p, m, v: 7 arrays).

    python benchmarks/bench_optimizers.py [--sizes 1e6 1e7] [--repeats 15]
"""

import argparse
import time

import numpy as np

from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor

try:
    import torch
except ImportError:  # the torch columns are left out
    torch = None

LR, MOMENTUM, BETAS, EPS, WEIGHT_DECAY = 1e-3, 0.9, (0.9, 0.999), 1e-8, 0.01
ARRAYS_MOVED = {"SGD momentum": 5, "Adam": 7, "AdamW": 7}
TARGETS = {1_000_000: 2.0, 10_000_000: 1.25}  # size -> largest allowed tinytorch / torch foreach=False


# ----- the naive updates: one NumPy expression per formula line ----------------------

def naive_sgd(param, grad, state):
    buffer = state.get("buffer")
    state["buffer"] = grad.copy() if buffer is None else MOMENTUM * buffer + grad
    param.data = param.data - LR * state["buffer"]


def naive_adam(param, grad, state, decoupled_decay=0.0):
    beta1, beta2 = BETAS
    step = state["step"] = state.get("step", 0) + 1
    if decoupled_decay:
        param.data = param.data * (1 - LR * decoupled_decay)
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** step), v / (1 - beta2 ** step)
    param.data = param.data - LR * m_hat / (np.sqrt(v_hat) + EPS)


def naive_step(name, param, grad):
    state = {}
    if name == "SGD momentum":
        return lambda: naive_sgd(param, grad, state)
    decay = WEIGHT_DECAY if name == "AdamW" else 0.0
    return lambda: naive_adam(param, grad, state, decay)


def tinytorch_step(name, param):
    optimizer = {"SGD momentum": lambda p: SGD(p, lr=LR, momentum=MOMENTUM),
                 "Adam": lambda p: Adam(p, lr=LR, betas=BETAS, eps=EPS),
                 "AdamW": lambda p: AdamW(p, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)}[name]([param])
    return optimizer.step


def torch_step(name, values, grad, **engine):
    param = torch.tensor(values, requires_grad=True)
    param.grad = torch.tensor(grad)
    optimizer = {"SGD momentum": lambda p: torch.optim.SGD(p, lr=LR, momentum=MOMENTUM, **engine),
                 "Adam": lambda p: torch.optim.Adam(p, lr=LR, betas=BETAS, eps=EPS, **engine),
                 "AdamW": lambda p: torch.optim.AdamW(p, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY,
                                                      **engine)}[name]([param])
    return optimizer.step


# ----- measuring -----------------------------------------------------------------------

def fastest_interleaved(steps, repeats):
    """Seconds of the fastest call of each step, the steps timed in turn within each repeat.

    Interleaving makes every implementation meet the same disturbances; the
    minimum is the call least disturbed. Two warm-up calls each come first
    (the first step creates the optimizer state).
    """
    for run in steps.values():
        run()
        run()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, run in steps.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def memory_bandwidth(repeats):
    """Bytes per second of the in-place add `a += b` on two 100 MB float32 arrays (reads 2, writes 1), one thread."""
    a, b = np.zeros(25_000_000, np.float32), np.ones(25_000_000, np.float32)
    seconds = fastest_interleaved({"add": lambda: np.add(a, b, out=a)}, repeats)["add"]
    return 3 * a.nbytes / seconds


def benchmark(sizes, repeats):
    bandwidth = memory_bandwidth(repeats)
    print(f"memory bandwidth (one thread, in-place add over 2 x 100 MB): {bandwidth / 1e9:.1f} GB/s")
    if torch is not None:
        torch.set_num_threads(1)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; fastest of {repeats} interleaved repeats")
    else:
        print(f"torch not installed; fastest of {repeats} interleaved repeats")
    print()
    header = f"{'optimizer':<13}{'params':>8}  {'implementation':<20}{'ms/step':>9}{'/ torch':>9}{'of bound':>10}"
    print(header)
    print("-" * len(header))
    verdicts = []
    for name, arrays_moved in ARRAYS_MOVED.items():
        for size in sizes:
            rng = np.random.default_rng(0)
            values = rng.standard_normal(size).astype(np.float32)
            grad = rng.standard_normal(size).astype(np.float32)
            ours = Tensor(values.copy(), requires_grad=True)
            ours.grad = Tensor(grad)
            steps = {"tinytorch": tinytorch_step(name, ours),
                     "naive numpy": naive_step(name, Tensor(values.copy(), requires_grad=True), grad)}
            if torch is not None:
                steps["torch foreach=False"] = torch_step(name, values, grad, foreach=False)
                steps["torch fused=True"] = torch_step(name, values, grad, fused=True)
            times = fastest_interleaved(steps, repeats)
            reference = times.get("torch foreach=False")
            bound = arrays_moved * values.nbytes / bandwidth
            for impl, seconds in times.items():
                ratio = f"{seconds / reference:.2f}x" if reference else ""
                print(f"{name:<13}{size:>8.0e}  {impl:<20}{seconds * 1e3:>9.3f}{ratio:>9}{bound / seconds:>10.2f}")
            if reference and size in TARGETS:
                ratio = times["tinytorch"] / reference
                verdicts.append(f"{name} at {size:.0e}: tinytorch takes {ratio:.2f}x torch foreach=False's time "
                                f"({'meets' if ratio <= TARGETS[size] else 'misses'} the {TARGETS[size]}x target)")
            del steps
            print()
    print("'/ torch': time relative to torch.optim with foreach=False (below 1: faster than torch).")
    print("'of bound': bandwidth-bound time / measured time (1.0 = moving the arrays once at full bandwidth;")
    print("above 1 means the arrays fit in cache).")
    for verdict in verdicts:
        print(verdict)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7],
                        help="parameter counts to time (default: 1e5 1e6 1e7)")
    parser.add_argument("--repeats", type=int, default=15,
                        help="timed calls of each implementation; the fastest is reported (default: 15)")
    args = parser.parse_args()
    benchmark([int(size) for size in args.sizes], args.repeats)


if __name__ == "__main__":
    main()
