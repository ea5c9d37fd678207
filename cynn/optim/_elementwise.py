"""The step shared by the elementwise optimizers (RMSprop, Adagrad, Adadelta, Adamax,
NAdam, RAdam, ASGD, Rprop).

Each optimizer describes its update three times over one set of scalars:
``_scalars`` turns the step counters into per-parameter constants (bias corrections,
decayed learning rates) once per step, ``_kernel`` hands whole lists of float32 /
float64 arrays to one fused kernel of ``cynn._kernels.optim``, and ``_math`` writes
the same update out of place with operators that numpy arrays and cynn Tensors share.
``_math`` serves both the numpy fallback (float16, strided arrays: its results are
copied back in place) and ``differentiable=True`` (run on Tensors with grad mode on,
so autograd records the step; the states become new tensors each step because the
previous ones may still be needed by an earlier step's backward).
"""
import numpy as np

from .. import _dtype, autograd
from .._tensor import Tensor
from .optimizer import Optimizer, _kernel_threads, _multi_tensor, _to_scalar

__all__ = []


def scalar_dtype(fused=False):
    """dtype of 0-dim state scalars (step counters, ...), as PyTorch picks it."""
    if fused:
        return np.float32
    return np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32


def new_scalar(value, fused=False):
    return Tensor._wrap(np.array(value, dtype=scalar_dtype(fused)))


def bump(step_t):
    """Increment a 0-dim step counter in place; its new value as a python float."""
    step_t._data += 1
    step_t._version[0] += 1
    return float(step_t._data)


def set_scalar(t, value):
    """Store ``value`` into a 0-dim state tensor, rounded to its dtype."""
    t._data[...] = value
    t._version[0] += 1


def check_capturable(capturable):
    if capturable:
        raise ValueError("capturable=True needs CUDA graphs; cynn runs on the CPU only")


# Operations that numpy arrays and Tensors spell differently.
def sqrt(x):
    return x.sqrt() if isinstance(x, Tensor) else np.sqrt(x)


def maximum(a, b):
    """Elementwise maximum that propagates NaN from either side (torch.maximum)."""
    return a.maximum(b) if isinstance(a, Tensor) else np.maximum(a, b)


def sign(x):
    return x.sign() if isinstance(x, Tensor) else np.sign(x)


def absolute(x):
    return x.abs() if isinstance(x, Tensor) else np.abs(x)


def clamp(x, lo, hi):
    return x.clamp(lo, hi) if isinstance(x, Tensor) else np.clip(x, lo, hi)


def constant_like(like, array):
    """``array`` as a constant of ``like``'s kind and dtype (no gradient)."""
    if isinstance(like, Tensor):
        return Tensor._wrap(np.asarray(array, dtype=like._data.dtype))
    return np.asarray(array, dtype=like.dtype)


def data(x):
    return x._data if isinstance(x, Tensor) else x


def lerp(start, end, weight):
    """``start + weight * (end - start)``, switching formula at weight 0.5 as torch's
    ``lerp`` does so that either end is exact. As in torch (and the kernels), the
    weight is rounded to the arrays' dtype before ``1 - weight`` is taken."""
    weight = data(start).dtype.type(weight)
    if abs(weight) < 0.5:
        return start + (end - start) * float(weight)
    return end - (end - start) * float(1 - weight)


def _row(scalars, i):
    """Row ``i`` as python floats: numpy float64 scalars would promote float32 arrays."""
    return [float(v) for v in scalars[i]]


def reciprocal(x):
    return x.reciprocal() if isinstance(x, Tensor) else 1 / x


def add_zeros(state, p, names):
    """A zero state tensor shaped like ``p`` under each of ``names``."""
    for name in names:
        state[name] = Tensor._wrap(np.zeros_like(p._data))


def maximize_and_decay(group, p, g, lr=None):
    """The start of most updates: ``g`` negated if ``maximize``, then the weight decay
    added to ``g`` as an L2 term. Optimizers with a ``decoupled_weight_decay`` option
    (NAdam, RAdam) pass ``lr``: with the option on, ``p`` decays directly, as in AdamW.
    Returns the new ``(p, g)``."""
    if group["maximize"]:
        g = -g
    if group["weight_decay"] != 0:
        if lr is not None and group["decoupled_weight_decay"]:
            p = p * (1 - lr * group["weight_decay"])
        else:
            g = g + p * group["weight_decay"]
    return p, g


