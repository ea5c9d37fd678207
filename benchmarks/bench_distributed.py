"""Data-parallel training on one machine: 1 process x 2 threads against 2 MPI processes
x 1 thread (DistributedDataParallel), what the gradient all-reduce costs, how much of it
the bucket overlap hides, and its bandwidth against mpi4py's own Allreduce.

Models and global batches: the demo's LeNet (1x16x16 digits, batch 32: 16 per rank)
and AlexNet (3x224x224, batch 4: 2 per rank), SGD with momentum. Per model:

* ``1x2``: one process, 2 OpenMP threads, the whole batch, no cynn.distributed.
* ``2x1 DDP``: ``mpiexec -n 2``, 1 thread each, DDP as shipped: a bucket's
  all-reduce starts during backward as soon as its gradients are in.
* ``2x1 no overlap``: the same job with every bucket's all-reduce started only at the
  end of backward (the reducer's start-during-backward step patched out), as a DDP
  without overlap would.
* ``2x1 compute``: the same job under ``no_sync()``: forward, backward and step with no
  communication at all.
* ``reduce``: DDP's whole reduction alone (copy the gradients into the buckets divided
  by the world size, all-reduce every bucket, copy the averages into ``.grad``),
  outside any backward; ``reduce (views)``: the same with
  ``gradient_as_bucket_view=True`` (scale the bucket in place, all-reduce it: ``.grad``
  is a view of it).

``exposed`` = DDP step - compute step is what the all-reduce adds to a step;
``hidden`` = (no-overlap step - DDP step) / (no-overlap step - compute step) is the
part of the communication the overlap takes off the critical path.

The bandwidth table times, for each model's gradient bytes: DDP's reduction (as
``reduce`` and ``reduce (views)``), ``cynn.distributed.all_reduce`` on one tensor of
that size, and ``MPI.COMM_WORLD.Allreduce`` (in place, one numpy array); GB/s = bytes
/ time.

Every time is the median over interleaved repeats (the modes of a job take turns, a
barrier before each); a 2-rank time is the slower rank's median. The script starts
its own jobs (``mpiexec -n 2 python -m mpi4py`` from the ``[mpi]`` extra):

    python benchmarks/bench_distributed.py [--repeats 20] [--models lenet alexnet]
"""
import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

HERE = os.path.abspath(__file__)
REPO = os.path.dirname(os.path.dirname(HERE))
GLOBAL_BATCH = {"lenet": 32, "alexnet": 4}
JOB_TIMEOUT = 1800


# ------------------------------------------------------------------ the workers
def make_case(name, batch, seed=0):
    """``(model, x, y)``: the model with fixed weights and one batch of ``batch``."""
    import numpy as np

    import cynn
    cynn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if name == "lenet":
        from cynn.demo import LeNet
        model, shape, classes = LeNet(), (1, 16, 16), 10
    else:
        from bench_models import alexnet
        model, shape, classes = alexnet(cynn.nn), (3, 224, 224), 1000
    x = cynn.from_numpy(rng.standard_normal((batch, *shape)).astype(np.float32))
    y = cynn.from_numpy(rng.integers(0, classes, batch))
    return model, x, y


def training_step(model, optimizer, x, y):
    import cynn.nn.functional as F

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return step


@contextlib.contextmanager
def buckets_deferred_to_the_end(reducer):
    """Inside, ``reducer`` starts no all-reduce from a gradient hook: its end-of-backward
    callback starts every bucket, one after the other, then waits for them."""
    start_complete = reducer._start_complete_buckets
    finalize = reducer._finalize

    def finalize_with_every_bucket():
        reducer._start_complete_buckets = start_complete
        try:
            finalize()
        finally:
            reducer._start_complete_buckets = _start_nothing

    reducer._start_complete_buckets = _start_nothing
    reducer._finalize = finalize_with_every_bucket
    try:
        yield
    finally:
        reducer._start_complete_buckets = start_complete
        reducer._finalize = finalize


def _start_nothing():
    pass


def single_process_worker(name, repeats):
    """1 process, the threads OMP_NUM_THREADS gives, the whole global batch."""
    import cynn
    from _timing import interleaved_medians
    model, x, y = make_case(name, GLOBAL_BATCH[name])
    optimizer = cynn.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    times = interleaved_medians({"1x2": training_step(model, optimizer, x, y)}, repeats)
    print("RESULT " + json.dumps({"threads": cynn.get_num_threads(), **times}))


