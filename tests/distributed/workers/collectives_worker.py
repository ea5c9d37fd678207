"""Every collective, op and dtype against numpy on this job's ranks.

Each rank builds every rank's input from a seed (rank, case), so each knows the whole
input and computes the expected result with numpy. Prints one line per case:
``CASE <rank> <case> ok`` or ``CASE <rank> <case> <what went wrong>``.
"""
import sys
import traceback
import zlib

import numpy as np

import cynn
import cynn.distributed as dist

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
OPS = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]
SHAPE = (3, 4)


def rank_input(rank, case, dtype, shape=SHAPE):
    rng = np.random.default_rng([rank, zlib.crc32(case.encode())])
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("float"):
        return rng.uniform(-3, 3, shape).astype(dtype)
    low = 0 if dtype == "uint8" else -5
    return rng.integers(low, 6, shape).astype(dtype)   # small: products stay in range


def expected_reduction(op, inputs):
    """numpy's answer, or the exception type cynn must raise (as torch does)."""
    dtype = inputs[0].dtype
    stack = np.stack(inputs)
    if dtype == np.bool_:
        if op == "AVG":
            return RuntimeError
        return {"SUM": np.any, "MAX": np.any, "BOR": np.any, "PRODUCT": np.all,
                "MIN": np.all, "BAND": np.all,
                "BXOR": lambda s, axis: np.logical_xor.reduce(s, axis=axis)}[op](stack, axis=0)
    if dtype.kind == "f" and op in ("BAND", "BOR", "BXOR"):
        return RuntimeError
    if dtype.kind in "iu" and op == "AVG":
        return RuntimeError
    # half is reduced in float32 and rounded once, as a float32 reduction then a cast
    wide = stack.astype(np.float32) if dtype == np.float16 else stack
    result = {"SUM": lambda s: s.sum(0), "AVG": lambda s: s.sum(0) / len(s),
              "PRODUCT": lambda s: s.prod(0), "MIN": lambda s: s.min(0),
              "MAX": lambda s: s.max(0),
              "BAND": lambda s: np.bitwise_and.reduce(s, 0),
              "BOR": lambda s: np.bitwise_or.reduce(s, 0),
              "BXOR": lambda s: np.bitwise_xor.reduce(s, 0)}[op](wide)
    return result.astype(dtype)


def check_equal(got, expected):
    if got.dtype != expected.dtype:
        raise AssertionError(f"dtype {got.dtype}, expected {expected.dtype}")
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=1e-6 if expected.dtype != np.float16
                                   else 1e-3)
    else:
        np.testing.assert_array_equal(got, expected)


def all_reduce_case(case, rank, world, op, dtype, layout):
    inputs = [rank_input(r, case, dtype) for r in range(world)]
    expected = expected_reduction(op, inputs)
    if layout == "transposed":  # a non-contiguous view: reduced through a copy
        t = cynn.from_numpy(np.ascontiguousarray(inputs[rank].T)).t()
    else:
        t = cynn.from_numpy(inputs[rank].copy())
    reduce_op = getattr(dist.ReduceOp, op)
    if expected is RuntimeError:
        try:
            dist.all_reduce(t, op=reduce_op)
        except RuntimeError:
            return
        raise AssertionError("no RuntimeError")
    if layout == "async":
        work = dist.all_reduce(t, op=reduce_op, async_op=True)
        assert work.wait() is True
    else:
        assert dist.all_reduce(t, op=reduce_op) is None
    check_equal(t.numpy(), expected)


def broadcast_case(case, rank, world, dtype, src):
    inputs = [rank_input(r, case, dtype) for r in range(world)]
    t = cynn.from_numpy(inputs[rank].copy())
    dist.broadcast(t, src=src)
    check_equal(t.numpy(), inputs[src])


def all_gather_case(case, rank, world, dtype, shape):
    inputs = [rank_input(r, case, dtype, shape) for r in range(world)]
    outputs = [cynn.from_numpy(np.zeros(shape, dtype)) for _ in range(world)]
    dist.all_gather(outputs, cynn.from_numpy(inputs[rank].copy()))
    for got, expected in zip(outputs, inputs):
        check_equal(got.numpy(), expected)


def errors_case(rank, world):
    checks = [
        (RuntimeError, lambda: dist.broadcast(cynn.ones(2), src=world)),
        (ValueError, lambda: dist.broadcast(cynn.ones(2))),
        (TypeError, lambda: dist.all_reduce([1.0, 2.0])),
        (TypeError, lambda: dist.all_reduce(cynn.ones(2), op="sum")),
        (RuntimeError, lambda: dist.all_gather([cynn.ones(2)] * (world + 1), cynn.ones(2))),
        (RuntimeError, lambda: dist.all_gather([cynn.ones(3)] * world, cynn.ones(2))),
        (ValueError, lambda: dist.all_gather([cynn.ones(2).double()] * world, cynn.ones(2))),
        (TypeError, lambda: dist.all_gather(cynn.ones(2), cynn.ones(2))),
        (ValueError, lambda: dist.init_process_group("mpi")),
    ]
    for expected, call in checks:
        try:
            call()
        except expected:
            continue
        raise AssertionError(f"no {expected.__name__} from {call}")


def group_case(rank, world):
    assert dist.is_initialized() and dist.is_available()
    assert dist.get_rank() == rank and dist.get_world_size() == world
    assert dist.get_backend() == "mpi"
    dist.barrier()
    assert dist.barrier(async_op=True).wait()


def cases(rank, world):
    """``(name, run)`` for every case, in the same order on every rank."""
    yield "process-group", lambda: group_case(rank, world)
    yield "argument-errors", lambda: errors_case(rank, world)
    layouts = [(op, dtype, "contiguous") for op in OPS for dtype in DTYPES]
    layouts += [("SUM", "float32", "transposed"), ("SUM", "float32", "async")]
    for op, dtype, layout in layouts:
        name = f"all_reduce-{op}-{dtype}-{layout}"
        yield name, lambda n=name, o=op, d=dtype, lay=layout: all_reduce_case(n, rank, world,
                                                                              o, d, lay)
    for dtype in DTYPES:
        for src in range(world):
            name = f"broadcast-{dtype}-src{src}"
            yield name, lambda n=name, d=dtype, s=src: broadcast_case(n, rank, world, d, s)
        for shape in (SHAPE, ()):
            name = f"all_gather-{dtype}-{'x'.join(map(str, shape)) or 'scalar'}"
            yield name, lambda n=name, d=dtype, s=shape: all_gather_case(n, rank, world, d, s)


def report(line):
    """One write per line: the ranks share mpiexec's stdout, and print's separate
    write of the newline lets another rank's text in between."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    for name, run in cases(rank, world):
        try:
            run()
            report(f"CASE {rank} {name} ok")
        except Exception as err:  # report and go on: later collectives still match up
            report(f"CASE {rank} {name} {type(err).__name__}: {err}".replace("\n", " "))
            traceback.print_exc()
    dist.destroy_process_group()
    assert not dist.is_initialized()


if __name__ == "__main__":
    main()
