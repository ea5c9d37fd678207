"""cynn on a busy machine: a LeNet training step and an AlexNet forward under each
OpenMP policy, on a quiet machine and with one competing busy process per core.

What a user waits for is the time of a block of steps, so each figure is the mean
time per step over a block (LeNet: ``--lenet-steps`` SGD steps at batch 16; AlexNet:
``--alexnet-steps`` forwards at batch 4, no grad), in a fresh process per policy that
imports cynn only (the policy variables are read once, when libgomp loads). Rounds
interleave the policies; the median over rounds is printed, and each column's ratio
to its best policy.

Policies (what the child process's environment holds):
  * ``cynn default``: nothing set; cynn's own policy (1 thread while the process is
    preempted, see cynn/_threads.py).
  * ``fixed 2``: ``OMP_NUM_THREADS=2``: two threads always, libgomp's default wait
    (spin about 300k times, then sleep). This was cynn's default before.
  * ``active``, ``passive``, ``spin 10k``, ``spin 1k``: the same with ``OMP_WAIT_POLICY`` or
    ``GOMP_SPINCOUNT`` set; these change the libgomp that torch shares when both are
    imported, which is why cynn cannot choose them for its users.
  * ``1 thread``: ``OMP_NUM_THREADS=1``.

    python benchmarks/bench_busy.py [--rounds 5]

Run it on an otherwise idle machine: the "busy" rows start their own competitors
(one ``while True: pass`` process per CPU this process may use).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

POLICIES = {
    "cynn default": {},
    "fixed 2": {"OMP_NUM_THREADS": "2"},
    "active": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "active"},
    "passive": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "passive"},
    "spin 10k": {"OMP_NUM_THREADS": "2", "GOMP_SPINCOUNT": "10000"},
    "spin 1k": {"OMP_NUM_THREADS": "2", "GOMP_SPINCOUNT": "1000"},
    "1 thread": {"OMP_NUM_THREADS": "1"},
}
_CLEARED = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_PROC_BIND",
            "OMP_PLACES")


def child(lenet_steps, alexnet_steps):
    sys.path.insert(0, HERE)
    import numpy as np

    import cynn
    from bench_models import alexnet, lenet

    nn, F = cynn.nn, cynn.nn.functional
    net = lenet(nn, F)
    opt = cynn.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = cynn.from_numpy(rng.standard_normal((16, 3, 32, 32)).astype(np.float32))
    y = cynn.from_numpy(np.arange(16) % 10)
    loss = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss(net(x), y).backward()
        opt.step()

    big = alexnet(nn).eval()
    xa = cynn.from_numpy(rng.standard_normal((4, 3, 224, 224)).astype(np.float32))

    def forward():
        with cynn.no_grad():
            big(xa)

    def per_step(fn, n):
        fn()
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) / n

    print(json.dumps({"lenet": per_step(step, lenet_steps),
                      "alexnet": per_step(forward, alexnet_steps)}))


def run_child(policy, args):
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(POLICIES[policy])
    out = subprocess.run([sys.executable, __file__, "--child",
                          "--lenet-steps", str(args.lenet_steps),
                          "--alexnet-steps", str(args.alexnet_steps)],
                         env=env, capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_competitors():
    cpus = sorted(os.sched_getaffinity(0))
    procs = []
    for cpu in cpus:
        procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
    time.sleep(0.5)
    return procs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lenet-steps", type=int, default=150)
    parser.add_argument("--alexnet-steps", type=int, default=6)
    parser.add_argument("--only", choices=("quiet", "busy"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.lenet_steps, args.alexnet_steps)
        return

    import platform
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    print(f"{cpu}, {len(os.sched_getaffinity(0))} CPUs; {args.rounds} rounds; "
          f"LeNet SGD step b16 x{args.lenet_steps}, AlexNet forward b4 x{args.alexnet_steps}; "
          f"ms per step, median over rounds")
    results = {}
    for load in ("quiet", "busy"):
        if args.only and load != args.only:
            continue
        competitors = start_competitors() if load == "busy" else []
        try:
            for _ in range(args.rounds):
                for policy in POLICIES:
                    r = run_child(policy, args)
                    for model, seconds in r.items():
                        results.setdefault((load, model, policy), []).append(seconds)
        finally:
            for p in competitors:
                p.kill()
                p.wait()

    columns = [(load, model) for load in ("quiet", "busy") for model in ("lenet", "alexnet")
               if (load, model, "fixed 2") in results]
    medians = {key: statistics.median(v) for key, v in results.items()}
    best = {col: min(medians[col + (p,)] for p in POLICIES) for col in columns}
    header = "".join(f" | {load} {model} ms (x best)" for load, model in columns)
    print(f"| policy{header} |")
    print("|---" * (len(columns) + 1) + "|")
    for policy in POLICIES:
        cells = "".join(f" | {medians[col + (policy,)] * 1e3:.1f} "
                        f"({medians[col + (policy,)] / best[col]:.2f})" for col in columns)
        print(f"| {policy}{cells} |")


if __name__ == "__main__":
    main()
