"""``python -m cynn.demo`` as a worker script: ``mpiexec -n 2 python -m mpi4py
demo_module.py --distributed ...`` runs what ``mpiexec -n 2 python -m mpi4py -m
cynn.demo --distributed ...`` runs (the module as ``__main__``, these arguments in
``sys.argv``)."""
import runpy

if __name__ == "__main__":
    runpy.run_module("cynn.demo", run_name="__main__", alter_sys=True)
