"""Yun, Sra & Jadbabaie (2019), Section 4: Theorem 4.1 (ResNet) and Corollary 4.2 (one hidden layer), data in
general position."""

from __future__ import annotations

import numpy as np

from ...activations import Activation, identity
from ...data import (
    check_dataset,
    check_distinct,
    check_memory,
    check_positive,
    check_widths,
    general_position_error,
)
from ...errors import InvalidDataError, WidthError
from ...network import Dense, Network, Residual
from ...numerics import column_scale
from ..geometry import gate_groups, hyperplane_through, on_hyperplane_tolerance
from ..registry import register
from .blocks import _pad
from .classifier import class_ids, gate_units, units_per_gate
from .units import check_activation, hard_tanh_units, units_per_hard_tanh


def _pick_gates(
    H: np.ndarray, ids: np.ndarray, dy: int, rng, members: list[np.ndarray], margin: float = 1.0, planes=None
):
    """One gate per group of points of one class: the hyperplane through them, scaled to block the rest.

    members: the groups (index arrays); planes: their hyperplanes (u, c) in the coordinates H * column_scale(H)
    where :func:`~memorizers.constructions.geometry.gate_groups` fitted them on this H, else None (fitted
    here). Returns rows alpha u and biases alpha c. Raises InvalidDataError naming the points if a point that
    is not in a group lies on (or within rounding of) its hyperplane: the general position assumption fails.
    """
    rows, biases = [], []
    scale = column_scale(H)  # hyperplanes fitted in units-free coordinates, folded back exactly
    H = H * scale
    for g, S in enumerate(members):
        u, c = hyperplane_through(H[S], rng, H) if planes is None else planes[g]
        dist = np.abs(H @ u + c)
        dist[S] = np.inf
        j = int(np.argmin(dist))
        if not dist[j] > on_hyperplane_tolerance(H[S], u, c):
            raise general_position_error(j, S, dist[j], "Assumption 4.1 needs no dx + 1 points on one hyperplane")
        alpha = (1.0 + margin) / dist[j]  # every other point lands at |t| >= 1 + margin: gate output 0
        rows.append(alpha * u * scale)
        biases.append(alpha * c)
    return np.array(rows), np.array(biases)


