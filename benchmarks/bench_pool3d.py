"""3-d pooling, cynn vs torch side by side in one process.

max_pool3d and avg_pool3d on the activations of small video / volume networks
(C3D-like 2x2x2 and 1x2x2 windows, an overlapping 3x3x3 stride-2 window with
padding), forward (under no_grad) and forward+backward. Both libraries get the
same thread count and the same data; the runs are interleaved and the median of
``--repeats`` is reported.

Columns: milliseconds per call and the cynn/torch time ratio (lower is better).

    OMP_PROC_BIND=close OMP_PLACES=cores python benchmarks/bench_pool3d.py --threads 2
    python benchmarks/bench_pool3d.py --quick      # a few repeats of the small cases

Run one process per thread count.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import (add_thread_argument, environment_report, interleaved_medians,  # noqa: E402
                     same_threads)

# (name, op, input shape, keyword arguments)
CASES = [
    ("C3D pool1 1x2x2", "max_pool3d", (4, 64, 16, 56, 56), dict(kernel_size=(1, 2, 2))),
    ("C3D pool2 2x2x2", "max_pool3d", (4, 128, 16, 28, 28), dict(kernel_size=2)),
    ("3x3x3/2 pad 1", "max_pool3d", (4, 64, 16, 32, 32), dict(kernel_size=3, stride=2,
                                                                 padding=1)),
    ("small 2x2x2", "max_pool3d", (8, 16, 8, 16, 16), dict(kernel_size=2)),
    ("C3D pool2 2x2x2", "avg_pool3d", (4, 128, 16, 28, 28), dict(kernel_size=2)),
    ("3x3x3/2 pad 1", "avg_pool3d", (4, 64, 16, 32, 32), dict(kernel_size=3, stride=2,
                                                                 padding=1)),
    ("small 2x2x2", "avg_pool3d", (8, 16, 8, 16, 16), dict(kernel_size=2)),
]
QUICK = [c for c in CASES if c[0].startswith(("small", "3x3x3"))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_thread_argument(parser)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true",
                        help="the smaller cases, 5 repeats: a smoke run")
    args = parser.parse_args()

    import torch

    import cynn
    import cynn.nn.functional as F
    threads = same_threads(args.threads, cynn, torch)
    cases, repeats = (QUICK, 5) if args.quick else (CASES, args.repeats)

    print(f"bench_pool3d: cynn {cynn.__version__}, torch {torch.__version__}, "
          f"{threads} thread(s), median of {repeats}")
    print(environment_report())
    print(f"{'op':<11} {'case':<17} {'input':<22} {'pass':<8} {'cynn ms':>9} "
          f"{'torch ms':>9} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for name, op, shape, kwargs in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        c_x = cynn.from_numpy(x.copy()).requires_grad_()
        t_x = torch.from_numpy(x.copy()).requires_grad_()
        c_fn, t_fn = getattr(F, op), getattr(torch.nn.functional, op)
        with torch.no_grad(), cynn.no_grad():
            g = rng.standard_normal(tuple(t_fn(t_x, **kwargs).shape)).astype(np.float32)
        c_g, t_g = cynn.from_numpy(g), torch.from_numpy(g)

        def c_forward():
            with cynn.no_grad():
                c_fn(c_x, **kwargs)

        def t_forward():
            with torch.no_grad():
                t_fn(t_x, **kwargs)

        def c_both():
            c_fn(c_x, **kwargs).backward(c_g)

        def t_both():
            t_fn(t_x, **kwargs).backward(t_g)

        def clear(_):
            c_x.grad = None
            t_x.grad = None

        fwd = interleaved_medians({"cynn": c_forward, "torch": t_forward}, repeats)
        both = interleaved_medians({"cynn": c_both, "torch": t_both}, repeats, setup=clear)
        for label, times in (("fwd", fwd), ("fwd+bwd", both)):
            print(f"{op:<11} {name:<17} {'x'.join(map(str, shape)):<22} {label:<8} "
                  f"{times['cynn'] * 1e3:9.2f} {times['torch'] * 1e3:9.2f} "
                  f"{times['cynn'] / times['torch']:6.2f}")


if __name__ == "__main__":
    main()
