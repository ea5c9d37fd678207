"""``cynn.onnx.export``: trace a model once and write the ONNX file."""
import inspect
import os
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import observe_dispatch
from ..autograd.grad_mode import enable_grad
from .errors import OnnxExporterError
from .graph import GraphBuilder, Value, onnx_type
from ._tensor_methods import tracing_tensor_methods
from ._tracer import ShapeRecorder, Tracer, _array_key, diverged

__all__ = ["export", "DEFAULT_OPSET", "SUPPORTED_OPSETS"]

DEFAULT_OPSET = 18
# the opsets every built-in mapping is written (and tested) for
SUPPORTED_OPSETS = range(17, 21)


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=None):
    """Export ``model`` to ONNX by running it once on ``args`` (PyTorch's
    ``torch.onnx.export``, for the arguments cynn supports).

    The forward is traced through cynn's autograd Functions, so any forward exports
    (custom ``forward`` methods, functional code, tensor methods) as long as every op
    it runs has an ONNX mapping; Python control flow is frozen as it ran. The model is
    exported in eval mode (dropout is the identity, batch norm uses its running
    statistics) and its mode is restored afterwards. Parameters and buffers become
    initializers named as in ``state_dict()``; other tensors made during forward
    become constants.

    Args:
        model (Module or callable): what to export; called as ``model(*args)``.
        args (Tensor or tuple of Tensors): example inputs, one per graph input.
        f (str, os.PathLike or binary file object): where to write the model.
        input_names (list of str, optional): names of the graph's inputs, in order.
            Default: the forward's parameter names.
        output_names (list of str, optional): names of the graph's outputs, in order.
            Default: ``output`` (``output_0``, ``output_1``, ... for several).
        dynamic_axes (dict, optional): axes of inputs/outputs whose size is left
            symbolic, ``{name: {axis: "dim_name"}}`` or ``{name: [axis, ...]}``
            (named ``<name>_dynamic_axes_<k>``), e.g. ``{"x": {0: "batch"},
            "output": {0: "batch"}}`` for a batch size chosen at run time.
        opset_version (int, optional): the ONNX opset, 17 to 20. Default: 18.

    Returns:
        onnx.ModelProto: the model that was written.

    Raises:
        cynn.onnx.UnsupportedOperatorError: an op has no ONNX mapping (the message
            names it) or is used in a way ONNX cannot express.
        ValueError: an unsupported opset, or bad ``dynamic_axes``.

    Example::

        >>> model = cynn.nn.Sequential(cynn.nn.Linear(4, 2), cynn.nn.ReLU())
        >>> proto = cynn.onnx.export(model, cynn.randn(3, 4), "model.onnx",
        ...                          input_names=["x"], dynamic_axes={"x": {0: "batch"}})
        >>> [node.op_type for node in proto.graph.node]
        ['Gemm', 'Relu']
    """
    onnx = _require_onnx()
    opset = _check_opset(opset_version)
    inputs = _as_inputs(args)
    input_names = _names("input_names", input_names, _default_input_names(model, len(inputs)))
    input_axes = {name: _axes_of(name, dynamic_axes[name], x.dim())
                  for name, x in zip(input_names, inputs) if name in (dynamic_axes or {})}
    shadow = _shadow_run(model, inputs, input_names, input_axes, opset) if input_axes else None

    graph = GraphBuilder(opset)
    for name in input_names:
        graph.fresh_name(name)
    tracer = Tracer(graph, _state_names(model), shadow=shadow.events if shadow else None)
    other_shapes = shadow.input_shapes if shadow else [None] * len(inputs)
    traced_inputs = [_graph_input(tracer, x, name, other)
                     for x, name, other in zip(inputs, input_names, other_shapes)]
    result = _run(model, traced_inputs, tracer)
    if shadow is not None and len(tracer.events) != len(shadow.events):
        raise diverged(f"the end of forward, after {len(tracer.events)} ops")

    outputs = _as_outputs(result)
    default_outputs = ["output"] if len(outputs) == 1 else \
        [f"output_{i}" for i in range(len(outputs))]
    output_names = _names("output_names", output_names, default_outputs)
    output_values = [_output_value(tracer, t) for t in outputs]
    axes = _dynamic_axes(dynamic_axes, input_names, output_names,
                         [x.dim() for x in inputs] + [t.dim() for t in outputs])
    if shadow is not None:
        _follow_dynamic_axes(axes, input_names, inputs, shadow.input_shapes, output_names,
                             output_values)
    proto = _model_proto(onnx, model, graph, list(zip(input_names, inputs)),
                         list(zip(output_names, output_values)), axes)
    if isinstance(f, (str, os.PathLike)):
        onnx.save_model(proto, os.fspath(f))
    else:
        f.write(proto.SerializeToString())
    return proto


