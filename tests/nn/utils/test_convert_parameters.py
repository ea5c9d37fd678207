"""parameters_to_vector / vector_to_parameters against torch.nn.utils."""
import numpy as np
import pytest

import cynn

torch = pytest.importorskip("torch", reason="torch is the test oracle")

SHAPES = [(2, 3), (4,), (), (1, 2, 2)]


def make_params(lib, dtypes=("float32",) * len(SHAPES)):
    rng = np.random.default_rng(0)
    return [lib.nn.Parameter(lib.tensor(rng.normal(size=s), dtype=getattr(lib, d)))
            for s, d in zip(SHAPES, dtypes, strict=True)]


def assert_same(got, expected):
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())


def assert_same_error(fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(cynn)
    # the same words; a library prefix (torch.cat, torch.Tensor) names its own library
    assert str(got.value).replace("cynn.", "") == str(expected.value).replace("torch.", "")


@pytest.mark.parametrize("dtypes", [("float32",) * 4, ("float64",) * 4,
                                    ("float32", "float64", "float32", "float32")])
def test_parameters_to_vector_matches_torch_and_is_differentiable(dtypes):
    tparams, cparams = make_params(torch, dtypes), make_params(cynn, dtypes)
    expected = torch.nn.utils.parameters_to_vector(tparams)
    got = cynn.nn.utils.parameters_to_vector(p for p in cparams)
    assert_same(got, expected)
    assert got.requires_grad
    weights = np.arange(expected.numel(), dtype=np.float64)
    (expected * torch.tensor(weights)).sum().backward()
    (got * cynn.tensor(weights)).sum().backward()
    for c, t in zip(cparams, tparams, strict=True):
        assert_same(c.grad, t.grad)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("extra", [0, 3])
def test_vector_to_parameters_matches_torch(dtype, extra):
    tparams, cparams = make_params(torch), make_params(cynn)
    values = np.linspace(-1.0, 1.0, 15 + extra)  # elements past the last parameter are unused
    tvec = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    cvec = cynn.tensor(values, dtype=getattr(cynn, dtype), requires_grad=True)
    assert torch.nn.utils.vector_to_parameters(tvec, tparams) is None
    assert cynn.nn.utils.vector_to_parameters(cvec, iter(cparams)) is None
    for c, t in zip(cparams, tparams, strict=True):
        assert_same(c, t)  # the parameter takes the vector's dtype, as in torch
        assert isinstance(c, cynn.nn.Parameter) and c.requires_grad and c.is_leaf
    # the parameters share the vector's storage, outside the graph
    cparams[1].data.fill_(7.0)
    tparams[1].data.fill_(7.0)
    assert_same(cvec, tvec)


def test_round_trip():
    model = cynn.nn.Linear(3, 2)
    vec = cynn.nn.utils.parameters_to_vector(model.parameters()).detach() * 2
    cynn.nn.utils.vector_to_parameters(vec, model.parameters())
    np.testing.assert_array_equal(cynn.nn.utils.parameters_to_vector(model.parameters())
                                  .detach().numpy(), vec.numpy())


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.utils.parameters_to_vector([]),
    lambda lib: lib.nn.utils.parameters_to_vector([lib.ones(2, 3).t()]),
    lambda lib: lib.nn.utils.parameters_to_vector([1.0]),
    lambda lib: lib.nn.utils.vector_to_parameters([1.0, 2.0], [lib.ones(2)]),
    lambda lib: lib.nn.utils.vector_to_parameters(np.ones(2), [lib.ones(2)]),
    lambda lib: lib.nn.utils.vector_to_parameters(lib.arange(2.0), [lib.ones(3)]),
    lambda lib: lib.nn.utils.vector_to_parameters(lib.arange(6.0).view(2, 3), [lib.ones(3)]),
    lambda lib: lib.nn.utils.vector_to_parameters(lib.arange(6.0), [2.0]),
], ids=["empty", "non_contiguous", "not_a_tensor", "vec_list", "vec_ndarray", "vec_too_short",
        "vec_2d", "param_not_a_tensor"])
def test_errors_match_torch(call):
    assert_same_error(call)


def test_parameters_to_vector_of_one_tensor_iterates_its_rows():
    t = torch.nn.utils.parameters_to_vector(torch.arange(6.0).view(2, 3))
    c = cynn.nn.utils.parameters_to_vector(cynn.arange(6.0).view(2, 3))
    assert_same(c, t)
