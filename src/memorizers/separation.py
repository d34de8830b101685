"""The separation of a labelled dataset: per point the distance to the nearest point of another label.

eps_D, half the smallest such distance, is the scale of robust memorization (Kim, Moon & Yun 2025, Definition
2.1; :mod:`memorizers.robust`), and the robust constructions are built for it.
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
