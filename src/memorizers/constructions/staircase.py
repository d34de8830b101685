"""Float-native memorization: the slab-multiplexed staircase, certified in float32 in any order of summation.

Park, Hwang, Lee & Park (Neural Networks 175, 2024) prove that ReLU networks memorize finite data under IEEE
float32 with the classical parameter counts; their construction could not be read, and a later paper warns that
such results assumed left-to-right summation. This construction is ours (the float-native specification,
``shared/specs/float_native_memorization.md``, Section 4: "slab-multiplexed staircase"), and assumes neither.

Only layer 1 rounds. Two sparse projections t1, t2 of the input (integer weights on a few high-variance
columns) carry the data; every later value is an exact 0/1 or small integer, a table entry selected by a
one-hot vector, or the sign of a two-term difference, and every point lies farther from each threshold than
layer 1's rounding band in the format, for any order. So every evaluation takes the same decisions and adds the
same integers, and the output is exactly the label (:mod:`memorizers.certify.exactness` proves it per point).

1. **Features**: t_l = relu(w_l . x + c_l) >= 1 on the data; their intervals (exact value and every
   evaluation's) come from the certificate's own rule for a sum (Higham's bound).
2. **Cells**: cuts phi_1 < ... on t1 at *clean* gaps (a float32 threshold strictly between the intervals of
   two neighbours) near every sqrt(N)-th point; comparators p_r = relu(t1 - phi_r), binarizers
   s_r = relu(1 - alpha_r p_r) = [t1 <= phi_r] with alpha_r a power of two that saturates every data point,
   and the cell's one-hot h_r from differences of the s_r.
3. **Steps**: inside a cell, sorted by t2, a step sits at each clean gap where the label changes by delta.
   Channel delta has as many slots as the most delta-steps of any cell; slot m's threshold is selected from a
   table by the cell's one-hot, q_m = relu(t2 - sum_c Theta[c, m] h_c), and binarized as in 2. The output is
   y = beta + sum_m delta_m (1 - b_m) - shift with beta = sum_c (base_c + shift) h_c: every term an exact
   integer, so y is the class id exactly. A cell whose points cannot be told apart by t2 (a chain of unclean
   gaps with two labels) is split at its clean t1 gap nearest the middle until none is left.

``staircase`` outputs the class id (kind ``index``), ``staircase-classifier`` one output per class through two
more exact layers, o_c = relu(1 - relu(y - c) - relu(c - y)), and ``staircase-real`` real labels through the
specification's runs variant (``_runs``): each output is its label's float32 value. With
``precision="bfloat16"`` the class variants are built by :mod:`memorizers.constructions.staircase_levels`
(levels of cuts on exact coordinates), certified in bfloat16 in any order.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import identity, relu
from ..certify import exactness
from ..certify.formats import FORMATS
from ..data import check_dataset, check_distinct
from ..errors import InvalidDataError
from ..network import Dense, Network
from .registry import METHODS, register
from .staircase_levels import assemble, layer, least_from, pow2_above
from .yun.classifier import class_ids

SLACK = 2.0**-20  # alphas saturate the data with this much to spare beyond the pass's own slack
# nonzero weights per feature, tried in turn: more columns tell more points apart (images), fewer give narrower
# bands (F1: the band grows with the terms), which dense data in few dimensions needs
FEATURE_COLUMNS = (32, 8, 1)


def _features(X: np.ndarray, rng, fmt, columns: int) -> Dense:
    """Layer 1: two sparse projections with integer weights in [1024, 2047] (times a power of two that brings
    the data to about 1) on ``columns`` of the highest-variance columns each, shifted to be at least 2 on the
    data."""
    dx = X.shape[1]
    order = np.argsort(-X.var(axis=0), kind="stable")
    top = order[: 2 * columns]
    cols = [top[0::2], top[1::2]] if len(top) > 1 else [top, top]
    W = np.zeros((2, dx))
    for row, c in enumerate(cols):
        scale = np.abs(X[:, c]).max(initial=0.0)
        k = -math.frexp(scale)[1] if scale > 0 else 0
        W[row, c] = np.ldexp(rng.integers(1024, 2048, size=len(c)).astype(np.float64), k)
    z = X @ W.T
    bias = np.ceil(2 + np.abs(z).max(axis=0) * 2.0**-20 - z.min(axis=0, initial=0.0))
    if not (exactness.representable(W, fmt).all() and exactness.representable(bias, fmt).all()):
        raise InvalidDataError(f"the data's scale is beyond {fmt.name}'s range")
    return Dense(W, bias, relu())


def _bands(features: Dense, X: np.ndarray, fmt):
    """Per point and feature, an interval holding the exact value and every evaluation's in fmt."""
    _, lo, hi = exactness.outputs(exactness.prepare(Network([features]), fmt), X, fmt)
    return lo, hi


