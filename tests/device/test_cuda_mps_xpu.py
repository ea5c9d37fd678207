"""``cynn.cuda``, ``cynn.mps`` and ``cynn.xpu`` answer as those modules of CPU-only
PyTorch 2.13 do: same return value, or the same exception type and message."""
import collections

import pytest

import cynn
from helpers import torch_module

torch = torch_module()

# Where CPU-only torch fails by accident, reaching a missing torch._C binding
# (AttributeError), cynn raises the AssertionError of the module's other device functions.
TORCH_ACCIDENTS = {("cuda", "reset_peak_memory_stats"), ("cuda", "reset_max_memory_allocated"),
                   ("cuda", "set_device", (0,))}


def outcome(call):
    try:
        value = call()
    except Exception as error:  # noqa: BLE001 -- the exception is what is compared
        return "raised", type(error), str(error)
    if isinstance(value, collections.OrderedDict):
        value = dict(value)
    return "returned", value


def same_as_torch(module, name, args=()):
    expected = outcome(lambda: getattr(getattr(torch, module), name)(*args))
    assert outcome(lambda: getattr(getattr(cynn, module), name)(*args)) == expected


CUDA_CALLS = [
    ("is_available", ()), ("device_count", ()), ("is_initialized", ()), ("init", ()),
    ("manual_seed", (1,)), ("manual_seed_all", (1,)), ("manual_seed", (1.5,)),
    ("manual_seed", ("a",)), ("seed", ()), ("seed_all", ()), ("initial_seed", ()),
    ("get_rng_state", ()), ("get_rng_state_all", ()), ("set_rng_state_all", ([],)),
    ("current_device", ()), ("set_device", (-1,)), ("set_device", ("cpu",)),
    ("synchronize", ()), ("get_device_name", ()), ("get_device_name", (0,)),
    ("get_device_capability", ()), ("get_device_properties", (0,)),
    ("can_device_access_peer", (0, 1)), ("current_stream", ()), ("default_stream", ()),
    ("is_bf16_supported", ()), ("is_tf32_supported", ()), ("get_arch_list", ()),
    ("get_gencode_flags", ()), ("empty_cache", ()), ("ipc_collect", ()), ("mem_get_info", ()),
    ("set_per_process_memory_fraction", (0.5,)), ("memory_stats", ()),
    ("memory_allocated", ()), ("memory_allocated", (0,)), ("max_memory_allocated", ()),
    ("memory_reserved", ()), ("max_memory_reserved", ())]


@pytest.mark.parametrize("name,args", CUDA_CALLS, ids=[f"{n}{a}" for n, a in CUDA_CALLS])
def test_cuda_call(name, args):
    same_as_torch("cuda", name, args)


@pytest.mark.parametrize("name,args", [("reset_peak_memory_stats", ()),
                                       ("reset_max_memory_allocated", ()),
                                       ("set_device", (0,)), ("set_device", ("cuda:0",))])
@pytest.mark.filterwarnings("ignore:torch.cuda.reset_max_memory_allocated:FutureWarning")
def test_cuda_calls_where_torch_fails_by_accident(name, args):
    with pytest.raises(AttributeError, match="torch._C"):
        getattr(torch.cuda, name)(*args)
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        getattr(cynn.cuda, name)(*args)


def test_reset_max_memory_allocated_warns_as_torchs_does():
    for lib in (torch, cynn):
        with pytest.warns(FutureWarning, match="resets /all/ peak memory stats"), \
                pytest.raises(Exception):
            lib.cuda.reset_max_memory_allocated()


# device(None) is left out: CPU-only torch fails comparing None with 0 on entry
@pytest.mark.parametrize("index", [-1, 0, "cuda:0"])
def test_cuda_device_context(index):
    def enter(lib):
        with lib.cuda.device(index):
            return "entered"
    assert outcome(lambda: enter(cynn)) == outcome(lambda: enter(torch))


def test_cuda_stream_none_context():
    for lib in (torch, cynn):
        with lib.cuda.stream(None):
            pass


def test_cuda_is_a_module_with_torchs_public_functions():
    import types
    assert isinstance(cynn.cuda, types.ModuleType)
    for name in cynn.cuda.__all__:
        assert hasattr(torch.cuda, name), f"cynn.cuda.{name} is not in torch.cuda"


MPS_CALLS = [("is_available", ()), ("device_count", ()), ("manual_seed", (1,)), ("seed", ()),
             ("synchronize", ()), ("empty_cache", ()), ("get_rng_state", ()),
             ("current_allocated_memory", ()), ("driver_allocated_memory", ()),
             ("recommended_max_memory", ()), ("set_per_process_memory_fraction", (0.5,))]


@pytest.mark.parametrize("name,args", MPS_CALLS, ids=[f"{n}{a}" for n, a in MPS_CALLS])
def test_mps_call(name, args):
    same_as_torch("mps", name, args)


def test_mps_set_rng_state():
    same_as_torch("mps", "set_rng_state", (torch.zeros(3, dtype=torch.uint8),))


XPU_CALLS = [
    ("is_available", ()), ("device_count", ()), ("is_initialized", ()), ("init", ()),
    ("manual_seed", (1,)), ("manual_seed_all", (2,)), ("seed", ()), ("seed_all", ()),
    ("initial_seed", ()), ("get_rng_state", ()), ("get_rng_state_all", ()),
    ("current_device", ()), ("set_device", (0,)), ("set_device", (-1,)), ("synchronize", ()),
    ("get_device_name", ()), ("get_device_capability", ()), ("get_device_properties", ()),
    ("can_device_access_peer", (0, 1)), ("current_stream", ()), ("is_bf16_supported", ()),
    ("is_tf32_supported", ()), ("get_arch_list", ()), ("get_gencode_flags", ()),
    ("empty_cache", ()), ("mem_get_info", ()), ("set_per_process_memory_fraction", (0.5,)),
    ("memory_stats", ()), ("memory_allocated", ()), ("max_memory_allocated", ()),
    ("memory_reserved", ()), ("max_memory_reserved", ())]


@pytest.mark.parametrize("name,args", XPU_CALLS, ids=[f"{n}{a}" for n, a in XPU_CALLS])
def test_xpu_call(name, args):
    same_as_torch("xpu", name, args)


@pytest.mark.parametrize("index", [-1, 0])
def test_xpu_device_context(index):
    def enter(lib):
        with lib.xpu.device(index):
            return "entered"
    assert outcome(lambda: enter(cynn)) == outcome(lambda: enter(torch))


def test_typical_device_selection_runs():
    device = ("cuda" if cynn.cuda.is_available() else
              "mps" if cynn.backends.mps.is_available() else "cpu")
    cynn.cuda.manual_seed_all(0)
    assert cynn.ones(2).to(device).device.type == "cpu"
