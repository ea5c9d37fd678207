"""GradientLogger: statistics against numpy on ``p.grad``, step counting, filters,
NaN/Inf counts, warnings, None gradients, files, figure, detaching, in-place ops,
module (activation) gradients and a registry-registered layer with its own Function."""
import math
import re
import sys
import warnings

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.autograd import Function
from cynn.hooks import (ExplodingGradientWarning, GradientLogger, GradientWarning,
                        VanishingGradientWarning, read_csv, read_jsonl)

STAT_KEYS = ("norm", "mean", "std", "max_abs", "mean_abs", "zero_frac", "nan", "inf")


class SmallLeNet(nn.Module):
    """conv-pool-conv-pool-fc-fc on 1x8x8 inputs, small enough for fast tests."""

    def __init__(self, inplace=False):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU(inplace=inplace)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.fc2(self.relu(self.fc1(x.flatten(1))))


class Scale(nn.Module):
    """y = x * weight (elementwise): d loss / d weight = x when loss = y.sum()."""

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(cynn.ones(n))

    def forward(self, x):
        return x * self.weight


def train_step(model, x=None, y=None, scale=1.0):
    model.zero_grad()
    x = cynn.randn(6, 1, 8, 8) if x is None else x
    y = cynn.randint(0, 10, (6,)) if y is None else y
    loss = nn.functional.cross_entropy(model(x), y) * scale
    loss.backward()
    return loss


def expected_statistics(grad, weight):
    g = np.asarray(grad, dtype=np.float64).reshape(-1)
    return dict(norm=np.linalg.norm(g), mean=g.mean(), std=g.std(), max_abs=np.abs(g).max(),
                mean_abs=np.abs(g).mean(), zero_frac=np.mean(g == 0),
                nan=int(np.isnan(g).sum()), inf=int(np.isinf(g).sum()),
                weight_norm=np.linalg.norm(np.asarray(weight, dtype=np.float64)))


def assert_record_matches(record, grad, weight=None):
    expected = expected_statistics(grad, np.zeros(1) if weight is None else weight)
    if weight is None:
        expected.pop("weight_norm")
        assert record["weight_norm"] is None
    for key, value in expected.items():
        assert record[key] == pytest.approx(value, rel=1e-5, abs=1e-7, nan_ok=True), key


def param_records(logger, step=None):
    return {r["name"]: r for r in logger.records
            if r["kind"] == "param" and (step is None or r["step"] == step)}


# ------------------------------------------------------------------ statistics
def test_statistics_equal_numpy_on_the_gradients_after_backward():
    model = SmallLeNet()
    logger = GradientLogger(model)
    train_step(model)
    records = param_records(logger, step=0)
    names = [name for name, _ in model.named_parameters()]
    assert list(records) == names
    for name, p in model.named_parameters():
        assert records[name]["has_grad"] and records[name]["kind"] == "param"
        assert_record_matches(records[name], p.grad.numpy(), p.detach().numpy())
    total = math.sqrt(sum(np.sum(p.grad.numpy().astype(np.float64) ** 2)
                          for p in model.parameters()))
    assert logger.global_norms == {0: pytest.approx(total, rel=1e-5)}


def test_zero_fraction_counts_the_exact_zeros_of_dead_units():
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
    with cynn.no_grad():
        model[0].bias[:3] = -1e3   # units 0..2 never fire: their weight rows get zero grads
    logger = GradientLogger(model)
    model(cynn.randn(4, 5)).sum().backward()
    record = param_records(logger)["0.weight"]
    assert record["zero_frac"] == pytest.approx(np.mean(model[0].weight.grad.numpy() == 0))
    assert record["zero_frac"] >= 3 / 8


def test_std_is_accurate_when_the_mean_dominates():
    # gradient = x = 1000 + small noise: sum of squares minus n mean^2 would cancel
    model = Scale(1000)
    logger = GradientLogger(model, explode_threshold=None)
    x = cynn.tensor(1000 + np.random.default_rng(0).standard_normal(1000), dtype=cynn.float32)
    model(x).sum().backward()
    assert_record_matches(param_records(logger)["weight"], model.weight.grad.numpy(),
                          model.weight.detach().numpy())


