"""Certificates: rigorous enclosures of the exact network's outputs, and the bits a network needs.

The *exact network* is the stored parameters applied in exact real arithmetic to the float64 rows of X; a point
is certified when an enclosure of its exact outputs proves the label criterion. :class:`Certifier` evaluates
each layer in double-double arithmetic at BLAS speed: error-free splitting of inputs and weights (Ozaki, Ogita,
Oishi & Rump 2012) makes one product of the high parts exact in any summation order, two more products carry
the rest with Higham's bound, radii are rank-one (or sparse) majorants, Yun et al.'s ReLU pairs are enclosed as
one clipped unit, and rows that repeat up to sign are multiplied once. Every radius is an upper bound in exact
arithmetic, underflow and overflow included. :meth:`Certifier.bits_sufficient` searches the smallest
significand precision with which the a-priori bound (Higham, Lemma 3.1) certifies every point in any order of
summation; :meth:`Certifier.any_order` does the same for a format (:mod:`.formats`).

The mathematics, step by step with its soundness argument, is the documentation's certificate page
(``docs/certificate.rst``).
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import (
    SparseT,
    amax,
    amin,
    as_float,
    concat,
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
    putter,
    sparse_rows,
    to_numpy,
    where,
)
from ..backends.numpy_backend import is_sparse, repeated_rows
from ..exact import rounding_error
from ..intervals import ETA, FLOOR, U64, Enclosure, gamma, two_sum, up
from ..kinds import certified
from ..network import Dense, Network
from ..numerics import column_scale
from .formats import Format, any_order
from .relu_pairs import _activate_with_pairs, _fold, _with_followers, _with_pairs_first, _without_followers

BIG = 2.0**1000  # magnitudes from which a partial sum might overflow: never certified
MAX_BITS = 1000  # bits_sufficient searches t in [1, MAX_BITS]; beyond that it reports inf
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


class _Layer:
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
            self.distinct = _Layer(Dense(distinct, np.zeros(len(distinct))), put)
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

    def __init__(self, L: _Layer, gamma_bits: int):
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


def _dense_enclose(L: _Layer, a: Enclosure) -> Enclosure:
    """(pre-activation, activation) enclosures of one Dense layer (certificate page, steps 1-4).

    The input's low part is at most u |a_h| + eta (every enclosure is normalised by TwoSum).
    """
    if L.rows is not None:
        return _expand(L, _dense_enclose(L.distinct, a))
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


def _expand(L: _Layer, p: Enclosure) -> Enclosure:
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


class Certifier:
    """The tight enclosure of one network (docs/certificate.rst): the parameters are split once, then
    :meth:`memorizers.certify.Certifier.enclose` runs on any number of chunks of points.

    Parameters
    ----------
    network : Network
        The network to enclose.
    equilibrate : bool
        Scale layer 1's columns by powers of two first (exact; the split of x then does not depend on the
        units of the features).
    device : str, optional
        A torch device to enclose on (:func:`memorizers.backends.certifiable` says which networks can), with the
        same operations as in NumPy (:mod:`memorizers.arrays`), :meth:`bits_sufficient` too; the outputs are
        torch tensors there. None: NumPy.
    """

    def __init__(self, network: Network, equilibrate: bool = True, device: str | None = None):
        # Column equilibration of layer 1 (exact: powers of two): W s and x / s give the same products, and
        # the split of x then does not depend on the units of the features (certificate page, step 1).
        self.input_scale, self.original, self._plain, self.device = None, network, None, device
        first = network.layers[0]
        if equilibrate and isinstance(first, Dense) and not first.exact:
            scale = column_scale(first.weight)
            W = first.weight * scale
            if not (scale == 1).all() and np.array_equal(W / scale, first.weight):
                self.input_scale = scale
                network = Network([Dense(W, first.bias, first.activation), *network.layers[1:]], network.meta)
        self.network, self.pairs = _with_pairs_first(network)
        self.reduced, reduced_pairs, self.full_of = (
            _without_followers(self.network, self.pairs) if self.pairs else (self.network, {}, {})
        )
        self.pairs.update(reduced_pairs)
        self.put = putter(device)
        if device is not None:
            self.pairs = {k: (a, b, self.put(H_h), self.put(H_l)) for k, (a, b, H_h, H_l) in self.pairs.items()}
        self.layers = {id(d): _Layer(d, self.put) for d, _ in self.reduced.dense_layers()}

    def enclose(self, X, record: list | None = None) -> Enclosure:
        """An enclosure of the exact network's outputs on the float64 rows of X.

        The ReLU pairs' followers are left out (``_without_followers``).

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The points.
        record : list, optional
            Receives per layer of the network with the followers what :meth:`bits_sufficient` needs (``_record``):
            for a Dense layer ("dense", its pre-activation enclosure, an upper bound of |W|(|a| + r) + |b|, the scales
            of the t-bit error bound), for a residual block ("residual", the enclosure of the sum).

        Returns
        -------
        Enclosure
            Every exact output lies within its radius of its midpoint.
        """
        c, X = self._route(X)
        with np.errstate(all="ignore"):  # overflow and NaN become infinite radii, never certified
            return c._enclose(c.put(X), record)

    def enclose_box(self, X, R) -> Enclosure:
        """An enclosure of the exact network's outputs over every point of the boxes X +- R (R >= 0 per input, the
        same shape as X): the input radius of the certificate page's step 4. Only for a certifier built with
        ``equilibrate=False``, whose inputs are the data's own coordinates.

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The boxes' centres.
        R : array_like, shape (N, n_in)
            Their half-widths.

        Returns
        -------
        Enclosure
            Every exact output at every point of a row's box lies within its radius of its midpoint.
        """
        if self.input_scale is not None:
            raise ValueError("enclose_box needs a certifier built with equilibrate=False")
        X, R = np.asarray(X, dtype=np.float64), np.asarray(R, dtype=np.float64)
        with np.errstate(all="ignore"):
            return self._enclose(self.put(X), None, self.put(R))

    def _route(self, X) -> tuple["Certifier", np.ndarray]:
        """The certifier and inputs for X: x / s with the equilibrated layer 1 where that division is exact
        (no overflow, no underflow), else X itself with the network as given."""
        X = np.asarray(X, dtype=np.float64)
        if self.input_scale is None:
            return self, X
        with np.errstate(all="ignore"):
            Xs = X / self.input_scale
            if np.array_equal(Xs * self.input_scale, X):
                return self, Xs
        if self._plain is None:  # a benign race between threads builds it twice
            self._plain = Certifier(self.original, equilibrate=False, device=self.device)
        return self._plain, X

    def _enclose(self, X, record, radius=None) -> Enclosure:
        def add(a: Enclosure, h: Enclosure) -> Enclosure:  # a + block(a), in double-double
            al = 0.0 if a.l is None else a.l
            s, e = two_sum(a.h, h.h)
            s, low = two_sum(s, e + al + h.l)
            ra = 0.0 if a.r is None else a.r
            out = Enclosure(s, low, up(ra + h.r + 2 * U64 * (abs(e) + abs(al) + abs(h.l)), 5))
            if record is not None:
                record.append(("residual", out))
            return out

        # the inputs are exact (no low part), at the points or over boxes of the given radius
        return self.reduced.interpret(Enclosure(X, None, radius), lambda d, a: self._dense(d, a, record), add)

    def _dense(self, d: Dense, a: Enclosure, record) -> Enclosure:
        L = self.layers[id(d)]
        z = _dense_enclose(L, a)
        if L.dW_T is not None:  # the float64 product used fl(W), fl(b): add |W - fl(W)| |a| + |b - fl(b)|
            z = Enclosure(z.h, z.l, up(z.r + up(_magnitude(a), 2) @ L.dW_T + L.db, d.n_in + 3))
        pair = self.pairs.get(id(d))
        out = d.activation.enclose(z) if pair is None else _activate_with_pairs(d.activation, z, *pair)
        if record is not None:
            self._record(d, a, z, out, record)
        return out

    def _record(self, d: Dense, a: Enclosure, z: Enclosure, out: Enclosure, record: list) -> None:
        """Record what :meth:`bits_sufficient` needs of the layer ``d`` stands for in the network with the followers
        (a t-bit machine computes every unit): the pre-activations of all its units, a follower's derived from
        its leader's (:func:`_with_followers`); an upper bound of |W|(|a| + r) + |b| over its units and inputs,
        computed with the reduced layer's |W| (a follower's row is its leader's, and its outgoing column the
        negated leader's, so the inputs of a pair add up: :func:`_fold`); and the scales of the t-bit bound.
        ``out`` gets the units' own activations (``unfused``) and the layer's pairs, for the next layer."""
        full = self.full_of.get(id(d), d)
        pair = self.pairs.get(id(full))
        if pair is not None:
            z = _with_followers(z, *pair)
            out.unfused, out.pair = full.activation.enclose(z), pair
        ar = _magnitude(getattr(a, "unfused", a))
        L, prev_pair = self.layers[id(d)], getattr(a, "pair", None)
        bias = L.bias if pair is None else self.put(full.bias)  # the followers have their own biases
        # magnitudes below FLOOR (the radii's subnormal terms of the saturated units) enter as FLOOR ||W_k||_1, not
        # through the product: BLAS multiplies subnormal entries on a slow path (microcode assists)
        ar = where(ar < FLOOR, 0.0, ar)
        wsum = _with_follower_rows(
            self.put(np.ones((1, ar.shape[1]))), L, prev_pair, pair
        )  # ||W_k||_1, as evaluated here
        mag = up(_with_follower_rows(ar, L, prev_pair, pair) + abs(bias) + FLOOR * wsum, d.n_in + 3)
        # a fixed scale per input unit, shaped like the t-bit error it will bound: the previous
        # layer's |W||a| + |b| (that error is u times about it), or the inputs' magnitudes
        prev = record[-1] if record and record[-1][0] == "dense" else None
        c = amax(prev[2] if prev is not None and prev[2].shape[1] == full.n_in else ar, 0, 0.0)
        c = maximum(c, max(float(amax(c, 0, 0.0)) * 2.0**-30, 2.0**-1000))
        wc = _with_follower_rows(c[None, :], L, prev_pair, pair)[0]
        # for the formats' absolute terms (:mod:`.formats`): the inputs' ||a||_1 and the rows' ||W_k||_1 of the
        # network as evaluated, so of layer 1 without its column scaling (x / s and W s: powers of two)
        unscale = self.put(self.input_scale) if self.input_scale is not None and not record else None
        l1 = (ar if unscale is None else ar * unscale).sum(1) + ar.shape[1] * FLOOR * (
            1.0 if unscale is None else amax(unscale, 0, 1.0)
        )
        w1 = wsum if unscale is None else _with_follower_rows(1.0 / unscale[None, :], L, prev_pair, pair)
        record.append(("dense", z, mag, 1.0 / c, up(wc, d.n_in), up(l1, d.n_in), up(w1, d.n_in + 1)))

    def bits_sufficient(self, X, Y, kind: str, tol: float, record: list, final: Enclosure, known=None) -> float:
        """The smallest t in [1, MAX_BITS] for which the t-bit network is certified on every point.

        Parameters
        ----------
        X : numpy.ndarray
            The points, as enclosed.
        Y : numpy.ndarray
            Their target outputs.
        kind : str
            The label kind.
        tol : float
            The criterion's tolerance.
        record : list
            What :meth:`memorizers.certify.Certifier.enclose` recorded on the same X.
        final : Enclosure
            Its result.
        known : int, optional
            A precision that other points need (another block's answer). If it certifies these points it is
            returned as it is, without the search: the largest answer over all blocks, the network's
            bits_sufficient, is the same either way.

        Returns
        -------
        float
            t, or inf if none.
        """
        c, X = self._route(X)
        with np.errstate(all="ignore"):
            return c._bits_sufficient(c.put(X), Y, kind, tol, record, final, known)

    def _bits_sufficient(self, X, Y, kind: str, tol: float, record: list, final: Enclosure, known) -> float:
        """The smallest t in [1, MAX_BITS] for which the t-bit network is certified on every point (inf if none),
        or ``known`` if that certifies them (:meth:`bits_sufficient`).

        The t-bit bound is monotone in t (every operation of :meth:`_bits_pass` is monotone in u), so
        the answer is searched around an estimate: one pass at t = MAX_BITS, scaled linearly in u,
        then passes at the estimate and its neighbours until t is certified and t - 1 is not.
        """
        cache = {}

        def ok(t: int) -> bool:
            if t not in cache:
                R = self._bits_pass(X, record, 2.0**-t)
                cache[t] = bool(certified(Enclosure(final.h, final.l, final.r + R), Y, kind, tol).all())
            return cache[t]

        lo = 0  # fails: t = 0 is no arithmetic
        if known is not None:
            if not known < np.inf or ok(int(known)):
                return float(known)
            lo = int(known)
        R0 = self._bits_pass(X, record, 2.0**-MAX_BITS)
        if not bool(certified(Enclosure(final.h, final.l, final.r + R0), Y, kind, tol).all()):
            return np.inf
        hi = MAX_BITS  # certified
        est_lo, est_hi = 0, MAX_BITS  # the estimate: certified by R0 scaled by 2^(MAX_BITS - t)?
        while est_hi - est_lo > 1:
            mid = (est_lo + est_hi) // 2
            scaled = Enclosure(final.h, final.l, final.r + R0 * 2.0 ** (MAX_BITS - mid))
            est_lo, est_hi = (est_lo, mid) if bool(certified(scaled, Y, kind, tol).all()) else (mid, est_hi)
        t, step = min(max(est_hi, lo + 1), hi), 1
        while hi - lo > 1:  # gallop from the estimate, then bisect
            if ok(t):
                hi, t = t, max(lo + 1, t - step)
            else:
                lo, t = t, min(hi - 1, t + step)
            step *= 2
            if step > 4:
                t = (lo + hi) // 2
        return float(hi)

    def any_order(self, X, Y, kind: str, tol: float, record: list, final: Enclosure, fmt: Format):
        """Per point, whether every evaluation of the network in ``fmt``, in any order of summation, gives its label.

        Parameters
        ----------
        X : numpy.ndarray
            The points, as enclosed.
        Y : numpy.ndarray
            Their target outputs.
        kind : str
            The label kind.
        tol : float
            The criterion's tolerance.
        record : list
            What :meth:`memorizers.certify.Certifier.enclose` recorded on the same X.
        final : Enclosure
            Its result.
        fmt : Format
            The format (:mod:`.formats`).

        Returns
        -------
        proved : numpy.ndarray of bool
            Per point, right in every evaluation in ``fmt``.
        radius : numpy.ndarray
            Per point, the enclosure's radius in ``fmt``.
        """
        c, _ = self._route(X)
        scale = None if c.input_scale is None else c.put(c.input_scale)
        with np.errstate(all="ignore"):
            X = c.put(np.asarray(X, dtype=np.float64))
            return any_order(c.network, X, scale, Y, kind, tol, record, final, fmt, self.original)

    def _bits_pass(self, X, record: list, u: float) -> np.ndarray:
        """Per output, a bound on |t-bit evaluation - exact| with u = 2^-t (module doc).

        A t-bit value a_t is within R of the exact a; then |z_t - z| <= (1+u)(1+g)|W| R + (u + g(1+u)) M
        with g = gamma_{n+1}(u) and M the recorded |W|(|a| + r) + |b| (Higham's model, parameters rounded).
        |W| R is bounded by rho (|W| c) with c fixed per layer, so the bound is monotone in u.
        """
        it = iter(record)

        def add(R_in, R):  # the t-bit sum a + block(a) rounds once more
            total = next(it)[1]
            return up(R_in + R + u * (abs(total.h) + total.r + R_in + R), 4)

        R = u * abs(X)  # the inputs rounded to t bits
        return self.network.interpret(R, lambda d, R: self._bits_dense(d, R, next(it), u), add)

    def _bits_dense(self, d: Dense, R, entry, u: float):
        _, z, mag, inv_c, wc = entry[:5]
        n = d.n_in
        g = gamma(n + 1, u)
        with np.errstate(invalid="ignore"):  # 0 * inf: an exact input (R = 0) of a column whose c underflowed
            rho = up(amax(where(R == 0, 0.0, R * inv_c), 1, 0.0), 3)
        rz = up((1 + u) * (1 + g) * rho[:, None] * wc + (u + g * (1 + u)) * mag, 6)
        return d.activation.bits_error(z, rz, u)


def _with_follower_rows(v, L: _Layer, prev_pair, pair):
    """An upper bound of |W| v for the layer with followers, from the reduced layer L's |W| (rounded up by the
    caller for L's n_in products): the previous layer's pairs' inputs added (:func:`_fold`), since a follower's
    outgoing column is its leader's negated, and the followers' rows copied from their leaders'."""
    M = (v if prev_pair is None else _fold(v, prev_pair)) @ L.abs_w_T
    if pair is None:
        return M
    return concat([M[:, pair[0]], M[:, pair[0]], M[:, pair[0].stop :]], 1)


def _magnitude(a: Enclosure):
    """|h| + |l| + r: a bound of the magnitudes of the values an enclosure holds (up to its own rounding)."""
    return abs(a.h) + (0.0 if a.l is None else abs(a.l)) + (0.0 if a.r is None else a.r)


def enclose(network: Network, X) -> Enclosure:
    """A rigorous enclosure of the exact network's outputs on the float64 rows of X (module doc).

    Parameters
    ----------
    network : Network
        The network.
    X : array_like, shape (N, n_in)
        The points, as float64.

    Returns
    -------
    Enclosure
        Midpoints and radii: every exact output lies within its radius of its midpoint.
    """
    return Certifier(network).enclose(X)
