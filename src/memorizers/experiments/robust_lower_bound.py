"""Kim, Moon & Yun's lower-bound dataset in ``memorizers reproduce robust`` (specification
``shared/specs/robust_memorization.md``, Section 5, E5).

Proposition 3.2 (Kim, Moon & Yun 2025): on D = {(e_j, 1)}_{j<=d} U {(0, 2)} (eps_D = 1/2 in every l_p), a network
whose first layer W_1 has rank m memorizes rho-robustly in l_2 only if rho < sqrt(m / d). The argument: f is
constant along W_1's null space, so the balls of radii mu_j around e_j and mu_0 around 0 must stay apart after the
orthogonal projection P onto W_1's row space, mu_j + mu_0 < ||P e_j||_2, and sum_j ||P e_j||^2 = m. Every
certified radius must obey it, whatever built or trained the network: each network here (the constructions that
take such data, ygz-robust at rho = 0.9, and trained MLPs with first widths m = 1, 2, 4, ..., d) is certified in
l_2 (:func:`memorizers.robust.robust_radius`), its pairs are checked against ||P e_j||, and its least rho against
sqrt(rank / d). ygz-robust, whose first layer has rank d, must certify its 0.9 (in l_inf as well: Proposition C.7
asks width >= d there for rho > 1/2). The same argument in l_inf: with n in W_1's null space and
v = e_j - n, the point z = e_j - (mu_j / ||v||) v of e_j's ball has f(z) = f(z - n) and z - n = (1 - mu_j / ||v||) v
lies in 0's ball when ||v|| <= mu_j + mu_0; so mu_j + mu_0 < dist_inf(e_j, Null W_1), a linear program per j
(:func:`null_distance_inf`), checked on the l_inf radii.
"""

from __future__ import annotations

import time

import numpy as np

from ..activations import identity, relu
from ..build import build
from ..errors import MissingDependencyError
from ..network import Dense, Network
from ..robust import robust_radius
from ..separation import row_space
from ..training import train
from . import claim

DIMS = {True: (8,), False: (8, 32, 128)}
SEEDS = 3
YGZ_RHO = 0.9
HIDDEN = 16  # the trained MLPs' second width
TRAIN_SECONDS = {True: 1.0, False: 5.0}


def dataset(d: int):
    """Proposition 3.2's data for N = d + 1: the unit vectors with label 1 and the origin with label 2."""
    return np.vstack([np.eye(d), np.zeros(d)]), np.array([1] * d + [2])


def networks(d: int, seed: int, quick: bool):
    """(name, network, labels) of every network measured on dimension d, with the labels of the kind it was
    built for: the constructions, then trained MLPs."""
    X, y = dataset(d)
    yield "yun-classifier", build("yun-classifier", X, y, seed=seed).network, y
    yield "baum", build("baum", X, y - 1, seed=seed).network, y - 1
    yield "zhang", build("zhang", X, y.astype(float), seed=seed).network, y.astype(float)
    yield "ygz-robust", build("ygz-robust", X, y, rho=YGZ_RHO).network, y
    for m in 2 ** np.arange(int(np.log2(d)) + 1):
        layers = [Dense(np.zeros((m, d)), np.zeros(m), relu()), Dense(np.zeros((HIDDEN, m)), np.zeros(HIDDEN), relu())]
        template = Network([*layers, Dense(np.zeros((2, HIDDEN)), np.zeros(2), identity())])
        template.meta.update(kind="onehot", classes=[1, 2])
        try:
            yield f"trained, m = {m}", train(template, X, y, seconds=TRAIN_SECONDS[quick], seed=seed).network, y
        except MissingDependencyError:  # pragma: no cover - torch is an optional extra
            return


