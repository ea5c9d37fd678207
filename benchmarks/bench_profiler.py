"""Profiler overhead on a LeNet SGD training step (3x32x32 input), one process, steps
interleaved, median of repeats.

Cases:
  off         no profiler anywhere: the dispatch hook costs one global check per op
  hook armed  a profiler open in *another* thread: every op of this thread also looks
              up its thread-local observers (the hook's cost while something observes)
  profile     the step inside ``cynn.profiler.profile()`` (forward and backward events)
  shapes+mem  ``profile(record_shapes=True, profile_memory=True)``

The cost of the hook with no profiler open is also computed directly: ops per step
(counted with an observer) times the measured cost of the check that
``Function.apply`` makes (``_observing and _dispatch_state.observers``), as a share of
the step; the issue asks for < 1 %.

    python benchmarks/bench_profiler.py [--batch 64] [--repeats 20] [--threads 2]
"""
import argparse
import os
import sys
import threading
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cynn  # noqa: E402
from cynn import nn  # noqa: E402
from cynn.autograd import function as F  # noqa: E402
from cynn.profiler import profile  # noqa: E402
from _timing import environment_report, interleaved_medians  # noqa: E402


def lenet():
    return nn.Sequential(
        nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


class _Count(F.DispatchObserver):
    def __init__(self):
        self.n = 0

    def before_apply(self, function, args, kwargs):
        self.n += 1


def hook_check_ns():
    """Nanoseconds of the check Function.apply makes while nothing observes, measured
    on the same globals, minus an empty loop."""
    env = {"F": F}
    n = 2_000_000
    check = min(timeit.repeat("F._observing and F._dispatch_state.observers",
                              setup="import cynn.autograd.function as F", number=n, repeat=5))
    empty = min(timeit.repeat("pass", number=n, repeat=5, globals=env))
    # apply reads module globals directly (one LOAD_GLOBAL), not through the module
    # attribute as timed here, so this over-estimates it
    return max(check - empty, 0) / n * 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        cynn.set_num_threads(args.threads)

    cynn.manual_seed(0)
    model = lenet()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.01)
    x = cynn.randn(args.batch, 3, 32, 32)
    y = cynn.randint(0, 10, (args.batch,))

    def train_step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    count = _Count()
    with F.observe_dispatch(count):
        train_step()
    ops = count.n

    # a profiler held open by another thread for the "hook armed" case
    armed, release = threading.Event(), threading.Event()

    def hold_profiler_open():
        with profile():
            armed.set()
            release.wait()

    def profiled():
        with profile():
            train_step()

    def profiled_full():
        with profile(record_shapes=True, profile_memory=True):
            train_step()

    state = {"holder": None}

    def setup(name):
        if name == "hook armed" and state["holder"] is None:
            state["holder"] = threading.Thread(target=hold_profiler_open)
            state["holder"].start()
            armed.wait()
        elif name != "hook armed" and state["holder"] is not None:
            release.set()
            state["holder"].join()
            state["holder"] = None
            armed.clear()
            release.clear()

    runners = {"off": train_step, "hook armed": train_step, "profile": profiled,
               "shapes+mem": profiled_full}
    medians = interleaved_medians(runners, args.repeats, setup=setup)
    setup("off")

    print(f"LeNet SGD step, batch {args.batch}, {cynn.get_num_threads()} threads, "
          f"median of {args.repeats}; {ops} ops dispatched per step")
    print(environment_report())
    base = medians["off"]
    for name, seconds in medians.items():
        print(f"  {name:<11} {seconds * 1e3:8.3f} ms   x{seconds / base:5.3f}")
    check = hook_check_ns()
    share = ops * check * 1e-9 / base
    print(f"hook with no profiler: {ops} ops x {check:.1f} ns = {ops * check / 1e3:.2f} us "
          f"per step = {share * 100:.4f} % of the step (limit 1 %)")


if __name__ == "__main__":
    main()
