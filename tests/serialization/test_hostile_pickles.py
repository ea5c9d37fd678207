"""cynn.load of hostile torch archives: every one raises a clear error, runs nothing, and
never crashes the process."""
import io
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import cynn
from cynn.serialization import SerializationError, WeightsOnlyUnpicklingError

from _torch_archive import (APPEND, BUILD, EMPTY_DICT, EMPTY_LIST, MARK, REDUCE,
                            TUPLE, archive, glob, int_tuple, integer, program, tensor, text)

FLOATS_4 = np.arange(4, dtype="<f4").tobytes()


@pytest.fixture
def marker(tmp_path):
    """A file the exploits try to create; it must never exist."""
    path = tmp_path / "pwned"
    yield str(path)
    assert not path.exists(), "a hostile checkpoint ran code"


def _load(content, **kwargs):
    return cynn.load(io.BytesIO(content), **kwargs)


class _Reduces:
    """Pickles as ``func(*args)``: what an attacker writes into data.pkl."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _exploits(marker):
    touch = f"touch {marker}"
    return {
        "os.system": _Reduces(os.system, touch),
        "builtins.eval": _Reduces(eval, f"open({marker!r}, 'w')"),
        "builtins.exec": _Reduces(exec, f"open({marker!r}, 'w')"),
        "subprocess.call": _Reduces(subprocess.call, ["touch", marker]),
        "builtins.open": _Reduces(open, marker, "w"),
        "inside a state dict": {"weight": _Reduces(os.system, touch)},
        "as a dict key": {_Reduces(os.system, touch): 1},
        "inside a tuple in a list": [(1, _Reduces(os.system, touch))],
    }


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "builtins.exec", "subprocess.call",
                                  "builtins.open", "inside a state dict", "as a dict key",
                                  "inside a tuple in a list"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_global_and_reduce_of_dangerous_callables_is_refused(name, protocol, marker):
    data = pickle.dumps(_exploits(marker)[name], protocol=protocol)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL .* was not an "
                                                     "allowed global by default") as info:
        _load(archive(data))
    assert isinstance(info.value, SerializationError)
    assert "cynn.serialization.add_safe_globals([" in str(info.value)


def test_the_refused_global_is_named_in_the_error(marker):
    data = pickle.dumps(_Reduces(os.system, f"touch {marker}"), protocol=2)
    with pytest.raises(WeightsOnlyUnpicklingError, match=r"GLOBAL posix\.system|GLOBAL nt\.system"):
        _load(archive(data))


def _inst(marker):
    return b"(" + text(f"touch {marker}") + b"ios\nsystem\n."


def _obj(marker):
    # OBJ on a class the table knows: refused for the opcode, not for the class
    return b"(" + glob("collections", "OrderedDict") + b"o."


@pytest.mark.parametrize("make, opcode", [(_inst, "INST"), (_obj, "OBJ")])
def test_inst_and_obj_opcodes_are_refused(make, opcode, marker):
    with pytest.raises(WeightsOnlyUnpicklingError, match=f"opcode {opcode} is not supported"):
        _load(archive(make(marker)))


@pytest.mark.parametrize("opcode", [b"\x82\x01", b"\x83\x01\x00", b"\x84\x01\x00\x00\x00",
                                    b"\x97", b"\x98", b"P0\n"])
def test_extension_buffer_and_text_persid_opcodes_are_refused(opcode):
    with pytest.raises(WeightsOnlyUnpicklingError, match="is not supported"):
        _load(archive(b"\x80\x05" + opcode + b"."))


class Unlisted:
    """A class nobody allowed: a file may not create it or set its state."""

    def __setstate__(self, state):
        raise AssertionError("__setstate__ of an unlisted class ran")


def test_newobj_and_build_on_an_unlisted_class_are_refused(marker):
    data = pickle.dumps(Unlisted(), protocol=2)
    with pytest.raises(WeightsOnlyUnpicklingError,
                       match=r"GLOBAL test_hostile_pickles\.Unlisted was not an allowed global"):
        _load(archive(data))


def test_build_on_an_allowed_table_object_of_another_kind_is_refused():
    # BUILD on a tensor (which only the table creates) with a state that would replace its data
    data = program(tensor("0", 4, 0, (4,), (1,)), EMPTY_DICT, text("_data"), text("x"), b"s",
                   BUILD)
    with pytest.raises(WeightsOnlyUnpicklingError, match="BUILD may set the state only of "
                                                         "allowed classes, not of cynn"):
        _load(archive(data, {"0": FLOATS_4}))


@pytest.mark.parametrize("target", [("numpy", "ndarray"), ("torch", "float32"),
                                    ("torch", "FloatStorage")])
def test_reduce_of_a_table_type_that_is_not_a_builder_is_refused(target):
    # numpy.ndarray((2**40,)) would allocate: only the checking builders may be called
    data = program(glob(*target), MARK, int_tuple((2 ** 30, 2 ** 10)), TUPLE, REDUCE)
    with pytest.raises(WeightsOnlyUnpicklingError, match="REDUCE may call only allowed"):
        _load(archive(data))


def test_nested_reduce_tricks_are_refused(marker):
    # A valid tensor whose backward-hooks argument is os.system(...): refused at the GLOBAL.
    hooks = glob("os", "system") + MARK + text(f"touch {marker}") + TUPLE + REDUCE
    rebuild = tensor("0", 4, 0, (4,), (1,))
    rebuild = rebuild[:-len(EMPTY_DICT + TUPLE + REDUCE)] + hooks + TUPLE + REDUCE
    with pytest.raises(WeightsOnlyUnpicklingError, match="GLOBAL os.system"):
        _load(archive(program(rebuild), {"0": FLOATS_4}))
    # getattr on an allowed global, reached through STACK_GLOBAL: still only the table
    data = b"\x80\x04" + b"\x8c\x08builtins\x8c\x07getattr\x93" + b"."
    with pytest.raises(WeightsOnlyUnpicklingError, match="GLOBAL builtins.getattr"):
        _load(archive(data))
    # _codecs.encode may only turn text into latin-1 bytes, not pick another codec
    data = program(glob("_codecs", "encode"), MARK, text("x"), text("rot13"), TUPLE, REDUCE)
    with pytest.raises(WeightsOnlyUnpicklingError, match="allowed only as encode"):
        _load(archive(data))


def test_weights_only_false_runs_the_file_as_documented(tmp_path):
    # The unsafe mode really is pickle: the docs say so, and this shows it.
    made = tmp_path / "made"
    data = pickle.dumps(_Reduces(open, str(made), "w"), protocol=2)
    _load(archive(data), weights_only=False)
    assert made.exists()


# ---------------------------------------------------------------------- damaged streams

def _valid_stream():
    return program(EMPTY_DICT, text("w"), tensor("0", 4, 0, (2, 2), (2, 1)), b"s")


def test_the_hand_assembled_stream_is_valid():
    loaded = _load(archive(_valid_stream(), {"0": FLOATS_4}))
    assert loaded["w"].numpy().tolist() == [[0.0, 1.0], [2.0, 3.0]]


@pytest.mark.parametrize("cut", range(1, 60, 3))
def test_truncated_streams_raise(cut):
    stream = _valid_stream()
    with pytest.raises(WeightsOnlyUnpicklingError, match="truncated|pops more|empty stack|"
                                                         "closes a MARK|not a pickle opcode"):
        _load(archive(stream[:len(stream) - cut], {"0": FLOATS_4}))


@pytest.mark.parametrize("stream, message", [
    (program(b"h\x07"), "memo entry 7, which it never stored"),
    (program(APPEND), "pops more than it pushed"),
    (program(b"0"), "pops more than it pushed"),
    (program(b"e"), "closes a MARK it never opened"),
    (program(EMPTY_LIST, MARK, integer(1), integer(2), b"u"), "SETITEM on a list"),
    (program(EMPTY_DICT, MARK, integer(1), b"u"), "a key and no value"),
    (program(b"\x8b" + struct.pack("<i", 1 << 30)), "integer of 1073741824 bytes"),
    (program(b"X" + struct.pack("<I", 2 ** 32 - 1)), "needs 4294967295 more bytes"),
    (program(b"\xff"), "not a pickle opcode"),
    (b"\x80\x09.", "unsupported pickle protocol 9"),
    (program(EMPTY_DICT, EMPTY_LIST, integer(1), b"s"), "unhashable"),
    (program(EMPTY_LIST, MARK) * 1, "ended before its STOP|pops more|empty stack"),
])
def test_damaged_streams_raise_a_clear_error(stream, message):
    with pytest.raises(WeightsOnlyUnpicklingError, match=message):
        _load(archive(stream))


def _deep_list(depth):
    """[[[...]]] ``depth`` deep, built with MARK ... LIST pairs."""
    return program(MARK * depth, b"l" * depth)


def _deep_list_through_the_memo(depth):
    """The same depth with a bounded stack: each list is appended into a fresh one."""
    parts = [EMPTY_LIST]
    for _ in range(depth):
        parts += [b"q\x00", b"0", EMPTY_LIST, b"h\x00", APPEND]
    return program(*parts)


@pytest.mark.parametrize("make", [_deep_list, _deep_list_through_the_memo])
def test_ten_thousand_deep_nesting_raises(make):
    with pytest.raises(WeightsOnlyUnpicklingError, match="MARKs are open at once|nested more "
                                                         "than 1000 levels deep"):
        _load(archive(make(10_000)))


def test_nesting_just_within_the_limit_loads():
    loaded = _load(archive(_deep_list_through_the_memo(990)))
    depth = 0
    while loaded:
        loaded, depth = loaded[0], depth + 1
    assert depth == 990


def test_shared_objects_are_not_walked_exponentially():
    # l_{k+1} = [l_k, l_k]: 2**200 paths, 200 objects; the nesting check must be linear
    parts = [EMPTY_LIST, b"r" + struct.pack("<I", 0)]
    for k in range(200):
        parts += [EMPTY_LIST, MARK, b"j" + struct.pack("<I", k), b"j" + struct.pack("<I", k),
                  b"e", b"r" + struct.pack("<I", k + 1)]
    loaded = _load(archive(program(*parts)))
    assert loaded[0] is loaded[1]


# ---------------------------------------------------------------------- storages and archives

@pytest.mark.parametrize("records, stream, message", [
    ({"0": FLOATS_4[:12]}, tensor("0", 4, 0, (4,), (1,)), r"should hold 4 elements .* is 12 bytes"),
    ({"0": FLOATS_4 + b"xxxx"}, tensor("0", 4, 0, (4,), (1,)), "is 20 bytes"),
    ({}, tensor("0", 4, 0, (4,), (1,)), "has no record 'archive/data/0'"),
    ({"0": FLOATS_4}, tensor("0", 4, 1, (4,), (1,)), "reaches element 4 of a storage of 4"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (2, 2), (3, 1)), "reaches element 4"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (2 ** 40,), (0,)) + b"0" + tensor("0", 4, 2 ** 31 - 1,
                                                                           (1,), (1,)),
     "reaches element 2147483647"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (4,), (1,), storage="BFloat16Storage"),
     "torch.BFloat16Storage, an element type cynn has no dtype for"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (4,), (1,), storage="LongStorage"),
     "should hold 4 elements of torch.LongStorage"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (4, 1), (1,)), "differ in length"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (-4,), (1,)), "non-negative integers"),
    ({"0": FLOATS_4}, tensor("0", -4, 0, (4,), (1,)), "malformed storage reference"),
    ({"0": FLOATS_4}, tensor("0", 4, 0, (4,), (1,), storage="IntStorage") + b"0"
     + tensor("0", 4, 0, (4,), (1,)), "two different types or sizes"),
    ({"0": np.arange(4, dtype=np.int64).tobytes()},
     tensor("0", 4, 0, (4,), (1,), storage="LongStorage", requires_grad=True),
     "cannot require gradients"),
])
def test_bad_storage_references_raise(records, stream, message):
    with pytest.raises(SerializationError, match=message):
        _load(archive(program(stream), records))


def test_views_with_zero_strides_are_views_not_copies():
    # a 2**40-element expanded view of one float: loading must not allocate it
    loaded = _load(archive(program(tensor("0", 4, 0, (2 ** 20, 2 ** 20), (0, 0))), {"0": FLOATS_4}))
    assert loaded.shape == (2 ** 20, 2 ** 20) and loaded._data.strides == (0, 0)


def _patch_declared_size(content, name, new_size):
    """Rewrite the central directory so ``name`` declares ``new_size`` bytes."""
    data = bytearray(content)
    encoded = name.encode()
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46:position + 46 + name_length]) == encoded:
            struct.pack_into("<II", data, position + 20, new_size, new_size)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"{name} not found")


@pytest.mark.parametrize("declared", [2 ** 31, 2 ** 32 - 2, 17, 15])
def test_zip_entries_whose_declared_size_lies_raise(declared):
    content = archive(program(tensor("0", 4, 0, (4,), (1,))), {"0": FLOATS_4})
    for name in ("archive/data/0", "archive/data.pkl"):
        with pytest.raises(SerializationError, match="more than the whole file|should hold|"
                                                     "damaged or truncated|data.pkl"):
            _load(_patch_declared_size(content, name, declared))


def test_compressed_records_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", program(integer(1)))
    with pytest.raises(SerializationError, match="compressed; torch stores every record"):
        _load(buffer.getvalue())


@pytest.mark.parametrize("names, message", [
    (["a/data.pkl", "b/data/0"], "one top-level folder"),
    (["data.pkl"], "one top-level folder"),
    (["a/other.pkl"], "has no a/data.pkl"),
])
def test_archives_without_torch_layout_raise(names, message):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in names:
            zf.writestr(name, program(integer(1)))
    with pytest.raises(SerializationError, match=message):
        _load(buffer.getvalue())


def test_bad_byteorder_record_raises():
    with pytest.raises(SerializationError, match="byteorder record says b'middle'"):
        _load(archive(program(integer(1)), byteorder=b"middle"))


@pytest.mark.parametrize("seed", range(30))
def test_random_byte_flips_in_an_archive_raise_or_load(seed):
    rng = np.random.default_rng(seed)
    content = bytearray(archive(_valid_stream(), {"0": FLOATS_4}))
    for position in rng.integers(0, len(content), size=3):
        content[position] = int(rng.integers(0, 256))
    try:
        _load(bytes(content))
    except SerializationError:
        pass


def test_hostile_files_never_crash_the_interpreter(tmp_path):
    # A fresh process loads every kind of damage; a segfault would show as a signal exit.
    script = (
        "import io, sys, cynn\n"
        "from cynn.serialization import SerializationError\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from _torch_archive import archive, program, tensor\n"
        "import numpy as np\n"
        "base = archive(program(tensor('0', 4, 0, (2, 2), (2, 1))), "
        "{'0': np.arange(4, dtype='<f4').tobytes()})\n"
        "rng = np.random.default_rng(0)\n"
        "for _ in range(300):\n"
        "    content = bytearray(base)\n"
        "    cut = int(rng.integers(1, len(content)))\n"
        "    content[int(rng.integers(0, cut))] = int(rng.integers(0, 256))\n"
        "    try:\n"
        "        cynn.load(io.BytesIO(bytes(content[:cut] if cut % 2 else content)))\n"
        "    except SerializationError:\n"
        "        pass\n"
        "print('ok')\n")
    here = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run([sys.executable, "-c", script, here], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
