"""DataLoader worker processes: same batches as in-process loading, seeding,
get_worker_info, IterableDataset sharding, errors from workers, timeout, persistent
workers, and clean shutdown (no child process, no /dev/shm segment left behind).

Datasets are module-level classes so that spawned workers can unpickle them.
"""
import collections
import gc
import mmap
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
import time

import numpy as np
import pytest

import cynn
from cynn.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                             get_worker_info)
from cynn.utils.data import _ring, _shared_memory
from helpers import helper_test_exception, torch_module

torch = torch_module()

SHM_DIR = "/dev/shm"
LARGE = _shared_memory.MIN_SHARED_BYTES  # bytes from which arrays travel through /dev/shm


def child_pids():
    """Pids of the live (not zombie) children of this process, read from /proc."""
    me, children = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces, so split after ')'
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == me and state != "Z":
            children.add(int(entry))
    return children


def cynn_segments(pid=None):
    """Shared-memory segments of iterators created by process ``pid`` (default: this
    one); other processes on the machine (other test runs) have their own."""
    prefix = f"cynn_{os.getpid() if pid is None else pid}_"
    return {n for n in os.listdir(SHM_DIR) if n.startswith(prefix)} \
        if os.path.isdir(SHM_DIR) else set()


def leftovers(children, segments):
    """Worker processes and cynn segments that were not there before."""
    processes = [p for p in multiprocessing.active_children() if p.pid not in children]
    # multiprocessing's resource tracker (started by spawn) is a helper, not a worker
    tracker = getattr(multiprocessing.resource_tracker._resource_tracker, "_pid", None)
    return processes, child_pids() - children - {tracker}, cynn_segments() - segments


@pytest.fixture(autouse=True)
def no_leftovers():
    """Every test leaves no worker process and no shared-memory segment behind (after a
    garbage collection, for iterators held by an exception's traceback cycle)."""
    children, segments = child_pids(), cynn_segments()
    yield
    if any(leftovers(children, segments)):
        gc.collect()
        assert leftovers(children, segments) == ([], set(), set())


def make_tensor_dataset(n=23):
    x = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float32)
    return TensorDataset(cynn.from_numpy(x), cynn.from_numpy(np.arange(n)))


class Records(Dataset):
    """Sample i: a dict of numpy values and a python int, collated per key."""

    def __init__(self, n=23, size=3):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full(self.size, i, dtype=np.float64), "label": i}


class WhoLoads(Dataset):
    """Sample i says which process loaded it and how that process was set up."""

    def __init__(self, n=8):
        self.n = n
        self.init_value = -1  # set by init_fn, in the worker's copy only

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([i, os.getpid(), info.id, info.num_workers, info.seed % 2 ** 62,
                         int(info.dataset is self), self.init_value,
                         cynn.get_num_threads()], dtype=np.int64)


def init_fn(worker_id):
    get_worker_info().dataset.init_value = 100 + worker_id


class Draws(Dataset):
    """Sample i: what each random generator of the loading process gives next."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return np.array([get_worker_info().id, random.random(), np.random.rand(),
                         cynn.rand(1).item()])


class ShardedRange(IterableDataset):
    """range(n), split between workers by their id as torch's documentation shows."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class TorchShardedRange(torch.utils.data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class FailsAt(Dataset):
    def __init__(self, bad, error=ValueError):
        self.bad, self.error = bad, error

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == self.bad:
            raise self.error(f"sample {i} is broken")
        return i


class TwoArgError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class RaisesTwoArgError(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        raise TwoArgError(i, "x")


class Slow(Dataset):
    """Sample i takes delays.get(i, 0) seconds."""

    def __init__(self, delays, n=6):
        self.delays, self.n = delays, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delays.get(i, 0))
        return i


class Pids(Dataset):
    def __init__(self, n=6, size=1):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(self.size, os.getpid(), dtype=np.int64)


