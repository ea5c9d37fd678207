"""cynn.multiprocessing: the stdlib API, tensors in shared memory crossing process
boundaries (Queue, Pipe, Process arguments, spawn), Hogwild training, spawn's errors,
and no segment left in /dev/shm. Every child is joined with a timeout and killed at
teardown if it is still running."""
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import cynn
import cynn.multiprocessing as mp
from cynn import nn

import _mp_workers as workers

pytestmark = pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs /dev/shm")

TIMEOUT = 60


@pytest.fixture(autouse=True)
def _no_orphans():
    before = {p.pid for p in multiprocessing.active_children()}
    strategy = mp.get_sharing_strategy()
    yield
    mp.set_sharing_strategy(strategy)
    leftover = [p for p in multiprocessing.active_children() if p.pid not in before]
    for p in leftover:
        p.kill()
        p.join(10)
    assert not leftover, f"children still running after the test: {leftover}"


def our_segments(pid=None):
    prefix = f"cynn_{os.getpid() if pid is None else pid}_"
    return sorted(f for f in os.listdir("/dev/shm") if f.startswith(prefix) and "_mp" in f)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not running any more
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# -- the API ---------------------------------------------------------------------------
def test_all_matches_torch():
    torch_mp = pytest.importorskip("torch.multiprocessing")
    assert sorted(mp.__all__) == sorted(torch_mp.__all__)
    for name in mp.__all__:
        assert hasattr(mp, name), name
    assert mp.Process is multiprocessing.Process and mp.Queue == multiprocessing.Queue
    assert mp.get_all_sharing_strategies() == torch_mp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == torch_mp.get_sharing_strategy() == "file_descriptor"
    for name in ("spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
                 "ProcessExitedException"):
        assert hasattr(mp, name) and hasattr(torch_mp, name)


def test_set_sharing_strategy():
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    with pytest.raises(AssertionError, match="invalid sharing strategy 'nope'"):
        mp.set_sharing_strategy("nope")
    assert mp.get_sharing_strategy() == "file_system"


# -- share_memory_ ----------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_share_memory_in_place(strategy):
    mp.set_sharing_strategy(strategy)
    t = cynn.arange(12.).reshape(3, 4)[:, 1:]  # non-contiguous: copied contiguous
    t.requires_grad_()
    before = t.detach().numpy().copy()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t.requires_grad and t.is_leaf
    np.testing.assert_array_equal(t.detach().numpy(), before)
    assert t.detach()[1:].is_shared()        # views of shared memory are shared
    assert not cynn.ones(3).is_shared()
    data = t._data
    t.share_memory_()                         # already shared: nothing moves
    assert t._data is data
    if strategy == "file_system":
        assert len(our_segments()) >= 1
    else:
        assert our_segments() == []           # no name in /dev/shm at any time
    del t, data


def test_share_memory_frees_segment_name():
    mp.set_sharing_strategy("file_system")
    names = set(our_segments())
    t = cynn.ones(100).share_memory_()
    new = set(our_segments()) - names
    assert len(new) == 1
    del t
    assert set(our_segments()) & new == set()


def test_module_share_memory():
    model = workers.Affine()
    params = list(model.parameters())
    assert model.share_memory() is model
    assert list(model.parameters()) == params  # same Parameter objects
    assert all(p.is_shared() and isinstance(p, nn.Parameter) for p in params)


def test_non_leaf_refused_like_torch():
    torch = pytest.importorskip("torch")
    import torch.multiprocessing  # noqa: F401  registers torch's reducers
    from multiprocessing.reduction import ForkingPickler
    with pytest.raises(RuntimeError) as expected:
        ForkingPickler.dumps(torch.ones(2, requires_grad=True) * 2)
    with pytest.raises(RuntimeError) as got:
        ForkingPickler.dumps(cynn.ones(2, requires_grad=True) * 2)
    assert str(got.value) == str(expected.value)


def test_unshared_tensor_is_copied():
    t = cynn.arange(4.)
    copy = pickle.loads(multiprocessing.reduction.ForkingPickler.dumps(t))
    copy.add_(1)
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2, 3])
    assert not copy.is_shared()


# -- across processes ----------------------------------------------------------------
@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_queue_shares_memory(method, strategy):
    mp.set_sharing_strategy(strategy)
    ctx = mp.get_context(method)
    t = nn.Parameter(cynn.arange(6.).reshape(2, 3))
    t.share_memory_()
    inbox, outbox = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=workers.add_from_queue, args=(inbox, outbox))
    child.start()
    try:
        inbox.put(t)
        assert outbox.get(timeout=TIMEOUT) == (True, "Parameter", True)
        back = outbox.get(timeout=TIMEOUT)
        # the child's write is seen here, and the tensor it sent back is our memory
        np.testing.assert_array_equal(t.detach().numpy(), np.arange(6.).reshape(2, 3) + 10)
        with cynn.no_grad():
            back.add_(1)
        np.testing.assert_array_equal(t.detach().numpy(), np.arange(6.).reshape(2, 3) + 11)
        inbox.put(None)
        child.join(TIMEOUT)
        assert child.exitcode == 0
    finally:
        child.kill()
        child.join(TIMEOUT)


