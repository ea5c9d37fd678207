"""Parity helpers: run the same computation in cynn and in PyTorch (the oracle) and
compare shapes, dtypes, values and every input gradient; check that both raise the
same exception; float64 finite-difference gradient checks.

Typical use (one line per op, as in tinygrad's ``test_ops.py``)::

    from helpers import helper_test_op, helper_test_exception, check_gradcheck

    helper_test_op([(3, 4), (4,)], lambda x, y: x * y)                 # methods/operators
    helper_test_op([(3, 4)], torch.exp, cynn.exp)                      # module functions
    helper_test_exception(lambda lib: lib.zeros(2, 3) @ lib.zeros(2, 3), RuntimeError,
                          match="cannot be multiplied")
    check_gradcheck(lambda x: x.tanh(), [(3, 4)])

Inputs are drawn from one numpy generator seeded per call, so a failure reproduces.
Torch is imported lazily: modules that only use ``check_gradcheck`` run without it.
"""
import numpy as np
import pytest

import cynn

FLOAT32_TOL = {"rtol": 1e-4, "atol": 1e-5}
FLOAT64_TOL = {"rtol": 1e-7, "atol": 1e-9}


def torch_module():
    """PyTorch, or skip the calling test when it is not installed."""
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle for this test")


def torch_dtype(name):
    """The torch dtype named like a numpy/cynn dtype (``"float32"`` -> ``torch.float32``)."""
    return getattr(torch_module(), str(name).replace("torch.", "").replace("cynn.", ""))


def dtype_name(t):
    """``"float32"`` for a cynn tensor, a torch tensor or a numpy array alike."""
    return str(t.dtype).replace("torch.", "").replace("cynn.", "")


def to_numpy(t):
    """The values of a cynn or torch tensor (or anything array-like) as numpy."""
    if isinstance(t, cynn.Tensor):
        return np.array(t.detach().numpy(), copy=True)
    if hasattr(t, "detach") and hasattr(t, "numpy"):
        return t.detach().cpu().numpy().copy()
    return np.asarray(t)


def tolerance(dtype):
    return FLOAT64_TOL if str(dtype).endswith("float64") else FLOAT32_TOL


def assert_same_tensor(got, expected, *, rtol=None, atol=None, what="value"):
    """``got`` (cynn) matches ``expected`` (torch) in shape, dtype and values (NaNs equal)."""
    assert isinstance(got, cynn.Tensor), f"{what}: expected a cynn.Tensor, got {type(got)}"
    assert tuple(got.shape) == tuple(expected.shape), \
        f"{what}: shape {tuple(got.shape)} != torch's {tuple(expected.shape)}"
    assert dtype_name(got) == dtype_name(expected), \
        f"{what}: dtype {dtype_name(got)} != torch's {dtype_name(expected)}"
    tol = tolerance(dtype_name(expected))
    a, b = to_numpy(got), to_numpy(expected)
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, rtol=tol["rtol"] if rtol is None else rtol,
                                   atol=tol["atol"] if atol is None else atol,
                                   equal_nan=True, err_msg=what)


