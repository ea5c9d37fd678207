"""``cynn.autograd.profiler``: torch's legacy profiler names, served by
``cynn.profiler``."""
from ..profiler._legacy import EventList, FunctionEvent, FunctionEventAvg, profile, record_function  # noqa: F401,E501
