"""Yun, Sra & Jadbabaie (2019), Proposition 3.4 and Corollaries A.1-A.3: deep and narrow networks, stacked
blocks of Theorem 3.1."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...activations import Activation, identity
from ...data import check_count, check_dataset, check_distinct, check_memory, check_widths
from ...errors import InvalidDataError, WidthError
from ...network import Dense, Network
from ...numerics import LD, dot2
from ..registry import given_widths, register
from .blocks import _Block, _block, _group_shape, _layer1, _pad, _plan
from .classifier import class_ids, class_values, gate_units, units_per_gate
from .three_layer import _too_close_message
from .units import check_activation, units_per_hard_tanh

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


@register(
    "yun-deep",
    kind="real",
    statement="Yun, Sra & Jadbabaie (2019), Proposition 3.4 / Corollary A.1",
    summary="deep and narrow networks, --widths required",
    widths=given_widths,
    quantity="points (Proposition 3.4's capacity of the widths)",
)
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

    The layer pairs are chosen by ``deep_layout``; the data, sorted along one projection u, is cut into
    consecutive subsets, one per block, of sizes in proportion to the blocks' capacities. Appendix E:
    a "circle" unit carries c' = a u.x + b in (0, 1) up to layer l_m - 1; block j is
    Theorem 3.1's layers 1-2 on c' (on x for l_1 = 1) fitted to (y - 1)/2 for its subset,
    so its layer-2 units sum to (y + 1)/2 there and to 0 beyond its range (we clip the
    out-of-range points with the same margin as the data); "diamond" units accumulate these
    sums and carry them to the output, which returns 2 diamond - 1 = y.

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N,) or (N, dy)
        Labels with entries in [-1, 1].
    widths : sequence of int
        The hidden widths d_1, ..., d_{L-1} (required).
    activation : str or Activation
        As in :func:`memorizers.constructions.yun.three_layer.yun_3layer`.
    seed : int, optional
        The projection's seed.
    clip_margin : float
        As in :func:`memorizers.constructions.yun.three_layer.yun_3layer`.
    n_projections : int, optional
        As in :func:`memorizers.constructions.yun.three_layer.yun_3layer`.

    Returns
    -------
    network : Network
        The given hidden widths.
    info : dict
        The layout of blocks, circles and diamonds, and each block's subset.
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
    check_memory(
        8.0 * (sum(a * b for a, b in zip((dx, *widths), widths)) + 6 * N * dx), f"a network {widths} for N = {N}"
    )
    network, sizes = _deep_fit(X, Y, widths, blocks, act, seed, clip_margin, n_projections)
    info = {
        "blocks": [{"layer": l, "r": r, "points": int(n)} for (l, r), n in zip(blocks, sizes)],
        "bound": total,
        "used": N,
    }
    return network, info


def _deep_fit(X, Y, widths, blocks, act: Activation, seed, clip_margin: float, n_projections):
    """Fit Y (N, dy) in [-1, 1] with the blocks of a ``deep_layout`` in hidden layers ``widths``.

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
    K = int(np.clip(2**20 // N, 8, 256)) if n_projections is None else check_count(n_projections, "n_projections")
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
    v_exact = LD(kappa) * (dot2(X, np.broadcast_to(w_c, X.shape)) + LD(b_c))  # the carried value, exactly

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
                    blk = _block(plan, W1, b1, lambda Wr: dot2(Xs, Wr), act, dy, clip_margin, True)
                    W[: len(blk.W1)] = blk.W1
                else:
                    # on the carried v = kappa (a_c c + b_c): z = g c + h = (g / (kappa a_c)) v + h - g b_c / a_c
                    g = W1 @ u_vec
                    rows, biases = (g / (kappa * a_c))[:, None], b1 - g * b_c / a_c
                    vs = v_exact[plan.order]
                    blk = _block(
                        plan,
                        rows,
                        biases,
                        lambda Wr: Wr[:, 0].astype(LD) * vs,
                        act,
                        dy,
                        clip_margin,
                        True,
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


@register(
    "yun-deep-classifier",
    kind="onehot",
    statement="Yun, Sra & Jadbabaie (2019), Corollaries A.2 / A.3",
    summary="deep classifiers, --widths required",
    widths=given_widths,
    quantity="points (Proposition 3.4's capacity of the widths)",
)
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
            f"4 sum_j floor((d_l_j - r_j)/{per}) floor((d_(l_j+1) - r_j)/{per}) >= N = {N} (r_j = 1{{j>1}} + "
            "1{j<m-1})"
        )
    check_memory(8.0 * (sum(a * b for a, b in zip((X.shape[1], *widths), widths)) + 6 * X.size), f"a network {widths}")
    rho = class_values(dy)
    regression, sizes = _deep_fit(
        X, rho[ids][:, None], widths[: gate - 1], blocks, act, seed, clip_margin, n_projections
    )
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
    )
    info = {
        "gate_layer": gate,
        "blocks": [{"layer": l, "r": r, "points": int(n)} for (l, r), n in zip(blocks, sizes)],
        "bound": total,
        "used": N,
        "classes": dy,
    }
    return network, info
