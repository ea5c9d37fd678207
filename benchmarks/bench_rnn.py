"""Recurrent layers, cynn against torch: forward + backward of a 2-layer LSTM and GRU
(hidden 256, sequence 50, batch 16, input 256 by default), interleaved in one process,
median of ``--repeats``, both libraries at ``--threads`` threads.

Each case builds one cynn layer and a torch layer with the same parameters, then
times ``loss = (output * g).sum() + (h_n * g_h).sum(); loss.backward()`` from a fresh
input. ``ratio`` is cynn's median over torch's (below 1: cynn is faster).

    python benchmarks/bench_rnn.py --threads 2 --repeats 7
    python benchmarks/bench_rnn.py --quick      # tiny sizes, 1 repeat: does it run?
"""
import argparse

import numpy as np

try:
    from _timing import add_thread_argument, environment_report, interleaved_medians, same_threads
except ImportError:  # run as `python -m benchmarks.bench_rnn`
    from benchmarks._timing import (add_thread_argument, environment_report, interleaved_medians,
                                    same_threads)


def _pair(cynn, torch, mode, input_size, hidden, layers):
    c = getattr(cynn.nn.modules.rnn, mode)(input_size, hidden, num_layers=layers)
    t = getattr(torch.nn, mode)(input_size, hidden, num_layers=layers)
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    return c, t


def _step(lib, layer, x_np, g_np, mode):
    x = lib.tensor(x_np, requires_grad=True)
    out, hx = layer(x)
    h = hx[0] if mode == "LSTM" else hx
    loss = (out * lib.tensor(g_np)).sum() + h.sum()
    loss.backward()
    return x.grad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_thread_argument(parser)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seq", type=int, default=50)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--input", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.seq, args.batch, args.hidden, args.input, args.repeats = 5, 2, 16, 8, 1

    import cynn
    import cynn.nn.modules.rnn  # noqa: F401 -- until cynn.nn exports the layers
    import torch

    threads = same_threads(args.threads, cynn, torch)
    print(f"threads: {threads}  seq={args.seq} batch={args.batch} input={args.input} "
          f"hidden={args.hidden} layers={args.layers}  median of {args.repeats}")
    print(environment_report())
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((args.seq, args.batch, args.input)).astype(np.float32)
    g_np = rng.standard_normal((args.seq, args.batch, args.hidden)).astype(np.float32)
    print(f"{'case':<34}{'cynn ms':>10}{'torch ms':>10}{'ratio':>8}")
    for mode in ("LSTM", "GRU"):
        c, t = _pair(cynn, torch, mode, args.input, args.hidden, args.layers)

        def clear(name, c=c, t=t):
            (c if name == "cynn" else t).zero_grad()

        medians = interleaved_medians(
            {"cynn": lambda c=c, mode=mode: _step(cynn, c, x_np, g_np, mode),
             "torch": lambda t=t, mode=mode: _step(torch, t, x_np, g_np, mode)},
            args.repeats, warmup=0 if args.quick else 2, setup=clear)
        name = f"{mode} forward+backward"
        print(f"{name:<34}{medians['cynn'] * 1e3:>10.2f}{medians['torch'] * 1e3:>10.2f}"
              f"{medians['cynn'] / medians['torch']:>8.2f}")


if __name__ == "__main__":
    main()
