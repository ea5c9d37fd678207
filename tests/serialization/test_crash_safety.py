"""cynn.save under kill -9 and cynn.load under hostile headers: nothing accumulates, nothing
tears, and every malformed file is a SerializationError."""
import json
import os
import random
import re
import struct
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cynn
from cynn import serialization
from cynn.serialization import SerializationError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMP_NAME = re.compile(r"\.(?P<stem>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{12}\.cynn-tmp")


def _unnamed_temp_files_work(directory):
    fd = serialization._open_unnamed_temp_file(str(directory))
    if fd is None:
        return False
    os.close(fd)
    return True


@pytest.fixture(params=["unnamed", "named"])
def temp_mode(request, tmp_path, monkeypatch):
    """Both ways a save can stage its file: O_TMPFILE where Linux offers it, else a named one."""
    if request.param == "unnamed" and not _unnamed_temp_files_work(tmp_path):
        pytest.skip("this OS or filesystem has no O_TMPFILE; the named mode covers it")
    if request.param == "named":
        monkeypatch.setattr(serialization, "_open_unnamed_temp_file", lambda directory: None)
    return request.param


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# ---------------------------------------------------------------------- staging and cleanup

def test_unnamed_temp_file_is_invisible_while_written(tmp_path, monkeypatch):
    if not _unnamed_temp_files_work(tmp_path):
        pytest.skip("this OS or filesystem has no O_TMPFILE")
    path = tmp_path / "m.safetensors"
    cynn.save({"w": np.zeros(4)}, path)
    seen = []
    real_write = serialization._write_array

    def write_and_look(f, array):
        seen.append(sorted(os.listdir(tmp_path)))
        real_write(f, array)

    monkeypatch.setattr(serialization, "_write_array", write_and_look)
    cynn.save({"w": np.ones(4), "b": np.ones(2)}, path)
    assert seen == [["m.safetensors"], ["m.safetensors"]]
    assert cynn.load(path)["w"].numpy().tolist() == [1.0] * 4


