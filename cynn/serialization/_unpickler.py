"""cynn's own pickle interpreter for weights-only loads: it builds, it never runs.

A pickle is a program for a small stack machine (see ``pickletools``): opcodes
push values, build containers, name globals (``GLOBAL 'os system'``) and call
them (``REDUCE``). ``pickle.Unpickler`` imports and calls whatever a file names;
this interpreter resolves a name only through the explicit table of
``_torch_names`` or the user's allow list (``add_safe_globals``), calls only
those, and refuses every opcode whose only use is to run code (``INST``,
``OBJ``, the extension registry, out-of-band buffers).

Every read is checked against the end of the stream, the stack cannot underflow
its mark, integers and the memo are bounded, and the finished object may not be
nested more than :data:`MAX_NESTING` levels deep (deeper objects make ordinary
code such as ``repr`` or ``==`` recurse past Python's limit). Anything wrong
raises :class:`WeightsOnlyUnpicklingError` with the byte offset of the opcode.
"""
import struct

from . import _safe_globals, _torch_names
from ._errors import WeightsOnlyUnpicklingError

__all__ = ["SafeUnpickler", "MAX_NESTING", "unsupported_global_message"]

MAX_NESTING = 1000
_MAX_LONG_BYTES = 1 << 16       # a 500,000-bit integer: far beyond any count a checkpoint holds
_MAX_MEMO = 1 << 24
_MAX_LINE = 1 << 12             # a GLOBAL's module or name
_HIGHEST_PROTOCOL = 5


def unsupported_global_message(name):
    """torch's explanation of a refused global, with cynn's names in its advice."""
    return (
        "Weights only load failed. This file can still be loaded, to do so you have two "
        "options, do those steps only if you trust the source of the checkpoint. \n"
        "\t(1) Re-running `cynn.load` with `weights_only` set to `False` will likely succeed, "
        "but it can result in arbitrary code execution. Do it only if you got the file from a "
        "trusted source.\n"
        "\t(2) Alternatively, to load with `weights_only=True` please check the recommended "
        "steps in the following error message.\n"
        f"\tWeightsUnpickler error: Unsupported global: GLOBAL {name} was not an allowed global "
        f"by default. Please use `cynn.serialization.add_safe_globals([{name}])` or the "
        f"`cynn.serialization.safe_globals([{name}])` context manager to allowlist this global "
        "if you trust this class/function.\n\n"
        "Check the documentation of cynn.load (docs/checkpoints.md) to learn more about types "
        "accepted by default with weights_only.")


class _Stop(Exception):
    pass


