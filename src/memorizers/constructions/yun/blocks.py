"""The block machinery of Theorem 3.1's construction (Yun, Sra & Jadbabaie 2019, Appendix B, steps B.2-B.5),
shared by the 3-layer network and the deep ones of Proposition 3.4: points ordered along a projection and
grouped (:func:`_group_shape`, :func:`_plan`), the layer-2 units that clip every group but their own (ranks,
slots, weights and biases: :func:`balanced_ranks`, :func:`refine_ranks`, :func:`_layer2`, :func:`_bias`), and
one block of units assembled (:func:`_block`, :func:`_assemble`); each group's own direction is in
:mod:`.own_lines`.

See :mod:`memorizers.constructions.yun` for the outline of the proof steps that the code follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...activations import Activation, identity
from ...errors import InvalidDataError
from ...network import Dense, Network
from ...numerics import LD, dot2
from .own_lines import _OwnLines
from .units import _pm, hard_tanh_units


def _group_shape(n: int, p_max: int, q_max: int) -> tuple[int, int]:
    """Even p <= p_max, q <= q_max with p q >= n: fewest slots p q, then most balanced."""
    best = None
    for p in range(2, p_max + 1, 2):
        q = max(2, 2 * math.ceil(n / (2 * p)))
        if q > q_max:
            continue
        key = (p * q, abs(p - q))
        if best is None or key < best[0]:
            best = (key, p, q)
    return best[1], best[2]


@dataclass
class _Plan:
    """Layer parameters of the hard-tanh form for one projection u (see _plan)."""

    order: np.ndarray  # data indices sorted by u.x
    lo: np.ndarray  # (p,) left end L_j of group j's linear range on the line
    hi: np.ndarray  # (p,) right end R_j
    a_line: np.ndarray  # (p*q,) layer-1 value of each slot in its own group, in line order
    orient: np.ndarray  # (p,) realisation of each layer-1 unit by ReLU-like units (_orientation)
    w2: np.ndarray  # (p, dy*q) layer-2 weights, column = layer-2 unit
    Y: np.ndarray  # (p, q, dy) labels of the slots
    real: np.ndarray  # (p, q) slots that hold data
    score: float
    min_gap: float
    group_gap: float  # smallest gap between a group's points or to its neighbours, along its unit's line, / mean gap
    directions: np.ndarray | None = None  # (p, dx) each layer-1 unit's own direction (spread_groups), else u


def _layer1(lo, hi, u):
    """Rows and biases of the p hard-tanh units of layer 1 (Appendix B.2).

    Unit j (0-based) is (-1)^j (2c - (L_j + R_j)) / (R_j - L_j): -1 at L_j, +1 at R_j for
    even j, reversed for odd j, where c = u.x, or c = u_j.x for u of shape (p, dx) (one
    direction per unit, :func:`spread_groups`).
    """
    sign = np.where(np.arange(len(lo)) % 2 == 0, 1.0, -1.0)
    scale = 2.0 / (hi - lo)
    W1 = (sign * scale)[:, None] * (u if u.ndim == 2 else u[None, :])
    b1 = -sign * (hi + lo) / (hi - lo)
    return W1, b1


def _ascending(a: np.ndarray) -> np.ndarray:
    """Reorder each group's slots by increasing layer-1 value: odd-numbered (0-based) groups are decreasing."""
    out = a.copy()
    out[1::2] = a[1::2, ::-1]
    return out