def test_float64_model():
    model = nn.Linear(3, 2).double()
    logger = GradientLogger(model)
    model(cynn.randn(4, 3, dtype=cynn.float64)).pow(2).sum().backward()
    for name, p in model.named_parameters():
        assert_record_matches(param_records(logger)[name], p.grad.numpy(), p.detach().numpy())


# ------------------------------------------------------------------ steps
def test_every_n_logs_steps_0_n_2n():
    model = SmallLeNet()
    logger = GradientLogger(model, every=3)
    for _ in range(7):
        train_step(model)
    assert logger.step_count == 7
    assert sorted({r["step"] for r in logger.records}) == [0, 3, 6]
    assert sorted(logger.global_norms) == [0, 3, 6]
    assert len(logger.records) == 3 * len(list(model.parameters()))


def test_last_logged_step_matches_the_final_gradients():
    model = SmallLeNet()
    logger = GradientLogger(model, every=2)
    for _ in range(5):
        train_step(model)
    records = param_records(logger, step=4)
    for name, p in model.named_parameters():
        assert_record_matches(records[name], p.grad.numpy(), p.detach().numpy())


def test_a_second_backward_through_the_same_graph_is_a_new_step():
    model = Scale(4)
    logger = GradientLogger(model)
    loss = model(cynn.randn(4)).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert logger.step_count == 2
    assert [r["step"] for r in logger.records] == [0, 1]


def test_gradient_accumulation_counts_each_backward():
    model = SmallLeNet()
    logger = GradientLogger(model)
    model.zero_grad()
    for _ in range(3):
        nn.functional.cross_entropy(model(cynn.randn(2, 1, 8, 8)),
                                    cynn.randint(0, 10, (2,))).backward()
    assert logger.step_count == 3


def test_forward_without_grad_opens_no_step():
    model = SmallLeNet()
    logger = GradientLogger(model)
    train_step(model)
    with cynn.no_grad():
        model(cynn.randn(2, 1, 8, 8))
    train_step(model)
    assert logger.step_count == 2 and sorted(logger.global_norms) == [0, 1]


# ------------------------------------------------------------------ filters
@pytest.mark.parametrize("include,exclude,expected", [
    ("conv*", None, ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]),
    (None, "*.bias", ["conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight"]),
    (["fc*", "conv1.*"], ["*.bias"], ["conv1.weight", "fc1.weight", "fc2.weight"]),
    (["nothing*"], None, []),
])
def test_include_and_exclude_glob_patterns(include, exclude, expected):
    model = SmallLeNet()
    logger = GradientLogger(model, include=include, exclude=exclude)
    train_step(model)
    assert [r["name"] for r in logger.records] == expected


def test_patterns_are_case_sensitive():
    model = SmallLeNet()
    logger = GradientLogger(model, include="CONV*")
    train_step(model)
    assert logger.records == []


# ------------------------------------------------------------------ NaN, Inf, warnings
def test_nan_and_inf_are_counted_and_warned_about():
    model = Scale(10)
    logger = GradientLogger(model)
    x = cynn.tensor([1.0, np.nan, 2.0, np.inf, -np.inf, np.nan, 0.0, 3.0, np.inf, 4.0])
    with pytest.warns(ExplodingGradientWarning, match=r"'weight' 2 NaN and 3 Inf values"):
        model(x).sum().backward()
        logger.flush()
    record = param_records(logger)["weight"]
    assert (record["nan"], record["inf"]) == (2, 3)
    assert math.isnan(record["norm"]) and math.isnan(record["mean"])
    assert record["zero_frac"] == pytest.approx(0.1)
    assert math.isnan(logger.global_norms[0])


