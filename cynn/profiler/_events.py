"""What the profiler hands back: one ``FunctionEvent`` per recorded range, ``EventList``
of them, ``FunctionEventAvg`` per key of ``key_averages``, and the two text forms,
torch's summary table and a Chrome trace (JSON that chrome://tracing and Perfetto read).
Times are microseconds (floats), as in torch."""
import enum
import gzip
import json
import os
from collections import OrderedDict

__all__ = ["DeviceType", "FunctionEvent", "FunctionEventAvg", "EventList"]


class DeviceType(enum.IntEnum):
    """Device kinds, numbered as torch's ``DeviceType``; cynn records ``CPU`` only."""

    CPU = 0
    CUDA = 1
    MKLDNN = 2
    OPENGL = 3
    OPENCL = 4
    IDEEP = 5
    HIP = 6
    FPGA = 7
    MAIA = 8
    XLA = 9
    Vulkan = 10
    Metal = 11
    XPU = 12
    MPS = 13
    Meta = 14
    HPU = 15
    VE = 16
    Lazy = 17
    IPU = 18
    MTIA = 19
    PrivateUse1 = 20


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


def _format_memory(nbytes):
    kb = 1024
    for unit, size in (("GB", kb ** 3), ("MB", kb ** 2), ("KB", kb)):
        if abs(nbytes) >= size:
            return f"{nbytes * 1.0 / size:.2f} {unit}"
    return f"{nbytes} B"


class _TimeStrings:
    @property
    def cpu_time_str(self):
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self):
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self):
        return _format_time(self.self_cpu_time_total)

    # no device in cynn: kept so code written for torch's events reads them
    device_time = device_time_total = self_device_time_total = 0.0
    cuda_time = cuda_time_total = self_cuda_time_total = 0.0
    device_memory_usage = self_device_memory_usage = 0
    device_type = DeviceType.CPU
    use_device = None
    node_id = -1
    is_async = False
    is_remote = False
    is_legacy = False
    flops = 0
    scope = 0
    overload_name = ""


class FunctionEvent(_TimeStrings):
    """One recorded range: an op (``aten::addmm``), a backward node
    (``AddmmBackward0``) or a ``record_function`` block.

    Attributes:
        name, key: the range's name.
        id: its number in the trace.
        thread: the native id of the thread it ran on.
        start_us, end_us: when it began and ended (microseconds).
        cpu_time_total: its duration; ``self_cpu_time_total``: minus its children's.
        input_shapes: one list of sizes per input (``[]`` for a non-tensor), when
            the profiler recorded shapes.
        cpu_memory_usage, self_cpu_memory_usage: bytes of the tensors it (and its
            children) returned, when the profiler recorded memory.
        cpu_parent, cpu_children: the enclosing range and the ranges directly inside.
        is_user_annotation: True for ``record_function`` ranges.
        sequence_nr: the autograd node's sequence number of an op that recorded one,
            else -1.
    """

    count = 1

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None,
                 cpu_memory_usage=0, self_cpu_memory_usage=0, is_user_annotation=False,
                 sequence_nr=-1, stack=None, category="cpu_op"):
        self.id = id
        # every step range is one key in tables, as in torch; the trace keeps the number
        self.trace_name = name
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name
        self.thread = thread
        self.start_us = start_us
        self.end_us = end_us
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.cpu_memory_usage = cpu_memory_usage
        self.self_cpu_memory_usage = self_cpu_memory_usage
        self.is_user_annotation = is_user_annotation
        self.sequence_nr = sequence_nr
        self.stack = stack if stack is not None else []
        self.category = category
        self.cpu_parent = None
        self.cpu_children = []

    @property
    def key(self):
        return self.name

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} thread={self.thread} "
                f"cpu_time={self.cpu_time_str} start_us={self.start_us:.3f} "
                f"end_us={self.end_us:.3f} cpu_children={[c.id for c in self.cpu_children]} "
                f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg(_TimeStrings):
    """The events of one key summed: ``count`` calls, ``cpu_time_total``,
    ``self_cpu_time_total``, ``cpu_time`` (the mean), memory likewise."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes = None
        self.stack = None
        self.is_user_annotation = False
        self.cpu_parent = None
        self.cpu_children = None

    def add(self, other):
        """Add ``other`` (a FunctionEvent or FunctionEventAvg of the same key)."""
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.is_user_annotation = other.is_user_annotation
        elif other.key != self.key:
            raise AssertionError(f"Expected keys to match: {self.key} vs {other.key}")
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    def __iadd__(self, other):
        return self.add(other)

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class EventList(list):
    """A list of events with torch's summaries (``table``, ``key_averages``,
    ``total_average``, ``export_chrome_trace``)."""

    def __init__(self, *args, profile_memory=False, **kwargs):
        super().__init__(*args)
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """One ``FunctionEventAvg`` per name (and per input shapes with
        ``group_by_input_shape``, per the first ``group_by_stack_n`` stack frames),
        in order of first appearance."""
        stats = OrderedDict()
        for event in self:
            key = (event.key,)
            if group_by_input_shape:
                key += (str(event.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(event.stack[:group_by_stack_n])
            stats.setdefault(key, FunctionEventAvg()).add(event)
        averages = EventList(stats.values(), profile_memory=self._profile_memory)
        for avg in averages:
            avg.stack = avg.stack[:group_by_stack_n] if avg.stack else []
            if not group_by_input_shape:
                avg.input_shapes = ""
        return averages

    def total_average(self):
        """Every event summed into one ``FunctionEventAvg`` keyed ``"Total"``."""
        total = FunctionEventAvg()
        for event in self:
            total.count += event.count
            total.cpu_time_total += event.cpu_time_total
            total.self_cpu_time_total += event.self_cpu_time_total
            total.cpu_memory_usage += event.cpu_memory_usage
            total.self_cpu_memory_usage += event.self_cpu_memory_usage
        total.key = "Total"
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        """The summary table, as torch prints it.

        Args:
            sort_by (str): an attribute to sort by, largest first: ``"cpu_time_total"``,
                ``"self_cpu_time_total"``, ``"cpu_time"``, ``"count"``,
                ``"cpu_memory_usage"``, ``"self_cpu_memory_usage"`` (``cuda``/device
                keys are accepted and are all 0).
            row_limit (int): at most this many rows.
            top_level_events_only (bool): only events without a parent.
            time_unit (str): ``"s"``, ``"ms"`` or ``"us"`` for every time; the default
                picks one per value.
        """
        return _build_table(self, sort_by, row_limit, max_name_column_width,
                            max_shapes_column_width, header, top_level_events_only,
                            time_unit, self._profile_memory)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (gzip-compressed when ``path`` ends in
        ``.gz``)."""
        _write_chrome_trace(self, path)