class SafeUnpickler:
    """Interpret one pickle stream with only allowed globals.

    Args:
        data (bytes): the whole stream (``data.pkl``).
        persistent_load: called with each persistent id (BINPERSID); returns its object.
        source (str): how error messages name the stream.
    """

    def __init__(self, data, persistent_load, source):
        self.data = memoryview(data)
        self.persistent_load = persistent_load
        self.source = source
        self.pos = 0
        self.stack = []
        self.marks = []
        self.memo = {}
        self.allowed = _safe_globals.allowed_by_name()
        self.allowed_objects = {id(obj): obj for obj in self.allowed.values()}

    def load(self):
        """The object the stream builds."""
        dispatch = _DISPATCH
        data = self.data
        start = 0
        try:
            while True:
                start = self.pos
                if start >= len(data):
                    raise WeightsOnlyUnpicklingError("the pickle ended before its STOP opcode "
                                                     "(the file is truncated)")
                opcode = data[start]
                self.pos = start + 1
                handler = dispatch.get(opcode)
                if handler is None:
                    raise WeightsOnlyUnpicklingError(_unsupported_opcode(opcode))
                handler(self)
        except _Stop:
            result = self.stack.pop()
        except WeightsOnlyUnpicklingError as exc:
            raise WeightsOnlyUnpicklingError(f"{self.source}, byte {start}: {exc}") from None
        except (MemoryError, RecursionError, ArithmeticError, LookupError, TypeError,
                ValueError, AttributeError) as exc:
            # An allowed class's own code (__setstate__, __new__, __hash__) failed.
            raise WeightsOnlyUnpicklingError(f"{self.source}, byte {start}: "
                                             f"{type(exc).__name__}: {exc}") from exc
        _check_nesting(result, self.source)
        return result

    # ------------------------------------------------------------------ reading
    def _take(self, n):
        end = self.pos + n
        if end > len(self.data):
            raise WeightsOnlyUnpicklingError(f"the pickle needs {n} more bytes at byte "
                                             f"{self.pos} but ends at byte {len(self.data)} "
                                             f"(the file is truncated)")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def _unpack(self, fmt):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _line(self):
        data = self.data
        limit = min(len(data), self.pos + _MAX_LINE)
        for end in range(self.pos, limit):
            if data[end] == 10:  # "\n"
                text = bytes(data[self.pos:end])
                self.pos = end + 1
                try:
                    return text.decode("utf-8")
                except UnicodeDecodeError:
                    raise WeightsOnlyUnpicklingError(f"the name {text[:60]!r} is not UTF-8") \
                        from None
        raise WeightsOnlyUnpicklingError("a GLOBAL's name has no end of line within "
                                         f"{_MAX_LINE} bytes (the file is truncated or damaged)")

    # ------------------------------------------------------------------ the stack
    def _fence(self):
        return self.marks[-1] if self.marks else 0

    def _push(self, value):
        self.stack.append(value)

    def _pop(self):
        if len(self.stack) <= self._fence():
            raise WeightsOnlyUnpicklingError("the pickle pops more than it pushed (stack "
                                             "underflow)")
        return self.stack.pop()

    def _peek(self):
        if len(self.stack) <= self._fence():
            raise WeightsOnlyUnpicklingError("the pickle reads an empty stack (stack underflow)")
        return self.stack[-1]

    def _pop_mark(self):
        if not self.marks:
            raise WeightsOnlyUnpicklingError("the pickle closes a MARK it never opened")
        mark = self.marks.pop()
        items = self.stack[mark:]
        del self.stack[mark:]
        return items

    def _memo_put(self, index):
        if len(self.memo) >= _MAX_MEMO and index not in self.memo:
            raise WeightsOnlyUnpicklingError(f"the pickle memoizes more than {_MAX_MEMO} objects")
        self.memo[index] = self._peek()

    def _memo_get(self, index):
        try:
            self._push(self.memo[index])
        except KeyError:
            raise WeightsOnlyUnpicklingError(f"the pickle reads memo entry {index}, which it "
                                             f"never stored") from None

    # ------------------------------------------------------------------ globals and calls
    def _resolve(self, module, name):
        qualified = _torch_names.canonical_name(module, name)
        found = _torch_names.lookup(qualified)
        if found is None:
            found = self.allowed.get(qualified)
        if found is None:
            raise WeightsOnlyUnpicklingError(unsupported_global_message(qualified))
        return found

    def _is_user_allowed(self, obj):
        return self.allowed_objects.get(id(obj)) is obj

    def _call(self, func, args):
        if not isinstance(args, tuple):
            raise WeightsOnlyUnpicklingError(f"REDUCE needs an argument tuple, got "
                                             f"{type(args).__name__}")
        if _torch_names.is_builder(func) or self._is_user_allowed(func):
            return func(*args)
        raise WeightsOnlyUnpicklingError(f"REDUCE may call only allowed functions and classes, "
                                         f"not {_describe(func)}")

    def _new(self, cls, args, kwargs):
        if not (isinstance(cls, type) and self._is_user_allowed(cls)):
            raise WeightsOnlyUnpicklingError(f"NEWOBJ may create only instances of allowed "
                                             f"classes, not {_describe(cls)}")
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise WeightsOnlyUnpicklingError("NEWOBJ needs an argument tuple (and a dict)")
        return cls.__new__(cls, *args, **kwargs)

    def _build(self, obj, state):
        if self._is_user_allowed(type(obj)):
            setstate = getattr(obj, "__setstate__", None)
            if setstate is not None:
                setstate(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                    raise WeightsOnlyUnpicklingError("BUILD needs a dict of attribute names")
                obj.__dict__.update(state)
            if slots:
                if not isinstance(slots, dict) or not all(isinstance(k, str) for k in slots):
                    raise WeightsOnlyUnpicklingError("BUILD needs a dict of slot names")
                for key, value in slots.items():
                    setattr(obj, key, value)
        elif _torch_names.build_allowed(obj):
            _torch_names.build(obj, state)
        else:
            cls = type(obj)
            name = f"{cls.__module__}.{cls.__qualname__}"
            raise WeightsOnlyUnpicklingError(
                f"BUILD may set the state only of allowed classes, not of {name}: allow it with "
                f"`cynn.serialization.add_safe_globals([{name}])` if you trust it")


def _describe(obj):
    name = getattr(obj, "__qualname__", None)
    if name is not None:
        return f"{getattr(obj, '__module__', '?')}.{name}"
    return f"an object of type {type(obj).__name__}"


def _unsupported_opcode(opcode):
    import pickletools
    known = {op.code.encode("latin-1")[0]: op.name for op in pickletools.opcodes}
    name = known.get(opcode)
    if name is None:
        return f"byte {opcode:#04x} is not a pickle opcode (the file is damaged)"
    return (f"the opcode {name} is not supported by the weights-only reader: it exists only "
            f"to run code or to read data outside the stream")


# ---------------------------------------------------------------------- opcodes

def _proto(u):
    version = u._take(1)[0]
    if version > _HIGHEST_PROTOCOL:
        raise WeightsOnlyUnpicklingError(f"unsupported pickle protocol {version}")


def _frame(u):
    length = u._unpack("<Q")
    if length > len(u.data) - u.pos:
        raise WeightsOnlyUnpicklingError(f"a frame of {length} bytes runs past the end of the "
                                         "pickle (the file is truncated)")


def _stop(u):
    u._peek()
    raise _Stop


def _long(u, length):
    if length < 0 or length > _MAX_LONG_BYTES:
        raise WeightsOnlyUnpicklingError(f"an integer of {length} bytes is out of bounds")
    u._push(int.from_bytes(u._take(length), "little", signed=True))


def _text(u, length):
    try:
        u._push(str(u._take(length), "utf-8", "surrogatepass"))
    except UnicodeDecodeError as exc:
        raise WeightsOnlyUnpicklingError(f"a string is not valid UTF-8: {exc}") from None


def _tuple_of(n):
    def handler(u):
        items = [u._pop() for _ in range(n)]
        u._push(tuple(reversed(items)))
    return handler


def _append(u):
    value = u._pop()
    _list_target(u).append(value)


def _appends(u):
    items = u._pop_mark()
    _list_target(u).extend(items)


def _list_target(u):
    target = u._peek()
    if not isinstance(target, list):
        raise WeightsOnlyUnpicklingError(f"APPEND to a {type(target).__name__}, not a list")
    return target


def _setitem(u):
    value = u._pop()
    key = u._pop()
    _dict_target(u)[key] = value


def _setitems(u):
    items = u._pop_mark()
    if len(items) % 2:
        raise WeightsOnlyUnpicklingError("SETITEMS with a key and no value")
    target = _dict_target(u)
    for i in range(0, len(items), 2):
        target[items[i]] = items[i + 1]


def _dict_target(u):
    target = u._peek()
    if not isinstance(target, dict):
        raise WeightsOnlyUnpicklingError(f"SETITEM on a {type(target).__name__}, not a dict")
    return target


def _dict_from_mark(u):
    items = u._pop_mark()
    if len(items) % 2:
        raise WeightsOnlyUnpicklingError("DICT with a key and no value")
    u._push({items[i]: items[i + 1] for i in range(0, len(items), 2)})


def _additems(u):
    items = u._pop_mark()
    target = u._peek()
    if not isinstance(target, set):
        raise WeightsOnlyUnpicklingError(f"ADDITEMS to a {type(target).__name__}, not a set")
    target.update(items)


def _pop_op(u):
    if len(u.stack) > u._fence():
        u.stack.pop()
    elif u.marks:
        u.marks.pop()
    else:
        u._pop()


def _mark(u):
    if len(u.marks) >= MAX_NESTING:
        raise WeightsOnlyUnpicklingError(f"more than {MAX_NESTING} MARKs are open at once")
    u.marks.append(len(u.stack))


def _global(u):
    module = u._line()
    name = u._line()
    u._push(u._resolve(module, name))


def _stack_global(u):
    name = u._pop()
    module = u._pop()
    if not isinstance(module, str) or not isinstance(name, str):
        raise WeightsOnlyUnpicklingError("STACK_GLOBAL needs a module and a name as strings")
    u._push(u._resolve(module, name))


def _reduce(u):
    args = u._pop()
    func = u._pop()
    u._push(u._call(func, args))


def _newobj(u):
    args = u._pop()
    cls = u._pop()
    u._push(u._new(cls, args, {}))


def _newobj_ex(u):
    kwargs = u._pop()
    args = u._pop()
    cls = u._pop()
    u._push(u._new(cls, args, kwargs))


def _build(u):
    state = u._pop()
    u._build(u._peek(), state)


def _binpersid(u):
    pid = u._pop()
    if u.persistent_load is None:
        raise WeightsOnlyUnpicklingError("the pickle refers to external data (BINPERSID), "
                                         "which this stream has none of")
    u._push(u.persistent_load(pid))


def _dup(u):
    u._push(u._peek())


def _memoize(u):
    u._memo_put(len(u.memo))


_DISPATCH = {op[0]: handler for op, handler in {
    b"\x80": _proto,
    b"\x95": _frame,
    b".": _stop,
    b"(": _mark,
    b"0": _pop_op,
    b"1": lambda u: u._pop_mark(),
    b"2": _dup,
    b"N": lambda u: u._push(None),
    b"\x88": lambda u: u._push(True),
    b"\x89": lambda u: u._push(False),
    b"J": lambda u: u._push(u._unpack("<i")),
    b"K": lambda u: u._push(u._take(1)[0]),
    b"M": lambda u: u._push(u._unpack("<H")),
    b"\x8a": lambda u: _long(u, u._take(1)[0]),
    b"\x8b": lambda u: _long(u, u._unpack("<i")),
    b"G": lambda u: u._push(u._unpack(">d")),
    b"X": lambda u: _text(u, u._unpack("<I")),
    b"\x8c": lambda u: _text(u, u._take(1)[0]),
    b"\x8d": lambda u: _text(u, u._unpack("<Q")),
    b"B": lambda u: u._push(bytes(u._take(u._unpack("<I")))),
    b"C": lambda u: u._push(bytes(u._take(u._take(1)[0]))),
    b"\x8e": lambda u: u._push(bytes(u._take(u._unpack("<Q")))),
    b"\x96": lambda u: u._push(bytearray(u._take(u._unpack("<Q")))),
    b"]": lambda u: u._push([]),
    b"a": _append,
    b"e": _appends,
    b"l": lambda u: u._push(u._pop_mark()),
    b")": lambda u: u._push(()),
    b"t": lambda u: u._push(tuple(u._pop_mark())),
    b"\x85": _tuple_of(1),
    b"\x86": _tuple_of(2),
    b"\x87": _tuple_of(3),
    b"}": lambda u: u._push({}),
    b"d": _dict_from_mark,
    b"s": _setitem,
    b"u": _setitems,
    b"\x8f": lambda u: u._push(set()),
    b"\x90": _additems,
    b"\x91": lambda u: u._push(frozenset(u._pop_mark())),
    b"h": lambda u: u._memo_get(u._take(1)[0]),
    b"j": lambda u: u._memo_get(u._unpack("<I")),
    b"q": lambda u: u._memo_put(u._take(1)[0]),
    b"r": lambda u: u._memo_put(u._unpack("<I")),
    b"\x94": _memoize,
    b"c": _global,
    b"\x93": _stack_global,
    b"R": _reduce,
    b"b": _build,
    b"\x81": _newobj,
    b"\x92": _newobj_ex,
    b"Q": _binpersid,
}.items()}


# ---------------------------------------------------------------------- nesting

def _children(obj):
    if isinstance(obj, (list, tuple, set, frozenset)):
        yield from obj
    if isinstance(obj, dict):
        yield from obj.keys()
        yield from obj.values()
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict) and not isinstance(obj, type):
        yield from attributes.values()


