"""``use_deterministic_algorithms`` and ``set_float32_matmul_precision``: the settings,
their read-back functions and their argument checks, against PyTorch."""
import warnings

import pytest

import cynn
from helpers import torch_module

torch = torch_module()


@pytest.fixture(autouse=True)
def _restore():
    saved = [(lib, lib.are_deterministic_algorithms_enabled(),
              lib.is_deterministic_algorithms_warn_only_enabled(),
              lib.get_float32_matmul_precision()) for lib in (torch, cynn)]
    yield
    for lib, mode, warn_only, precision in saved:
        lib.use_deterministic_algorithms(mode, warn_only=warn_only)
        lib.set_float32_matmul_precision(precision)


def state(lib):
    return (lib.are_deterministic_algorithms_enabled(),
            lib.is_deterministic_algorithms_warn_only_enabled(),
            lib.get_deterministic_debug_mode())


@pytest.mark.parametrize("mode,warn_only", [(True, False), (True, True), (False, True),
                                            (False, False)])
def test_settings_read_back_as_torchs(mode, warn_only):
    for lib in (torch, cynn):
        lib.use_deterministic_algorithms(mode, warn_only=warn_only)
    assert state(cynn) == state(torch)


@pytest.mark.parametrize("debug_mode", ["default", "warn", "error", 0, 1, 2])
def test_debug_mode_as_torchs(debug_mode):
    for lib in (torch, cynn):
        lib.set_deterministic_debug_mode(debug_mode)
    assert state(cynn) == state(torch)


def raised(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("call", [
    lambda lib: lib.use_deterministic_algorithms(1),
    lambda lib: lib.use_deterministic_algorithms(None),
    lambda lib: lib.use_deterministic_algorithms(True, warn_only=1),
    lambda lib: lib.use_deterministic_algorithms(),
    lambda lib: lib.set_deterministic_debug_mode("x"),
    lambda lib: lib.set_deterministic_debug_mode(3),
    lambda lib: lib.set_deterministic_debug_mode(1.0),
    lambda lib: lib.set_float32_matmul_precision(1)])
def test_bad_arguments_raise_as_torchs(call):
    assert raised(lambda: call(cynn)) == raised(lambda: call(torch))


def test_mode_is_a_keyword_too():
    cynn.use_deterministic_algorithms(mode=True)
    assert cynn.are_deterministic_algorithms_enabled()


def test_deterministic_mode_changes_no_result():
    x = cynn.randn(64, 64)
    before = (x @ x).sum(dim=0).numpy().copy()
    cynn.use_deterministic_algorithms(True)
    assert ((x @ x).sum(dim=0).numpy() == before).all()


@pytest.mark.parametrize("precision", ["highest", "high", "medium"])
def test_precision_read_back(precision):
    cynn.set_float32_matmul_precision(precision)
    torch.set_float32_matmul_precision(precision)
    assert cynn.get_float32_matmul_precision() == torch.get_float32_matmul_precision()


@pytest.mark.parametrize("name", ["foo", "HIGH", ""])
def test_unknown_precision_warns_and_changes_nothing_as_torch(name):
    messages = []
    for lib in (torch, cynn):
        lib.set_float32_matmul_precision("medium")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.set_float32_matmul_precision(name)
        assert [w.category for w in caught] == [UserWarning]
        messages.append(str(caught[0].message))
        assert lib.get_float32_matmul_precision() == "medium"
    torch_message, cynn_message = messages
    assert torch_message.startswith(cynn_message)  # torch appends where in C++ it warned
