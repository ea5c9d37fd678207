"""DistributedDataParallel on 2 MPI ranks: wrapping copies rank 0's parameters and
buffers; LeNet trained on a global batch of 32 ends with the weights of one process
training on that batch; mismatched models raise on every rank; a failing rank ends the
job."""
import json
import sys

import numpy as np
import pytest
import torch

import cynn
import cynn.nn as nn
from _mpi_launch import WORKERS, run_workers
from cynn.nn.parallel import DistributedDataParallel

sys.path.insert(0, WORKERS)
import lenet_training  # noqa: E402

VARIANTS = ["plain", "buckets", "batchnorm", "no_sync", "unused", "bucket_view",
            "unused_view"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_two_ranks_train_like_one_process(tmp_path, variant):
    finished = run_workers("lenet_training.py", variant, tmp_path, timeout=240)
    assert finished.returncode == 0, finished.describe()
    # wrapping copied rank 0's parameters and buffers to rank 1
    initial = lenet_training.state_of(lenet_training.make_model(variant, seed=100))
    for r in range(2):
        wrapped = dict(np.load(tmp_path / f"wrapped{r}.npz"))
        assert set(wrapped) == set(initial)
        for name, expected in initial.items():
            np.testing.assert_array_equal(wrapped[name], expected, err_msg=f"rank {r} {name}")
    ranks = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(2)]
    reference = lenet_training.train_reference(lenet_training.reference_variant(variant))
    if variant.endswith("_view"):   # .grads before the wrap and after every step live
        for rank in ranks:          # in the buckets
            assert rank.pop("grads_adopted")
            assert rank.pop("grads_are_views").tolist() == [True] * lenet_training.STEPS
    assert set(ranks[0]) == set(reference)
    for name, expected in reference.items():
        np.testing.assert_array_equal(ranks[0][name], ranks[1][name], err_msg=name)
        if name.startswith("grad_is_none."):
            assert ranks[0][name] == expected, name
            continue
        # the ranks' float32 sums run in another order: rounding, scaled to the tensor
        scale = float(np.abs(expected).max()) if expected.size else 0.0
        np.testing.assert_allclose(ranks[0][name], expected, rtol=1e-5, atol=1e-5 * scale,
                                   err_msg=name)
    if variant.startswith("unused"):   # a layer no rank used keeps grad None, as in one process
        assert ranks[0]["grad_is_none.never_used.weight"]
        assert not ranks[0]["grad_is_none.extra.weight"]
    if variant == "buckets":
        check_buckets_started_during_backward(tmp_path)


def check_buckets_started_during_backward(tmp_path):
    for rank in range(2):
        log = json.loads((tmp_path / f"events{rank}.json").read_text())
        n_buckets, events = log["n_buckets"], log["events"]
        assert n_buckets > 2
        steps = " ".join(events).split("finalize")[:-1]
        assert len(steps) == lenet_training.STEPS
        for step in steps:
            # every bucket started from a gradient hook, in order, before backward's end
            assert step.split() == [w for i in range(n_buckets) for w in ("start", str(i))]


@pytest.mark.parametrize("variant", ["shape", "name", "count", "dtype"])
def test_mismatched_models_raise_on_every_rank(variant):
    finished = run_workers("mismatched_models.py", variant, timeout=60)
    assert finished.returncode == 0, finished.describe()
    lines = sorted(line for line in finished.stdout.splitlines() if line.startswith("RAISED"))
    assert [line.split()[1] for line in lines] == ["0", "1"], finished.describe()
    messages = {line.split(" ", 2)[2] for line in lines}
    assert len(messages) == 1, messages        # the same message on both ranks
    message = messages.pop()
    assert "on rank 0" in message and "on rank 1" in message
    expected = {"shape": "[5, 3]", "name": "'other.weight'", "count": "missing",
                "dtype": "float64"}[variant]
    assert expected in message


@pytest.mark.parametrize("where", ["collective", "backward"])
def test_a_failing_rank_ends_the_job_within_30_seconds(tmp_path, where):
    finished = run_workers("failing_rank.py", where, tmp_path, timeout=60)
    assert finished.returncode != 0
    assert finished.seconds < 30, finished.describe()
    assert "rank 1 fails" in finished.stderr
    assert not (tmp_path / "rank0-done").exists()   # rank 0 never got past its wait


def test_without_a_process_group_raises_value_error():
    with pytest.raises(ValueError, match="has not been initialized"):
        DistributedDataParallel(nn.Linear(2, 2))
