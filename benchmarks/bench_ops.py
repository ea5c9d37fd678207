"""Per-layer timings, cynn vs torch side by side in one process.

Convolutions, linear layers and (when cynn has them) pooling layers of LeNet
(batch 16, 3x32x32), torchvision's AlexNet (batch 4, 224x224), 3x3 variants at
56x56 (grouped, depthwise, dilated, strided; batch 8, 64 channels) and a
transposed convolution. Both libraries get the same thread count and the same
data; the runs are interleaved and the median of ``--repeats`` is reported,
forward (under no_grad) and forward+backward (gradients for every input).

Columns: milliseconds per call, the cynn/torch time ratio (lower is better)
and GFLOP/s (2 flop per multiply-add; forward+backward counts three products
for convolutions and linear layers). ``%np`` is cynn's forward GFLOP/s as a
share of numpy's float32 1024x1024 matmul measured in the same run, for the
GEMM-bound layers.

    OMP_PROC_BIND=close OMP_PLACES=cores \\
    GLIBC_TUNABLES=glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=33554432 \\
    python benchmarks/bench_ops.py --threads 2

Run one process per thread count. Whole-model timings are in bench_models.py.
"""
import argparse
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import environment_report, gflops, interleaved_medians  # noqa: E402


@dataclass
class Case:
    group: str
    name: str
    op: str                 # name in F / torch.nn.functional
    x_shape: tuple
    w_shape: tuple = None   # None: no weight (pooling)
    kwargs: dict = field(default_factory=dict)
    gemm_bound: bool = False

    @property
    def bias_size(self):
        if self.w_shape is None:
            return None
        if self.op.startswith("conv_transpose"):
            return self.w_shape[1] * self.kwargs.get("groups", 1)
        return self.w_shape[0]

    def forward_flop(self, out_shape):
        """2 x multiply-adds of the forward pass (None for ops that are not products)."""
        if self.op == "linear":
            return 2 * int(np.prod(self.x_shape)) * self.w_shape[0]
        if self.op.startswith("conv_transpose"):
            taps = int(np.prod(self.w_shape[1:]))
            return 2 * int(np.prod(self.x_shape)) * taps
        if self.op.startswith("conv"):
            return 2 * int(np.prod(out_shape)) * int(np.prod(self.w_shape[1:]))
        return None


def cases():
    lenet = [
        Case("LeNet b16", "conv1 3->6 k5", "conv2d", (16, 3, 32, 32), (6, 3, 5, 5)),
        Case("LeNet b16", "pool1 max 2", "max_pool2d", (16, 6, 28, 28), kwargs=dict(kernel_size=2)),
        Case("LeNet b16", "conv2 6->16 k5", "conv2d", (16, 6, 14, 14), (16, 6, 5, 5)),
        Case("LeNet b16", "pool2 max 2", "max_pool2d", (16, 16, 10, 10), kwargs=dict(kernel_size=2)),
        Case("LeNet b16", "fc1 400->120", "linear", (16, 400), (120, 400)),
        Case("LeNet b16", "fc2 120->84", "linear", (16, 120), (84, 120)),
        Case("LeNet b16", "fc3 84->10", "linear", (16, 84), (10, 84)),
    ]
    alexnet = [
        Case("AlexNet b4", "conv1 3->64 k11 s4 p2", "conv2d", (4, 3, 224, 224), (64, 3, 11, 11),
             dict(stride=4, padding=2), True),
        Case("AlexNet b4", "conv2 64->192 k5 p2", "conv2d", (4, 64, 27, 27), (192, 64, 5, 5),
             dict(padding=2), True),
        Case("AlexNet b4", "conv3 192->384 k3 p1", "conv2d", (4, 192, 13, 13), (384, 192, 3, 3),
             dict(padding=1), True),
        Case("AlexNet b4", "conv4 384->256 k3 p1", "conv2d", (4, 384, 13, 13), (256, 384, 3, 3),
             dict(padding=1), True),
        Case("AlexNet b4", "conv5 256->256 k3 p1", "conv2d", (4, 256, 13, 13), (256, 256, 3, 3),
             dict(padding=1), True),
        Case("AlexNet b4", "fc6 9216->4096", "linear", (4, 9216), (4096, 9216)),
        Case("AlexNet b4", "fc7 4096->4096", "linear", (4, 4096), (4096, 4096)),
        Case("AlexNet b4", "fc8 4096->1000", "linear", (4, 4096), (1000, 4096)),
    ]
    variants = [
        Case("3x3 @56 b8", "grouped g2 64->64", "conv2d", (8, 64, 56, 56), (64, 32, 3, 3),
             dict(padding=1, groups=2), True),
        Case("3x3 @56 b8", "depthwise 64", "conv2d", (8, 64, 56, 56), (64, 1, 3, 3),
             dict(padding=1, groups=64)),
        Case("3x3 @56 b8", "dilated d2 64->64", "conv2d", (8, 64, 56, 56), (64, 64, 3, 3),
             dict(padding=2, dilation=2), True),
        Case("3x3 @56 b8", "strided s2 64->64", "conv2d", (8, 64, 56, 56), (64, 64, 3, 3),
             dict(padding=1, stride=2), True),
        Case("3x3 @56 b8", "transposed 64->32 k4 s2", "conv_transpose2d", (8, 64, 28, 28),
             (64, 32, 4, 4), dict(stride=2, padding=1), True),
    ]
    pools = [
        Case("pool", "max 3/2 4x64x55x55", "max_pool2d", (4, 64, 55, 55),
             kwargs=dict(kernel_size=3, stride=2)),
        Case("pool", "avg 3/2 p1 4x64x55x55", "avg_pool2d", (4, 64, 55, 55),
             kwargs=dict(kernel_size=3, stride=2, padding=1)),
    ]
    return lenet + alexnet + variants + pools


