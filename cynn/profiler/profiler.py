"""``profile``: torch.profiler's profiler over cynn's dispatch (see ``_collector``)."""
import enum
import json
import os
import socket
import time
import warnings

from ._collector import Collector, record_function
from ._events import EventList, FunctionEvent

__all__ = ["ProfilerActivity", "ProfilerAction", "schedule", "profile", "supported_activities",
           "kineto_available", "tensorboard_trace_handler", "ExecutionTraceObserver"]


class ProfilerActivity(enum.IntEnum):
    """What to profile. cynn runs on the CPU: only ``CPU`` is recorded; the others are
    accepted and record nothing, as on a CPU-only torch build."""

    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5

    def __str__(self):
        return f"ProfilerActivity.{self.name}"


class ProfilerAction(enum.Enum):
    """What the profiler does at a step, as ``schedule`` returns it."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def supported_activities():
    """The activities this build can record: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


def kineto_available():
    """False: cynn records with its own dispatch hook, not PyTorch's Kineto library."""
    return False


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A step -> ``ProfilerAction`` function for ``profile(schedule=...)``.

    After ``skip_first`` steps, cycles of ``wait`` idle steps, ``warmup`` steps and
    ``active`` recorded steps (the last one ``RECORD_AND_SAVE``: ``on_trace_ready``
    runs after it), ``repeat`` times (0: until the profiler stops). A non-zero
    ``skip_first_wait`` skips the first cycle's ``wait``.

    Example::

        >>> s = cynn.profiler.schedule(wait=1, warmup=1, active=2)
        >>> [s(i).name for i in range(5)]
        ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE', 'NONE']
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), "
            f"warmup={warmup} (need >= 0), active={active} (need > 0), repeat={repeat} "
            f"(need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        phase = step % cycle
        if phase < wait:
            return ProfilerAction.NONE
        if phase < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if phase < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


_warned_clears = False


def _default_schedule(step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False,
                              use_python_export=False):
    """An ``on_trace_ready`` handler that writes each trace as Chrome-trace JSON to
    ``dir_name/<worker_name>.<time ns>.pt.trace.json`` (``.gz`` with ``use_gzip``),
    the layout TensorBoard's profiler plugin reads. ``worker_name`` defaults to
    ``<hostname>_<pid>``."""
    def handler_fn(prof):
        nonlocal worker_name
        os.makedirs(dir_name, exist_ok=True)
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json"
        if use_gzip:
            file_name += ".gz"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))
    return handler_fn


def _events_of(collector, next_id=0):
    """FunctionEvents from a collector's finished ranges, linked parent to children."""
    offset_us = collector.wall_offset_ns / 1000.0
    events = {}
    ordered = sorted(collector.ranges, key=lambda r: (r.start, -r.end))
    for r in ordered:
        events[id(r)] = FunctionEvent(
            next_id, r.name, r.thread, r.start / 1000.0 + offset_us, r.end / 1000.0 + offset_us,
            input_shapes=r.shapes, self_cpu_memory_usage=r.nbytes,
            is_user_annotation=r.category == "user_annotation", sequence_nr=r.sequence_nr,
            category=r.category)
        next_id += 1
    for r in ordered:
        event = events[id(r)]
        parent = r.parent
        while parent is not None and id(parent) not in events:
            parent = parent.parent  # an enclosing range that was never closed
        if parent is not None:
            event.cpu_parent = events[id(parent)]
            event.cpu_parent.cpu_children.append(event)
    # memory: an event's own outputs plus everything allocated inside it
    for event in reversed(list(events.values())):
        event.cpu_memory_usage += event.self_cpu_memory_usage
        if event.cpu_parent is not None:
            event.cpu_parent.cpu_memory_usage += event.cpu_memory_usage
    return list(events.values())