def test_queue_sends_a_view():
    ctx = mp.get_context("fork")
    base = cynn.zeros(4, 5).share_memory_()
    inbox, outbox = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=workers.add_from_queue, args=(inbox, outbox))
    child.start()
    try:
        inbox.put(base[1:3, ::2])
        assert outbox.get(timeout=TIMEOUT) == (True, "Tensor", False)
        outbox.get(timeout=TIMEOUT)
        expected = np.zeros((4, 5))
        expected[1:3, ::2] = 10
        np.testing.assert_array_equal(base.numpy(), expected)
        inbox.put(None)
        child.join(TIMEOUT)
    finally:
        child.kill()
        child.join(TIMEOUT)


def test_pipe_shares_memory():
    ctx = mp.get_context("spawn")
    t = cynn.ones(3).share_memory_()
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=workers.add_from_pipe, args=(child_end,))
    child.start()
    try:
        parent.send(t)
        assert parent.poll(TIMEOUT) and parent.recv() == "done"
        np.testing.assert_array_equal(t.numpy(), [2, 2, 2])
        child.join(TIMEOUT)
        assert child.exitcode == 0
    finally:
        child.kill()
        child.join(TIMEOUT)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_args(method):
    ctx = mp.get_context(method)
    shared, private = cynn.zeros(2).share_memory_(), cynn.zeros(2)
    done = ctx.Event()
    children = [ctx.Process(target=workers.add_arg, args=(t, done)) for t in (shared, private)]
    for c in children:
        c.start()
    for c in children:
        c.join(TIMEOUT)
        assert c.exitcode == 0
    np.testing.assert_array_equal(shared.numpy(), [1, 1])
    np.testing.assert_array_equal(private.numpy(), [0, 0])  # copied into the child


# -- Hogwild -------------------------------------------------------------------------
def expected_after_training(model):
    """The parameters after both workers' STEPS SGD steps: their gradients do not
    depend on the weights, so the updates just add up."""
    W = model.fc.weight.detach().numpy().copy()
    b = model.fc.bias.detach().numpy().copy()
    for rank in range(2):
        x = workers.worker_data(rank).numpy()
        W -= workers.STEPS * workers.LR * np.tile(x.sum(0), (2, 1))
        b -= workers.STEPS * workers.LR * len(x)
    return W, b


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_hogwild(method):
    ctx = mp.get_context(method)
    model = workers.Affine()
    model.share_memory()
    W, b = expected_after_training(model)
    lock, barrier = ctx.Lock(), ctx.Barrier(2)
    procs = [ctx.Process(target=workers.hogwild_train, args=(rank, model, lock, barrier))
             for rank in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(TIMEOUT)
        assert p.exitcode == 0
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), W)
    np.testing.assert_array_equal(model.fc.bias.detach().numpy(), b)
    assert our_segments() == []


def test_hogwild_with_spawn():
    model = workers.Affine()
    model.share_memory()
    W, b = expected_after_training(model)
    lock = mp.get_context("spawn").Lock()
    mp.spawn(workers.spawn_train, args=(model, lock), nprocs=2)
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), W)
    np.testing.assert_array_equal(model.fc.bias.detach().numpy(), b)


def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]
    order = np.random.default_rng(0).permutation(len(images))
    images, labels = images[order], data.target[order].astype(np.int64)
    return (cynn.from_numpy(images[:1400]), cynn.from_numpy(labels[:1400]),
            cynn.from_numpy(images[1400:]), cynn.from_numpy(labels[1400:]))


def accuracy(model, images, labels):
    with cynn.no_grad():
        return (model(images).argmax(1) == labels).float().mean().item()