def _is_leaf(obj):
    return obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, bytearray))


def _check_nesting(root, source):
    """Raise if ``root`` nests containers more than MAX_NESTING deep.

    Depth-first without recursion; each object is expanded once (shared objects
    keep their depth), and an object already on the path (a cycle) adds nothing.
    """
    depth_of = {}
    path = [(root, _children(root), 0)]
    on_path = {id(root)}
    keep_alive = [root]
    while path:
        obj, children, deepest = path[-1]
        for child in children:
            if _is_leaf(child) or id(child) in on_path:
                continue
            known = depth_of.get(id(child))
            if known is not None:
                if len(path) + known >= MAX_NESTING:
                    raise WeightsOnlyUnpicklingError(
                        f"{source}: the object is nested more than {MAX_NESTING} levels deep")
                deepest = max(deepest, known + 1)
                continue
            if len(path) >= MAX_NESTING:
                raise WeightsOnlyUnpicklingError(
                    f"{source}: the object is nested more than {MAX_NESTING} levels deep")
            path[-1] = (obj, children, deepest)
            path.append((child, _children(child), 0))
            on_path.add(id(child))
            keep_alive.append(child)
            break
        else:
            path.pop()
            on_path.discard(id(obj))
            depth_of[id(obj)] = deepest
            if path:
                parent, parent_children, parent_deepest = path[-1]
                path[-1] = (parent, parent_children, max(parent_deepest, deepest + 1))
