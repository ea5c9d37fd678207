"""GradientLogger's update-to-weight ratio ||w_after - w_before|| / ||w_before||: equal to a
hand computation of the optimizer's update, measured at the next forward or backward
(or ``remove()``), pending until then, and carried through the JSONL and CSV files."""
import math

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.hooks import RECORD_FIELDS, GradientLogger, read_csv, read_jsonl


def mlp():
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))


def weights(model):
    return {name: p.detach().numpy().astype(np.float64) for name, p in model.named_parameters()}


def grads(model):
    return {name: p.grad.numpy().astype(np.float64) for name, p in model.named_parameters()}


def ratio(update, before):
    return np.linalg.norm(update) / np.linalg.norm(before)


def backward(model, x=None):
    x = cynn.randn(3, 4) if x is None else x
    model(x).pow(2).sum().backward()


def ratios(logger, step):
    return {r["name"]: r["update_ratio"] for r in logger.records
            if r["step"] == step and r["kind"] == "param"}


def test_sgd_with_momentum_ratio_equals_the_hand_computed_update():
    model = mlp()
    lr, momentum = 0.05, 0.9
    optimizer = cynn.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    logger = GradientLogger(model)
    velocity = {name: 0.0 for name, _ in model.named_parameters()}
    expected = []
    for _ in range(3):
        optimizer.zero_grad()
        backward(model)
        before, g = weights(model), grads(model)
        optimizer.step()
        # torch's SGD: v = momentum v + g (v = g at the first step), w -= lr v
        velocity = {name: momentum * velocity[name] + g[name] for name in g}
        expected.append({name: ratio(lr * velocity[name], before[name]) for name in g})
    model(cynn.randn(3, 4))   # the next forward measures the last step's ratio
    for step, hand in enumerate(expected):
        measured = ratios(logger, step)
        assert list(measured) == list(hand)
        for name, value in hand.items():
            assert measured[name] == pytest.approx(value, rel=1e-4), (step, name)


def test_the_ratio_is_pending_until_the_next_forward_and_filled_in_place():
    model = mlp()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    logger = GradientLogger(model)
    backward(model)
    records = list(logger.records)   # read before the optimizer step: nothing to measure yet
    before = weights(model)
    optimizer.step()
    assert all(r["update_ratio"] is None for r in records)
    with cynn.no_grad():
        model(cynn.randn(2, 4))      # an evaluation forward counts too
    after = weights(model)
    assert [r["name"] for r in logger.records] == [r["name"] for r in records]
    for record, kept in zip(logger.records, records):
        assert record is kept
        name = record["name"]
        assert record["update_ratio"] == pytest.approx(ratio(after[name] - before[name],
                                                             before[name]), rel=1e-5)


class Shift(nn.Module):
    """y = x + bias: the graph saves no parameter, so an optimizer step between two
    backward passes through it is allowed."""

    def __init__(self, n):
        super().__init__()
        self.bias = nn.Parameter(cynn.full((n,), 2.0))

    def forward(self, x):
        return x + self.bias


def test_without_a_forward_the_next_backward_measures_it():
    model = Shift(4)
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    logger = GradientLogger(model)
    loss = model(cynn.randn(3, 4)).pow(2).sum()
    loss.backward(retain_graph=True)
    before, g = weights(model), grads(model)
    optimizer.step()
    loss.backward()                  # a second step through the same graph, no forward
    assert logger.step_count == 2
    (value,) = ratios(logger, 0).values()
    assert value == pytest.approx(ratio(0.1 * g["bias"], before["bias"]), rel=1e-4)
    assert ratios(logger, 1) == {"bias": None}


def test_remove_measures_the_last_step():
    model = mlp()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    with GradientLogger(model) as logger:
        backward(model)
        before, g = weights(model), grads(model)
        optimizer.step()
    for name, value in ratios(logger, 0).items():
        assert value == pytest.approx(ratio(0.1 * g[name], before[name]), rel=1e-4)


def test_gradient_accumulation_gives_zero_where_no_optimizer_step_followed():
    model = mlp()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    logger = GradientLogger(model)
    optimizer.zero_grad()
    backward(model)
    backward(model)                  # accumulated: the optimizer steps after both
    before, g = weights(model), grads(model)
    optimizer.step()
    logger.remove()
    assert all(value == 0.0 for value in ratios(logger, 0).values())
    for name, value in ratios(logger, 1).items():
        assert value == pytest.approx(ratio(0.1 * g[name], before[name]), rel=1e-4)


def test_only_logged_steps_get_a_ratio_of_the_update_right_after_them():
    model = mlp()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    logger = GradientLogger(model, every=2)
    hand = {}
    for step in range(4):
        optimizer.zero_grad()
        backward(model)
        before, g = weights(model), grads(model)
        optimizer.step()
        hand[step] = {name: ratio(0.1 * g[name], before[name]) for name in g}
    logger.remove()
    assert sorted({r["step"] for r in logger.records}) == [0, 2]
    for step in (0, 2):
        for name, value in ratios(logger, step).items():
            assert value == pytest.approx(hand[step][name], rel=1e-4)


def test_zero_weights_that_move_give_inf_and_weights_that_stay_give_zero():
    model = mlp()
    with cynn.no_grad():
        model[0].bias.zero_()
        model[2].bias.zero_()
    # lr 0 for the last layer: its (zero) bias stays where it is
    optimizer = cynn.optim.SGD([{"params": model[0].parameters()},
                                {"params": model[2].parameters(), "lr": 0.0}], lr=0.1)
    with GradientLogger(model) as logger:
        backward(model)
        optimizer.step()
    measured = ratios(logger, 0)
    assert measured["0.bias"] == math.inf
    assert measured["2.bias"] == 0.0 and measured["2.weight"] == 0.0
    assert 0 < measured["0.weight"] < math.inf


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_parameters_without_gradient_and_modules_have_none():
    class WithUnused(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = mlp(), nn.Linear(2, 2)

        def forward(self, x):
            return self.used(x)

    model = WithUnused()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    with GradientLogger(model, modules=True) as logger:
        backward(model)
        optimizer.step()
    by_name = {(r["kind"], r["name"]): r["update_ratio"] for r in logger.records}
    assert by_name[("param", "unused.weight")] is None
    assert by_name[("param", "unused.bias")] is None
    assert all(value is None for (kind, _), value in by_name.items() if kind == "module")
    assert by_name[("param", "used.0.weight")] > 0


def test_jsonl_and_csv_carry_the_ratio(tmp_path):
    model = mlp()
    with cynn.no_grad():
        model[0].bias.zero_()        # an inf ratio goes through the files too
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    with GradientLogger(model) as logger:
        for _ in range(2):
            optimizer.zero_grad()
            backward(model)
            optimizer.step()
    assert RECORD_FIELDS[-1] == "update_ratio"
    logger.to_jsonl(tmp_path / "g.jsonl")
    logger.to_csv(tmp_path / "g.csv")
    assert "update_ratio" in (tmp_path / "g.csv").read_text().splitlines()[0].split(",")
    for read, name in ((read_jsonl, "g.jsonl"), (read_csv, "g.csv")):
        back = read(tmp_path / name)
        assert back == logger.records
        assert {r["name"]: r["update_ratio"] for r in back if r["step"] == 0}["0.bias"] == math.inf
        assert all(isinstance(r["update_ratio"], float) for r in back)
