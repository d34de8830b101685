"""The Network a feed-forward graph computes, assembled operation by operation (what both readers share).

Every tensor of the graph between the input and the output is a :class:`Value`: the layers that compute it from
the input, and a *pending* affine map whose activation is not known yet. A matrix product opens a pending
Dense layer (the previous pending one, if any, closes as a linear layer: two products in a row stay two layers,
as the graph rounds them); a constant added to it becomes its bias; an activation closes it; a sum of two
values, one of which computes the other's input, is a residual block. Parameters are taken exactly as stored
(float32 and float16 values widen to float64 exactly), so the Network's exact function is the graph's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation, identity
from ..errors import NetworkFileError
from ..network import Dense, Network, Residual


class UnsupportedModelError(NetworkFileError):
    """A model holds an operation (or a form of one) that has no Network equivalent; the message names it."""


@dataclass(frozen=True)
class Value:
    """A tensor of the graph: ``layers`` from the input, then an optional ``pending`` affine map (a Dense layer
    whose activation is still open)."""

    layers: tuple = ()
    pending: Dense | None = None

    def closed(self) -> tuple:
        """The layers with the pending map closed as a linear layer."""
        return self.layers if self.pending is None else (*self.layers, self.pending)


def parameter(array, what: str) -> np.ndarray:
    """A stored parameter as float64, exactly (floating-point types only)."""
    a = np.asarray(array)
    if a.dtype.kind != "f":
        raise UnsupportedModelError(f"{what} has element type {a.dtype}; a network's parameters are floating point")
    wide = a.astype(np.float64)
    if not np.isfinite(wide).all():
        raise UnsupportedModelError(f"{what} holds NaN or inf")
    return wide


def matmul(x: Value, weight: np.ndarray, where: str) -> Value:
    """x @ weight for weight (in, out): a new pending map (the open one closes as a linear layer)."""
    if weight.ndim != 2:
        raise UnsupportedModelError(f"{where}: a matrix product with a {weight.ndim}-dimensional weight")
    return Value(x.closed(), Dense(weight.T.copy(), np.zeros(weight.shape[1])))


def add_constant(x: Value, c: np.ndarray, where: str) -> Value:
    """x + c: the pending map's bias (an identity map is opened where none is pending)."""
    p = x.pending if x.pending is not None else _identity_map(x, c, where)
    try:
        c = np.broadcast_to(np.reshape(c, -1) if c.ndim > 1 and c.shape[0] == 1 else c, (p.n_out,)).astype(np.float64)
    except ValueError:
        raise UnsupportedModelError(f"{where}: a constant of shape {np.shape(c)} added to {p.n_out} units") from None
    bias = p.bias + c
    if not np.array_equal(bias - c, p.bias):  # two constants whose float64 sum rounds: not the graph's function
        raise UnsupportedModelError(f"{where}: a second bias whose sum with the first is not exact in float64")
    layers = x.layers if x.pending is not None else x.closed()
    return Value(layers, Dense(p.weight, bias))


def activate(x: Value, act: Activation) -> Value:
    """act(x): closes the pending map with ``act`` (where none is pending, an identity map carries it)."""
    p = x.pending if x.pending is not None else _identity_map(x, None, act.name)
    return Value((*x.layers, Dense(p.weight, p.bias, act)))


def add(x: Value, y: Value, where: str) -> Value:
    """x + y where one of them is computed from the other (a residual block a + block(a))."""
    a, b = x.closed(), y.closed()
    if len(a) > len(b):
        a, b = b, a
    if any(p is not q for p, q in zip(a, b)) or len(b) == len(a):
        raise UnsupportedModelError(f"{where}: a sum of two tensors that is not a residual connection")
    block = list(b[len(a) :])
    if not all(isinstance(d, Dense) for d in block) or block[0].n_in != block[-1].n_out:
        raise UnsupportedModelError(f"{where}: a residual block must be dense layers mapping the width to itself")
    return Value((*a, Residual(block)))


def network(x: Value, meta: dict) -> Network:
    layers = x.closed()
    if not layers:
        raise UnsupportedModelError("the model computes no layer from its input")
    return Network(list(layers), meta)


def _identity_map(x: Value, c, where: str) -> Dense:
    width = _width(x)
    if width is None:
        if c is None or np.ndim(c) == 0:
            raise UnsupportedModelError(f"{where} on the model's input: its width is not known before a layer")
        width = np.shape(c)[-1]
    return Dense(np.eye(width), np.zeros(width), identity())


def _width(x: Value) -> int | None:
    layers = x.closed()
    return layers[-1].n_out if layers else None