@dataclass
class _Slots:
    """The p x q slots of the construction: group j, rank r by increasing layer-1 value."""

    A: np.ndarray  # (p, q) layer-1 value of the slot in its own group
    Y: np.ndarray  # (p, q, dy) label
    real: np.ndarray  # (p, q) whether it holds a data point (else virtual)
    up: np.ndarray  # (p, q) gap to the nearest larger layer-1 value of a data point in the group (inf: none)
    down: np.ndarray  # (p, q) gap to the nearest smaller one

    @classmethod
    def make(cls, A, Y, real, dtype, outside: bool = False):
        """outside: points beyond the block's range (Proposition 3.4) sit at -1 for the first and the
        last layer-1 unit; their clipping then counts as a neighbour at -1 in groups 0 and p-1."""
        p, q = A.shape
        A = A.astype(dtype)
        rows, r = np.arange(p)[:, None], np.arange(q)
        below = np.maximum.accumulate(np.where(real, r, -1), axis=1)
        below = np.concatenate([np.full((p, 1), -1), below[:, :-1]], axis=1)
        above = np.minimum.accumulate(np.where(real, r, q)[:, ::-1], axis=1)[:, ::-1]
        above = np.concatenate([above[:, 1:], np.full((p, 1), q)], axis=1)
        up = np.where(above < q, A[rows, np.minimum(above, q - 1)] - A, np.inf)
        down = np.where(below >= 0, A - A[rows, np.maximum(below, 0)], np.inf)
        if outside:
            for g in (0, p - 1):
                down[g] = np.where(np.isinf(down[g]), A[g] + 1, down[g])
        return cls(A, Y.astype(dtype), real, up, down)


def _need(sigma, y, up, down, clip_margin):
    """Smallest |w_j| that clips the data neighbours of a member with label y (Eqs. 8-11).

    A non-member of unit k in group j sits at y_member + w_j (a - A_j), the other layer-1
    units being saturated alike for both; it must land clip_margin beyond the side it is
    clipped to: above for a larger a when sigma = +1, below when sigma = -1.
    """
    sy = sigma * y
    return np.maximum((1 - sy + clip_margin) / up, (1 + sy + clip_margin) / down)


def balanced_ranks(slots: _Slots, clip_margin: float) -> np.ndarray:
    """Which member each layer-2 unit takes in each group: ranks[j, k] = rank of its member in group j.

    The paper gives unit k the k-th smallest layer-1 value in every group. The sum
    identity of Appendix B.4 only needs, in every group, the units with alpha > 0 (even k,
    0-based) on even ranks and the others on odd ranks, so within each parity class the
    ranks may be permuted per group; this is our choice, not the paper's.

    Why: unit k's weights are w = alpha nu with alpha = max_j need_j / nu_j, so
    max_j w_j / need_j = exp(max_j D_j - min_j D_j) with D_j = log nu_j - log need_j. The
    null vector of Lemma B.1 obeys nu_{j+1} / nu_j = (A_j - s_j) / (A_{j+1} + s_{j+1}); with
    the paper's ranks log nu drifts like a random walk and the weights grew 10^4-10^8 times
    beyond what clipping needs. For group j+1 we sort the units by how far D stands above
    the middle of its range so far, sort the ranks by log(A + s) + log need, and pair them
    in order, which is the optimal assignment for a squared deviation (1-D matching).
    O(p q log q).
    """
    p, q = slots.A.shape
    A = slots.A.astype(np.float64)
    log_need = _log_need(slots, clip_margin)
    ranks = np.empty((p, q), dtype=np.int64)
    ranks[0] = np.arange(q)
    units = (np.arange(0, q, 2), np.arange(1, q, 2))
    log_nu = np.zeros(q)
    low = high = -log_need[0]
    for j in range(p - 1):
        s, s_next = (1.0, -1.0) if j % 2 == 0 else (-1.0, 1.0)
        v = log_nu + np.log(np.abs(A[j, ranks[j]] - s))
        cost = np.log(np.abs(A[j + 1] + s_next)) + log_need[j + 1]
        for k in units:  # same parity for units and ranks
            by_excess = k[np.argsort(v[k] - (low[k] + high[k]) / 2)]
            ranks[j + 1, by_excess] = k[np.argsort(cost[k])]
        log_nu = v - np.log(np.abs(A[j + 1, ranks[j + 1]] + s_next))
        D = log_nu - log_need[j + 1, ranks[j + 1]]
        low, high = np.minimum(low, D), np.maximum(high, D)
    return ranks


def _log_need(slots: _Slots, clip_margin: float) -> np.ndarray:
    """(p, q) log of the smallest |w| each slot's member needs (:func:`_need`, for the sign its rank's parity gives)."""
    sigma = np.where(np.arange(slots.A.shape[1]) % 2 == 0, 1.0, -1.0)[:, None]  # by rank parity
    Y, up, down = slots.Y.astype(np.float64), slots.up[..., None], slots.down[..., None]
    need = _need(sigma, Y, up, down, clip_margin).max(axis=2)
    return np.log(np.maximum(need, clip_margin / 2))  # slots with no data neighbour constrain nothing