class profile:
    """Record the ops cynn runs (forward and backward), with ``record_function``
    ranges, into tables and Chrome traces; torch.profiler's API.

    Every ``Function.apply`` of the thread that entered the profiler is one event,
    named ``aten::<op in snake case>`` (``aten::addmm``, ``aten::convolution``), and
    each graph node it created one more when backward runs it (``AddmmBackward0``).
    Times are wall-clock (``time.perf_counter_ns``). Other threads are not recorded.

    Args:
        activities: ``ProfilerActivity`` values; only ``CPU`` records anything.
        schedule: a step -> ``ProfilerAction`` function (see ``schedule``); with one,
            call ``prof.step()`` after each step, and each step shows as a
            ``ProfilerStep#N`` range.
        on_trace_ready: called with the profiler after each ``RECORD_AND_SAVE`` step
            (or at the end without a schedule), e.g. ``tensorboard_trace_handler(dir)``.
        record_shapes (bool): record each op's input shapes.
        profile_memory (bool): record the bytes of each op's outputs ("CPU Mem").
        with_stack, with_flops, with_modules: accepted; cynn records no stacks,
            FLOPs or module hierarchy.
        execution_trace_observer: an ``ExecutionTraceObserver`` run while recording.
        acc_events (bool): keep the events of every cycle, not only the last one.

    Example::

        >>> from cynn.profiler import profile, record_function, ProfilerActivity
        >>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        ...     with record_function("model_inference"):
        ...         model(inputs)
        >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        if use_cuda is not None:
            warnings.warn("The use_cuda parameter is deprecated. "
                          "Please use activities argument instead.", FutureWarning,
                          stacklevel=2)
        self.activities = set(activities) if activities else supported_activities()
        self.record_cpu = ProfilerActivity.CPU in self.activities
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.experimental_config = experimental_config
        self.execution_trace_observer = execution_trace_observer
        self.acc_events = acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        if schedule is not None:
            self.schedule = schedule
            self.record_steps = True
        else:
            self.schedule = _default_schedule
            self.record_steps = False
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn = None
        self._collector = None
        self._events = EventList(profile_memory=profile_memory)
        self._metadata = {}
        self._cycles = 0

    # -- the context manager ------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()

    def start(self):
        """Begin profiling (what ``with`` does on entry)."""
        self._transit(ProfilerAction.NONE, self.current_action)
        self._enter_step()

    def stop(self):
        """End profiling (what ``with`` does on exit)."""
        self._exit_step()
        self._transit(self.current_action, None)

    def step(self):
        """Tell the profiler that the next step begins (with a ``schedule``)."""
        self._exit_step()
        previous = self.current_action
        action = self.schedule(self.step_num + 1)
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError("ProfilerAction.DEVICE_STOPPED is set internally by the "
                             "profiler and must not be returned by a user-provided schedule")
        self.step_num += 1
        self.current_action = action
        self._transit(previous, action)
        self._enter_step()

    def _enter_step(self):
        if self.record_steps:
            self.step_rec_fn = record_function(f"ProfilerStep#{self.step_num}")
            self.step_rec_fn.__enter__()

    def _exit_step(self):
        if self.record_steps and self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None

    # -- the state machine of torch.profiler.profile ------------------------------------
    def _transit(self, previous, action):
        A = ProfilerAction
        begin = action in (A.RECORD, A.RECORD_AND_SAVE)
        if previous == A.NONE:
            if action in (A.WARMUP, A.RECORD, A.RECORD_AND_SAVE):
                self.prepare_trace()
            if begin:
                self.start_trace()
        elif previous == A.WARMUP:
            if action == A.NONE:
                warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
            if begin or action in (A.NONE, None):
                self.start_trace()
            if action in (A.NONE, None):
                self.stop_trace()
        elif previous == A.RECORD:
            if action in (A.NONE, A.WARMUP):
                warnings.warn(f"Incorrect schedule: RECORD followed by {action.name}",
                              stacklevel=3)
                self.stop_trace()
            elif action is None:
                self.stop_trace()
                self._trace_ready()
        elif previous == A.RECORD_AND_SAVE:
            self.stop_trace()
            self._trace_ready()
            if action in (A.WARMUP, A.RECORD, A.RECORD_AND_SAVE):
                self.prepare_trace()
            if begin:
                self.start_trace()

    def prepare_trace(self):
        """Get ready for a recording (drops the previous cycle's events unless
        ``acc_events``)."""
        global _warned_clears
        if not self.acc_events:
            if self._cycles and not _warned_clears:
                _warned_clears = True
                warnings.warn("Warning: Profiler clears events at the end of each cycle. "
                              "Only events from the current cycle will be reported. To keep "
                              "events across cycles, set acc_events=True.", stacklevel=2)
            self._events = EventList(profile_memory=self.profile_memory)
        self._cycles += 1

    def start_trace(self):
        """Start recording."""
        if self.execution_trace_observer is not None:
            self.execution_trace_observer.start()
        if self.record_cpu:
            self._collector = Collector(self.record_shapes, self.profile_memory)
            self._collector.wall_offset_ns = time.time_ns() - time.perf_counter_ns()
            self._collector.start()

    def stop_trace(self):
        """Stop recording; the events become available."""
        if self.execution_trace_observer is not None:
            self.execution_trace_observer.stop()
        if self._collector is not None:
            self._collector.stop()
            first_id = len(self._events)
            self._events.extend(_events_of(self._collector, first_id))
            self._events.sort(key=lambda e: (e.start_us, -e.end_us))
            self._collector = None

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    # -- results ------------------------------------------------------------------------
    def events(self):
        """The recorded events (an ``EventList`` of ``FunctionEvent``), by start time."""
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """The events averaged per name (see ``EventList.key_averages``)."""
        return self._events.key_averages(group_by_input_shape, group_by_stack_n,
                                         group_by_overload_name)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (JSON; gzip when ``path`` ends in
        ``.gz``) that chrome://tracing and Perfetto open."""
        self._events.export_chrome_trace(path)
        if self._metadata:
            # metadata goes in as top-level keys, as torch's add_metadata does
            import gzip
            opener = gzip.open if os.fspath(path).endswith(".gz") else open
            with opener(path, "rt") as f:
                document = json.load(f)
            document.update(self._metadata)
            with opener(path, "wt") as f:
                json.dump(document, f)

    def add_metadata(self, key, value):
        """Add a string metadata entry to the exported trace."""
        self._metadata[key] = value

    def add_metadata_json(self, key, value):
        """Add a metadata entry given as JSON text to the exported trace."""
        self._metadata[key] = json.loads(value)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Not available: cynn records no stacks (``with_stack`` is accepted only)."""
        raise RuntimeError("export_stacks: cynn's profiler records no Python stacks")


class ExecutionTraceObserver:
    """Records every op run between ``start`` and ``stop`` (name, inputs' shapes and
    types, outputs' shapes, the enclosing range) into a JSON execution trace, a small
    subset of torch's Chakra format: ``{"schema", "pid", "time", "start_ts", "nodes":
    [{"id", "name", "ctrl_deps", "inputs": {"shapes", "types"}, "outputs": {...}}],
    "finish_ts"}``. Give it to ``profile(execution_trace_observer=...)`` or drive it
    yourself.

    Example::

        >>> et = ExecutionTraceObserver().register_callback("trace.json")
        >>> et.start(); model(x); et.stop(); et.unregister_callback()
    """

    def __init__(self):
        self._output_file_path = None
        self._registered = False
        self._running = False
        self._collector = None
        self._start_ts = None

    def register_callback(self, output_file_path):
        """Set the output file; returns self."""
        self._output_file_path = os.fspath(output_file_path)
        self._registered = True
        return self

    def unregister_callback(self):
        """Stop (if running) and forget the output file."""
        if self._running:
            self.stop()
        self._registered = False

    @property
    def is_registered(self):
        return self._registered

    def is_running(self):
        return self._running

    def get_output_file_path(self):
        return self._output_file_path

    def start(self):
        """Begin recording ops of the calling thread."""
        if not self._registered or self._running:
            return
        self._collector = Collector(record_shapes=True)
        self._collector.wall_offset_ns = time.time_ns() - time.perf_counter_ns()
        self._start_ts = time.time_ns() // 1000
        self._collector.start()
        self._running = True

    def stop(self):
        """Stop recording and write the trace file."""
        if not self._running:
            return
        self._collector.stop()
        self._running = False
        ranges = sorted(self._collector.ranges, key=lambda r: (r.start, -r.end))
        ids = {id(r): i + 2 for i, r in enumerate(ranges)}  # 1 is the root node
        nodes = [{"id": 1, "name": "[pytorch|profiler|execution_trace|process]",
                  "ctrl_deps": 0, "inputs": {"values": [], "shapes": [], "types": []},
                  "outputs": {"values": [], "shapes": [], "types": []}, "attrs": []}]
        for r in ranges:
            parent = ids.get(id(r.parent), 1) if r.parent is not None else 1
            shapes = r.shapes or []
            nodes.append({
                "id": ids[id(r)], "name": r.name, "ctrl_deps": parent,
                "inputs": {"values": [], "shapes": shapes,
                           "types": ["Tensor" if s else "Scalar" for s in shapes]},
                "outputs": {"values": [], "shapes": [], "types": []},
                "attrs": [{"name": "rf_id", "type": "uint64", "value": ids[id(r)]},
                          {"name": "tid", "type": "uint64", "value": r.thread}]})
        document = {"schema": "1.1.1-chakra.0.0.4", "pid": os.getpid(),
                    "time": time.strftime("%Y-%m-%d %H:%M:%S"), "start_ts": self._start_ts,
                    "nodes": nodes, "finish_ts": time.time_ns() // 1000}
        with open(self._output_file_path, "w") as f:
            json.dump(document, f)
        self._collector = None

    def cleanup(self):
        """Unregister (the trace file stays)."""
        self.unregister_callback()
