"""GradientLogger's TensorBoard output, read back with TensorBoard's own EventAccumulator:
tags, steps and values equal the records, histograms count the arrays they summarise,
the update ratio is there, a writer of the user's own is shared, and a missing
tensorboardX gives an error naming the extra."""
import gc
import math
import subprocess
import sys

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.hooks import GradientLogger

GRADIENT_STATISTICS = ("norm", "mean", "std", "max_abs", "mean_abs", "zero_frac", "nan", "inf")


def tensorboard_modules():
    pytest.importorskip("tensorboardX", reason="TensorBoard output needs tensorboardX")
    return pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                               reason="reading the events back needs tensorboard")


def read_events(log_dir):
    """Every scalar and histogram event in ``log_dir``, nothing sampled away."""
    event_accumulator = tensorboard_modules()
    keep_all = {event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0}
    accumulator = event_accumulator.EventAccumulator(str(log_dir), size_guidance=keep_all)
    accumulator.Reload()
    return accumulator


def scalars(accumulator):
    """tag -> [(step, value)] of every scalar tag."""
    return {tag: [(e.step, e.value) for e in accumulator.Scalars(tag)]
            for tag in accumulator.Tags()["scalars"]}


def expected_scalars(records, global_norms):
    """tag -> [(step, value)] as the records say, under the documented tag names."""
    expected = {}
    for r in records:
        prefix = "grad_" if r["kind"] == "param" else "activation_grad_"
        fields = [(f"{prefix}{s}", r[s]) for s in GRADIENT_STATISTICS]
        if r["kind"] == "param":
            fields += [("weight_norm", r["weight_norm"]), ("update_ratio", r["update_ratio"])]
        for section, value in fields:
            if value is not None:
                expected.setdefault(f"{section}/{r['name']}", []).append((r["step"], value))
    expected["global_grad_norm"] = list(global_norms.items())
    return expected


def assert_same_scalars(written, expected):
    assert sorted(written) == sorted(expected)
    for tag, points in expected.items():
        assert [step for step, _ in written[tag]] == [step for step, _ in points], tag
        for (_, value), (_, want) in zip(written[tag], points):
            # events hold float32: compare at float32's precision
            assert value == pytest.approx(want, rel=1e-6, abs=1e-30, nan_ok=True), tag


def train(model, logger_kwargs, steps=3, lr=0.1):
    optimizer = cynn.optim.SGD(model.parameters(), lr=lr)
    with GradientLogger(model, **logger_kwargs) as logger:
        for _ in range(steps):
            optimizer.zero_grad()
            model(cynn.randn(6, 4)).pow(2).mean().backward()
            optimizer.step()
    return logger


def mlp():
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))


