"""``cynn.profiler``: where the time of a cynn program goes, with torch.profiler's API.

``profile`` records every op cynn dispatches (each ``Function.apply``: forward ops
named ``aten::<op>``, e.g. ``aten::addmm``, ``aten::convolution``) and each autograd
node's backward (``AddmmBackward0``), with ``record_function`` ranges around them;
``prof.key_averages().table(...)`` prints torch's summary table and
``prof.export_chrome_trace(path)`` writes a trace that Perfetto and chrome://tracing
open. With no profiler open the hook costs one global check per op (see
benchmarks/bench_profiler.py).

Example::

    >>> import cynn
    >>> from cynn.profiler import profile, record_function, ProfilerActivity
    >>> model = cynn.nn.Linear(4, 2)
    >>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    ...     with record_function("model_inference"):
    ...         model(cynn.randn(3, 4)).sum().backward()
    >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=5))  # doctest: +SKIP
"""
from ._collector import record_function
from ._events import DeviceType, EventList, FunctionEvent, FunctionEventAvg
from .profiler import (ExecutionTraceObserver, ProfilerAction, ProfilerActivity,
                       kineto_available, profile, schedule, supported_activities,
                       tensorboard_trace_handler)

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler",
           "ProfilerAction", "ProfilerActivity", "kineto_available", "DeviceType",
           "record_function", "ExecutionTraceObserver"]
