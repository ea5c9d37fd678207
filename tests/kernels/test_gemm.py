"""gemm.pyx: row-major products against numpy, per dtype, every transpose
combination, thread-count independence and shape checks, on both float32 kernels
(cynn's AVX-512 one and BLAS)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from cynn._kernels import gemm


@pytest.fixture(params=["cynn", "blas"])
def gemm_kernel(request):
    """Run the test with cynn's float32 kernel and again with BLAS."""
    if request.param == "cynn" and not gemm.cynn_gemm_supported():
        pytest.skip("this CPU lacks AVX-512F: cynn's float32 kernel is never used here")
    previous = gemm.gemm_kernel()
    gemm.set_gemm_kernel(request.param)
    yield request.param
    gemm.set_gemm_kernel(previous)

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}


def _operands(m, n, k, trans_a, trans_b, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    return a, b


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("m, n, k", [
    (1, 1, 1), (3, 5, 7), (37, 53, 29), (300, 17, 100), (6, 700, 75), (130, 140, 150),
    # cynn's kernel: rows past an 8-row tile and a 192-row block, columns past a 32-
    # and a 16-wide tile and a 512-column panel, k past a 384-deep panel and not a
    # multiple of the 16-wide transposes
    (37, 530, 400), (200, 41, 270), (16, 32, 512), (25, 1100, 19)])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.usefixtures("gemm_kernel")
def test_gemm_matches_numpy(dtype, trans_a, trans_b, m, n, k, threads):
    a, b = _operands(m, n, k, trans_a, trans_b, dtype)
    expected = (a.astype(np.float64).T if trans_a else a) @ (b.T if trans_b else b)
    c = np.full((m, n), np.nan, dtype=dtype)
    gemm.gemm(a, b, c, trans_a, trans_b, n_threads=threads)
    # float32 sums of k products: the accumulation order differs between kernels
    tolerance = dict(rtol=1e-5, atol=1e-6 * np.sqrt(k)) if dtype == np.float32 else TOLERANCE[dtype]
    np.testing.assert_allclose(c, expected, **tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n, k", [(40, 30, 20), (50, 70, 300)])
@pytest.mark.usefixtures("gemm_kernel")
def test_alpha_and_beta(dtype, m, n, k):
    a, b = _operands(m, n, k, False, False, dtype)
    c = np.ones((m, n), dtype=dtype)
    gemm.gemm(a, b, c, alpha=2.0, beta=3.0, n_threads=2)
    np.testing.assert_allclose(c, 2 * (a @ b) + 3, rtol=1e-5, atol=1e-4 if dtype == np.float32
                               else 1e-10)


def test_empty_inner_dimension_scales_c_by_beta():
    c = np.full((3, 4), 2.0)
    gemm.gemm(np.empty((3, 0)), np.empty((0, 4)), c, beta=0.5)
    np.testing.assert_array_equal(c, 1.0)
    gemm.gemm(np.empty((3, 0)), np.empty((0, 4)), c, beta=0.0)
    np.testing.assert_array_equal(c, 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (True, False), (False, True)])
@pytest.mark.usefixtures("gemm_kernel")
def test_grouped_gemm_matches_numpy(dtype, trans_a, trans_b):
    rng = np.random.default_rng(0)
    groups, m, n, k = 3, 24, 500, 40
    a = rng.standard_normal((groups,) + ((k, m) if trans_a else (m, k))).astype(dtype)
    b = rng.standard_normal((groups,) + ((n, k) if trans_b else (k, n))).astype(dtype)
    expected = (np.swapaxes(a, 1, 2) if trans_a else a) @ (np.swapaxes(b, 1, 2) if trans_b else b)
    c = np.empty((groups, m, n), dtype=dtype)
    gemm.grouped_gemm(a, b, c, trans_a, trans_b, n_threads=2)
    np.testing.assert_allclose(c, expected, **TOLERANCE[dtype])


@pytest.mark.usefixtures("gemm_kernel")
def test_threads_do_not_change_the_result():
    # C is cut into blocks by its shape alone, so every thread count runs the same
    # BLAS calls and gets the same bits (tests/kernels/test_thread_determinism.py
    # covers the other shapes and kernels)
    a, b = _operands(257, 1031, 300, False, True, np.float32)
    one = np.empty((257, 1031), np.float32)
    gemm.gemm(a, b, one, False, True, n_threads=1)
    for threads in (2, 3, 4):
        many = np.empty((257, 1031), np.float32)
        gemm.gemm(a, b, many, False, True, n_threads=threads)
        np.testing.assert_array_equal(one, many, err_msg=f"{threads} threads")


@pytest.mark.parametrize("a_shape, b_shape, c_shape", [
    ((3, 4), (5, 6), (3, 6)),    # inner sizes differ
    ((3, 4), (4, 6), (3, 5)),    # wrong output
])
def test_shape_mismatch_raises_before_the_kernel(a_shape, b_shape, c_shape):
    with pytest.raises(ValueError, match="gemm"):
        gemm.gemm(np.ones(a_shape), np.ones(b_shape), np.empty(c_shape))


def test_mixed_dtypes_are_rejected():
    with pytest.raises((TypeError, ValueError)):
        gemm.gemm(np.ones((2, 2), np.float32), np.ones((2, 2)), np.empty((2, 2), np.float32))


def test_blas_pool_is_restored_after_a_product():
    info = gemm.blas_info()
    if not info["threads_managed"]:
        pytest.skip("SciPy's BLAS library exposes no thread control here")
    import ctypes
    lib = ctypes.CDLL(info["library"])
    getter = getattr(lib, "scipy_openblas_get_num_threads", None) or lib.openblas_get_num_threads
    before = getter()
    a, b = _operands(200, 200, 200, False, False, np.float32)
    gemm.gemm(a, b, np.empty((200, 200), np.float32), n_threads=2)
    assert getter() == before


def test_gemm_kernel_choice():
    previous = gemm.gemm_kernel()
    try:
        gemm.set_gemm_kernel("blas")
        assert gemm.gemm_kernel() == "blas"
        gemm.set_gemm_kernel("auto")
        assert gemm.gemm_kernel() == ("cynn" if gemm.cynn_gemm_supported() else "blas")
        with pytest.raises(ValueError, match="name must be one of"):
            gemm.set_gemm_kernel("mkl")
        if not gemm.cynn_gemm_supported():
            with pytest.raises(ValueError, match="AVX-512F"):
                gemm.set_gemm_kernel("cynn")
    finally:
        gemm.set_gemm_kernel(previous)


def test_conv_module_follows_the_kernel_choice():
    from cynn._kernels import conv
    assert conv._gemm_choice_address() == gemm.gemm_choice_address()


def test_environment_variable_forces_blas():
    code = "from cynn._kernels import gemm; print(gemm.gemm_kernel())"
    env = dict(os.environ, CYNN_GEMM="blas")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "blas"
