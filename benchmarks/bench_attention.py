"""Attention layers, cynn against torch: forward + backward of nn.MultiheadAttention
(self-attention) and nn.TransformerEncoderLayer (embed 256, 8 heads, sequence 64,
batch 8 by default; dropout 0), interleaved in one process, median of ``--repeats``,
both libraries at ``--threads`` threads.

Each case builds one cynn module and a torch module with the same parameters, then
times ``loss = (output * g).sum(); loss.backward()`` from a fresh input. ``ratio`` is
cynn's median over torch's (below 1: cynn is faster).

    python benchmarks/bench_attention.py --threads 2 --repeats 7
    python benchmarks/bench_attention.py --quick      # tiny sizes, 1 repeat: does it run?
"""
import argparse
import warnings

import numpy as np

try:
    from _timing import add_thread_argument, environment_report, interleaved_medians, same_threads
except ImportError:  # run as `python -m benchmarks.bench_attention`
    from benchmarks._timing import (add_thread_argument, environment_report, interleaved_medians,
                                    same_threads)


def _copy_into_torch(torch, c, t):
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})


def _step(lib, module, x_np, g_np, is_mha):
    x = lib.tensor(x_np, requires_grad=True)
    out = module(x, x, x, need_weights=False)[0] if is_mha else module(x)
    loss = (out * lib.tensor(g_np)).sum()
    loss.backward()
    return x.grad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_thread_argument(parser)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--embed", type=int, default=256)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--ffn", type=int, default=1024, help="encoder layer dim_feedforward")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.embed, args.heads, args.seq, args.batch, args.ffn, args.repeats = 16, 2, 5, 2, 32, 1

    import cynn
    import torch
    from cynn.nn.modules.attention import MultiheadAttention
    from cynn.nn.modules.transformer import TransformerEncoderLayer

    threads = same_threads(args.threads, cynn, torch)
    print(f"threads: {threads}  embed={args.embed} heads={args.heads} seq={args.seq} "
          f"batch={args.batch} ffn={args.ffn}  median of {args.repeats}")
    print(environment_report())
    rng = np.random.default_rng(0)
    shape = (args.seq, args.batch, args.embed)
    x_np = rng.standard_normal(shape).astype(np.float32)
    g_np = rng.standard_normal(shape).astype(np.float32)
    cases = []
    c = MultiheadAttention(args.embed, args.heads)
    t = torch.nn.MultiheadAttention(args.embed, args.heads)
    _copy_into_torch(torch, c, t)
    cases.append(("MultiheadAttention fwd+bwd", c, t, True))
    c = TransformerEncoderLayer(args.embed, args.heads, args.ffn, dropout=0.0)
    t = torch.nn.TransformerEncoderLayer(args.embed, args.heads, args.ffn, dropout=0.0)
    _copy_into_torch(torch, c, t)
    cases.append(("TransformerEncoderLayer fwd+bwd", c, t, False))
    print(f"{'case':<34}{'cynn ms':>10}{'torch ms':>10}{'ratio':>8}")
    for name, c, t, is_mha in cases:
        def clear(which, c=c, t=t):
            (c if which == "cynn" else t).zero_grad()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            medians = interleaved_medians(
                {"cynn": lambda c=c, m=is_mha: _step(cynn, c, x_np, g_np, m),
                 "torch": lambda t=t, m=is_mha: _step(torch, t, x_np, g_np, m)},
                args.repeats, warmup=0 if args.quick else 2, setup=clear)
        print(f"{name:<34}{medians['cynn'] * 1e3:>10.2f}{medians['torch'] * 1e3:>10.2f}"
              f"{medians['cynn'] / medians['torch']:>8.2f}")


if __name__ == "__main__":
    main()