# ---------------------------------------------------------------- arguments
def _require_onnx():
    try:
        import onnx
    except ImportError as exc:
        raise ImportError("cynn.onnx.export needs the onnx package: "
                          "pip install 'cynn-nn[onnx]'") from exc
    return onnx


def _check_opset(opset_version):
    if opset_version is None:
        return DEFAULT_OPSET
    if isinstance(opset_version, bool) or not isinstance(opset_version, (int, np.integer)):
        raise TypeError(f"export(): argument 'opset_version' must be int, not "
                        f"{type(opset_version).__name__}")
    if opset_version not in SUPPORTED_OPSETS:
        raise ValueError(f"Unsupported ONNX opset version: {opset_version} (cynn exports "
                         f"opsets {SUPPORTED_OPSETS[0]} to {SUPPORTED_OPSETS[-1]})")
    return int(opset_version)


def _as_inputs(args):
    args = (args,) if isinstance(args, Tensor) else args
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"export(): argument 'args' must be a Tensor or a tuple of Tensors, "
                        f"not {type(args).__name__}")
    for i, a in enumerate(args):
        if not isinstance(a, Tensor):
            raise TypeError(f"export(): argument 'args' must hold Tensors only (the graph's "
                            f"inputs), but args[{i}] is {type(a).__name__}")
    return tuple(args)


def _default_input_names(model, count):
    forward = getattr(model, "forward", model)
    try:
        parameters = [p for p in inspect.signature(forward).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters[:count]]
    if len(names) < count or len(set(names)) < count:
        return [f"input_{i}" for i in range(count)]
    return names


def _names(argument, given, default):
    if given is None:
        return default
    given = list(given)
    if not all(isinstance(name, str) and name for name in given):
        raise TypeError(f"export(): argument '{argument}' must be a list of non-empty str")
    if len(given) > len(default):
        raise ValueError(f"export(): '{argument}' names {len(given)} values, but the graph "
                         f"has {len(default)}")
    names = given + default[len(given):]
    if len(set(names)) != len(names):
        raise ValueError(f"export(): '{argument}' has a repeated name: {names}")
    return names


def _state_names(model):
    """``_array_key`` of each parameter and buffer -> its state-dict name."""
    names = {}
    for method in ("named_buffers", "named_parameters"):
        if hasattr(model, method):
            for name, tensor in getattr(model, method)():
                names.setdefault(_array_key(tensor._data), name)
    return names


def _run(model, inputs, tracer):
    """``model(*inputs)`` in eval mode, traced by ``tracer``; the mode is restored."""
    was_training = getattr(model, "training", None)
    if was_training:
        model.eval()
    try:
        with enable_grad(), observe_dispatch(tracer), tracing_tensor_methods(tracer):
            return model(*inputs)
    finally:
        if was_training:
            model.train(True)


# how much each named dynamic axis grows by in the second run: distinct primes, so that
# sizes of different axes (and their products) seldom coincide
_SHADOW_GROWTH = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31)


