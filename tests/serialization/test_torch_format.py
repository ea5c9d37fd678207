"""torch's zip checkpoints: cynn reads what torch.save writes and torch.load(weights_only=True)
reads what cynn writes, for tensors, state dicts, optimizer states and nested containers."""
import collections
import io
import os
import pathlib
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import cynn

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
SHAPES = [(), (0,), (3, 0, 2), (5,), (2, 3), (2, 1, 4, 3)]


def _torch_tensor(dtype, shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(shape, generator=generator) * 50
    return values.to(getattr(torch, dtype)) if dtype != "bool" else values > 0


def _same(cynn_value, torch_value):
    """Deep equality between a cynn object and a torch object: types, keys, dtypes, bits."""
    if isinstance(torch_value, torch.Tensor):
        assert isinstance(cynn_value, cynn.Tensor)
        assert isinstance(cynn_value, cynn.nn.Parameter) == isinstance(torch_value,
                                                                      torch.nn.Parameter)
        assert cynn_value.requires_grad == torch_value.requires_grad
        assert str(cynn_value.dtype).split(".")[1] == str(torch_value.dtype).split(".")[1]
        assert tuple(cynn_value.shape) == tuple(torch_value.shape)
        expected = torch_value.detach().numpy()
        assert cynn_value._data.tobytes() == np.ascontiguousarray(expected).tobytes()
    elif isinstance(torch_value, torch.Size):
        assert type(cynn_value) is cynn.Size and tuple(cynn_value) == tuple(torch_value)
    elif isinstance(torch_value, torch.dtype):
        assert cynn_value is getattr(cynn, str(torch_value).split(".")[1])
    elif isinstance(torch_value, dict):
        assert type(cynn_value) is type(torch_value) and list(cynn_value) == list(torch_value)
        for key in torch_value:
            _same(cynn_value[key], torch_value[key])
    elif isinstance(torch_value, (list, tuple)):
        assert type(cynn_value) is type(torch_value) and len(cynn_value) == len(torch_value)
        for a, b in zip(cynn_value, torch_value):
            _same(a, b)
    else:
        assert type(cynn_value) is type(torch_value) and cynn_value == torch_value


def _trained_torch_checkpoint():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(5, 3)).sum().backward()
    optimizer.step()
    return {"model": model.state_dict(), "optim": optimizer.state_dict(), "epoch": 3,
            "loss": 0.25, "name": "run", "done": False, "nothing": None,
            "shape": torch.Size([2, 3]), "dtype": torch.float16, "pair": (1, [2.5, "x"]),
            "ordered": collections.OrderedDict(b=1, a=2), "param": model[0].weight,
            "bytes": b"\x00\xffab", "set": {1, 2}, "big": 2 ** 80}


def _cynn_checkpoint():
    cynn.manual_seed(0)
    model = cynn.nn.Sequential(cynn.nn.Linear(3, 4), cynn.nn.BatchNorm1d(4))
    optimizer = cynn.optim.Adam(model.parameters())
    model(cynn.randn(5, 3)).sum().backward()
    optimizer.step()
    return {"model": model.state_dict(), "optim": optimizer.state_dict(), "epoch": 3,
            "loss": 0.25, "name": "run", "done": False, "nothing": None,
            "shape": cynn.Size([2, 3]), "dtype": cynn.float16, "pair": (1, [2.5, "x"]),
            "ordered": collections.OrderedDict(b=1, a=2), "param": model[0].weight,
            "bytes": b"\x00\xffab", "set": {1, 2}, "big": 2 ** 80}


# ---------------------------------------------------------------------- torch -> cynn

@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cynn_reads_torch_tensors(dtype, shape, tmp_path):
    expected = _torch_tensor(dtype, shape)
    torch.save(expected, tmp_path / "t.pt")
    _same(cynn.load(tmp_path / "t.pt"), expected)


def test_cynn_reads_a_torch_training_checkpoint(tmp_path):
    expected = _trained_torch_checkpoint()
    torch.save(expected, tmp_path / "checkpoint.pt")
    loaded = cynn.load(tmp_path / "checkpoint.pt")
    _same(loaded, expected)
    assert loaded["model"]._metadata == expected["model"]._metadata


def test_a_torch_state_dict_loads_into_the_cynn_model(tmp_path):
    torch.manual_seed(1)
    reference = torch.nn.Linear(3, 2)
    torch.save(reference.state_dict(), tmp_path / "linear.pt")
    model = cynn.nn.Linear(3, 2)
    model.load_state_dict(cynn.load(tmp_path / "linear.pt"))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out = model(cynn.tensor(x)).detach().numpy()
    np.testing.assert_allclose(out, reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)


