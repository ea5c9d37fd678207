"""GradientLogger.to_jsonl writes strict JSON: non-finite statistics become null, counted
and named on the line, and read_jsonl restores them."""
import contextlib
import json
import math

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.hooks import ExplodingGradientWarning, GradientLogger, read_jsonl


class Scale(nn.Module):
    """y = x * weight: with loss = y.sum(), the weight's gradient is x."""

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(cynn.ones(n))

    def forward(self, x):
        return x * self.weight


def _refuse_constant(token):
    raise AssertionError(f"{token} is not JSON")


def _strict_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line, parse_constant=_refuse_constant) for line in f]


def _nonfinite(record):
    return {key for key, value in record.items()
            if isinstance(value, float) and not math.isfinite(value)}


def _same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a)
                      and math.isnan(b))


def _log(gradients, weight=None):
    model = Scale(len(gradients[0]))
    if weight is not None:
        model.weight.data = cynn.tensor(weight)
    logger = GradientLogger(model, explode_threshold=None, vanish_threshold=None)
    nonfinite_gradient = any(not np.all(np.isfinite(g)) for g in gradients)
    with pytest.warns(ExplodingGradientWarning) if nonfinite_gradient else contextlib.nullcontext():
        for g in gradients:
            model.zero_grad()
            model(cynn.tensor(g)).sum().backward()
        records = logger.records
    return records, logger


@pytest.mark.parametrize("gradients, weight, expected", [
    ([[np.nan, np.inf, 1.0]], None,
     {"norm": "NaN", "mean": "NaN", "std": "NaN", "max_abs": "NaN", "mean_abs": "NaN"}),
    ([[np.inf, 1.0]], None, {"norm": "Infinity", "mean": "Infinity", "std": "NaN",
                             "max_abs": "Infinity", "mean_abs": "Infinity"}),
    ([[-np.inf, 1.0]], None, {"norm": "Infinity", "mean": "-Infinity", "std": "NaN",
                              "max_abs": "Infinity", "mean_abs": "Infinity"}),
    ([[1.0, 2.0]], [np.inf, 1.0], {"weight_norm": "Infinity"}),
], ids=["nan_and_inf", "inf", "minus_inf", "infinite_weight"])
def test_jsonl_is_strict_json_with_nonfinite_values_as_null(gradients, weight, expected,
                                                            tmp_path):
    records, logger = _log(gradients, weight)
    path = tmp_path / "g.jsonl"
    logger.to_jsonl(path)
    (line,) = _strict_lines(path)
    (record,) = records
    assert _nonfinite(record) == set(expected)  # the oracle: what the logger holds in memory
    assert line["nonfinite"] == len(expected) and line["nonfinite_fields"] == expected
    for key in expected:
        assert line[key] is None
    for key, value in record.items():
        if key not in expected:
            assert line[key] == value
    (back,) = read_jsonl(path)
    assert back.keys() == record.keys()
    assert all(_same(back[key], record[key]) for key in record)
    assert all(math.copysign(1, back[key]) == math.copysign(1, record[key])
               for key in expected if not math.isnan(record[key]))


def test_finite_records_say_nonfinite_zero_and_nulls_stay_none(tmp_path):
    model = Scale(3)
    model.unused = nn.Linear(2, 2)  # no gradient: statistics are None, not non-finite
    logger = GradientLogger(model)
    model(cynn.tensor([1.0, -2.0, 0.5])).sum().backward()
    path = tmp_path / "g.jsonl"
    logger.to_jsonl(path)
    lines = _strict_lines(path)
    assert [line["nonfinite"] for line in lines] == [0, 0, 0]
    assert all(line["nonfinite_fields"] == {} for line in lines)
    unused = [line for line in lines if line["name"].startswith("unused")]
    assert len(unused) == 2 and all(line["norm"] is None for line in unused)
    assert read_jsonl(path) == logger.records


def test_read_jsonl_still_reads_lines_with_bare_nan(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text('{"step": 0, "name": "w", "norm": NaN, "max_abs": Infinity}\n')
    (record,) = read_jsonl(path)
    assert math.isnan(record["norm"]) and record["max_abs"] == math.inf


def test_read_jsonl_rejects_an_unknown_nonfinite_name(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"step": 0, "name": "w", "norm": null, "nonfinite": 1, '
                    '"nonfinite_fields": {"norm": "huge"}}\n')
    with pytest.raises(ValueError, match="'norm' to 'huge'"):
        read_jsonl(path)
