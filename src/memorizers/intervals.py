"""Rigorous float64 interval primitives shared by the certificate and the activations' enclosures.

A value is carried as (h, l, r): the exact value lies within r of the real number h + l
(:class:`Enclosure`). Radii are sums of nonnegative float64 terms inflated for their own
rounding (``up``), with an absolute term per operation for gradual underflow (Higham's
model with eta, *Accuracy and Stability of Numerical Algorithms*, Section 2.1), so they are
upper bounds in exact arithmetic. See :mod:`memorizers.certify` for how they are used.
"""

from __future__ import annotations

import math

from .arrays import where
from .numerics import split

U64 = 2.0**-53  # unit roundoff of float64
ETA = 2.0**-1074  # smallest positive subnormal float64
FLOOR = 2.0**-600  # a normal stand-in for tiny magnitudes: a subnormal operand takes BLAS's and NumPy's slow path


class Enclosure:
    """Exact values lie within ``r`` of ``h + l`` (all float64 arrays of one shape).

    Parameters
    ----------
    h, l : numpy.ndarray
        The midpoint as an unevaluated sum of a high and a low part.
    r : numpy.ndarray
        The radius.
    """

    def __init__(self, h, l, r):
        self.h, self.l, self.r = h, l, r


def gamma(k: int, u: float) -> float:
    """gamma_k = k u / (1 - k u) (Higham, eq. (3.5))."""
    if k * u >= 1:
        return math.inf
    return k * u / (1 - k * u)


def up(x, ops: int, absolute: float | None = None):
    """An upper bound, in exact arithmetic, of a nonnegative quantity that ``ops`` rounded float64
    operations on nonnegative terms computed as ``x`` (relative and underflow error both covered). The
    underflow term is (ops + 1) ETA, or ``absolute``, which must be at least that (FLOOR, which keeps the
    results normal)."""
    return x * (1 + 2 * gamma(ops + 1, U64)) + ((ops + 1) * ETA if absolute is None else absolute)


def two_sum(a, b):
    """Knuth's TwoSum: s = fl(a + b) and the exact error e, a + b = s + e."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a, b):
    """Dekker's TwoProduct (Veltkamp's split, no FMA): p = fl(a b) and the exact error e, a b = p + e."""
    p = a * b
    a_hi, a_lo = split(a)
    b_hi, b_lo = split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def sides(z: Enclosure, c: float):
    """Where the whole interval h + l +- r lies above c, and where below c (rigorous; NaN: neither)."""
    if c == 0:
        t = z.h + z.l  # |error| <= u |t|
        slack = z.r * (1 + 8 * U64) + 4 * ETA
    else:
        t0 = z.h - c
        t = t0 + z.l
        slack = (z.r + 2 * U64 * (abs(t0) + abs(t))) * (1 + 8 * U64) + 4 * ETA
    return t * (1 - 4 * U64) > slack, -t * (1 - 4 * U64) > slack


def near(r, t0, d1, t1):
    """r, plus the error of a clipped midpoint where |t1| (the computed z - c) is within its own rounding of 0."""
    err = 4 * U64 * (abs(t0) + abs(d1) + abs(t1)) + 4 * ETA
    return where(abs(t1) <= err, up(r + 2 * err, 2), r)
