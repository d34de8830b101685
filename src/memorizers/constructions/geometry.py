"""Hyperplanes through points, when a point counts as on one, and groups of points with a hyperplane that no
point of another class is on: the general-position geometry of Yun et al. (Section 4) and Bubeck et al.
(Propositions 3-4)."""

from __future__ import annotations

import numpy as np

from ..data import general_position_error
from ..numerics import column_scale


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


def gate_groups(X: np.ndarray, ids: np.ndarray, classes, rng) -> tuple[list[np.ndarray], list]:
    """The points of each class in ``classes`` (ids: one class id per point) in groups, each with a hyperplane
    through it that no point of another class is on: (groups, hyperplanes (u, c) in the coordinates
    X * column_scale(X)). Yun et al.'s Section 4 gates take every class; Baum's slabs the minority label.

    Data in general position gets random groups of dx points, ceil(N_k / dx) per class. Real data is often not:
    it lies in a lower-dimensional affine subspace (constant pixels), and repeated coordinate values put other
    points on a hyperplane through dx of them. Baum's argument
    lets the groups be chosen instead: a group takes, in random order, only points affinely independent of its
    members (so a hyperplane through it exists that avoids every point outside its affine hull); while a point of
    another class lies on its hyperplane, its last member goes back to the pool (the hyperplanes through the rest
    form a larger family, and the best of several random ones is taken); points of its own class on the
    hyperplane join it, since its gate gives them their label. Raises InvalidDataError when a point of another
    class lies on the hyperplane through a single point, which distinct points never do.
    """
    Z = X * column_scale(X)
    groups, planes = [], []
    for k in classes:
        pool = list(rng.permutation(np.flatnonzero(ids == k)))
        while pool:
            S = _independent(Z, pool)
            while True:
                u, c = hyperplane_through(Z[S], rng, Z)
                dist = np.abs(Z @ u + c)
                on = dist <= on_hyperplane_tolerance(Z[S], u, c)
                on[S] = False
                other = np.flatnonzero(on & (ids != k))
                if not len(other):
                    break
                if len(S) == 1:
                    raise general_position_error(int(other[0]), S, float(dist[other[0]]), "a gate needs its hyperplane")
                S = S[:-1]
            S = np.union1d(S, np.flatnonzero(on))  # own-class points on the hyperplane: this gate labels them too
            taken = set(S.tolist())
            pool = [i for i in pool if i not in taken]
            groups.append(S)
            planes.append((u, c))
    return groups, planes


def _independent(Z: np.ndarray, pool: list[int]) -> np.ndarray:
    """The first points of ``pool`` (in its order) that are affinely independent, at most dx of them: each
    candidate is kept when its offset from the first is not, to a relative 1e-8, in the span of the others'."""
    first, dx = pool[0], Z.shape[1]
    S, Q = [first], np.zeros((0, dx))  # Q: an orthonormal basis of the members' offsets from the first
    for i in pool[1:]:
        if len(S) == dx:
            break
        v = Z[i] - Z[first]
        r = v - Q.T @ (Q @ v)
        r = r - Q.T @ (Q @ r)  # twice is enough (Kahan, Parlett)
        n = np.linalg.norm(r)
        if n > 1e-8 * np.linalg.norm(v):
            S.append(i)
            Q = np.vstack([Q, r / n])
    return np.array(S)
