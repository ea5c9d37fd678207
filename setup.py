"""Build cynn: every ``pyx/*.pyx`` becomes the extension ``cynn._kernels.<stem>``.

Build-time switches (environment variables):

* ``CYNN_DEBUG=1``  -- bounds, wraparound and initialisation checks on in every
  kernel, ``-O1 -g1``: an out-of-range index raises IndexError instead of
  corrupting memory. CI runs the whole suite once against such a build.
* ``CYNN_SANITIZE=address,undefined`` -- compile and link every kernel with
  ``-fsanitize=<list> -fno-omit-frame-pointer`` at ``-O0 -g1`` (the kernels keep their
  release directives: the sanitizers watch the code that ships). Python itself is not
  instrumented, so ASan's runtime must be loaded first (with libstdc++, for torch's
  C++ exceptions) and leak checks stay off (CPython's interned objects look like
  leaks); ``--capture=sys`` keeps pytest from swallowing a report::

      LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libstdc++.so) \
      ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      python -m pytest --capture=sys tests/kernels tests/fuzz

  CI runs the kernel and fuzz tests once against such a build (see ``.ci/run``).
* ``CYNN_NO_OPENMP=1`` -- build serial kernels even if the compiler has OpenMP.
* ``CYNN_BUILD_ONLY=conv,pool`` -- build only these stems (for fast kernel work).

OpenMP is probed by compiling a tiny program with ``-fopenmp``; where that fails
(e.g. Apple clang) the kernels build serial and a warning is printed.
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
DEBUG = os.environ.get("CYNN_DEBUG", "0") not in ("", "0")
SANITIZE = os.environ.get("CYNN_SANITIZE", "").strip()
ONLY = {s for s in os.environ.get("CYNN_BUILD_ONLY", "").split(",") if s}

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
    tmp = tempfile.mkdtemp(prefix="cynn-omp-")
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
    # Kernels index only what the Python layer validated first (the Functions in
    # cynn/autograd/functions/, e.g. plan_geometry in conv.py).
    return dict(language_level=3, boundscheck=False, wraparound=False,
                initializedcheck=False, cdivision=True)


# What decides whether a compiled kernel can be reused by the next build.
_FLAG_KEYS = ("OPENMP", "DEBUG", "SANITIZE", "COMPILE_ARGS", "LINK_ARGS", "DIRECTIVES")


def _read_build_config(path):
    """The settings cynn/_build_config.py recorded at the last build, or None."""
    try:
        namespace = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        return namespace
    except (OSError, SyntaxError):
        return None


class BuildKernels(build_ext):
    """Adds OpenMP flags after probing the real compiler, and records the flags."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:   # one compiler per core: CI builds the kernels three times
            self.parallel = os.cpu_count() or 1

    def build_extensions(self):
        openmp = _compiler_has_openmp(self.compiler)
        if not openmp:
            print("WARNING: cynn: the C compiler has no usable OpenMP; "
                  "building serial kernels (set_num_threads will have no effect).",
                  file=sys.stderr)
        # -g1 (line tables) is enough for file:line in tracebacks and sanitizer reports
        # and compiles 2.6x faster than -g on Cython's large C files. Under the sanitizers
        # -O0 compiles a kernel 7x faster than -O1 (the instrumentation is what gcc's
        # optimiser chews on) and hides no access from them.
        opt = ["-O0", "-g1"] if SANITIZE else ["-O1", "-g1"] if DEBUG else ["-O3"]
        sanitize = [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer"] if SANITIZE else []
        compile_args = opt + (["-fopenmp"] if openmp else []) + sanitize
        link_args = (["-fopenmp"] if openmp else []) + sanitize
        for ext in self.extensions:
            ext.extra_compile_args = compile_args + list(ext.extra_compile_args or [])
            ext.extra_link_args = link_args + list(ext.extra_link_args or [])
        self._previous_build = _read_build_config(ROOT / "cynn" / "_build_config.py")
        self._config = dict(OPENMP=openmp, DEBUG=DEBUG, SANITIZE=SANITIZE,
                            COMPILE_ARGS=compile_args, LINK_ARGS=link_args,
                            DIRECTIVES=_directives())
        super().build_extensions()
        # recorded only once every kernel is built: after a failed build the flags on
        # record differ, and nothing half-built is reused
        self._write_build_config()

    def build_extension(self, ext):
        if not self._reuse_in_place_build(ext):
            super().build_extension(ext)

    def _reuse_in_place_build(self, ext) -> bool:
        """An editable install compiles in a fresh temporary directory every time; the
        extension already in the source tree is reused when it was built with the same
        flags and is newer than its C source and every header it depends on
        (``--force`` recompiles all)."""
        if self.force or not (self.inplace or getattr(self, "editable_mode", False)):
            return False
        if self._previous_build is None or \
                {k: self._previous_build.get(k) for k in _FLAG_KEYS} != self._config:
            return False
        built = ROOT / self.get_ext_filename(ext.name)
        if not built.exists():
            return False
        newest_input = max(os.path.getmtime(ROOT / p) for p in list(ext.sources) + list(ext.depends))
        if built.stat().st_mtime <= newest_input:
            return False
        target = Path(self.get_ext_fullpath(ext.name))
        if target.resolve() != built.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
        print(f"cynn: {ext.name} is up to date, not recompiled", file=sys.stderr)
        return True

    def _write_build_config(self):
        text = ('"""Written by setup.py at build time; do not edit."""\n'
                + "".join(f"{key} = {value!r}\n" for key, value in self._config.items())
                + f"COMPILER = {' '.join(getattr(self.compiler, 'compiler_so', []) or [])!r}\n")
        targets = [ROOT / "cynn" / "_build_config.py"]
        if not self.inplace:
            targets.append(Path(self.build_lib) / "cynn" / "_build_config.py")
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


def _translation_key(source, shared):
    """What the C translation of ``source`` depends on: its text, every local header and
    .pxd, the directives and the Cython and numpy versions."""
    import Cython
    import numpy

    digest = hashlib.sha256()
    for part in (Cython.__version__, numpy.__version__, repr(sorted(_directives().items()))):
        digest.update(part.encode() + b"\0")
    for path in [source] + shared:
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _extensions():
    from Cython.Build import cythonize
    import numpy

    sources = sorted((ROOT / "pyx").glob("*.pyx"))
    shared = sorted((ROOT / "pyx").glob("*.h")) + sorted((ROOT / "pyx").glob("*.pxd"))
    if ONLY:
        sources = [s for s in sources if s.stem in ONLY]

    def extension(source):
        return Extension(
            f"cynn._kernels.{source.stem}",
            [str(source.relative_to(ROOT))],
            include_dirs=[numpy.get_include(), "pyx"],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            # editing a header or .pxd alone must rebuild the kernels that include it
            depends=[str(p.relative_to(ROOT)) for p in shared],
        )

    # Cython's own staleness check compares modification times, also those of numpy's
    # .pxd files, which pip's isolated build environment installs afresh for every
    # build: every kernel would be translated (and then compiled) again. It also misses
    # a change of directives. A hash of what the translation reads decides instead.
    stamps_path = ROOT / "pyx" / ".translations.json"
    try:
        stamps = json.loads(stamps_path.read_text())
    except (OSError, ValueError):
        stamps = {}
    keys = {src.stem: _translation_key(src, shared) for src in sources}
    current, stale = [], []
    for src in sources:
        c_file = src.with_suffix(".c")
        if c_file.exists() and stamps.get(src.stem) == keys[src.stem]:
            current.append(extension(c_file))
        else:
            stale.append(extension(src))
    translated = cythonize(stale, compiler_directives=_directives(), include_path=["pyx"],
                           force=True, quiet=True) if stale else []
    for ext in stale:
        stamps[ext.name.rsplit(".", 1)[1]] = keys[ext.name.rsplit(".", 1)[1]]
    stamps_path.write_text(json.dumps(stamps, indent=1, sort_keys=True))
    return sorted(current + translated, key=lambda ext: ext.name)


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildKernels})