def _gaps(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For points in order (their intervals lo, hi), per gap between positions k and k + 1 a float32 threshold
    strictly above every interval before it and below every one after it; NaN where none is: the gap is not
    clean."""
    below = np.maximum.accumulate(hi)[:-1]
    above = least_from(lo)[1:]
    theta = (below / 2 + above / 2).astype(np.float32).astype(np.float64)
    return np.where((below < theta) & (theta < above), theta, np.nan)


def _alpha(margin: np.ndarray, theta: np.ndarray, fmt) -> np.ndarray:
    """Binarizer slopes: powers of two with alpha (margin) >= 1 for the data and alpha >= 2^(p - e), 2^e <= theta,
    so that any input of the format lands on 0 or 1 (F3)."""
    data = pow2_above(1 / (margin * (1 - SLACK)))
    floor = np.ldexp(1.0, fmt.bits - np.frexp(np.abs(theta))[1] + 1)
    return np.maximum(data, np.where(theta > 0, floor, 1.0))


def _sorted(points, lo, hi, feature: int):
    """The points in the order of their intervals' midpoints on a feature."""
    return points[np.argsort(lo[points, feature] / 2 + hi[points, feature] / 2, kind="stable")]


def _cells(lo, hi, ids, size: int) -> list[np.ndarray]:
    """The points, sorted by t1, cut at clean gaps near every ``size``-th point, and cells split at their clean
    t1 gap nearest the middle while a chain of unclean t2 gaps mixes labels (module doc, 3): the cells' point
    indices, in t1 order."""
    order = _sorted(np.arange(len(lo)), lo, hi, 0)
    clean = np.flatnonzero(~np.isnan(_gaps(lo[order, 0], hi[order, 0])))
    cuts = set()
    if len(clean):
        targets = np.arange(size, len(order), size) - 1
        pos = np.clip(np.searchsorted(clean, targets), 0, len(clean) - 1)
        left = np.maximum(pos - 1, 0)
        cuts = set(np.where(np.abs(clean[left] - targets) < np.abs(clean[pos] - targets), clean[left], clean[pos]))
    edges = [0, *sorted(int(c) + 1 for c in cuts), len(order)]
    todo, cells = list(zip(edges, edges[1:])), []
    while todo:
        a, b = todo.pop()
        bad = _impure_chain(order[a:b], lo, hi, ids)
        if bad is None:
            cells.append((a, b))
            continue
        inner = clean[(clean >= a) & (clean < b - 1)]
        if not len(inner):
            i, j = bad
            raise InvalidDataError(
                f"points {i} and {j} (labels {ids[i]} and {ids[j]}) lie within float32's rounding of each "
                "other on both features: the staircase cannot tell them apart"
            )
        split = int(inner[np.argmin(np.abs(inner - (a + b) / 2))]) + 1
        todo += [(a, split), (split, b)]
    return [order[a:b] for a, b in sorted(cells)]


def _impure_chain(members, lo, hi, ids):
    """Two points of one chain of unclean t2 gaps with different labels, or None."""
    order = _sorted(members, lo, hi, 1)
    chain = np.concatenate([[0], np.cumsum(~np.isnan(_gaps(lo[order, 1], hi[order, 1])))])
    first = np.flatnonzero(np.diff(chain, prepend=-1))  # each chain's first position
    mixed = np.flatnonzero(ids[order] != ids[order[first]][chain])
    return None if not len(mixed) else (int(order[first[chain[mixed[0]]]]), int(order[mixed[0]]))


def _steps(cell, lo, hi, ids):
    """(threshold, delta, the smallest lo of t2 above it) of each label change of the cell along t2, and the
    label of its lowest point."""
    order = _sorted(cell, lo, hi, 1)
    theta = _gaps(lo[order, 1], hi[order, 1])
    labels = ids[order]
    at = np.flatnonzero(labels[1:] != labels[:-1])  # clean gaps: the cell's chains are pure
    above = least_from(lo[order, 1])
    return [(theta[k], int(labels[k + 1] - labels[k]), above[k + 1]) for k in at], int(labels[0])


def _front(X, ids, seed, fmt):
    """Layers 1-4, shared by both variants: the features, the cells (module doc, 1-3) and the cell's one-hot
    vector h (R units) with t2 carried as unit R. Returns the layers, the cells, the features' intervals and
    the binarizers' slopes."""
    if np.abs(X).max(initial=0.0) > fmt.max:
        raise InvalidDataError(f"X has values beyond float32's range ({fmt.max:.3g}): a float32 network cannot read")
    rng = np.random.default_rng(seed)
    for columns in FEATURE_COLUMNS:
        features = _features(X, rng, fmt, columns)
        lo, hi = _bands(features, X, fmt)
        if not (lo > 0).all():
            raise InvalidDataError("the features' rounding bands reach 0: the data's scale is too uneven")
        try:
            cells = _cells(lo, hi, ids, max(1, math.isqrt(len(X))))
            break
        except InvalidDataError:
            if columns == FEATURE_COLUMNS[-1]:
                raise
    R = len(cells)
    order = np.concatenate(cells)
    ends = np.cumsum([len(c) for c in cells])[:-1] - 1  # the gap after each cell but the last
    phi = _gaps(lo[order, 0], hi[order, 0])[ends]
    margin1 = least_from(lo[order, 0])[ends + 1] - phi
    alpha1 = _alpha(margin1, phi, fmt)
    # comparators, binarizers and the one-hot on t1; t2 copied alongside (the last unit)
    W2 = np.zeros((R, 2))
    W2[: R - 1, 0], W2[R - 1, 1] = 1.0, 1.0
    b2 = np.concatenate([-phi, [0.0]])
    W3 = np.zeros((R, R))
    W3[np.arange(R - 1), np.arange(R - 1)] = -alpha1
    W3[R - 1, R - 1] = 1.0
    b3 = np.concatenate([np.ones(R - 1), [0.0]])
    W4 = np.zeros((R + 1, R))
    b4 = np.zeros(R + 1)
    if R == 1:
        b4[0] = 1.0
    else:
        W4[0, 0] = 1.0
        for r in range(1, R - 1):
            W4[r, r], W4[r, r - 1] = 1.0, -1.0
        W4[R - 1, R - 2], b4[R - 1] = -1.0, 1.0
    W4[R, R - 1] = 1.0
    layers = [features, layer(W2, b2), layer(W3, b3), layer(W4, b4)]
    return layers, cells, lo, hi, alpha1


def _record(X, layers, cells: int, lo, hi, alphas, n_classes, slots, fmt=FORMATS["float32"], **more):
    network = Network(layers)
    stats = network.stats()
    nonzero = stats["nonzero_parameters"]
    info = {
        "precision": fmt.name,
        "feature_columns": int(np.count_nonzero(layers[0].weight[0])),
        "cells": cells,
        "slots": slots,
        **more,
        "depth": len(layers),
        "nonzero_parameters": nonzero,
        "dense_parameters": stats["parameters"],
        "largest_band": float((hi - lo).max()),
        "alpha_range": (
            float(min(a.min(initial=np.inf) for a in alphas)),
            float(max(a.max(initial=0) for a in alphas)),
        ),
    }
    bits = {"float32": 32, "bfloat16": 16}[fmt.name]  # per parameter
    info["counting_bound"] = math.ceil(len(X) * math.log2(max(n_classes, 2)) / bits)
    info["bound"], info["used"] = info["counting_bound"], nonzero
    return network, info


def _staircase(X, ids, n_classes: int, onehot: bool, seed=None):
    """The network and its record (module doc); ``ids`` class ids 0..n_classes-1 of distinct points X."""
    fmt = FORMATS["float32"]
    X = np.asarray(X, dtype=np.float64)
    layers, cells, lo, hi, alpha1 = _front(X, ids, seed, fmt)
    R = len(cells)
    steps, first = zip(*(_steps(c, lo, hi, ids) for c in cells))
    channels = sorted({d for s in steps for _, d, _ in s})
    count = {d: max(sum(1 for _, e, _ in s if e == d) for s in steps) for d in channels}
    delta = [d for d in channels for _ in range(count[d])]
    start = {d: sum(count[e] for e in channels[: channels.index(d)]) for d in channels}
    M = len(delta)
    Theta = np.zeros((R, M))
    margin2 = np.full(M, np.inf)
    for k, (s, cell) in enumerate(zip(steps, cells)):
        used = dict.fromkeys(channels, 0)
        for theta, d, lo_above in s:
            m = start[d] + used[d]
            used[d] += 1
            Theta[k, m] = theta
            margin2[m] = min(margin2[m], lo_above - theta)
        unused = [m for m in range(M) if Theta[k, m] == 0]
        if unused:  # an unused slot reads t2 itself, which must saturate its binarizer
            margin2[unused] = np.minimum(margin2[unused], lo[cell, 1].min())
    theta_min = np.array([Theta[Theta[:, m] > 0, m].min(initial=np.inf) for m in range(M)])
    alpha2 = _alpha(margin2, np.where(np.isfinite(theta_min), theta_min, 0.0), fmt)
    delta = np.array(delta, dtype=np.float64)
    base = np.array([f - delta[Theta[k] == 0].sum() for k, f in enumerate(first)])
    shift = max(0.0, -base.min())
    # layer 5: slot thresholds selected by the one-hot, and beta; layer 6: binarizers, beta copied
    W5 = np.zeros((M + 1, R + 1))
    W5[:M, :R], W5[:M, R] = -Theta.T, 1.0
    W5[M, :R] = base + shift
    W6 = np.zeros((M + 1, M + 1))
    W6[np.arange(M), np.arange(M)] = -alpha2
    W6[M, M] = 1.0
    b6 = np.concatenate([np.ones(M), [0.0]])
    out_w = np.concatenate([-delta, [1.0]])[None, :]
    out_b = np.array([delta.sum() - shift])
    layers += [layer(W5, np.zeros(M + 1)), layer(W6, b6)]
    if onehot:  # y as a hidden unit, then o_c = relu(1 - relu(y - c) - relu(c - y))
        c = np.arange(n_classes, dtype=np.float64)
        layers += [
            layer(out_w, out_b),
            layer(np.concatenate([np.ones(n_classes), -np.ones(n_classes)])[:, None], np.concatenate([-c, c])),
        ]
        layers.append(layer(np.hstack([-np.eye(n_classes), -np.eye(n_classes)]), np.ones(n_classes)))
    else:
        layers.append(layer(out_w, out_b, identity()))
    channels = {int(d): count[d] for d in channels}
    return _record(X, layers, R, lo, hi, (alpha1, alpha2), n_classes, M, channels=channels)


def _runs(X, y, seed=None):
    """Real labels (the specification's "runs" variant): in each cell, sorted by t2, the label is constant on
    runs between clean gaps; slot m's threshold is the cell's m-th run boundary (unused: above every t2), the
    binarizers b_m = [t2 <= Theta_m] give run indicators rho_j, and the output is the one selected value table
    entry V[cell, run], gated exactly: e = relu(v - BIG rho), g = relu(v - e) = v rho, positive and negative parts
    apart. Every output is the float32 value of its label, exactly."""
    fmt = FORMATS["float32"]
    X = np.asarray(X, dtype=np.float64)
    stored = np.asarray(y, dtype=np.float64).reshape(len(X)).astype(np.float32).astype(np.float64)
    values, ids = np.unique(stored, return_inverse=True)
    layers, cells, lo, hi, alpha1 = _front(X, ids, seed, fmt)
    R = len(cells)
    runs = []  # per cell: its run boundaries, the smallest lo of t2 above each, and its runs' labels
    for cell in cells:
        steps, _ = _steps(cell, lo, hi, ids)
        labels = ids[_sorted(cell, lo, hi, 1)]
        starts = np.concatenate([[0], np.flatnonzero(labels[1:] != labels[:-1]) + 1])
        runs.append(([t for t, _, _ in steps], [m for _, _, m in steps], values[labels[starts]]))
    M = max(len(t) for t, _, _ in runs)
    unused = float(pow2_above(np.array([2 * hi[:, 1].max()]))[0])  # above every t2: its binarizer stays at 1
    Theta = np.full((R, M), unused)
    margin2 = np.full(M, np.inf)
    V = np.zeros((R, M + 1))
    for k, (thetas, above, labels) in enumerate(runs):
        Theta[k, : len(thetas)] = thetas
        margin2[: len(thetas)] = np.minimum(margin2[: len(thetas)], np.array(above) - np.array(thetas))
        V[k, : len(labels)] = labels
    theta_min = Theta.min(axis=0, initial=unused)
    alpha2 = _alpha(np.where(np.isfinite(margin2), margin2, 1.0), theta_min, fmt)
    big = float(pow2_above(np.array([max(1.0, 2 * np.abs(values).max(initial=0.0))]))[0])
    P, N = np.maximum(V, 0.0), np.maximum(-V, 0.0)
    J = M + 1  # run indicators
    # layer 5: thresholds and the values (positive and negative parts) selected by the one-hot
    W5 = np.zeros((M + 2 * J, R + 1))
    W5[:M, :R], W5[:M, R] = -Theta.T, 1.0
    W5[M : M + J, :R], W5[M + J :, :R] = P.T, N.T
    # layer 6: binarizers b_m = [t2 <= Theta_m]; the values carried
    W6 = np.zeros((M + 2 * J, M + 2 * J))
    W6[np.arange(M), np.arange(M)] = -alpha2
    W6[M:, M:] = np.eye(2 * J)
    b6 = np.concatenate([np.ones(M), np.zeros(2 * J)])
    # layer 7: run indicators rho_0 = b_0, rho_j = b_j - b_(j-1), rho_M = 1 - b_(M-1); the values carried
    W7 = np.zeros((J + 2 * J, M + 2 * J))
    b7 = np.zeros(3 * J)
    for j in range(J):
        if j < M:
            W7[j, j] = 1.0
        if j > 0:
            W7[j, j - 1] = -1.0
    if M == 0:
        b7[0] = 1.0
    else:
        b7[M] = 1.0
    W7[J:, M:] = np.eye(2 * J)
    # layer 8: e = relu(v - BIG rho) per part; the values carried. Layer 9: g = relu(v - e) = v rho
    W8 = np.zeros((4 * J, 3 * J))
    for part in range(2):
        W8[part * J : (part + 1) * J, J + part * J : J + (part + 1) * J] = np.eye(J)
        W8[part * J : (part + 1) * J, :J] = -big * np.eye(J)
    W8[2 * J :, J:] = np.eye(2 * J)
    W9 = np.zeros((2 * J, 4 * J))
    W9[:, : 2 * J], W9[:, 2 * J :] = -np.eye(2 * J), np.eye(2 * J)
    out = np.concatenate([np.ones(J), -np.ones(J)])[None, :]
    layers += [layer(W5, np.zeros(M + 2 * J)), layer(W6, b6), layer(W7, b7), layer(W8, np.zeros(4 * J))]
    layers += [layer(W9, np.zeros(2 * J)), layer(out, np.zeros(1), identity())]
    # the counting bound with the labels' distinct float32 values as the classes
    return _record(X, layers, R, lo, hi, (alpha1, alpha2), len(values), M, gate=big)


def _widths(X, y, options, info=None) -> list:
    return list(info["widths"]) if info else [None]  # decided while building: the cells and slots


def _build(X, y, variant: str, precision: str, n_classes, seed):
    if precision not in ("float32", "bfloat16") or (variant == "real" and precision != "float32"):
        built = "float32" if variant == "real" else "float32 or bfloat16"
        raise InvalidDataError(f"staircase{'-real' * (variant == 'real')} builds for {built}; got {precision!r}")
    X, y = check_dataset(X, y)
    check_distinct(X)
    if variant == "real":
        if np.ndim(y) == 2 and np.shape(y)[1] != 1:
            raise InvalidDataError(f"staircase-real fits one real output; got labels of shape {np.shape(y)}")
        network, info = _runs(X, y, seed)
    else:
        ids, C = class_ids(y, n_classes)
        if precision == "bfloat16":  # levels of cuts on exact coordinates (staircase_levels)
            X = np.asarray(X, dtype=np.float64)
            layers, more, lo, hi, alphas, cells, M, big = assemble(X, ids, variant == "onehot", C)
            network, info = _record(X, layers, cells, lo, hi, alphas, C, M, FORMATS["bfloat16"], gate=big, **more)
        else:
            network, info = _staircase(X, ids, C, variant == "onehot", seed)
        yun = METHODS["yun-classifier"]  # the float64 classifier of Yun et al. on the same data, for scale
        info["yun_classifier_parameters"] = yun.parameters(X.shape[1], yun.widths(X, ids, {"n_classes": C}), C)
    info["widths"] = network.hidden_widths
    return network, info


# what staircase and staircase-classifier register alike
_CLASSES = dict(
    statement="Float-native memorization in float32 or bfloat16, any summation order (ours; after Park et al. 2024)",
    widths=_widths,
    quantity="nonzero parameters (bound: N log2 C / 32, or / 16 in bfloat16, the least any network of the format "
    "needs)",
    parameters=None,
    decided="the cells and steps its data needs",
)


@register(
    "staircase",
    kind="index",
    summary="exact in float32 in any order: two sparse features, cells and steps of exact 0/1 units; the class id",
    **_CLASSES,
)
def staircase(X, y, *, precision: str = "float32", n_classes=None, seed=None):
    """The slab-multiplexed staircase (module doc): the class id, exactly, in float32 in any summation order.

    Ours, after Park et al. (2024); its certificate rests on the rounding lemmas of the specification (F1-F5:
    Higham's Lemma 3.1 and eq. (3.5) for a sum, the sign of one rounded two-term sum, exact small integers).

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N,) or (N, C)
        Class ids or one-hot rows.
    precision : {"float32", "bfloat16"}
        The format it is exact in (bfloat16: :mod:`memorizers.constructions.staircase_levels`, ids up to 255).
    n_classes : int, optional
        C (default: the largest id + 1).
    seed : int, optional
        The features' random integer weights.

    Returns
    -------
    network : Network
        Seven dense layers of ReLU units, the output the class id (bfloat16: 3 per level and 6 more).
    info : dict
        Cells, slots, channels, depth, nonzero and dense parameters, the counting bound N log2 C / 32 (/ 16 in
        bfloat16; as ``bound``; ``used`` the nonzero parameters), the largest feature band and the binarizers'
        slopes; in bfloat16 the columns read per level and the cells per level.

    Raises
    ------
    InvalidDataError
        Two points with different labels that the features cannot separate in the format (naming them).
    """
    return _build(X, y, "index", precision, n_classes, seed)


@register(
    "staircase-classifier",
    kind="onehot",
    summary="staircase with one output per class (two more exact layers): exact one-hot rows in float32",
    **_CLASSES,
)
def staircase_classifier(X, y, *, precision: str = "float32", n_classes=None, seed=None):
    """The staircase (module doc) with one output per class: o_c = relu(1 - relu(y - c) - relu(c - y)).

    Ours, after Park et al. (2024), certified by the same rounding lemmas as :func:`staircase` (Higham's Lemma
    3.1 among them).

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N,) or (N, C)
        Class ids or one-hot rows.
    precision : {"float32", "bfloat16"}
        The format it is exact in (bfloat16: :mod:`memorizers.constructions.staircase_levels`, 128 classes).
    n_classes : int, optional
        C (default: the largest id + 1).
    seed : int, optional
        The features' random integer weights.

    Returns
    -------
    network : Network
        Nine dense layers of ReLU units (bfloat16: 3 per level and 8 more), the outputs exact one-hot rows.
    info : dict
        As for :func:`staircase`.
    """
    return _build(X, y, "onehot", precision, n_classes, seed)


@register(
    "staircase-real",
    kind="real",
    statement="Float-native memorization in float32, any summation order (ours; after Park et al. 2024)",
    summary="staircase for real labels: each output is the float32 value of its label, exactly",
    widths=_widths,
    quantity="nonzero parameters (bound: N log2 K / 32, K the labels' distinct float32 values)",
    parameters=None,
    decided="the cells and runs its data needs",
)
def staircase_real(X, y, *, precision: str = "float32", seed=None):
    """The staircase's runs variant for real labels (``_runs``): every output is its label's float32 value.

    Ours, after Park et al. (2024), certified by the same rounding lemmas as :func:`staircase` (Higham's Lemma
    3.1 among them). Labels beyond [-1, 1] are built as (y - c) / 2^k by :func:`memorizers.build` and mapped
    back by the output layer, which rounds once in float32 where c is not 0.

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N,) or (N, 1)
        Real labels.
    precision : {"float32"}
        The format it is exact in.
    seed : int, optional
        The features' random integer weights.

    Returns
    -------
    network : Network
        Ten dense layers: nine of ReLU units, then an identity output.
    info : dict
        Cells, slots (the most run boundaries of a cell), the gate's power of two, depth, nonzero and dense
        parameters (``used``), the counting bound N log2 K / 32 with K the labels' distinct float32 values
        (``bound``), the largest feature band and the binarizers' slopes.
    """
    return _build(X, y, "real", precision, None, seed)
