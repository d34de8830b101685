"""Yun, Sra & Jadbabaie (2019), "Small ReLU networks are powerful memorizers".

Theorem 3.1: a 3-layer (2-hidden-layer) network memorizes any N distinct points with
labels in [-1, 1]^dy if

* hard-tanh:   4 floor(d1/2) floor(d2/(2 dy)) >= N, or
* ReLU-like:   4 floor(d1/4) floor(d2/(4 dy)) >= N   (sigma_R with s_plus > s_minus >= 0).

The construction (Appendix B) works with p = d1 and q = d2/dy hard-tanh units; a
ReLU-like unit pair realises each of them through
sigma_H(t) = (sigma_R(t+1) - sigma_R(t-1) - s_plus - s_minus) / (s_plus - s_minus).

* B.2  project onto a line, c_i = u.x_i, sort, cut into p groups of q consecutive
       points; layer-1 unit j is affine in c, inside (-1, 1) exactly on group j,
       increasing on odd j and decreasing on even j (paper's 1-based j).
* B.3  layer-2 unit k takes one member from every group (the k-th smallest layer-1
       value of that group) to its label y, solving the p x (p+1) system (7). Lemma B.1
       (Appendix H): subtracting consecutive rows leaves a bidiagonal system, so the null
       vector nu (all entries > 0) and a particular solution mu follow from one O(p)
       recursion. The solution w = mu + alpha nu clips every non-member once |alpha| is
       large; we take the smallest alpha that puts every clipped pre-activation at least
       ``clip_margin`` beyond +-1 (alpha > 0 for odd k, < 0 for even k).
* B.4  the layer-2 outputs of every point sum to y + 1; the output layer subtracts 1.
* B.5  dy > 1: dy blocks of q layer-2 units share layer 1.

Any N that the widths allow is handled, not only N = d1 d2 / (4 dy): the construction
uses the smallest even p <= p_max, q <= q_max with p q >= N and pads the last group
with virtual points on the line beyond the data (label 0; they are never evaluated).
Unused units get zero weights. The projection u is the best of ``n_projections``
random unit vectors by an a-priori rounding-error proxy (see :func:`_plan`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass

import numpy as np

from ..activations import Activation, by_name, identity
from ..data import check_dataset, check_distinct, check_memory, check_positive, check_widths, column_scale, general_position_error
from ..errors import InvalidDataError, WidthError
from ..network import Dense, Network, Residual

LD = np.longdouble


def check_activation(activation) -> Activation:
    act = activation if isinstance(activation, Activation) else by_name(activation)
    if act.kind == "hard_tanh":
        return act
    if act.kind == "relu_like" and act.s_plus > act.s_minus >= 0:
        return act
    raise InvalidDataError(
        f"Theorem 3.1 needs hard-tanh or a ReLU-like activation with s_plus > s_minus >= 0; got {act.name}"
    )


def units_per_hard_tanh(act: Activation) -> int:
    """Hidden units that realise one hard-tanh unit: 1 for hard-tanh, 2 for ReLU-like."""
    return 1 if act.kind == "hard_tanh" else 2


def capacity(widths: tuple[int, int], dy: int, act: Activation) -> int:
    """Largest N Theorem 3.1 guarantees for widths (d1, d2): 4 floor(d1/2u) floor(d2/(2u dy)), u = units per hard-tanh."""
    u = units_per_hard_tanh(act)
    d1, d2 = widths
    return 4 * (d1 // (2 * u)) * (d2 // (2 * u * dy))


def smallest_widths(n: int, dy: int, act: Activation) -> tuple[int, int]:
    """Widths (d1, d2) with the fewest hidden units (d1 + d2) that Theorem 3.1 allows for N = n.

    With d1 = 2u a and d2 = 2u dy b (u units per hard-tanh unit) the condition is
    4 a b >= n; we minimise a + dy b, then a b (fewest virtual points).
    """
    u = units_per_hard_tanh(act)
    need = math.ceil(n / 4)
    best = None
    for a in range(1, need + 1):
        b = math.ceil(need / a)
        key = (a + dy * b, a * b, abs(a - b))
        if best is None or key < best[0]:
            best = (key, a, b)
        if a > 2 * math.isqrt(need * dy) + 2:
            break
    _, a, b = best
    return 2 * u * a, 2 * u * dy * b


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


def _layer1(lo, hi, u):
    """Rows and biases of the p hard-tanh units of layer 1 (Appendix B.2).

    Unit j (0-based) is (-1)^j (2c - (L_j + R_j)) / (R_j - L_j): -1 at L_j, +1 at R_j for
    even j, reversed for odd j.
    """
    sign = np.where(np.arange(len(lo)) % 2 == 0, 1.0, -1.0)
    scale = 2.0 / (hi - lo)
    W1 = (sign * scale)[:, None] * u[None, :]
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
    sigma = np.where(np.arange(q) % 2 == 0, 1.0, -1.0)[:, None]  # by rank parity
    need = _need(sigma, slots.Y.astype(np.float64), slots.up[..., None], slots.down[..., None], clip_margin).max(axis=2)
    log_need = np.log(np.maximum(need, clip_margin / 2))  # slots with no data neighbour constrain nothing
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
) -> _Plan | None:
    """Build layers 1-2 (hard-tanh form) for projections c = u.x of the data.

    None if two projections are closer than ``resolution`` (they cannot be told apart).
    neighbours: the nearest projections of points outside this set below and above (other
    blocks of :func:`yun_deep`); layer 1's range and the virtual slots stay between them.

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
    if min_gap <= resolution:
        return None
    h = span / (N - 1) if N > 1 and span > 0 else 1.0
    n = p * q
    below, above = neighbours
    h_top = h if above is None else min(h, (above - cs[-1]) / (n - N + 1))
    line = np.concatenate([cs, cs[-1] + h_top * np.arange(1, n - N + 1)])
    G = line.reshape(p, q)
    before = np.concatenate([[line[0] - h if below is None else below], G[:-1, -1]])
    after = np.concatenate([G[1:, 0], [line[-1] + h_top if above is None else above]])
    lo, hi = (G[:, 0] + before) / 2, (G[:, -1] + after) / 2
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
    return _Plan(order, lo, hi, a_line, orient, w2, Ypad, real, score, min_gap)


