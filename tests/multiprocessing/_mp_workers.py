"""Functions run in child processes (kept out of the test module so that a spawned
child imports only cynn, not torch and pytest)."""
import os
import signal

import numpy as np

import cynn
import cynn.multiprocessing as mp
from cynn import nn

LR = 0.125           # a power of two: every update below is exact in float32
STEPS = 3


class Affine(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def worker_data(rank):
    """Worker ``rank``'s batch: the loss ``model(x).sum()`` has gradient
    ``dW = [sum(x)] * 2`` and ``db = [len(x)] * 2`` whatever the weights, so each SGD
    step moves the parameters by a known amount."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4) * (rank + 1) / 8
    return cynn.from_numpy(x)


def hogwild_train(rank, model, lock, barrier=None):
    if barrier is not None:
        barrier.wait(30)  # both workers train at once
    optimizer = cynn.optim.SGD(model.parameters(), lr=LR)
    x = worker_data(rank)
    for _ in range(STEPS):
        optimizer.zero_grad()
        model(x).sum().backward()
        # the lock makes the sum of updates exact; Hogwild proper runs without it
        with lock:
            optimizer.step()


def spawn_train(rank, model, lock):
    hogwild_train(rank, model, lock)


def write_rank(rank, t):
    t[rank] = rank + 1


def raise_on_rank(rank, bad_rank, pids, barrier):
    pids[rank] = os.getpid()
    barrier.wait(60)  # every rank runs before one fails
    if rank == bad_rank:
        raise ValueError(f"bad rank {rank}")
    signal.pause()  # the others wait until the parent ends them


def exit_on_rank(rank, code):
    if code < 0:
        os.kill(os.getpid(), -code)
    raise SystemExit(code)


def add_from_queue(inbox, outbox):
    t = inbox.get(timeout=30)
    outbox.put((mp.is_shared(t), type(t).__name__, t.requires_grad))
    with cynn.no_grad():
        t.add_(10)
    outbox.put(t)  # sent back: the same memory again
    inbox.get(timeout=30)  # wait until the parent checked


def add_from_pipe(conn):
    t = conn.recv()
    t.mul_(2)
    conn.send("done")
    conn.close()


def add_arg(t, done):
    t.add_(1)
    done.set()


def share_and_hang(conn):
    mp.set_sharing_strategy(conn.recv())
    t = cynn.ones(1000).share_memory_()
    conn.send(t)
    signal.pause()


class SmallLeNet(nn.Module):
    """LeNet's layout for 8x8 digits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = cynn.nn.functional.max_pool2d(cynn.relu(self.conv1(x)), 2)   # 6 x 4 x 4
        x = cynn.relu(self.conv2(x)).flatten(1)                           # 16 x 2 x 2
        return self.fc2(cynn.relu(self.fc1(x)))


def train_digits(rank, model, images, labels, steps_done, parts=2, epochs=8, batch=32,
                 lr=0.05):
    """Hogwild worker: SGD over the samples ``rank::parts`` (a disjoint share), no lock."""
    cynn.set_num_threads(1)
    cynn.manual_seed(rank)
    optimizer = cynn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    index = np.arange(rank, len(labels), parts)
    rng = np.random.default_rng(rank)
    for _ in range(epochs):
        rng.shuffle(index)
        for start in range(0, len(index), batch):
            take = cynn.from_numpy(index[start:start + batch])
            optimizer.zero_grad()
            loss = cynn.nn.functional.cross_entropy(model(images[take]), labels[take])
            loss.backward()
            optimizer.step()
            with cynn.no_grad():
                steps_done[rank] += 1
