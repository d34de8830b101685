"""Exact floating-point transformations and scalings shared by the constructions and the certificate: Dekker's
split (Veltkamp's splitting, which TwoProduct uses), the Dot2 dot product (Ogita, Rump & Oishi 2005) and
power-of-two column scaling. Imports nothing of memorizers."""

from __future__ import annotations

import numpy as np

LD = np.longdouble  # extended precision where the platform has it


def split(a: np.ndarray):
    """Dekker's split a = hi + lo, each with at most 26 significant bits."""
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def dot2(X: np.ndarray, W: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Row-wise dot products sum_d X[n, d] W[n, d] in twice the working precision, as long double.

    Ogita, Rump & Oishi's Dot2 (TwoProduct by Dekker's split, TwoSum), vectorised over
    rows in cache-sized chunks: as accurate as double-double, and several times faster
    than converting N x dx numbers to long double.
    """
    out = np.empty(len(X), dtype=LD)
    for s in range(0, len(X), chunk):
        x, w = np.ascontiguousarray(X[s : s + chunk].T), np.ascontiguousarray(W[s : s + chunk].T)
        xh, xl = split(x)
        wh, wl = split(w)
        prod = x * w
        err = xl * wl - (((prod - xh * wh) - xl * wh) - xh * wl)
        hi, lo = prod[0].copy(), err[0].copy()
        for d in range(1, len(x)):
            t = hi + prod[d]
            bv = t - hi
            lo += (hi - (t - bv)) + (prod[d] - bv) + err[d]
            hi = t
        out[s : s + chunk] = hi.astype(LD) + lo.astype(LD)
    return out


def column_scale(X: np.ndarray) -> np.ndarray:
    """Per-column powers of two s_j with max_i |X_ij| s_j in [1/2, 1) (1 for a zero column).

    The general-position constructions work on X * s, so that their hyperplane fits, distances and
    rank cut-offs do not depend on the units of the features, and fold s into the first layer's
    weights, which is exact (a power of two changes only the exponent).
    """
    _, e = np.frexp(np.abs(X).max(axis=0, initial=0.0))
    return np.ldexp(1.0, -e)
