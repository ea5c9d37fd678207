"""Warnings are attributed to the user's line, whichever path inside cynn raised them
(PyTorch users read the file and line of a warning to find what to change)."""
import warnings

import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F

CASES = {
    "F.softmax without dim": lambda: F.softmax(cynn.ones(2, 3)),
    "nn.Softmax without dim": lambda: nn.Softmax()(cynn.ones(2, 3)),
    "nn.Sequential(nn.Softmax())": lambda: nn.Sequential(nn.Softmax())(cynn.ones(2, 3)),
    "loss with size_average": lambda: F.mse_loss(cynn.ones(2), cynn.ones(2), size_average=True),
    "nn.MSELoss with broadcasting targets": lambda: nn.MSELoss()(cynn.ones(2, 1), cynn.ones(2)),
    "init of an empty tensor": lambda: nn.init.kaiming_uniform_(cynn.empty(0, 3)),
    "scheduler before optimizer": lambda: _scheduler_before_optimizer(),
    "dropout2d on 2-d input": lambda: F.dropout2d(cynn.ones(2, 3)),
}


def _scheduler_before_optimizer():
    opt = cynn.optim.SGD([nn.Parameter(cynn.ones(1))], lr=0.1)
    scheduler = cynn.optim.lr_scheduler.StepLR(opt, 1)
    scheduler.step()


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_warning_names_the_callers_file(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CASES[case]()
    assert caught, f"{case}: no warning"
    for w in caught:
        assert w.filename == __file__, f"{case}: {w.message} attributed to {w.filename}"
