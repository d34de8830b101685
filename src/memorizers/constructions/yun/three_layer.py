"""Theorem 3.1 of Yun, Sra & Jadbabaie (2019), Appendix B: the 3-layer construction.

See :mod:`memorizers.constructions.yun` for the outline of the proof steps B.2-B.5 that the code follows.
"""

from __future__ import annotations

import math

import numpy as np

from ...activations import Activation
from ...data import check_count, check_dataset, check_distinct, check_memory, check_positive, check_widths
from ...errors import InvalidDataError, WidthError
from ...network import Dense, Network
from ..registry import register
from .blocks import _assemble, _group_shape, _plan
from .own_lines import spread_groups
from .units import check_activation, units_per_hard_tanh


def capacity(widths: tuple[int, int], dy: int, act: Activation) -> int:
    """Largest N Theorem 3.1 guarantees for widths (d1, d2): 4 floor(d1/2u) floor(d2/(2u dy)), u = units per
    hard-tanh."""
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


def theorem_widths(X, y, options, info=None) -> list[int]:
    """(d1, d2): the widths option, else the smallest Theorem 3.1 allows for N = len(X) and dy label columns."""
    if options.get("widths") is not None:
        return list(options["widths"])
    dy = 1 if np.ndim(y) == 1 else np.shape(y)[1]
    return list(smallest_widths(len(X), dy, check_activation(options.get("activation", "relu"))))


@register(
    "yun-3layer",
    kind="real",
    statement="Yun, Sra & Jadbabaie (2019), Theorem 3.1",
    summary="3-layer ReLU-like/hard-tanh, labels in [-1, 1]",
    widths=theorem_widths,
    quantity="points (Theorem 3.1's capacity of the widths)",
)
def yun_3layer(
    X,
    y,
    *,
    widths: tuple[int, int] | None = None,
    activation="relu",
    seed=None,
    clip_margin: float = 1.0,
    n_projections: int | None = None,
    spread: bool = True,
) -> tuple[Network, dict]:
    """Theorem 3.1 of Yun et al.: a 3-layer network with f(x_i) = y_i for all i.

    The network is not verified here; :func:`memorizers.build` does that.

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N,) or (N, dy)
        Labels with entries in [-1, 1].
    widths : tuple of (int, int), optional
        (d1, d2); None picks the smallest the theorem allows (``smallest_widths``).
    activation : str or Activation
        "relu", "leaky-relu", "hard-tanh", or any ReLU-like Activation with s_plus > s_minus >= 0.
    seed : int, optional
        The random directions' seed.
    clip_margin : float
        Every clipped layer-2 pre-activation of a data point lies at least this far beyond +-1 (in exact
        arithmetic); the scale alpha of each layer-2 unit is the smallest that achieves it.
    n_projections : int, optional
        Random directions u tried, the one with the smallest predicted rounding error wins (``_plan``); default
        clip(2**20 / N, 8, 256): about 2**20 slot updates, a fraction of a second, and less than one forward pass
        at N >= 10^5.
    spread : bool
        Give each layer-1 unit its own direction near the winner, widening its group's smallest gaps
        (``spread_groups``, our addition); False keeps the paper's single direction.

    Returns
    -------
    network : Network
        Widths dx-d1-d2-dy.
    info : dict
        The choices made: p, q, u, the directions' scores, margins, ``bound`` and ``used``.
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
    U = rng.standard_normal((dx, check_count(n_projections, "n_projections")))
    U /= np.linalg.norm(U, axis=0)
    C = X @ U
    # two projections closer than twice the rounding bound of u.x (Higham's gamma_dx) cannot be ordered reliably
    resolution = 4 * dx * np.finfo(np.float64).eps * np.abs(X).sum(axis=1).max()
    relu_like = act.kind == "relu_like"
    # with own directions, points closer than that on u are separated by their group's own direction (the
    # smallest of N^2 / 2 random gaps on u reaches it at N ~ 10^6), so only the lines used are checked
    first_resolution = -np.inf if spread else resolution
    scores = []
    with np.errstate(divide="ignore", invalid="ignore"):  # exact ties on u score inf
        for i in range(U.shape[1]):
            plan = _plan(C[:, i], Y, p, q, clip_margin, first_resolution, relu_like)
            if plan is not None:
                scores.append((np.nan_to_num(plan.score, nan=np.inf), i))
    best, best_i = None, -1
    for _, i in sorted(scores):  # the best score whose lines resolve every point (plans are made again, not
        best_i = i  # kept: each holds p x q arrays)
        if spread:
            own = spread_groups(X, np.argsort(C[:, i], kind="stable"), U[:, i], p, q, rng)
            best = _plan(X @ U[:, i], Y, p, q, clip_margin, resolution, relu_like, own=own)
        else:
            best = _plan(C[:, i], Y, p, q, clip_margin, resolution, relu_like)
        if best is not None:
            break
    if best is None:
        raise InvalidDataError(_too_close_message(X, C))
    u_best = U[:, best_i]

    network, min_clip = _assemble(X, best, u_best, act, (d1, d2), dy, clip_margin)
    network.layers[0] = Dense(network.layers[0].weight * scale, network.layers[0].bias, network.layers[0].activation)
    info = {
        "bound": capacity((d1, d2), dy, act),
        "used": N,
        "widths": (d1, d2),
        "groups_p": p,
        "group_size_q": q,
        "virtual_points": p * q - N,
        "projection": u_best,
        "projection_index": best_i,
        "score": best.score,  # what chose the projection (before refine_ranks)
        "min_projection_gap": best.min_gap,
        "min_group_gap_over_mean": best.group_gap,
        "min_clip_margin": min_clip,
        "max_abs_w2": float(np.abs(network.layers[1].weight).max()),
    }
    if act.kind == "relu_like":  # a ReLU pair's two cancelling products add their roundings; hard-tanh has one
        info["hint"] = "the hard-tanh activation (--option activation=hard-tanh): no ReLU pairs cancelling in layer 2"
    return network, info


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
