"""``swap_in_optimizer_params_and_state``: run an optimizer, for the duration of a
``with`` block, on other parameter tensors and another state (a ``state_dict()``),
leaving the live optimizer as it was afterwards."""
import contextlib
from collections import defaultdict

from .._tensor import Tensor

__all__ = ["swap_in_optimizer_params_and_state"]

_NAME = "swap_in_optimizer_params_and_state"


def _check_state(state):
    if not isinstance(state, dict):
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['state'] to be a dict mapping "
                           "packed parameter ids to per-param state dicts, got "
                           f"{type(state).__name__}.")
    if any(isinstance(k, Tensor) for k in state):
        raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style state keyed by "
                           "packed parameter ids.")
    if any(isinstance(k, int) and not isinstance(v, dict) for k, v in state.items()):
        raise RuntimeError(f"{_NAME} requires per-parameter optimizer state entries to be "
                           "dictionaries.")
    return state


def _check_groups(optimizer, groups):
    if not isinstance(groups, list):
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['param_groups'] to be a list "
                           f"of param-group dicts, got {type(groups).__name__}.")
    if len(optimizer.param_groups) != len(groups):
        raise RuntimeError("swapin_optim_state has a different number of parameter groups "
                           "than the live optimizer.")
    return groups


def _check_group(idx, live, saved):
    """The packed parameter ids of ``saved``, once it is known to mirror ``live``."""
    if not isinstance(saved, dict):
        raise RuntimeError(f"{_NAME} requires each optimizer param group to be a dictionary.")
    ids = saved.get("params")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style "
                           "param_groups[*]['params'] entries keyed by packed parameter ids.")
    if len(live["params"]) != len(ids):
        raise RuntimeError(f"swapin_optim_state param group {idx} has a different number of "
                           "params than the live optimizer param group.")
    saved_only = [k for k in saved if k not in live]
    live_only = [k for k in live if k not in saved]
    if saved_only or live_only:
        raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style param group keys to "
                           "exactly match the live optimizer group keys for group "
                           f"{idx}. Keys only in swap-in: {saved_only}. Keys only in live: "
                           f"{live_only}.")
    return ids


@contextlib.contextmanager
def swap_in_optimizer_params_and_state(optimizer, swapin_parameters, swapin_optim_state):
    """Temporarily replace ``optimizer``'s parameters and state.

    Inside the block, every optimizer method (``step``, hooks, ``state_dict``) sees
    ``swapin_parameters`` as its parameters and ``swapin_optim_state`` as its state
    and group options; on exit the live parameters, state and options are restored.
    Unlike ``load_state_dict``, the parameters themselves are swapped, so ``step()``
    updates the tensors given here. In-place updates of the given state tensors are
    visible in ``swapin_optim_state`` afterwards; new entries are not.

    Args:
        optimizer (Optimizer): the live optimizer; its state must exist already.
        swapin_parameters (dict[str, Tensor]): the replacement parameters, in the
            optimizer's parameter order (``model.named_parameters()`` order).
        swapin_optim_state (dict): a ``state_dict()``-shaped dict (``"state"`` keyed
            by packed parameter ids, ``"param_groups"`` with the same keys as the
            live groups).

    Raises:
        RuntimeError: an empty optimizer state, or a ``swapin_optim_state`` whose
            layout does not mirror the live optimizer.

    Example::

        >>> shadow = {n: p.detach().clone() for n, p in model.named_parameters()}
        >>> shadow_state = copy.deepcopy(optimizer.state_dict())
        >>> with swap_in_optimizer_params_and_state(optimizer, shadow, shadow_state):
        ...     optimizer.step()   # updates `shadow`, not the model
    """
    if not optimizer.state:
        raise RuntimeError(f"{_NAME} requires initialized optimizer state.")
    if not isinstance(swapin_optim_state, dict):
        raise RuntimeError(f"{_NAME} requires a DCP-style optimizer state_dict.")
    saved_state = _check_state(swapin_optim_state.get("state"))
    saved_groups = _check_groups(optimizer, swapin_optim_state.get("param_groups"))

    # packed ids address the parameters by position across the groups
    flat = list(swapin_parameters.values())
    offset, seen, swaps = 0, set(), []
    for idx, (live, saved) in enumerate(zip(optimizer.param_groups, saved_groups)):
        ids = _check_group(idx, live, saved)
        seen.update(ids)
        if offset + len(ids) > len(flat):
            raise RuntimeError(f"{_NAME} requires the explicit parameter state to match "
                               "optimizer.param_groups ordering.")
        swaps.append((live, saved, flat[offset:offset + len(ids)]))
        offset += len(ids)
    extra = [k for k in saved_state if k not in seen]
    if extra:
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['state'] to be keyed only by "
                           f"packed parameter ids from param_groups[*]['params']; got extra "
                           f"keys {extra!r}.")

    original_state = optimizer.state
    # shallow copies keep the identity of each group's original "params" list
    snapshots = [dict(g) for g in optimizer.param_groups]
    try:
        state = defaultdict(dict)
        for live, saved, params in swaps:
            live["params"] = params
            for key, value in saved.items():
                if key != "params":
                    live[key] = value
            for param, pid in zip(params, saved["params"]):
                # a shallow copy: tensors updated in place show through, new keys do not
                state[param] = dict(saved_state.get(pid, {}))
        optimizer.state = state
        yield
    finally:
        for group, snapshot in zip(optimizer.param_groups, snapshots):
            group.clear()
            group.update(snapshot)
        optimizer.state = original_state