def gates_needed(ids: np.ndarray, dy: int, dx: int) -> int:
    """sum_k ceil(N_k / dx): gates the Section 4 constructions use (<= N/dx + dy)."""
    counts = np.bincount(ids, minlength=dy)
    return int(np.sum(-(-counts // dx)))


def two_layer_widths(X, y, options, info=None) -> list[int]:
    """Corollary 4.2's width: one gate of units_per_gate units per group of <= dx points of a class."""
    if options.get("widths") is not None:
        return [int(np.ravel(options["widths"])[0])]
    ids, dy = class_ids(y, options.get("n_classes"))
    act = check_activation(options.get("activation", "relu"))
    return [units_per_gate(act) * gates_needed(ids, dy, np.shape(X)[1])]


def resnet_widths(X, y, options, info=None) -> list[int]:
    """Theorem 4.1's widths: the widths option, else one residual layer of every gate, then the last layer."""
    if options.get("widths") is not None:
        return list(options["widths"])
    ids, dy = class_ids(y, options.get("n_classes"))
    act = check_activation(options.get("activation", "relu"))
    return list(smallest_resnet_widths(ids, dy, np.shape(X)[1], act))


@register(
    "yun-2layer",
    kind="onehot",
    statement="Yun, Sra & Jadbabaie (2019), Corollary 4.2",
    summary="1 hidden layer, classification, data in general position",
    widths=two_layer_widths,
)
def yun_2layer(X, y, *, widths=None, activation="relu", seed=None, n_classes: int | None = None, margin: float = 1.0):
    """Corollary 4.2 of Yun et al.: one hidden layer memorizes a classification dataset in general position.

    Sufficient: d1 >= 2N/dx + 2dy (hard-tanh) or 4N/dx + 4dy (ReLU-like). Appendix F.2: for
    each class k, groups of dx points get a gate sigma_G(alpha (u.x + c)) on the hyperplane
    through them (Assumption 4.1: no other point is on it), which outputs 1 on the group
    and 0 on every other point once alpha (u.x_i + c) clears 1 + ``margin`` for all others;
    its outgoing weights are e_k. The construction needs sum_k ceil(N_k/dx) gates, which
    is at most the statement's bound; without widths it uses exactly that many units.

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N, dy) or (N,)
        One-hot rows or integer class ids.
    widths : int or tuple of int, optional
        d1 (padded with zero units); None: exactly the gates needed.
    activation : str or Activation
        "relu", "leaky-relu" or "hard-tanh".
    seed : int, optional
        The gates' random choices.
    n_classes : int, optional
        dy for class ids of which some may not occur.
    margin : float
        How far beyond 1 every other point's gate pre-activation lies.

    Returns
    -------
    network : Network
        One hidden layer of gates.
    info : dict
        The groups, gates and margins.

    Raises
    ------
    InvalidDataError
        Naming the points, when the data is not in general position.
    """
    check_positive(margin, "margin")
    act = check_activation(activation)
    X, Y = check_dataset(X, y)
    check_distinct(X)
    ids, dy = class_ids(Y, n_classes)
    N, dx = X.shape
    per = units_per_gate(act)
    d1 = None if widths is None else check_widths(widths, "Corollary 4.2", count=1)[0]
    check_memory(8.0 * ((d1 or per * gates_needed(ids, dy, dx)) * (dx + dy + 2) + 3 * N * dx), f"a network for N = {N}")
    rng = np.random.default_rng(seed)
    groups, planes = gate_groups(X, ids, range(dy), rng)
    G = len(groups)
    d1 = per * G if d1 is None else d1
    if d1 // per < G:
        raise WidthError(
            f"width {d1} is too small: {G} gates of {per} {act.name} units are needed for these {N} points "
            f"(Corollary 4.2: d1 >= {per}N/dx + {per}dy suffices in general position); the smallest width that "
            f"works is {per * G}",
            (per * G,),
        )
    rows, biases = _pick_gates(X, ids, dy, rng, groups, margin, planes)
    W1, b1, C, c0 = gate_units(rows, biases, act)
    E = np.zeros((dy, G))  # gate g feeds output class(g)
    E[ids[[g[0] for g in groups]], np.arange(G)] = 1.0
    network = Network(
        [Dense(_pad(W1, d1), _pad(b1, d1), act), Dense(_pad((E @ C).T, d1).T, E @ c0, identity())],
    )
    return network, {"widths": (d1,), "gates": G, "classes": dy, "max_gate_scale": float(np.abs(rows).max())}


def smallest_resnet_widths(ids: np.ndarray, dy: int, dx: int, act: Activation) -> tuple[int, int]:
    """(d1, dL): one residual layer holding every gate, and the final layer of dy (hard-tanh) or 2 dy units."""
    return units_per_gate(act) * gates_needed(ids, dy, dx), units_per_hard_tanh(act) * dy


@register(
    "yun-resnet",
    kind="onehot",
    statement="Yun, Sra & Jadbabaie (2019), Theorem 4.1",
    summary="residual network, classification, data in general position, dx >= dy",
    widths=resnet_widths,
    parameters=None,  # residual blocks: counted after building
)
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

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points, dx >= dy.
    y : array_like, shape (N, dy) or (N,)
        One-hot rows or integer class ids.
    widths : tuple of int, optional
        (d_1, ..., d_{L-1}, d_L): residual-layer widths, then the last layer's. None: one residual layer with
        exactly the gates needed (``gates_needed``).
    activation : str or Activation
        "relu", "leaky-relu" or "hard-tanh".
    seed : int, optional
        The gates' random choices and the pushes beta.
    n_classes : int, optional
        dy for class ids of which some may not occur.
    margin : float
        As in :func:`yun_2layer`.

    Returns
    -------
    network : Network
        Residual blocks, then the read-out layer.
    info : dict
        The gates per layer and the margins.
    """
    check_positive(margin, "margin")
    act = check_activation(activation)
    X, Y = check_dataset(X, y)
    check_distinct(X)
    ids, dy = class_ids(Y, n_classes)
    N, dx = X.shape
    if dx < dy:
        raise InvalidDataError(
            f"Theorem 4.1 needs dx >= dy (the points of class k are pushed along e_k); dx = {dx}, dy = {dy}"
        )
    per, u = units_per_gate(act), units_per_hard_tanh(act)
    if widths is not None:
        widths = check_widths(widths, "Theorem 4.1 (d_1,...,d_(L-1),d_L)", at_least=2)
    planned = widths or smallest_resnet_widths(ids, dy, dx, act)
    check_memory(8.0 * (sum(planned[:-1]) * 2 * dx + planned[-1] * (dx + dy) + 4 * N * dx), f"a ResNet for N = {N}")
    rng = np.random.default_rng(seed)
    groups, planes = gate_groups(X, ids, range(dy), rng)
    G = len(groups)
    smallest = (per * G, u * dy)
    widths = widths or smallest
    *inner, dL = widths
    if sum(d // per for d in inner) < G or dL < u * dy:
        raise WidthError(
            f"widths {tuple(widths)} are too small: {G} gates of {per} {act.name} units in the residual layers and "
            f"{u * dy} final units are needed (Theorem 4.1: sum d_l >= {per}N/dx + {per}dy, d_L >= {u}dy suffice "
            f"in general position); the smallest widths that work are {','.join(map(str, smallest))}",
            smallest,
        )
    xmax = X.max(axis=0)[:dy]
    H = X.copy()
    layers, start = [], 0
    for d in inner:
        take = groups[start : start + d // per]
        start += len(take)
        U, b, V, c = np.zeros((d, dx)), np.zeros(d), np.zeros((dx, d)), np.zeros(dx)
        if take:
            # the first layer's hyperplanes were fitted on H = X; later layers refit on the points as pushed
            fitted = planes[: len(take)] if start == len(take) else None
            rows, biases = _pick_gates(H, ids, dy, rng, take, margin, fitted)
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
    W, b, C, c = hard_tanh_units(rows, -2 * xmax - 2, act)
    layers += [Dense(_pad(W, dL), _pad(b, dL), act), Dense(_pad(0.5 * C.T, dL).T, 0.5 + 0.5 * c)]
    network = Network(
        layers,
    )
    return network, {"widths": tuple(widths), "gates": G, "classes": dy}
