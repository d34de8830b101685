"""Kim, Moon & Yun (NeurIPS 2025), Theorem B.3, regime (i): rho-robust memorization with Õ(sqrt N) parameters
when rho <= 1/(5 N sqrt d) (l_2; 1/(5 N d) in l_inf).

Their construction: a 1-Lipschitz projection, a translation that keeps every point's coordinates away from the
integers, a ReLU *floor* per coordinate, the grid cell flattened to one integer, and Vardi, Yehudai & Shamir's
network memorizing the cells' integers. The text we read had its formulas stripped; this realisation is ours (the
robust specification, ``shared/specs/robust_memorization.md``, Section 3), with exact dyadic parameters judged by
exact evaluation like ``vardi``, whose Steps 2-5 it reuses (:func:`.vardi.select_by_key`):

1. **Scale.** s, the least power of two with s D >= 1, D the smallest l_inf distance between points of different
   labels: two such points then differ by at least 1 in some coordinate of s x, so no translation puts them in one
   cell (Kim et al. project to m = O(log N) coordinates first; they keep all d whenever d < 864 log N, and so do
   we: no projection).
2. **Translation.** A band delta = 2^-ceil(log2 8N). Per coordinate j, the widest gap G_j (circularly, at least
   1/N) between the fractional parts of s x_ij is centred on the integers: after the dyadic translation t_j every
   fractional part phi_ij lies in [a_j, 1 - delta - a_j], a_j = (G_j - delta) / 2, and every cell k_ij >= 1.
3. **Floor** (n = bit length of the largest cell index, layers of width 3d + 1): z_j = relu(s x_j + t_j), then
   per bit q from n - 1 down: g1 = relu((V_j - 2^q + delta) / delta), g2 = relu((V_j - 2^q) / delta), bit =
   g1 - g2 (exact while frac V_j is not in (1 - delta, 1)), V_j -= 2^q bit and idx += 2^(n j + q) bit: idx is the
   cell flattened, sum_j 2^(n j) k_j.
4. **Memorize the cells**: vardi's buckets, selector, bit extraction and comparison on the key p = 2 idx + 2
   (distinct cells at least 2 apart; points of one label sharing a cell share its key).

**Certificate** (exact, per point): on the ball of radius mu around x_i every z_j stays in
[k_ij, k_ij + 1 - delta] while s mu <= min(phi_ij, 1 - delta - phi_ij) (in l_inf and l_2 alike: each coordinate
moves by at most mu); every ramp is then saturated, idx and p are those of x_i, and the output is y_i. So
mu_i = min_j min(phi_ij, 1 - delta - phi_ij) / s, computed in rationals, at least (1/N - delta) / (2 s), which is
rho >= 0.43 / (N sqrt d) in l_2 and 0.43 / N in l_inf: the regime's radius at every point.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..activations import relu
from ..data import check_dataset, check_distinct
from ..errors import InvalidDataError
from ..exact import Dyadic, dyadic
from ..network import Dense
from ..separation import nearest_other
from .registry import register
from .vardi import Layers, const, layout, lin, select_by_key
from .yun.classifier import class_ids

NORMS = ("2", "inf")


def _cells(X: np.ndarray, ids: np.ndarray, D: float, delta_bits: int):
    """Steps 1-2 of the module doc in exact integer arithmetic, D the least l_inf distance between labels: the
    scale exponent sigma (s = 2^sigma), the translations t_j = T_j / 2^F, the cells k_ij and the fractional parts
    phi_ij = r_ij / 2^F, with F >= delta_bits + 1 fractional bits."""
    sigma = math.ceil(-math.log2(D)) if np.isfinite(D) else 0
    xs = Dyadic.from_float(X)
    while True:
        F = max(delta_bits + 1, -(xs.e + sigma))  # s x = m 2^(e + sigma) = (m 2^(F + e + sigma)) / 2^F
        shift = F + xs.e + sigma
        grid = np.array([[int(v) << shift for v in row] for row in xs.m], dtype=object)  # s x 2^F, exact
        one, delta = 1 << F, 1 << (F - delta_bits)
        T, k, r = [], [], []
        for j in range(X.shape[1]):
            frac = sorted({int(v) % one for v in grid[:, j]})
            gaps = [(b - a, b) for a, b in zip(frac, frac[1:])] + [(frac[0] + one - frac[-1], frac[0])]
            G, start = max(gaps)  # the widest gap ends where the occupied arc starts
            margin = (G - delta) // 2  # a_j 2^F, rounded down
            col = [int(v) + margin - start for v in grid[:, j]]  # start lands on a_j
            low = min(c >> F for c in col)
            T.append(margin - start + (1 - low) * one)
            k.append([(c >> F) + 1 - low for c in col])
            r.append([c % one for c in col])
        k, r = np.array(k, dtype=object).T, np.array(r, dtype=object).T
        cells: dict[tuple, int] = {}
        if all(cells.setdefault(tuple(row), int(label)) == int(label) for row, label in zip(k, ids)):
            return sigma, F, T, k, r
        sigma += 1  # two labels in one cell (the float distance D rounded): a finer grid


def _radii(r: np.ndarray, F: int, delta_bits: int, sigma: int) -> list[Fraction]:
    """Per point, the exact certified radius min_j min(phi_ij, 1 - delta - phi_ij) / s (module doc)."""
    one, delta = 1 << F, 1 << (F - delta_bits)
    least = [min(min(int(v), one - delta - int(v)) for v in row) for row in r]
    return [Fraction(v, one) / Fraction(2) ** sigma for v in least]


def _widths(X, y, options, info=None) -> list:
    return list(info["widths"]) if info else [None]


@register(
    "kmy-robust",
    kind="index",
    statement="Kim, Moon & Yun (2025), Theorem B.3: rho-robust memorization in regime (i), rho <= 1/(5N sqrt d), "
    "with Õ(sqrt N) parameters (reconstructed)",
    summary="grid cells by exact ReLU floors, flattened, then vardi on the cells: the class id on a ball per point",
    widths=_widths,
    quantity="least certified radius over eps_D (bound: the regime's rho, 1/(5N sqrt d) in l_2, 1/(5Nd) in l_inf)",
    parameters=None,
    decided="the cells' bit length and vardi's layout",
)
def kmy_robust(X, y, *, norm: str = "2", rho=None, n_classes=None):
    """Regime (i) of Kim, Moon & Yun (2025), Theorem B.3, as reconstructed (module doc): the class id, exactly, on
    a ball around every point.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points.
    y : array_like, shape (N,) or (N, C)
        Class ids or one-hot rows; the network outputs the id.
    norm : {"2", "inf"}
        The norm of the balls and of eps_D that rho is measured against.
    rho : float, optional
        The ratio every point's certified radius must reach, mu_i >= rho eps_D (default: the regime's threshold,
        1/(5 N sqrt d) in l_2, 1/(5 N d) in l_inf).
    n_classes : int, optional
        C (default: the largest id + 1).

    Returns
    -------
    network : Network
        Exact dyadic parameters (judged by exact evaluation): the floor layers, then vardi's.
    info : dict
        The scale exponent, delta, the cells' bit length n, distinct cells, eps_D, the least and median certified
        radius and rho (exact, rounded down), vardi's layout (key bits, bucket size), ``used`` (the least rho) and
        ``bound`` (the rho asked for).

    Raises
    ------
    InvalidDataError
        An unknown norm, rho outside (0, 1), or a least certified radius below rho eps_D.
    """
    norm = str(norm)
    if norm not in NORMS:
        raise InvalidDataError(f"norm must be '2' or 'inf'; got {norm!r}")
    X, _ = check_dataset(X, y)
    check_distinct(X)
    X = np.asarray(X, dtype=np.float64)
    ids, C = class_ids(np.asarray(y), n_classes)
    N, d = X.shape
    regime = 1 / (5 * N * (math.sqrt(d) if norm == "2" else d))
    rho = regime if rho is None else rho
    if not (isinstance(rho, (int, float)) and 0 < rho < 1):
        raise InvalidDataError(f"rho must lie in (0, 1); got {rho!r}")
    delta_bits = math.ceil(math.log2(8 * N))
    nearest = nearest_other(X, ids, "inf")
    sigma, F, T, k, r = _cells(X, ids, float(nearest.min()), delta_bits)
    n = max(1, max(int(v) for v in k.ravel()).bit_length())
    # layer 1: z_j = relu(s x_j + t_j), s = 2^sigma, t_j = T_j / 2^F
    W1 = np.zeros((d, d), dtype=object)
    for j in range(d):
        W1[j, j] = dyadic(1, sigma)
    layers = Layers(Dense(W1, np.array([dyadic(int(t), -F) for t in T], dtype=object), relu()))
    V, idx = [{j: 1} for j in range(d)], {}
    for q in reversed(range(n)):  # the floor, one bit of every coordinate per layer (module doc, 3)
        units = [(f"V{j}", V[j]) for j in range(d)] + [("idx", idx)]
        for j in range(d):  # (V - 2^q) / delta + 1 and (V - 2^q) / delta, delta = 2^-delta_bits
            units += [(f"g1_{j}", lin((1 << delta_bits, V[j]), (1, const(1 - (1 << (q + delta_bits)))))),
                      (f"g2_{j}", lin((1 << delta_bits, V[j]), (1, const(-(1 << (q + delta_bits))))))]  # fmt: skip
        out = layers.emit(units)
        bits = [lin((1, out[f"g1_{j}"]), (-1, out[f"g2_{j}"])) for j in range(d)]
        V = [lin((1, out[f"V{j}"]), (-(1 << q), bits[j])) for j in range(d)]
        idx = lin((1, out["idx"]), *[(1 << (n * j + q), bits[j]) for j in range(d)])
    keyed: dict[int, int] = {}
    for row, label in zip(k, ids):
        keyed[2 * sum(int(v) << (n * j) for j, v in enumerate(row)) + 2] = int(label)
    keys = list(keyed)
    plan = layout(keys, C, None, None)
    network = select_by_key(layers, lin((2, idx), (1, const(2))), np.array(list(keyed.values())), plan)
    mu = _radii(r, F, delta_bits, sigma)
    eps = float((nearest if norm == "inf" else nearest_other(X, ids, norm)).min()) / 2
    least = min(mu)
    rho_min = float(least) / eps if np.isfinite(eps) else math.inf
    if rho_min < rho:
        raise InvalidDataError(f"the least certified radius is {rho_min:.3g} eps_D, below rho = {rho:.3g}")
    info = {
        "norm": norm,
        "scale_exponent": sigma,
        "delta": 2.0**-delta_bits,
        "cell_bits": n,
        "cells": len(keys),
        "separation": eps,
        "radius_min": float(least),
        "radius_median": float(sorted(mu)[len(mu) // 2]),
        "rho_min": rho_min,
        "key_bits": plan["rho"],
        "bucket": plan["k"],
        "bound": rho,
        "used": rho_min,
        "widths": network.hidden_widths,
    }
    return network, info
