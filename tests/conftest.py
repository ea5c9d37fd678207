"""Shared pytest set-up: ``import cynn`` from this checkout and ``import helpers`` from
any test directory, and a fixed seed around every test."""
import os
import sys

import numpy as np
import pytest

_TESTS = os.path.dirname(os.path.abspath(__file__))
for _path in (os.path.dirname(_TESTS), _TESTS):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import cynn  # noqa: E402


def pytest_configure(config):
    # On import cynn silences numpy's inf/nan RuntimeWarnings raised inside its own modules
    # (PyTorch returns inf/nan silently); pytest resets warning filters after collecting,
    # so the filter is repeated here.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:(divide by zero|invalid value|overflow) encountered:RuntimeWarning:cynn\.")


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Every test starts from seed 0 and grad mode on, whatever the previous one did.
    PyTorch's generator too, once a test has imported it: the oracle's own draws
    (statistical checks of its initialisers) would otherwise depend on test order."""
    cynn.manual_seed(0)
    np.random.seed(0)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(0)
    yield
    cynn.autograd.grad_mode._set(True, False)  # grad on, inference mode off
    cynn.set_default_dtype(cynn.float32)