def refine_ranks(
    slots: _Slots, clip_margin: float, ranks: np.ndarray, log_scale: np.ndarray, moves: int, window: int = 16
) -> np.ndarray:
    """Improve :func:`balanced_ranks` by swapping two units' members in one group, at most ``moves`` times.

    What it lowers: sum over layer-2 units k of max_j |w_jk| scale_j (``log_scale`` per group).
    :func:`_block` takes scale_j = slope_j + the median slope (slope_j = 2 / (R_j - L_j)), for two
    costs of a weight. Layer-1 unit j computes its member's value with a float64 rounding of about
    eps slope_j sum_d |u_d x_d|, and layer-2 unit k multiplies it by w_jk: on the worst points of
    N = 10^5 builds this was the largest term of the float64 error, with |w_jk| 50 to 1700 times
    what clipping needs (need_jk), where the greedy left a unit's range of D wide. And a weight is
    a weight: the groups at the ends of the line hold the sparse tails of the data, so their slope
    is small and their members' gaps are a small share of their range; by slope alone their
    weights went unwatched and were the network's largest (Proposition 3.2 at N = 10^6, seed 2:
    1.17e9 in the last group, 4000 times its need; 6.9e7 with the median added). In logs, with
    D_j = log nu_j - log need_j as in :func:`balanced_ranks` and alpha = max_j need_j / nu_j, the
    factor is exp(max_j (log nu_j + log scale_j) - min_j D_j),
    and log nu_j = P_j + (a term of group j's member), where P_j sums a term of each earlier
    group's member. So a swap in group j changes the two units' values there and shifts all
    their later values by opposite amounts: with every unit's extrema before and after each
    group kept, all swaps of one unit are scored at once. Each move takes the unit with the
    largest factor not yet tried, scores its swaps with the units of its parity (which keeps
    the parity rule) in the ``window`` groups up to the groups of its largest and smallest
    value, and makes the one that lowers the two units' sum most (by more than 0.1% of the
    unit's factor). O(window q) per move. Our addition, not the paper's. Not modelled: the
    particular solution mu of :func:`_layer2` (small beside alpha nu where w is large).
    """
    p, q = ranks.shape
    if p < 2 or q < 4 or moves <= 0:
        return ranks
    A = slots.A.astype(np.float64)
    n = _log_need(slots, clip_margin)
    s = np.where(np.arange(p) % 2 == 0, 1.0, -1.0)[:, None]
    out, into = np.log(np.abs(A - s)), np.log(np.abs(A + s))  # log nu_{j+1} = log nu_j + out_j - into_{j+1}
    rows = np.arange(p)[:, None]
    R = ranks.copy()
    # per unit (column) and group: shift of every later group, and the unit's value at this group, for D and for
    # log nu + log scale; group 0 has nu_0 = 1
    G, C, H = (out - into)[rows, R], (-into - n)[rows, R], (log_scale[:, None] - into)[rows, R]
    G[0], C[0], H[0] = out[0, R[0]], -n[0, R[0]], log_scale[0]

    def paths(cols):
        P = np.zeros((p, len(cols)))
        np.cumsum(G[:-1, cols], axis=0, out=P[1:])
        D, E = P + C[:, cols], P + H[:, cols]
        ext = []
        for V, f, fill in ((D, np.minimum, np.inf), (E, np.maximum, -np.inf)):  # extrema before and after each group
            before, after = np.full_like(V, fill), np.full_like(V, fill)
            before[1:], after[:-1] = f.accumulate(V[:-1], axis=0), f.accumulate(V[::-1][:-1], axis=0)[::-1]
            ext += [before, after]
        return P, E.max(axis=0) - D.min(axis=0), ext

    P, width, (d_before, d_after, e_before, e_after) = paths(np.arange(q))
    tried = np.zeros(q, dtype=bool)
    for _ in range(moves):
        k = int(np.argmax(np.where(tried, -np.inf, width)))
        if tried[k]:
            break
        m = slice(k % 2, None, 2)  # the units of k's parity (k among them: swapping with itself changes nothing)
        # the groups where k's largest and smallest values are, and the `window` before each: a swap changes k's
        # value there, or shifts it from just before
        top, bottom = int(np.argmax(P[:, k] + H[:, k])), int(np.argmin(P[:, k] + C[:, k]))
        g = np.union1d(np.arange(max(0, top - window), top + 1), np.arange(max(0, bottom - window), bottom + 1))
        Gm, Cm, Hm, Pm = G[g][:, m], C[g][:, m], H[g][:, m], P[g][:, m]
        Gk, Ck, Hk, Pk = G[g, k][:, None], C[g, k][:, None], H[g, k][:, None], P[g, k][:, None]
        shift = Gm - Gk  # k's later values move by this when it takes the other's member; the other's back
        lo = np.minimum(np.minimum(d_before[g, k][:, None], Pk + Cm), d_after[g, k][:, None] + shift)
        hi = np.maximum(np.maximum(e_before[g, k][:, None], Pk + Hm), e_after[g, k][:, None] + shift)
        lo_o = np.minimum(np.minimum(d_before[g][:, m], Pm + Ck), d_after[g][:, m] - shift)
        hi_o = np.maximum(np.maximum(e_before[g][:, m], Pm + Hk), e_after[g][:, m] - shift)
        change = np.exp(hi - lo - width[k]) + np.exp(hi_o - lo_o - width[k]) - np.exp(width[m] - width[k])
        jj, i = np.unravel_index(np.argmin(change), change.shape)
        j = g[jj]
        if change[jj, i] >= 1 - 1e-3:  # relative to unit k's factor: not worth a move
            tried[k] = True
            continue
        both = [k, np.arange(q)[m][i]]
        for M in (R, G, C, H):
            M[j, both] = M[j, both[::-1]]
        P[:, both], width[both], ext = paths(both)
        d_before[:, both], d_after[:, both], e_before[:, both], e_after[:, both] = ext
        tried[:] = False
    return R


