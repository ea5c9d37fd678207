"""ONNX export of the tensor-function families and 3-d pools: one small model per op,
exported, checked and compared with cynn through ONNX Runtime."""
import pytest

import cynn
from cynn import nn
from onnx_export_check import check_export, op_types


class Lambda(nn.Module):
    def __init__(self, fn, *layers):
        super().__init__()
        self.fn = fn
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        return self.fn(x, *self.layers)


CASES = {
    "trig_and_hyperbolic": (lambda x: cynn.tan(x * 0.5) + cynn.atan(x) + cynn.sinh(x)
                            + cynn.cosh(x) + cynn.asinh(x) + cynn.erf(x), (3, 4), None),
    "inverse_trig": (lambda x: cynn.asin(x.tanh() * 0.9) + cynn.acos(x.tanh() * 0.9)
                     + cynn.atanh(x.tanh() * 0.9) + cynn.acosh(x.abs() + 1.5), (3, 4), None),
    "logs_and_exps": (lambda x: cynn.log1p(x.abs()) + cynn.expm1(x) + cynn.log2(x.abs() + 1)
                      + cynn.log10(x.abs() + 1) + cynn.exp2(x) + cynn.erfc(x), (3, 4), None),
    "fmod": (lambda x: cynn.fmod(x * 3, 1.25), (5,), None),
    "index_select": (lambda x: x.index_select(1, cynn.tensor([2, 0, 2])), (3, 4), None),
    "tril_triu": (lambda x: x.tril(-1) + x.triu(2), (4, 5), None),
    "einsum": (lambda x: cynn.einsum("bij,jk->bik", x, cynn.ones(4, 2)), (3, 4), None),
    "amax_amin": (lambda x: x.amax(1) + x.amin((1, 2), keepdim=True).squeeze(-1), (3, 4), None),
    "max_pool3d": (nn.MaxPool3d((1, 2, 2), stride=(1, 2, 1), padding=(0, 1, 0)), (2, 3, 6, 5),
                   None),
    "avg_pool3d": (nn.AvgPool3d(2, stride=1, count_include_pad=False, padding=1),
                   (2, 4, 4, 5), None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_matches_cynn(name):
    fn, shape, opset = CASES[name]
    model = fn if isinstance(fn, nn.Module) else Lambda(fn)
    check_export(model, shape, opset=opset)


def test_gather_exports_at_a_fixed_batch_size():
    index = cynn.tensor([[[0, 2], [1, 1], [3, 0]]] * 2)
    model = Lambda(lambda x: x.gather(2, index))
    proto = check_export(model, (3, 4), batch_sizes=(2,))
    assert "GatherElements" in op_types(proto)