# ------------------------------------------------------------------ scalars
def test_scalars_have_the_documented_tags_steps_and_the_recorded_values(tmp_path):
    tensorboard_modules()
    logger = train(mlp(), dict(every=2, tensorboard=tmp_path / "run"), steps=5)
    written = scalars(read_events(tmp_path / "run"))
    assert {"grad_norm/0.weight", "grad_zero_frac/2.bias", "weight_norm/0.bias",
            "update_ratio/2.weight", "global_grad_norm"} <= set(written)
    assert len(written) == 4 * 10 + 1   # 4 parameters x 10 statistics + the global norm
    assert [step for step, _ in written["update_ratio/0.weight"]] == [0, 2, 4]
    assert all(r["update_ratio"] > 0 for r in logger.records)
    assert_same_scalars(written, expected_scalars(logger.records, logger.global_norms))


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_activation_gradients_and_missing_gradients(tmp_path):
    tensorboard_modules()

    class WithUnused(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.unused = mlp(), nn.Linear(2, 2)

        def forward(self, x):
            return self.body(x)

    model = WithUnused()
    logger = train(model, dict(modules=True, tensorboard=tmp_path / "run"), steps=2)
    written = scalars(read_events(tmp_path / "run"))
    assert "activation_grad_norm/body.1" in written
    # no gradient: only the weight norm exists
    unused = [tag for tag in written if tag.endswith("/unused.weight")]
    assert unused == ["weight_norm/unused.weight"]
    assert_same_scalars(written, expected_scalars(logger.records, logger.global_norms))


def test_nan_gradients_are_written_as_nan_with_their_counts(tmp_path):
    tensorboard_modules()
    model = nn.Linear(3, 1)
    with pytest.warns(cynn.hooks.ExplodingGradientWarning):
        with GradientLogger(model, tensorboard=tmp_path / "run", histograms=True) as logger:
            model(cynn.tensor([[1.0, np.nan, 2.0]])).sum().backward()
    written = scalars(read_events(tmp_path / "run"))
    assert written["grad_nan/weight"] == [(0, 1.0)]
    assert math.isnan(written["grad_norm/weight"][0][1])
    assert_same_scalars(written, expected_scalars(logger.records, logger.global_norms))


# ------------------------------------------------------------------ histograms
def test_histograms_count_the_gradients_and_weights_of_logged_steps(tmp_path):
    tensorboard_modules()
    model = mlp()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    seen = {}   # step -> name -> (gradient, weights before the step)
    with GradientLogger(model, every=2, tensorboard=tmp_path / "run", histograms=True):
        for step in range(3):
            optimizer.zero_grad()
            model(cynn.randn(6, 4)).pow(2).mean().backward()
            seen[step] = {name: (p.grad.numpy().astype(np.float64),
                                 p.detach().numpy().astype(np.float64))
                          for name, p in model.named_parameters()}
            optimizer.step()
    accumulator = read_events(tmp_path / "run")
    names = [name for name, _ in model.named_parameters()]
    assert sorted(accumulator.Tags()["histograms"]) == sorted(
        [f"grad/{n}" for n in names] + [f"weight/{n}" for n in names])
    for name in names:
        for kind, index in (("grad", 0), ("weight", 1)):
            events = accumulator.Histograms(f"{kind}/{name}")
            assert [e.step for e in events] == [0, 2]
            for event in events:
                values = seen[event.step][name][index].reshape(-1)
                h = event.histogram_value
                assert h.num == values.size == sum(h.bucket)
                assert h.sum == pytest.approx(values.sum(), rel=1e-6, abs=1e-9)
                assert h.sum_squares == pytest.approx(values @ values, rel=1e-6)
                assert (h.min, h.max) == pytest.approx((values.min(), values.max()), rel=1e-6)


def test_histograms_leave_out_nonfinite_values(tmp_path):
    tensorboard_modules()
    model = nn.Linear(4, 1, bias=False)
    with pytest.warns(cynn.hooks.ExplodingGradientWarning):
        with GradientLogger(model, tensorboard=tmp_path / "run", histograms=True):
            model(cynn.tensor([[1.0, np.nan, np.inf, 2.0]])).sum().backward()
    (event,) = read_events(tmp_path / "run").Histograms("grad/weight")
    assert (event.histogram_value.num, event.histogram_value.sum) == (2, 3.0)


def test_histograms_need_tensorboard():
    with pytest.raises(ValueError, match="histograms=True .* tensorboard="):
        GradientLogger(mlp(), histograms=True)


# ------------------------------------------------------------------ exporting, sharing a writer
def test_to_tensorboard_exports_the_records_so_far(tmp_path):
    tensorboard_modules()
    logger = train(mlp(), dict(every=1), steps=3)
    logger.to_tensorboard(tmp_path / "export")
    accumulator = read_events(tmp_path / "export")
    assert accumulator.Tags()["histograms"] == []
    assert_same_scalars(scalars(accumulator),
                        expected_scalars(logger.records, logger.global_norms))


def test_a_writer_of_your_own_is_shared_and_left_open(tmp_path):
    from tensorboardX import SummaryWriter
    tensorboard_modules()
    writer = SummaryWriter(logdir=str(tmp_path / "run"))
    model = mlp()
    optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    with GradientLogger(model, tensorboard=writer) as logger:
        for step in range(2):
            optimizer.zero_grad()
            loss = model(cynn.randn(6, 4)).pow(2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            writer.add_scalar("loss", losses[-1], step)
    writer.add_scalar("after_remove", 1.0, 2)   # remove() flushed the writer, did not close it
    writer.close()
    written = scalars(read_events(tmp_path / "run"))
    assert written.pop("after_remove") == [(2, 1.0)]
    assert [value for _, value in written.pop("loss")] == pytest.approx(losses, rel=1e-6)
    assert_same_scalars(written, expected_scalars(logger.records, logger.global_norms))


def test_flush_writes_the_closed_steps_to_disk(tmp_path):
    tensorboard_modules()
    model = mlp()
    logger = GradientLogger(model, tensorboard=tmp_path / "run")
    model(cynn.randn(2, 4)).sum().backward()
    logger.flush()
    written = scalars(read_events(tmp_path / "run"))
    assert written["global_grad_norm"] == [(0, pytest.approx(logger.global_norms[0], rel=1e-6))]
    assert "update_ratio/0.weight" not in written   # no optimizer step measured yet
    logger.remove()   # measures the ratio (no optimizer step: 0) into a second event file
    assert len(list((tmp_path / "run").iterdir())) == 2
    written = scalars(read_events(tmp_path / "run"))
    assert written["update_ratio/0.weight"] == [(0, 0.0)]
    assert_same_scalars(written, expected_scalars(logger.records, logger.global_norms))


# ------------------------------------------------------------------ without tensorboardX
def test_without_tensorboardx_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)   # import tensorboardX fails
    model = mlp()
    with pytest.raises(ModuleNotFoundError, match=r'pip install "cynn-nn\[tensorboard\]"'):
        GradientLogger(model, tensorboard=tmp_path / "run")
    logger = GradientLogger(model)   # the failed attempt left no hooks behind
    model(cynn.randn(2, 4)).sum().backward()
    with pytest.raises(ModuleNotFoundError, match=r"to_tensorboard\(\) needs tensorboardX"):
        logger.to_tensorboard(tmp_path / "export")
    assert logger.step_count == 1 and not (tmp_path / "run").exists()


def test_importing_cynn_hooks_does_not_import_tensorboardx():
    code = ("import sys, cynn, cynn.hooks; from cynn.hooks import GradientLogger; "
            "print('tensorboardX' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"



def test_a_logger_never_removed_flushes_its_writer_when_collected():
    class RecordingWriter:
        """Anything with add_scalar/add_histogram/flush is a writer."""

        def __init__(self):
            self.scalars, self.flushes = [], 0

        def add_scalar(self, tag, value, step):
            self.scalars.append((tag, step))

        def add_histogram(self, tag, values, step):
            raise AssertionError("histograms were not asked for")

        def flush(self):
            self.flushes += 1

    writer = RecordingWriter()
    model = nn.Linear(3, 2)
    logger = GradientLogger(model, tensorboard=writer)
    model(cynn.randn(4, 3)).sum().backward()
    logger.flush()
    assert ("global_grad_norm", 0) in writer.scalars and writer.flushes == 1
    del logger, model
    gc.collect()
    assert writer.flushes == 2
