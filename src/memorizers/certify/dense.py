"""The enclosure of one dense layer (the certificate page, steps 1-6): its parameters split once for error-free
products (Ozaki, Ogita, Oishi & Rump 2012), and a(n enclosed) input's image W a + b in double-double with a rigorous
radius: the rounding of the products (Higham's bound), the input radius through a rank-one or sparse majorant,
and rows that repeat up to sign multiplied once. :class:`memorizers.certify.Certifier` walks the network with it.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import (
    SparseT,
    amax,
    amin,
    as_float,
    copy,
    count_nonzero,
    empty,
    isfinite,
    isnan,
    maximum,
    minimum,
    nanmax,
    numpy_arrays,
    pow2,
    pow2_at_least,
    sparse_rows,
    to_numpy,
    where,
)
from ..backends.numpy_backend import is_sparse, repeated_rows
from ..exact import rounding_error
from ..intervals import ETA, U64, Enclosure, gamma, two_sum, up
from ..network import Dense

SPARSE_RADIUS = 1 / 16  # input radii with at most this share of nonzero entries are multiplied through (step 4)


def _split(A, bits: int, peak=None):
    """Rows of A as A_hi + A_lo, exactly (Rump, Ogita & Oishi's ExtractScalar, per row).

    With 2^e >= max |A_i| (``peak``, computed when not given), sigma = 2^(e + 53 - bits):
    A_hi = (A + sigma) - sigma is an integer multiple of 2^sc, sc = max(e - bits, -1074), of
    magnitude <= 2^e + 2^sc, and A_lo = A - A_hi is exact with |A_lo| <= 2^sc. Rows with e > 900
    get sc = NaN: nothing is claimed for them.
    """
    e = pow2_at_least(amax(abs(A), 1, 0.0) if peak is None else peak)
    sc = as_float(maximum(e - bits, -1074))
    sc[e > 900] = np.nan
    sigma = pow2(minimum(e + 53 - bits, 1000))[:, None]
    hi = (A + sigma) - sigma
    return hi, A - hi, sc


class DenseLayer:
    """One Dense layer's parameters and their splits (certificate page, step 1), each made once per network, in NumPy;
    ``put`` moves what the enclosure reads per block to where it runs (a torch device: :mod:`memorizers.arrays`)."""

    def __init__(self, d: Dense, put=numpy_arrays):
        self.d, self.put = d, put
        n = self.n = d.n_in
        self.bits = 51 - max(1, math.ceil(math.log2(max(n, 2))))  # beta + gamma, one bit of each split's slack
        rows = np.abs(d.weight)
        self.dW_T = self.db = None  # exact parameters: bounds of |W - fl(W)| and |b - fl(b)|, counted in the radius
        if d.exact:
            dW = rounding_error(d.exact_weight, d.weight)
            self.dW_T, self.db = np.ascontiguousarray(dW.T), rounding_error(d.exact_bias, d.bias)
            rows = up(rows + dW, 1)  # |W| of the exact parameters, for the radius and the bits pass
        abs_w_T = np.ascontiguousarray(rows.T)
        self.abs_w_sum = up(abs_w_T.sum(axis=0), n)  # per unit, ||W_k||_1 rounded up
        self.abs_w_T, self.bias, self.abs_w_sum_put = put(abs_w_T), put(d.bias), put(self.abs_w_sum)
        # structure (certificate page, step 6): rows repeated up to sign are enclosed once; sparse products skip zeros
        self.rows = None if d.exact else repeated_rows(d.weight)
        if self.rows is not None:
            distinct = d.weight[self.rows[0]]
            self.distinct = DenseLayer(Dense(distinct, np.zeros(len(distinct))), put)
            self.index, self.sign = put(self.rows[1]), put(self.rows[2])
        self.sparse = is_sparse(d.weight)
        peak, norm1 = rows.max(axis=1, initial=0.0), rows.sum(axis=1)
        live = (peak > 0) & np.isfinite(norm1)  # rows beyond float64's range: never certified, steer nothing
        self.n_eff = float(np.median(norm1[live] / peak[live])) if live.any() else 1.0
        self._splits = {}

    def split(self, gamma_bits: int) -> "_Split":
        if gamma_bits not in self._splits:  # a benign race between threads computes it twice
            self._splits[gamma_bits] = _Split(self, gamma_bits)
        return self._splits[gamma_bits]

    def gamma_bits(self, n_eff_a: float) -> int:
        """The split that balances the two rank-one terms 2^-beta ||W||_1 max|a| and 2^-gamma max|W| ||a||_1:
        gamma - beta = log2(n_eff(a) / n_eff(W)), n_eff = ||v||_1 / ||v||_inf (rounded to even steps, so few splits)."""
        g = (self.bits + math.log2(max(n_eff_a, 1.0) / max(self.n_eff, 1.0))) / 2
        return int(min(max(2 * round(g / 2), 4), self.bits - 4))


class _Split:
    """W = W_hi + W_lo with W_hi of ``gamma_bits`` bits per row, and the rows of the rank-one radius terms."""

    def __init__(self, L: DenseLayer, gamma_bits: int):
        d, n, put = L.d, L.n, L.put
        self.beta = L.bits - gamma_bits
        w_hi, w_lo, self.t = _split(d.weight, gamma_bits)
        self.huge = np.isnan(self.t)
        self.t_min, self.any_huge = self.t.min(initial=0.0), bool(self.huge.any())
        self.w_lo_max = np.ldexp(1.0, np.where(self.huge, 0, self.t).astype(np.int64))  # |W_lo| <= 2^t
        if L.sparse:  # zeros split into zeros: W_hi and W_lo are as sparse as W
            from scipy.sparse import csr_array

            sparse_T = (lambda W: csr_array(W).T) if put is numpy_arrays else (lambda W: SparseT(W, put))
            self.w_hi_T, self.w_lo_T = sparse_T(w_hi), sparse_T(w_lo)
        else:
            self.w_hi_T, self.w_lo_T = put(np.ascontiguousarray(w_hi.T)), put(np.ascontiguousarray(w_lo.T))
        # the rows of the rank-one radius terms (certificate page, step 2), inflated for the small
        # product cols @ rows that evaluates them (5 nonnegative terms); the last row is the constant
        g = gamma(2 * n + 2, U64)
        inflate = 1 + 2 * gamma(8, U64)
        self.rank_rows = inflate * np.stack(
            [
                up(np.abs(w_hi).sum(axis=1), n) * (g + U64),  # times max_j |a_lo,ij|
                self.w_lo_max * (g + 4 * U64),  # times ||a_h||_1 (and the a_l W_lo left out)
                L.abs_w_sum * 2 * U64 * U64,  # the rounding of zl, times max |a|
                np.zeros(d.n_out),  # times rho: |W| c, the majorant of the input radius (set per call)
                up(2 * U64 * U64 * np.abs(d.bias) + n * ETA * self.w_lo_max, 2) + (8 * n + 16) * ETA,  # times 1
            ]
        )
        self.rank_rows, self.t_put, self.huge_put = put(self.rank_rows), put(self.t), put(self.huge)


def _sparse_radius(r, abs_w_T, n: int):
    """|W| r (r finite) as a sparse product, rounded up, where at most SPARSE_RADIUS of r's entries are nonzero
    (certificate page, step 4); else None."""
    if count_nonzero(r) > r.shape[0] * r.shape[1] * SPARSE_RADIUS:
        return None
    return up(sparse_rows(r) @ abs_w_T, n)


def _majorant(r, abs_w_T, n: int):
    """(rho, |W| c) with r_ij <= rho_i c_j (r finite): then |W| r <= rho (|W| c)^T (certificate page, step 4)."""
    c = maximum(amax(r, 0, 0.0), 2.0**-1000)  # any c_j >= max_i r_ij will do; this keeps 1 / c finite
    return up(amax(r * (1.0 / c), 1, 0.0), 3), up(c @ abs_w_T, n)


def _bias_split(b: np.ndarray, t: np.ndarray, S: float):
    """b = b_hi + b_lo with b_hi on the grid of every row's P_hi, and ``need``: P_hi + b_hi is exact in the rows
    with sc_i >= need - 51 (need = inf: in none).

    P_hi[i, k] is an integer multiple of 2^(sc_i + t_k) below 2^51 of them; b_hi is a multiple of
    2^(S + t_k), S = max_i sc_i, so P_hi + b_hi is exact wherever |b_hi| <= 2^51 2^(sc_i + t_k).
    """
    grid = (np.where(np.isnan(t), 0, t) + S).astype(np.int64)
    b_hi = np.ldexp(np.rint(np.ldexp(b, -grid)), grid)
    if not np.isfinite(b_hi).all():
        return np.zeros_like(b), b, np.inf
    need = np.max(pow2_at_least(np.abs(b_hi)) - t, initial=-2000)  # 2^need >= |b_hi| / 2^t, every column
    return b_hi, b - b_hi, need


def enclose_dense(L: DenseLayer, a: Enclosure) -> Enclosure:
    """(pre-activation, activation) enclosures of one Dense layer (certificate page, steps 1-4).

    The input's low part is at most u |a_h| + eta (every enclosure is normalised by TwoSum).
    """
    if L.rows is not None:
        return _expand(L, enclose_dense(L.distinct, a))
    abs_h = abs(a.h)
    peak = amax(abs_h, 1, 0.0)
    norm1 = abs_h.sum(axis=1)
    live = (peak > 0) & isfinite(norm1)  # a row that overflowed claims nothing, and steers nothing
    ratio = to_numpy(norm1[live] / peak[live])
    S = L.split(L.gamma_bits(float(np.median(ratio)) if ratio.size else 1.0))
    a_hi, a_lo, sc = _split(a.h, S.beta, peak)
    if a.l is not None:
        a_lo += a.l  # rounded: |error| <= u |a_lo|, in the first rank-one term
    b_hi, b_lo, need = _bias_split(L.d.bias, S.t, nanmax(sc, -1074.0))
    fits = sc >= need - 51
    b_hi, b_lo = L.put(b_hi), L.put(b_lo)
    p_hi = a_hi @ S.w_hi_T  # exact where sc + t >= -1074
    p_lo = a_lo @ S.w_hi_T
    p_lo += a.h @ S.w_lo_T  # a_l W_lo is left out: at most 2^t (u ||a_h||_1 + n eta), a rank-one term
    p_lo += b_lo
    h = p_hi + b_hi  # exact in the rows that fit
    if not bool(fits.all()):  # the others: TwoSum
        bad = ~fits
        h[bad], e = two_sum(p_hi[bad], L.bias)
        p_lo[bad] += e - b_lo
    h, l = two_sum(h, p_lo)  # normalised, |l| <= u |h| + eta: the next layer's a_lo stays small
    cols = empty((len(a.h), 5), a.h)
    cols[:, 0] = maximum(amax(a_lo, 1, 0.0), -amin(a_lo, 1, 0.0))
    cols[:, 1] = up(norm1, L.n)
    cols[:, 2] = up(peak, 2)
    cols[:, 4] = 1.0
    rows = copy(S.rank_rows)
    rows[4] += up(2 * U64 * abs(b_lo), 2)  # the rounding of the additions of b_lo (and e - b_lo)
    cols[:, 3] = 0.0
    r_in, lost = a.r, None
    if r_in is not None and not bool(isfinite(r_in).all()):  # points whose radius is already infinite or NaN:
        lost = ~isfinite(r_in).all(axis=1)  # left out of the product, so that no other point's radius depends
        r_in = where(lost[:, None], 0.0, r_in)  # on them, and given an infinite radius below
    through = None if r_in is None else _sparse_radius(r_in, L.abs_w_T, L.n)
    if r_in is not None and through is None:
        cols[:, 3], wc = _majorant(r_in, L.abs_w_T, L.n)
        rows[3] = wc * (1 + 2 * gamma(8, U64))
    rad = cols @ rows
    if through is not None:
        rad = up(rad + through, 1)
    if lost is not None:
        rad[lost] = np.inf
    nan_sc = isnan(sc)
    if bool(nan_sc.any()) or S.any_huge:  # magnitudes near overflow: nothing is claimed
        rad[nan_sc] = np.inf
        rad[:, S.huge_put] = np.inf
    elif float(amin(sc, 0, 0.0)) + S.t_min < -1074:  # products of P_hi may underflow: the a-priori term
        low = sc[:, None] + S.t_put[None, :] < -1074
        apriori = (cols[:, 2] * gamma(L.n + 1, U64))[:, None] * L.abs_w_sum_put[None, :]
        rad = where(low, rad + up(apriori, 2) + (L.n + 1) * ETA, rad)
    if not bool(isfinite(h.sum())):
        rad += h * 0.0  # NaN where an intermediate overflowed (IEEE overflow is sticky): never certified
    return Enclosure(h, l, rad)


def _expand(L: DenseLayer, p: Enclosure) -> Enclosure:
    """The enclosure of W a + b from the enclosure p of the distinct rows' products (certificate page, step 6):
    z_k = sign_k p_index(k) + b_k, added in double-double and normalised by TwoSum."""
    index, sign = L.index, L.sign
    ph, pl = p.h[:, index] * sign, p.l[:, index] * sign  # exact
    h, e = two_sum(ph, L.bias)
    t = e + pl  # rounded: |error| <= u (|e| + |pl|)
    h, l = two_sum(h, t)
    r = up(p.r[:, index] + 2 * U64 * (abs(e) + abs(pl)), 3)
    if not bool(isfinite(h.sum())):
        r += h * 0.0  # NaN where the bias's addition overflowed: never certified
    return Enclosure(h, l, r)
