"""Vision ops, cynn vs torch side by side in one process.

Bilinear upsampling x2 (the decoder step of a U-Net / FPN), nearest x2, bicubic
x2, an antialiased bilinear /2 downsample, unfold (im2col) 3x3 and fold, and a
bilinear grid_sample, forward (under no_grad) and forward+backward. Both libraries
get the same thread count and the same data; runs are interleaved and the median
of ``--repeats`` is reported.

Columns: milliseconds per call and the cynn/torch time ratio (lower is better).

    OMP_PROC_BIND=close OMP_PLACES=cores python benchmarks/bench_vision.py --threads 2
    python benchmarks/bench_vision.py --quick      # the two headline cases, 3 repeats

Run one process per thread count.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import (add_thread_argument, environment_report, interleaved_medians,  # noqa: E402
                     same_threads)

SHAPE = (8, 64, 56, 56)
# (name, function name, input shape, positional args, keyword arguments)
CASES = [
    ("bilinear x2", "interpolate", SHAPE, (), dict(scale_factor=2, mode="bilinear",
                                                   align_corners=False)),
    ("unfold 3x3 pad 1", "unfold", SHAPE, (3,), dict(padding=1)),
    ("nearest x2", "interpolate", SHAPE, (), dict(scale_factor=2, mode="nearest")),
    ("bicubic x2", "interpolate", (8, 16, 56, 56), (), dict(scale_factor=2, mode="bicubic",
                                                            align_corners=False)),
    ("bilinear aa /2", "interpolate", SHAPE, (), dict(scale_factor=0.5, mode="bilinear",
                                                      antialias=True)),
    ("fold 3x3 pad 1", "fold", (8, 64 * 9, 56 * 56), ((56, 56), 3), dict(padding=1)),
    ("grid_sample bilinear", "grid_sample", (8, 16, 56, 56), (), dict(align_corners=False)),
]
QUICK = CASES[:2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_thread_argument(parser)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--quick", action="store_true",
                        help="the two headline cases, 3 repeats: a smoke run")
    args = parser.parse_args()

    import torch

    import cynn
    from cynn.nn.functional import vision as F
    threads = same_threads(args.threads, cynn, torch)
    cases, repeats = (QUICK, 3) if args.quick else (CASES, args.repeats)

    print(f"bench_vision: cynn {cynn.__version__}, torch {torch.__version__}, "
          f"{threads} thread(s), median of {repeats}")
    print(environment_report())
    print(f"{'case':<21} {'input':<18} {'pass':<8} {'cynn ms':>9} {'torch ms':>9} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for name, op, shape, args_, kwargs in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        c_in = [cynn.from_numpy(x.copy()).requires_grad_()]
        t_in = [torch.from_numpy(x.copy()).requires_grad_()]
        if op == "grid_sample":
            grid = rng.uniform(-1.1, 1.1, (shape[0], 112, 112, 2)).astype(np.float32)
            c_in.append(cynn.from_numpy(grid.copy()).requires_grad_())
            t_in.append(torch.from_numpy(grid.copy()).requires_grad_())
        c_fn, t_fn = getattr(F, op), getattr(torch.nn.functional, op)
        with torch.no_grad():
            g = rng.standard_normal(tuple(t_fn(*t_in, *args_, **kwargs).shape)).astype(np.float32)
        c_g, t_g = cynn.from_numpy(g), torch.from_numpy(g)

        def c_forward():
            with cynn.no_grad():
                c_fn(*c_in, *args_, **kwargs)

        def t_forward():
            with torch.no_grad():
                t_fn(*t_in, *args_, **kwargs)

        def c_both():
            c_fn(*c_in, *args_, **kwargs).backward(c_g)

        def t_both():
            t_fn(*t_in, *args_, **kwargs).backward(t_g)

        def clear(_):
            for t in c_in + t_in:
                t.grad = None

        fwd = interleaved_medians({"cynn": c_forward, "torch": t_forward}, repeats)
        both = interleaved_medians({"cynn": c_both, "torch": t_both}, repeats, setup=clear)
        for label, times in (("fwd", fwd), ("fwd+bwd", both)):
            print(f"{name:<21} {'x'.join(map(str, shape)):<18} {label:<8} "
                  f"{times['cynn'] * 1e3:9.2f} {times['torch'] * 1e3:9.2f} "
                  f"{times['cynn'] / times['torch']:6.2f}")


if __name__ == "__main__":
    main()