@dataclass
class _Units:
    """Per layer-2 unit views (p groups x K = dy*q units; unit index o*q + k)."""

    A: np.ndarray  # layer-1 value of the unit's member in each group
    Y: np.ndarray  # its label
    real: np.ndarray  # whether it is a data point
    up: np.ndarray  # gap to the nearest larger layer-1 value of a data point in the group (inf: none)
    down: np.ndarray  # gap to the nearest smaller one
    s: np.ndarray  # (p, 1): s_j = (-1)^j, layer-1 unit j's value above its group (Eqs. 3, 6)
    sigma: np.ndarray  # (K,): sign of alpha, + for even k (the paper's odd k)


def _units(slots: _Slots, ranks: np.ndarray) -> _Units:
    """Gather the slots (groups x ranks) into per-unit arrays, for every output block."""
    p, q = slots.A.shape
    dy = slots.Y.shape[2]
    rows = np.arange(p)[:, None]
    take = lambda a: np.tile(a[rows, ranks], (1, dy))  # noqa: E731
    Yk = np.concatenate([slots.Y[:, :, o][rows, ranks] for o in range(dy)], axis=1)
    s = np.where(np.arange(p) % 2 == 0, 1.0, -1.0).astype(slots.A.dtype)[:, None]
    sigma = np.tile(np.where(np.arange(q) % 2 == 0, 1.0, -1.0), dy).astype(slots.A.dtype)
    return _Units(take(slots.A), Yk, take(slots.real), take(slots.up), take(slots.down), s, sigma)


def _layer2(u: _Units, clip_margin: float) -> np.ndarray:
    """Solve (7) for every layer-2 unit with the smallest admissible alpha (Appendix B.3, Lemma B.1).

    Returns the weights w (p, K) in the dtype of ``u``.
    """
    A, s, p = u.A, u.s, u.A.shape[0]
    # Homogeneous (nu) and particular (mu) solutions of the bidiagonal system of Lemma B.1:
    # w_{j+1} (A_{j+1} + s_{j+1}) = w_j (A_j - s_j) - (y_j - y_{j+1}); nu > 0 throughout.
    nu = np.empty_like(A)
    mu = np.empty_like(A)
    nu[0], mu[0] = 1, 0
    for j in range(p - 1):
        den = A[j + 1] + s[j + 1]
        ratio = (A[j] - s[j]) / den
        nu[j + 1] = nu[j] * ratio
        mu[j + 1] = mu[j] * ratio - (u.Y[j] - u.Y[j + 1]) / den

    need = _need(u.sigma, u.Y, u.up, u.down, clip_margin)
    beta = np.max((need - u.sigma * mu) / nu, axis=0)
    return mu + (u.sigma * beta) * nu


