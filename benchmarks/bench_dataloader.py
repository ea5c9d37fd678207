"""DataLoader worker processes: epoch time with 0, 1, 2, ... workers, cynn and torch
interleaved, and the cost of moving one array from a worker to the main process
pickled vs through /dev/shm.

Cases:
  * cpu-bound: 512 samples whose ``__getitem__`` spins 1 ms of pure Python, batch 16;
    N workers should load an epoch about N times faster (up to the core count).
  * numpy-dataset: MNIST-like samples (1x28x28 float32 and an int64 label) returned one
    at a time by ``__getitem__`` from numpy arrays and stacked by ``default_collate``,
    batch 64, ``--samples`` per epoch (default 60000); workers should not be slower
    than loading in the main process.
  * tensor-dataset: the same arrays in a TensorDataset, shuffled (a batch is two
    gathers, no per-sample Python).
  * transport: main-process and worker CPU time per array received, pickled through
    the result queue vs written to shared memory (the crossover behind
    ``cynn.utils.data._shared_memory.MIN_SHARED_BYTES``, used by IterableDatasets and
    by the ring of map-style datasets, ``_ring.py``, to decide copy vs mapping).

Each epoch includes starting and stopping the workers unless ``persistent`` is shown.
Times are medians of interleaved repeats (every repeat runs each loader once, cynn and
torch in turn); the load average is printed because other processes on a small
machine move these figures. ``x in-proc`` is the library's own 0-worker time over
this row's: above 1 means the workers are faster; ``cpu ms`` is the CPU time of the main
process and its workers together.

    python benchmarks/bench_dataloader.py [--repeats 5] [--max-workers 2] [--samples 60000]
"""
import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import cynn  # noqa: E402
from cynn.utils.data import Dataset  # noqa: E402
from cynn.utils.data import _shared_memory, _worker  # noqa: E402
from _timing import cpu_name  # noqa: E402

try:
    import torch
except ImportError:  # cynn's figures alone
    torch = None


class SpinDataset(Dataset):
    """Each sample costs ``ms`` milliseconds of pure-Python work (holds the GIL)."""

    def __init__(self, n=512, ms=1.0):
        self.n, self.ms = n, ms

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        end = time.perf_counter() + self.ms / 1000
        x = 0
        while time.perf_counter() < end:
            x += 1
        return np.float32(i)


class ArrayDataset(Dataset):
    """numpy samples one at a time, collated by default_collate (also a valid torch
    map-style dataset: torch only needs ``__getitem__`` and ``__len__``)."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


def epoch(loader):
    for _ in loader:
        pass


def _children_cpu():
    """CPU seconds of this process's children: the ones reaped (RUSAGE_CHILDREN) plus
    the live ones (persistent workers), read from /proc."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    for child in multiprocessing.active_children():
        try:
            with open(f"/proc/{child.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def interleaved(runners, repeats, warmup=1):
    """Median wall time and median CPU time (this process + its workers) per runner;
    every repeat runs each runner once, in turn, so slow drifts of the machine hit all
    of them alike."""
    wall = {name: [] for name in runners}
    cpu = {name: [] for name in runners}
    for round_ in range(warmup + repeats):
        for name, run in runners.items():
            cpu0, children0 = time.process_time(), _children_cpu()
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            used = time.process_time() - cpu0 + _children_cpu() - children0
            if round_ >= warmup:
                wall[name].append(elapsed)
                cpu[name].append(used)
    return ({name: statistics.median(v) for name, v in wall.items()},
            {name: statistics.median(v) for name, v in cpu.items()})


def epoch_table(name, datasets, batch_size, workers, repeats, **kwargs):
    """``datasets`` maps a library name to (its DataLoader class, a dataset for it).

    ``cpu`` is the CPU time of the main process and its workers together: on a machine
    whose cores are busy (and with autogroup scheduling, where a session's processes
    share one CPU share) workers cannot finish sooner than that allows.
    """
    runners = {}
    for n in workers:
        for lib, (loader_class, dataset) in datasets.items():
            loader = loader_class(dataset, batch_size=batch_size, num_workers=n, **kwargs)
            runners[(lib, f"{n} workers")] = (lambda loader=loader: epoch(loader))
        if n > 0:
            for lib, (loader_class, dataset) in datasets.items():
                persistent = loader_class(dataset, batch_size=batch_size, num_workers=n,
                                          persistent_workers=True, **kwargs)
                epoch(persistent)  # start the workers outside the timing
                runners[(lib, f"{n} workers, persistent")] = (
                    lambda loader=persistent: epoch(loader))
    load = os.getloadavg()[0]
    wall, cpu = interleaved(runners, repeats)
    libs = list(datasets)
    print(f"\n{name}: {len(datasets['cynn'][1])} samples, batch {batch_size}; load average "
          f"{load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"  {'':<24}" + "".join(f"{lib + ' ms':>12} {'x in-proc':>9} {'cpu ms':>8}"
                                  for lib in libs))
    for case in dict.fromkeys(case for _, case in runners):
        row = f"  {case:<24}"
        for lib in libs:
            seconds, base = wall[(lib, case)], wall[(lib, "0 workers")]
            row += f"{seconds * 1e3:12.1f} {base / seconds:9.2f} {cpu[(lib, case)] * 1e3:8.1f}"
        print(row)


