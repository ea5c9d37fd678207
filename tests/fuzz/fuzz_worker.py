"""A fuzz worker: reads specs from stdin, runs each (``fuzz_cases.run``), writes the
result to stdout, until stdin closes. A crash kills only this process; the pool
(``fuzz_pool.py``) sees the pipe close, reports the spec and starts another worker.

With a JSON spec as argument it runs that one case in this process instead and prints
the result -- the reproducer line a failure prints::

    python tests/fuzz/fuzz_worker.py '{"op": "conv2d", ...}'

Frames on both pipes: an 8-byte little-endian length, then a pickle.
Replies: ``("ready", None)`` once torch and cynn are imported, then per case
``("ok", summary)``, ``("mismatch", message)`` or ``("error", traceback)``.
"""
import faulthandler
import json
import os
import pickle
import struct
import sys
import traceback

HEADER = struct.Struct("<Q")
# Without ASan, a runaway allocation should fail as MemoryError here, not make the kernel
# OOM-kill whatever else runs on the machine. ASan reserves terabytes of address space.
MEMORY_LIMIT = 6 << 30


def read_frame(stream):
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return pickle.loads(stream.read(HEADER.unpack(header)[0]))


def write_frame(stream, obj):
    data = pickle.dumps(obj)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _limit_memory():
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        return
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # not Linux, or a lower hard limit
        pass


def serve():
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)   # stray prints from the code under test must not corrupt the protocol
    faulthandler.enable()   # a segfault prints the Python stack to stderr (the pool's log)
    _limit_memory()
    import fuzz_cases
    fuzz_cases.configure_torch()
    write_frame(replies, ("ready", None))   # the case timeout starts after the imports
    while True:
        spec = read_frame(sys.stdin.buffer)
        if spec is None:
            return
        print(f"case: {json.dumps(spec)}", file=sys.stderr, flush=True)
        try:
            reply = ("ok", fuzz_cases.run(spec))
        except fuzz_cases.Mismatch as e:
            reply = ("mismatch", str(e))
        except Exception:  # a harness error: reported in full, the worker carries on
            reply = ("error", traceback.format_exc())
        write_frame(replies, reply)


def reproduce(text):
    faulthandler.enable()
    import fuzz_cases
    fuzz_cases.configure_torch()
    spec = json.loads(text)
    print(fuzz_cases.run(spec))
    return 0


if __name__ == "__main__":
    sys.exit(reproduce(sys.argv[1]) if len(sys.argv) > 1 else serve())
