"""What thread-count independent kernels cost: an old build against this one, in one process.

The kernels that became deterministic (GEMM cut by shape rather than by thread
count, convolution jobs and weight-gradient partial sums fixed by shape) are timed
side by side with the same kernels from an earlier build whose extension modules
were copied aside, e.g.

    mkdir /tmp/cynn_old && cp cynn/_kernels/{gemm,conv}.*.so /tmp/cynn_old/
    (rebuild)
    OMP_PROC_BIND=close OMP_PLACES=cores \\
    python benchmarks/bench_determinism.py --old /tmp/cynn_old --threads 1 2 --repeats 15

Each repeat runs old then new (then new then old on the next repeat), and the
median per kernel is printed with the ratio new / old, per thread count; the
last line per thread count sums the medians over all the kernels. The kernels
are called directly (no autograd), on AlexNet (batch 4), LeNet (batch 16) and the
3x3 @56 batch-8 layers of bench_ops.py.
"""
import argparse
import glob
import importlib.machinery
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import cpu_name, environment_report  # noqa: E402

from cynn._kernels import conv as new_conv  # noqa: E402
from cynn._kernels import gemm as new_gemm  # noqa: E402

CONV_CASES = [
    # name, x shape, weight shape, stride, padding, dilation, groups
    ("LeNet conv2 6->16 k5", (16, 6, 14, 14), (16, 6, 5, 5), 1, 0, 1, 1),
    ("AlexNet conv1 3->64 k11 s4", (4, 3, 224, 224), (64, 3, 11, 11), 4, 2, 1, 1),
    ("AlexNet conv2 64->192 k5", (4, 64, 27, 27), (192, 64, 5, 5), 1, 2, 1, 1),
    ("AlexNet conv3 192->384 k3", (4, 192, 13, 13), (384, 192, 3, 3), 1, 1, 1, 1),
    ("AlexNet conv5 256->256 k3", (4, 256, 13, 13), (256, 256, 3, 3), 1, 1, 1, 1),
    ("56x56 grouped g2 64->64", (8, 64, 56, 56), (64, 32, 3, 3), 1, 1, 1, 2),
    ("56x56 strided s2 64->64", (8, 64, 56, 56), (64, 64, 3, 3), 2, 1, 1, 1),
    ("transposed 64->32 k4 s2 (plain)", (8, 32, 56, 56), (64, 32, 4, 4), 2, 1, 1, 1),
]

LINEAR_CASES = [
    # name, batch, in features, out features
    ("LeNet fc1 400->120", 16, 400, 120),
    ("AlexNet fc6 9216->4096", 4, 9216, 4096),
    ("AlexNet fc8 4096->1000", 4, 4096, 1000),
]


def load_old(directory, stem):
    """The extension module ``stem`` from ``directory``, imported under its bare name
    so that it lives beside this build's ``cynn._kernels.<stem>``."""
    paths = glob.glob(os.path.join(directory, f"{stem}.*.so"))
    if not paths:
        sys.exit(f"no {stem}.*.so in {directory}")
    loader = importlib.machinery.ExtensionFileLoader(stem, paths[0])
    spec = importlib.util.spec_from_file_location(stem, paths[0], loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def conv_kernels(case, conv):
    """Closures (threads) -> None for forward, input and weight gradient of one layer."""
    name, x_shape, w_shape, s, p, d, groups = case
    rng = np.random.default_rng(0)
    n, c_in, h, w = x_shape
    c_out, _, kh, kw = w_shape
    h_out = (h + 2 * p - d * (kh - 1) - 1) // s + 1
    w_out = (w + 2 * p - d * (kw - 1) - 1) // s + 1
    geometry = (1, kh, kw, 1, s, s, 0, p, p, 1, d, d, 1, h_out, w_out)
    x = rng.standard_normal((n, c_in, 1, h, w)).astype(np.float32)
    wt = rng.standard_normal((c_out, int(np.prod(w_shape[1:])))).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32)
    gy = rng.standard_normal((n, c_out, 1, h_out, w_out)).astype(np.float32)
    y, gx, gw = np.empty_like(gy), np.empty_like(x), np.empty_like(wt)
    return {
        "forward": lambda t: conv.conv_forward(x, wt, b, y, True, geometry, groups, t),
        "input grad": lambda t: conv.conv_backward_data(gy, wt, gx, geometry, groups, t),
        "weight grad": lambda t: conv.conv_backward_weight(x, gy, gw, geometry, groups, t),
    }


def linear_kernels(case, gemm):
    name, batch, n_in, n_out = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    w = rng.standard_normal((n_out, n_in)).astype(np.float32)
    gy = rng.standard_normal((batch, n_out)).astype(np.float32)
    y, gx, gw = np.empty_like(gy), np.empty_like(x), np.empty_like(w)
    return {
        "forward": lambda t: gemm.gemm(x, w, y, False, True, n_threads=t),
        "input grad": lambda t: gemm.gemm(gy, w, gx, False, False, n_threads=t),
        "weight grad": lambda t: gemm.gemm(gy, x, gw, True, False, n_threads=t),
    }


def paired_medians(old, new, threads, repeats, warmup=2, clock=time.perf_counter):
    """Median seconds of old(threads) and new(threads), run in alternating order."""
    times = {"old": [], "new": []}
    for round_ in range(warmup + repeats):
        order = (("old", old), ("new", new)) if round_ % 2 else (("new", new), ("old", old))
        for label, run in order:
            start = clock()
            run(threads)
            if round_ >= warmup:
                times[label].append(clock() - start)
    return statistics.median(times["old"]), statistics.median(times["new"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", required=True, help="directory with the old gemm/conv .so files")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: the process's CPU time (all threads), which time spent "
                             "preempted by other processes does not inflate; on a shared "
                             "machine the fairer measure at one thread")
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    old_gemm, old_conv = load_old(args.old, "gemm"), load_old(args.old, "conv")
    print(f"CPU: {cpu_name()}; float32 GEMM: {new_gemm.gemm_kernel()}; "
          f"repeats {args.repeats} (medians of {args.clock} time)")
    print(environment_report())
    cases = [(case[0], conv_kernels(case, old_conv), conv_kernels(case, new_conv))
             for case in CONV_CASES if args.only in case[0]]
    cases += [(case[0], linear_kernels(case, old_gemm), linear_kernels(case, new_gemm))
              for case in LINEAR_CASES if args.only in case[0]]
    for threads in args.threads:
        print(f"\nthreads = {threads}")
        print(f"{'case':34} {'kernel':12} {'old ms':>9} {'new ms':>9} {'new/old':>8}")
        total_old = total_new = 0.0
        for name, old_ops, new_ops in cases:
            for op in old_ops:
                old, new = paired_medians(old_ops[op], new_ops[op], threads, args.repeats,
                                          clock=clock)
                total_old += old
                total_new += new
                print(f"{name:34} {op:12} {old * 1e3:9.3f} {new * 1e3:9.3f} {new / old:8.3f}",
                      flush=True)
        print(f"{'all kernels (sum of medians)':47} {total_old * 1e3:9.3f} "
              f"{total_new * 1e3:9.3f} {total_new / total_old:8.3f}")


if __name__ == "__main__":
    main()