def caught_gradient_warnings(action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return [w for w in caught if issubclass(w.category, GradientWarning)]


def test_vanishing_gradients_give_one_warning_naming_every_layer():
    model = SmallLeNet()
    logger = GradientLogger(model, vanish_threshold=1e-3, explode_threshold=None)

    def three_steps():
        for _ in range(3):
            train_step(model, scale=1e-9)
        logger.flush()

    caught = caught_gradient_warnings(three_steps)
    # one warning for the whole first step, none for later steps: every layer was named
    (w,) = caught
    assert w.category is VanishingGradientWarning
    message = str(w.message)
    names = [name for name, _ in model.named_parameters()]
    assert message.startswith(f"GradientLogger(SmallLeNet) step 0: vanishing gradients "
                              f"(L2 norm < vanish_threshold 0.001) in {len(names)} layers: ")
    named = re.findall(r"'([^']+)' L2 norm ", message)
    assert named == names      # model order, each layer once
    for r in logger.records:
        assert r["norm"] < 1e-3


def test_a_layer_that_starts_vanishing_later_gets_its_own_warning():
    model = Scale(3)
    logger = GradientLogger(model, vanish_threshold=1e-3)
    first = caught_gradient_warnings(lambda: (model(cynn.ones(3)).sum().backward(),
                                              logger.flush()))
    later = caught_gradient_warnings(lambda: (model(cynn.full((3,), 1e-6)).sum().backward(),
                                              model(cynn.full((3,), 1e-6)).sum().backward(),
                                              logger.flush()))
    assert first == []
    (w,) = later
    assert "step 1: vanishing gradients" in str(w.message) and "'weight'" in str(w.message)


def test_exploding_gradient_warning_uses_the_configured_threshold():
    model = SmallLeNet()
    logger = GradientLogger(model, explode_threshold=5.0)

    def step():
        train_step(model, scale=1e4)
        logger.flush()

    caught = caught_gradient_warnings(step)
    exploding = [r["name"] for r in logger.records if r["norm"] > 5.0]
    assert "fc2.weight" in exploding
    (w,) = caught
    assert w.category is ExplodingGradientWarning
    message = str(w.message)
    assert message.startswith(f"GradientLogger(SmallLeNet) step 0: exploding gradients "
                              f"(L2 norm > explode_threshold 5, or NaN/Inf values) in "
                              f"{len(exploding)} layer")
    assert re.findall(r"'([^']+)' L2 norm ", message) == exploding
    assert re.search(r"'fc2.weight' L2 norm [0-9.e+]+", message)


def test_exploding_and_vanishing_in_one_step_are_two_warnings():
    model = nn.Sequential(Scale(2), Scale(2))
    logger = GradientLogger(model, vanish_threshold=1e-3, explode_threshold=10.0)
    # d/dw0 = x * w1 and d/dw1 = x * w0: a huge w1 and a tiny w0 split the two
    model[0].weight.data = cynn.tensor([1e-8, 1e-8])
    model[1].weight.data = cynn.tensor([1e8, 1e8])

    def step():
        model(cynn.ones(2)).sum().backward()
        logger.flush()

    caught = caught_gradient_warnings(step)
    assert [w.category for w in caught] == [ExplodingGradientWarning, VanishingGradientWarning]
    assert "'0.weight'" in str(caught[0].message) and "'1.weight'" in str(caught[1].message)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_activation_gradients_are_labelled_in_the_warning():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    logger = GradientLogger(model, modules=True, vanish_threshold=None, explode_threshold=1.0)

    def step():
        (model(cynn.ones(2, 3)) * 1e3).sum().backward()
        logger.flush()

    (w,) = caught_gradient_warnings(step)
    assert "'1' (activation gradient) L2 norm" in str(w.message)


@pytest.mark.parametrize("where", ["backward", "forward", "records"])
def test_the_warning_points_at_the_users_line(where):
    # the step closes at the next backward, the next forward or a read of the records:
    # each path goes through a different number of cynn frames
    model = Scale(3)
    logger = GradientLogger(model, vanish_threshold=1e-3)
    model(cynn.full((3,), 1e-9)).sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if where == "backward":
            loss = (model.weight * 1.0).sum()
            line = sys._getframe().f_lineno + 1
            loss.backward()
        elif where == "forward":
            line = sys._getframe().f_lineno + 1
            model(cynn.ones(3))
        else:
            line = sys._getframe().f_lineno + 1
            logger.records
    (w,) = [w for w in caught if w.category is VanishingGradientWarning]
    assert (w.filename, w.lineno) == (__file__, line)


def test_no_warning_between_the_thresholds_or_when_disabled():
    model = SmallLeNet()
    logger = GradientLogger(model, vanish_threshold=None, explode_threshold=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradientWarning)
        train_step(model, scale=1e-12)
        train_step(model, scale=1e12)
        logger.flush()


# ------------------------------------------------------------------ None gradients
def test_parameter_without_gradient_is_reported_not_a_crash():
    model = SmallLeNet()
    model.unused = nn.Linear(3, 3)
    model.frozen = nn.Linear(3, 3)
    model.frozen.requires_grad_(False)
    logger = GradientLogger(model)
    train_step(model)
    records = param_records(logger)
    assert "frozen.weight" not in records       # not trainable: not watched
    for name in ("unused.weight", "unused.bias"):
        r = records[name]
        assert r["has_grad"] is False
        assert all(r[key] is None for key in STAT_KEYS)
        assert r["weight_norm"] == pytest.approx(
            np.linalg.norm(model.get_parameter(name).detach().numpy()), rel=1e-6)
    total = math.sqrt(sum(np.sum(p.grad.numpy().astype(np.float64) ** 2)
                          for p in model.parameters() if p.grad is not None))
    assert logger.global_norms[0] == pytest.approx(total, rel=1e-5)


# ------------------------------------------------------------------ files and figure
def test_jsonl_and_csv_round_trip(tmp_path):
    model = SmallLeNet()
    model.unused = nn.Linear(2, 2)   # None-gradient records go through the files too
    logger = GradientLogger(model, every=2)
    for _ in range(3):
        train_step(model)
    logger.to_jsonl(tmp_path / "grads.jsonl")
    logger.to_csv(tmp_path / "grads.csv")
    assert len(logger.records) == 2 * len(list(model.parameters()))
    assert read_jsonl(tmp_path / "grads.jsonl") == logger.records
    assert read_csv(tmp_path / "grads.csv") == logger.records
    header = (tmp_path / "grads.csv").read_text().splitlines()[0]
    assert header.startswith("step,name,kind,")


def test_files_keep_nan_and_inf(tmp_path):
    model = Scale(3)
    logger = GradientLogger(model, explode_threshold=None)
    with pytest.warns(ExplodingGradientWarning):
        model(cynn.tensor([np.nan, np.inf, 1.0])).sum().backward()
        logger.to_jsonl(tmp_path / "g.jsonl")
    logger.to_csv(tmp_path / "g.csv")
    for read, name in ((read_jsonl, "g.jsonl"), (read_csv, "g.csv")):
        (record,) = read(tmp_path / name)
        assert (record["nan"], record["inf"]) == (1, 1)
        assert math.isnan(record["norm"]) and math.isinf(record["max_abs"]) is False
        assert math.isnan(record["max_abs"])


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="GradientLogger.plot needs matplotlib")
    model = SmallLeNet()
    model.unused = nn.Linear(2, 2)
    logger = GradientLogger(model, modules=True, exclude="relu")
    for _ in range(3):
        train_step(model)
    path = tmp_path / "flow.png"
    assert logger.plot(path) == path
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    model = Scale(2)
    logger = GradientLogger(model)
    model(cynn.randn(2)).sum().backward()
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"matplotlib.*cynn-nn\[plot\]"):
        logger.plot(tmp_path / "flow.png")


