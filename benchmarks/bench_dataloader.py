"""DataLoader worker processes: epoch time with 0, 1, 2, ... workers, and the cost of
moving one array from a worker to the main process pickled vs through /dev/shm.

Cases:
  * cpu-bound: 512 samples whose ``__getitem__`` spins 1 ms of pure Python, batch 16;
    N workers should load an epoch about N times faster (up to the core count).
  * tensor-dataset: 10k samples of 1x28x28 float32 in a TensorDataset, batch 64,
    shuffled; workers should not be slower than loading in the main process.
  * numpy-dataset: the same arrays returned one sample at a time by ``__getitem__``
    and stacked by ``default_collate``.
  * transport: main-process and worker CPU time per array received, pickled through
    the result queue vs written to shared memory (the crossover behind
    ``cynn.utils.data._shared_memory.MIN_SHARED_BYTES``).

Each epoch includes starting and stopping the workers unless ``persistent_workers``
is shown. Times are medians of interleaved repeats; the load average is printed
because other processes on a small machine move these figures.

    python benchmarks/bench_dataloader.py [--repeats 5] [--max-workers 2]
"""
import argparse
import multiprocessing
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import cynn  # noqa: E402
from cynn.utils.data import DataLoader, Dataset, TensorDataset  # noqa: E402
from cynn.utils.data import _shared_memory, _worker  # noqa: E402
from _timing import interleaved_medians  # noqa: E402


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
    """numpy samples one at a time, collated by default_collate."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


def epoch(loader):
    for _ in loader:
        pass


def epoch_table(name, dataset, batch_size, workers, repeats, **kwargs):
    runners = {}
    loaders = {}
    for n in workers:
        loaders[n] = DataLoader(dataset, batch_size=batch_size, num_workers=n, **kwargs)
        runners[f"{n} workers"] = (lambda loader=loaders[n]: epoch(loader))
        if n > 0:
            persistent = DataLoader(dataset, batch_size=batch_size, num_workers=n,
                                    persistent_workers=True, **kwargs)
            epoch(persistent)  # start the workers outside the timing
            loaders[f"{n}p"] = persistent
            runners[f"{n} workers, persistent"] = (lambda loader=persistent: epoch(loader))
    medians = interleaved_medians(runners, repeats, warmup=1)
    base = medians["0 workers"]
    print(f"\n{name}: {len(dataset)} samples, batch {batch_size}")
    for key, seconds in medians.items():
        print(f"  {key:<24} {seconds * 1e3:9.1f} ms/epoch   speed-up x{base / seconds:5.2f}")


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


def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("Model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--skip-transport", action="store_true")
    args = parser.parse_args()

    print(f"CPU: {cpu_name()}, {len(os.sched_getaffinity(0))} usable cores; "
          f"load average {os.getloadavg()[0]:.1f} at start")
    workers = list(range(args.max_workers + 1))
    cynn.manual_seed(0)
    epoch_table("cpu-bound (1 ms of Python per sample)", SpinDataset(), 16, workers,
                args.repeats)
    images = np.random.default_rng(0).random((10_000, 1, 28, 28), dtype=np.float32)
    labels = np.random.default_rng(1).integers(0, 10, 10_000)
    epoch_table("tensor-dataset (TensorDataset, shuffled)",
                TensorDataset(cynn.from_numpy(images), cynn.from_numpy(labels)), 64,
                workers, args.repeats, shuffle=True)
    epoch_table("numpy-dataset (per-sample __getitem__, default_collate)",
                ArrayDataset(images, labels), 64, workers, args.repeats)
    if not args.skip_transport and _shared_memory.available():
        transport_table(args.repeats)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
