"""cynn.save / cynn.load: the safetensors layout, interop, atomic writes, hostile files."""
import json
import math
import os
import pathlib
import pickle
import struct

import numpy as np
import pytest

import cynn
from cynn import serialization
from cynn.serialization import SerializationError

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
          "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
SHAPES = [(), (0,), (3, 0, 2), (5,), (2, 3), (2, 1, 4, 3)]


def _random_array(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        values = rng.standard_normal(shape) * 100
    elif np.dtype(dtype).kind == "b":
        values = rng.random(shape) < 0.5
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return np.asarray(values, dtype=dtype)  # 0-d draws come back as numpy scalars


def _as_numpy(obj):
    """The saved object with every Tensor replaced by its array, for deep comparison."""
    if isinstance(obj, cynn.Tensor):
        return obj.numpy()
    if isinstance(obj, dict):
        return {key: _as_numpy(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_as_numpy(value) for value in obj)
    return obj


def _assert_same(actual, expected):
    """Deep equality: same types, keys in order, arrays with equal dtype, shape and bits."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray)
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        assert actual.tobytes() == np.ascontiguousarray(expected).tobytes()
    elif isinstance(expected, dict):
        assert type(actual) is dict and list(actual) == list(expected)
        for key in expected:
            _assert_same(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            _assert_same(a, e)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual)
    else:
        assert type(actual) is type(expected) and actual == expected


# ---------------------------------------------------------------------- round trips

@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("code", DTYPES)
def test_tensor_round_trip_keeps_dtype_shape_and_bits(code, shape, tmp_path):
    array = _random_array(DTYPES[code], shape)
    path = tmp_path / "t.safetensors"
    cynn.save(cynn.from_numpy(array), path)
    loaded = cynn.load(path)
    assert isinstance(loaded, cynn.Tensor)
    _assert_same(loaded.numpy(), array)
    header = json.loads(path.read_bytes()[8:8 + struct.unpack("<Q", path.read_bytes()[:8])[0]])
    assert header["tensor"]["dtype"] == code and header["tensor"]["shape"] == list(shape)


@pytest.mark.parametrize("make", [
    lambda a: a.T,                                 # not C-contiguous
    lambda a: a[::2, 1:],                          # strided view
    lambda a: a.astype(a.dtype.newbyteorder(">")),  # big-endian input
], ids=["transposed", "strided", "big_endian"])
def test_arrays_are_stored_c_order_little_endian(make, tmp_path):
    source = make(_random_array(np.float64, (4, 3)))
    cynn.save({"w": source}, tmp_path / "a.safetensors")
    loaded = cynn.load(tmp_path / "a.safetensors")["w"].numpy()
    assert loaded.dtype == np.dtype("<f8") and np.array_equal(loaded, source)
    raw = (tmp_path / "a.safetensors").read_bytes()
    assert raw.endswith(np.ascontiguousarray(source, dtype="<f8").tobytes())


def test_flat_state_dict_keeps_names_and_order(tmp_path):
    state = {"layer1.0.conv.weight": _random_array(np.float32, (4, 2, 3, 3)),
             "layer1.0.bn.num_batches_tracked": np.array(7, dtype=np.int64),
             "a": _random_array(np.float32, (2,)), "ünï cödé": np.zeros(1, np.bool_)}
    cynn.save({k: cynn.from_numpy(v) for k, v in state.items()}, tmp_path / "sd")
    loaded = cynn.load(tmp_path / "sd")
    assert all(isinstance(value, cynn.Tensor) for value in loaded.values())
    _assert_same(_as_numpy(loaded), state)


def test_loaded_arrays_are_owned_aligned_and_writable(tmp_path):
    state = {"a": np.ones(3, np.int8), "b": np.ones((5, 7), np.float64)}
    cynn.save(state, tmp_path / "f")
    for tensor in cynn.load(tmp_path / "f").values():
        flags = tensor._data.flags
        assert flags.writeable and flags.aligned and flags.c_contiguous


def test_optimizer_state_dict_round_trips(tmp_path):
    state = {
        "state": {0: {"momentum_buffer": _random_array(np.float32, (3, 2))},
                  1: {"step": _random_array(np.float32, ()), "exp_avg": _random_array(
                      np.float32, (2,))}},
        "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, "betas": (0.9, 0.999),
                          "weight_decay": 0, "maximize": None, "params": [0, 1]}],
    }
    cynn.save(state, tmp_path / "opt")
    _assert_same(_as_numpy(cynn.load(tmp_path / "opt")), state)


def test_checkpoint_with_plain_values_round_trips(tmp_path):
    checkpoint = {
        "epoch": 3, "loss": cynn.tensor(0.25), "best": float("nan"), "inf": float("-inf"),
        "name": "run-1", "done": True, "note": None, "empty": {}, "nested": [[], ()],
        0: "int key", "0": "str key", "np_scalar": np.float32(1.5), "np_int": np.int64(-4),
        "model": {"fc.weight": cynn.ones(2, 3), "fc.bias": cynn.zeros(2)},
    }
    cynn.save(checkpoint, tmp_path / "ckpt")
    expected = _as_numpy(checkpoint)
    expected["np_scalar"], expected["np_int"] = 1.5, -4  # numpy scalars come back as Python
    _assert_same(_as_numpy(cynn.load(tmp_path / "ckpt")), expected)


@pytest.mark.parametrize("obj", [
    {"a": {"b": np.ones(1)}, "a.b": np.zeros(2)},        # two paths flatten to one name
    {"__metadata__": np.ones(2), "x": np.zeros(1)},      # the format's reserved name
    [np.ones(1), {"tensor": np.zeros(1)}],
    {},
], ids=["clash", "reserved", "list_root", "empty"])
def test_name_clashes_and_reserved_names_round_trip(obj, tmp_path):
    cynn.save(obj, tmp_path / "x")
    _assert_same(_as_numpy(cynn.load(tmp_path / "x")), obj)


def test_requires_grad_tensor_saves_its_values(tmp_path):
    weight = cynn.randn(3, 2, requires_grad=True)
    cynn.save({"w": weight}, str(tmp_path / "w"))
    loaded = cynn.load(str(tmp_path / "w"))["w"]
    assert not loaded.requires_grad
    assert np.array_equal(loaded.numpy(), weight.detach().numpy())


def test_large_tensor_round_trip(tmp_path):
    array = _random_array(np.float32, (1 << 20,), seed=3)
    cynn.save({"big": array}, tmp_path / "big")
    assert np.array_equal(cynn.load(tmp_path / "big")["big"].numpy(), array)


def test_public_names():
    assert cynn.save is serialization.save and cynn.load is serialization.load
    assert issubclass(SerializationError, ValueError)


# ---------------------------------------------------------------------- interop

def test_safetensors_package_reads_what_cynn_writes(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    state = {code.lower(): _random_array(dtype, (2, 3)) for code, dtype in DTYPES.items()}
    state["scalar"] = np.array(2.5)
    state["empty"] = np.zeros((0, 4), np.float32)
    cynn.save(state, tmp_path / "m.safetensors")
    loaded = st.load_file(str(tmp_path / "m.safetensors"))
    assert set(loaded) == set(state)
    for name, array in state.items():
        _assert_same(loaded[name], array)


def test_single_tensor_file_is_byte_identical_to_safetensors(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    array = _random_array(np.float32, (3, 5))
    cynn.save({"weight": array}, tmp_path / "ours")
    st.save_file({"weight": array}, str(tmp_path / "theirs"))
    assert (tmp_path / "ours").read_bytes() == (tmp_path / "theirs").read_bytes()


def test_cynn_reads_what_safetensors_package_writes(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    state = {f"block.{i}.{code}": _random_array(dtype, shape, seed=i)
             for i, ((code, dtype), shape) in enumerate(zip(DTYPES.items(), SHAPES * 2))}
    st.save_file(state, str(tmp_path / "theirs"), metadata={"format": "np", "note": "x"})
    loaded = cynn.load(tmp_path / "theirs")
    assert set(loaded) == set(state)
    for name, array in state.items():
        _assert_same(loaded[name].numpy(), array)


def test_nested_object_is_visible_to_safetensors_package(tmp_path):
    safetensors = pytest.importorskip("safetensors")
    momentum = _random_array(np.float32, (4,))
    cynn.save({"state": {0: {"momentum_buffer": momentum}}, "param_groups": [{"lr": 0.1}]},
              tmp_path / "opt")
    with safetensors.safe_open(str(tmp_path / "opt"), "np") as f:
        assert list(f.keys()) == ["state.0.momentum_buffer"]
        assert np.array_equal(f.get_tensor("state.0.momentum_buffer"), momentum)
        structure = json.loads(f.metadata()["cynn.structure"])
    assert structure["dict"][1] == ["param_groups", {"list": [{"dict": [["lr", 0.1]]}]}]


def test_torch_state_dict_through_safetensors_loads_in_cynn(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    st_torch.save_file(model.state_dict(), str(tmp_path / "torch.safetensors"))
    loaded = cynn.load(tmp_path / "torch.safetensors")
    for name, value in model.state_dict().items():
        assert np.array_equal(loaded[name].numpy(), value.numpy())


# ---------------------------------------------------------------------- atomic writes

def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    cynn.save({"w": np.arange(6.0)}, path)
    before = path.read_bytes()
    real_write = serialization._write_array
    calls = []

    def write_then_fail(f, array):
        calls.append(1)
        if len(calls) == 2:
            f.write(b"\0" * 3)
            raise OSError("disk full")
        real_write(f, array)

    monkeypatch.setattr(serialization, "_write_array", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        cynn.save({"a": np.ones(100), "b": np.ones(100), "c": np.ones(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_interrupted_replace_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    cynn.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cynn.save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.safetensors"]


@pytest.mark.parametrize("obj, message", [
    ({"ok": np.ones(2), "bad": {1, 2}}, r"obj\['bad'\] of type set"),
    ({"w": np.ones(2, np.complex64)}, r"tensor 'w' has dtype complex64"),
    ({1.5: np.ones(1)}, r"dict keys must be str or int.*1\.5"),
    ({"model": type("Net", (), {"state_dict": lambda self: {}})()},
     r"obj\['model'\] of type Net \(save model\.state_dict\(\) instead\)"),
    ([np.ones(1), object()], r"obj\[1\] of type object.*use format='torch'"),
])
def test_safetensors_refuses_what_it_cannot_hold_before_writing(obj, message, tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"previous")
    with pytest.raises(TypeError, match=message):
        cynn.save(obj, path, format="safetensors")
    assert path.read_bytes() == b"previous" and os.listdir(tmp_path) == ["x"]


def test_self_containing_object_is_refused(tmp_path):
    loop = {"a": 1}
    loop["self"] = loop
    with pytest.raises(TypeError, match=r"obj\['self'\] contains itself"):
        cynn.save(loop, tmp_path / "x", format="safetensors")


def test_overwrite_keeps_permissions_and_new_file_follows_umask(tmp_path):
    path = tmp_path / "m"
    cynn.save({"w": np.ones(1)}, path)
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert (path.stat().st_mode & 0o777) == (plain.stat().st_mode & 0o777)
    os.chmod(path, 0o640)
    cynn.save({"w": np.zeros(1)}, path)
    assert (path.stat().st_mode & 0o777) == 0o640


def test_save_through_a_symlink_replaces_its_target(tmp_path):
    target = tmp_path / "real"
    link = tmp_path / "link"
    cynn.save({"w": np.ones(1)}, target)
    link.symlink_to(target)
    cynn.save({"w": np.full(1, 7.0)}, link)
    assert link.is_symlink() and cynn.load(target)["w"].item() == 7.0


@pytest.mark.parametrize("bad_path", [3, None, b"model.safetensors"])
def test_f_must_be_a_path_or_a_file_object(bad_path):
    # torch raises AttributeError for both, with these messages
    with pytest.raises(AttributeError, match="expected 'f' to be string, path, or a file-like "
                                             "object with a 'write' attribute"):
        cynn.save({}, bad_path)
    with pytest.raises(AttributeError, match="object has no attribute 'seek'. You can only "
                                             "cynn.load from a file that is seekable"):
        cynn.load(bad_path)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such directory.*missing"):
        cynn.save({}, tmp_path / "missing" / "m.safetensors")
    assert os.listdir(tmp_path) == []


def test_str_and_pathlike_paths(tmp_path):
    cynn.save({"a": np.ones(1)}, str(tmp_path / "s"))
    cynn.save({"a": np.ones(1)}, pathlib.Path(tmp_path / "p"))
    assert (tmp_path / "s").read_bytes() == (tmp_path / "p").read_bytes()
    assert cynn.load(pathlib.Path(tmp_path / "s"))["a"].item() == 1.0


# ---------------------------------------------------------------------- load options

@pytest.mark.parametrize("location", [None, "cpu", cynn.device("cpu"), {"cuda:0": "cpu"},
                                      lambda storage, loc: storage])
def test_cpu_map_locations_are_accepted(location, tmp_path):
    cynn.save({"a": np.ones(2)}, tmp_path / "a")
    assert cynn.load(tmp_path / "a", map_location=location, weights_only=True)["a"].shape == (2,)


@pytest.mark.parametrize("location", ["cuda", "cuda:1", {"cpu": "cuda:0"}])
def test_other_map_locations_raise(location, tmp_path):
    cynn.save({"a": np.ones(2)}, tmp_path / "a")
    with pytest.raises(RuntimeError, match="cynn runs on the CPU only"):
        cynn.load(tmp_path / "a", map_location=location)


# ---------------------------------------------------------------------- hostile files

def _file(header, data=b"", length=None):
    """A safetensors file from a header (dict or raw bytes) and data bytes."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


F32_2x2 = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}

CORRUPT = {
    "empty": (b"", "0 bytes long, too short"),
    "five_bytes": (b"\x01\x02\x03\x04\x05", "5 bytes long, too short"),
    "length_beyond_file": (_file({"a": F32_2x2}, bytes(16), length=4096),
                           "says 4096 bytes, beyond the end of the file"),
    "length_over_limit": (struct.pack("<Q", 1 << 40) + b"{}", "over the 100 MB limit"),
    "not_json": (_file(b"{this is not json}"), "not valid JSON"),
    "not_utf8": (_file(b"{\xff\xfe}"), "not UTF-8"),
    "not_object_start": (_file(b"[1, 2]"), "does not start with '{'"),
    "duplicate_key": (_file(b'{"a": 1, "a": 2}'), "'a' appears twice"),
    "nan_in_header": (_file(b'{"a": NaN}'), "NaN is not allowed"),
    "entry_not_object": (_file({"a": [1, 2]}), "tensor 'a': expected an object"),
    "entry_missing_keys": (_file({"a": {"dtype": "F32"}}), "has no shape, data_offsets"),
    "unknown_dtype": (_file({"a": dict(F32_2x2, dtype="X99")}, bytes(16)),
                      "unknown or unsupported dtype 'X99'"),
    "bf16": (_file({"a": dict(F32_2x2, dtype="BF16")}, bytes(16)), "dtype 'BF16'"),
    "negative_dim": (_file({"a": dict(F32_2x2, shape=[-2, 2])}, bytes(16)), "shape must be"),
    "bool_dim": (_file({"a": dict(F32_2x2, shape=[True, 4])}, bytes(16)), "shape must be"),
    "float_dim": (_file({"a": dict(F32_2x2, shape=[2.0, 2])}, bytes(16)), "shape must be"),
    "offsets_reversed": (_file({"a": dict(F32_2x2, data_offsets=[16, 0])}, bytes(16)),
                         "data_offsets must be"),
    "offsets_three": (_file({"a": dict(F32_2x2, data_offsets=[0, 8, 16])}, bytes(16)),
                      "data_offsets must be"),
    "offsets_out_of_range": (_file({"a": dict(F32_2x2, data_offsets=[0, 1 << 62])}, bytes(16)),
                             "reach beyond the data section"),
    "size_mismatch": (_file({"a": dict(F32_2x2, data_offsets=[0, 12])}, bytes(12)),
                      r"shape \[2, 2\] of F32 needs 16 bytes, but data_offsets \[0, 12\] span 12"),
    "overlap": (_file({"a": F32_2x2, "b": dict(F32_2x2, data_offsets=[8, 24])}, bytes(24)),
                r"'a' \(bytes 0..16\) and 'b' \(bytes 8..24\) overlap"),
    "gap": (_file({"a": dict(F32_2x2, data_offsets=[8, 24])}, bytes(24)),
            "bytes 0..8 of the data section belong to no tensor"),
    "trailing_bytes": (_file({"a": F32_2x2}, bytes(20)), "last 4 bytes .* belong to no tensor"),
    "metadata_not_strings": (_file({"__metadata__": {"k": 1}}), "must be an object of strings"),
    "structure_not_json": (_file({"__metadata__": {"cynn.structure": "{oops"}}),
                           "'cynn.structure' is not valid JSON"),
    "structure_dangling_tensor": (
        _file({"__metadata__": {"cynn.structure": '{"tensor": "missing"}'}}),
        r"'cynn.structure' is damaged at obj"),
    "structure_bad_tag": (
        _file({"__metadata__": {"cynn.structure": '{"dict": [["k", {"set": [1]}]]}'},
               "a": F32_2x2}, bytes(16)), r"damaged at obj\['k'\]"),
    "structure_unreferenced": (
        _file({"__metadata__": {"cynn.structure": '{"list": []}'}, "a": F32_2x2}, bytes(16)),
        r"does not mention the tensors \['a'\]"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_files_raise_a_clear_serialization_error(case, tmp_path):
    content, message = CORRUPT[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(SerializationError, match=message):
        cynn.load(path)


@pytest.mark.parametrize("cut", [3, 8, 20, -1, -17])
def test_truncated_file_is_reported(cut, tmp_path):
    path = tmp_path / "m"
    cynn.save({"a": np.ones(4, np.float32), "b": np.ones(4, np.float64)}, path)
    content = path.read_bytes()
    path.write_bytes(content[:cut])
    with pytest.raises(SerializationError, match="too short|beyond the end of the file|"
                                                 "reach beyond the data section"):
        cynn.load(path)


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_are_rejected(seed, tmp_path):
    rng = np.random.default_rng(seed)
    path = tmp_path / "noise"
    content = rng.integers(0, 256, size=int(rng.integers(0, 4096)), dtype=np.uint8).tobytes()
    if seed % 2:  # a plausible header length, so parsing gets past the first check
        content = struct.pack("<Q", max(0, len(content) - 8 - int(rng.integers(0, 50)))) + content
    path.write_bytes(content)
    with pytest.raises(SerializationError):
        cynn.load(path)


class _Exploit:
    """Unpickling this would create a marker file: load must never get that far."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weight": _Exploit(str(marker))}, protocol=2))
    with pytest.raises(SerializationError, match="Python pickle.*never unpickles a bare"):
        cynn.load(path)
    assert not marker.exists()


def test_npy_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.ones(3))
    with pytest.raises(SerializationError, match="NumPy .npy file"):
        cynn.load(path)
