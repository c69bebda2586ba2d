"""Time one optimizer step of SGD (momentum), Adam and AdamW on float32 parameters.

For each size the table compares four implementations of the same update:

* tinytorch: `tinytorch.core.optimizers` (in place, on cache-sized blocks);
* naive: the same formulas written as NumPy expressions that allocate;
* torch: `torch.optim` with `foreach=False` (one tensor at a time) and with
  `fused=True` (one compiled kernel), when torch is installed.

It also measures the machine's memory bandwidth with a large NumPy add, and
reports each time as a fraction of the bandwidth bound: the time needed just
to move the arrays a step must read and write (SGD with momentum reads p, g, b
and writes p, b: 5 arrays; Adam and AdamW read p, g, m, v and write p, m, v:
7 arrays). Allocations are tracemalloc's peak above the starting level during
one step (NumPy reports its buffers to tracemalloc; torch's are not visible).

    python benchmarks/bench_optimizers.py [--sizes 1e3 1e5 1e6 1e7] [--seconds 0.5] [--torch-threads N]
"""

import argparse
import os
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor

try:
    import torch
except ImportError:  # the torch columns are left out
    torch = None

LR, MOMENTUM, BETAS, EPS, WEIGHT_DECAY = 1e-3, 0.9, (0.9, 0.999), 1e-8, 0.01
ARRAYS_MOVED = {"SGD momentum": 5, "Adam": 7, "AdamW": 7}


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

def seconds_per_call(run, budget):
    """Fastest call of `run()` over about `budget` seconds (at least 5 calls, after 2 warm-up calls).

    The minimum is the time least disturbed by other work on the machine; costs
    paid on every call (allocating, page faults) are still in it.
    """
    run()
    run()
    start = time.perf_counter()
    run()
    once = time.perf_counter() - start
    times = []
    for _ in range(max(5, min(1000, int(budget / max(once, 1e-9))))):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_allocation(run):
    """Peak bytes allocated above the starting level during one `run()` (after a warm-up call)."""
    run()
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - start


def memory_bandwidth(budget):
    """Bytes per second of the in-place add `a += b` on two 100 MB float32 arrays (reads 2, writes 1).

    In place, like the optimizers: writing into an array just read costs no
    extra read, so the traffic is exactly 3 arrays.

    The best of one thread and of one thread per core (each adding its own
    slice; NumPy releases the GIL inside the add), since one core alone may
    not saturate the memory bus.
    """
    size = 25_000_000
    a, b = np.zeros(size, np.float32), np.ones(size, np.float32)
    workers = os.cpu_count() or 1
    slices = [slice(i * size // workers, (i + 1) * size // workers) for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        def parallel_add():
            list(pool.map(lambda part: np.add(a[part], b[part], out=a[part]), slices))
        fastest = min(seconds_per_call(lambda: np.add(a, b, out=a), budget), seconds_per_call(parallel_add, budget))
    return 3 * a.nbytes / fastest


def benchmark(sizes, budget):
    bandwidth = memory_bandwidth(budget)
    print(f"memory bandwidth (in-place add over 2 x 100 MB, best of 1 and {os.cpu_count()} threads): "
          f"{bandwidth / 1e9:.1f} GB/s")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)" if torch else "torch not installed")
    print()
    header = (f"{'optimizer':<13}{'params':>8}  {'implementation':<18}{'ms/step':>9}{'tinytorch':>11}"
              f"{'of bound':>10}{'alloc MB':>10}")
    print(header)
    print("-" * len(header))
    results = {}
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
            times = {impl: seconds_per_call(run, budget) for impl, run in steps.items()}
            bound = arrays_moved * values.nbytes / bandwidth
            for impl, seconds in times.items():
                allocated = f"{peak_allocation(steps[impl]) / 1e6:>10.3f}" if not impl.startswith("torch") else f"{'n/a':>10}"
                ratio = "" if impl == "tinytorch" else f"{seconds / times['tinytorch']:.2f}x"
                print(f"{name:<13}{size:>8.0e}  {impl:<18}{seconds * 1e3:>9.3f}{ratio:>11}"
                      f"{bound / seconds:>10.2f}{allocated}")
                results[name, size, impl] = seconds
            del steps
            print()
    print("'tinytorch' column: how many times longer than tinytorch's step a row takes (>1: tinytorch is faster).")
    print("'of bound': bandwidth-bound time / measured time (1.0 = moving the arrays once at full bandwidth;")
    print("above 1 means the arrays fit in cache).")
    largest = max(sizes)
    if torch is not None and ("Adam", largest, "torch foreach=False") in results:
        speedup = results["Adam", largest, "torch foreach=False"] / results["Adam", largest, "tinytorch"]
        summary = f"Adam at {largest:.0e} float32: tinytorch is {speedup:.2f}x faster than torch.optim.Adam(foreach=False)"
        if largest >= 10_000_000:  # the target is set for parameters far larger than the caches
            summary += f" ({'meets' if speedup >= 1.4 else 'misses'} the 1.4x target)"
        print(summary + ".")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e3, 1e5, 1e6, 1e7],
                        help="parameter counts to time (default: 1e3 1e5 1e6 1e7)")
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="time budget per measurement, in seconds (default: 0.5)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads for the torch rows (default: torch's own choice)")
    args = parser.parse_args()
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    benchmark([int(size) for size in args.sizes], args.seconds)


if __name__ == "__main__":
    main()