class ExitsAt(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            os._exit(3)
        return i


Point = collections.namedtuple("Point", ["image", "label"])


class Large(Dataset):
    """Samples big enough that every collated batch goes through shared memory."""

    def __init__(self, n=8):
        self.n = n
        self.rows = LARGE // (4 * 64) + 1  # one sample alone crosses the threshold

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        image = np.full((self.rows, 64), i, dtype=np.float32)
        return {"pair": Point(image, i), "raw": [np.full(3, i, dtype=np.int16)]}


def as_numpy(batch):
    """Nested batch with every Tensor as a numpy array, for comparisons."""
    if isinstance(batch, cynn.Tensor):
        return batch.numpy()
    if isinstance(batch, dict):
        return {k: as_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [as_numpy(v) for v in batch]
    return batch


def assert_same_batches(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g, e = as_numpy(g), as_numpy(e)
        if isinstance(e, dict):
            assert g.keys() == e.keys()
            g, e = list(g.values()), list(e.values())
        if not isinstance(e, list):
            g, e = [g], [e]
        for a, b in zip(g, e):
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_array_equal(a, b)


def epoch(dataset, num_workers, **kwargs):
    return list(DataLoader(dataset, num_workers=num_workers, **kwargs))


# ---------------------------------------------------------------------- same batches
@pytest.mark.parametrize("num_workers", [1, 2])
@pytest.mark.parametrize("make_dataset", [make_tensor_dataset, Records])
@pytest.mark.parametrize("kwargs", [
    {"batch_size": 4},
    {"batch_size": 5, "drop_last": True},
    {"batch_size": 4, "shuffle": True, "generator": "seeded"},
    {"batch_size": None},
])
def test_workers_give_the_batches_of_the_main_process(num_workers, make_dataset, kwargs):
    def run(n):
        args = dict(kwargs)
        if args.get("generator") == "seeded":
            args["generator"] = cynn.Generator(5)
        return epoch(make_dataset(), n, **args)

    expected = run(0)
    got = run(num_workers)
    assert_same_batches(got, expected)
    assert len(expected) == len(DataLoader(make_dataset(), **{
        k: v for k, v in kwargs.items() if k != "generator"}))


def test_global_seed_gives_the_same_shuffle_with_and_without_workers():
    orders = []
    for num_workers in (0, 2, 0):
        cynn.manual_seed(11)
        loader = DataLoader(make_tensor_dataset(), batch_size=4, shuffle=True,
                            num_workers=num_workers)
        orders.append([yb.numpy().tolist() for _, yb in loader])
    assert orders[0] == orders[1] == orders[2]
    assert sorted(sum(orders[0], [])) == list(range(23))


def test_batches_come_back_in_sampler_order_even_when_workers_finish_out_of_order():
    # task 0 (worker 0) is slow: tasks 1, 2, ... arrive first and wait in the buffer
    loader = DataLoader(Slow({0: 0.5}), batch_size=1, num_workers=2)
    assert [b.item() for b in loader] == list(range(6))


def test_in_order_false_returns_batches_as_they_arrive():
    loader = DataLoader(Slow({0: 0.5}), batch_size=1, num_workers=2, in_order=False)
    got = [b.item() for b in loader]
    assert sorted(got) == list(range(6))
    assert got[0] != 0


def test_spawned_workers_give_the_same_batches():
    # a cynn dataset: the spawned children need not import this module (and torch)
    expected = epoch(make_tensor_dataset(), 0, batch_size=4)
    got = epoch(make_tensor_dataset(), 2, batch_size=4, multiprocessing_context="spawn")
    assert_same_batches(got, expected)


# ---------------------------------------------------------------------- worker set-up
def test_worker_init_fn_and_get_worker_info_inside_workers():
    cynn.manual_seed(3)
    base_seed = int(cynn._random.generator().integers(0, 2 ** 63 - 1))
    cynn.manual_seed(3)
    rows = np.concatenate([b.numpy() for b in DataLoader(WhoLoads(), batch_size=2,
                                                         num_workers=2,
                                                         worker_init_fn=init_fn)])
    index, pid, worker_id, num_workers, seed, own_copy, init_value, threads = rows.T
    assert index.tolist() == list(range(8))
    # batch k is loaded by worker k % 2
    assert worker_id.tolist() == [0, 0, 1, 1, 0, 0, 1, 1]
    assert len(set(pid[worker_id == 0])) == len(set(pid[worker_id == 1])) == 1
    assert set(pid).isdisjoint({os.getpid()})
    assert set(num_workers) == {2}
    assert (seed == (base_seed + worker_id) % 2 ** 62).all()
    assert own_copy.all()
    assert (init_value == 100 + worker_id).all()
    assert set(threads) == {1}
    assert get_worker_info() is None


def test_worker_seeds_differ_between_workers_and_repeat_under_manual_seed():
    def draws(seed):
        cynn.manual_seed(seed)
        return np.concatenate([b.numpy() for b in DataLoader(Draws(), batch_size=1,
                                                             num_workers=2)])

    first, again, other = draws(0), draws(0), draws(1)
    np.testing.assert_array_equal(first, again)
    by_worker = {int(row[0]): row[1:] for row in first}
    assert set(by_worker) == {0, 1}
    # random, numpy and cynn draws all differ between the two workers ...
    assert (by_worker[0] != by_worker[1]).all()
    # ... and change with the seed
    assert (first[:, 1:] != other[:, 1:]).all()


def test_numpy_seed_of_a_worker_is_torchs():
    worker = torch.utils.data._utils.worker
    from cynn.utils.data import _worker
    for base_seed, worker_id in [(0, 0), (12345, 1), (2 ** 62 + 7, 3)]:
        assert _worker._generate_state(base_seed, worker_id) == \
            worker._generate_state(base_seed, worker_id)


def test_get_worker_info_is_frozen_like_torch():
    from cynn.utils.data._worker import WorkerInfo
    info = WorkerInfo(id=0, num_workers=1, seed=1, dataset=None)
    torch_info = torch.utils.data._utils.worker.WorkerInfo(id=0, num_workers=1, seed=1,
                                                           dataset=None)
    for obj in (info, torch_info):
        with pytest.raises(AttributeError):
            obj.id = 3


# ---------------------------------------------------------------------- IterableDataset
@pytest.mark.parametrize("n,batch_size,num_workers,drop_last", [
    (10, 3, 2, False), (11, 2, 2, True), (7, 1, 2, False), (5, 4, 1, False), (3, 2, 2, False),
])
def test_iterable_dataset_is_sharded_and_batched_like_torch(n, batch_size, num_workers,
                                                            drop_last):
    got = [b.numpy().tolist() for b in DataLoader(ShardedRange(n), batch_size=batch_size,
                                                  num_workers=num_workers,
                                                  drop_last=drop_last)]
    expected = [b.tolist() for b in torch.utils.data.DataLoader(
        TorchShardedRange(n), batch_size=batch_size, num_workers=num_workers,
        drop_last=drop_last)]
    assert got == expected
    assert sorted(sum(got, [])) == sorted(sum(expected, []))


class Unsharded(IterableDataset):
    def __iter__(self):
        return iter(range(4))


def test_iterable_dataset_without_sharding_comes_once_per_worker():
    got = sorted(b.item() for b in DataLoader(Unsharded(), batch_size=1, num_workers=2))
    assert got == sorted(2 * list(range(4)))


# ---------------------------------------------------------------------- errors
def test_worker_exception_is_reraised_with_worker_id_and_original_traceback():
    loader = DataLoader(FailsAt(3), batch_size=1, num_workers=2)
    it = iter(loader)
    assert [next(it).item() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError) as info:
        next(it)
    message = str(info.value)
    # task 3 went to worker 3 % 2
    assert message.startswith("Caught ValueError in DataLoader worker process 1.\n"
                              "Original Traceback (most recent call last):\n")
    assert 'raise self.error(f"sample {i} is broken")' in message
    assert message.rstrip().endswith("ValueError: sample 3 is broken")
    # as in torch, the iterator goes on after the failed batch
    assert [b.item() for b in it] == [4, 5]
    del it, info


def test_exception_message_has_torchs_form():
    class TorchFailsAt(torch.utils.data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 3:
                raise ValueError(f"sample {i} is broken")
            return i

    def first_line_and_last(lib, dataset):
        # no pytest.raises: its traceback would keep the iterator and its workers alive
        try:
            list(lib.utils.data.DataLoader(dataset, batch_size=1, num_workers=2))
        except ValueError as e:
            lines = str(e).strip().splitlines()
            # torch's reraise leaves a cycle through the traceback: cut it, so that its
            # iterator is freed now rather than by a garbage collection, where its
            # shutdown waits 5 s per worker
            e.__traceback__ = None
            return lines[0], lines[1], lines[-1]
        pytest.fail("no ValueError")

    assert first_line_and_last(cynn, FailsAt(3)) == first_line_and_last(torch,
                                                                        TorchFailsAt())


def test_key_error_message_stays_readable_and_odd_exceptions_become_runtime_errors():
    with pytest.raises(KeyError) as info:
        list(DataLoader(FailsAt(0, KeyError), num_workers=1))
    assert "\\n" not in str(info.value) and "Original Traceback" in str(info.value)
    with pytest.raises(RuntimeError, match="Caught TwoArgError in DataLoader worker process"):
        list(DataLoader(RaisesTwoArgError(), num_workers=1))


def test_worker_init_fn_error_reaches_the_main_process():
    def broken_init(worker_id):
        raise ZeroDivisionError("init failed")

    with pytest.raises(ZeroDivisionError, match="Caught ZeroDivisionError in DataLoader "
                                                "worker process 0"):
        list(DataLoader(Records(4), num_workers=1, worker_init_fn=broken_init))


def test_a_batch_that_cannot_be_pickled_raises_instead_of_hanging():
    class Local:  # pickled by name, and the name cannot be looked up
        pass

    loader = DataLoader(Records(4), batch_size=2, num_workers=1,
                        collate_fn=lambda samples: Local())
    with pytest.raises(AttributeError, match="(?s)Caught AttributeError in DataLoader worker "
                                             "process 0.*Can.t pickle local object"):
        next(iter(loader))


def test_timeout_raises_like_torch():
    it = iter(DataLoader(Slow({0: 1.0}, n=2), batch_size=1, num_workers=1, timeout=0.2))
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.2 seconds$"):
        next(it)
    assert time.perf_counter() - start < 0.9
    del it  # shutdown waits for the worker to finish its sample


def test_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        list(DataLoader(ExitsAt(), batch_size=1, num_workers=2))


@pytest.mark.parametrize("kwargs,error,match", [
    ({"num_workers": 2, "prefetch_factor": -1}, ValueError,
     "prefetch_factor option should be non-negative"),
    ({"prefetch_factor": 2}, ValueError, "prefetch_factor option could only be specified"),
    ({"multiprocessing_context": "spawn"}, ValueError,
     r"multiprocessing_context can only be used with multi-process loading \(num_workers > "
     r"0\), but got num_workers=0"),
    ({"num_workers": 1, "multiprocessing_context": "thread"}, ValueError,
     r"multiprocessing_context option should specify a valid start method in \[.*\], but "
     r"got multiprocessing_context='thread'"),
    ({"num_workers": 1, "multiprocessing_context": 3}, TypeError,
     "multiprocessing_context option should be a valid context object or a string"),
    ({"timeout": -1}, ValueError, "timeout option should be non-negative"),
    ({"persistent_workers": True}, ValueError, "persistent_workers option needs num_workers"),
])
def test_worker_argument_errors_match_torch(kwargs, error, match):
    helper_test_exception(
        lambda lib: lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.zeros(4)),
                                              **kwargs), error, match=match)


# torch's half-built iterator fails in its own __del__ (no _shutdown attribute yet)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("kwargs,match", [
    ({"num_workers": 1, "prefetch_factor": 0}, "prefetch_factor must be greater than 0"),
    ({"timeout": 1}, "_SingleProcessDataLoaderIter requires timeout == 0"),
])
def test_iterator_assertions_match_torch(kwargs, match):
    helper_test_exception(
        lambda lib: iter(lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.zeros(4)),
                                                   **kwargs)), AssertionError, match=match)
    gc.collect()  # here, where its warning is filtered


