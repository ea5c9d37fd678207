"""torch.serialization's smaller public names: checkpoint inspection and loader switches."""
import argparse
import io
import mmap

import pytest

import cynn
from helpers import torch_module

torch = torch_module()


def test_get_unsafe_globals_matches_torch_for_foreign_classes():
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2), "args": argparse.Namespace(lr=0.1),
                "layer": torch.nn.Linear(2, 2)}, buf)
    buf.seek(0)
    got = cynn.serialization.get_unsafe_globals_in_checkpoint(buf)
    buf.seek(0)
    want = torch.serialization.get_unsafe_globals_in_checkpoint(buf)
    assert "argparse.Namespace" in got
    assert set(want) <= set(got)
    with cynn.serialization.safe_globals([argparse.Namespace]):
        buf.seek(0)
        assert "argparse.Namespace" not in cynn.serialization.get_unsafe_globals_in_checkpoint(buf)


def test_loader_switches():
    S = cynn.serialization
    assert S.get_default_load_endianness() is None
    S.set_default_load_endianness(S.LoadEndianness.LITTLE)
    assert S.get_default_load_endianness() is S.LoadEndianness.LITTLE
    S.set_default_load_endianness(None)
    with pytest.raises(TypeError):
        S.set_default_load_endianness("little")
    assert S.get_crc32_options() is True
    S.set_default_mmap_options(mmap.MAP_SHARED)
    assert S.get_default_mmap_options() == mmap.MAP_SHARED
    with pytest.raises(ValueError):
        S.set_default_mmap_options(12345)
    assert S.check_module_version_greater_or_equal(cynn, (0, 1))
    assert not S.check_module_version_greater_or_equal(cynn, (99, 0))
    assert S.location_tag(None) == "cpu"
    with pytest.raises(RuntimeError, match="CUDA device"):
        S.validate_cuda_device("cuda:0")