def distributed_worker(name, repeats):
    """One rank of the 2x1 job: the step modes, then the reductions."""
    import numpy as np

    import cynn
    import cynn.distributed as dist
    from _timing import interleaved_medians
    from cynn.nn.parallel import DistributedDataParallel
    from cynn.nn.parallel._reducer import Reducer
    from mpi4py import MPI

    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    world = comm.Get_size()
    model, x, y = make_case(name, GLOBAL_BATCH[name] // world, seed=comm.Get_rank())
    ddp = DistributedDataParallel(model)
    optimizer = cynn.optim.SGD(ddp.parameters(), lr=1e-3, momentum=0.9)
    step = training_step(ddp, optimizer, x, y)
    reducer = ddp.reducer

    def without_overlap():
        with buckets_deferred_to_the_end(reducer):
            step()

    def compute_only():
        with ddp.no_sync():
            step()

    def ddp_reduction():
        reducer.prepare_for_backward()
        reducer._finalize()

    def ddp_reduction_in_views():
        view_reducer.prepare_for_backward()
        view_reducer._finalize()

    grad_bytes = sum(p._data.nbytes for p in model.parameters())
    flat = np.ones(grad_bytes // 4, np.float32)
    tensor = cynn.from_numpy(flat.copy())

    def cynn_all_reduce():
        dist.all_reduce(tensor)

    def mpi4py_allreduce():
        comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)

    def barrier(_name):
        comm.Barrier()

    steps = interleaved_medians({"ddp": step, "no_overlap": without_overlap,
                                 "compute": compute_only}, repeats, setup=barrier)
    step()   # every .grad exists: the reduction below copies real gradients
    # a second reducer over the same parameters, whose buckets the .grads become views
    # of (DDP's own reducer then copies from and into those views)
    view_reducer = Reducer(reducer.params, ddp.process_group, gradient_as_bucket_view=True)
    reductions = interleaved_medians({"reduce": ddp_reduction,
                                      "reduce_views": ddp_reduction_in_views,
                                      "all_reduce": cynn_all_reduce,
                                      "Allreduce": mpi4py_allreduce}, repeats, setup=barrier)
    view_reducer.close()
    slowest = {key: comm.allreduce(value, op=MPI.MAX)
               for key, value in {**steps, **reductions}.items()}
    if comm.Get_rank() == 0:
        print("RESULT " + json.dumps({"ranks": world, "threads": cynn.get_num_threads(),
                                      "bytes": grad_bytes, "buckets": len(reducer.buckets),
                                      **slowest}))
    dist.destroy_process_group()


# ------------------------------------------------------------------ the launcher
def _mpiexec():
    found = (shutil.which("mpiexec", path=os.path.dirname(sys.executable))
             or shutil.which("mpiexec"))
    if found is None:
        raise SystemExit('mpiexec not found: pip install "cynn-nn[mpi]"')
    return found


def _run_job(command, threads):
    """Run ``command`` with ``threads`` OpenMP threads per process; the parsed RESULT
    line. On timeout the whole job (launcher and ranks) is killed."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env, start_new_session=True)
    try:
        stdout, stderr = job.communicate(timeout=JOB_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        raise SystemExit(f"{' '.join(command)} did not finish in {JOB_TIMEOUT} s")
    results = [line[len("RESULT "):] for line in stdout.splitlines()
               if line.startswith("RESULT ")]
    if job.returncode != 0 or len(results) != 1:
        raise SystemExit(f"{' '.join(command)} failed ({job.returncode}):\n{stdout}\n{stderr}")
    return json.loads(results[0])


def cpu_name():
    from _timing import cpu_name as model_name
    return f"{model_name()}, {os.cpu_count()} CPUs"


def _ms(seconds):
    return f"{seconds * 1e3:.2f}" if seconds < 0.1 else f"{seconds * 1e3:.0f}"


def step_row(name, single, ddp):
    exposed = ddp["ddp"] - ddp["compute"]
    unhidden = ddp["no_overlap"] - ddp["compute"]
    hidden = (ddp["no_overlap"] - ddp["ddp"]) / unhidden if unhidden > 0 else float("nan")
    return (f"| {name} b{GLOBAL_BATCH[name]} | {_ms(single['1x2'])} | {_ms(ddp['ddp'])} | "
            f"{_ms(ddp['no_overlap'])} | {_ms(ddp['compute'])} | {_ms(ddp['reduce'])} | "
            f"{_ms(exposed)} | {hidden:.0%} |")


def bandwidth_row(name, ddp):
    def rate(key):
        return f"{_ms(ddp[key])} ms, {ddp['bytes'] / ddp[key] / 1e9:.2f} GB/s"
    return (f"| {name} | {ddp['bytes'] / 1e6:.2f} MB in {ddp['buckets']} bucket"
            f"{'s' if ddp['buckets'] > 1 else ''} | {rate('reduce')} | "
            f"{rate('reduce_views')} | {rate('all_reduce')} | {rate('Allreduce')} | "
            f"{ddp['reduce'] / ddp['Allreduce']:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20,
                        help="timed repeats per mode for LeNet; AlexNet takes a quarter "
                             "(at least 3)")
    parser.add_argument("--models", nargs="+", choices=sorted(GLOBAL_BATCH),
                        default=["lenet", "alexnet"])
    parser.add_argument("--worker", choices=["single", "distributed"], help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=sorted(GLOBAL_BATCH), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "single":
        return single_process_worker(args.model, args.repeats)
    if args.worker == "distributed":
        return distributed_worker(args.model, args.repeats)

    import cynn
    print(f"cynn {cynn.__version__}, {cpu_name()}, load average before "
          f"{os.getloadavg()[0]:.2f}")
    single, ddp = {}, {}
    for name in args.models:
        repeats = args.repeats if name == "lenet" else max(3, args.repeats // 4)
        worker = [HERE, "--model", name, "--repeats", str(repeats)]
        single[name] = _run_job([sys.executable, *worker, "--worker", "single"], threads=2)
        ddp[name] = _run_job([_mpiexec(), "-n", "2", sys.executable, "-m", "mpi4py", *worker,
                              "--worker", "distributed"], threads=1)
        print(f"  {name}: done ({repeats} repeats)", file=sys.stderr)
    print(f"load average after {os.getloadavg()[0]:.2f}")
    print("\nms per training step (global batch b); 2x1 = 2 processes x 1 thread\n")
    print("| model | 1x2 | 2x1 DDP | 2x1 no overlap | 2x1 compute | reduce | exposed | hidden |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.models:
        print(step_row(name, single[name], ddp[name]))
    print("\nall-reduce of each model's gradient bytes on 2 ranks\n")
    print("| gradient | DDP reduction | DDP reduction, grads as bucket views | "
          "cynn.distributed.all_reduce | mpi4py Allreduce | DDP / Allreduce |")
    print("|---|---|---|---|---|---|")
    for name in args.models:
        print(bandwidth_row(name, ddp[name]))


if __name__ == "__main__":
    main()
