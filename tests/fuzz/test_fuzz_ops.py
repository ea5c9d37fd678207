"""Every kernel-backed op against PyTorch on generated cases (``fuzz_strategies.py``):
values, gradients and exception types, and the same bits at 1 and 2 threads. Each
case runs in a worker process, so a crash fails that case with a reproducer instead
of killing pytest. What is covered and how to run longer: docs/reliability.md."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_strategies import STRATEGIES, fuzz_settings


@pytest.mark.parametrize("op", sorted(STRATEGIES))
@fuzz_settings
@given(data=st.data())
def test_op_matches_torch(fuzz_pool, op, data):
    fuzz_pool.run(data.draw(STRATEGIES[op], label="spec"))