def lower_bound_rows(quick: bool, progress: bool) -> list[dict]:
    """One row per network, dimension and seed: first width and rank, the least certified rho in l_2 and l_inf
    against sqrt(rank / d), and the largest (mu_j + mu_0) over ||P e_j|| (l_2) and over dist_inf(e_j, Null W1)
    (l_inf) among the unit vectors."""
    rows = []
    for d in DIMS[quick]:
        X, _ = dataset(d)
        for seed in range(SEEDS):
            for name, network, labels in networks(d, seed, quick):
                t = time.perf_counter()
                r, r_inf = (robust_radius(network, X, labels, norm=norm) for norm in ("2", "inf"))
                Q = row_space(network.layers[0].weight)
                pairs = (r.radius[:d] + r.radius[d]) / np.linalg.norm(Q, axis=1)  # ||P e_j|| = ||row j of Q||
                pairs_inf = (r_inf.radius[:d] + r_inf.radius[d]) / null_distance_inf(Q)
                memorized = bool((r.radius > 0).all())
                rows.append(
                    {
                        "d": d,
                        "network": name,
                        "seed": seed,
                        "width": network.layers[0].n_out,
                        "rank": Q.shape[1],
                        "memorized": memorized,
                        "rho_min": float(r.rho.min()),
                        "rho_min_inf": float(r_inf.rho.min()),
                        "sqrt_rank_over_d": float(np.sqrt(Q.shape[1] / d)),
                        "pair_ratio": float(pairs.max()) if memorized else np.nan,
                        "pair_ratio_inf": float(pairs_inf.max()) if memorized else np.nan,
                        "seconds": round(time.perf_counter() - t, 3),
                    }
                )
                if progress:
                    print(f"robust: e_j data d={d} {name} seed={seed}: rho min {r.rho.min():.3f}", flush=True)
    return rows


def null_distance_inf(Q: np.ndarray) -> np.ndarray:
    """Per unit vector e_j, its l_inf distance to the null space of a first layer whose row space has the
    orthonormal basis Q (d, rank): min t over n with Q^T n = 0 and |e_j - n| <= t, by linear programming (HiGHS).

    Parameters
    ----------
    Q : numpy.ndarray, shape (d, rank)
        :func:`memorizers.separation.row_space` of the first layer's weights.

    Returns
    -------
    numpy.ndarray, shape (d,)
        The distances (1 where the null space is 0).
    """
    from scipy.optimize import linprog

    d, r = Q.shape
    if r == d:
        return np.ones(d)
    # variables (n_1..n_d, t): minimize t; e_j - n <= t and n - e_j <= t; Q^T n = 0
    A = np.block([[-np.eye(d), -np.ones((d, 1))], [np.eye(d), -np.ones((d, 1))]])
    c, eq = np.r_[np.zeros(d), 1.0], np.hstack([Q.T, np.zeros((r, 1))])
    bounds = [(None, None)] * d + [(0, None)]
    out = np.empty(d)
    for j in range(d):
        e = np.eye(d)[j]
        res = linprog(c, A_ub=A, b_ub=np.r_[-e, e], A_eq=eq, b_eq=np.zeros(r), bounds=bounds, method="highs")
        out[j] = res.fun
    return out


def lower_bound_claim(rows: list[dict]) -> dict:
    """Proposition 3.2's claim against the rows of :func:`lower_bound_rows`."""
    held = [r for r in rows if r["memorized"]]
    pair = max(r["pair_ratio"] for r in held)
    pair_inf = max(r["pair_ratio_inf"] for r in held)
    share = max(r["rho_min"] / r["sqrt_rank_over_d"] for r in held)
    ygz = [r for r in rows if r["network"] == "ygz-robust"]
    least = min(min(r["rho_min"], r["rho_min_inf"]) for r in ygz)
    dims = sorted({r["d"] for r in rows})
    return claim(
        "Kim, Moon & Yun (2025), Proposition 3.2: on {e_j} U {0} a network rho-robustly memorizes in l_2 only if "
        "rho < sqrt(m / d), m the rank of its first layer (mu_j + mu_0 < ||P_row(W1) e_j||, and in l_inf "
        "mu_j + mu_0 < dist_inf(e_j, Null W1)); width d suffices "
        f"for rho = {YGZ_RHO} (ygz-robust).",
        f"over the {len(held)} of {len(rows)} networks that memorize (constructions and trained MLPs of first "
        f"width 1 to d): the largest (mu_j + mu_0) / ||P e_j|| is {pair:.4f} (in l_inf, over dist_inf(e_j, Null "
        f"W1): {pair_inf:.4f}) and the largest certified rho over sqrt(rank / d) is {share:.3f}; ygz-robust "
        f"certifies rho >= {least:.3f} in l_2 and l_inf.",
        pair < 1 and pair_inf < 1 and share < 1 and least >= YGZ_RHO,
        regime="the dataset {e_j} U {0}, N = d + 1, l_2 and l_inf",
        seeds=len({r["seed"] for r in rows}),
        sizes="d = " + ", ".join(map(str, dims)),
    )