def test_hogwild_lenet_trains_like_one_process():
    """The issue's Hogwild run: two processes train one shared LeNet on disjoint halves
    of a data set, without a lock; the model then classifies held-out digits about as
    well as the same model trained by one process on all the data."""
    train_x, train_y, test_x, test_y = digits()
    cynn.manual_seed(0)
    single = workers.SmallLeNet()
    cynn.manual_seed(0)
    shared = workers.SmallLeNet()
    before = [p.detach().numpy().copy() for p in shared.parameters()]
    shared.share_memory()
    train_x.share_memory_()
    train_y.share_memory_()
    steps = cynn.zeros(2, dtype=cynn.int64).share_memory_()

    mp.spawn(workers.train_digits, args=(shared, train_x, train_y, steps), nprocs=2)
    # one process over all the data: as many steps as the two workers made together
    one = cynn.zeros(2, dtype=cynn.int64)
    workers.train_digits(0, single, train_x, train_y, one, parts=1)

    batches_per_half = -(-700 // 32)
    assert steps.tolist() == [8 * batches_per_half] * 2  # both workers ran every step
    assert all((p.detach().numpy() != b).any() for p, b in zip(shared.parameters(), before))
    hogwild, alone = accuracy(shared, test_x, test_y), accuracy(single, test_x, test_y)
    assert hogwild > 0.85 and abs(hogwild - alone) < 0.06, (hogwild, alone)


# -- spawn ---------------------------------------------------------------------------
def test_spawn_runs_every_rank():
    t = cynn.zeros(3).share_memory_()
    assert mp.spawn(workers.write_rank, args=(t,), nprocs=3) is None
    np.testing.assert_array_equal(t.numpy(), [1, 2, 3])


def test_spawn_join_false_returns_context():
    t = cynn.zeros(2).share_memory_()
    context = mp.start_processes(workers.write_rank, args=(t,), nprocs=2, join=False,
                                 start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
    deadline = time.monotonic() + TIMEOUT
    while not context.join(timeout=1):
        assert time.monotonic() < deadline
    assert context.join()  # once done, join keeps answering True
    np.testing.assert_array_equal(t.numpy(), [1, 2])


def test_spawn_reraises_child_exception_and_ends_the_others():
    pids = cynn.zeros(3, dtype=cynn.int64).share_memory_()
    barrier = mp.get_context("spawn").Barrier(3)
    with pytest.raises(mp.ProcessRaisedException) as info:
        mp.spawn(workers.raise_on_rank, args=(1, pids, barrier), nprocs=3)
    err = info.value
    assert err.error_index == 1
    message = str(err)
    assert message.startswith("\n\n-- Process 1 terminated with the following error:\n")
    assert "Traceback (most recent call last):" in message
    assert "ValueError: bad rank 1" in message and "raise_on_rank" in message
    started = pids.tolist()
    assert err.error_pid == started[1]
    for rank, pid in enumerate(started):
        assert not alive(pid), f"rank {rank} still running"


@pytest.mark.parametrize("code, message", [
    (3, "process 0 terminated with exit code 3"),
    (-signal.SIGKILL, "process 0 terminated with signal SIGKILL"),
])
def test_spawn_exit_code_and_signal(code, message):
    with pytest.raises(mp.ProcessExitedException) as info:
        mp.start_processes(workers.exit_on_rank, args=(code,), nprocs=1, start_method="fork")
    assert str(info.value) == message
    assert info.value.exit_code == code and info.value.error_index == 0
    assert info.value.signal_name == ("SIGKILL" if code < 0 else None)
    again = pickle.loads(pickle.dumps(info.value))
    assert (str(again), again.exit_code, again.error_pid) == (message, code, info.value.error_pid)


def test_spawn_other_start_method_warns():
    t = cynn.zeros(1).share_memory_()
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(workers.write_rank, args=(t,), nprocs=1, start_method="fork")
    assert t.item() == 1


# -- cleanup ---------------------------------------------------------------------------
def test_segment_outlives_killed_creator():
    """A child shares a tensor, sends it and is killed: the memory stays readable here
    (the mapping keeps it) and no name of the child's is left in /dev/shm."""
    ctx = mp.get_context("fork")
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=workers.share_and_hang, args=(child_end,))
    child.start()
    try:
        parent.send("file_descriptor")
        assert parent.poll(TIMEOUT)
        t = parent.recv()
        os.kill(child.pid, signal.SIGKILL)
        child.join(TIMEOUT)
        assert child.exitcode == -signal.SIGKILL
        np.testing.assert_array_equal(t.numpy(), np.ones(1000))
        assert our_segments(child.pid) == []
    finally:
        child.kill()
        child.join(TIMEOUT)


SCRIPT = """
import os, signal, sys
sys.path.insert(0, {here!r})
import _mp_workers as workers
import cynn.multiprocessing as mp

if __name__ == "__main__":
    ctx = mp.get_context({method!r})
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=workers.share_and_hang, args=(child_end,))
    child.start()
    parent.send({strategy!r})
    assert parent.poll(60)
    t = parent.recv()
    os.kill(child.pid, signal.SIGKILL)
    child.join(60)
    assert t.sum().item() == 1000
    print(child.pid)
"""


@pytest.mark.parametrize("method, strategy", [("fork", "file_descriptor"),
                                              ("spawn", "file_system")])
def test_no_leftovers_after_kill(method, strategy):
    """A program whose child (the creator of a segment) is killed leaves nothing in
    /dev/shm once it ended."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = textwrap.dedent(SCRIPT.format(here=here, method=method, strategy=strategy))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(here))] + env.get("PYTHONPATH", "").split(os.pathsep))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=TIMEOUT, env=env, start_new_session=True)
    assert run.returncode == 0, run.stderr
    child_pid = int(run.stdout.split()[-1])
    deadline = time.monotonic() + 10  # the resource tracker may still be unlinking
    while our_segments(child_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert our_segments(child_pid) == []
