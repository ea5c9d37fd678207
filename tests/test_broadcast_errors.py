"""One broadcasting rule and one message (cynn/_broadcast.py) for every op that checks
shapes before computing: the rightmost mismatching dimension, as torch names it."""
import pytest

import cynn
import cynn.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = pytest.mark.filterwarnings("ignore:Using a target size")

SHAPES = [((2, 3), (4, 5)), ((2, 3, 4), (5, 3, 6)), ((7, 1, 3), (2, 4)), ((3,), (2, 4))]
OPS = {
    "add": lambda m, a, b: m.add(a, b),
    "mse_loss": lambda m, a, b: (F if m is cynn else TF).mse_loss(a, b),
    "l1_loss": lambda m, a, b: (F if m is cynn else TF).l1_loss(a, b),
    "cosine_similarity": lambda m, a, b: (F if m is cynn else TF).cosine_similarity(a, b, dim=-1),
}


def error(module, op, shapes):
    with pytest.raises(RuntimeError) as info:
        OPS[op](module, *(module.ones(*s) for s in shapes))
    return str(info.value)


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("op", OPS)
def test_broadcast_error_names_the_dimension_torch_names(op, shapes):
    ours, theirs = error(cynn, op, shapes), error(torch, op, shapes)
    assert "must match the size of tensor b" in ours
    # torch's loss warnings and prefixes vary; the sizes and the dimension must agree
    assert ours.split("The size of tensor a")[1] == theirs.split("The size of tensor a")[1]
