"""Run an unedited PyTorch script on cynn: ``python -m cynn.as_torch script.py [args...]``.

The script runs as ``__main__`` exactly as ``python script.py [args...]`` would run it
(``sys.argv`` is ``["script.py", args...]``, the script's directory is first on
``sys.path``, exit status and tracebacks are Python's), except that ``import torch``
and every ``import torch.X`` / ``from torch.X import ...`` resolve to ``cynn`` and
``cynn.X``. ``python -m cynn.as_torch -m package.module [args...]`` runs a module the
way ``python -m`` does.

In a notebook or a program of your own, call :func:`install` before the first
``import torch``::

    import cynn.as_torch
    cynn.as_torch.install()
    import torch                       # this is cynn
    import torch.nn.functional as F    # cynn.nn.functional
    cynn.as_torch.uninstall()          # torch is torch again for later imports

A ``torch`` submodule cynn does not have raises ``ModuleNotFoundError`` naming both.
:func:`install` raises ``RuntimeError`` when the real torch is already imported in
the process. Child processes of ``torch.multiprocessing`` / ``DataLoader`` workers see
the alias too, whatever the start method.
"""
import builtins
import importlib.machinery
import os
import runpy
import sys
import types

from ._torch_alias import install, is_installed, uninstall

__all__ = ["install", "uninstall", "is_installed", "main"]

# the module this file runs as under -m, kept alive once the script replaces __main__
_runner_modules = []

USAGE = """\
usage: python -m cynn.as_torch script.py [args ...]
       python -m cynn.as_torch -m module [args ...]

Run a PyTorch script unchanged with 'torch' resolved to cynn."""


def _without_runner_frames(traceback):
    """The traceback from the first frame that is not this runner's or runpy's, so that
    it reads as ``python script.py`` prints it."""
    # runpy is frozen in some builds: its frames then name "<frozen runpy>", not a path
    runner_files = {os.path.abspath(__file__), os.path.abspath(runpy.__file__), "<frozen runpy>"}
    while traceback is not None and _code_file(traceback) in runner_files:
        traceback = traceback.tb_next
    return traceback


def _code_file(traceback):
    filename = traceback.tb_frame.f_code.co_filename
    return filename if filename.startswith("<") else os.path.abspath(filename)


def _run(target, as_module):
    if as_module:
        # python -m puts the working directory first on sys.path
        sys.path[0] = os.getcwd()
        runpy.run_module(target, run_name="__main__", alter_sys=True)
        return
    # python script.py puts the script's own directory there, symlinks resolved
    sys.path[0] = os.path.dirname(os.path.realpath(target))
    if not os.path.isfile(target):
        runpy.run_path(target, run_name="__main__")  # a directory or zip with __main__.py
        return
    _run_file_as_main(target)


def _run_file_as_main(path):
    """Execute ``path`` as the ``__main__`` module the way the interpreter does for
    ``python path``: ``__file__`` is the working directory joined to the path as given (not
    normalised), ``sys.argv[0]`` stays as given (runpy.run_path would rewrite it), and the
    module stays in ``sys.modules`` for pickling by reference (multiprocessing)."""
    filename = os.path.join(os.getcwd(), path)
    with open(path, "rb") as source_file:
        source = source_file.read()
    main_module = types.ModuleType("__main__")
    main_module.__file__ = filename
    main_module.__loader__ = importlib.machinery.SourceFileLoader("__main__", filename)
    main_module.__builtins__ = builtins
    main_module.__cached__ = None
    main_module.__annotations__ = {}
    # compiled before __main__ is replaced, so that a SyntaxError leaves the runner intact
    code = compile(source, filename, "exec", dont_inherit=True)
    _runner_modules.append(sys.modules["__main__"])
    sys.modules["__main__"] = main_module
    exec(code, main_module.__dict__)


def main(argv=None):
    """Install the alias and run ``argv[0]`` (a script path, or ``-m module``) with the rest
    of ``argv`` as its arguments. Returns the exit status for an uncaught exception;
    the script's own ``sys.exit`` passes through as ``SystemExit``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if not argv or argv == ["-m"]:
        print(USAGE, file=sys.stderr)
        return 2
    as_module = argv[0] == "-m"
    target = argv[1] if as_module else argv[0]
    if not as_module and not os.path.exists(target):
        print(f"{sys.executable}: can't open file {os.path.abspath(target)!r}: "
              f"[Errno 2] No such file or directory", file=sys.stderr)
        return 2
    install()
    sys.argv = argv[1:] if as_module else argv
    try:
        _run(target, as_module)
    except Exception as error:  # SystemExit and KeyboardInterrupt take Python's own path
        # the default hook prints error.__traceback__ whatever its third argument says
        traceback = _without_runner_frames(error.__traceback__)
        sys.excepthook(type(error), error.with_traceback(traceback), traceback)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
