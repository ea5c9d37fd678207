"""observe_dispatch: every Function.apply of the observing thread is reported, with its
arguments and result; nothing is reported otherwise."""
import threading

import numpy as np
import pytest

import cynn
from cynn.autograd import function as function_module
from cynn.autograd.function import DispatchObserver, observe_dispatch


class Recorder(DispatchObserver):
    def __init__(self, log=None, tag=""):
        self.log = [] if log is None else log
        self.tag = tag

    def before_apply(self, function, args, kwargs):
        self.log.append(("before", self.tag, function.__name__))

    def after_apply(self, function, args, kwargs, result):
        self.log.append(("after", self.tag, function.__name__, args, kwargs, result))


def test_each_apply_is_reported_with_its_arguments_and_result():
    x = cynn.randn(2, 3, requires_grad=True)
    with observe_dispatch(Recorder()) as recorder:
        y = cynn.nn.functional.leaky_relu(x * 2, 0.2)
    (b1, a1, b2, a2) = recorder.log
    assert [b1[2], b2[2]] == ["Mul", "LeakyRelu"]
    assert a1[3][0] is x and a1[3][1] == 2 and a1[4] == {}
    assert a2[3][0] is a1[5] and a2[3][1] == 0.2 and a2[5] is y
    assert y.grad_fn.name() == "LeakyReluBackward0"   # the op itself is unchanged


def test_keyword_arguments_and_tuple_results_are_reported_as_given():
    x = cynn.randn(1, 1, 4, 4)
    with observe_dispatch(Recorder()) as recorder:
        out, indices = cynn.nn.functional.max_pool2d(x, 2, return_indices=True)
    (_, after) = recorder.log
    assert after[2] == "MaxPool2d"
    assert set(after[4]) == {"window", "return_indices"} and after[4]["return_indices"]
    assert after[5] == (out, indices)


def test_observers_nest_and_are_removed_on_exit_even_after_an_error():
    log = []
    with observe_dispatch(Recorder(log, "outer")):
        with pytest.raises(RuntimeError):
            with observe_dispatch(Recorder(log, "inner")):
                cynn.ones(2).exp()
                raise RuntimeError("leave the block")
        cynn.ones(2).neg()
    cynn.ones(2).sqrt()
    assert [(e[0], e[1], e[2]) for e in log] == [
        ("before", "inner", "Exp"), ("before", "outer", "Exp"),
        ("after", "outer", "Exp"), ("after", "inner", "Exp"),
        ("before", "outer", "Neg"), ("after", "outer", "Neg")]
    assert function_module._dispatch_state.observers == ()


class Failing(function_module.Function):
    @staticmethod
    def forward(ctx, x):
        raise ValueError("forward failed")


def test_an_op_that_raises_reports_no_result_and_keeps_observing():
    with observe_dispatch(Recorder()) as recorder:
        with pytest.raises(ValueError, match="forward failed"):
            Failing.apply(cynn.ones(2))
        assert function_module._dispatch_state.observers == (recorder,)
        cynn.ones(2).exp()
    assert [e[:3] for e in recorder.log] == [("before", "", "Failing"), ("before", "", "Exp"),
                                             ("after", "", "Exp")]


def test_an_observer_using_cynn_ops_does_not_observe_itself():
    class Summing(Recorder):
        def after_apply(self, function, args, kwargs, result):
            super().after_apply(function, args, kwargs, result)
            (result * 2).sum()       # two more ops, not reported

    with observe_dispatch(Summing()) as recorder:
        cynn.ones(3).exp()
    assert [e[2] for e in recorder.log] == ["Exp", "Exp"]


def test_other_threads_are_not_observed():
    seen = []
    with observe_dispatch(Recorder()) as recorder:
        thread = threading.Thread(target=lambda: seen.append(cynn.ones(2).exp()))
        thread.start()
        thread.join()
        cynn.ones(2).log()
    assert len(seen) == 1
    assert [e[2] for e in recorder.log] == ["Log", "Log"]


def test_without_an_observer_apply_does_not_take_the_observed_path(monkeypatch):
    def fail(*args):
        raise AssertionError("observed path taken")
    monkeypatch.setattr(function_module, "_observed_apply", fail)
    y = cynn.ones(2, requires_grad=True).exp().sum()
    y.backward()
    np.testing.assert_allclose(float(y), 2 * np.e, rtol=1e-6)
