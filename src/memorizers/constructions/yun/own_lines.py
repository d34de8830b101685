"""Own directions for Theorem 3.1's groups (Yun, Sra & Jadbabaie 2019, Appendix B, our addition): each group's
layer-1 units read a direction of its own, chosen to widen the group's smallest gap, where one shared
projection leaves gaps of about 1/N of the mean. See :mod:`memorizers.constructions.yun`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...threads import thread_map


@dataclass
class _OwnLines:
    """Layer-1 units with their own direction (:func:`spread_groups`): for each, its group's members, the nearest
    point of an earlier group and of a later one, all measured along the unit's direction."""

    directions: np.ndarray  # (p, dx): u_j, = u for the units in none of the groups below
    groups: np.ndarray  # indices j of the groups with their own direction
    members: np.ndarray  # (len(groups), q) u_j . x of group j's members, in line order (increasing)
    before: np.ndarray  # (len(groups),) largest u_j . x over the points of earlier groups
    after: np.ndarray  # (len(groups),) smallest u_j . x over the points of later groups


def spread_groups(X: np.ndarray, order: np.ndarray, u: np.ndarray, p: int, q: int, rng=None) -> _OwnLines:
    """Give each layer-1 unit its own direction u_j = u + delta_j, widening the smallest gaps of its group.

    Our addition to step B.2, which projects all points on one u. The proof of Theorem 3.1
    uses of layer-1 unit j only that the points of group j lie strictly inside its linear
    range, in the group's order, and that every other point lies on the saturated side its
    group calls for (Eqs. 3 and 6). Those are conditions on u_j . x alone, so each unit
    may have its own direction. The gaps matter: layer-2 weights must clip a member's
    neighbours, so they grow like 1 / (gap to the nearest neighbour), and a float64 error
    e in u.x reaches the output as about 3 e / gap. On one random u the smallest of N
    gaps is about (mean gap) / N; 1e-5 of the mean at N = 10^5.

    For each group j with two data points or more, delta_j = B S^-1 z solves the linear program
        max t  s.t.  u_j.(x_b - x_a) >= t h  for consecutive members a < b, and for the
                     first (last) member against every earlier (later) point that could
                     come near it, u_j.(x_last - x_first) = u.(x_last - x_first),
                     |z|_inf <= h / max_i |S^-1 B' x_i|_1,
    with h the mean gap on u, B the identity (or, for dx > 64, m = 64 random orthonormal
    columns) and S the diagonal of max_i |(B' x_i)_k| (so that anisotropic columns keep
    their share of the box). The box keeps every point within h of its place on u, so
    only points within 2 h of the group can cross, and only those enter. Solved by
    cutting planes from the 2 (m + 1) smallest gaps; the m random columns for dx > 64 trade a
    little of the gap for a large share of the time (the manual's benchmarks, docs/manual.md, have the figures).
    A group whose result would not keep its order
    keeps u (never seen). A group's virtual slots follow its data h apart. About 10 ms per
    group of 300 and 50 ms per group of 1000 (HiGHS), the groups on one thread per core.
    """
    from scipy.optimize import linprog

    N, dx = X.shape
    dim = min(dx, 64)
    Xo = X[order]
    cs = Xo @ u
    B = np.linalg.qr(np.random.default_rng(rng).standard_normal((dx, dim)))[0] if dim < dx else None
    Xs = Xo if B is None else Xo @ B
    scale = np.abs(Xs).max(axis=0)
    scale[scale == 0] = 1.0
    Xs = Xs / scale
    h = (cs[-1] - cs[0]) / max(N - 1, 1)
    l1 = np.abs(Xs).sum(axis=1).max()
    box = h / l1 if l1 > 0 else 0.0
    reach = 2 * h + 8 * np.finfo(np.float64).eps * np.abs(X).sum(axis=1).max() * (1 + np.abs(u).sum())
    U = np.tile(u, (p, 1))
    full = [j for j in range(p) if j * q < N - 1 and h > 0]  # groups with two data points or more

    def spread(j):  # group j's direction, its members' places on it and the nearest outside points
        s, e = j * q, min((j + 1) * q, N)
        lo = np.searchsorted(cs, cs[s - 1] - reach) if s > 0 else s
        hi = np.searchsorted(cs, cs[e] + reach, side="right") if e < N else e
        Xw, cw = Xs[lo:hi], cs[lo:hi]
        f, last = s - lo, e - 1 - lo
        # pairs (a, b) that must stay at least t h apart with b above a: consecutive members, and the group's ends
        # against the outside points of the window
        a = np.concatenate([np.arange(f, last), np.arange(f), np.full(hi - e, last)])
        b = np.concatenate([np.arange(f + 1, last + 1), np.full(f, f), np.arange(last + 1, hi - lo)])
        D = (Xw[b] - Xw[a]) * (box / h)  # gap change per unit of z (delta = B S^-1 box z), in units of h
        g = (cw[b] - cw[a]) / h
        active = np.argsort(g)[: 2 * (dim + 1)]
        span = ((Xw[last] - Xw[f]) * (box / h))[None, :]
        z = None
        for _ in range(20):
            res = linprog(
                np.r_[np.zeros(dim), -1.0],
                A_ub=np.hstack([-D[active], np.ones((len(active), 1))]),
                b_ub=g[active],
                A_eq=np.hstack([span, [[0.0]]]),
                b_eq=[0.0],
                bounds=[(-1, 1)] * dim + [(0, None)],
                method="highs",
            )
            if res.status != 0:
                break
            z, t = res.x[:dim], res.x[dim]
            new = g + D @ z
            violated = np.setdiff1d(np.flatnonzero(new < t * (1 - 1e-9)), active)
            if not len(violated):
                break
            active = np.union1d(active, violated)
        uj = u if z is None else u + (box * z / scale if B is None else B @ (box * z / scale))
        own = Xo[lo:hi] @ uj
        m = own[f : last + 1]
        outside = own[:f].max(initial=-np.inf), own[last + 1 :].min(initial=np.inf)
        kept = np.all(np.diff(m) > 0) and outside[0] < m[0] and m[-1] < outside[1]
        if not kept:
            uj, own = u, cw
            m = own[f : last + 1]
        m = np.concatenate([m, m[-1] + h * np.arange(1, q - len(m) + 1)])  # virtual slots as in _plan
        return uj, m, own[:f].max(initial=m[0] - h), own[last + 1 :].min(initial=m[-1] + h)

    members, before, after = [], [], []
    for j, (uj, m, first_below, first_above) in zip(full, thread_map(spread, full)):
        U[j] = uj
        members.append(m)
        before.append(first_below)
        after.append(first_above)
    groups = np.array(full, dtype=np.int64)
    return _OwnLines(U, groups, np.array(members).reshape(len(full), q), np.array(before), np.array(after))
