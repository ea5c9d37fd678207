"""cynn.nn.utils is importable as an attribute, its names and signatures are torch's,
and the packages' lazy attributes give AttributeError (so hasattr works)."""
import importlib
import inspect

import pytest

import cynn

torch = pytest.importorskip("torch", reason="torch is the test oracle")

NAMES = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
         "get_total_norm", "parameters_to_vector", "vector_to_parameters", "weight_norm",
         "remove_weight_norm"]


def test_nn_utils_is_an_attribute():
    assert hasattr(cynn.nn, "utils")
    assert cynn.nn.utils is importlib.import_module("cynn.nn.utils")
    assert "utils" in dir(cynn.nn)


@pytest.mark.parametrize("module", ["cynn", "cynn.nn", "cynn.utils", "cynn.nn.utils"])
def test_unknown_attributes_raise_attribute_error(module):
    mod = importlib.import_module(module)
    assert not hasattr(mod, "no_such_name")
    with pytest.raises(AttributeError, match=rf"module '{module}' has no attribute "
                                             r"'no_such_name'"):
        mod.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_torch(name):
    ours = inspect.signature(getattr(cynn.nn.utils, name))
    theirs = inspect.signature(getattr(torch.nn.utils, name))
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == \
        [(p.name, p.default, p.kind) for p in theirs.parameters.values()]
    assert getattr(cynn.nn.utils, name).__doc__


@pytest.mark.parametrize("module", ["clip_grad", "convert_parameters", "weight_norm"])
def test_docstring_examples_run(module):
    import doctest
    import sys
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # weight_norm's deprecation notice
        result = doctest.testmod(sys.modules[f"cynn.nn.utils.{module}"],
                                 extraglobs={"cynn": cynn})
    assert result.attempted > 0 and result.failed == 0
