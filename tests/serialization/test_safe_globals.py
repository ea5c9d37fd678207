"""Whole modules and user objects: written by cynn.save, rebuilt by cynn.load only when their
classes are allowed, with torch.serialization's allow-list API."""
import io
import pickle
import zipfile

import numpy as np
import pytest

import cynn
from cynn import serialization
from cynn.serialization import SerializationError, WeightsOnlyUnpicklingError

from _torch_archive import archive


@pytest.fixture(autouse=True)
def empty_allow_list():
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


def _saved(obj):
    buffer = io.BytesIO()
    cynn.save(obj, buffer)
    buffer.seek(0)
    return buffer


def _model():
    cynn.manual_seed(0)
    return cynn.nn.Sequential(cynn.nn.Linear(3, 4), cynn.nn.ReLU(), cynn.nn.BatchNorm1d(4))


MODEL_CLASSES = [cynn.nn.Sequential, cynn.nn.Linear, cynn.nn.ReLU, cynn.nn.BatchNorm1d]


class Point:
    """A user object saved whole: plain attributes."""

    def __init__(self, x, y):
        self.x, self.y = x, y


class Tracked:
    """A user object with its own __setstate__, which loading must call."""

    def __setstate__(self, state):
        self.__dict__.update(state, restored=True)


def test_a_model_is_refused_until_its_classes_are_allowed():
    buffer = _saved(_model())
    with pytest.raises(pickle.UnpicklingError) as info:
        cynn.load(buffer)
    message = str(info.value)
    assert isinstance(info.value, SerializationError)
    assert "GLOBAL cynn.nn.modules.container.Sequential was not an allowed global" in message
    assert "cynn.serialization.add_safe_globals([cynn.nn.modules.container.Sequential])" in message
    assert "weights_only` set to `False`" in message


def test_an_allowed_model_loads_and_computes_the_same():
    model = _model()
    model.eval()
    buffer = _saved(model)
    serialization.add_safe_globals(MODEL_CLASSES)
    loaded = cynn.load(buffer)
    assert type(loaded) is cynn.nn.Sequential and repr(loaded) == repr(model)
    x = cynn.randn(5, 3)
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    assert not loaded.training
    assert [type(p) for p in loaded.parameters()] == [cynn.nn.Parameter] * 4
    assert loaded[0].weight is loaded[0]._parameters["weight"]


def test_safe_globals_context_allows_only_inside_and_restores_the_list():
    serialization.add_safe_globals([Point])
    buffer = _saved(_model())
    with serialization.safe_globals(MODEL_CLASSES):
        assert serialization.get_safe_globals() == [Point, *MODEL_CLASSES]
        assert type(cynn.load(buffer)) is cynn.nn.Sequential
    assert serialization.get_safe_globals() == [Point]
    buffer.seek(0)
    with pytest.raises(WeightsOnlyUnpicklingError, match="Sequential was not an allowed"):
        cynn.load(buffer)


def test_clear_safe_globals_empties_the_list():
    serialization.add_safe_globals([Point, Tracked])
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_user_objects_build_through_dict_or_setstate():
    tracked = Tracked()
    tracked.value = 5
    buffer = _saved({"p": Point(1, cynn.ones(2)), "t": tracked})
    with pytest.raises(WeightsOnlyUnpicklingError, match="test_safe_globals.Point was not an "
                                                         "allowed global"):
        cynn.load(buffer)
    buffer.seek(0)
    serialization.add_safe_globals([Point, Tracked])
    loaded = cynn.load(buffer)
    assert loaded["p"].x == 1 and loaded["p"].y.numpy().tolist() == [1.0, 1.0]
    assert loaded["t"].restored is True and loaded["t"].value == 5


def test_an_object_saved_under_another_name_is_allowed_with_a_tuple():
    with zipfile.ZipFile(_saved(Point(1, 2))) as saved:
        data = saved.read("archive/data.pkl")
    renamed = data.replace(b"test_safe_globals\nPoint", b"old_module\nPoint")
    assert renamed != data
    serialization.add_safe_globals([(Point, "old_module.Point")])
    assert cynn.load(io.BytesIO(archive(renamed))).x == 1


def test_weights_only_false_loads_anything():
    loaded = cynn.load(_saved({"p": Point(3, 4), "m": _model()}), weights_only=False)
    assert loaded["p"].y == 4 and type(loaded["m"]) is cynn.nn.Sequential


@pytest.mark.parametrize("bad, message", [
    (Point, "must be a list"),
    ([(Point,)], r"must be \(object, 'module.name'\)"),
    ([3], "must be a class or function"),
])
def test_allow_list_arguments_are_checked(bad, message):
    with pytest.raises(TypeError, match=message):
        serialization.add_safe_globals(bad)


def test_objects_pickle_cannot_name_are_refused_before_writing(tmp_path):
    path = tmp_path / "c.pt"
    path.write_bytes(b"previous")
    with pytest.raises(pickle.PicklingError, match="not reachable by name"):
        cynn.save({"f": lambda x: x}, path)
    assert path.read_bytes() == b"previous"