def _time_in(time_us, unit):
    if unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if unit == "us":
        return f"{time_us:.3f}us"
    return _format_time(time_us)


def _build_table(events, sort_by, row_limit, max_name_width, max_shapes_width, header,
                 top_level_only, time_unit, profile_memory):
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device")
        events = sorted(events, key=lambda e: getattr(e, attribute), reverse=True)
    has_shapes = any(e.input_shapes for e in events)
    name_width = max(len(e.key) for e in events) + 4
    if max_name_width is not None:
        name_width = min(name_width, max_name_width)
    shapes_width = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_width is not None:
        shapes_width = min(shapes_width, max_shapes_width)

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    widths = [name_width] + [12] * 5
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        widths += [12, 12]
    headers.append("# of Calls")
    widths.append(12)
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    # every column right-aligned and followed by two spaces, the last one too
    row_format = "".join("{:>" + str(w) + "}  " for w in widths)
    separator = "".join("-" * w + "  " for w in widths)
    line_length = sum(w + 2 for w in widths) - 2

    total_self = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if max_name_width is not None and len(name) >= max_name_width - 3:
            name = name[:max_name_width - 3] + "..."
        row = [name,
               _format_time_share(e.self_cpu_time_total, total_self),
               _time_in(e.self_cpu_time_total, time_unit),
               _format_time_share(e.cpu_time_total, total_self),
               _time_in(e.cpu_time_total, time_unit),
               _time_in(e.cpu_time, time_unit)]
        if profile_memory:
            row += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
        row.append(e.count)
        if has_shapes:
            row.append(str(e.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines.append(separator)
    lines.append(f"Self CPU time total: {_time_in(total_self, time_unit)}")
    return "\n".join(lines) + "\n"


def _write_chrome_trace(events, path):
    pid = os.getpid()
    trace = [{"name": "process_name", "ph": "M", "ts": 0, "pid": pid, "tid": 0,
              "args": {"name": "python"}}]
    threads = sorted({e.thread for e in events})
    for tid in threads:
        trace.append({"name": "thread_name", "ph": "M", "ts": 0, "pid": pid, "tid": tid,
                      "args": {"name": f"thread {tid}"}})
    for e in sorted(events, key=lambda e: (e.start_us, -e.end_us)):
        args = {"External id": e.id}
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        if e.sequence_nr >= 0:
            args["Sequence number"] = e.sequence_nr
        if e.self_cpu_memory_usage:
            args["Self Bytes"] = e.self_cpu_memory_usage
        trace.append({"ph": "X", "cat": e.category, "name": e.trace_name, "pid": pid,
                      "tid": e.thread, "ts": round(e.start_us, 3),
                      "dur": round(e.cpu_time_total, 3), "args": args})
    document = {"schemaVersion": 1, "deviceProperties": [], "traceEvents": trace,
                "displayTimeUnit": "ms", "traceName": os.fspath(path)}
    data = json.dumps(document).encode()
    if os.fspath(path).endswith(".gz"):
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
