"""``cynn.accelerator`` answers every public function of ``torch.accelerator`` as CPU-only
PyTorch 2.13 does: same return value, or the same exception type and message."""
import collections

import pytest

import cynn
from helpers import torch_module

torch = torch_module()


def outcome(call):
    """What ``call()`` did: ("returned", value) or ("raised", type, message)."""
    try:
        value = call()
    except Exception as error:  # noqa: BLE001 -- the exception is what is compared
        return "raised", type(error), str(error)
    if isinstance(value, collections.OrderedDict):
        value = dict(value)
    return "returned", value


def test_the_public_names_are_torchs():
    assert set(torch.accelerator.__all__) <= set(cynn.accelerator.__all__)
    for name in torch.accelerator.__all__:
        assert callable(getattr(cynn.accelerator, name)), name


CALLS = [("is_available", ()), ("current_accelerator", ()), ("current_accelerator", (True,)),
         ("device_count", ()), ("current_device_idx", ()), ("current_device_index", ()),
         ("set_device_idx", (0,)), ("set_device_index", (0,)), ("current_stream", ()),
         ("synchronize", ()), ("get_device_capability", ()), ("empty_cache", ()),
         ("empty_host_cache", ()), ("get_memory_info", ()), ("memory_stats", ()),
         ("memory_allocated", ()), ("max_memory_allocated", ()), ("memory_reserved", ()),
         ("max_memory_reserved", ()), ("reset_accumulated_memory_stats", ()),
         ("reset_peak_memory_stats", ()), ("Graph", ())]


@pytest.mark.filterwarnings("ignore:Use `:FutureWarning")
@pytest.mark.parametrize("name,args", CALLS, ids=[f"{n}{a}" for n, a in CALLS])
def test_call_behaves_as_cpu_only_torch(name, args):
    expected = outcome(lambda: getattr(torch.accelerator, name)(*args))
    assert outcome(lambda: getattr(cynn.accelerator, name)(*args)) == expected


def test_set_stream_rejects_what_is_not_a_stream():
    with pytest.raises(TypeError):
        torch.accelerator.set_stream(None)
    with pytest.raises(TypeError, match="stream"):
        cynn.accelerator.set_stream(None)


@pytest.mark.parametrize("index", [None, 0, 1])
def test_device_index_context(index):
    def enter(lib):
        with lib.accelerator.device_index(index):
            return "entered"
    assert outcome(lambda: enter(cynn)) == outcome(lambda: enter(torch))


def test_the_usual_device_choice_falls_back_to_the_cpu():
    device = cynn.accelerator.current_accelerator() or cynn.device("cpu")
    assert cynn.zeros(2, device=device).device == cynn.device("cpu")


@pytest.mark.parametrize("old,new", [("current_device_idx", "current_device_index"),
                                     ("set_device_idx", "set_device_index")])
def test_old_names_warn_as_torchs_do(old, new):
    args = (0,) if old.startswith("set") else ()
    for lib in (torch, cynn):
        with pytest.warns(FutureWarning, match=f"Use `{new}` instead"), \
                pytest.raises(RuntimeError, match="none is available"):
            getattr(lib.accelerator, old)(*args)
