"""Build cynn-lrn's kernel ``cynn_lrn._lrn`` the way cynn builds its own.

Same conventions as cynn's setup.py: directives set once here (no bounds or
wraparound checks; the Python layer validates first), ``-O3``, OpenMP when a probe
program compiles and links with ``-fopenmp`` (else a serial build and a warning).
``CYNN_DEBUG=1`` turns the checks back on (``-O1 -g``), ``CYNN_NO_OPENMP=1`` forces a
serial build. Cython's generated C goes under ``build/``, never into the sources.
"""
import os
import shutil
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

DEBUG = os.environ.get("CYNN_DEBUG", "0") not in ("", "0")

_OPENMP_PROBE = r"""
#include <omp.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    return omp_get_max_threads() > 0 && n > 0 ? 0 : 1;
}
"""


def _compiler_has_openmp(compiler) -> bool:
    if os.environ.get("CYNN_NO_OPENMP", "0") not in ("", "0"):
        return False
    tmp = tempfile.mkdtemp(prefix="cynn-lrn-omp-")
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(_OPENMP_PROBE)
        objects = compiler.compile([src], output_dir=tmp, extra_postargs=["-fopenmp"])
        compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=["-fopenmp"])
        return True
    except Exception:  # any compile or link error means: no usable OpenMP
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _directives():
    if DEBUG:
        return dict(language_level=3, boundscheck=True, wraparound=True,
                    initializedcheck=True, cdivision=False)
    # The kernel indexes only what cynn_lrn/functional.py validated first.
    return dict(language_level=3, boundscheck=False, wraparound=False,
                initializedcheck=False, cdivision=True)


class BuildKernels(build_ext):
    """Adds OpenMP flags after probing the real compiler."""

    def build_extensions(self):
        openmp = _compiler_has_openmp(self.compiler)
        if not openmp:
            print("WARNING: cynn-lrn: the C compiler has no usable OpenMP; "
                  "building a serial kernel.", file=sys.stderr)
        compile_args = (["-O1", "-g"] if DEBUG else ["-O3"]) + (["-fopenmp"] if openmp else [])
        link_args = ["-fopenmp"] if openmp else []
        for ext in self.extensions:
            ext.extra_compile_args = compile_args + list(ext.extra_compile_args or [])
            ext.extra_link_args = link_args + list(ext.extra_link_args or [])
        super().build_extensions()


def _extensions():
    from Cython.Build import cythonize
    import numpy

    ext = Extension(
        "cynn_lrn._lrn",
        ["src/cynn_lrn/_lrn.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    return cythonize([ext], compiler_directives=_directives(), build_dir="build/cython",
                     quiet=True)


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildKernels})