def _bias(w: np.ndarray, u: _Units) -> np.ndarray:
    """Layer-2 biases for the (already rounded) weights w: the midrange of what each data equation of (7) asks.

    The left side of equation j is sum_{l<j} w_l s_l - sum_{l>j} w_l s_l + w_j A_j, from prefix sums in O(p).
    """
    w = w.astype(u.A.dtype)
    ws = w * u.s
    prefix = np.cumsum(ws, axis=0) - ws
    lhs = 2 * prefix - ws.sum(axis=0) + w * (u.s + u.A)
    want = u.Y - lhs
    has_data = u.real.any(axis=0)
    lo = np.where(u.real, want, want[0]).min(axis=0)  # units without data: any equation will do
    hi = np.where(u.real, want, want[0]).max(axis=0)
    return np.where(has_data, (lo + hi) / 2, want[0])


def _plan(
    c: np.ndarray,
    Y: np.ndarray,
    p: int,
    q: int,
    clip_margin: float,
    resolution: float,
    relu_like: bool,
    neighbours: tuple[float | None, float | None] = (None, None),
    own: _OwnLines | None = None,
) -> _Plan | None:
    """Build layers 1-2 (hard-tanh form) for projections c = u.x of the data.

    None if two projections are closer than ``resolution`` (they cannot be told apart); with ``own``, two
    values on the lines the units use (so points close on c that their group's own direction separates pass).
    neighbours: the nearest projections of points outside this set below and above (other
    blocks of :func:`yun_deep`); layer 1's range and the virtual slots stay between them.
    own: each unit's own line (:func:`spread_groups`) for the groups that have one; the
    others use c.

    The score predicts the float64 rounding error of the forward pass at the worst member
    (in units of eps): for unit k's member in group j it is sum_l |w_lk| Z_lj, where
    Z_lj = 1 + |z_l| on group j if layer-1 unit l is realised by ReLU-like units and group
    j lies on its inexact side (see :func:`_orientation`), else 1; on its own group,
    Z_jj = 1 + |slope_j| max|c| (rounding of the layer-1 value itself). O(q p^2) by one
    matrix product.
    """
    N = len(c)
    order = np.argsort(c, kind="stable")
    cs = c[order]
    span = cs[-1] - cs[0]
    gaps = np.diff(cs)
    min_gap = float(gaps.min()) if N > 1 else np.inf
    if own is None and min_gap <= resolution:
        return None
    h = span / (N - 1) if N > 1 and span > 0 else 1.0
    n = p * q
    below, above = neighbours
    h_top = h if above is None else min(h, (above - cs[-1]) / (n - N + 1))
    line = np.concatenate([cs, cs[-1] + h_top * np.arange(1, n - N + 1)])
    G = line.reshape(p, q)
    before = np.concatenate([[line[0] - h if below is None else below], G[:-1, -1]])
    after = np.concatenate([G[1:, 0], [line[-1] + h_top if above is None else above]])
    if own is not None:
        G[own.groups], before[own.groups], after[own.groups] = own.members, own.before, own.after
    lo, hi = (G[:, 0] + before) / 2, (G[:, -1] + after) / 2
    group_gap = float(np.diff(np.column_stack([before, G, after]), axis=1).min() / h)
    if own is not None and group_gap * h <= resolution:
        return None
    t = (G - lo[:, None]) / (hi - lo)[:, None]
    a_line = (-1 + 2 * np.where((np.arange(p) % 2 == 0)[:, None], t, 1 - t)).ravel()
    A = _ascending(a_line.reshape(p, q))
    Ypad = _ascending(np.concatenate([Y[order], np.zeros((n - N, Y.shape[1]))]).reshape(p, q, -1))
    real = _ascending((np.arange(n) < N).reshape(p, q))
    slots = _Slots.make(A, Ypad, real, np.float64)
    w2 = _layer2(_units(slots, balanced_ranks(slots, clip_margin)), clip_margin)

    slope, center = 2.0 / (hi - lo), (hi + lo) / 2
    orient = _orientation(cs, slope, lo, hi, q) if relu_like else np.ones(p)
    Z = np.ones((p, p))
    if relu_like:
        l, j = np.arange(p)[:, None], np.arange(p)[None, :]
        inexact = ((j > l) ^ (l % 2 == 1)) ^ (orient[:, None] < 0)
        Z += np.where(inexact & (l != j), slope[:, None] * np.abs(center[None, :] - center[:, None]), 0.0)
    Z[np.arange(p), np.arange(p)] += slope * np.abs(cs).max()
    score = float((np.abs(w2).T @ Z).max())
    U = None if own is None else own.directions
    return _Plan(order, lo, hi, a_line, orient, w2, Ypad, real, score, min_gap, group_gap, U)