def numpy_matmul_gflops(repeats):
    """numpy's float32 1024x1024 matmul, best of ``repeats`` (its BLAS has its own threads)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    b = rng.standard_normal((1024, 1024)).astype(np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    best = min(_timed(lambda: np.matmul(a, b, out=out)) for _ in range(max(repeats, 5)))
    return gflops(2 * 1024 ** 3, best)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _build(case, lib, functional, arrays):
    """(forward under no_grad, forward+backward, clear grads) closures for one library."""
    op = getattr(functional, case.op)
    tensors = [lib.tensor(a, requires_grad=case.w_shape is not None or i == 0)
               for i, a in enumerate(arrays[:-1])]
    gy = lib.tensor(arrays[-1]) if arrays[-1] is not None else None

    def forward():
        with lib.no_grad():
            return op(*tensors, **case.kwargs)

    def forward_backward():
        y = op(*tensors, **case.kwargs)
        y.backward(gy if gy is not None else lib.ones_like(y))

    def clear():
        for t in tensors:
            t.grad = None

    return forward, forward_backward, clear


def run_case(case, repeats, cynn, F, torch, TF):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(case.x_shape).astype(np.float32)
    arrays = [x]
    if case.w_shape is not None:
        arrays.append((rng.standard_normal(case.w_shape) * 0.05).astype(np.float32))
        arrays.append(rng.standard_normal(case.bias_size).astype(np.float32))
    with torch.no_grad():
        out_shape = tuple(getattr(TF, case.op)(*[torch.tensor(a) for a in arrays],
                                               **case.kwargs).shape)
    arrays.append(rng.standard_normal(out_shape).astype(np.float32))
    ours = _build(case, cynn, F, arrays)
    theirs = _build(case, torch, TF, arrays)
    runners = {"cynn fwd": ours[0], "torch fwd": theirs[0],
               "cynn fb": ours[1], "torch fb": theirs[1]}
    clear = {"cynn fb": ours[2], "torch fb": theirs[2]}
    med = interleaved_medians(runners, repeats,
                              setup=lambda name: clear.get(name, lambda: None)())
    flop = case.forward_flop(out_shape)
    return med, flop


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", default="", help="run cases whose name contains this text")
    args = parser.parse_args(argv)

    import torch
    import torch.nn.functional as TF
    import cynn
    import cynn.nn.functional as F

    torch.set_num_threads(args.threads)
    cynn.set_num_threads(args.threads)
    print(f"threads={args.threads} repeats={args.repeats} torch {torch.__version__} "
          f"numpy {np.__version__}")
    print(environment_report())
    np_gflops = numpy_matmul_gflops(args.repeats)
    # numpy's BLAS threads keep spinning for a while after a product: let them sleep
    time.sleep(1.0)
    print(f"numpy float32 1024x1024 matmul: {np_gflops:.0f} GFLOP/s\n")

    header = (f"{'case':<36} {'fwd ms':>8} {'torch':>8} {'ratio':>6} {'GF/s':>6} {'%np':>4} |"
              f" {'f+b ms':>8} {'torch':>8} {'ratio':>6} {'GF/s':>6}")
    print(header)
    print("-" * len(header))
    group = None
    for case in cases():
        if args.only and args.only not in f"{case.group} {case.name}":
            continue
        if not hasattr(F, case.op):
            print(f"{case.group + ' ' + case.name:<36} (cynn.nn.functional.{case.op} "
                  f"not available)")
            continue
        if case.group != group:
            group = case.group
        med, flop = run_case(case, args.repeats, cynn, F, torch, TF)
        fwd_gf = gflops(flop, med["cynn fwd"]) if flop else None
        fb_gf = gflops(3 * flop, med["cynn fb"]) if flop else None
        share = f"{100 * fwd_gf / np_gflops:>3.0f}%" if case.gemm_bound else "    "
        fmt = lambda v: f"{v:>6.0f}" if v is not None else f"{'-':>6}"
        print(f"{case.group + ' ' + case.name:<36} {med['cynn fwd'] * 1e3:>8.3f} "
              f"{med['torch fwd'] * 1e3:>8.3f} {med['cynn fwd'] / med['torch fwd']:>6.2f} "
              f"{fmt(fwd_gf)} {share} | {med['cynn fb'] * 1e3:>8.3f} "
              f"{med['torch fb'] * 1e3:>8.3f} {med['cynn fb'] / med['torch fb']:>6.2f} "
              f"{fmt(fb_gf)}", flush=True)


if __name__ == "__main__":
    main()
