"""The parity table's machinery, in the style of PyTorch's OpInfo: an ``OpInfo`` per
public callable (its name, how to get it from a library, its sample generator, flags),
the one ``TABLE`` every ``table_*`` module appends to, and the family helpers that make
adding an op one line (``pointwise``, ``binop``, ``reduce``, ``cases``, ...). A helper
adds the function, method and in-place forms of an op where torch has them.

Entry names are what the tests and ``known_differences`` use as ids: ``exp`` is
``torch.exp``, ``Tensor.exp`` the method, ``Tensor.exp_`` the in-place method, ``exp_``
``torch.exp_``, ``F.relu`` ``torch.nn.functional.relu``, ``Tensor.__add__`` the
operator; a parenthesised suffix tells apart entries with other fixed arguments.
"""
from dataclasses import dataclass

import torch

import parity_samples as S
from parity_engine import Sample


@dataclass
class OpInfo:
    name: str
    op: object          # lib -> the callable for that library
    samples: object     # () -> list of Sample
    check_message: bool = True


TABLE = []


def function_of(name):
    return lambda lib: getattr(lib, name)


def method_of(name):
    return lambda lib: (lambda self, *args, **kwargs: getattr(self, name)(*args, **kwargs))


def functional_of(name):
    return lambda lib: getattr(lib.nn.functional, name)


def add(name, op, samples, **flags):
    TABLE.append(OpInfo(name, op, samples, **flags))


def forms(name, samples, inplace_samples=None, function=True, method=True,
          inplace=True, functional=False, variant="", function_samples=None):
    """The torch.X, Tensor.X, Tensor.X_ and F.X forms of one op that torch has;
    ``variant`` tells apart entries of one op with other fixed arguments, and
    ``function_samples`` are added for torch.X alone (``out=``, numpy's ``x=``)."""
    if function and hasattr(torch, name):
        add(name + variant, function_of(name),
            samples if function_samples is None else
            (lambda: samples() + function_samples()))
    if method and hasattr(torch.Tensor, name):
        add(f"Tensor.{name}{variant}", method_of(name), samples)
    if inplace and inplace_samples is not None and hasattr(torch.Tensor, name + "_"):
        add(f"Tensor.{name}_{variant}", method_of(name + "_"), inplace_samples)
    if inplace and inplace_samples is not None and function and hasattr(torch, name + "_"):
        add(f"{name}_{variant}", function_of(name + "_"), inplace_samples)
    if functional and hasattr(torch.nn.functional, name):
        add(f"F.{name}{variant}", functional_of(name), samples)


def pointwise(name, low=-2.0, high=2.0, grad=True, ints=True, kink_points=(), extra=(),
              kwargs=None, functional=False, variant="", out_dtype="float32"):
    def samples():
        out = S.unary(low, high, grad, ints, extra=extra, kwargs=kwargs)
        if kink_points:
            out += S.kinks(kink_points, grad, extra=extra, kwargs=kwargs)
        return out
    forms(name, samples, lambda: S.unary(low, high, grad, ints, extra=extra, kwargs=kwargs,
                                         inplace=True), functional=functional,
          variant=variant,
          function_samples=lambda: S.unary_function_forms(low, high, extra, kwargs, out_dtype))


def binop(name, grad=True, out_dtype="float32", **options):
    forms(name, lambda: S.binary(grad=grad, **options),
          lambda: S.binary(grad=grad, inplace=True, **options),
          function_samples=lambda: S.binary_function_forms(out_dtype))


def reduce(name, out=True, **options):
    forms(name, lambda: S.reduction(**options), inplace=False,
          function_samples=lambda: S.reduction_function_forms(out, options.get("grad", True)))




def cases(name, *cases_, method=True, function=True):
    """torch.X and Tensor.X over explicit ``(case, args, kwargs)`` samples."""
    def samples():
        return [Sample(case, list(args), dict(kwargs)) for case, args, kwargs in cases_]
    if function and hasattr(torch, name):
        add(name, function_of(name), samples)
    if method and hasattr(torch.Tensor, name):
        add(f"Tensor.{name}", method_of(name), samples)


def functional(name, samples):
    """F.X over a sample generator."""
    add(f"F.{name}", functional_of(name), samples)


def nn_cases(name, *cases_):
    """F.X over explicit ``(case, args, kwargs, grad)`` samples."""
    add(f"F.{name}", functional_of(name),
        lambda: [Sample(case, list(args), dict(kwargs), grad=grad)
                 for case, args, kwargs, grad in cases_])


def creation(name, *cases_):
    """torch.X factories over explicit ``(case, args, kwargs)`` samples."""
    add(name, function_of(name),
        lambda: [Sample(case, list(args), dict(kwargs), grad=False)
                 for case, args, kwargs in cases_])