def _orientation(cs: np.ndarray, W1_scale: np.ndarray, lo, hi, q: int) -> np.ndarray:
    """Per hard-tanh unit of layer 1, which of two ReLU-like realisations to use (+1 or -1).

    sigma_H(z) = o (sigma_R(o z + 1) - sigma_R(o z - 1) - s+ - s-) / (s+ - s-) holds for o = +-1.
    For o = +1 both ReLU-like inputs are large where z > 1 and their difference carries a
    rounding error of order eps |z|, which layer 2 multiplies by its large weights; where
    z < -1 they are both zero (ReLU) and exact. o = -1 swaps the sides. We put the inexact
    side where the data's total |z| is smaller. Not in the paper: a numerical choice.
    """
    N, p = len(cs), len(lo)
    csum = np.concatenate([[0.0], np.cumsum(cs)])
    start = np.minimum(np.arange(p) * q, N)
    end = np.minimum(start + q, N)
    mid = (lo + hi) / 2
    below = np.abs(W1_scale) * (start * mid - csum[start])  # sum of |z| over points below group j
    above = np.abs(W1_scale) * (csum[N] - csum[end] - (N - end) * mid)
    increasing = np.arange(p) % 2 == 0  # z > 1 above the group
    big_side_plus = np.where(increasing, above, below)  # sum |z| where z > 1
    big_side_minus = np.where(increasing, below, above)
    return np.where(big_side_plus <= big_side_minus, 1.0, -1.0)