def test_more_workers_than_cpus_warns_like_torch():
    too_many = len(os.sched_getaffinity(0)) + 1
    for lib in (torch, cynn):
        with pytest.warns(UserWarning, match=f"This DataLoader will create {too_many} worker "
                                             "processes in total"):
            lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.zeros(4)),
                                      num_workers=too_many)


# ---------------------------------------------------------------------- persistent workers
def test_persistent_workers_reuse_their_processes_across_epochs():
    loader = DataLoader(Pids(), batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [{int(b[0, 0]) for b in loader} for _ in range(3)]
    assert len(epochs[0]) == 2 and epochs[0] == epochs[1] == epochs[2]
    assert iter(loader) is iter(loader)
    fresh = DataLoader(Pids(), batch_size=2, num_workers=2)
    first, second = ({int(b[0, 0]) for b in fresh} for _ in range(2))
    assert first.isdisjoint(second)
    del loader
    gc.collect()


def test_persistent_workers_restart_cleanly_after_a_break():
    # the broken-off epoch leaves prefetched shared-memory batches in flight
    loader = DataLoader(Large(12), batch_size=1, num_workers=2, persistent_workers=True,
                        prefetch_factor=3)
    for i, batch in enumerate(loader):
        if i == 1:
            break
    labels = [batch["pair"][1].item() for batch in loader]
    assert labels == list(range(12))
    del loader, batch
    gc.collect()


# ---------------------------------------------------------------------- shutdown
def test_no_worker_left_after_break():
    before = child_pids()
    for i, _ in enumerate(DataLoader(Records(40), batch_size=2, num_workers=2)):
        if i == 0:
            assert len(child_pids() - before) == 2
            break
    gc.collect()
    assert child_pids() <= before


def test_no_worker_left_after_an_exception():
    before = child_pids()

    def consume():
        for _ in DataLoader(FailsAt(2), batch_size=1, num_workers=2):
            pass

    with pytest.raises(ValueError):
        consume()
    gc.collect()
    assert child_pids() <= before


def test_no_worker_left_after_the_iterator_is_collected():
    before = child_pids()
    it = iter(DataLoader(Large(8), batch_size=2, num_workers=2))
    next(it)
    time.sleep(0.2)  # let the workers fill the prefetch queue with shared-memory batches
    assert len(child_pids() - before) == 2
    del it
    gc.collect()
    assert child_pids() <= before


@pytest.mark.parametrize("late_worker", [False, True])
def test_workers_exit_when_the_main_process_dies(late_worker):
    # late_worker: worker 1 starts its loop only after the main process died, so it
    # cannot learn its parent's pid from os.getppid() (it would read init's)
    delay = textwrap.dedent("""
        import time
        from cynn.utils.data import _worker
        loop = _worker._worker_loop
        def late_loop(*args):
            if args[10] == 1:
                time.sleep(1.0)
            return loop(*args)
        _worker._worker_loop = late_loop
    """) if late_worker else ""
    delay = textwrap.indent(delay, " " * 8)  # as the script below, before its dedent
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path[:0] = {[os.path.dirname(os.path.dirname(cynn.__file__))]!r}
        import numpy as np
        from cynn.utils.data import DataLoader, Dataset
{delay}

        class Big(Dataset):  # batches large enough for shared memory
            def __len__(self):
                return 20

            def __getitem__(self, i):
                return np.zeros({LARGE // 4 + 1}, dtype=np.float32)

        it = iter(DataLoader(Big(), batch_size=1, num_workers=2))
        next(it)
        print(os.getpid(), *(w.pid for w in it._workers), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == -signal.SIGKILL, run.stderr
    parent, *workers = map(int, run.stdout.split())
    deadline = time.monotonic() + 15
    alive = set(workers)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if _running(pid)}
        time.sleep(0.1)
    assert not alive
    # the workers unlinked the batches they had sent to the dead process
    assert not cynn_segments(parent)


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------------- shared memory
@pytest.mark.skipif(not _shared_memory.available(), reason="no /dev/shm on this system")
def test_large_arrays_come_back_through_shared_memory():
    expected = epoch(Large(6), 0, batch_size=2)
    got = epoch(Large(6), 2, batch_size=2)
    assert_same_batches([[b["pair"][0], b["pair"][1], b["raw"][0]] for b in got],
                        [[b["pair"][0], b["pair"][1], b["raw"][0]] for b in expected])
    image, label = got[0]["pair"]
    assert isinstance(got[0]["pair"], Point) and isinstance(image, cynn.Tensor)
    # the image batch is a mapping of the worker's segment; the small tensors were pickled
    assert isinstance(_root(image.numpy()), mmap.mmap)
    assert not isinstance(_root(label.numpy()), mmap.mmap)
    # a loaded batch is an ordinary writable tensor
    image.numpy()[0, 0, 0] = -1.0
    image.add_(1.0)
    assert image.numpy()[0, 0, 0] == 0.0


@pytest.mark.skipif(not _shared_memory.available(), reason="no /dev/shm on this system")
def test_numpy_batches_stay_numpy_through_shared_memory():
    got = epoch(Large(4), 1, batch_size=2, collate_fn=lambda samples: samples)
    image = got[1][0]["pair"].image
    assert type(image) is np.ndarray and image.dtype == np.float32
    assert isinstance(_root(image), mmap.mmap)
    assert (image == 2).all()


def _root(array):
    while True:
        if isinstance(array, np.ndarray) and array.base is not None:
            array = array.base
        elif isinstance(array, memoryview):
            array = array.obj
        else:
            return array


# ---------------------------------------------------------------------- the ring (_ring.py)
ring_only = pytest.mark.skipif(not _ring.available(), reason="no /dev/shm on this system")


class Growing(Dataset):
    """Sample i is 1024 (i + 1) float32 values equal to i, padded per batch by its
    collate_fn: every batch is larger than the one before, so slots must grow."""

    def __init__(self, n=12):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(1024 * (i + 1), i, dtype=np.float32)


def pad_collate(samples):
    width = max(len(s) for s in samples)
    out = np.zeros((len(samples), width), dtype=np.float32)
    for row, s in zip(out, samples):
        row[:len(s)] = s
    return out


class Opaque:
    """Not a type the ring describes: the batch is pickled into the slot."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is Opaque and other.value == self.value


def mixed_collate(samples):
    xs = np.stack([s["x"] for s in samples])
    labels = [s["label"] for s in samples]
    return {"x": cynn.from_numpy(xs), "labels": labels, "name": f"batch of {len(samples)}",
            "none": None, "pair": (xs[:, 0].copy(), 3.5), "empty": np.zeros((0, 2))}


def opaque_collate(samples):
    """Types the plain encoding does not describe: the batch is pickled."""
    return ([Opaque(s["label"]) for s in samples],
            Point(np.stack([s["x"] for s in samples]), 1),
            np.zeros(len(samples), dtype=[("a", "<i4"), ("b", "<f8")]),
            np.float32(len(samples)))


def dtypes_collate(samples):
    """Arrays the plain encoding describes by ``dtype.str``."""
    n = len(samples)
    return [np.array([str(s["label"]) * 2 for s in samples]),
            np.array([s["label"] for s in samples], dtype="datetime64[s]"),
            np.arange(2 * n, dtype=">f4")[::2]]  # strided and big-endian


def grad_collate(samples):
    return cynn.from_numpy(np.stack([s["x"] for s in samples])).requires_grad_()


def assert_equal_nested(got, expected):
    assert type(got) is type(expected)
    if isinstance(expected, cynn.Tensor):
        assert got.requires_grad == expected.requires_grad
        got, expected = got.detach().numpy(), expected.detach().numpy()
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    elif isinstance(expected, dict):
        assert list(got) == list(expected)
        for key in expected:
            assert_equal_nested(got[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_equal_nested(g, e)
    else:
        assert got == expected


@pytest.fixture
def count_segments(monkeypatch):
    """Counts the segments the main process maps (one per slot, plus one per resize)."""
    names = []
    original = _ring.MainChannel._map

    def counting(self, slot, name):
        names.append(name)
        return original(self, slot, name)

    monkeypatch.setattr(_ring.MainChannel, "_map", counting)
    return names


@ring_only
def test_map_style_datasets_use_the_ring_and_iterable_ones_the_queues():
    it = iter(DataLoader(Records(4), batch_size=2, num_workers=1))
    assert type(it).__name__ == "_RingDataLoaderIter"
    del it
    it = iter(DataLoader(ShardedRange(4), batch_size=2, num_workers=1))
    assert type(it).__name__ == "_MultiProcessingDataLoaderIter"
    del it


@ring_only
@pytest.mark.parametrize("ring", [True, False])
@pytest.mark.parametrize("kwargs", [
    {"batch_size": 3, "shuffle": True, "generator": "seeded"},
    {"batch_size": 4, "in_order": False},
    {"batch_sampler": [[5, 1], [0], [22, 21, 20], [3, 3, 3]]},
])
def test_ring_and_queues_give_the_batches_of_the_main_process(monkeypatch, ring, kwargs):
    if not ring:  # the path of systems without /dev/shm, for map-style datasets too
        monkeypatch.setattr(_ring, "available", lambda: False)

    def run(n):
        args = dict(kwargs)
        if args.get("generator") == "seeded":
            args["generator"] = cynn.Generator(5)
        return [as_numpy(b) for b in DataLoader(make_tensor_dataset(), num_workers=n, **args)]

    expected, got = run(0), run(2)
    if kwargs.get("in_order") is False:
        key = (lambda b: b[1].tolist())
        expected, got = sorted(expected, key=key), sorted(got, key=key)
    assert_same_batches(got, expected)


@ring_only
def test_tensor_dataset_rows_out_of_range_raise_as_in_the_main_process():
    dataset = make_tensor_dataset(5)
    for num_workers in (0, 1):
        it = iter(DataLoader(dataset, batch_sampler=[[0, -5], [4, 5], [1]],
                             num_workers=num_workers))
        assert next(it)[1].numpy().tolist() == [0, 0]
        with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 5"):
            next(it)
        assert next(it)[1].numpy().tolist() == [1]
        del it


@ring_only
def test_slots_are_reused_for_batches_of_one_size(count_segments):
    loader = DataLoader(Records(40, size=1000), batch_size=4, num_workers=2,
                        prefetch_factor=2)
    batches = list(loader)
    assert_same_batches(batches, epoch(Records(40, size=1000), 0, batch_size=4))
    # ten batches, two slots per worker: each slot is created once
    assert len(count_segments) == 4


@ring_only
def test_a_slot_grows_when_a_batch_does_not_fit(count_segments):
    expected = epoch(Growing(), 0, batch_size=2, collate_fn=pad_collate)
    got = epoch(Growing(), 1, batch_size=2, collate_fn=pad_collate, prefetch_factor=1)
    assert_same_batches(got, expected)
    # one slot; batches of 16, 32, ... 96 KiB: a slot holds an eighth more than the
    # batch it was made for (rounded to pages), so each batch needs a new one
    assert len(count_segments) == 6
    # when batches shrink again the grown slot serves them all
    count_segments.clear()
    shrinking = DataLoader(Growing(), batch_sampler=[[11, 10], [3], [2, 0], [1]],
                           collate_fn=pad_collate, num_workers=1, prefetch_factor=1)
    assert [b.shape for b in shrinking] == [(2, 12288), (1, 4096), (2, 3072), (1, 2048)]
    assert len(count_segments) == 1


@ring_only
@pytest.mark.parametrize("collate_fn", [mixed_collate, opaque_collate, dtypes_collate,
                                        grad_collate])
def test_mixed_batches_come_back_whole(collate_fn):
    expected = epoch(Records(10), 0, batch_size=3, collate_fn=collate_fn)
    got = epoch(Records(10), 2, batch_size=3, collate_fn=collate_fn)
    assert_equal_nested(got, expected)


@ring_only
def test_a_batch_goes_through_the_pipe_when_dev_shm_is_full(monkeypatch):
    def full(name, size):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_ring, "_create", full)  # the forked workers inherit it
    expected = epoch(Records(10), 0, batch_size=3, collate_fn=mixed_collate)
    got = epoch(Records(10), 2, batch_size=3, collate_fn=mixed_collate)
    assert_equal_nested(got, expected)


@ring_only
def test_batches_kept_by_the_caller_are_not_overwritten():
    # small batches are copies, large ones keep their slot's mapping and the worker gets
    # a fresh slot: holding every batch must not let a later one overwrite it
    small = list(DataLoader(Records(30, size=10), batch_size=2, num_workers=2))
    large = list(DataLoader(Large(10), batch_size=1, num_workers=2, prefetch_factor=1))
    assert [b["label"].numpy().tolist() for b in small] == [[i, i + 1]
                                                            for i in range(0, 30, 2)]
    assert [float(b["pair"][0].numpy()[0, 0, 0]) for b in large] == list(range(10))
    assert all(isinstance(_root(b["pair"][0].numpy()), mmap.mmap) for b in large)


def exits_on_send(send):
    """``_ring._Pipe.send`` of a worker that dies after writing task 2's batch into a
    fresh segment, before the answer naming the segment is sent."""

    def send_or_exit(pipe, message):
        if (isinstance(message, tuple) and len(message) == 6 and message[0] == 2
                and message[3] is not None):
            os._exit(5)
        return send(pipe, message)

    return send_or_exit


@ring_only
def test_worker_dying_with_a_slot_in_use_is_reported_and_its_segment_removed(monkeypatch):
    monkeypatch.setattr(_ring._Pipe, "send", exits_on_send(_ring._Pipe.send))
    # task 2 is worker 0's second batch, written into its second slot: a new segment
    # whose name only the lost answer would have carried
    it = iter(DataLoader(Records(12, size=1000), batch_size=2, num_workers=2))
    monkeypatch.undo()  # the main process sends normally
    assert next(it)["label"].numpy().tolist() == [0, 1]
    assert next(it)["label"].numpy().tolist() == [2, 3]
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        next(it)
    # the segment the lost answer named is still there, until the shutdown's sweep
    assert [n for n in cynn_segments() if n.startswith(f"{it._shm_prefix}0_")]
    del it
    gc.collect()  # the fixture then finds no process and no segment left


@ring_only
def test_early_break_leaves_no_segment_behind():
    before = cynn_segments()
    for dataset in (Records(40, size=1000), Large(12)):
        for i, _ in enumerate(DataLoader(dataset, batch_size=2, num_workers=2,
                                         prefetch_factor=3)):
            if i == 1:
                time.sleep(0.2)  # the workers fill their remaining slots
                assert cynn_segments() - before  # named in answers not read yet
                break
        gc.collect()
        assert cynn_segments() <= before


@ring_only
def test_persistent_workers_keep_their_slots_across_epochs(count_segments):
    loader = DataLoader(Pids(24, size=1000), batch_size=2, num_workers=2,
                        persistent_workers=True)
    pids = [{int(b[0, 0]) for b in loader} for _ in range(3)]
    assert len(pids[0]) == 2 and pids[0] == pids[1] == pids[2]
    assert len(count_segments) == 4  # two slots per worker, made in the first epoch
    for i, _ in enumerate(loader):
        if i == 2:
            break
    # the broken-off epoch's answers were drained; the next epoch is whole and in order
    rows = [b[:, 0].tolist() for b in loader]
    assert len(rows) == 12 and len(count_segments) == 4
    del loader
    gc.collect()


class CountingBatches:
    """A batch sampler that records how many batches were drawn from it."""

    def __init__(self, n, size):
        self.n, self.size, self.drawn = n, size, 0

    def __len__(self):
        return self.n

    def __iter__(self):
        for i in range(self.n):
            self.drawn += 1
            yield list(range(i * self.size, (i + 1) * self.size))


@ring_only
def test_prefetch_factor_bounds_the_batches_drawn_ahead_like_torch():
    drawn = {}
    for lib, dataset in [(cynn, make_tensor_dataset(40)),
                         (torch, torch.utils.data.TensorDataset(torch.arange(40)))]:
        sampler = CountingBatches(20, 2)
        it = iter(lib.utils.data.DataLoader(dataset, batch_sampler=sampler, num_workers=2,
                                            prefetch_factor=3))
        counts = [sampler.drawn]
        for _ in range(4):
            next(it)
            counts.append(sampler.drawn)
        drawn[lib.__name__] = counts
        del it
    assert drawn["cynn"] == drawn["torch"] == [6, 7, 8, 9, 10]


@ring_only
@pytest.mark.parametrize("delays,chunked", [({}, True), ({i: 0.002 for i in range(40)}, False)])
def test_cheap_workers_get_their_tasks_in_chunks(monkeypatch, delays, chunked):
    it = iter(DataLoader(Slow(delays, n=40), batch_size=1, num_workers=1,
                         prefetch_factor=4))
    messages = []
    send = _ring._Pipe.send

    def counting(pipe, message):  # the main process's sends only: the worker has forked
        if isinstance(message, tuple):
            messages.append(len(message[0]))
        return send(pipe, message)

    monkeypatch.setattr(_ring._Pipe, "send", counting)
    got = []
    for batch in it:
        got.append(batch.item())
        time.sleep(0.005)  # the consumer is slower than the worker
    assert got == list(range(40))
    assert sum(messages) == 36  # all but the first prefetch_factor tasks
    if chunked:  # a batch costs the worker well under _ring._DEFER_BELOW
        assert len(messages) <= 0.6 * 36
    else:  # 2 ms per batch: every task is sent as soon as it is drawn, as in torch
        assert len(messages) == 36


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no affinity masks here")
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_run_on_every_cpu_when_openmp_binds_the_main_thread(start_method, tmp_path):
    """With OMP_PROC_BIND set, libgomp pins the main thread to one CPU; workers must not
    inherit that pin, or they would all share the main process's core."""
    code = textwrap.dedent(f"""
        import os
        import cynn
        from cynn.utils.data import DataLoader, Dataset

        class Affinity(Dataset):
            def __len__(self):
                return 4
            def __getitem__(self, i):
                return len(os.sched_getaffinity(0))

        if __name__ == "__main__":
            from cynn import _threads
            loader = DataLoader(Affinity(), batch_size=2, num_workers=2,
                                multiprocessing_context="{start_method}")
            seen = sorted(set(int(v) for batch in loader for v in batch.tolist()))
            print(len(os.sched_getaffinity(0)), len(_threads.usable_cpus()), seen)
    """)
    env = {**os.environ, "OMP_PROC_BIND": "close", "OMP_PLACES": "cores",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    script = tmp_path / "affinity.py"  # spawn re-imports the main module: a file, not -c
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    main_mask, usable, seen = out.stdout.split(maxsplit=2)
    assert main_mask == "1"  # the binding took: the test exercises the pin
    assert seen.strip() == f"[{usable}]"