def test_named_temp_file_carries_target_and_pid(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_open_unnamed_temp_file", lambda directory: None)
    path = tmp_path / "m.safetensors"
    seen = []
    real_write = serialization._write_array

    def write_and_look(f, array):
        seen.extend(name for name in os.listdir(tmp_path) if name != "m.safetensors")
        real_write(f, array)

    monkeypatch.setattr(serialization, "_write_array", write_and_look)
    cynn.save({"w": np.ones(4)}, path)
    (name,) = seen
    match = TEMP_NAME.fullmatch(name)
    assert match and match["stem"] == "m.safetensors" and int(match["pid"]) == os.getpid()
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_link_refused_falls_back_to_a_named_temp_file(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization._atomic, "_link_unnamed_temp_file", lambda fd, d, base: None)
    path = tmp_path / "m"
    cynn.save({"w": np.arange(5.0)}, path)
    assert cynn.load(path)["w"].numpy().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert os.listdir(tmp_path) == ["m"]


def test_failed_save_keeps_the_old_file_in_both_modes(temp_mode, tmp_path, monkeypatch):
    path = tmp_path / "m"
    cynn.save({"w": np.arange(6.0)}, path)
    before = path.read_bytes()

    def fail(f, array):
        f.write(b"\0" * 5)
        raise OSError("disk full")

    monkeypatch.setattr(serialization, "_write_array", fail)
    with pytest.raises(OSError, match="disk full"):
        cynn.save({"w": np.zeros(6)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m"]


def test_save_removes_only_its_targets_temp_files_of_dead_processes(tmp_path):
    dead, alive = _dead_pid(), os.getppid()
    files = {
        f".m.safetensors.{dead}.0123456789ab.cynn-tmp": False,    # ours, writer gone
        f".m.safetensors.{dead}.ba9876543210.cynn-tmp": False,
        f".m.safetensors.{alive}.0123456789ab.cynn-tmp": True,    # a save in progress
        f".m.safetensors.{os.getpid()}.0123456789ab.cynn-tmp": True,
        f".other.safetensors.{dead}.0123456789ab.cynn-tmp": True,  # another target's
        f".m.safetensors.{dead}.0123456789ab.cynn-tmp.bak": True,  # not our pattern
        ".m.safetensors.0.0123456789ab.cynn-tmp": True,            # pid 0: never probed
        f".m.safetensors.{dead}.0123456789ab.tmp": True,           # not cynn's suffix
        "notes.txt": True,
    }
    for name in files:
        (tmp_path / name).write_bytes(b"partial")
    cynn.save({"w": np.ones(2)}, tmp_path / "m.safetensors")
    expected = {name for name, kept in files.items() if kept} | {"m.safetensors"}
    assert set(os.listdir(tmp_path)) == expected


def test_long_target_names_get_short_enough_temp_names(temp_mode, tmp_path):
    base = "x" * 240 + ".safetensors"
    stale = f".{base[:200]}.{_dead_pid()}.0123456789ab.cynn-tmp"
    (tmp_path / stale).write_bytes(b"partial")
    cynn.save({"w": np.ones(3)}, tmp_path / base)
    cynn.save({"w": np.zeros(3)}, tmp_path / base)
    assert os.listdir(tmp_path) == [base]
    assert cynn.load(tmp_path / base)["w"].numpy().tolist() == [0.0] * 3


# ---------------------------------------------------------------------- kill -9

SAVER = textwrap.dedent("""
    import itertools, os, sys
    import numpy as np
    path, mode, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    import cynn
    from cynn import serialization
    if mode == "named":
        serialization._open_unnamed_temp_file = lambda directory: None
    layers = [np.empty(1 << 20, np.float32) for _ in range(8)]  # 32 MiB per save
    print("ready", flush=True)
    for i in itertools.count(start):
        for layer in layers:
            layer.fill(i)
        cynn.save({f"layer{k}.weight": layer for k, layer in enumerate(layers)}, path)
""")


def _saved_value(path):
    """The one value all tensors of a save hold; fails if the file mixes two saves."""
    state = cynn.load(path)
    assert sorted(state) == [f"layer{k}.weight" for k in range(8)]
    values = {float(v) for tensor in state.values() for v in np.unique(tensor.numpy())}
    assert len(values) == 1, f"torn file: values {sorted(values)}"
    return values.pop()


def _kill_saver(path, mode, start, when):
    env = dict(os.environ, PYTHONPATH=ROOT)
    process = subprocess.Popen([sys.executable, "-c", SAVER, str(path), mode, str(start)],
                               stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout.readline().strip() == "ready"
        when(path.parent)
    finally:
        process.kill()  # SIGKILL: no except, no finally, no atexit runs in the saver
        process.wait()
        process.stdout.close()
    assert process.returncode == -9


def _temp_files(directory):
    return [name for name in os.listdir(directory) if name.endswith(".cynn-tmp")]


def test_kill_9_during_saves_never_tears_the_file_and_leaves_nothing(temp_mode, tmp_path):
    path = tmp_path / "model.safetensors"
    rng = random.Random(1234)
    cynn.save({f"layer{k}.weight": np.full(1 << 20, -1, np.float32) for k in range(8)}, path)
    last = -1.0
    for round_number in range(1, 5):
        start = round_number * 1_000_000
        delay = rng.uniform(0.05, 0.9)
        _kill_saver(path, temp_mode, start, lambda directory: time.sleep(delay))
        value = _saved_value(path)
        assert value == last or value >= start  # the old content or one of this round's
        last = value
        for name in _temp_files(tmp_path):
            # A kill between the link and the rename leaves a complete file, never a partial one.
            assert temp_mode == "named" or _saved_value(tmp_path / name) >= start
    if temp_mode == "named":
        # Kill exactly while a temporary file is being written: it must be left behind ...
        def as_soon_as_a_temp_file_appears(directory):
            deadline = time.monotonic() + 60
            while not _temp_files(directory):
                assert time.monotonic() < deadline, "the saver never wrote a temporary file"
        _kill_saver(path, temp_mode, 9_000_000, as_soon_as_a_temp_file_appears)
        assert _temp_files(tmp_path)
        assert _saved_value(path) in (last, *range(9_000_000, 9_000_100))
    # ... and the next save removes whatever the killed processes left.
    cynn.save({"w": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["model.safetensors"]
    assert cynn.load(path)["w"].numpy().tolist() == [1.0, 1.0]


# ---------------------------------------------------------------------- hostile headers

def _file(header, data=b"", length=None):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


HOSTILE = {
    "zero_bytes_huge_shape": (_file({"a": {"dtype": "F32", "shape": [2 ** 62, 2 ** 62, 0],
                                           "data_offsets": [0, 0]}}), "too large for an array"),
    "zero_bytes_one_huge_dim": (_file({"a": {"dtype": "F64", "shape": [2 ** 63 - 1, 0],
                                             "data_offsets": [0, 0]}}), "too large for an array"),
    "just_over_numpy_limit": (_file({"a": {"dtype": "F32", "shape": [2 ** 61, 0],
                                           "data_offsets": [0, 0]}}), "too large for an array"),
    "product_overflows_int64": (_file({"a": {"dtype": "U8", "shape": [2 ** 32, 2 ** 32],
                                             "data_offsets": [0, 8]}}, bytes(8)),
                                "too large for an array"),
    "dim_2_to_64": (_file({"a": {"dtype": "U8", "shape": [2 ** 64], "data_offsets": [0, 1]}},
                          bytes(1)), "shape must be"),
    "offset_2_to_64": (_file({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 2 ** 64]}},
                             bytes(1)), "data_offsets must be"),
    "negative_offset": (_file({"a": {"dtype": "U8", "shape": [1], "data_offsets": [-1, 0]}},
                              bytes(1)), "data_offsets must be"),
    "shape_too_many_dims": (_file({"a": {"dtype": "U8", "shape": [1] * 65,
                                         "data_offsets": [0, 1]}}, bytes(1)), "at most 64"),
    "shape_not_a_list": (_file({"a": {"dtype": "U8", "shape": 4, "data_offsets": [0, 4]}},
                               bytes(4)), "shape must be"),
    "bytes_do_not_match_shape": (_file({"a": {"dtype": "F64", "shape": [3],
                                              "data_offsets": [0, 16]}}, bytes(16)),
                                 "needs 24 bytes"),
    "dtype_a_list": (_file({"a": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}},
                           bytes(4)), r'unsupported dtype \["F32"\]'),
    "dtype_an_object": (_file({"a": {"dtype": {"F32": 1}, "shape": [1],
                                     "data_offsets": [0, 4]}}, bytes(4)), "unsupported dtype"),
    "dtype_null": (_file({"a": {"dtype": None, "shape": [1], "data_offsets": [0, 4]}},
                         bytes(4)), "unsupported dtype null"),
    "deeply_nested_entry": (_file(b'{"a": ' + b"[" * 900 + b"]" * 900 + b"}"),
                            "expected an object"),
    "deeply_nested_header": (_file(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
                             "not valid JSON"),
    "huge_integer": (_file(b'{"a": {"dtype": "U8", "shape": [' + b"9" * 5000 + b"]}}"),
                     "not valid JSON"),
    "invalid_utf8_in_name": (_file(b'{"\xc3\x28": 1}'), "not UTF-8"),
    "header_cut_mid_json": (_file({"a": {"dtype": "U8", "shape": [1],
                                         "data_offsets": [0, 1]}})[:30], "beyond the end"),
    "infinity_in_header": (_file(b'{"a": Infinity}'), "Infinity is not allowed"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_headers_raise_serialization_error(case, tmp_path):
    content, message = HOSTILE[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(SerializationError, match=message):
        cynn.load(path)


_json_scalars = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False),
                          st.text(max_size=5),
                          st.integers(min_value=-2 ** 70, max_value=2 ** 70))
_dims = st.one_of(st.integers(min_value=-3, max_value=5),
                  st.sampled_from([0, 2 ** 31, 2 ** 32, 2 ** 61, 2 ** 62, 2 ** 63 - 1, 2 ** 63,
                                   2 ** 64, -2 ** 63]),
                  _json_scalars)
_entries = st.fixed_dictionaries({
    "dtype": st.one_of(st.sampled_from(["F64", "F32", "F16", "I64", "I32", "I16", "I8", "U8",
                                        "BOOL", "BF16", "f32", ""]), _json_scalars,
                       st.lists(_json_scalars, max_size=2)),
    "shape": st.one_of(st.lists(_dims, max_size=4), _json_scalars),
    "data_offsets": st.one_of(st.lists(_dims, min_size=2, max_size=2),
                              st.lists(_dims, max_size=3), _json_scalars),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.dictionaries(st.text(max_size=4), _entries, max_size=3),
       data_size=st.integers(min_value=0, max_value=64), cut=st.integers(min_value=0,
                                                                         max_value=40))
def test_fuzzed_header_fields_load_or_raise_serialization_error(tmp_path_factory, entries,
                                                                data_size, cut):
    path = tmp_path_factory.getbasetemp() / "fuzzed.safetensors"
    content = _file(entries, bytes(data_size))
    for candidate in (content, content[:len(content) - cut]):
        path.write_bytes(candidate)
        try:
            loaded = cynn.load(path)
        except SerializationError:
            continue
        assert isinstance(loaded, dict)  # a valid file after all: it must load completely


@settings(max_examples=150, deadline=None)
@given(flips=st.lists(st.tuples(st.integers(min_value=0, max_value=10 ** 6),
                                st.integers(min_value=0, max_value=255)), min_size=1,
                      max_size=4))
def test_byte_mutations_of_a_valid_file_load_or_raise_serialization_error(tmp_path_factory,
                                                                         flips):
    directory = tmp_path_factory.getbasetemp()
    original = directory / "valid.safetensors"
    if not original.exists():
        cynn.save({"epoch": 3, "a": np.arange(6, dtype=np.float32).reshape(2, 3),
                   "b": [np.ones(2, np.int64), (np.zeros((0, 4), np.float16), None)]}, original)
    content = bytearray(original.read_bytes())
    for position, value in flips:
        content[position % len(content)] = value
    path = directory / "mutated.safetensors"
    path.write_bytes(bytes(content))
    try:
        cynn.load(path)
    except SerializationError:
        pass
