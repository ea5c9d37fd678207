"""Creation functions, the seeded generator, interop with numpy, and devices."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, dtype_name, helper_test_exception, torch_module

DETERMINISTIC = {
    "tensor_nested": lambda lib: lib.tensor([[1.5, 2], [3, 4]]),
    "zeros": lambda lib: lib.zeros(2, 3),
    "zeros_tuple": lambda lib: lib.zeros((2, 3)),
    "zeros_list_dtype": lambda lib: lib.zeros([4], dtype=lib.int64),
    "ones": lambda lib: lib.ones(3, dtype=lib.int32),
    "ones_0d": lambda lib: lib.ones(()),
    "empty_shape": lambda lib: lib.empty(2, 3).shape and lib.zeros(2, 3),
    "full_float": lambda lib: lib.full((2, 2), 1.5),
    "full_int": lambda lib: lib.full((3,), 2),
    "full_bool": lambda lib: lib.full((2,), True),
    "full_dtype": lambda lib: lib.full([2], 7, dtype=lib.float64),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2, 3, dtype=lib.int64)),
    "ones_like_dtype": lambda lib: lib.ones_like(lib.ones(2), dtype=lib.float64),
    "full_like": lambda lib: lib.full_like(lib.ones(2, 2), 3.0),
    "arange_int": lambda lib: lib.arange(5),
    "arange_start_end": lambda lib: lib.arange(2, 7),
    "arange_step": lambda lib: lib.arange(0, 10, 3),
    "arange_negative_step": lambda lib: lib.arange(10, 0, -3),
    "arange_float_step": lambda lib: lib.arange(1, 4, 0.5),
    "arange_float_end": lambda lib: lib.arange(5.0),
    "arange_float_start": lambda lib: lib.arange(0.5, 2.5),
    "arange_tenths": lambda lib: lib.arange(0, 1, 0.1),
    "arange_dtype": lambda lib: lib.arange(3, dtype=lib.float32),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "linspace_dtype": lambda lib: lib.linspace(-1, 1, 4, dtype=lib.float64),
    "eye": lambda lib: lib.eye(3),
    "eye_rect": lambda lib: lib.eye(2, 3),
    "eye_dtype": lambda lib: lib.eye(2, dtype=lib.int64),
    "cat": lambda lib: lib.cat([lib.ones(2), lib.zeros(3)]),
    "cat_promotes": lambda lib: lib.cat([lib.ones(2), lib.zeros(1, dtype=lib.float64)]),
    "cat_skips_empty_1d": lambda lib: lib.cat([lib.ones(2, 2), lib.tensor([])]),
    "stack": lambda lib: lib.stack([lib.arange(3), lib.arange(3)], 1),
    "where_nonzero": lambda lib: lib.where(lib.tensor([0, 2, 0, 3]) > 0)[0],
    "tensor_empty": lambda lib: lib.tensor([]),
    "tensor_empty_2d": lambda lib: lib.tensor([[]]),
    "scalar": lambda lib: lib.tensor(5),
    "Tensor_data": lambda lib: lib.Tensor([1, 2]),
    "Tensor_nested": lambda lib: lib.Tensor([[1.5], [2]]),
    "Tensor_sizes": lambda lib: lib.Tensor(2, 3).zero_(),
    "Tensor_empty": lambda lib: lib.Tensor(),
    "zeros_size_kw": lambda lib: lib.zeros(size=(2, 1)),
    "ones_size_kw": lambda lib: lib.ones(size=[3], dtype=lib.int32),
}


@pytest.mark.parametrize("make", list(DETERMINISTIC.values()), ids=list(DETERMINISTIC))
def test_creation_matches_torch(make):
    torch = torch_module()
    assert_same_tensor(make(cynn), make(torch))


@pytest.mark.parametrize("make, dtype, shape", [
    (lambda: cynn.rand(2, 3), "float32", (2, 3)),
    (lambda: cynn.randn((4,), dtype=cynn.float64), "float64", (4,)),
    (lambda: cynn.randint(3, (2, 5)), "int64", (2, 5)),
    (lambda: cynn.randint(-2, 3, (7,)), "int64", (7,)),
    (lambda: cynn.randint(0, 5, size=(3,), dtype=cynn.int32), "int32", (3,)),
    (lambda: cynn.randn_like(cynn.ones(2, dtype=cynn.float64)), "float64", (2,)),
    (lambda: cynn.rand_like(cynn.ones(3, 1)), "float32", (3, 1)),
    (lambda: cynn.normal(cynn.zeros(3), 1.0), "float32", (3,)),
    (lambda: cynn.normal(0.0, cynn.ones(2, 2)), "float32", (2, 2)),
    (lambda: cynn.normal(2.0, 3.0, (2, 3)), "float32", (2, 3)),
    (lambda: cynn.normal(cynn.zeros(2, 1), cynn.ones(3)), "float32", (2, 3)),
    (lambda: cynn.randperm(6), "int64", (6,)),
    (lambda: cynn.randn(size=(2, 3)), "float32", (2, 3)),
    (lambda: cynn.rand(size=[4]), "float32", (4,)),
    (lambda: cynn.randint(high=5, size=(1, 2), dtype=cynn.float32), "float32", (1, 2)),
    (lambda: cynn.randint(10, size=(3,)), "int64", (3,)),
])
def test_random_functions_shape_and_dtype(make, dtype, shape):
    t = make()
    assert dtype_name(t) == dtype and tuple(t.shape) == shape


def test_random_value_ranges_and_moments():
    u = cynn.rand(20000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.02
    n = cynn.randn(20000).numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1.0) < 0.03
    r = cynn.randint(-2, 3, (5000,)).numpy()
    assert set(np.unique(r)) == {-2, -1, 0, 1, 2}
    g = cynn.normal(cynn.full((20000,), 5.0), 2.0).numpy()
    assert abs(g.mean() - 5.0) < 0.1 and abs(g.std() - 2.0) < 0.1
    assert sorted(cynn.randperm(10).tolist()) == list(range(10))


RANDOM_CALLS = [
    lambda: cynn.rand(3),
    lambda: cynn.randn(2, 2),
    lambda: cynn.randint(0, 100, (4,)),
    lambda: cynn.randn_like(cynn.ones(3)),
    lambda: cynn.rand_like(cynn.ones(3)),
    lambda: cynn.normal(cynn.zeros(3), cynn.ones(3)),
    lambda: cynn.randperm(8),
    lambda: cynn.empty(4).normal_(),
    lambda: cynn.empty(4).uniform_(-1, 1),
    lambda: cynn.bernoulli(cynn.full((6,), 0.5)),
]


def test_manual_seed_makes_every_random_function_reproducible():
    def draw():
        return [f().numpy().copy() for f in RANDOM_CALLS]

    cynn.manual_seed(1234)
    first = draw()
    cynn.manual_seed(1234)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    cynn.manual_seed(4321)
    third = draw()
    assert any(not np.array_equal(a, b) for a, b in zip(first, third))


def test_all_random_functions_share_one_generator():
    """Drawing from one function advances the stream the others use."""
    cynn.manual_seed(7)
    after_rand = cynn.randn(4).numpy().copy()
    cynn.manual_seed(7)
    cynn.rand(3)
    after_other = cynn.randn(4).numpy().copy()
    assert not np.array_equal(after_rand, after_other)
    cynn.manual_seed(7)
    assert cynn.initial_seed() == 7
    np.testing.assert_array_equal(cynn.randn(4).numpy(), after_rand)


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    shared = cynn.from_numpy(a)
    copied = cynn.tensor(a)
    a[0, 0] = 100.0
    assert shared[0, 0].item() == 100.0
    assert copied[0, 0].item() == 0.0
    shared[1, 1] = -5.0
    assert a[1, 1] == -5.0
    assert shared.dtype is cynn.float32
    assert cynn.from_numpy(np.zeros(2, dtype=np.int32)).dtype is cynn.int32
    with pytest.raises(TypeError):
        cynn.from_numpy([1, 2])


def test_numpy_interop():
    t = cynn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(t), [[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert t[1, 0].item() == 3.0 and isinstance(t[1, 0].item(), float)
    assert isinstance(cynn.tensor([3])[0].item(), int)
    assert float(cynn.tensor(2.5)) == 2.5 and int(cynn.tensor(7)) == 7
    assert [7, 8, 9][cynn.tensor(1)] == 8
    w = cynn.ones(2, requires_grad=True)
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 1.0])
    assert (np.ones(2) + cynn.ones(2)).__class__ is cynn.Tensor  # numpy defers to Tensor


def test_size_and_shape_queries():
    torch = torch_module()
    t = cynn.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, cynn.Size)
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert repr(t.size()) == repr(torch.zeros(2, 3, 4).size()).replace("torch.", "cynn.")
    assert str(t.shape) == "cynn.Size([2, 3, 4])"
    assert t.shape[1:] == (3, 4) and isinstance(t.shape[1:], cynn.Size)
    assert t.dim() == 3 and t.ndim == 3 and t.numel() == 24 and t.shape.numel() == 24
    assert len(t) == 2
    assert cynn.zeros(()).dim() == 0 and cynn.zeros(()).numel() == 1
    assert t.is_contiguous() and not t.transpose(0, 1).is_contiguous()
    assert t.stride() == torch.zeros(2, 3, 4).stride()
    assert t.transpose(0, 2).stride() == torch.zeros(2, 3, 4).transpose(0, 2).stride()


def test_autograd_variable_is_a_tensor():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.ones(2)
        v = lib.autograd.Variable(x, requires_grad=True)
        assert v is not x and v.requires_grad and not x.requires_grad
        assert isinstance(x, lib.autograd.Variable) and isinstance(v, lib.Tensor)
        x.add_(1)
        assert v.tolist() == [2.0, 2.0]  # shares storage


def test_requires_grad_argument():
    for make in (lambda **k: cynn.zeros(2, **k), lambda **k: cynn.ones(2, **k),
                 lambda **k: cynn.randn(2, **k), lambda **k: cynn.rand(2, **k),
                 lambda **k: cynn.full((2,), 1.0, **k), lambda **k: cynn.tensor([1.0], **k),
                 lambda **k: cynn.arange(3.0, **k), lambda **k: cynn.eye(2, **k),
                 lambda **k: cynn.linspace(0, 1, 3, **k), lambda **k: cynn.empty(2, **k)):
        t = make(requires_grad=True)
        assert t.requires_grad and t.is_leaf and t.grad is None
        assert not make().requires_grad


# -- devices ---------------------------------------------------------------------------
def test_cpu_device_calls_change_nothing():
    x = cynn.ones(2, 3, device="cpu")
    assert x.device == cynn.device("cpu") and x.device.type == "cpu"
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"
    assert x.to("cpu") is x and x.cpu() is x and x.to(cynn.device("cpu")) is x
    assert x.to(device="cpu", dtype=cynn.float64).dtype is cynn.float64
    assert not x.is_cuda and not cynn.cuda.is_available()
    for make in (cynn.zeros, cynn.ones, cynn.randn, cynn.rand, cynn.empty):
        assert make(2, device="cpu").device.type == "cpu"
    assert cynn.tensor([1.0], device="cpu").device == "cpu"
    assert cynn.arange(3, device=cynn.device("cpu")).tolist() == [0, 1, 2]


@pytest.mark.parametrize("call", [
    lambda: cynn.ones(2).cuda(),
    lambda: cynn.ones(2).to("cuda"),
    lambda: cynn.ones(2).to("cuda:0"),
    lambda: cynn.ones(2).to(device="mps"),
    lambda: cynn.zeros(2, device="cuda"),
    lambda: cynn.tensor([1.0], device="cuda"),
    lambda: cynn.randn(2, device="cuda"),
    lambda: cynn.device("cuda"),
], ids=["cuda()", "to_cuda", "to_cuda0", "to_mps", "zeros_cuda", "tensor_cuda", "randn_cuda",
        "device_cuda"])
def test_other_devices_raise_a_clear_runtime_error(call):
    with pytest.raises(RuntimeError, match="CPU"):
        call()


def test_arange_errors_like_torch():
    helper_test_exception(lambda lib: lib.arange(0, 5, -1), RuntimeError,
                          match="upper bound and l", torch_match="upper bound and lower bound")
    helper_test_exception(lambda lib: lib.arange(0, 5, 0), RuntimeError, match="step must be")
