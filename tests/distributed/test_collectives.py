"""``cynn.distributed`` collectives on 2 MPI ranks, each case against numpy (the worker
computes the expected values; see workers/collectives_worker.py)."""
import os
import subprocess
import sys

import pytest

import cynn.distributed as dist
from _mpi_launch import WORKERS, case_results, run_workers

sys.path.insert(0, WORKERS)
from collectives_worker import cases  # noqa: E402

WORLD = 2
CASES = [name for name, _ in cases(0, WORLD)]


@pytest.fixture(scope="module")
def results():
    finished = run_workers("collectives_worker.py", n=WORLD, timeout=120)
    assert finished.returncode == 0, finished.describe()
    return case_results(finished), finished


@pytest.mark.parametrize("case", CASES)
def test_case_on_every_rank(results, case):
    by_case, finished = results
    for rank in range(WORLD):
        outcome = by_case.get((rank, case), "never reported")
        assert outcome == "ok", f"rank {rank}: {outcome}\n{finished.stderr[-3000:]}"


def test_no_process_group_raises_value_error_as_torch():
    assert not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier,
                 lambda: dist.all_reduce(cynn_ones())):
        with pytest.raises(ValueError, match="has not been initialized"):
            call()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()


def test_unknown_backend_is_refused_before_mpi_starts():
    with pytest.raises(ValueError, match="'gloo'"):
        dist.init_process_group("gloo")
    assert "mpi4py.MPI" not in sys.modules


def cynn_ones():
    import cynn
    return cynn.ones(2)


def test_without_mpi4py_cynn_works_and_distributed_names_the_extra(tmp_path):
    # a stand-in mpi4py that cannot be imported: as if the [mpi] extra were missing
    blocker = tmp_path / "mpi4py"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'mpi4py'\","
                                         " name='mpi4py')\n")
    script = (
        "import cynn, cynn.nn, cynn.distributed as dist\n"
        "print(float((cynn.ones(2) * 2).sum()))\n"
        "try:\n"
        "    dist.init_process_group('mpi')\n"
        "except ModuleNotFoundError as err:\n"
        "    print('ERROR', err)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.getcwd()]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "4.0"
    assert 'pip install "cynn-nn[mpi]"' in out.stdout
