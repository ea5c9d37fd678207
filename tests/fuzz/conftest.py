"""The worker pool every fuzz test sends its cases to: started once per session."""
import pytest

from fuzz_pool import WorkerPool


@pytest.fixture(scope="session")
def fuzz_pool():
    pool = WorkerPool()
    yield pool
    pool.close()
