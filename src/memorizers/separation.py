"""The separation of a labelled dataset: per point the distance to the nearest point of another label.

eps_D, half the smallest such distance, is the scale of robust memorization (Kim, Moon & Yun 2025, Definition
2.1; :mod:`memorizers.robust`), and the robust constructions are built for it. :func:`row_space_distance` is
the same distance seen through a first layer W: f(x + n) = f(x) for n in W's null space, so a ball around x_i
that reaches x_k + n for some such n holds a point labelled like x_k (Kim et al., Proposition 3.2's argument).
"""

from __future__ import annotations

import numpy as np


def nearest_other(X: np.ndarray, ids: np.ndarray, norm: str) -> np.ndarray:
    """Per point, the distance to the nearest point with a different label (inf: none).

    By k-d trees: one per label when there are few, else one over all points queried for more neighbours until one
    differs. Its cost grows like N^2 d in high dimensions (a k-d tree then checks most points).

    Parameters
    ----------
    X : numpy.ndarray, shape (N, d)
        The points.
    ids : numpy.ndarray, shape (N,)
        Their labels as integers (equal labels, equal ids).
    norm : {"inf", "2"}
        The distance's norm.

    Returns
    -------
    numpy.ndarray, shape (N,)
        The distances, rounded in float64.
    """
    from scipy.spatial import cKDTree

    p = np.inf if norm == "inf" else 2
    out = np.full(len(X), np.inf)
    groups = np.unique(ids)
    if len(groups) <= 64:
        for g in groups:
            tree, rest = cKDTree(X[ids == g]), ids != g
            if rest.any():
                out[rest] = np.minimum(out[rest], tree.query(X[rest], k=1, p=p)[0])
        return out
    tree, todo, k = cKDTree(X), np.arange(len(X)), 8
    while len(todo):
        k = min(k, len(X))
        dist, nb = tree.query(X[todo], k=k, p=p)
        other = ids[nb] != ids[todo, None]
        hit = other.any(axis=1)
        out[todo[hit]] = dist[hit, np.argmax(other[hit], axis=1)]
        todo = todo[~hit] if k < len(X) else np.arange(0)
        k *= 4
    return out


def row_space_distance(X: np.ndarray, ids: np.ndarray, W: np.ndarray, norm: str) -> np.ndarray | None:
    """Per point, an upper bound of dist(x_i - x_k, Null W) over the points x_k of another label (inf: none), or
    None where W has full column rank (the null space is 0: the distance is
    :func:`memorizers.separation.nearest_other`'s).

    With P the orthogonal projection onto W's row space, x_i - x_k - P(x_i - x_k) lies in the null space, so the
    distance is at most ||P(x_i - x_k)|| (equal to it in l_2). A network whose first layer is W takes the label of
    x_k at x_i + P(x_k - x_i): no certified radius of a network that memorizes x_k reaches this bound. The rank
    counts singular values above d eps times the largest (a direction dropped there makes the bound smaller, never
    an unsound certificate).

    Parameters
    ----------
    X : numpy.ndarray, shape (N, d)
        The points.
    ids : numpy.ndarray, shape (N,)
        Their labels as integers.
    W : numpy.ndarray, shape (m, d)
        The first layer's weights.
    norm : {"inf", "2"}
        The distance's norm.

    Returns
    -------
    numpy.ndarray, shape (N,), or None
        The bounds, rounded in float64; None for a W of full column rank.
    """
    Q = row_space(W)
    if Q.shape[1] == W.shape[1]:
        return None
    if norm == "2":
        return nearest_other(X @ Q, ids, "2")
    return nearest_other(X @ Q @ Q.T, ids, "inf")


def row_space(W: np.ndarray) -> np.ndarray:
    """An orthonormal basis of W's row space: the right singular vectors whose singular values exceed d eps
    times the largest (its numerical rank is the basis's width).

    Parameters
    ----------
    W : numpy.ndarray, shape (m, d)
        A first layer's weights.

    Returns
    -------
    numpy.ndarray, shape (d, rank)
        The basis, as columns.
    """
    _, s, Vt = np.linalg.svd(np.asarray(W, dtype=np.float64), full_matrices=False)
    return Vt[s > s.max(initial=0.0) * W.shape[1] * np.finfo(np.float64).eps].T
