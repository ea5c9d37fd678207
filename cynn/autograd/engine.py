"""Reverse-mode engine: run the graph of BackwardNodes from its roots, as micrograd's
``backward`` does, in two steps.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Run a node once all its incoming gradients have arrived (newest first among the
   ready ones, as PyTorch does), summing gradients that meet at one input, and pass
   the gradients it returns along its ``next_functions``.

Each node runs its own hooks and backward (``BackwardNode.__call__``); a leaf's
``AccumulateGrad`` node is what writes ``.grad``. Next to each gradient the engine
carries whether it owns the array (``function``'s docstring): only an owned array may
become a ``.grad`` without a copy. Callbacks queued during a pass (``queue_callback``)
run once every node has run, as PyTorch's ``Variable._execution_engine.queue_callback``.
"""
import heapq
import threading

from . import anomaly_mode, grad_mode

__all__ = ["run_backward", "queue_callback"]

# The callbacks of the backward pass running on this thread (None outside one); a
# backward started from a hook gets its own list and hands the outer one back after.
_running = threading.local()


def queue_callback(callback):
    """Run ``callback()`` when the backward pass now running ends, after its last
    ``.grad`` is written (DistributedDataParallel waits there for its reductions).
    Callbacks run in the order queued; one may queue another."""
    callbacks = getattr(_running, "callbacks", None)
    if callbacks is None:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    callbacks.append(callback)


def run_backward(roots, root_grads, retain_graph=False, capture=None, create_graph=False):
    """Propagate ``root_grads`` from ``roots`` (each a ``(node, output_nr)`` edge).

    Without ``capture``, gradients are accumulated into leaves' ``.grad``.
    With ``capture`` (a list of edges), nothing is accumulated and the gradient
    arriving at each captured edge is returned, in order (None where none arrives).
    With ``create_graph`` the gradients are Tensors and the backward is itself
    recorded (``graph_backward``), so that it can be differentiated again.
    """
    # 1. dependencies: the number of edges into each node reachable from the roots
    dependencies = {}
    seen = {node for node, _ in roots if node is not None}
    stack = list(seen)  # several roots may be outputs of one node: count its edges once
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                dependencies[nxt] = dependencies.get(nxt, 0) + 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)

    # 2. run the nodes whose gradients have all arrived
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        if node is not None:
            _receive(buffers, node, nr, g, False)  # the caller's array: never owned
    captured = None if capture is None else _Capture(capture)
    ready = [(-n._sequence_nr, id(n), n) for n in buffers if n not in dependencies]
    heapq.heapify(ready)
    outer_callbacks, _running.callbacks = getattr(_running, "callbacks", None), []
    try:
        with grad_mode.set_grad_enabled(create_graph):
            run = _run_ready_recorded if create_graph else _run_ready
            run(ready, buffers, dependencies, retain_graph, captured)
            callbacks = _running.callbacks
            for callback in callbacks:  # grows while it runs when a callback queues one
                callback()
    finally:
        _running.callbacks = outer_callbacks
    return None if captured is None else captured.grads


def _run_ready(ready, buffers, dependencies, retain_graph, captured):
    """Step 2: run each node once all its incoming gradients have arrived."""
    while ready:
        node = heapq.heappop(ready)[2]
        grads, owned = buffers.pop(node, None) or _nothing(node)
        in_grads, owned = node(grads, owned, captured)
        if anomaly_mode._state.enabled and anomaly_mode._state.check_nan:
            anomaly_mode.check_nan(node, in_grads)
        if not retain_graph:
            node._free()
        for (nxt, nr), g, own in zip(node.next_functions, in_grads, owned):
            if nxt is None:
                continue
            if g is not None:
                _receive(buffers, nxt, nr, g, own)
            dependencies[nxt] -= 1
            if dependencies[nxt] == 0:
                heapq.heappush(ready, (-nxt._sequence_nr, id(nxt), nxt))


def _run_ready_recorded(ready, buffers, dependencies, retain_graph, captured):
    """Step 2 of a recorded backward: the same order, Tensor gradients."""
    from .graph_backward import call_node_recorded
    while ready:
        node = heapq.heappop(ready)[2]
        grads = (buffers.pop(node, None) or _nothing(node))[0]
        in_grads = call_node_recorded(node, grads, captured)
        if anomaly_mode._state.enabled and anomaly_mode._state.check_nan:
            anomaly_mode.check_nan(node, in_grads)
        if not retain_graph:
            node._free()
        for (nxt, nr), g in zip(node.next_functions, in_grads):
            if nxt is None:
                continue
            if g is not None:
                _receive(buffers, nxt, nr, g, False)
            dependencies[nxt] -= 1
            if dependencies[nxt] == 0:
                heapq.heappush(ready, (-nxt._sequence_nr, id(nxt), nxt))


def _receive(buffers, node, nr, g, owned):
    """Add ``g`` to the gradient of output ``nr`` of ``node``; a sum is a new array,
    which the engine owns."""
    slot = buffers.get(node)
    if slot is None:
        n = len(node._output_meta)
        slot = buffers[node] = ([None] * n, [False] * n)
    grads, fresh = slot
    if grads[nr] is None:
        grads[nr], fresh[nr] = g, owned
    else:
        grads[nr], fresh[nr] = grads[nr] + g, True


def _nothing(node):
    n = len(node._output_meta)
    return [None] * n, [False] * n


class _Capture:
    """autograd.grad's result: the gradient at each ``(node, output_nr)`` edge, as the
    node sees it after its pre-hooks."""

    def __init__(self, edges):
        self.grads = [None] * len(edges)
        self._at = {}
        for i, (node, nr) in enumerate(edges):
            self._at.setdefault(node, []).append((nr, i))

    def __call__(self, node, grads):
        for nr, i in self._at.get(node, ()):
            self.grads[i] = grads[nr]
