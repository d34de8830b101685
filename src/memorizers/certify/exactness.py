"""Certified in any order by exactness: the rules of float-native networks, where only the first layer rounds.

The tight enclosure (``certify.enclosure``) and the a-priori bound (:mod:`.formats`) carry every unit's rounding
forward and multiply it by the next layer's weights. A network built to be exact in a format (``staircase``;
docs: the float-native page) defeats them: its comparators' outputs are multiplied by 2^20 and more, and only an
argument that the comparator's *sign* is decided, so that the next unit is exactly 0 or 1, proves it. This pass
evaluates such arguments per point and unit. Its state of a unit at a point is either

* **exact**: one float, the same in the exact network and in every evaluation in the format, or
* an interval [lo, hi] that contains the exact network's value and every evaluation's.

A unit's pre-activation z = sum_k w_k a_k + b runs over its *terms*: the products whose weight is nonzero and
whose input is not exactly 0 (such products add exact zeros in any order), and the bias if nonzero. The rules,
in order (u = 2^-p the format's unit roundoff, lambda its smallest normal value):

1. **Integers** (F4). Every term exact, every weight, input and the bias integers, and sum |w_k a_k| + |b|
   <= 2^min(p, 53): every partial sum in any order is an exact integer, so z is exact. Also exact: no term
   but the bias, or one exact product with no bias: w * (+-1) (a one-hot selection of a table entry, F5), or
   an exact input times a power of two.
2. **Two exact products** (F2). At most two terms, every product exact in the format (an input +-1, or an input
   times a power of two, away from underflow and overflow): the only rounding is fl(x + y),
   which keeps the sign of x + y and errs by at most u |x + y|; one term is copied exactly. This is what makes
   a comparator relu(t - theta) exactly 0 below its threshold, and a binarizer relu(1 - alpha q) exactly 0
   once alpha q >= 1 (F3).
3. **Any sum** (F1). Higham's bound, eq. (3.5): |fl(z) - z| <= gamma_{K+2} sum |w_k a_k| + |b| over K
   terms (one more u for the parameters' own rounding), plus the absolute terms lambda (1 + gamma)(sum |a| +
   sum |w| + 2n + 4) of gradual underflow, flush-to-zero and denormals-are-zero.

ReLU then makes a unit whose interval lies at or below 0 exactly 0 (in the exact network and every evaluation),
and clips an interval at 0; the identity keeps it. Every interval is computed in float64 with its own rounding
bounded (the float64 products' gamma, and relative slack on the two-term bounds), so lo and hi are rigorous.
Inputs are exact where the format represents them, else the interval of their rounding; in a format whose
matrix products round their inputs (TF32, :class:`.formats.Format`), every layer's inputs are read so.

Networks of dense layers with ReLU or identity activations are covered; for others the pass proves nothing
(every point False), and the other certificates stand. The checks are per point: a point is proved in the
format when its output's state meets the label's criterion (:func:`memorizers.kinds.certified`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..intervals import FLOOR, U64, Enclosure, gamma, up
from ..kinds import certified, score
from ..network import Dense, Network
from .formats import Format

POW2_RANGE = 40  # weights +-2^k with |k| <= 40 count as exact scalings (rule 2)


def eligible(network: Network) -> bool:
    """Whether the pass covers ``network``: dense layers only, float parameters, ReLU or identity activations."""
    for layer in network.layers:
        if not isinstance(layer, Dense) or layer.exact:
            return False
        act = layer.activation
        if act.kind != "relu_like" or (act.s_plus, act.s_minus) not in ((1.0, 0.0), (1.0, 1.0)):
            return False
    return True


def representable(x: np.ndarray, fmt: Format) -> np.ndarray:
    """Elementwise: x is a normal number of ``fmt`` (or 0) within its range; subnormals count as not (DAZ)."""
    a = np.abs(x)
    m, _ = np.frexp(a)
    with np.errstate(invalid="ignore", over="ignore"):
        whole = np.ldexp(m, fmt.bits)
        return (a == 0) | ((a >= fmt.tiny) & (a <= fmt.max) & (whole == np.floor(whole)))


class _Layer:
    """One dense layer's parameters in the forms the rules read, computed from its nonzeros (sparse matrices where
    at most a tenth of the entries of the columns it reads are nonzero)."""

    def __init__(self, d: Dense, fmt: Format):
        W, b = np.asarray(d.weight, dtype=np.float64), np.asarray(d.bias, dtype=np.float64)
        n_out = W.shape[0]
        r, c = np.nonzero(W)
        v = W[r, c]
        # an input that no weight reads adds exact zeros, whatever it is: only the columns read are looked at
        self.cols = np.unique(c)
        c = np.searchsorted(self.cols, c)
        self.n_in = len(self.cols)
        sparse = len(v) < 0.1 * n_out * self.n_in

        def form(values):  # the (n_in, n_out) matrix W.T with these values at W's nonzeros
            if sparse:
                M = sp.csr_array((values, (c, r)), shape=(self.n_in, n_out))
                M.eliminate_zeros()
                return M
            M = np.zeros((self.n_in, n_out), dtype=values.dtype)
            M[c, r] = values
            return M

        m, e = np.frexp(np.abs(v))
        pow2 = (m == 0.5) & (np.abs(e - 1) <= POW2_RANGE)
        ones = np.ones_like(v)
        self.w, self.pos, self.neg, self.abs = form(v), form(np.maximum(v, 0)), form(np.minimum(v, 0)), form(np.abs(v))
        self.nz, self.not_pow2 = form(ones), form((~pow2).astype(np.float64))
        self.nz32 = self.nz.astype(np.float32)  # counts below 2^24: exact in float32
        self.b, self.b_nz = b, (b != 0).astype(np.float64)
        self.abs_b = np.abs(b)

        def per_row(x):
            return np.bincount(r, weights=x, minlength=n_out)

        # gamma_{K+2} with K <= the row's nonzero weights (+ the bias); the absolute terms' per-row part
        self.g = np.array([gamma(int(k) + 3, fmt.u) for k in per_row(ones)])
        self.row_abs = per_row(np.abs(v)) + 2 * self.n_in + 4
        self.g64 = gamma(self.n_in + 4, U64)  # the float64 products' own rounding
        self.integer = (per_row((np.floor(v) != v).astype(np.float64)) == 0) & (np.floor(b) == b)
        self.exact = (per_row((~representable(v, fmt)).astype(np.float64)) == 0) & representable(b, fmt)
        self.relu = d.activation.s_minus == 0.0


def _dense(L: _Layer, exact: np.ndarray, lo: np.ndarray, hi: np.ndarray, fmt: Format, everything=False):
    """The rules for one layer: (exact, lo, hi) of its outputs from its inputs' (module doc); ``everything``:
    the inputs are the columns it reads already."""
    u, tiny = fmt.u, fmt.tiny
    f = np.float64
    if not everything:
        exact, lo, hi = exact[:, L.cols], lo[:, L.cols], hi[:, L.cols]
    with np.errstate(invalid="ignore", over="ignore"):
        banded = ~exact
        val = np.where(exact, lo, 0.0)  # the exact inputs' values; the banded ones' below
        held = exact & (val != 0)
        mag = np.where(exact, np.abs(lo), np.maximum(np.abs(lo), np.abs(hi)))
        flags = np.concatenate([held | banded, held & (np.floor(val) != val)])
        terms, non_integer = np.split((flags.astype(np.float32) @ L.nz32).astype(np.float64), 2)
        terms = terms + L.b_nz
        # exact terms whose product may round: an input other than +-1 times a weight other than a power of two,
        # or an input so small that a power of two could take it below the normal range
        tiny_in = np.abs(val) < tiny * 2.0 ** (fmt.bits + 41)
        non_unit = (held & ((np.abs(val) != 1) & ~tiny_in)).astype(f) @ L.not_pow2 + (held & tiny_in).astype(f) @ L.nz
        s_lo = val @ L.w + L.b
        s_hi = s_lo.copy()
        M = up(mag @ L.abs + L.abs_b, L.n_in + 2, FLOOR)  # sum |w_k a_k| + |b|, and its float64 rounding
        cols = np.flatnonzero(banded.any(axis=0))  # the columns with an interval: few, past a first layer
        n_banded, not_scaling = np.zeros_like(s_lo), np.zeros_like(s_lo)
        if len(cols):
            b = banded[:, cols]
            lo_b, hi_b = np.where(b, lo[:, cols], 0.0), np.where(b, hi[:, cols], 0.0)
            pos, neg, nz = L.pos[cols], L.neg[cols], L.nz[cols]
            s_lo += lo_b @ pos + hi_b @ neg
            s_hi += hi_b @ pos + lo_b @ neg
            n_banded = b.astype(f) @ nz
            near0 = (lo_b <= 0) & (hi_b >= 0) | (np.minimum(np.abs(lo_b), np.abs(hi_b)) < tiny * 2.0 ** (fmt.bits + 41))
            not_scaling = b.astype(f) @ L.not_pow2[cols] + (b & near0).astype(f) @ nz
        # rule 3, any sum: Higham's bound, the float64 products' rounding and the absolute terms
        absolute = tiny * (1 + L.g) * (mag.sum(axis=1, keepdims=True) + L.row_abs)
        err = up((L.g + L.g64) * M + absolute, 6, FLOOR)
        out_lo, out_hi = s_lo - err, s_hi + err
        # rule 2, two exact products: one rounding, which keeps the sign
        two = (terms <= 2) & (non_unit == 0) & (not_scaling == 0) & L.exact & (M * 4 <= fmt.max)
        if two.any():
            slack = u + 2.0**-50
            a, b = s_lo[two], s_hi[two]
            copy = terms[two] == 1  # one term, a power of two times the input: exact
            a2, b2 = a - slack * np.abs(a), b + slack * np.abs(b)
            a2[(a > 0) & (a < 4 * tiny)] = 0.0  # a result this small may be flushed to zero
            b2[(b < 0) & (b > -4 * tiny)] = 0.0
            out_lo[two], out_hi[two] = np.where(copy, a, a2), np.where(copy, b, b2)
        # rule 1, exact: integers below 2^p, a lone bias, or one exact product (a table entry selected by +-1, or
        # an input scaled by a power of two)
        is_exact = (n_banded == 0) & L.exact
        if is_exact.any():
            whole = L.integer & (non_integer == 0) & (M <= 2.0 ** min(fmt.bits, 53))
            lone = (terms == 0) | ((terms == 1) & (L.b_nz == 0) & (non_unit == 0))
            is_exact &= whole | lone
            out_lo[is_exact] = out_hi[is_exact] = s_lo[is_exact]
        # partial sums beyond the format's range (or an unbounded input: M is inf or NaN then); below it every
        # bound above is finite, or infinite where an input's is
        unbounded = ~(M <= fmt.max / (1 + 4 * u))
        if unbounded.any():
            out_lo[unbounded], out_hi[unbounded] = -np.inf, np.inf
            is_exact &= ~unbounded
        if L.relu:  # an interval at or below 0 is exactly 0; else clipped at 0
            zero = out_hi <= 0
            is_exact |= zero
            out_lo[zero] = out_hi[zero] = 0.0
            np.maximum(out_lo, 0.0, out=out_lo)
    return is_exact, out_lo, out_hi


def prepare(network: Network, fmt: Format) -> list[_Layer]:
    """The network's layers in the pass's form, once per network and format."""
    return [_Layer(d, fmt) for d in network.layers]


def outputs(layers: list[_Layer], X: np.ndarray, fmt: Format, radius=None):
    """(exact, lo, hi) of the outputs on the rows of X (module doc); with ``radius`` (the shape of X), over every
    point of the boxes X +- radius."""
    cols = layers[0].cols  # the columns layer 1 reads (_Layer)
    X = np.asarray(X, dtype=np.float64)[:, cols]
    exact = np.ones(X.shape, dtype=bool)
    lo, hi = X, X
    if radius is not None:
        R = np.asarray(radius, dtype=np.float64)[:, cols]
        exact = R == 0
        lo, hi = np.nextafter(X - R, -np.inf), np.nextafter(X + R, np.inf)  # outward
    for k, L in enumerate(layers):
        if k == 0 or fmt.operands:  # the inputs of a product as the format reads them (TF32: every layer's)
            exact, lo, hi = read(exact, lo, hi, fmt)
        exact, lo, hi = _dense(L, exact, lo, hi, fmt, everything=k == 0)
    return exact, lo, hi


def read(exact, lo, hi, fmt: Format):
    """Inputs as fmt reads them: an exact value the format does not hold becomes the interval of its rounding
    (or flush), and an interval widens by its ends' rounding.

    Parameters
    ----------
    exact : numpy.ndarray of bool
        Where the value is exact (``lo`` holds it).
    lo, hi : numpy.ndarray
        The values' intervals (equal where exact).
    fmt : Format
        The format that reads them.

    Returns
    -------
    exact, lo, hi : numpy.ndarray
        The same, as read in fmt.
    """
    exact = exact & representable(lo, fmt)
    lo = np.where(exact, lo, lo - (up(fmt.u * np.abs(lo), 1, FLOOR) + fmt.tiny))
    hi = np.where(exact, hi, hi + (up(fmt.u * np.abs(hi), 1, FLOOR) + fmt.tiny))
    return exact, lo, hi


def proved(layers: list[_Layer], X, Y, kind: str, tol: float, fmt: Format, radius=None):
    """Per point: whether the exact network and every evaluation in ``fmt`` meet the label's criterion (with
    ``radius``: at every point of the box X +- radius), the radius of the outputs' intervals (inf where nothing
    is claimed), and the criterion's margin at their midpoints."""
    exact, lo, hi = outputs(layers, X, fmt, radius)
    with np.errstate(invalid="ignore", over="ignore"):
        mid = np.where(exact, lo, lo / 2 + hi / 2)
        r = np.where(exact, 0.0, up(np.maximum(hi - mid, mid - lo), 2, FLOOR))
        r = np.where(np.isfinite(r), r, np.inf)
        ok = certified(Enclosure(mid, np.zeros_like(mid), r), Y, kind, tol)
        margin = score(mid, Y, kind, tol)[1]
    return ok, r.max(axis=1, initial=0.0), margin
