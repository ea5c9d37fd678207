"""Timing helpers shared by the benchmark scripts: interleaved medians, one process."""
import os
import statistics
import time

RECOMMENDED_ENV = {
    "OMP_PROC_BIND": "close",
    "OMP_PLACES": "cores",
    "GLIBC_TUNABLES": "glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=33554432",
}


def environment_report():
    """One line per recommended variable: its value here, flagged when it differs."""
    lines = []
    for name, wanted in RECOMMENDED_ENV.items():
        have = os.environ.get(name)
        flag = "" if have == wanted else f"   (recommended: {wanted})"
        lines.append(f"  {name}={have}{flag}")
    for name in ("OMP_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE"):
        if name in os.environ:
            lines.append(f"  {name}={os.environ[name]}")
    return "\n".join(lines)


def interleaved_medians(runners, repeats, warmup=2, setup=None):
    """Median seconds per runner; every repeat runs each runner once, in turn, so slow
    drifts of the machine (other processes, frequency) hit all of them alike.

    ``runners`` maps a name to a zero-argument callable; ``setup(name)``, if given,
    runs untimed before each call (e.g. to clear accumulated gradients).
    """
    times = {name: [] for name in runners}
    for round_ in range(warmup + repeats):
        for name, run in runners.items():
            if setup is not None:
                setup(name)
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if round_ >= warmup:
                times[name].append(elapsed)
    return {name: statistics.median(ts) for name, ts in times.items()}


def gflops(flop, seconds):
    return flop / seconds / 1e9 if seconds > 0 else float("nan")


def add_thread_argument(parser):
    """``--threads N``: one thread count for both libraries (default: cynn's)."""
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both libraries (default: cynn's default)")


def same_threads(requested, cynn, torch):
    """Give cynn ``requested`` threads (if not None) and torch as many; the count."""
    if requested is not None:
        cynn.set_num_threads(requested)
    threads = cynn.get_num_threads()
    torch.set_num_threads(threads)
    return threads


def cpu_name():
    """The CPU's model name (every figure names its CPU)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "unknown CPU"
