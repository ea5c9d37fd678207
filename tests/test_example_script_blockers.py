"""What public PyTorch example scripts (GCN, GAT, word-level language model, vision
transformer) needed and cynn lacked, each against torch: dense-sparse arithmetic and
products, the deprecated ``add_(Number alpha, Tensor other)`` form, ``torch.hub.tqdm``."""
import warnings

import numpy as np
import pytest

import cynn

torch = pytest.importorskip("torch")

INDICES = [[0, 1, 2, 2], [1, 0, 2, 0]]


def sparse_pair(values):
    c_values = cynn.tensor(values, requires_grad=True)
    t_values = torch.tensor(values, requires_grad=True)
    return (c_values, cynn.sparse_coo_tensor(cynn.tensor(INDICES), c_values, (3, 3)),
            t_values, torch.sparse_coo_tensor(torch.tensor(INDICES), t_values, (3, 3)))


@pytest.mark.filterwarnings("ignore:Sparse invariant checks")
@pytest.mark.parametrize("op", ["dense + sparse", "dense @ sparse", "mm(sparse, dense)",
                                "mm(dense, sparse)"])
def test_dense_and_sparse_operands_give_torch_values_and_gradients(op):
    rng = np.random.default_rng(0)
    values, dense = rng.standard_normal(4), rng.standard_normal((3, 3))
    c_values, c_sparse, t_values, t_sparse = sparse_pair(values)
    c_dense = cynn.tensor(dense, requires_grad=True)
    t_dense = torch.tensor(dense, requires_grad=True)
    run = {"dense + sparse": lambda m, d, s: d + s, "dense @ sparse": lambda m, d, s: d @ s,
           "mm(sparse, dense)": lambda m, d, s: m.mm(s, d),
           "mm(dense, sparse)": lambda m, d, s: m.mm(d, s)}[op]
    ours, theirs = run(cynn, c_dense, c_sparse), run(torch, t_dense, t_sparse)
    theirs = theirs.to_dense() if theirs.is_sparse else theirs
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    weights = rng.standard_normal((3, 3))
    (ours * cynn.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(c_dense.grad.numpy(), t_dense.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(c_values.grad.numpy(), t_values.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call", ["x.add_(a, y)", "x.sub_(a, y)", "x.add(a, y)", "x.sub(a, y)",
                                  "m.add(x, a, y)", "m.sub(x, a, y)"])
def test_the_deprecated_alpha_first_form_computes_and_warns_as_torch(call):
    results = []
    for m in (cynn, torch):
        x, y = m.tensor([1.0, 2.0, 3.0]), m.tensor([0.5, -1.0, 4.0])
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            out = eval(call, {"m": m, "x": x, "y": y, "a": -2.0})
        messages = [str(w.message).split(" (Triggered internally")[0] for w in record]
        results.append((out.numpy().copy(), x.numpy().copy(), messages))
    (ours, our_x, our_messages), (theirs, their_x, their_messages) = results
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(our_x, their_x)
    name = call.split("(")[0].split(".")[-1]
    assert our_messages == [f"This overload of {name} is deprecated:\n\t{name}(Number alpha, "
                            f"Tensor other)\nConsider using one of the following signatures "
                            f"instead:\n\t{name}(Tensor other, *, Number alpha = 1)"]
    # torch warns once per process (TORCH_WARN_ONCE): compare when it did
    assert their_messages in ([], our_messages)


def test_the_deprecated_form_points_the_warning_at_the_callers_line():
    x = cynn.ones(2)
    with pytest.warns(UserWarning) as record:
        x.add_(1.0, cynn.ones(2))
    assert record[0].filename == __file__


def test_hub_has_tqdm_and_torchs_cache_directory(monkeypatch, tmp_path):
    from cynn.hub import get_dir, set_dir, tqdm
    assert list(tqdm(range(3), disable=True)) == [0, 1, 2]
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    import torch.hub
    assert get_dir() == torch.hub.get_dir() == str(tmp_path / "hub")
    set_dir(tmp_path / "elsewhere")
    try:
        assert get_dir() == str(tmp_path / "elsewhere")
    finally:
        import cynn.hub
        cynn.hub._hub_dir = None