# ------------------------------------------------------------------ attaching, detaching
@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_remove_detaches_every_hook():
    model = SmallLeNet()
    logger = GradientLogger(model, modules=True)
    train_step(model)
    n_records = len(logger.records)
    logger.remove()
    logger.remove()   # idempotent
    train_step(model)
    assert len(logger.records) == n_records and logger.step_count == 1
    assert not model._forward_pre_hooks and not model.conv1._backward_hooks


def test_context_manager_detaches_and_keeps_records():
    model = SmallLeNet()
    with GradientLogger(model) as logger:
        train_step(model)
    train_step(model)
    assert logger.step_count == 1 and {r["step"] for r in logger.records} == {0}
    GradientLogger(model).remove()   # attaching again after detaching is fine


@pytest.mark.parametrize("target", ["model", "submodule"])
def test_refuses_to_attach_twice(target):
    model = SmallLeNet()
    first = GradientLogger(model)
    with pytest.raises(RuntimeError, match="already watched by another GradientLogger"):
        GradientLogger(model if target == "model" else model.fc1)
    first.remove()
    inner = GradientLogger(model.fc1)
    with pytest.raises(RuntimeError, match="already watched"):
        GradientLogger(model)   # a model containing a watched module
    inner.remove()


@pytest.mark.parametrize("kwargs,error", [
    (dict(every=0), ValueError), (dict(every=1.5), ValueError),
    (dict(vanish_threshold=-1.0), ValueError), (dict(include=[3]), TypeError)])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        GradientLogger(SmallLeNet(), **kwargs)


