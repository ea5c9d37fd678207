"""Fixtures shared by the nn tests: one small model family written against both
cynn and torch (so that names, reprs, state dicts and gradients can be compared
side by side), and a helper that checks both libraries raise the same error."""
import types

import numpy as np
import pytest

import cynn


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="torch is the test oracle")


def build_models(lib):
    """The same module classes for ``lib`` (``cynn`` or ``torch``).

    Only Module, Parameter and the containers are used, so that the tests do not
    depend on the layer library.
    """
    nn = lib.nn

    class Affine(nn.Module):
        def __init__(self, in_features, out_features, bias=True):
            super().__init__()
            self.in_features, self.out_features = in_features, out_features
            self.weight = nn.Parameter(lib.zeros(out_features, in_features))
            if bias:
                self.bias = nn.Parameter(lib.zeros(out_features))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.t()
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return (f"in_features={self.in_features}, out_features={self.out_features}, "
                    f"bias={self.bias is not None}")

    class Tanh(nn.Module):
        def forward(self, x):
            return x.tanh()

    class Scale(nn.Module):
        """A parameter, a persistent and a non-persistent buffer, a multi-line extra_repr."""

        def __init__(self, n):
            super().__init__()
            self.gain = nn.Parameter(lib.ones(n))
            self.register_buffer("running", lib.zeros(n))
            self.register_buffer("scratch", lib.zeros(n), persistent=False)

        def forward(self, x):
            return x * self.gain

        def extra_repr(self):
            return f"n={self.gain.shape[0]}\nkind=scale"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(Affine(4, 5), Tanh(), Affine(5, 3))
            self.norm = Scale(3)
            self.heads = nn.ModuleList([Affine(3, 2), Affine(3, 2, bias=False)])
            self.extra = nn.ModuleDict({"b": Tanh(), "a": Affine(3, 3)})
            self.shared = self.features[0]     # reachable under two names
            self.temperature = nn.Parameter(lib.ones(()))

        def forward(self, x):
            h = self.norm(self.features(x))
            h = self.extra["b"](self.extra["a"](h))
            return (self.heads[0](h) + self.heads[1](h)) * self.temperature

    return types.SimpleNamespace(Affine=Affine, Tanh=Tanh, Scale=Scale, Net=Net)


@pytest.fixture
def cynn_models():
    return build_models(cynn)


@pytest.fixture
def torch_models(torch):
    return build_models(torch)


def _randomize(model, seed):
    """Give every parameter and buffer of a cynn model distinct values."""
    rng = np.random.default_rng(seed)
    for _, t in model.state_dict(keep_vars=True).items():
        t._data[...] = rng.standard_normal(t._data.shape) * 0.5


def _copy_into_torch(cynn_model, torch_model):
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        for name, t in torch_model.state_dict(keep_vars=True).items():
            t.copy_(torch.from_numpy(cynn_model.state_dict()[name]._data.copy()))


@pytest.fixture
def model_pair(cynn_models, torch_models):
    """A randomly initialised cynn ``Net`` and a torch ``Net`` with the same values."""
    c, t = cynn_models.Net(), torch_models.Net()
    _randomize(c, 0)
    _copy_into_torch(c, t)
    return c, t


def _torch_message_for_cynn(message):
    return message.replace("torch", "cynn")


def assert_same_error(run_cynn, run_torch):
    """Both callables raise the same exception type with the same message (``torch``
    read as ``cynn``); returns the cynn exception."""
    with pytest.raises(Exception) as torch_info:
        run_torch()
    with pytest.raises(Exception) as cynn_info:
        run_cynn()
    assert type(cynn_info.value) is type(torch_info.value), (cynn_info.value, torch_info.value)
    assert str(cynn_info.value) == _torch_message_for_cynn(str(torch_info.value))
    return cynn_info.value


@pytest.fixture
def same_error():
    return assert_same_error