def _flat_outputs(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def random_inputs(shapes, dtype="float32", low=-2.0, high=2.0, seed=0):
    """One numpy array per shape: uniform floats, or integers in [low, high) for int dtypes."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        if np.dtype(dtype).kind in "iu":
            arrays.append(rng.integers(int(low), int(high), size=shape).astype(dtype))
        elif np.dtype(dtype) == np.bool_:
            arrays.append(rng.random(size=shape) < 0.5)
        else:
            arrays.append(rng.uniform(low, high, size=shape).astype(dtype))
    return arrays


def helper_test_op(shapes, torch_fn, cynn_fn=None, *, inputs=None, dtype="float32",
                   low=-2.0, high=2.0, grad=True, rtol=None, atol=None, grad_rtol=None,
                   grad_atol=None, check_grad_fn=True, seed=0):
    """Run ``torch_fn`` and ``cynn_fn`` (default: ``torch_fn``, for operator/method lambdas)
    on identical random inputs and compare every output (shape, dtype, values), the
    grad_fn name of every output, and -- with ``grad`` -- the gradient of every
    floating-point input for a random upstream gradient.

    ``inputs`` (numpy arrays) replaces the random ``shapes``; ``check_grad_fn=False``
    skips the grad_fn-name comparison (say why at the call). Returns the cynn outputs.
    """
    torch = torch_module()
    cynn_fn = torch_fn if cynn_fn is None else cynn_fn
    arrays = random_inputs(shapes, dtype, low, high, seed) if inputs is None else \
        [np.asarray(a) for a in inputs]
    wants_grad = [grad and a.dtype.kind == "f" for a in arrays]
    t_in = [torch.tensor(a, requires_grad=w) for a, w in zip(arrays, wants_grad)]
    c_in = [cynn.tensor(a, requires_grad=w) for a, w in zip(arrays, wants_grad)]

    t_out = _flat_outputs(torch_fn(*t_in))
    c_out = _flat_outputs(cynn_fn(*c_in))
    assert len(c_out) == len(t_out), f"{len(c_out)} outputs, torch gives {len(t_out)}"
    for i, (c, t) in enumerate(zip(c_out, t_out)):
        assert_same_tensor(c, t, rtol=rtol, atol=atol, what=f"output {i}")
        assert c.requires_grad == t.requires_grad, \
            f"output {i}: requires_grad {c.requires_grad}, torch {t.requires_grad}"
        if check_grad_fn and t.grad_fn is not None:
            assert c.grad_fn is not None, f"output {i}: no grad_fn, torch has {t.grad_fn.name()}"
            assert c.grad_fn.name() == t.grad_fn.name(), \
                f"output {i}: grad_fn {c.grad_fn.name()}, torch {t.grad_fn.name()}"

    if not grad or not any(wants_grad):
        return c_out
    rng = np.random.default_rng(seed + 1)
    t_roots, t_grads, c_roots, c_grads = [], [], [], []
    for c, t in zip(c_out, t_out):
        if t.requires_grad:
            upstream = rng.standard_normal(tuple(t.shape)).astype(dtype_name(t))
            t_roots.append(t)
            t_grads.append(torch.tensor(upstream))
            c_roots.append(c)
            c_grads.append(cynn.tensor(upstream))
    if not t_roots:
        return c_out
    torch.autograd.backward(t_roots, t_grads)
    cynn.autograd.backward(c_roots, c_grads)
    for i, (c, t) in enumerate(zip(c_in, t_in)):
        if t.grad is None:
            assert c.grad is None, f"input {i}: torch gives no gradient, cynn gives {c.grad}"
            continue
        assert c.grad is not None, f"input {i}: no gradient, torch has one"
        assert_same_tensor(c.grad, t.grad, what=f"gradient of input {i}",
                           rtol=grad_rtol if grad_rtol is not None else rtol,
                           atol=grad_atol if grad_atol is not None else atol)
    return c_out


def helper_test_exception(fn, exception=None, *, match=None, torch_match=None):
    """``fn(lib)`` raises the same exception type with ``lib`` = torch and ``lib`` = cynn.

    ``exception`` (optional) pins the type; ``match`` is a message fragment (regex)
    cynn's message must contain -- and torch's too unless ``torch_match`` says otherwise
    (pass ``torch_match=False`` to skip checking torch's message).
    """
    torch = torch_module()
    with pytest.raises(Exception) as torch_info:
        fn(torch)
    expected = type(torch_info.value) if exception is None else exception
    assert isinstance(torch_info.value, expected), \
        f"torch raised {type(torch_info.value).__name__}, test expects {expected.__name__}"
    # torch raises subclasses like torch.AcceleratorError only on devices; on the CPU the
    # exception types are builtins, which cynn must raise exactly (or a subclass of).
    builtin = next(k for k in type(torch_info.value).__mro__ if k.__module__ == "builtins")
    with pytest.raises(builtin, match=match) as cynn_info:
        fn(cynn)
    if match is not None and torch_match is not False:
        import re
        assert re.search(torch_match or match, str(torch_info.value)), \
            f"torch's message no longer contains {torch_match or match!r}: {torch_info.value}"
    return cynn_info.value


def check_gradcheck(fn, shapes, *, inputs=None, low=-2.0, high=2.0, seed=0, **kwargs):
    """float64 ``cynn.autograd.gradcheck`` of ``fn`` over random inputs of ``shapes``."""
    arrays = random_inputs(shapes, "float64", low, high, seed) if inputs is None else \
        [np.asarray(a, dtype=np.float64) for a in inputs]
    tensors = [cynn.tensor(a, requires_grad=True) for a in arrays]
    assert cynn.autograd.gradcheck(fn, tensors, **kwargs)


def lenet(lib, classes=10):
    """The seed tutorials' LeNet (3x32x32 inputs) built from ``lib`` (``cynn`` or ``torch``),
    for tests where the model is the workload, not the thing under test; the seed tests
    keep their own copy, which is the tutorial code being checked."""
    nn, F = lib.nn, lib.nn.functional

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, classes)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(x.size(0), -1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
    return LeNet()
