"""An import hook that answers ``import torch`` (and every ``torch.*`` submodule) with
cynn, so that a PyTorch script runs on cynn without an edit.

A finder placed first on ``sys.meta_path`` maps ``torch.X.Y`` to ``cynn.X.Y``: the
aliased name and cynn's own name are the *same module object*, so ``torch.nn.Module is
cynn.nn.Module`` and objects pickled under either name rebuild as cynn's classes. A
``torch`` submodule cynn does not have raises ``ModuleNotFoundError`` naming both;
an import error *inside* an existing cynn module (a missing optional dependency) comes
through unchanged rather than being reported as a missing submodule.

Child processes started with the ``"spawn"`` or ``"forkserver"`` method import the
parent's ``__main__`` afresh before anything else runs; while the alias is installed,
the data multiprocessing sends to them first carries an object whose unpickling
installs the alias in the child, so that the script's ``import torch`` resolves there
too. ``"fork"`` children inherit the hook with the rest of the process.

The public face is :mod:`cynn.as_torch` (``install``, ``uninstall`` and the
``python -m cynn.as_torch script.py`` runner).
"""
import importlib
import importlib.abc
import importlib.machinery
import multiprocessing.spawn
import sys
import threading

ALIAS = "torch"
TARGET = "cynn"


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves the module ``alias`` and its submodules to ``target``'s.

    ``find_spec`` imports the target module and hands it back through a spec whose
    loader does nothing, so the import system files the existing module object under the
    aliased name. Names outside ``alias`` are left to the other finders.
    """

    def __init__(self, alias, target):
        self.alias = alias
        self.target = target

    def target_name(self, fullname):
        """``"cynn.nn.functional"`` for ``"torch.nn.functional"``; None outside the alias."""
        if fullname == self.alias:
            return self.target
        if fullname.startswith(self.alias + "."):
            return self.target + fullname[len(self.alias):]
        return None

    def find_spec(self, fullname, path=None, target=None):
        target_name = self.target_name(fullname)
        if target_name is None:
            return None
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as error:
            if not _names_module_or_parent(error.name, target_name):
                raise  # something the target module itself imports is missing
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: {self.target} stands in for {self.alias} "
                f"here (python -m cynn.as_torch / cynn.as_torch.install()) and has no "
                f"module {target_name!r}", name=fullname) from None
        is_package = hasattr(module, "__path__")
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=getattr(module, "__file__", None),
                                              loader_state=module, is_package=is_package)
        if is_package:
            spec.submodule_search_locations = list(module.__path__)
        return spec

    def create_module(self, spec):
        # The existing module, not a copy: the import machinery does not overwrite the
        # __spec__/__name__/__file__ a module already has, so it stays cynn's.
        return spec.loader_state

    def exec_module(self, module):
        """Nothing to run: the target module was executed when it was first imported."""


def _names_module_or_parent(missing, target_name):
    """Whether a ``ModuleNotFoundError`` about ``missing`` means ``target_name`` (or one of
    the packages above it) does not exist, rather than a failed import inside it."""
    if missing is None:
        return False
    return target_name == missing or target_name.startswith(missing + ".")


class _InstallInChild:
    """Pickled into the data a spawned child reads before it imports ``__main__``;
    unpickling it installs the alias there."""

    def __reduce__(self):
        return (install, ())


_lock = threading.Lock()
_finder = None
_original_preparation_data = None


def _preparation_data_with_alias(name):
    data = _original_preparation_data(name)
    # prepare() in the child reads only the keys it knows; this one just has to be
    # unpickled, which happens before the child runs the parent's main module.
    data["cynn_torch_alias"] = _InstallInChild()
    return data


def _foreign_modules(alias):
    """Entries of ``sys.modules`` under ``alias`` that a different import put there."""
    return {name: module for name, module in list(sys.modules.items())
            if (name == alias or name.startswith(alias + "."))
            and module is not None and not _is_target_module(module)}


def _is_target_module(module):
    name = getattr(module, "__name__", "")
    return name == TARGET or name.startswith(TARGET + ".")


def is_installed():
    """Whether ``import torch`` currently resolves to cynn in this process."""
    return _finder is not None and _finder in sys.meta_path


def install():
    """Make ``import torch`` and ``import torch.X`` resolve to ``cynn`` and ``cynn.X``.

    Idempotent. Raises ``RuntimeError`` when the real torch is already imported in the
    process: modules holding it would mix its tensors with cynn's.
    """
    global _finder, _original_preparation_data
    with _lock:
        if is_installed():
            return
        foreign = _foreign_modules(ALIAS)
        if foreign:
            torch = foreign.get(ALIAS)
            where = getattr(torch, "__file__", None) if torch is not None else None
            version = getattr(torch, "__version__", None) if torch is not None else None
            found = (f"torch {version} from {where}" if where else
                     ", ".join(sorted(foreign))[:200])
            raise RuntimeError(
                f"cannot make 'torch' an alias of cynn: the real torch is already imported in "
                f"this process ({found}). Install the alias before anything imports torch "
                f"(first lines of the program), or run the script with "
                f"'python -m cynn.as_torch script.py'")
        _finder = AliasFinder(ALIAS, TARGET)
        sys.meta_path.insert(0, _finder)
        if _original_preparation_data is None:
            _original_preparation_data = multiprocessing.spawn.get_preparation_data
            multiprocessing.spawn.get_preparation_data = _preparation_data_with_alias


def uninstall():
    """Undo :func:`install`: ``torch`` is no longer cynn, and the ``torch.*`` entries the
    alias put in ``sys.modules`` are removed, so a later ``import torch`` finds the real
    one (if installed). Modules that already hold the aliased name keep cynn. No-op when
    not installed."""
    global _finder, _original_preparation_data
    with _lock:
        if _finder is not None and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
        _finder = None
        for name, module in list(sys.modules.items()):
            if (name == ALIAS or name.startswith(ALIAS + ".")) and _is_target_module(module):
                del sys.modules[name]
        if _original_preparation_data is not None:
            multiprocessing.spawn.get_preparation_data = _original_preparation_data
            _original_preparation_data = None
