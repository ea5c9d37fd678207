"""``torch.autograd.profiler.profile``: the older profiler interface (no schedule, the
table and trace on the profiler itself), over the same recording as ``profile``."""
import time

from ._collector import Collector, record_function
from ._events import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile:
    """Record the ops of the ``with`` block (see ``cynn.profiler.profile``).

    Args:
        enabled (bool): record anything at all.
        record_shapes (bool): record each op's input shapes.
        profile_memory (bool): record the bytes of each op's outputs.
        use_cuda, use_device, with_flops, with_stack, with_modules, use_kineto,
        use_cpu, experimental_config, acc_events, custom_trace_id_callback: accepted
            for torch compatibility; cynn records CPU ops only.

    Example::

        >>> with cynn.autograd.profiler.profile() as prof:   # doctest: +SKIP
        ...     model(x)
        >>> print(prof.key_averages().table(sort_by="self_cpu_time_total"))
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.entered = False
        self.function_events = None
        self._collector = None

    def __enter__(self):
        if not self.enabled:
            return None  # as torch's: ``with profile(enabled=False) as prof`` binds None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._collector = Collector(self.record_shapes, self.profile_memory)
        self._collector.wall_offset_ns = time.time_ns() - time.perf_counter_ns()
        self._collector.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if not self.enabled:
            return False
        from .profiler import _events_of
        self._collector.stop()
        self.function_events = EventList(_events_of(self._collector),
                                         profile_memory=self.profile_memory)
        self._collector = None
        return False

    def _check_finish(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    def __repr__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)

    def __str__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self.function_events)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        """The events' summary table (see ``EventList.table``)."""
        self._check_finish()
        return self.function_events.table(
            sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width, header=header,
            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (see ``EventList.export_chrome_trace``)."""
        self._check_finish()
        self.function_events.export_chrome_trace(path)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """The events averaged per name (see ``EventList.key_averages``)."""
        self._check_finish()
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n,
                                                 group_by_overload_name)

    def total_average(self):
        """All events summed into one ``FunctionEventAvg``."""
        self._check_finish()
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """The sum of every event's self time (microseconds)."""
        self._check_finish()
        return self.function_events.self_cpu_time_total