def _shadow_run(model, inputs, input_names, input_axes, opset):
    """Run the model once more with every dynamic axis of its inputs at another size,
    logging each op's shapes (``ShapeRecorder``); returns the recorder, its
    ``input_shapes`` set. The random generator is left as one forward leaves it."""
    from .. import random as _rng
    dim_names = list(dict.fromkeys(d for name in input_names
                                   for d in input_axes.get(name, {}).values()))
    growth = {d: _SHADOW_GROWTH[k % len(_SHADOW_GROWTH)] * (1 + k // len(_SHADOW_GROWTH))
              for k, d in enumerate(dim_names)}
    recorder = ShapeRecorder(GraphBuilder(opset), {})
    recorder.input_shapes, grown = [], []
    for x, name in zip(inputs, input_names):
        array = x._data
        for axis, dim_name in input_axes.get(name, {}).items():
            array = _grown(array, axis, array.shape[axis] + growth[dim_name])
        recorder.input_shapes.append(array.shape)
        grown.append(_graph_input(recorder, Tensor._wrap(array), name))
    state = _rng.get_rng_state()
    try:
        _run(model, grown, recorder)
    except OnnxExporterError:
        raise
    except Exception as error:
        shapes = ", ".join(str(list(shape)) for shape in recorder.input_shapes)
        raise OnnxExporterError(
            f"cannot export with dynamic axes: the model failed when its inputs' dynamic "
            f"axes had other sizes ({shapes}): {type(error).__name__}: {error}") from error
    finally:
        _rng.set_rng_state(state)
    return recorder


def _grown(array, axis, size):
    """``array`` with ``size`` entries along ``axis``: its own entries repeated, so that
    the values stay those the model was given (an index input stays in range)."""
    if array.shape[axis] == 0:
        return np.zeros(array.shape[:axis] + (size,) + array.shape[axis + 1:], array.dtype)
    return np.take(array, np.arange(size) % array.shape[axis], axis=axis)


def _graph_input(tracer, x, name, other_shape=None):
    """A copy of ``x`` that the trace follows, bound to the graph input ``name``.

    A float input requires grad, so that the trace records the graph, and is cloned
    (not viewed), so that the model may change it in place as it could its input.
    """
    leaf = Tensor._wrap(x._data.copy())
    if leaf._data.dtype.kind == "f":
        leaf.requires_grad_(True)
        traced = leaf.clone()
    else:
        traced = leaf
    tracer.bind(traced, Value(name, x.shape, x._data.dtype, other_shape=other_shape))
    return traced


def _as_outputs(result):
    """The graph's outputs: ``result`` flattened in order, nested tuples and lists
    included (an LSTM's ``(output, (h_n, c_n))`` is three outputs), without the Nones
    (``MultiheadAttention(need_weights=False)``'s weights)."""
    outputs = []

    def flatten(item):
        if item is None:
            return
        if isinstance(item, (tuple, list)):
            for part in item:
                flatten(part)
        elif isinstance(item, Tensor):
            outputs.append(item)
        else:
            raise OnnxExporterError(f"the model returned {type(item).__name__} as output "
                                    f"{len(outputs)}; only Tensors (or nested tuples and "
                                    f"lists of them) can be exported")

    flatten(result)
    return tuple(outputs)


def _output_value(tracer, tensor):
    value = tracer.traced(tensor)
    return value if value is not None else tracer.constant(tensor._data)


def _dynamic_axes(dynamic_axes, input_names, output_names, ranks):
    """``{value name: {axis: dim name}}``, checked."""
    if not dynamic_axes:
        return {}
    rank_of = dict(zip(input_names + output_names, ranks))
    axes = {}
    for name, spec in dynamic_axes.items():
        if name not in rank_of:
            warnings.warn(f"Provided key {name} for dynamic axes is not a valid input/output "
                          f"name", stacklevel=3)
            continue
        axes[name] = _axes_of(name, spec, rank_of[name])
    return axes


def _follow_dynamic_axes(axes, input_names, inputs, other_shapes, output_names, values):
    """Leave symbolic, in ``axes``, every axis of an output whose size follows a dynamic
    input axis: named as that input axis when its size is that axis's, else
    ``<output>_dim_<axis>`` (a runtime would otherwise check it against the traced
    size)."""
    symbol = {}
    for name, x, other in zip(input_names, inputs, other_shapes):
        for axis, dim_name in axes.get(name, {}).items():
            symbol.setdefault((x.shape[axis], other[axis]), dim_name)
    for name, value in zip(output_names, values):
        for axis in value.dynamic:
            pair = (value.shape[axis], value.other_shape[axis])
            axes.setdefault(name, {}).setdefault(axis, symbol.get(pair, f"{name}_dim_{axis}"))


def _axes_of(name, spec, rank):
    """One entry of ``dynamic_axes``, checked: ``{axis: dim name}``."""
    if isinstance(spec, dict):
        named = {int(axis): str(dim) for axis, dim in spec.items()}
    elif isinstance(spec, (list, tuple)):
        named = {int(axis): f"{name}_dynamic_axes_{k}" for k, axis in enumerate(spec, 1)}
    else:
        raise TypeError(f"export(): dynamic_axes['{name}'] must be a dict or a list of "
                        f"axes, not {type(spec).__name__}")
    for axis in named:
        if not -rank <= axis < rank:
            raise ValueError(f"export(): dynamic_axes['{name}'] names axis {axis}, but "
                             f"'{name}' has {rank} dimensions")
    return {axis % rank: dim for axis, dim in named.items()}


# ---------------------------------------------------------------- the ModelProto
def _model_proto(onnx, model, graph, inputs, outputs, axes):
    from onnx import helper, numpy_helper

    nodes = _live_nodes(graph.nodes, {value.name for _, value in outputs})
    # each output takes its name from the node that makes it; a value that is a graph
    # input, a constant, or a second output goes through an Identity
    rename, producers = {}, {out for node in nodes for out in node[2]}
    for name, value in outputs:
        if value.name in producers and value.name not in rename:
            rename[value.name] = name
        else:
            nodes.append(("Identity", (rename.get(value.name, value.name),), (name,), {}, "",
                          graph.fresh_name("/Identity")))
    node_protos = [helper.make_node(op_type, [rename.get(i, i) for i in ins],
                                    [rename.get(o, o) for o in outs], name=node_name,
                                    domain=domain or None, **attributes)
                   for op_type, ins, outs, attributes, domain, node_name in nodes]
    used = {i for node in node_protos for i in node.input}
    initializers = [numpy_helper.from_array(array, name)
                    for name, array in graph.initializers.items() if name in used]

    def value_info(name, shape, dtype):
        dims = [axes.get(name, {}).get(axis, size) for axis, size in enumerate(shape)]
        return helper.make_tensor_value_info(name, onnx_type(dtype), dims)

    graph_proto = helper.make_graph(
        node_protos, type(model).__name__,
        [value_info(name, x.shape, x._data.dtype) for name, x in inputs],
        [value_info(name, value.shape, value.dtype) for name, value in outputs],
        initializer=initializers)
    opsets = [helper.make_opsetid("", graph.opset)] + \
        [helper.make_opsetid(domain, 1) for domain in sorted(graph.domains)]
    from .. import __version__
    proto = helper.make_model(graph_proto, opset_imports=opsets, producer_name="cynn",
                              producer_version=__version__)
    # the oldest IR version that has these opsets, which runtimes of that era can read
    proto.ir_version = helper.find_min_ir_version_for(opsets)
    return proto


def _live_nodes(nodes, wanted):
    """The nodes some graph output depends on (a value read only by Python, such as a
    comparison inside a shape check, leaves nodes that nothing needs)."""
    live = []
    for node in reversed(nodes):
        if any(out in wanted for out in node[2]):
            live.append(node)
            wanted.update(name for name in node[1] if name)
    return live[::-1]
