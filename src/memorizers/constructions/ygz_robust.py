"""Robust memorization in l_inf for any rho < 1, after Yu, Gao & Zhang (ICLR 2024).

Yu, Gao & Zhang prove that for every rho < 1 a ReLU network with O(Nd) nonzero parameters rho-robustly
memorizes N points in l_inf: f(x) = y_i whenever ||x - x_i||_inf <= mu = rho eps_D, eps_D half the smallest l_inf
distance between points of different labels (their width 3d + 1 and depth 2N + 1 are known to us from their
statement only). The construction here is ours (the robust specification, ``shared/specs/robust_memorization.md``,
Section 4, "parallel"): one indicator per point, all of them in parallel.

1. **Distances** (layer 1, 2Nd units): a_ij = relu(x_j - x_ij - tau) and b_ij = relu(x_ij - x_j - tau), so
   S_i(x) = sum_j (a_ij + b_ij) = sum_j relu(|x_j - x_ij| - tau), which is 0 exactly when ||x - x_i||_inf <= tau.
2. **Indicators** (layer 2, N units): I_i = relu(1 - K S_i), 1 on the box ||x - x_i||_inf <= tau and 0 once
   S_i >= 1/K.
3. **Output** (C units): out_c = sum over the points of class c of I_i.

With tau = eps_D and K a power of two with K (eps_D - mu) >= 2: on the ball of radius mu around x_k, I_k = 1
(every |x_j - x_kj| <= mu < tau); for a point x_i of another label, ||x - x_i||_inf >= 2 eps_D - mu, so
S_i >= eps_D - mu and I_i = 0. The label's output is at least 1 and every other one exactly 0. The radius each
point provably keeps (the construction's closed form) is min(tau, d_k - tau - 1/K), d_k the distance to the
nearest other label, at least mu; :func:`memorizers.robust.robust_radius` certifies it from the parameters.

Nonzero parameters: 6Nd + 2N (each distance unit one weight and a bias, each indicator 2d weights and a bias,
each point one output weight); the layers are stored by their nonzeros in files (dense, layer 2 has 2N^2 d
entries).
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import identity, relu
from ..data import check_dataset, check_distinct, check_memory
from ..errors import InvalidDataError
from ..network import Dense, Network
from ..separation import nearest_other
from .registry import register
from .yun.classifier import class_ids


def _widths(X, y, options, info=None) -> list[int]:
    n, d = np.shape(X)
    return [2 * n * d, n]


def _nonzero(n: int, d: int) -> int:
    """Nonzero parameters (module doc): the distances' 4Nd, the indicators' 2Nd + N, the outputs' N."""
    return 6 * n * d + 2 * n


@register(
    "ygz-robust",
    kind="onehot",
    statement="Yu, Gao & Zhang (2024): rho-robust memorization in l_inf for any rho < 1 with O(Nd) nonzero "
    "parameters (parallel indicators: ours)",
    summary="one l_inf box indicator per point: every point of the ball of radius rho eps_D keeps its label",
    widths=_widths,
    quantity="nonzero parameters (bound: 6Nd + 2N, the construction's count)",
    memory=lambda X, y, options: _dense_bytes(*np.shape(X)),
)
def ygz_robust(X, y, *, rho: float = 0.5, n_classes=None):
    """Per point an l_inf box indicator; the class outputs sum them (module doc).

    After Yu, Gao & Zhang (2024), whose Theorem 4.8 (as a reviewer states it: width 3d + 1, depth 2N + 1, O(Nd)
    nonzeros, any rho < 1 in l_inf) this realises in parallel form (ours; the robust specification, Section 4).

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points.
    y : array_like, shape (N,) or (N, C)
        Class ids or one-hot rows.
    rho : float
        The robustness ratio in (0, 1): every point of the closed l_inf ball of radius rho eps_D around x_i keeps
        x_i's label.
    n_classes : int, optional
        C (default: the largest id + 1).

    Returns
    -------
    network : Network
        Layers of 2Nd distance units and N indicators (ReLU), then C linear outputs.
    info : dict
        eps_D (``separation``; inf with one label), rho, the radius mu = rho eps_D, tau, K, the least closed-form
        radius over the points and its ratio to eps_D, nonzero parameters (``used``) and the count 6Nd + 2N (``bound``).

    Raises
    ------
    InvalidDataError
        rho outside (0, 1).
    TooLargeError
        Layers (stored dense) larger than the memory available.
    """
    if not (isinstance(rho, (int, float)) and 0 < rho < 1):
        raise InvalidDataError(f"rho must lie in (0, 1); got {rho!r}")
    X, y = check_dataset(X, y)
    check_distinct(X)
    X = np.asarray(X, dtype=np.float64)
    ids, C = class_ids(y, n_classes)
    n, d = X.shape
    check_memory(_dense_bytes(n, d), f"ygz-robust's layers for {n} points in R^{d} (2Nd (d + N) entries, dense)")
    nearest = nearest_other(X, ids, "inf")
    eps = float(nearest.min()) / 2  # inf with one label: every ball keeps it, and any tau and K will do
    mu = rho * eps
    tau = eps if np.isfinite(eps) else 1.0
    K = 2.0 ** math.ceil(math.log2(2 / (eps - mu))) if np.isfinite(eps) else 1.0
    # layer 1: for point i and coordinate j, relu(x_j - x_ij - tau) and relu(x_ij - x_j - tau)
    rows = np.arange(2 * n * d)
    j = np.tile(np.arange(d), 2 * n)
    sign = np.repeat(np.tile([1.0, -1.0], n), d)
    W1 = np.zeros((2 * n * d, d))
    W1[rows, j] = sign
    b1 = -sign * np.repeat(X, 2, axis=0).reshape(-1) - tau
    # layer 2: I_i = relu(1 - K sum of point i's 2d distance units)
    W2 = np.zeros((n, 2 * n * d))
    W2[np.repeat(np.arange(n), 2 * d), rows] = -K
    # output: class c sums its points' indicators
    W3 = np.zeros((C, n))
    W3[ids, np.arange(n)] = 1.0
    network = Network(
        [Dense(W1, b1, relu()), Dense(W2, np.ones(n), relu()), Dense(W3, np.zeros(C), identity())],
    )
    closed = np.minimum(tau, nearest - tau - 1 / K)
    nonzero = int(sum(np.count_nonzero(L.weight) + np.count_nonzero(L.bias) for L in network.layers))
    info = {
        "separation": eps,
        "rho": float(rho),
        "radius": mu,
        "tau": tau,
        "K": K,
        "closed_form_radius_min": float(closed.min()),
        "closed_form_rho_min": float(closed.min() / eps),
        "nonzero_parameters": nonzero,
        "bound": _nonzero(n, d),
        "used": nonzero,
    }
    return network, info


def _dense_bytes(n: int, d: int) -> float:
    """The layers' float64 entries, stored dense (2Nd x d and N x 2Nd), twice: built, then kept by the Network."""
    return 16.0 * 2 * n * d * (d + n)
