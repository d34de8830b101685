"""Exact evaluation of a network in rational arithmetic.

Every float is a dyadic rational m * 2**e, and every activation of
:mod:`memorizers.activations` maps dyadics to dyadics, so the forward pass of a stored
network can be carried out exactly with Python integers: a :class:`Dyadic` array is an
object array of ints ``m`` with one shared exponent ``e``. This is far faster than
``fractions.Fraction`` (no gcds) and gives the true output of the network as stored,
so any difference from the floating-point forward pass is rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .activations import Activation
from .errors import InvalidDataError
from .network import Dense, Network


@dataclass
class Dyadic:
    """The exact array m * 2**e, with m an object array of Python ints."""

    m: np.ndarray
    e: int

    @classmethod
    def from_float(cls, a) -> "Dyadic":
        a = np.asarray(a, dtype=np.float64)
        if not np.isfinite(a).all():
            raise ValueError("exact arithmetic needs finite values")
        mant, ex = np.frexp(a)
        M = (mant * 2.0**53).astype(np.int64)  # exact: |mant| < 1
        ex = ex.astype(np.int64) - 53
        nz = M != 0
        if not nz.any():
            return cls(np.zeros(a.shape, dtype=object), 0)
        low = M & -M  # lowest set bit, to keep the integers short
        tz = np.zeros_like(M)
        tz[nz] = np.log2(low[nz].astype(np.float64)).astype(np.int64)
        M = np.where(nz, M >> tz, 0)
        ex = ex + tz
        e = int(ex[nz].min())
        shift = np.where(nz, ex - e, 0)
        flat = [int(v) << int(s) for v, s in zip(M.ravel(), shift.ravel())]
        m = np.empty(a.shape, dtype=object)
        m.ravel()[:] = flat if a.ndim else flat[0]
        return cls(m, e)

    def at(self, e: int) -> np.ndarray:
        """The integers of this array expressed with exponent e <= self.e."""
        return self.m * (1 << (self.e - e)) if self.e > e else self.m

    def __add__(self, other: "Dyadic") -> "Dyadic":
        e = min(self.e, other.e)
        return Dyadic(self.at(e) + other.at(e), e)

    def to_fractions(self) -> np.ndarray:
        scale = Fraction(2) ** self.e
        out = np.empty(self.m.shape, dtype=object)
        out.ravel()[:] = [Fraction(int(v)) * scale for v in self.m.ravel()]
        return out


def _dense(layer: Dense, a: Dyadic) -> Dyadic:
    W = Dyadic.from_float(layer.weight)
    b = Dyadic.from_float(layer.bias)
    z = Dyadic(a.m.dot(W.m.T), a.e + W.e) + Dyadic(np.broadcast_to(b.m, (a.m.shape[0], b.m.shape[0])), b.e)
    return _activate(layer.activation, z)


def _activate(act: Activation, z: Dyadic) -> Dyadic:
    return Dyadic(*act.exact(z.m, z.e))


def exact_forward(network: Network, X) -> np.ndarray:
    """The network's outputs on X as an (N, n_out) object array of exact Fractions.

    Only for piecewise-linear activations: tanh and sigmoid have no exact rational values.
    """
    smooth = sorted({d.activation.name for d, _ in network.dense_layers() if not d.activation.piecewise_linear})
    if smooth:
        raise InvalidDataError(
            f"the exact check needs piecewise-linear activations; this network uses {', '.join(smooth)}"
        )
    a = Dyadic.from_float(np.atleast_2d(X))
    return network.interpret(a, _dense, lambda a, h: a + h).to_fractions()