class ElementwiseOptimizer(Optimizer):
    """Base of the optimizers whose update is elementwise given per-step scalars.

    Subclasses define ``_init_state(group, p, state)`` and four static methods:
    ``_state_names(group)`` (the per-element state arrays, in the kernel's order),
    ``_scalars(group, states)`` (bumps the step counters, returns an ``(n, >= 4)``
    float64 array whose first four columns go to the kernel), ``_kernel`` and
    ``_math`` (see the module docstring). They see only the group's options and the
    per-parameter state dicts, so that the functional forms (``rmsprop(...)``) run
    the very same update without an optimizer object. ``_init_state`` and
    ``_scalars`` have defaults (a step counter and zero states; no constants).
    """

    def _init_state(self, group, p, state):
        """By default a step counter, then zeros for each of ``_state_names``."""
        state["step"] = new_scalar(0.0)
        add_zeros(state, p, self._state_names(group))

    @staticmethod
    def _state_names(group):
        raise NotImplementedError

    @staticmethod
    def _scalars(group, states):
        """By default only bumps the step counters: the update needs no constants."""
        for s in states:
            bump(s["step"])
        return np.zeros((len(states), 4))

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        raise NotImplementedError

    @staticmethod
    def _math(group, p, g, state, scalars):
        raise NotImplementedError

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if p_state and "step" in p_state and not isinstance(p_state["step"], Tensor):
                    # older checkpoints store the step as a python number
                    p_state["step"] = new_scalar(float(p_state["step"]),
                                                 group.get("fused") or False)

    def _collect(self, group):
        params, grads, states = [], [], []
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            if getattr(grad, "is_sparse", False):
                raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
            params.append(p)
            grads.append(grad)
            state = self.state[p]
            if len(state) == 0:
                self._init_state(group, p, state)
            states.append(state)
        return params, grads, states

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.

        Returns:
            The closure's loss, or None.
        """
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            params, grads, states = self._collect(group)
            if params:
                self._update_group(group, params, grads, states)
        return loss

    @classmethod
    def _update_group(cls, group, params, grads, states):
        """Update ``params`` (all with a gradient) and their ``states`` in place."""
        names = cls._state_names(group)
        scalars = cls._scalars(group, states)
        if group["differentiable"]:
            if group.get("foreach"):
                raise AssertionError("_foreach ops don't support autograd")
            cls._differentiable_update(group, params, grads, states, names, scalars)
            return
        thetas = [p._data for p in params]
        arrays = {name: [s[name]._data for s in states] for name in names}

        def run(indices, gs):
            # columns past the fourth are for ``_math`` only
            if indices is None:
                ps, sub, sc = thetas, arrays, np.ascontiguousarray(scalars[:, :4])
            else:
                ps = [thetas[i] for i in indices]
                sub = {k: [v[i] for i in indices] for k, v in arrays.items()}
                sc = np.ascontiguousarray(scalars[list(indices), :4])
            cls._kernel(group, ps, gs, sub, sc, _kernel_threads(ps))

        def reference(i, g):
            own = {name: arrays[name][i] for name in names}
            new_p, new_state = cls._math(group, thetas[i], g, own, _row(scalars, i))
            thetas[i][...] = new_p
            for name, value in new_state.items():
                own[name][...] = value

        foreach = bool(group.get("fused")) or group.get("foreach") is not False
        _multi_tensor(run, thetas, [g._data for g in grads], list(arrays.values()),
                      reference, foreach=foreach)
        for p, s in zip(params, states):
            p._version[0] += 1
            for name in names:
                s[name]._version[0] += 1

    @classmethod
    def _differentiable_update(cls, group, params, grads, states, names, scalars):
        with autograd.set_grad_enabled(True):
            for i, (p, g, state) in enumerate(zip(params, grads, states)):
                own = {name: state[name] for name in names}
                # the graph must save a copy: ``p`` itself is overwritten below
                new_p, new_state = cls._math(group, p.clone(), g, own, _row(scalars, i))
                p.copy_(new_p)
                state.update(new_state)


def functional_step(cls, group, params, grads, lists):
    """The functional form of ``cls.step``: ``lists`` maps each state name to the
    per-parameter tensors given by the caller. Tensors are updated in place; with
    ``differentiable`` the new state tensors are put back into the caller's lists."""
    group.setdefault("differentiable", False)
    states = [{name: values[i] for name, values in lists.items()}
              for i in range(len(params))]
    if params:
        cls._update_group(group, list(params), list(grads), states)
    if group["differentiable"]:
        for name, values in lists.items():
            for i, state in enumerate(states):
                values[i] = state[name]


def adam_moments_kernel(kernel):
    """The ``_kernel`` of NAdam and RAdam, whose fused kernels take the same arguments:
    the two moments, the scalars, the group's betas, eps, weight decay, lr and flags."""
    def run(group, thetas, grads, arrays, scalars, n_threads):
        beta1, beta2 = group["betas"]
        kernel(thetas, grads, arrays["exp_avg"], arrays["exp_avg_sq"], scalars, beta1, beta2,
               group["eps"], group["weight_decay"], _to_scalar(group["lr"]),
               group["decoupled_weight_decay"], group["maximize"], n_threads)
    return staticmethod(run)


def check_no_amp(grad_scale, found_inf):
    if grad_scale is not None or found_inf is not None:
        raise RuntimeError("grad_scale and found_inf are not supported: cynn has no AMP")
