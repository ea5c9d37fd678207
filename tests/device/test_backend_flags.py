"""``cynn.backends``: availability answers, settable flags with PyTorch's checks, and the
CPU capability of cynn's kernels."""
import pytest

import cynn
from cynn._kernels import gemm
from helpers import torch_module

torch = torch_module()

FLAGS = [("cudnn", "enabled"), ("cudnn", "benchmark"), ("cudnn", "deterministic"),
         ("cudnn", "allow_tf32"), ("mkldnn", "enabled"), ("mkldnn", "deterministic")]


# PyTorch's own flags are only read here, never set: once its legacy TF32 switches and
# set_float32_matmul_precision have both been used, torch.get_float32_matmul_precision
# raises, which would break later tests in the same process.


@pytest.fixture(autouse=True)
def _restore_flags():
    saved = {(m, f): getattr(getattr(cynn.backends, m), f) for m, f in FLAGS}
    precision = cynn.get_float32_matmul_precision()
    yield
    for (m, f), value in saved.items():
        setattr(getattr(cynn.backends, m), f, value)
    cynn.set_float32_matmul_precision(precision)


@pytest.mark.parametrize("module,flag", FLAGS)
def test_flag_default_is_torchs(module, flag):
    assert getattr(getattr(cynn.backends, module), flag) == \
        getattr(getattr(torch.backends, module), flag)


@pytest.mark.parametrize("module,flag", FLAGS)
@pytest.mark.parametrize("value", [True, False])
def test_flag_can_be_set_and_read_back(module, flag, value):
    setattr(getattr(cynn.backends, module), flag, value)
    assert getattr(getattr(cynn.backends, module), flag) is value


@pytest.mark.parametrize("module,flag", FLAGS)
@pytest.mark.parametrize("value", [1, "yes", None])
def test_flag_rejects_what_is_not_a_bool_as_torch_does(module, flag, value):
    with pytest.raises(RuntimeError) as expected:
        setattr(getattr(torch.backends, module), flag, value)
    with pytest.raises(RuntimeError) as got:
        setattr(getattr(cynn.backends, module), flag, value)
    assert str(got.value) == str(expected.value)


def test_cudnn_answers_as_on_a_cpu_only_build():
    c, t = cynn.backends.cudnn, torch.backends.cudnn
    assert (c.is_available(), c.version(), c.benchmark_limit) == \
        (t.is_available(), t.version(), t.benchmark_limit)
    assert c.is_acceptable(cynn.zeros(1)) is t.is_acceptable(torch.zeros(1)) is False


def test_cudnn_flags_context_sets_and_restores():
    cudnn = cynn.backends.cudnn
    with cudnn.flags(enabled=False, benchmark=True, deterministic=True, allow_tf32=False):
        inside = (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32)
    after = (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32)
    assert inside == (False, True, True, False)
    assert after == (True, False, False, True)


def test_mps_and_cuda_are_not_built():
    for lib in (torch, cynn):
        assert lib.backends.mps.is_available() is False
        assert lib.backends.mps.is_built() is False
        assert lib.backends.cuda.is_built() is False
    with pytest.raises(RuntimeError, match="without MPS backend"):
        torch.backends.mps.is_macos_or_newer(13, 0)
    with pytest.raises(RuntimeError, match="without MPS backend"):
        cynn.backends.mps.is_macos_or_newer(13, 0)


def test_mkldnn_and_mkl_are_not_used_by_cynn():
    assert cynn.backends.mkldnn.is_available() is False
    assert cynn.backends.mkl.is_available() is False


def test_openmp_reports_how_the_kernels_were_built():
    assert cynn.backends.openmp.is_available() is bool(cynn._threads.openmp_compiled())


def _cpu_has(*flags):
    try:
        with open("/proc/cpuinfo") as info:
            line = next(line for line in info if line.startswith("flags"))
    except (OSError, StopIteration):
        pytest.skip("no /proc/cpuinfo flags to compare with")
    return set(flags) <= set(line.split(":", 1)[1].split())


@pytest.mark.parametrize("kernel", ["auto", "blas"])
def test_cpu_capability_is_the_level_cynns_kernels_use(kernel):
    previous = gemm.gemm_kernel()
    gemm.set_gemm_kernel(kernel)
    try:
        capability = cynn.backends.cpu.get_cpu_capability()
        if gemm.gemm_kernel() == "cynn":
            assert capability == "AVX512"
        elif _cpu_has("avx2", "fma"):
            assert capability == "AVX2"
        else:
            assert capability == "DEFAULT"
    finally:
        gemm.set_gemm_kernel(previous)


def test_cpu_capability_agrees_with_torch_below_avx512():
    # torch picks AVX512 kernels on an AVX-512 CPU too, and cynn's GEMM then runs AVX-512
    assert cynn.backends.cpu.get_cpu_capability() == torch.backends.cpu.get_cpu_capability()


def test_cuda_matmul_allow_tf32_is_the_matmul_precision():
    # as torch.backends.cuda.matmul.allow_tf32 reads and writes the same setting
    for lib in (cynn,):
        lib.backends.cuda.matmul.allow_tf32 = True
        assert lib.get_float32_matmul_precision() == "high"
        lib.set_float32_matmul_precision("highest")
        assert lib.backends.cuda.matmul.allow_tf32 is False
        lib.set_float32_matmul_precision("medium")
        assert lib.backends.cuda.matmul.allow_tf32 is True
        lib.backends.cuda.matmul.allow_tf32 = False
        assert lib.get_float32_matmul_precision() == "highest"


@pytest.mark.parametrize("flag,value", [("allow_tf32", "x"),  # rejected before any change
                                        ("allow_fp16_reduced_precision_reduction", "x"),
                                        ("allow_bf16_reduced_precision_reduction", 1),
                                        ("no_such_flag", True)])
def test_cuda_matmul_rejects_as_torch_does(flag, value):
    with pytest.raises(Exception) as expected:
        setattr(torch.backends.cuda.matmul, flag, value)
    with pytest.raises(type(expected.value)) as got:
        setattr(cynn.backends.cuda.matmul, flag, value)
    assert str(got.value) == str(expected.value)


def test_cuda_matmul_reduction_flags_default_and_read_back():
    m = cynn.backends.cuda.matmul
    assert m.allow_fp16_reduced_precision_reduction is \
        torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction
    m.allow_bf16_reduced_precision_reduction = False
    assert m.allow_bf16_reduced_precision_reduction is False
    m.allow_bf16_reduced_precision_reduction = True
    with pytest.raises(AttributeError, match="Unknown attribute no_such_flag"):
        m.no_such_flag
