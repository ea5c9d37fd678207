"""Sparse COO tensors against torch: construction, coalesce, to_dense, products on the
CSR kernel (values and dense gradients), softmax, errors; the kernel at 1 and 2 threads."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, torch_module

torch = torch_module()

INDICES = [[0, 1, 1, 2, 1], [2, 0, 2, 1, 0]]   # (1, 0) twice: coalesce adds them
VALUES = [3.0, 4.0, 5.0, -1.0, 2.0]


def _pair(dtype="float64", requires_grad=False):
    c = cynn.sparse_coo_tensor(INDICES, np.array(VALUES, dtype), (3, 4),
                               requires_grad=requires_grad)
    t = torch.sparse_coo_tensor(INDICES, np.array(VALUES, dtype), (3, 4),
                                requires_grad=requires_grad)
    return c, t


def test_construction_coalesce_dense():
    c, t = _pair()
    assert tuple(c.shape) == (3, 4) and c.is_sparse and c._nnz() == 5
    np.testing.assert_array_equal(c.to_dense().numpy(), t.to_dense().numpy())
    cc, tc = c.coalesce(), t.coalesce()
    np.testing.assert_array_equal(cc.indices().numpy(), tc.indices().numpy())
    np.testing.assert_array_equal(cc.values().numpy(), tc.values().numpy())
    np.testing.assert_array_equal(c.t().to_dense().numpy(), t.t().to_dense().numpy())
    dense = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]])
    s = cynn.tensor(dense).to_sparse()
    np.testing.assert_array_equal(s.to_dense().numpy(), dense)
    np.testing.assert_array_equal(s.indices().numpy(),
                                  torch.tensor(dense).to_sparse().indices().numpy())
    with pytest.raises(RuntimeError, match="uncoalesced"):
        c.indices()


@pytest.mark.parametrize("rhs_shape", [(4, 3), (4,)])
def test_spmm_values_and_gradients(rhs_shape):
    c, t = _pair(requires_grad=True)
    d = np.random.default_rng(0).standard_normal(rhs_shape)
    dc, dt = cynn.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    yc, yt = cynn.sparse.mm(c, dc) if len(rhs_shape) == 2 else c @ dc, \
        torch.sparse.mm(t, dt) if len(rhs_shape) == 2 else t @ dt
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    (yc ** 2).sum().backward()
    (yt ** 2).sum().backward()
    np.testing.assert_allclose(dc.grad.numpy(), dt.grad.numpy(), rtol=1e-12)
    # torch's sparse leaf gets the dense gradient; cynn's gets it at the stored entries
    rows, cols = np.array(INDICES)
    np.testing.assert_allclose(c.grad._values.numpy(), t.grad.to_dense().numpy()[rows, cols],
                               rtol=1e-12)


def test_spmm_gradcheck_and_addmm():
    dense = cynn.tensor(np.random.default_rng(1).standard_normal((4, 2)), requires_grad=True)
    values = cynn.tensor(VALUES, dtype=cynn.float64, requires_grad=True)
    check_gradcheck(lambda v, d: cynn.spmm(cynn.sparse_coo_tensor(INDICES, v, (3, 4)), d), [],
                    inputs=[values.detach().numpy(), dense.detach().numpy()])
    c, t = _pair()
    m = np.ones((3, 2))
    np.testing.assert_allclose(
        cynn.sparse.addmm(cynn.tensor(m), c, dense.detach(), beta=0.5, alpha=2.0).numpy(),
        torch.sparse.addmm(torch.tensor(m), t, torch.tensor(dense.detach().numpy()), beta=0.5,
                           alpha=2.0).numpy(), rtol=1e-12)


def test_sparse_softmax_and_sum():
    c, t = _pair()
    for dim in (0, 1):
        np.testing.assert_allclose(cynn.sparse.softmax(c, dim).to_dense().numpy(),
                                   torch.sparse.softmax(t, dim).to_dense().numpy(), rtol=1e-12)
        np.testing.assert_allclose(cynn.sparse.log_softmax(c, dim).to_dense().numpy()[
            t.coalesce().indices().numpy()[0], t.coalesce().indices().numpy()[1]],
            torch.sparse.log_softmax(t, dim).coalesce().values().numpy(), rtol=1e-12)
    assert cynn.sparse.sum(c).item() == torch.sparse.sum(t).item()


def test_kernel_same_bits_at_one_and_two_threads():
    rng = np.random.default_rng(2)
    n = 400
    idx = np.stack([rng.integers(0, n, 5000), rng.integers(0, n, 5000)])
    s = cynn.sparse_coo_tensor(idx, rng.standard_normal(5000).astype(np.float32), (n, n))
    d = cynn.tensor(rng.standard_normal((n, 64)).astype(np.float32))
    before = cynn.get_num_threads()
    try:
        cynn.set_num_threads(1)
        one = cynn.spmm(s, d).numpy()
        cynn.set_num_threads(2)
        two = cynn.spmm(s, d).numpy()
    finally:
        cynn.set_num_threads(before)
    assert np.array_equal(one, two)


def test_errors():
    with pytest.raises(RuntimeError, match="size is inconsistent with indices"):
        cynn.sparse_coo_tensor([[0, 5]], [1.0, 2.0], (3,))
    with pytest.raises(RuntimeError, match="same nnz"):
        cynn.sparse_coo_tensor([[0, 1]], [1.0], (3,))
    with pytest.raises(RuntimeError, match="negative index"):
        cynn.sparse_coo_tensor([[0, -1]], [1.0, 2.0], (3,))
    c, _ = _pair()
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        cynn.spmm(c, cynn.ones(3, 2, dtype=cynn.float64))
    with pytest.raises(AttributeError, match="to_dense"):
        c.exp()