# ---------------------------------------------------------------------- transport
def _producer(q, mode, nbytes, count):
    array = np.random.default_rng(0).random(nbytes // 4, dtype=np.float32)
    writer = _shared_memory.Writer(f"cynn_bench_{os.getpid()}_", min_bytes=0)
    start = time.process_time()
    for _ in range(count):
        q.put(array.copy() if mode == "pickle" else writer.pack(array))
    q.put(("done", time.process_time() - start))


def _transport(mode, nbytes, count):
    context = multiprocessing.get_context("fork")
    q = _worker._ResultQueue(ctx=context)  # the loader's queue, pipe widened
    p = context.Process(target=_producer, args=(q, mode, nbytes, count))
    p.start()
    start, received = time.process_time(), 0
    while True:
        item = q.get()
        if isinstance(item, tuple):
            worker_cpu = item[1]
            break
        array = _shared_memory.unpack(item)
        array[::1024].sum()  # touch every page, as a consumer would
        received += 1
    main_cpu = time.process_time() - start
    p.join()
    return main_cpu / received, worker_cpu / received


def transport_table(repeats):
    print("\ntransport: CPU time per array received (min of repeats), ms")
    print(f"  {'size':>8}  {'pickled main':>13} {'worker':>7}  {'shared main':>12} {'worker':>7}")
    for nbytes in (64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20, 4 << 20):
        count = max(20, min(400, (64 << 20) // nbytes))
        row = []
        for mode in ("pickle", "shared"):
            runs = [_transport(mode, nbytes, count) for _ in range(repeats)]
            row += [min(r[0] for r in runs), min(r[1] for r in runs)]
        print(f"  {nbytes >> 10:>6}KiB  {row[0] * 1e3:13.3f} {row[1] * 1e3:7.3f}  "
              f"{row[2] * 1e3:12.3f} {row[3] * 1e3:7.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--only", default="", help="run the tables whose name has this")
    parser.add_argument("--skip-transport", action="store_true")
    args = parser.parse_args()

    print(f"CPU: {cpu_name()}, {len(os.sched_getaffinity(0))} usable cores; "
          f"load average {os.getloadavg()[0]:.1f} at start; "
          f"torch {torch.__version__ if torch else 'not installed'}")
    workers = list(range(args.max_workers + 1))
    cynn.manual_seed(0)
    images = np.random.default_rng(0).random((args.samples, 1, 28, 28), dtype=np.float32)
    labels = np.random.default_rng(1).integers(0, 10, args.samples)
    tables = {
        "cpu-bound (1 ms of Python per sample)": (
            lambda lib: SpinDataset(), 16, {}),
        "numpy-dataset (per-sample __getitem__, default_collate)": (
            lambda lib: ArrayDataset(images, labels), 64, {}),
        "tensor-dataset (TensorDataset, shuffled)": (
            lambda lib: lib.utils.data.TensorDataset(lib.from_numpy(images),
                                                     lib.from_numpy(labels)),
            64, {"shuffle": True}),
    }
    libs = {"cynn": cynn} if torch is None else {"cynn": cynn, "torch": torch}
    for name, (make, batch_size, kwargs) in tables.items():
        if args.only in name:
            datasets = {key: (lib.utils.data.DataLoader, make(lib))
                        for key, lib in libs.items()}
            epoch_table(name, datasets, batch_size, workers, args.repeats, **kwargs)
    if not args.skip_transport and _shared_memory.available() and args.only in "transport":
        transport_table(args.repeats)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
