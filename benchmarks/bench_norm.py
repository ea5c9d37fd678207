"""Normalisation layers, cynn vs torch side by side: batch norm (training and eval),
layer norm, group norm and instance norm, forward and forward+backward.

Each thread count runs in a process of its own (``OMP_NUM_THREADS`` set before either
library loads OpenMP); within a process cynn and torch are interleaved, same data,
median of ``--repeats``. Columns: milliseconds per call, cynn/torch (lower is better),
and cynn's effective bandwidth: the bytes a normalisation must move at the least
(forward: read x, write y; backward: read x and gy, write gx) over its time, as a
share of what numpy's copy of ``--bandwidth-mib`` reaches in the same process
(read + write; numpy's copy and sum are one thread, so at 2 threads the share can
exceed 1). These layers are memory-bound: the share is the figure of merit. ``ratio``
is of the medians; ``best`` of each side's fastest round, and ``%copy`` is taken from
cynn's fastest round (on a shared machine the least disturbed one).

    OMP_PROC_BIND=close OMP_PLACES=cores \\
    python benchmarks/bench_norm.py                 # 1 and 2 threads, one process each
    python benchmarks/bench_norm.py --threads 2     # one thread count, this process
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import cpu_name, environment_report, interleaved_medians  # noqa: E402

# (label, op, input shape, op arguments); weight and bias have the affine shape
CASES = [
    ("batch_norm train 8x64x56x56", "batch_norm_train", (8, 64, 56, 56), {}),
    ("batch_norm eval  8x64x56x56", "batch_norm_eval", (8, 64, 56, 56), {}),
    ("batch_norm train 32x128x28x28", "batch_norm_train", (32, 128, 28, 28), {}),
    ("batch_norm train 64x256x14x14", "batch_norm_train", (64, 256, 14, 14), {}),
    ("batch_norm1d train 256x1024", "batch_norm_train", (256, 1024), {}),
    ("layer_norm 512x768", "layer_norm", (512, 768), {}),
    ("layer_norm 8x197x768", "layer_norm", (8, 197, 768), {}),
    ("group_norm g32 8x64x56x56", "group_norm", (8, 64, 56, 56), {"groups": 32}),
    ("group_norm g32 8x256x28x28", "group_norm", (8, 256, 28, 28), {"groups": 32}),
    ("instance_norm 8x64x56x56", "instance_norm", (8, 64, 56, 56), {}),
]


def _affine_shape(op, shape):
    return shape[-1:] if op == "layer_norm" else shape[1:2]


def _call(lib, op, x, w, b, stats, kwargs):
    F = lib.nn.functional
    if op == "batch_norm_train":
        return F.batch_norm(x, stats[0], stats[1], w, b, training=True)
    if op == "batch_norm_eval":
        return F.batch_norm(x, stats[0], stats[1], w, b, training=False)
    if op == "layer_norm":
        return F.layer_norm(x, x.shape[-1:], w, b)
    if op == "group_norm":
        return F.group_norm(x, kwargs["groups"], w, b)
    return F.instance_norm(x, weight=w, bias=b)


def _copy_bandwidth(mib, repeats):
    """Bytes per second of numpy's copy (read + write) and sum (read) over ``mib`` MiB."""
    import numpy as np
    src = np.ones(mib * 2 ** 20 // 4, np.float32)
    dst = np.empty_like(src)
    copy_times, sum_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(dst, src)
        copy_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        src.sum()
        sum_times.append(time.perf_counter() - start)
    return 2 * src.nbytes / min(copy_times), src.nbytes / min(sum_times)


def run(threads, repeats, bandwidth_mib):
    import numpy as np
    import torch

    import cynn

    torch.set_num_threads(threads)
    cynn.set_num_threads(threads)
    copy_bw, read_bw = _copy_bandwidth(bandwidth_mib, 5)
    print(f"threads={threads}  numpy copy {copy_bw / 1e9:.1f} GB/s (read+write), "
          f"sum {read_bw / 1e9:.1f} GB/s (read), {bandwidth_mib} MiB")
    print(f"{'case':32s} {'fwd ms':>8s} {'torch':>8s} {'ratio':>6s} {'best':>6s} {'%copy':>6s}"
          f"  {'f+b ms':>8s} {'torch':>8s} {'ratio':>6s} {'best':>6s} {'%copy':>6s}")
    rng = np.random.default_rng(0)
    for label, op, shape, kwargs in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        gy = rng.standard_normal(shape).astype(np.float32)
        wshape = _affine_shape(op, shape)
        w = rng.standard_normal(wshape).astype(np.float32)
        b = rng.standard_normal(wshape).astype(np.float32)
        c = shape[1]
        mean0, var0 = np.zeros(c, np.float32), np.ones(c, np.float32)
        libs = {}
        for name, lib in (("cynn", cynn), ("torch", torch)):
            tx = lib.tensor(x, requires_grad=True)
            tw, tb = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
            stats = ((lib.tensor(mean0), lib.tensor(var0)) if op.startswith("batch_norm")
                     else None)
            libs[name] = (lib, tx, tw, tb, stats, lib.tensor(gy))

        def forward(name):
            lib, tx, tw, tb, stats, _ = libs[name]
            with lib.no_grad():
                _call(lib, op, tx, tw, tb, stats, kwargs)

        def forward_backward(name):
            lib, tx, tw, tb, stats, tgy = libs[name]
            _call(lib, op, tx, tw, tb, stats, kwargs).backward(tgy)

        def clear(key):
            for t in libs[key.split(":")[1]][1:4]:
                t.grad = None

        runners = {}
        for name in libs:
            runners[f"fwd:{name}"] = (lambda n=name: forward(n))
            runners[f"fb:{name}"] = (lambda n=name: forward_backward(n))
        medians, best = _medians_and_best(runners, repeats, clear)
        row = [f"{label:32s}"]
        for kind, moved in (("fwd", 2 * x.nbytes), ("fb", 5 * x.nbytes)):
            mine, theirs = medians[f"{kind}:cynn"], medians[f"{kind}:torch"]
            best_mine, best_theirs = best[f"{kind}:cynn"], best[f"{kind}:torch"]
            row.append(f"{mine * 1e3:8.3f} {theirs * 1e3:8.3f} {mine / theirs:6.2f} "
                       f"{best_mine / best_theirs:6.2f} {moved / best_mine / copy_bw:6.2f}")
        print("  ".join(row), flush=True)


def _medians_and_best(runners, repeats, setup):
    """Medians over ``repeats`` interleaved rounds, and each runner's fastest round: on
    a shared machine the fastest is the one least disturbed by other processes."""
    rounds = [interleaved_medians(runners, 1, warmup=1 if i == 0 else 0, setup=setup)
              for i in range(repeats)]
    medians = {name: statistics.median(r[name] for r in rounds) for name in runners}
    best = {name: min(r[name] for r in rounds) for name in runners}
    return medians, best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="one thread count, in this process (default: 1 and 2, a "
                             "process each)")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--bandwidth-mib", type=int, default=1024,
                        help="size of numpy's reference copy and sum")
    args = parser.parse_args()
    if args.threads is not None:
        run(args.threads, args.repeats, args.bandwidth_mib)
        return
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs")
    print(environment_report())
    for threads in (1, 2):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        subprocess.run([sys.executable, os.path.abspath(__file__), "--threads", str(threads),
                        "--repeats", str(args.repeats), "--bandwidth-mib",
                        str(args.bandwidth_mib)], env=env, check=True)


if __name__ == "__main__":
    main()
