"""Exact parameters, and exact evaluation of a network in rational arithmetic.

Every float is a dyadic rational m * 2**e, and every activation of
``memorizers.activations`` maps dyadics to dyadics, so the forward pass of a stored
network can be carried out exactly with Python integers: a ``Dyadic`` array is an
object array of ints ``m`` with one shared exponent ``e``. This is far faster than
``fractions.Fraction`` (no gcds) and gives the true output of the network as stored,
so any difference from the floating-point forward pass is rounding.

*Exact parameters.* A Dense layer may also hold exact parameters: dyadic rationals of any
size (Python ints, or Fractions whose denominators are powers of two), as the constructions
with large bit complexity need (Vardi, Yehudai & Shamir 2022: weights of thousands of bits,
which float64 cannot hold). ``exact_values`` checks them, ``rounded`` gives their nearest
float64 values (+-inf past the float64 range: a float evaluation then fails visibly), and
``encode`` / ``decode`` store them losslessly as text (hexadecimal, so no limit on
the number of digits applies) in the network file, with no pickle.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .errors import InvalidDataError, MemorizersError

MAX_SHIFT = 10**7  # a file's denominators 2^k: at most this k (a larger one is a corrupt file, not a network)

if TYPE_CHECKING:
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

    @classmethod
    def from_exact(cls, a: np.ndarray) -> "Dyadic":
        """An object array of ints and dyadic Fractions (see ``exact_values``) as one Dyadic."""
        nz = np.flatnonzero(a)  # the layers of exact networks are mostly zero: only their nonzeros in Python
        values = a.ravel()[nz]
        dens = [v.denominator for v in values if isinstance(v, Fraction)]
        k = max(dens, default=1).bit_length() - 1  # every denominator divides 2^k
        m = np.zeros(a.shape, dtype=object)
        m.ravel()[nz] = [
            v.numerator << (k - v.denominator.bit_length() + 1) if isinstance(v, Fraction) else int(v) << k
            for v in values
        ]  # shifts only: no Fraction arithmetic, no gcds
        return cls(m, -k)

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


def dyadic(m: int, e: int):
    """m 2^e as an int or a dyadic Fraction (trailing zero bits of m dropped first, so that the Fraction's
    one gcd is trivial)."""
    if m == 0:
        return 0
    tz = (m & -m).bit_length() - 1
    m, e = m >> tz, e + tz
    return m << e if e >= 0 else Fraction(m, 1 << -e)


def exact_values(a) -> np.ndarray:
    """``a`` as an object array of exact dyadic rationals (Python ints, and Fractions with power-of-two
    denominators); floats are taken at their exact values. Anything else raises MemorizersError."""
    a = np.asarray(a, dtype=object)
    for t in set(map(type, a.ravel())):  # the types once, not per entry: exact layers are large and mostly 0
        if issubclass(t, (bool, np.bool_)) or not issubclass(t, (int, np.integer, float, np.floating, Fraction)):
            raise MemorizersError(f"exact parameters must be ints, floats or dyadic Fractions; got {t.__name__}")
    out = np.zeros(a.shape, dtype=object)  # every zero (0, 0.0, Fraction(0)) becomes the int 0
    nz = np.flatnonzero(a)
    flat = []
    for v in a.ravel()[nz]:
        if isinstance(v, (float, np.floating)):
            if not np.isfinite(v):
                raise MemorizersError("Dense layer parameters hold NaN or inf")
            v = Fraction(float(v))
        if isinstance(v, Fraction):
            if v.denominator & (v.denominator - 1):
                raise MemorizersError(f"exact parameters must be dyadic rationals (denominator 2^k); got {v}")
            v = v.numerator if v.denominator == 1 else v
        flat.append(int(v) if isinstance(v, (int, np.integer)) else v)
    out.ravel()[nz] = flat
    return out


def rounded(a: np.ndarray) -> np.ndarray:
    """The nearest float64 of each exact value (+-inf beyond the float64 range)."""
    out = np.zeros(a.shape, dtype=np.float64)
    flat = out.ravel()
    for i in np.flatnonzero(a):
        v = a.flat[i]
        try:
            flat[i] = float(v)  # int and Fraction round correctly to nearest
        except OverflowError:
            flat[i] = np.inf if v > 0 else -np.inf
    return out


def rounding_error(a: np.ndarray, f: np.ndarray) -> np.ndarray:
    """An upper bound, in float64, of |a - f| per entry (a exact, f its rounded float64 values)."""
    out = np.zeros(a.shape, dtype=np.float64)
    flat = out.ravel()
    for i, (v, w) in enumerate(zip(a.ravel(), f.ravel())):
        w = float(w)  # Python compares int and Fraction with float exactly (numpy's float64 would round the int)
        if not np.isfinite(w):
            flat[i] = np.inf
        elif v != w:
            d = abs(Fraction(v) - Fraction(w))
            g = float(d)
            flat[i] = g if Fraction(g) >= d else np.nextafter(g, np.inf)
    return out


def bits(a) -> np.ndarray:
    """Per entry, its bits in fixed point: the bits of its integer part plus its fractional bits (Kim, Moon
    & Yun 2025's bit complexity of a weight). ``a``: float64 values or exact ones."""
    a = np.asarray(a)
    if a.dtype == object:
        out = np.zeros(a.shape, dtype=np.int64)
        nz = np.flatnonzero(a)
        out.ravel()[nz] = [int(abs(v)).bit_length() + (Fraction(v).denominator.bit_length() - 1) for v in a.ravel()[nz]]
        return out
    mant, ex = np.frexp(np.abs(a.astype(np.float64)))  # |a| = mant 2^ex, mant in [1/2, 1)
    M = (mant * 2.0**53).astype(np.int64)
    low = np.where(M != 0, M & -M, 1)  # lowest set bit of the 53-bit significand
    lowest = ex.astype(np.int64) - 53 + np.log2(low.astype(np.float64)).astype(np.int64)
    return np.where(M != 0, np.maximum(ex, 0) + np.maximum(-lowest, 0), 0)


def encode(a: np.ndarray) -> np.ndarray:
    """Exact values as one bytes scalar: comma-separated hexadecimal numerators, each over 2^k as "/k"."""
    parts = []
    for v in a.ravel():
        if isinstance(v, Fraction):
            parts.append(f"{v.numerator:#x}/{v.denominator.bit_length() - 1}")
        else:
            parts.append(f"{int(v):#x}")
    return np.array(",".join(parts).encode("ascii"))


def decode(data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of ``encode`` (ValueError on anything malformed)."""
    text = bytes(np.asarray(data).item()).decode("ascii")
    parts = text.split(",") if text else []
    size = int(np.prod(shape))
    if len(parts) != size:
        raise ValueError(f"{len(parts)} exact values for shape {tuple(shape)}")
    out = np.empty(shape, dtype=object)
    flat = []
    for p in parts:
        num, _, k = p.partition("/")
        v = int(num, 16)
        if k and not 0 <= int(k) <= MAX_SHIFT:
            raise ValueError(f"exact value {p[:40]!r}: denominator 2^{k} out of range")
        flat.append(Fraction(v, 1 << int(k)) if k else v)
    out.ravel()[:] = flat
    return exact_values(out)


def _product(a: np.ndarray, W: np.ndarray) -> np.ndarray:
    """a @ W.T on object arrays of Python ints, summing only W's nonzero entries (exact networks with large
    weights are sparse: Vardi et al.'s layers are narrow and mostly zero)."""
    if np.count_nonzero(W) * 2 >= W.size:
        return a.dot(W.T)
    out = np.empty((a.shape[0], W.shape[0]), dtype=object)
    for k, row in enumerate(W):
        col = None
        for j in np.flatnonzero(row):
            w, x = row[j], a[:, j]
            if col is None:
                col = x if w == 1 else -x if w == -1 else x * w
            else:
                col = col + x if w == 1 else col - x if w == -1 else col + x * w
        out[:, k] = 0 if col is None else col
    return out


def _dense(layer: Dense, a: Dyadic) -> Dyadic:
    if layer.exact_weight is not None:
        W, b = Dyadic.from_exact(layer.exact_weight), Dyadic.from_exact(layer.exact_bias)
    else:
        W, b = Dyadic.from_float(layer.weight), Dyadic.from_float(layer.bias)
    P = Dyadic(_product(a.m, W.m), a.e + W.e)
    e = min(P.e, b.e)  # the bias is aligned as one vector, then broadcast: no shift of every row by it
    z = Dyadic(P.at(e) + b.at(e)[None, :], e)
    return Dyadic(*layer.activation.exact(z.m, z.e))


def exact_forward(network: Network, X) -> np.ndarray:
    """The network's outputs on X as an (N, n_out) object array of exact Fractions.

    Parameters
    ----------
    network : Network
        Piecewise-linear activations only (the smooth ones have no exact rational values:
        InvalidDataError); float64 or exact parameters.
    X : array_like, shape (N, n_in)
        float64 rows, taken at their exact values.

    Returns
    -------
    numpy.ndarray of Fraction, shape (N, n_out)
        The exact outputs: any difference from a float evaluation is rounding.
    """
    smooth = sorted({d.activation.name for d, _ in network.dense_layers() if not d.activation.piecewise_linear})
    if smooth:
        raise InvalidDataError(
            f"the exact check needs piecewise-linear activations; this network uses {', '.join(smooth)}"
        )
    a = Dyadic.from_float(np.atleast_2d(X))
    return network.interpret(a, _dense, lambda a, h: a + h).to_fractions()