def yun_3layer(
    X,
    y,
    *,
    widths: tuple[int, int] | None = None,
    activation="relu",
    seed=None,
    clip_margin: float = 1.0,
    n_projections: int | None = None,
    repair_steps: int = 8,
) -> tuple[Network, dict]:
    """Theorem 3.1 of Yun et al.: a 3-layer network with f(x_i) = y_i for all i.

    X (N, dx) distinct points; y (N,) or (N, dy) with entries in [-1, 1].
    widths: (d1, d2); None picks the smallest the theorem allows (:func:`smallest_widths`).
    activation: "relu", "leaky-relu", "hard-tanh", or any ReLU-like Activation with
    s_plus > s_minus >= 0. clip_margin: every clipped layer-2 pre-activation of a data point
    lies at least this far beyond +-1 (in exact arithmetic); the scale alpha of each
    layer-2 unit is the smallest that achieves it. n_projections: random directions u
    tried, the one with the smallest predicted rounding error wins (:func:`_plan`);
    default clip(2**20 / N, 8, 256): about 2**20 slot updates, a fraction of a second, and
    less than one forward pass at N >= 10^5. repair_steps: rounds of
    :func:`repair_projection` on the winner (kept only if the predicted error drops).

    Returns the network and a record of the choices made (p, q, u, scores, margins).
    The network is not verified here; :func:`memorizers.build` does that.
    """
    act = check_activation(activation)
    X, Y = check_dataset(X, y, label_range=(-1.0, 1.0))
    check_distinct(X)
    check_positive(clip_margin, "clip_margin")
    # the construction is invariant to scaling X: it works on X * 2^-e with max |x| in [1/2, 1) (no underflow in
    # the projections' geometry for tiny data, no overflow for huge), and 2^-e is folded into layer 1 exactly
    scale = float(np.ldexp(1.0, -int(np.frexp(np.abs(X).max())[1])))
    X = X * scale
    N, dx = X.shape
    dy = Y.shape[1]
    u = units_per_hard_tanh(act)
    smallest = smallest_widths(N, dy, act)
    d1, d2 = smallest if widths is None else check_widths(widths, "Theorem 3.1", count=2)
    if capacity((d1, d2), dy, act) < N:
        cond = "4 floor(d1/2) floor(d2/(2 dy))" if u == 1 else "4 floor(d1/4) floor(d2/(4 dy))"
        raise WidthError(
            f"widths ({d1}, {d2}) are too small for N = {N}, dy = {dy} with {act.name}: Theorem 3.1 needs "
            f"{cond} >= N, here {capacity((d1, d2), dy, act)}; the smallest widths that work are "
            f"{smallest[0]},{smallest[1]}",
            smallest,
        )
    # the network's float64 parameters, dominated by the d2 x d1 layer, plus O(N dx) work arrays
    check_memory(8.0 * (d1 * (dx + d2 + 1) + d2 * (dy + 1) + 6 * N * dx), f"a {dx}-{d1}-{d2}-{dy} network for N = {N}")
    p, q = _group_shape(N, 2 * (d1 // (2 * u)), 2 * (d2 // (2 * u * dy)))

    rng = np.random.default_rng(seed)
    if n_projections is None:
        n_projections = int(np.clip(2**20 // N, 8, 256))
    U = rng.standard_normal((dx, max(1, int(n_projections))))
    U /= np.linalg.norm(U, axis=0)
    C = X @ U
    # two projections closer than twice the rounding bound of u.x (Higham's gamma_dx) cannot be ordered reliably
    resolution = 4 * dx * np.finfo(np.float64).eps * np.abs(X).sum(axis=1).max()
    best, best_i = None, -1
    for i in range(U.shape[1]):
        plan = _plan(C[:, i], Y, p, q, clip_margin, resolution, act.kind == "relu_like")
        if plan is not None and (best is None or plan.score < best.score):
            best, best_i = plan, i
    if best is None:
        raise InvalidDataError(_too_close_message(X, C))
    u_best = U[:, best_i]
    if repair_steps:
        u_new = repair_projection(X, u_best, q, repair_steps)
        plan = _plan(X @ u_new, Y, p, q, clip_margin, resolution, act.kind == "relu_like")
        if plan is not None and plan.score < best.score:
            best, u_best = plan, u_new

    network, min_clip = _assemble(X, best, u_best, act, (d1, d2), dy, clip_margin)
    network.layers[0] = Dense(network.layers[0].weight * scale, network.layers[0].bias, network.layers[0].activation)
    network.meta = {
        "method": "yun-3layer",
        "theorem": "Yun, Sra & Jadbabaie (2019), Theorem 3.1",
        "activation": act.name,
        "widths": [d1, d2],
        "seed": seed,
    }
    info = {
        "widths": (d1, d2),
        "groups_p": p,
        "group_size_q": q,
        "virtual_points": p * q - N,
        "projection": u_best,
        "projection_index": best_i,
        "score": best.score,
        "min_projection_gap": best.min_gap,
        "min_clip_margin": min_clip,
        "max_abs_w2": float(np.abs(best.w2).max()),
    }
    return network, info


def repair_projection(X: np.ndarray, u: np.ndarray, q: int, steps: int = 8, worst: int = 20) -> np.ndarray:
    """Nudge u to widen the smallest gaps between neighbours of the same group (our addition).

    The weights of layer 2 grow like 1 / (smallest gap between consecutive projections in a
    group), and for N points on a random direction that gap is about (mean gap) / N. Each
    round moves u along sum (x_j - x_i) / |x_j - x_i|^2 over the ``worst`` closest
    neighbour pairs, trying step lengths 1e-12 .. 1e-8, and keeps the best smallest gap.
    O(steps x (N dx + N log N)); at N = 10^6 it widened the smallest gap about 10x.
    """

    def smallest(v):
        c = X @ v
        order = np.argsort(c, kind="stable")
        g = np.diff(c[order])
        g[q - 1 :: q] = np.inf  # gaps between groups do not set layer-2 weights
        return g, order

    gaps, order = smallest(u)
    best = float(gaps.min()) if len(gaps) else np.inf
    for _ in range(steps):
        d = np.zeros_like(u)
        for k in np.argsort(gaps)[:worst]:
            v = X[order[k + 1]] - X[order[k]]
            d += v / np.dot(v, v)
        norm = np.linalg.norm(d)
        if not np.isfinite(best) or norm == 0:
            break
        improved = False
        for step in (1e-12, 1e-11, 1e-10, 1e-9, 1e-8):
            v = u + step * d / norm
            v /= np.linalg.norm(v)
            g, o = smallest(v)
            if g.min() > best:
                best, u, gaps, order, improved = float(g.min()), v, g, o, True
        if not improved:
            break
    return u


def _too_close_message(X: np.ndarray, C: np.ndarray) -> str:
    """Name the pair that defeated the projection with the widest smallest gap."""
    best = None
    for c in C.T:
        order = np.argsort(c, kind="stable")
        k = int(np.argmin(np.diff(c[order])))
        gap = c[order[k + 1]] - c[order[k]]
        if best is None or gap > best[0]:
            best = (gap, int(order[k]), int(order[k + 1]))
    _, i, j = best
    return (
        f"points {min(i, j)} and {max(i, j)} are {np.linalg.norm(X[i] - X[j]):.3e} apart, too close to separate "
        f"in float64 along any of the {C.shape[1]} projections tried"
    )


def _split(a: np.ndarray):
    """Dekker's split a = hi + lo, each with at most 26 significant bits."""
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _dot2(X: np.ndarray, W: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Row-wise dot products sum_d X[n, d] W[n, d] in twice the working precision, as long double.

    Ogita, Rump & Oishi's Dot2 (TwoProduct by Dekker's split, TwoSum), vectorised over
    rows in cache-sized chunks: as accurate as double-double, and several times faster
    than converting N x dx numbers to long double.
    """
    out = np.empty(len(X), dtype=LD)
    for s in range(0, len(X), chunk):
        x, w = np.ascontiguousarray(X[s : s + chunk].T), np.ascontiguousarray(W[s : s + chunk].T)
        xh, xl = _split(x)
        wh, wl = _split(w)
        prod = x * w
        err = xl * wl - (((prod - xh * wh) - xl * wh) - xh * wl)
        hi, lo = prod[0].copy(), err[0].copy()
        for d in range(1, len(x)):
            t = hi + prod[d]
            bv = t - hi
            lo += (hi - (t - bv)) + (prod[d] - bv) + err[d]
            hi = t
        out[s : s + chunk] = hi.astype(LD) + lo.astype(LD)
    return out


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
    projection in :func:`yun_deep`). evaluate(W, b): their exact pre-activations on the
    sorted data points (long double), W and b given per point. Layer-1 values of the
    members come from the float64 parameters as stored, and layer-2 biases from the
    float64 layer-2 weights as stored, so the stored network is exact up to the rounding
    of its last parameters.
    """
    p, q = plan.real.shape
    N = len(plan.order)
    group = np.arange(N) // q
    orient = plan.orient
    if act.kind == "hard_tanh":
        W1, b1 = rows, biases
        a = np.clip(evaluate(W1[group], b1[group]), -1, 1)
    else:
        W1, b1 = np.repeat(orient[:, None] * rows, 2, axis=0), _pm(orient * biases)
        sp, sm = LD(act.s_plus), LD(act.s_minus)
        r = lambda t: np.where(t > 0, sp * t, sm * t)  # noqa: E731
        plus, minus = evaluate(W1[2 * group], b1[2 * group]), evaluate(W1[2 * group + 1], b1[2 * group + 1])
        a = orient[group] * (r(plus) - r(minus) - sp - sm) / (sp - sm)
    line_a = plan.a_line.astype(LD)  # virtual slots keep their formula values (never evaluated)
    line_a[:N] = a
    A = _ascending(line_a.reshape(p, q))
    if not (np.all(np.diff(A, axis=1) > 0) and np.all(np.abs(A) < 1)):
        raise InvalidDataError("layer-1 values are not strictly ordered inside (-1, 1); the data is too close to degenerate")

    slots = _Slots.make(A, plan.Y, plan.real, LD, outside)
    units = _units(slots, balanced_ranks(slots, clip_margin))
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
    W1, b1 = _layer1(plan.lo, plan.hi, u_vec)
    Xs = X[plan.order]
    blk = _block(plan, W1, b1, lambda W, b: _dot2(Xs, W) + b.astype(LD), act, dy, clip_margin)
    layers = [
        Dense(_pad(blk.W1, d1), _pad(blk.b1, d1), act),
        Dense(_pad(blk.W2, d2, d1), _pad(blk.b2, d2), act),
        Dense(_pad(blk.R, dy, d2), blk.r0, identity()),
    ]
    return Network(layers), blk.min_clip


def _pm(b: np.ndarray) -> np.ndarray:
    """Biases of the two ReLU-like units of each hard-tanh unit: b + 1, b - 1 interleaved."""
    out = np.empty(2 * len(b))
    out[0::2], out[1::2] = b + 1, b - 1
    return out


def _block_sum(dy: int, q: int) -> np.ndarray:
    """(dy, dy*q) matrix summing each output's block of q layer-2 units (Appendix B.4-B.5)."""
    return np.kron(np.eye(dy), np.ones((1, q)))


def _pad(a: np.ndarray, rows: int, cols: int | None = None) -> np.ndarray:
    """Zero-pad to the requested width (unused units get zero weights)."""
    shape = (rows,) if a.ndim == 1 else (rows, a.shape[1] if cols is None else cols)
    out = np.zeros(shape)
    out[tuple(slice(0, k) for k in a.shape)] = a
    return out


# -- gates (Appendices C and F) ---------------------------------------------------------------


def units_per_gate(act: Activation) -> int:
    """Hidden units realising one gate sigma_G: 2 hard-tanh or 4 ReLU-like."""
    return 2 * units_per_hard_tanh(act)


def gate_units(rows: np.ndarray, biases: np.ndarray, act: Activation):
    """Hidden units computing the gates g_j(a) = sigma_G(rows_j . a + biases_j), and how to read them out.

    sigma_G(t) = (sigma_H(2t + 1) + sigma_H(-2t + 1)) / 2 is 1 at t = 0, t + 1 on [-1, 0],
    1 - t on [0, 1] and 0 outside (Yun et al., Appendix C). Returns (W, b, C, c0) such
    that g(a) = C act(W a + b) + c0: two hard-tanh units per gate, or four ReLU-like units
    (each hard-tanh as sigma_R(v + 1), sigma_R(v - 1)).
    """
    G = len(rows)
    W, b = [], []
    per = units_per_gate(act)
    C = np.zeros((G, G * per))
    for j in range(G):
        for sign in (1.0, -1.0):  # v = sign * 2 t + 1
            w, v0 = sign * 2 * rows[j], sign * 2 * biases[j] + 1
            if act.kind == "hard_tanh":
                C[j, len(W)] = 0.5
                W.append(w)
                b.append(v0)
            else:
                D = act.s_plus - act.s_minus
                C[j, len(W)], C[j, len(W) + 1] = 0.5 / D, -0.5 / D
                W += [w, w]
                b += [v0 + 1, v0 - 1]
    c0 = np.zeros(G) if act.kind == "hard_tanh" else np.full(G, -(act.s_plus + act.s_minus) / (act.s_plus - act.s_minus))
    return np.array(W).reshape(G * per, -1), np.array(b), C, c0


# -- Proposition 3.2: classification with one more layer of gates -------------------------


def class_ids(y, n_classes: int | None = None) -> tuple[np.ndarray, int]:
    """Integer class ids (N,) and the number of classes from one-hot rows (N, dy) or ids (N,)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            bad = np.flatnonzero(~(np.isin(y, (0, 1)).all(axis=1) & (y.sum(axis=1) == 1)))
            raise InvalidDataError(f"labels must be one-hot rows or integer class ids >= 0; rows {bad[:10].tolist()} are not")
        return y.argmax(axis=1), y.shape[1]
    ids = y.reshape(-1)
    if len(ids) == 0:
        raise InvalidDataError("y is empty")
    if not np.all(np.isfinite(ids)) or not np.array_equal(ids, np.round(ids)) or ids.min() < 0:
        bad = np.flatnonzero(~np.isfinite(ids) | (ids != np.round(ids)) | (ids < 0))
        raise InvalidDataError(f"labels must be integer class ids >= 0 or one-hot rows; first offending rows: {bad[:10].tolist()}")
    ids = ids.astype(np.int64)
    dy = int(ids.max()) + 1 if n_classes is None else int(n_classes)
    if ids.max() >= dy:
        raise InvalidDataError(f"labels: class id {ids.max()} is out of range for {dy} classes")
    return ids, dy


def class_values(dy: int) -> np.ndarray:
    """rho_j, the real number standing for class j (Appendix C): evenly spaced in [-1, 1]."""
    return np.linspace(-1.0, 1.0, dy) if dy > 1 else np.zeros(1)


def smallest_classifier_widths(n: int, dy: int, act: Activation) -> tuple[int, int, int]:
    """(d1, d2, d3): Theorem 3.1's smallest (d1, d2) for scalar targets and d3 = 2 dy (hard-tanh) or 4 dy."""
    d1, d2 = smallest_widths(n, 1, act)
    return d1, d2, 2 * units_per_hard_tanh(act) * dy


def yun_classifier(
    X,
    y,
    *,
    widths: tuple[int, int, int] | None = None,
    activation="relu",
    seed=None,
    n_classes: int | None = None,
    clip_margin: float = 1.0,
    n_projections: int | None = None,
) -> tuple[Network, dict]:
    """Proposition 3.2 of Yun et al.: a 4-layer network whose outputs are the one-hot labels.

    Sufficient widths: 4 floor(d1/2) floor(d2/2) >= N and d3 >= 2 dy (hard-tanh), or
    4 floor(d1/4) floor(d2/4) >= N and d3 >= 4 dy (ReLU-like). Appendix C: class j gets
    the value rho_j (:func:`class_values`); layers 1-2 are Theorem 3.1's construction for
    the scalar targets rho_{y_i}, so s(x_i) = sum_k a^2_k(x_i) - 1 = rho_{y_i}; layer 3 holds
    one gate per class,
        sigma_G(t) = (sigma_H(2t + 1) + sigma_H(-2t + 1)) / 2,
    which is 1 at t = 0 and 0 for |t| >= 1, applied to t = (s - rho_j) / spacing, so gate j
    passes rho_j and blocks every other class; each gate is two hard-tanh or four
    ReLU-like units, and gate j feeds output j.

    y: one-hot rows (N, dy) or integer class ids (N,) (then dy = max id + 1, or
    ``n_classes``). Other options as in :func:`yun_3layer`.
    """
    act = check_activation(activation)
    X, Y = check_dataset(X, y)
    ids, dy = class_ids(Y, n_classes)
    N = len(ids)
    smallest = smallest_classifier_widths(N, dy, act)
    d1, d2, d3 = smallest if widths is None else check_widths(widths, "Proposition 3.2", count=3)
    u = units_per_hard_tanh(act)
    if capacity((d1, d2), 1, act) < N or d3 < 2 * u * dy:
        cond = "4 floor(d1/2) floor(d2/2) >= N and d3 >= 2 dy" if u == 1 else "4 floor(d1/4) floor(d2/4) >= N and d3 >= 4 dy"
        raise WidthError(
            f"widths ({d1}, {d2}, {d3}) are too small for N = {N} points in {dy} classes with {act.name}: "
            f"Proposition 3.2 needs {cond}; the smallest widths that work are {','.join(map(str, smallest))}",
            smallest,
        )
    rho = class_values(dy)
    base, info = yun_3layer(
        X, rho[ids], widths=(d1, d2), activation=act, seed=seed, clip_margin=clip_margin, n_projections=n_projections
    )
    first, second, out = base.layers
    # gate j passes t_j = alpha (s - rho_j), s = out(a2) = rho_{y_i} on the data
    alpha = 1.0 / (rho[1] - rho[0]) if dy > 1 else 1.0
    W3, b3, C, c0 = gate_units(alpha * np.tile(out.weight, (dy, 1)), alpha * (out.bias[0] - rho), act)
    third = Dense(_pad(W3, d3), _pad(b3, d3), act)
    W4, b4 = _pad(C.T, d3).T, c0
    network = Network(
        [first, second, third, Dense(W4, b4, identity())],
        meta={
            "method": "yun-classifier",
            "theorem": "Yun, Sra & Jadbabaie (2019), Proposition 3.2",
            "activation": act.name,
            "widths": [d1, d2, d3],
            "seed": seed,
        },
    )
    info = {**info, "widths": (d1, d2, d3), "classes": dy, "class_values": rho, "gate_scale": alpha}
    return network, info


# -- Section 4: general position, Theorem 4.1 (ResNet) and Corollary 4.2 (2-layer) ---------


def _hyperplane(P: np.ndarray, rng, X: np.ndarray | None = None, tries: int = 8) -> tuple[np.ndarray, float]:
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


def _pick_gates(H: np.ndarray, ids: np.ndarray, dy: int, rng, members: list[np.ndarray], margin: float = 1.0):
    """One gate per group of <= dx points of one class: the hyperplane through them, scaled to block the rest.

    members: the groups (index arrays). Returns rows alpha u, biases alpha c, and the group
    classes. Raises InvalidDataError naming the points if a point that is not in a group
    lies on (or within rounding of) its hyperplane: the general position assumption fails.
    """
    rows, biases = [], []
    scale = column_scale(H)  # hyperplanes fitted in units-free coordinates, folded back exactly
    H = H * scale
    for S in members:
        u, c = _hyperplane(H[S], rng, H)
        dist = np.abs(H @ u + c)
        dist[S] = np.inf
        j = int(np.argmin(dist))
        if not dist[j] > on_hyperplane_tolerance(H[S], u, c):
            raise general_position_error(j, S, dist[j], "Assumption 4.1 needs no dx + 1 points on one hyperplane")
        alpha = (1.0 + margin) / dist[j]  # every other point lands at |t| >= 1 + margin: gate output 0
        rows.append(alpha * u * scale)
        biases.append(alpha * c)
    return np.array(rows), np.array(biases)


def _class_groups(ids: np.ndarray, dy: int, dx: int, rng) -> list[np.ndarray]:
    """Each class's points in random groups of dx (the last one smaller): sum_k ceil(N_k / dx) groups."""
    groups = []
    for k in range(dy):
        idx = rng.permutation(np.flatnonzero(ids == k))
        groups += [idx[s : s + dx] for s in range(0, len(idx), dx)]
    return groups


def gates_needed(ids: np.ndarray, dy: int, dx: int) -> int:
    """sum_k ceil(N_k / dx): gates the Section 4 constructions use (<= N/dx + dy)."""
    counts = np.bincount(ids, minlength=dy)
    return int(np.sum(-(-counts // dx)))


def yun_2layer(X, y, *, widths=None, activation="relu", seed=None, n_classes: int | None = None, margin: float = 1.0):
    """Corollary 4.2 of Yun et al.: one hidden layer memorizes a classification dataset in general position.

    Sufficient: d1 >= 2N/dx + 2dy (hard-tanh) or 4N/dx + 4dy (ReLU-like). Appendix F.2: for
    each class k, groups of dx points get a gate sigma_G(alpha (u.x + c)) on the hyperplane
    through them (Assumption 4.1: no other point is on it), which outputs 1 on the group
    and 0 on every other point once alpha (u.x_i + c) clears 1 + ``margin`` for all others;
    its outgoing weights are e_k. The construction needs sum_k ceil(N_k/dx) gates, which
    is at most the statement's bound; without widths it uses exactly that many units.

    y: one-hot rows or integer class ids. Raises InvalidDataError naming the points when
    the data is not in general position.
    """
    check_positive(margin, "margin")
    act = check_activation(activation)
    X, Y = check_dataset(X, y)
    check_distinct(X)
    ids, dy = class_ids(Y, n_classes)
    N, dx = X.shape
    per = units_per_gate(act)
    G = gates_needed(ids, dy, dx)
    d1 = per * G if widths is None else check_widths(widths, "Corollary 4.2", count=1)[0]
    if d1 // per < G:
        raise WidthError(
            f"width {d1} is too small: {G} gates of {per} {act.name} units are needed for these {N} points "
            f"(Corollary 4.2: d1 >= {per}N/dx + {per}dy suffices); the smallest width that works is {per * G}",
            (per * G,),
        )
    check_memory(8.0 * (d1 * (dx + dy + 2) + 3 * N * dx), f"a {dx}-{d1}-{dy} network for N = {N}")
    rng = np.random.default_rng(seed)
    groups = _class_groups(ids, dy, dx, rng)
    rows, biases = _pick_gates(X, ids, dy, rng, groups, margin)
    W1, b1, C, c0 = gate_units(rows, biases, act)
    E = np.zeros((dy, G))  # gate g feeds output class(g)
    E[ids[[g[0] for g in groups]], np.arange(G)] = 1.0
    network = Network(
        [Dense(_pad(W1, d1), _pad(b1, d1), act), Dense(_pad((E @ C).T, d1).T, E @ c0, identity())],
        meta={
            "method": "yun-2layer",
            "theorem": "Yun, Sra & Jadbabaie (2019), Corollary 4.2",
            "activation": act.name,
            "widths": [d1],
            "seed": seed,
        },
    )
    return network, {"widths": (d1,), "gates": G, "classes": dy, "max_gate_scale": float(np.abs(rows).max())}


def smallest_resnet_widths(ids: np.ndarray, dy: int, dx: int, act: Activation) -> tuple[int, int]:
    """(d1, dL): one residual layer holding every gate, and the final layer of dy (hard-tanh) or 2 dy units."""
    return units_per_gate(act) * gates_needed(ids, dy, dx), units_per_hard_tanh(act) * dy


def yun_resnet(X, y, *, widths=None, activation="relu", seed=None, n_classes: int | None = None, margin: float = 1.0):
    """Theorem 4.1 of Yun et al.: a residual network h^l = h^{l-1} + V^l sigma(U^l h^{l-1} + b^l) + c^l.

    Sufficient: sum_{l<L} d_l >= 2N/dx + 2dy and d_L >= dy (hard-tanh), or 4N/dx + 4dy and
    d_L >= 2dy (ReLU-like), for data in general position with dx >= dy. Appendix F.1: the
    gates of the residual layers each take dx not yet chosen points of one class k (the
    hyperplane through them, as in :func:`yun_2layer`) and push them by beta e_k, with
    beta random so that general position survives; afterwards coordinate k of the points
    of class k exceeds max_i x_ik by at least 2 (the paper asks 1; we keep a margin of 1
    on both sides), and the last layer sigma_H(2 h_k - 2 max_i x_ik - 2) / 2 + 1/2 reads
    the one-hot label off. Hyperplanes of later layers are fitted to the positions the
    earlier layers (as stored in float64) really produce.

    widths: (d_1, ..., d_{L-1}, d_L): residual-layer widths, then the last layer's.
    Without widths: one residual layer with exactly the gates needed (:func:`gates_needed`).
    """
    check_positive(margin, "margin")
    act = check_activation(activation)
    X, Y = check_dataset(X, y)
    check_distinct(X)
    ids, dy = class_ids(Y, n_classes)
    N, dx = X.shape
    if dx < dy:
        raise InvalidDataError(f"Theorem 4.1 needs dx >= dy (the points of class k are pushed along e_k); dx = {dx}, dy = {dy}")
    per, u = units_per_gate(act), units_per_hard_tanh(act)
    G = gates_needed(ids, dy, dx)
    smallest = smallest_resnet_widths(ids, dy, dx, act)
    if widths is None:
        widths = smallest
    else:
        widths = check_widths(widths, "Theorem 4.1 (d_1,...,d_(L-1),d_L)", at_least=2)
    *inner, dL = widths
    if sum(d // per for d in inner) < G or dL < u * dy:
        raise WidthError(
            f"widths {tuple(widths)} are too small: {G} gates of {per} {act.name} units in the residual layers and "
            f"{u * dy} final units are needed (Theorem 4.1: sum d_l >= {per}N/dx + {per}dy, d_L >= {u}dy suffice); "
            f"the smallest widths that work are {','.join(map(str, smallest))}",
            smallest,
        )
    check_memory(8.0 * (sum(inner) * 2 * dx + dL * (dx + dy) + 4 * N * dx), f"a ResNet {widths} for N = {N}, dx = {dx}")
    rng = np.random.default_rng(seed)
    groups = _class_groups(ids, dy, dx, rng)
    xmax = X.max(axis=0)[:dy]
    H = X.copy()
    layers, start = [], 0
    for d in inner:
        take = groups[start : start + d // per]
        start += len(take)
        U, b, V, c = np.zeros((d, dx)), np.zeros(d), np.zeros((dx, d)), np.zeros(dx)
        if take:
            rows, biases = _pick_gates(H, ids, dy, rng, take, margin)
            W, bb, C, c0 = gate_units(rows, biases, act)
            k = ids[[g[0] for g in take]]
            beta = np.array([xmax[kk] + 2 - H[g, kk].min() for g, kk in zip(take, k)]) + rng.uniform(0, 1, len(take))
            push = np.zeros((dx, len(take)))
            push[k, np.arange(len(take))] = beta  # gate g pushes along e_k(g) by beta_g
            U[: len(W)], b[: len(W)], V[:, : len(W)], c = W, bb, push @ C, push @ c0
        block = Residual([Dense(U, b, act), Dense(V, c, identity())])
        layers.append(block)
        H = block(H)
    # the last layer: sigma_H(2 h_k - 2 xmax_k - 2), read out as (. + 1) / 2
    rows = np.zeros((dy, dx))
    rows[np.arange(dy), np.arange(dy)] = 2.0
    if u == 1:
        layers += [Dense(_pad(rows, dL), _pad(-2 * xmax - 2, dL), act), Dense(_pad(0.5 * np.eye(dy), dL, dL)[:dy], np.full(dy, 0.5))]
    else:
        D, S = act.s_plus - act.s_minus, act.s_plus + act.s_minus
        out = np.zeros((dy, 2 * dy))
        out[np.arange(dy), 2 * np.arange(dy)], out[np.arange(dy), 2 * np.arange(dy) + 1] = 0.5 / D, -0.5 / D
        layers += [
            Dense(_pad(np.repeat(rows, 2, axis=0), dL), _pad(_pm(-2 * xmax - 2), dL), act),
            Dense(_pad(out.T, dL).T, np.full(dy, 0.5 - 0.5 * S / D)),
        ]
    network = Network(
        layers,
        meta={
            "method": "yun-resnet",
            "theorem": "Yun, Sra & Jadbabaie (2019), Theorem 4.1",
            "activation": act.name,
            "widths": list(widths),
            "seed": seed,
        },
    )
    return network, {"widths": tuple(widths), "gates": G, "classes": dy}


# -- Theorem 3.3: the dataset no small network fits -------------------------------------------


def alternating_line(n: int, direction=None, dx: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Theorem 3.3's dataset: x_i = i u, y_i = (-1)^i for i = 1..n (u = e_1 unless given).

    Fitting it needs at least n - 1 affine pieces along the line, so 2-layer networks with
    (p-1) d1 + 2 < n and 3-layer networks with p(p-1) d1 d2 + (p-1) d2 + 2 < n cannot, for
    an activation with p pieces (:func:`memorizers.pieces.piece_bound`, Appendix D).
    """
    u = np.eye(dx)[0] if direction is None else np.asarray(direction, dtype=np.float64)
    i = np.arange(1, n + 1)
    return np.outer(i, u), np.where(i % 2 == 0, 1.0, -1.0)


# -- Proposition 3.4 and Corollary A.1: deep and narrow networks ----------------------------


def deep_layout(widths, dy: int, act: Activation) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The block layers l_1 < ... < l_m (1-based) with the largest total capacity, and each block's r_j.

    Proposition 3.4 (hard-tanh) / Corollary A.1 (ReLU-like): block j uses layers l_j, l_j + 1
    and fits 4 floor((d_{l_j} - r_j) / 2u) floor((d_{l_j + 1} - r_j) / (2u dy)) points (u = 1
    hard-tanh, 2 ReLU-like), where r_j = dy 1{j > 1} + 1{j < m} nodes carry the projected
    input (circle) and the outputs so far (diamonds); l_j + 1 < l_{j+1}; layers before l_1
    need width >= 1, layers between blocks >= dy + 1, layers after l_m + 1 >= dy.
    Returns (total capacity, ((l_1, r_1), ..., (l_m, r_m))) by dynamic programming.
    """
    widths = [int(w) for w in widths]
    L1 = len(widths)  # hidden layers
    u = units_per_hard_tanh(act)

    def cap(l, r):
        a, b = widths[l - 1] - r, widths[l] - r
        return 4 * (a // (2 * u)) * (b // (2 * u * dy)) if a > 0 and b > 0 else 0

    @lru_cache(maxsize=None)
    def best(start: int, prev: bool):
        options = [(0, ())]
        carry = dy + 1 if prev else 1
        for l in range(start, L1):
            if l > start and widths[l - 2] < carry:  # layer l-1 lies between blocks and cannot carry
                break
            r_last = dy * prev
            if all(widths[k - 1] >= dy for k in range(l + 2, L1 + 1)) and cap(l, r_last) > 0:
                options.append((cap(l, r_last), ((l, r_last),)))
            r_more = dy * prev + 1
            if cap(l, r_more) > 0 and l + 2 <= L1 - 1:
                sub = best(l + 2, True)
                if sub[1]:
                    options.append((cap(l, r_more) + sub[0], ((l, r_more), *sub[1])))
        return max(options, key=lambda o: (o[0], -len(o[1])))

    return best(1, False)


def yun_deep(
    X,
    y,
    *,
    widths,
    activation="relu",
    seed=None,
    clip_margin: float = 1.0,
    n_projections: int | None = None,
):
    """Proposition 3.4 (hard-tanh) and Corollary A.1 (ReLU-like) of Yun et al.: deep and/or narrow networks.

    widths: the hidden widths d_1, ..., d_{L-1} (required). The layer pairs are chosen by
    :func:`deep_layout`; the data, sorted along one projection u, is cut into consecutive
    subsets, one per block, of sizes in proportion to the blocks' capacities. Appendix E:
    a "circle" unit carries c' = a u.x + b in (0, 1) up to layer l_m - 1; block j is
    Theorem 3.1's layers 1-2 on c' (on x for l_1 = 1) fitted to (y - 1)/2 for its subset,
    so its layer-2 units sum to (y + 1)/2 there and to 0 beyond its range (we clip the
    out-of-range points with the same margin as the data); "diamond" units accumulate these
    sums and carry them to the output, which returns 2 diamond - 1 = y.
    """
    act = check_activation(activation)
    X, Y = check_dataset(X, y, label_range=(-1.0, 1.0))
    check_distinct(X)
    N, dx = X.shape
    dy = Y.shape[1]
    if widths is None:
        raise WidthError("Proposition 3.4 needs the hidden widths d_1,...,d_(L-1) (at least two)")
    widths = check_widths(widths, "Proposition 3.4 (d_1,...,d_(L-1))", at_least=2)
    total, blocks = deep_layout(widths, dy, act)
    if total < N:
        u = units_per_hard_tanh(act)
        raise WidthError(
            f"widths {widths} hold at most {total} points with {act.name} for dy = {dy}: Proposition 3.4 needs "
            f"layers l_1 < ... < l_m with l_j + 1 < l_(j+1), 4 sum_j floor((d_l_j - r_j)/{2 * u}) "
            f"floor((d_(l_j+1) - r_j)/{2 * u}dy) >= N = {N} (r_j = dy 1{{j>1}} + 1{{j<m}}), width >= dy + 1 between "
            f"blocks and >= dy after the last"
        )
    check_memory(8.0 * (sum(a * b for a, b in zip((dx, *widths), widths)) + 6 * N * dx), f"a network {widths} for N = {N}")
    network, sizes = _deep_fit(X, Y, widths, blocks, act, seed, clip_margin, n_projections)
    network.meta = {
        "method": "yun-deep",
        "theorem": "Yun, Sra & Jadbabaie (2019), Proposition 3.4 / Corollary A.1",
        "activation": act.name,
        "widths": list(widths),
        "seed": seed,
    }
    info = {"blocks": [{"layer": l, "r": r, "points": int(n)} for (l, r), n in zip(blocks, sizes)], "capacity": total}
    return network, info


def _deep_fit(X, Y, widths, blocks, act: Activation, seed, clip_margin: float, n_projections):
    """Fit Y (N, dy) in [-1, 1] with the blocks of a :func:`deep_layout` in hidden layers ``widths``.

    Returns the network (output 2 diamonds - 1 = y) and the number of points per block.
    """
    N, dx = X.shape
    dy = Y.shape[1]
    u_units = units_per_hard_tanh(act)
    p_max = [2 * ((widths[l - 1] - r) // (2 * u_units)) for l, r in blocks]
    q_max = [2 * ((widths[l] - r) // (2 * u_units * dy)) for l, r in blocks]
    caps = np.array([p * q for p, q in zip(p_max, q_max)])
    sizes = np.floor(N * caps / caps.sum()).astype(int)
    for j in np.argsort(-(N * caps / caps.sum() - sizes))[: N - sizes.sum()]:
        sizes[j] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)])

    rng = np.random.default_rng(seed)
    K = int(np.clip(2**20 // N, 8, 256)) if n_projections is None else max(1, int(n_projections))
    U = rng.standard_normal((dx, K))
    U /= np.linalg.norm(U, axis=0)
    C = X @ U
    resolution = 4 * dx * np.finfo(np.float64).eps * np.abs(X).sum(axis=1).max()
    T = (Y - 1) / 2  # each block fits (y - 1)/2: its units then sum to (y + 1)/2 in [0, 1]
    best = None
    for i in range(K):
        order = np.argsort(C[:, i], kind="stable")
        plans = []
        for j, n in enumerate(sizes):
            if n == 0:
                plans.append(None)
                continue
            idx = order[starts[j] : starts[j + 1]]
            p, q = _group_shape(n, p_max[j], q_max[j])
            neighbours = (
                C[order[starts[j] - 1], i] if starts[j] > 0 else None,
                C[order[starts[j + 1]], i] if starts[j + 1] < N else None,
            )
            plan = _plan(C[idx, i], T[idx], p, q, clip_margin, resolution, act.kind == "relu_like", neighbours)
            if plan is None:
                break
            plan.order = idx[plan.order]  # back to indices of X
            plans.append(plan)
        else:  # every block planned: keep the projection with the smallest predicted error
            score = max(pl.score for pl in plans if pl is not None)
            if best is None or score < best[0]:
                best = (score, i, plans)
    if best is None:
        raise InvalidDataError(_too_close_message(X, C))
    _, i, plans = best
    return _deep_network(X, U[:, i], widths, blocks, plans, act, dy, clip_margin), sizes


def _deep_network(X, u_vec, widths, blocks, plans, act: Activation, dy: int, clip_margin: float) -> Network:
    """Place the blocks, the circle and the diamonds into dense layers of the given widths (Figure 2)."""
    L1 = len(widths)
    kappa = act.s_plus if act.kind == "relu_like" else 1.0  # act(t) = kappa t on the carried (positive) values
    first_of = {l: j for j, (l, _) in enumerate(blocks)}
    second_of = {l + 1: j for j, (l, _) in enumerate(blocks)}
    l_m = blocks[-1][0]
    circle_until = l_m - 1  # layers 1..l_m - 1 carry the projection
    diamonds_from = blocks[0][0] + 2

    c = X @ u_vec
    lo, hi = c.min(), c.max()
    pad = max(0.05 * (hi - lo), 1e-3 * max(1.0, abs(lo), abs(hi)))  # also when all points project alike
    a_c = 0.5 / (hi - lo + 2 * pad)
    w_c, b_c = a_c * u_vec, 0.25 - a_c * (lo - pad)  # c' in [0.25, 0.75]
    v_exact = LD(kappa) * (_dot2(X, np.broadcast_to(w_c, X.shape)) + LD(b_c))  # the carried value, exactly

    built: dict[int, _Block] = {}
    layout = []  # per layer: (units of block, circle offset, diamond offset)
    layers = []
    prev = None
    for k in range(1, L1 + 1):
        rows_in = X.shape[1] if k == 1 else widths[k - 2]
        W = np.zeros((widths[k - 1], rows_in))
        b = np.zeros(widths[k - 1])
        off = 0
        if k in first_of:
            j = first_of[k]
            plan = plans[j]
            if plan is not None:
                W1, b1 = _layer1(plan.lo, plan.hi, u_vec)  # on c = u.x
                if k == 1:
                    Xs = X[plan.order]
                    blk = _block(plan, W1, b1, lambda Wr, br: _dot2(Xs, Wr) + br.astype(LD), act, dy, clip_margin, True)
                    W[: len(blk.W1)] = blk.W1
                else:
                    # on the carried v = kappa (a_c c + b_c): z = g c + h = (g / (kappa a_c)) v + h - g b_c / a_c
                    g = W1 @ u_vec
                    rows, biases = (g / (kappa * a_c))[:, None], b1 - g * b_c / a_c
                    vs = v_exact[plan.order]
                    blk = _block(
                        plan, rows, biases, lambda Wr, br: Wr[:, 0].astype(LD) * vs + br.astype(LD), act, dy, clip_margin, True
                    )
                    W[: len(blk.W1), prev["circle"]] = blk.W1[:, 0]
                b[: len(blk.b1)] = blk.b1
                built[j] = blk
                off = len(blk.W1)
        elif k in second_of and plans[second_of[k]] is not None:
            blk = built[second_of[k]]
            W[: len(blk.W2), : blk.W2.shape[1]] = blk.W2
            b[: len(blk.b2)] = blk.b2
            off = len(blk.W2)
        entry = {"block": (first_of.get(k), second_of.get(k)), "units": off, "circle": None, "diamonds": None}
        if k <= circle_until:
            entry["circle"] = off
            if k == 1:
                W[off], b[off] = w_c, b_c
            else:
                W[off, prev["circle"]] = 1.0 / kappa
            off += 1
        if k >= diamonds_from:
            entry["diamonds"] = off
            _feed_diamonds(W, b, off, prev, k, second_of, built, plans, dy, kappa)
            off += dy
        assert off <= widths[k - 1], (k, off, widths[k - 1])
        layers.append(Dense(W, b, act))
        layout.append(entry)
        prev = entry
    # output: 2 (diamonds [+ last block's sum]) - 1
    W = np.zeros((dy, widths[-1]))
    b = np.zeros(dy)
    _feed_diamonds(W, b, 0, prev, L1 + 1, second_of, built, plans, dy, kappa)
    layers.append(Dense(2 * W, 2 * b - 1, identity()))
    return Network(layers)


def _feed_diamonds(W, b, off, prev, k, second_of, built, plans, dy, kappa):
    """Diamond rows at layer k: the previous diamonds, plus block j's layer-2 sum when layer k-1 is its second."""
    if prev["diamonds"] is not None:
        W[off : off + dy, prev["diamonds"] : prev["diamonds"] + dy] += np.eye(dy) / kappa
    j = second_of.get(k - 1)
    if j is not None and plans[j] is not None:
        blk = built[j]
        W[off : off + dy, : blk.R.shape[1]] += blk.R
        b[off : off + dy] += blk.r0 + 1


def yun_deep_classifier(
    X,
    y,
    *,
    widths,
    activation="relu",
    seed=None,
    n_classes: int | None = None,
    clip_margin: float = 1.0,
    n_projections: int | None = None,
):
    """Corollaries A.2 (hard-tanh) and A.3 (ReLU-like) of Yun et al.: deep classifiers.

    widths: hidden widths d_1, ..., d_(L-1) (at least three). Layers before the gate layer
    l_m hold Proposition 3.4's blocks for the scalar class values rho_{y_i}
    (:func:`class_values`; r_j = 1{j > 1} + 1{j < m-1}, width >= 2 between blocks); layer
    l_m holds one gate per class as in Proposition 3.2 (d_{l_m} >= 2 dy hard-tanh, 4 dy
    ReLU-like); the layers after it carry the dy gate outputs (width >= dy). The gate layer
    is the one that leaves the largest capacity to the blocks.
    """
    act = check_activation(activation)
    X, Yraw = check_dataset(X, y)
    check_distinct(X)
    ids, dy = class_ids(Yraw, n_classes)
    N = len(ids)
    widths = check_widths(widths, "Corollary A.2/A.3 (d_1,...,d_(L-1))", at_least=3)
    per = units_per_gate(act)
    total, gate, blocks = 0, None, ()
    for g in range(3, len(widths) + 1):  # the gate layer, 1-based
        if widths[g - 1] < per * dy or any(w < dy for w in widths[g:]):
            continue
        cap, layout = deep_layout(widths[: g - 1], 1, act)
        if layout and cap > total:
            total, gate, blocks = cap, g, layout
    if total < N:
        raise WidthError(
            f"widths {widths} hold at most {total} points in {dy} classes with {act.name}: Corollary A.2/A.3 needs a "
            f"gate layer l_m of width >= {per}dy = {per * dy} with widths >= dy after it, and blocks before it with "
            f"4 sum_j floor((d_l_j - r_j)/{per}) floor((d_(l_j+1) - r_j)/{per}) >= N = {N} (r_j = 1{{j>1}} + 1{{j<m-1}})"
        )
    check_memory(8.0 * (sum(a * b for a, b in zip((X.shape[1], *widths), widths)) + 6 * X.size), f"a network {widths}")
    rho = class_values(dy)
    regression, sizes = _deep_fit(X, rho[ids][:, None], widths[: gate - 1], blocks, act, seed, clip_margin, n_projections)
    *hidden, out = regression.layers  # out(h) = rho_{y_i} on the data
    alpha = 1.0 / (rho[1] - rho[0]) if dy > 1 else 1.0
    Wg, bg, R, r0 = gate_units(alpha * np.tile(out.weight, (dy, 1)), alpha * (out.bias[0] - rho), act)
    layers = [*hidden, Dense(_pad(Wg, widths[gate - 1]), _pad(bg, widths[gate - 1]), act)]
    kappa = act.s_plus if act.kind == "relu_like" else 1.0
    for k in range(gate + 1, len(widths) + 1):  # carry the one-hot values in [0, 1]
        W, b = np.zeros((widths[k - 1], widths[k - 2])), np.zeros(widths[k - 1])
        W[:dy, : R.shape[1]], b[:dy] = R, r0
        layers.append(Dense(W, b, act))
        R, r0 = np.eye(dy) / kappa, np.zeros(dy)
    out_W = np.zeros((dy, widths[-1]))
    out_W[:, : R.shape[1]] = R
    network = Network(
        [*layers, Dense(out_W, r0, identity())],
        meta={
            "method": "yun-deep-classifier",
            "theorem": "Yun, Sra & Jadbabaie (2019), Corollaries A.2 / A.3",
            "activation": act.name,
            "widths": list(widths),
            "seed": seed,
        },
    )
    info = {
        "gate_layer": gate,
        "blocks": [{"layer": l, "r": r, "points": int(n)} for (l, r), n in zip(blocks, sizes)],
        "capacity": total,
        "classes": dy,
    }
    return network, info