def test_views_of_one_torch_storage_share_memory_and_keep_strides(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"base": base, "column": base[:, 1], "transposed": base.t(), "row": base[2]},
               tmp_path / "views.pt")
    loaded = cynn.load(tmp_path / "views.pt")
    assert loaded["column"].numpy().tolist() == [1.0, 5.0, 9.0]
    assert loaded["transposed"].numpy().tolist() == base.t().tolist()
    loaded["base"]._data[2, 0] = 100.0  # torch semantics: one storage
    assert loaded["row"].numpy()[0] == 100.0 and loaded["transposed"].numpy()[0, 2] == 100.0


@pytest.mark.parametrize("target", [lambda p: str(p), lambda p: pathlib.Path(p),
                                    lambda p: open(p, "rb"), lambda p: io.BytesIO(p.read_bytes())],
                         ids=["str", "PathLike", "open file", "BytesIO"])
def test_any_file_argument_reads_a_torch_file(target, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pt")
    f = target(tmp_path / "w.pt")
    try:
        assert cynn.load(f)["w"].numpy().tolist() == [1.0, 1.0]
    finally:
        if hasattr(f, "close"):
            f.close()


def test_any_single_top_level_folder_is_accepted(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "my_stem.pt")  # torch names the folder by stem
    assert zipfile.ZipFile(tmp_path / "my_stem.pt").namelist()[0].startswith("my_stem/")
    assert cynn.load(tmp_path / "my_stem.pt")["w"].shape == (2,)


def test_a_cuda_storage_needs_a_map_location(tmp_path):
    content = io.BytesIO()
    torch.save({"w": torch.ones(2)}, content)
    raw = content.getvalue()
    pickled = zipfile.ZipFile(io.BytesIO(raw)).read("archive/data.pkl")
    patched = pickled.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    assert patched != pickled
    rewritten = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(rewritten, "w") as target:
        for info in source.infolist():
            data = patched if info.filename.endswith("data.pkl") else source.read(info)
            target.writestr(info.filename, data)
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        cynn.load(io.BytesIO(rewritten.getvalue()))
    loaded = cynn.load(io.BytesIO(rewritten.getvalue()), map_location="cpu")
    assert loaded["w"].numpy().tolist() == [1.0, 1.0]


def test_torch_files_load_where_torch_is_not_installed(tmp_path):
    torch.save(_trained_torch_checkpoint(), tmp_path / "checkpoint.pt")
    script = ("import sys; sys.modules['torch'] = None\n"  # any import of torch fails
              "import cynn\n"
              "c = cynn.load(sys.argv[1])\n"
              "print(sorted(c['model']), c['shape'], c['optim']['param_groups'][0]['params'])\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "checkpoint.pt")],
                            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=root),
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "['0.bias', '0.weight', '1.bias', '1.num_batches_tracked'" in result.stdout
    assert "cynn.Size([2, 3]) [0, 1, 2, 3]" in result.stdout


# ---------------------------------------------------------------------- cynn -> torch

@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_reads_cynn_tensors_weights_only(dtype, shape, tmp_path):
    expected = _torch_tensor(dtype, shape)
    cynn.save(cynn.tensor(expected.numpy()), tmp_path / "t.pt", format="torch")
    loaded = torch.load(tmp_path / "t.pt", weights_only=True)
    assert loaded.dtype == expected.dtype and loaded.shape == expected.shape
    assert torch.equal(loaded, expected)


def test_torch_reads_a_cynn_training_checkpoint_weights_only(tmp_path):
    checkpoint = _cynn_checkpoint()
    cynn.save(checkpoint, tmp_path / "checkpoint.pt", format="torch")
    loaded = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    _same(checkpoint, loaded)
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    torch_model.load_state_dict(loaded["model"])  # strict: every key and shape matches


def test_round_trip_through_cynn_keeps_everything(tmp_path):
    checkpoint = _cynn_checkpoint()
    cynn.save(checkpoint, tmp_path / "c.pt", format="torch")
    loaded = cynn.load(tmp_path / "c.pt")
    assert loaded["shape"] == checkpoint["shape"] and loaded["dtype"] is cynn.float16
    assert type(loaded["param"]) is cynn.nn.Parameter and loaded["param"].requires_grad
    assert loaded["bytes"] == b"\x00\xffab" and loaded["set"] == {1, 2} and loaded["big"] == 2 ** 80
    for key, value in checkpoint["model"].items():
        assert loaded["model"][key]._data.tobytes() == value._data.tobytes()


def test_the_written_pickle_names_no_cynn_type(tmp_path):
    cynn.save(_cynn_checkpoint(), tmp_path / "c.pt", format="torch")
    with zipfile.ZipFile(tmp_path / "c.pt") as archive:
        assert b"cynn" not in archive.read("archive/data.pkl")


def test_records_are_stored_and_aligned_to_64_bytes_as_torch_writes_them(tmp_path):
    cynn.save({"a": cynn.ones(3), "b": cynn.zeros(5, dtype=cynn.int64)}, tmp_path / "c.pt",
              format="torch")
    raw = (tmp_path / "c.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "c.pt") as archive:
        names = archive.namelist()
        assert {"archive/data.pkl", "archive/byteorder", "archive/version",
                "archive/data/0", "archive/data/1"} <= set(names)
        assert archive.read("archive/byteorder") == b"little"
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
            assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0


def test_tensors_sharing_an_array_share_a_storage(tmp_path):
    model = cynn.nn.Linear(2, 2)
    cynn.save({"sd": model.state_dict(), "weight": model.weight}, tmp_path / "c.pt",
              format="torch")
    loaded = torch.load(tmp_path / "c.pt", weights_only=True)
    assert loaded["sd"]["weight"].untyped_storage().data_ptr() == \
        loaded["weight"].untyped_storage().data_ptr()


def test_zip64_records_are_read_by_torch(tmp_path):
    # Forced here; cynn writes them by itself past 4 GiB.
    from cynn.serialization import _torch_format
    encoded = _torch_format.encode({"w": cynn.arange(6.0)})
    with open(tmp_path / "z.pt", "wb") as f:
        _torch_format.write(f, encoded, lambda f, a: f.write(a.tobytes()), force_zip64=True)
    assert torch.load(tmp_path / "z.pt", weights_only=True)["w"].tolist() == list(range(6))
    assert cynn.load(tmp_path / "z.pt")["w"].numpy().tolist() == list(range(6))


@pytest.mark.parametrize("make", [io.BytesIO, lambda: open(os.devnull, "wb")],
                         ids=["BytesIO", "devnull"])
def test_file_objects_are_written_from_their_position(make, tmp_path):
    f = make()
    try:
        f.write(b"prefix")
        cynn.save({"w": cynn.ones(2)}, f, format="torch")
        if isinstance(f, io.BytesIO):
            f.seek(6)
            assert torch.load(f, weights_only=True)["w"].tolist() == [1.0, 1.0]
            f.seek(6)
            assert cynn.load(f)["w"].numpy().tolist() == [1.0, 1.0]
    finally:
        f.close()


# ---------------------------------------------------------------------- choosing the format

@pytest.mark.parametrize("obj, expected", [
    ({"w": np.ones(2)}, "safetensors"),
    ({"epoch": 1, "state": [np.ones(2)]}, "safetensors"),
    (collections.OrderedDict(w=np.ones(2)), "safetensors"),
    ({"shape": cynn.Size([2])}, "torch"),
    ({"dtype": cynn.float32}, "torch"),
    ({"ids": {1, 2}}, "torch"),
    ({1.5: 1}, "torch"),
])
def test_default_format_is_safetensors_when_it_can_hold_the_object(obj, expected, tmp_path):
    cynn.save(obj, tmp_path / "c")
    magic = (tmp_path / "c").read_bytes()[:4]
    assert (magic == b"PK\x03\x04") == (expected == "torch")


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="format must be one of safetensors, torch or None"):
        cynn.save({}, tmp_path / "c", format="onnx")
    assert os.listdir(tmp_path) == []


def test_numpy_arrays_and_scalars_round_trip_in_the_torch_format(tmp_path):
    obj = {"a": np.arange(6, dtype=np.int16).reshape(2, 3), "c": np.array([1 + 2j]),
           "s": np.float32(2.5), "f": np.asfortranarray(np.ones((2, 3)))}
    cynn.save(obj, tmp_path / "n.pt", format="torch")
    loaded = cynn.load(tmp_path / "n.pt")
    for key, value in obj.items():
        assert type(loaded[key]) is type(value) and loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)
    torch_loaded = torch.load(tmp_path / "n.pt", weights_only=False)  # numpy is not in
    np.testing.assert_array_equal(torch_loaded["a"], obj["a"])         # torch's default list


def test_numpy_arrays_torch_saved_are_read(tmp_path):
    torch.save({"a": np.arange(4.0), "x": np.int64(3)}, tmp_path / "n.pt")
    loaded = cynn.load(tmp_path / "n.pt")
    assert loaded["a"].tolist() == [0.0, 1.0, 2.0, 3.0] and loaded["x"] == 3
