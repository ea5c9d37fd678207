"""mpi4py, imported on first use: ``import cynn.distributed`` must work (and must not
start MPI) when the ``[mpi]`` extra is not installed or the job is not distributed."""
import importlib.util

INSTALL_HINT = 'pip install "cynn-nn[mpi]"'


def mpi4py_installed():
    return importlib.util.find_spec("mpi4py") is not None


def MPI():  # noqa: N802 -- returns mpi4py's MPI module, named as users know it
    """mpi4py's ``MPI`` module (importing it initialises MPI); a clear error naming
    the extra when mpi4py is missing or cannot load its MPI library."""
    try:
        from mpi4py import MPI as mpi
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            f"cynn.distributed needs mpi4py, which is not installed: {INSTALL_HINT} "
            "(brings mpi4py and the mpich wheel)") from err
    except ImportError as err:
        raise ImportError(
            f"cynn.distributed could not load mpi4py's MPI library ({err}); reinstall with "
            f"{INSTALL_HINT}, or on a cluster build mpi4py against the system MPI: "
            "pip install --no-binary mpi4py mpi4py") from err
    return mpi