@dataclass
class _Block:
    """Thm 3.1's layers 1-2 as arrays: first (W1, b1) on the block's input, second (W2, b2) on the first's
    units, and the readout R a2 + r0 = sum_k a2_k - 1 per output (ReLU-like pairs already expanded)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    R: np.ndarray
    r0: np.ndarray
    min_clip: float


def _block(plan: _Plan, rows, biases, evaluate, act: Activation, dy: int, clip_margin: float, outside=False) -> _Block:
    """Layers 1-2 from a plan, recomputing layer 2 from the stored layer 1.

    rows, biases: the p hard-tanh units of layer 1 on the block's input (x, or the carried
    projection in :func:`yun_deep`). evaluate(W): the products of their weights with the
    sorted data points as long doubles, as accurate as double-double (:func:`memorizers.numerics.dot2`),
    W given per point (a ReLU-like pair
    shares its row: one evaluation, two biases added in long double). Layer-1 values of the
    members come from the float64 parameters as stored, and layer-2 biases from the
    float64 layer-2 weights as stored, so the stored network is exact up to the rounding
    of its last parameters.
    """
    p, q = plan.real.shape
    N = len(plan.order)
    group = np.arange(N) // q
    orient = plan.orient
    o = orient if act.kind != "hard_tanh" else np.ones(p)  # ReLU pairs: sigma_H(t) = o sigma_H(o t), side o of the plan
    W1, b1, _, _ = hard_tanh_units(o[:, None] * rows, o * biases, act)
    if act.kind == "hard_tanh":
        a = np.clip(evaluate(W1[group]) + b1[group].astype(LD), -1, 1)
    else:
        sp, sm = LD(act.s_plus), LD(act.s_minus)
        r = lambda t: np.where(t > 0, sp * t, sm * t)  # noqa: E731
        z = evaluate(W1[2 * group])  # rows 2g and 2g + 1 are one row (hard_tanh_units)
        plus, minus = z + b1[2 * group].astype(LD), z + b1[2 * group + 1].astype(LD)
        a = orient[group] * (r(plus) - r(minus) - sp - sm) / (sp - sm)
    line_a = plan.a_line.astype(LD)  # virtual slots keep their formula values (never evaluated)
    line_a[:N] = a
    A = _ascending(line_a.reshape(p, q))
    if not (np.all(np.diff(A, axis=1) > 0) and np.all(np.abs(A) < 1)):
        raise InvalidDataError(
            "layer-1 values are not strictly ordered inside (-1, 1); the data is too close to degenerate"
        )

    slots = _Slots.make(A, plan.Y, plan.real, LD, outside)
    ranks = balanced_ranks(slots, clip_margin)
    slope = 2.0 / (plan.hi - plan.lo)
    ranks = refine_ranks(slots, clip_margin, ranks, np.log(slope + np.median(slope)), moves=q // 2)
    units = _units(slots, ranks)
    w = _layer2(units, clip_margin)
    K = w.shape[1]
    if act.kind == "hard_tanh":
        W2 = w.astype(np.float64)
        b2 = _bias(W2, units).astype(np.float64)
        W2, R, r0 = W2.T, _block_sum(dy, q), -np.ones(dy)
    else:
        # a_j = o_j (sigma_R(row 2j) - sigma_R(row 2j+1) - S) / D feeds layer 2 with weight w_j.
        D, S = act.s_plus - act.s_minus, act.s_plus + act.s_minus
        stored = (w * LD(orient[:, None]) / LD(D)).astype(np.float64)  # on row 2j; minus it on row 2j+1
        w_eff = stored.astype(LD) * LD(D) * LD(orient[:, None])
        b2 = _pm((_bias(w_eff, units) - LD(S) * stored.astype(LD).sum(axis=0)).astype(np.float64))
        W2 = np.zeros((K, 2 * p))
        W2[:, 0::2], W2[:, 1::2] = stored.T, -stored.T
        W2 = np.repeat(W2, 2, axis=0)
        R = np.zeros((dy, 2 * K))
        R[:, 0::2], R[:, 1::2] = _block_sum(dy, q) / D, -_block_sum(dy, q) / D
        r0 = np.full(dy, -1.0 - q * S / D)

    # Smallest clipping margin of a data point in exact arithmetic (before final rounding).
    sy = units.sigma * units.Y
    with np.errstate(invalid="ignore"):  # 0 * inf where a unit has no data neighbour
        above = np.where(np.isfinite(units.up), np.abs(w) * units.up - (1 - sy), np.inf)
        below = np.where(np.isfinite(units.down), np.abs(w) * units.down - (1 + sy), np.inf)
    clip = np.minimum(above, below)[units.real]
    return _Block(W1, b1, W2, b2, R, r0, float(clip.min()) if clip.size else float("inf"))


def _assemble(X, plan: _Plan, u_vec, act: Activation, widths, dy: int, clip_margin: float):
    """Theorem 3.1's network of the requested widths from a plan (see :func:`_block`)."""
    d1, d2 = widths
    W1, b1 = _layer1(plan.lo, plan.hi, u_vec if plan.directions is None else plan.directions)
    Xs = X[plan.order]
    blk = _block(plan, W1, b1, lambda W: dot2(Xs, W), act, dy, clip_margin)
    layers = [
        Dense(_pad(blk.W1, d1), _pad(blk.b1, d1), act),
        Dense(_pad(blk.W2, d2, d1), _pad(blk.b2, d2), act),
        Dense(_pad(blk.R, dy, d2), blk.r0, identity()),
    ]
    return Network(layers), blk.min_clip


def _block_sum(dy: int, q: int) -> np.ndarray:
    """(dy, dy*q) matrix summing each output's block of q layer-2 units (Appendix B.4-B.5)."""
    return np.kron(np.eye(dy), np.ones((1, q)))


def _pad(a: np.ndarray, rows: int, cols: int | None = None) -> np.ndarray:
    """Zero-pad to the requested width (unused units get zero weights)."""
    shape = (rows,) if a.ndim == 1 else (rows, a.shape[1] if cols is None else cols)
    out = np.zeros(shape)
    out[tuple(slice(0, k) for k in a.shape)] = a
    return out
