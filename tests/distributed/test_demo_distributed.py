"""``mpiexec -n 2 python -m mpi4py -m cynn.demo --distributed`` for two epochs: both
ranks train, rank 0 alone prints one progress line per epoch and writes the figures,
the gradient records (one per averaged step, not one per rank) and the checkpoint."""
import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the demo's data set ships with scikit-learn")
pytest.importorskip("matplotlib", reason="the demo writes matplotlib figures")
pytest.importorskip("tqdm", reason="the demo's progress bar is tqdm's")

import cynn  # noqa: E402
from _mpi_launch import run_workers  # noqa: E402
from cynn import demo  # noqa: E402
from cynn.hooks import read_jsonl  # noqa: E402

EPOCHS = 2
# 1,258 training images, 629 per rank in batches of 16
STEPS_PER_EPOCH = 40
LOG_EVERY = 5


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-distributed")
    finished = run_workers("demo_module.py", "--distributed", "--epochs", EPOCHS,
                           "--out", out, timeout=300)
    return finished, out


def test_the_job_exits_0_and_reports_its_accuracy_once(two_rank_run):
    finished, _ = two_rank_run
    assert finished.returncode == 0, finished.describe()
    lines = finished.stdout.splitlines()
    assert sum(line.startswith("cynn ") and " demo: " in line for line in lines) == 1
    assert "2 processes x 1 thread, batch 16 each" in finished.stdout
    (result,) = [line for line in lines if line.startswith("test accuracy ")]
    assert "target applies to the default 30 epochs" in result


def test_only_rank_0_shows_progress_one_line_per_epoch(two_rank_run):
    finished, _ = two_rank_run
    assert "\r" not in finished.stdout           # mpiexec forwards a pipe, not a terminal
    epoch_lines = [line for line in finished.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epoch_lines] == ["epoch 1/2", "epoch 2/2"]
    for line in epoch_lines:
        assert f" {STEPS_PER_EPOCH}/{STEPS_PER_EPOCH} [" in line and "val acc" in line


def test_rank_0_writes_the_figures_the_records_and_the_checkpoint(two_rank_run):
    finished, out = two_rank_run
    assert finished.returncode == 0, finished.describe()
    for name in ("training_curves.png", "gradient_flow.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert finished.stdout.count(f"wrote {out / name}") == 1
    records = read_jsonl(out / "gradients.jsonl")
    # one logger step per averaged training step: a logger on every rank, or one that
    # also saw the local gradients, would log other steps
    logged = range(0, EPOCHS * STEPS_PER_EPOCH, LOG_EVERY)
    assert sorted({r["step"] for r in records}) == list(logged)
    assert len(records) == len(logged) * 10
    assert all(r["has_grad"] for r in records)
    model = demo.LeNet()
    model.load_state_dict(cynn.load(out / demo.CHECKPOINT_NAME))
    assert np.isfinite(model(cynn.zeros(2, 1, 16, 16)).detach().numpy()).all()
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "training_curves.png", "gradient_flow.png", "gradients.jsonl", demo.CHECKPOINT_NAME])
