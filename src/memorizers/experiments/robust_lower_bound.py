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
asks width >= d there for rho > 1/2).
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
    """(name, network) of every network measured on dimension d: the constructions, then trained MLPs."""
    X, y = dataset(d)
    yield "yun-classifier", build("yun-classifier", X, y, seed=seed).network
    yield "baum", build("baum", X, y - 1, seed=seed).network
    yield "zhang", build("zhang", X, y.astype(float), seed=seed).network
    yield "ygz-robust", build("ygz-robust", X, y, rho=YGZ_RHO).network
    for m in 2 ** np.arange(int(np.log2(d)) + 1):
        layers = [Dense(np.zeros((m, d)), np.zeros(m), relu()), Dense(np.zeros((HIDDEN, m)), np.zeros(HIDDEN), relu())]
        template = Network([*layers, Dense(np.zeros((2, HIDDEN)), np.zeros(2), identity())])
        template.meta.update(kind="onehot", classes=[1, 2])
        try:
            yield f"trained, m = {m}", train(template, X, y, seconds=TRAIN_SECONDS[quick], seed=seed).network
        except MissingDependencyError:  # pragma: no cover - torch is an optional extra
            return


def lower_bound_rows(quick: bool, progress: bool) -> list[dict]:
    """One row per network, dimension and seed: first width and rank, the least certified rho in l_2 (and l_inf
    for ygz-robust) against sqrt(rank / d), and the largest (mu_j + mu_0) / ||P e_j|| over the unit vectors."""
    rows = []
    for d in DIMS[quick]:
        X, y = dataset(d)
        for seed in range(SEEDS):
            for name, network in networks(d, seed, quick):
                t = time.perf_counter()
                if network.meta.get("method") == "baum":
                    labels = y - 1
                elif network.meta.get("method") == "zhang":
                    labels = y.astype(float)
                else:
                    labels = y
                r = robust_radius(network, X, labels, norm="2")
                Q = row_space(network.layers[0].weight)
                pairs = (r.radius[:d] + r.radius[d]) / np.linalg.norm(Q, axis=1)  # ||P e_j|| = ||row j of Q||
                memorized = bool((r.radius > 0).all())
                inf = robust_radius(network, X, labels, norm="inf").rho.min() if name == "ygz-robust" else np.nan
                rows.append(
                    {
                        "d": d,
                        "network": name,
                        "seed": seed,
                        "width": network.layers[0].n_out,
                        "rank": Q.shape[1],
                        "memorized": memorized,
                        "rho_min": float(r.rho.min()),
                        "rho_min_inf": float(inf),
                        "sqrt_rank_over_d": float(np.sqrt(Q.shape[1] / d)),
                        "pair_ratio": float(pairs.max()) if memorized else np.nan,
                        "seconds": round(time.perf_counter() - t, 3),
                    }
                )
                if progress:
                    print(f"robust: e_j data d={d} {name} seed={seed}: rho min {r.rho.min():.3f}", flush=True)
    return rows


def lower_bound_claim(rows: list[dict]) -> dict:
    """Proposition 3.2's claim against the rows of :func:`lower_bound_rows`."""
    held = [r for r in rows if r["memorized"]]
    pair = max(r["pair_ratio"] for r in held)
    share = max(r["rho_min"] / r["sqrt_rank_over_d"] for r in held)
    ygz = [r for r in rows if r["network"] == "ygz-robust"]
    least = min(min(r["rho_min"], r["rho_min_inf"]) for r in ygz)
    dims = sorted({r["d"] for r in rows})
    return claim(
        "Kim, Moon & Yun (2025), Proposition 3.2: on {e_j} U {0} a network rho-robustly memorizes in l_2 only if "
        "rho < sqrt(m / d), m the rank of its first layer (mu_j + mu_0 < ||P_row(W1) e_j||); width d suffices "
        f"for rho = {YGZ_RHO} (ygz-robust).",
        f"over the {len(held)} of {len(rows)} networks that memorize (constructions and trained MLPs of first "
        f"width 1 to d): the largest (mu_j + mu_0) / ||P e_j|| is {pair:.3f} and the largest certified rho over "
        f"sqrt(rank / d) is {share:.3f}; ygz-robust certifies rho >= {least:.3f} in l_2 and l_inf.",
        pair < 1 and share < 1 and least >= YGZ_RHO,
        regime="the dataset {e_j} U {0}, N = d + 1, l_2 (l_inf for ygz-robust too)",
        seeds=len({r["seed"] for r in rows}),
        sizes="d = " + ", ".join(map(str, dims)),
    )