def test_model_must_be_a_module():
    with pytest.raises(TypeError, match="model"):
        GradientLogger(lambda x: x)


# ------------------------------------------------------------------ in-place ops, modules
def test_in_place_relu_downstream_does_not_break_parameter_hooks():
    model = SmallLeNet(inplace=True)
    logger = GradientLogger(model)
    train_step(model)
    records = param_records(logger)
    for name, p in model.named_parameters():
        assert_record_matches(records[name], p.grad.numpy(), p.detach().numpy())


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_module_hooks_and_in_place_ops_as_documented():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(inplace=True), nn.Linear(3, 1))
    with GradientLogger(model, modules=True):
        with pytest.raises(RuntimeError, match="modified inplace"):   # as in PyTorch
            model(cynn.randn(2, 4))
    with GradientLogger(model, modules=True, exclude=["0", "1"]) as logger:
        model(cynn.randn(2, 4)).sum().backward()
    assert [r["name"] for r in logger.records if r["kind"] == "module"] == ["2"]


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_module_records_are_the_activation_gradients():
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 1))
    logger = GradientLogger(model, modules=True)
    x = cynn.randn(4, 5)
    model(x).sum().backward()
    # d sum / d out = 1; d/dh = 1 @ W2; d/dy1 = d/dh where y1 > 0
    w1, b1 = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
    y1 = x.numpy() @ w1.T + b1
    g_out = np.ones((4, 1), np.float32)
    g_h = g_out @ model[2].weight.detach().numpy()
    g_y1 = g_h * (y1 > 0)
    modules = {r["name"]: r for r in logger.records if r["kind"] == "module"}
    assert list(modules) == ["0", "1", "2"]
    assert_record_matches(modules["0"], g_y1)
    assert_record_matches(modules["1"], g_h)
    assert_record_matches(modules["2"], g_out)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_a_module_called_twice_gets_one_record_over_both_calls():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 2)
            self.act = nn.Tanh()

        def forward(self, x):
            return self.act(self.fc2(self.act(self.fc1(x))))

    model = Twice()
    logger = GradientLogger(model, modules=True, include="act")
    captured = []
    model.act.register_full_backward_hook(lambda m, gi, go: captured.append(go[0].numpy()))
    (model(cynn.randn(5, 3)) * cynn.randn(5, 2)).sum().backward()
    (record,) = logger.records
    assert record["name"] == "act" and len(captured) == 2
    both = np.concatenate([g.reshape(-1) for g in captured])
    assert_record_matches(record, both)


def test_layer_registered_in_process_with_its_own_function():
    class ScaledTanhFunction(Function):
        @staticmethod
        def forward(ctx, x, a):
            t = np.tanh(x)
            ctx.save_for_backward(t, a)
            return a * t

        @staticmethod
        def backward(ctx, gy):
            t, a = ctx.saved_tensors
            return gy * a * (1 - t * t), (gy * t).sum(axis=0)

    @cynn.registry.register_layer("GradientLoggerTestScaledTanh")
    class ScaledTanh(nn.Module):
        def __init__(self, features):
            super().__init__()
            self.a = nn.Parameter(cynn.full((features,), 0.5))

        def forward(self, x):
            return ScaledTanhFunction.apply(x, self.a)

    model = nn.build([{"type": "Linear", "args": [4, 6]},
                      {"type": "GradientLoggerTestScaledTanh", "args": [6]},
                      {"type": "Linear", "args": [6, 1]}])
    logger = GradientLogger(model)
    model(cynn.randn(8, 4)).pow(2).sum().backward()
    records = param_records(logger)
    assert "1.a" in records
    for name, p in model.named_parameters():
        assert_record_matches(records[name], p.grad.numpy(), p.detach().numpy())


def test_repr():
    model = SmallLeNet()
    logger = GradientLogger(model, every=2)
    assert repr(logger) == ("GradientLogger(SmallLeNet, params=8, modules=0, every=2, "
                            "steps=0, attached)")
    logger.remove()
    assert repr(logger).endswith("removed)")
