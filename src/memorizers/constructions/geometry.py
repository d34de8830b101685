"""Hyperplanes through points, and when a point counts as on one: the general-position geometry of Yun et al.
(Section 4) and Bubeck et al. (Propositions 3-4)."""

from __future__ import annotations

import numpy as np


def hyperplane_through(P: np.ndarray, rng, X: np.ndarray | None = None, tries: int = 8) -> tuple[np.ndarray, float]:
    """A unit normal u and offset c with u.x + c = 0 for every row x of P (at most dx rows).

    The null space of [P 1] (SVD). With fewer than dx points it has several dimensions: we
    take a random direction in it (almost surely through no other point), the best of
    ``tries`` by the distance of the nearest row of X when X is given.
    """
    M = np.hstack([P, np.ones((len(P), 1))])
    _, sv, Vt = np.linalg.svd(M, full_matrices=True)
    rank = int(np.sum(sv > sv.max() * 1e-12)) if len(sv) else 0
    null = Vt[rank:]
    best = None
    for _ in range(tries if X is not None and len(null) > 1 else 1):
        v = rng.standard_normal(len(null)) @ null
        u, c = v[:-1] / np.linalg.norm(v[:-1]), float(v[-1] / np.linalg.norm(v[:-1]))
        if X is None:
            return u, c
        d = np.abs(X @ u + c)
        d = np.sort(d)[len(P)] if len(d) > len(P) else np.inf  # nearest beyond the len(P) points on it
        if best is None or d > best[0]:
            best = (d, u, c)
    return best[1], best[2]


def on_hyperplane_tolerance(P: np.ndarray, u: np.ndarray, c: float) -> float:
    """Distance below which a point counts as on the hyperplane: far above the fit's own residual."""
    residual = float(np.abs(P @ u + c).max())
    return max(1e3 * residual, 1e-13 * (np.abs(P).sum(axis=1).max() + abs(c) + 1.0))
