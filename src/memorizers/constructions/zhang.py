"""Zhang, Bengio, Hardt, Recht & Vinyals (2017), "Understanding deep learning requires rethinking
generalization", Theorem 1: a depth-2 ReLU network with 2n + d weights fits any real labels on n
distinct points of R^d.

The network is c(x) = sum_j w_j relu(a . x - b_j): one projection a (d weights), n units reading it
with weight 1 and bias -b_j (n weights), and n output weights w_j. With the projections
z_i = a . x_i sorted, z_1 < ... < z_n, and the biases interleaved, b_1 < z_1 < b_2 < z_2 < ... < b_n < z_n,
the matrix A_ij = relu(z_i - b_j) is lower triangular with positive diagonal z_i - b_i, so
A w = y has one solution (the paper's Lemma 1).

Two realisations (``exact``):

* ``exact=False`` (default): float64 parameters, A and w computed in float64 (w by triangular
  substitution on the matrix the network itself evaluates), verified and certified like every
  float network. The substitution amplifies rounding by about the ratio of the data's spread
  to the smallest gap, so of ``tries`` random directions a is the one with the smallest ratio; this
  holds for small n and fails visibly beyond (the frontier experiment shows where).
* ``exact=True``: exact dyadic parameters (:mod:`memorizers.exact`). a is a dyadic with 16
  fractional bits, so every z_i is an exact dyadic; each b_i = z_i - 2^k_i with 2^k_i the largest
  power of two below the gap z_i - z_(i-1) (below 1 for i = 1), so the diagonal consists of powers
  of two and the substitution divides by nothing else: w is exact. Above the diagonal A is
  z_i - b_j (every unit j <= i is active), so the substitution is
  w_i = (y_i - z_i S_i + T_i) / 2^k_i with the running sums S_i = sum_{j<i} w_j, T_i = sum_{j<i} w_j b_j:
  O(n) big-number operations. The weights carry about sum_i |k_i| bits: float64 cannot evaluate
  the network, and verify judges it by its exact evaluation.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.linalg import solve_triangular

from ..activations import identity, relu
from ..data import check_dataset, check_distinct, check_memory, one_hidden_width
from ..errors import InvalidDataError
from ..exact import Dyadic, dyadic
from ..network import Dense, Network
from .registry import register

A_BITS = 16  # fractional bits of the projection in the exact realisation


def _widths(X, y, options, info=None) -> list[int]:
    w = options.get("widths")
    return [int(np.ravel(w)[0]) if w is not None else len(X)]


@register(
    "zhang",
    kind="real",
    statement="Zhang, Bengio, Hardt, Recht & Vinyals (2017), Theorem 1",
    summary="n ReLUs on one projection, 2n + d weights, any real labels (exact=True: exact parameters)",
    widths=_widths,
    parameters=lambda d, widths, dy: d + 1 + 2 * widths[0] + (widths[0] + 1) * dy,  # a; the units; w (module doc)
    memory=lambda X, y, options: _work_bytes(len(X), bool(options.get("exact", False))),
)
def zhang(X, y, *, widths=None, exact: bool = False, seed=None, tries: int = 20):
    """Theorem 1 of Zhang et al. (2017): c(x) = sum_j w_j relu(a . x - b_j), 2n + d weights (module doc).

    The network is Dense(a, 0, identity) -> Dense(1, -b, relu) -> Dense(w, 0): its edges are exactly
    d + n + n = 2n + d; its other parameters are the n biases -b_j and two zero biases.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Distinct points.
    y : array_like, shape (n,)
        Real labels.
    widths : int or tuple of int, optional
        The one hidden layer's width; pads with zero units.
    exact : bool
        The realisation (module doc): float64, or exact dyadic parameters judged by exact evaluation.
    seed : int, optional
        The direction a.
    tries : int
        Random directions drawn: the one whose smallest gap between projections is largest against their
        spread is taken (none separating the points raises InvalidDataError).

    Returns
    -------
    network : Network
        Widths d-1-n-1.
    info : dict
        The smallest gap between sorted projections, and the ratio of their spread to it.
    """
    X, Y = check_dataset(X, y)
    check_distinct(X)
    n, d = X.shape
    k = one_hidden_width(widths, n, "Theorem 1 of Zhang et al.", f"Zhang et al.'s Theorem 1 uses n = {n} units")
    check_memory(_work_bytes(n, exact) + 8.0 * k * (d + 2), f"{k} units for {n} points")
    rng = np.random.default_rng(seed)
    xs = Dyadic.from_float(X) if exact else None  # X exactly, as integers m 2^e with one exponent e
    if exact:
        for _ in range(tries):
            a = _direction(rng, d)
            am = Dyadic.from_float(a)
            z = xs.m.dot(am.m)  # a . x_i = z_i 2^(xs.e + am.e), exactly: one integer product per entry
            order = sorted(range(n), key=z.__getitem__)
            zs = [(int(z[i]), xs.e + am.e) for i in order]  # (m, e) pairs, sorted
            if all(p[0] < q[0] for p, q in zip(zs, zs[1:])):
                break
        else:
            raise InvalidDataError(f"no projection in {tries} random draws separates the points (equal a . x)")
    else:  # the best conditioned of the draws: the float substitution's error grows with spread / smallest gap
        A = np.stack([_direction(rng, d) for _ in range(tries)], axis=1)
        Z = np.sort(X @ A, axis=0)
        gap = np.diff(Z, axis=0).min(axis=0, initial=np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            quality = np.where(gap > 0, gap / np.maximum(Z[-1] - Z[0], np.finfo(float).tiny), -1.0)
        best = int(np.argmax(quality))
        if quality[best] < 0:
            raise InvalidDataError(f"no projection in {tries} random draws separates the points (equal a . x)")
        a = A[:, best]
        z = X @ a
        order = np.argsort(z, kind="stable")
        zs = z[order]
    if exact:
        b, w = _exact_solution(zs, Y[order])
    else:
        b, w = _float_solution(X[order], a, zs, Y[order])
    pad = k - n
    units = Dense(np.ones((k, 1)), _pad(-b, pad), relu())
    out = Dense(_pad(w, pad).T, np.zeros(Y.shape[1], dtype=object if exact else np.float64))
    network = Network([Dense(a[None, :], np.zeros(1), identity()), units, out])
    values = np.asarray([float(dyadic(*p)) for p in zs] if exact else zs)
    gaps = np.diff(values) if n > 1 else np.array([1.0])
    return network, {
        "min_gap": float(gaps.min()),
        "spread_over_gap": float((values[-1] - values[0]) / gaps.min()) if n > 1 else 1.0,
        "exact": bool(exact),
    }


def _work_bytes(n: int, exact: bool) -> float:
    """The float realisation's n x n matrix A (float64), or the exact one's O(n) running sums."""
    return 8.0 * (n * n if not exact else 4 * n)


def _direction(rng, d: int) -> np.ndarray:
    """A Gaussian direction rounded to a dyadic with A_BITS fractional bits (exact z in the exact realisation)."""
    return np.round(rng.standard_normal(d) * 2.0**A_BITS) / 2.0**A_BITS


def _pad(a, rows: int):
    """a (n,) or (n, dy) with ``rows`` zero rows appended (object arrays stay exact)."""
    a = np.asarray(a)
    return np.concatenate([a, np.zeros((rows, *a.shape[1:]), dtype=a.dtype)]) if rows else a


def _dyadic(v) -> tuple[int, int]:
    """A dyadic Fraction or float as (m, e), v = m 2^e."""
    q = Fraction(v)
    return q.numerator, -(q.denominator.bit_length() - 1)


def _add(p, q):
    (m1, e1), (m2, e2) = p, q
    e = min(e1, e2)
    return (m1 << (e1 - e)) + (m2 << (e2 - e)), e


def _exact_solution(z: list[tuple[int, int]], Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Biases b (n,) and output weights w (n, dy), exact dyadics: A w = Y with A_ij = relu(z_i - b_j), for
    the sorted projections z_i = m_i 2^e given as (m_i, e) pairs.

    Carried as (m, e) pairs, so that no step reduces a fraction (module doc: O(n) big-number operations)."""
    n, dy = Y.shape
    b, w = np.empty(n, dtype=object), np.empty((n, dy), dtype=object)
    S, T = [(0, 0)] * dy, [(0, 0)] * dy
    for i, zi in enumerate(z):
        gap = _add(zi, (-z[i - 1][0], z[i - 1][1])) if i else (1, 1)  # the first diagonal: 1 (below 2)
        k = gap[0].bit_length() - 1 + gap[1]  # 2^k <= gap < 2^(k+1): 2^k, or 2^(k-1) when gap is 2^k
        k -= gap[0] == 1 << (gap[0].bit_length() - 1)
        bi = _add(zi, (-1, k))
        b[i] = dyadic(*bi)
        for o in range(dy):
            mz, ez = zi[0] * S[o][0], zi[1] + S[o][1]
            num = _add(_add(_dyadic(float(Y[i, o])), (-mz, ez)), T[o])
            wi = (num[0], num[1] - k)  # divided by the diagonal 2^k exactly
            w[i, o] = dyadic(*wi)
            S[o] = _add(S[o], wi)
            T[o] = _add(T[o], (wi[0] * bi[0], wi[1] + bi[1]))
    return b, w


def _float_solution(Xs: np.ndarray, a: np.ndarray, zs: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Biases at the midpoints of consecutive projections (z_1 - 1 first) and w solving the lower-triangular
    matrix that the network evaluates, relu(fl(X a) - b), by substitution."""
    b = np.concatenate([[zs[0] - 1.0], (zs[1:] + zs[:-1]) / 2])
    A = np.maximum((Xs @ a[:, None]) - b[None, :], 0.0)  # as the network computes it: lower triangular
    return b, solve_triangular(np.tril(A), Y, lower=True)
