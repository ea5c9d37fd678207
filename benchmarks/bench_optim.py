"""One optimizer step over AlexNet's 61 million parameters, cynn against torch.

Every case times ``optimizer.step()`` alone, with fixed gradients, for cynn and
torch interleaved in one process (median of ``--repeats``), both libraries at
``--threads`` threads. The floor is the step's memory traffic over the machine's
read bandwidth (measured here with a numpy sum over 1 GiB): an elementwise update
cannot beat it, so ``floor %`` (floor / cynn's time) says how close the kernel gets.
The probe reads one stream per thread; on a shared or virtualised machine it can
read slower than a kernel streaming five arrays at once, and ``floor %`` then goes
above 100%: read it as "the probe underestimates the bandwidth", not as a speed-up.

    python benchmarks/bench_optim.py --threads 2 --repeats 11
    python benchmarks/bench_optim.py --quick     # tiny sizes, 1 repeat: does it run?
"""
import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:
    from _timing import environment_report, interleaved_medians
except ImportError:  # run as `python -m benchmarks.bench_optim`
    from benchmarks._timing import environment_report, interleaved_medians

# torchvision's AlexNet, weight then bias of each layer: 61,100,840 parameters
ALEXNET_SHAPES = [
    (64, 3, 11, 11), (64,), (192, 64, 5, 5), (192,), (384, 192, 3, 3), (384,),
    (256, 384, 3, 3), (256,), (256, 256, 3, 3), (256,),
    (4096, 9216), (4096,), (4096, 4096), (4096,), (1000, 4096), (1000,),
]
QUICK_SHAPES = [(8, 3, 3, 3), (8,), (16, 72), (16,), (10, 16), (10,)]

# (name, optimizer class, options); arrays read + written per element per step
# (the gradient is read; parameter and state are read and written)
CASES = [
    ("SGD momentum", "SGD", {"lr": 1e-6, "momentum": 0.9}, 5),
    ("SGD momentum fused=True", "SGD", {"lr": 1e-6, "momentum": 0.9, "fused": True}, 5),
    ("Adam", "Adam", {"lr": 1e-6}, 7),
    ("Adam fused=True", "Adam", {"lr": 1e-6, "fused": True}, 7),
    ("AdamW fused=True", "AdamW", {"lr": 1e-6, "fused": True}, 7),
    ("RMSprop", "RMSprop", {"lr": 1e-6}, 5),
    ("RMSprop centered momentum", "RMSprop", {"lr": 1e-6, "centered": True, "momentum": 0.9},
     9),
    ("Adagrad", "Adagrad", {"lr": 1e-6}, 5),
    ("Adagrad fused=True", "Adagrad", {"lr": 1e-6, "fused": True}, 5),
    ("Adadelta", "Adadelta", {"lr": 1e-6}, 7),
    ("Adamax", "Adamax", {"lr": 1e-6}, 7),
    ("NAdam", "NAdam", {"lr": 1e-6}, 7),
    ("RAdam", "RAdam", {"lr": 1e-6}, 7),
    # the average is only written while t0 is not reached (mu == 1)
    ("ASGD", "ASGD", {"lr": 1e-6}, 4),
    ("Rprop", "Rprop", {"lr": 1e-6}, 7),
    # reductions and an outer product per parameter: numpy, not a fused kernel; the
    # factored state is small, so the floor counts parameter, gradient and update
    ("Adafactor", "Adafactor", {"lr": 1e-6}, 3),
]


def read_bandwidth(n_bytes, repeats, n_threads):
    """Bytes per second of numpy sums over ``n_bytes``, split into one slice per
    thread (numpy releases the GIL in a reduction), median of ``repeats``.

    float64: numpy's float32 sum is compute-bound (~6 GB/s even in cache on the
    development machine), float64 reads the same bytes with half the additions."""
    a = np.ones(n_bytes // 8, dtype=np.float64)
    slices = np.array_split(a, n_threads)
    with ThreadPoolExecutor(n_threads) as pool:
        list(pool.map(np.sum, slices))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            list(pool.map(np.sum, slices))
            times.append(time.perf_counter() - start)
    return a.nbytes / statistics.median(times)


def make_params(lib, shapes, seed):
    """Leaf tensors with fixed gradients, the same values in either library."""
    rng = np.random.default_rng(seed)
    params = []
    for shape in shapes:
        p = lib.from_numpy(rng.standard_normal(shape, dtype=np.float32)).requires_grad_()
        p.grad = lib.from_numpy(rng.standard_normal(shape, dtype=np.float32))
        params.append(p)
    return params


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--quick", action="store_true",
                        help="tiny parameters and one repeat (checks that it runs)")
    args = parser.parse_args(argv)
    shapes = QUICK_SHAPES if args.quick else ALEXNET_SHAPES
    repeats, warmup = (1, 0) if args.quick else (args.repeats, 2)

    import torch
    import cynn

    torch.set_num_threads(args.threads)
    cynn.set_num_threads(args.threads)
    n = sum(int(np.prod(s)) for s in shapes)
    print(f"threads={args.threads} repeats={repeats} parameters={n:,} float32 "
          f"torch {torch.__version__} numpy {np.__version__}")
    print(environment_report())
    bandwidth = read_bandwidth((1 << 20) if args.quick else (1 << 30), max(repeats, 3),
                               args.threads)
    print(f"read bandwidth (numpy sum over 1 GiB, {args.threads} threads): "
          f"{bandwidth / 1e9:.1f} GB/s\n")

    ours, theirs = make_params(cynn, shapes, 0), make_params(torch, shapes, 0)
    header = (f"{'case':<28} {'cynn ms':>9} {'torch ms':>9} {'ratio':>6} "
              f"{'floor ms':>9} {'floor %':>8}")
    print(header)
    print("-" * len(header))
    for name, cls, options, arrays in CASES:
        # one case at a time: AlexNet's Adam state is 0.5 GB per library
        optimizers = {"cynn": getattr(cynn.optim, cls)(ours, **options),
                      "torch": getattr(torch.optim, cls)(theirs, **options)}
        med = interleaved_medians({lib: opt.step for lib, opt in optimizers.items()},
                                  repeats, warmup=warmup)
        floor = arrays * 4 * n / bandwidth
        print(f"{name:<28} {med['cynn'] * 1e3:>9.2f} {med['torch'] * 1e3:>9.2f} "
              f"{med['cynn'] / med['torch']:>6.2f} {floor * 1e3:>9.2f} "
              f"{100 * floor / med['cynn']:>7.0f}%", flush=True)
        del optimizers


if __name__ == "__main__":
    main()
