"""Bubeck, Eldan, Lee & Mikulincer (2020), "Network size and weights size for memorization with
two-layers neural networks": the elementary constructions of Section 3.

* Proposition 2 (:func:`universal`): n neurons suffice for any non-polynomial activation.
* Proposition 3 (:func:`baum`, Baum 1988): threshold units, 0/1 labels, general position:
  two units per d points of the minority label.
* Proposition 4 (:func:`relu_baum`): ReLU, real labels, general position, 4 ceil(n/d) units
  built from derivative neurons (eqs. 2-4).

Two-layer networks f(x) = sum_l a_l psi(w_l . x + b_l) (+ c); ``Network.stats()`` gives
Bubeck et al.'s total weight W(f) = sum_l |a_l| sqrt(|w_l|^2 + b_l^2). The boosting constructions of Theorems
1-3 (ntk, harmonic) are in :mod:`memorizers.constructions.bubeck_boosting`.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import Activation, by_name, identity, relu, threshold
from ..data import (
    check_dataset,
    check_distinct,
    check_memory,
    check_positive,
    general_position_error,
    one_hidden_width,
)
from ..errors import InvalidDataError
from ..network import Dense, Network
from ..numerics import column_scale
from .geometry import gate_groups, hyperplane_through, on_hyperplane_tolerance
from .registry import register


def _two_layer(W, b, a, c, act: Activation, meta: dict | None = None) -> Network:
    return Network([Dense(W, b, act), Dense(np.atleast_2d(a), np.atleast_1d(c), identity())], meta=dict(meta or {}))


def _other_points_off(H_dist: np.ndarray, S, what: str, tolerance: float) -> float:
    """Smallest distance of a point outside S to the hyperplane; raise naming the points if one lies on it."""
    d = H_dist.copy()
    d[S] = np.inf
    if np.isinf(d).all():  # no other point: any slab will do
        return 1.0
    j = int(np.argmin(d))
    if not d[j] > tolerance:
        raise general_position_error(j, S, d[j], f"{what} needs no d + 1 points on one hyperplane")
    return float(d[j])


def _one_width(default):
    """The widths option (one hidden layer), else ``default(X, y, info)``."""

    def widths(X, y, options, info=None) -> list[int]:
        if options.get("widths") is not None:
            return [int(np.ravel(options["widths"])[0])]
        return [default(np.shape(X), np.ravel(y), info)]

    return widths


def baum_units(y: np.ndarray, d: int) -> int:
    """Proposition 3's unit count: two per group of d points of the minority label, plus one constant unit when
    the minority is 0 (2 ceil(n_minority / d) + 1{1 is the majority} <= n/d + 3)."""
    flip = bool(y.sum() > len(y) / 2)
    minority = int(np.sum(y == (0.0 if flip else 1.0)))
    return 2 * (-(-minority // d)) + int(flip)


@register(
    "universal",
    kind="real",
    statement="Bubeck, Eldan, Lee & Mikulincer (2020), Proposition 2",
    summary="n neurons, any non-polynomial activation",
    widths=_one_width(lambda shape, y, info: shape[0]),
)
def universal(X, y, *, widths=None, activation="relu", seed=None, tries: int = 20):
    """Proposition 2: n neurons psi(w_l . x + b_l) with random (w_l, b_l) whose evaluation matrix is invertible.

    The outer weights solve Phi a = y exactly (LU). w_l ~ N(0, I/d), and unit l's kink sits in
    the pi(l)-th gap between the data's projections on w_l (pi a random permutation), so
    no unit is inactive on every point and no two share a kink position; a draw
    whose matrix is numerically singular is redrawn. For the threshold,
    whose random patterns are singular in practice, one random direction with thresholds
    between consecutive projections (a triangular Phi); the bounded smooth ones (tanh, sigmoid) use
    the same cuts with each unit's slope set to 4 / (its gap), a smoothed triangular Phi.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points.
    y : array_like, shape (N,)
        Real labels.
    widths : int or tuple of int, optional
        n, at least N (default N).
    activation : str or Activation
        Any non-polynomial one the library has (ReLU, leaky ReLU, abs, hard-tanh, threshold, tanh, sigmoid,
        softplus).
    seed : int, optional
        The random units' seed.
    tries : int
        Draws before giving up on a singular Phi.

    Returns
    -------
    network : Network
        One hidden layer of n units.
    info : dict
        ``condition_number``: cond(Phi).
    """
    act = activation if isinstance(activation, Activation) else by_name(activation)
    if act.is_identity:
        raise InvalidDataError("Proposition 2 needs a non-polynomial activation; identity is linear")
    X, Y = check_dataset(X, y)
    check_distinct(X)
    n, d = X.shape
    k = one_hidden_width(widths, n, "Proposition 2", f"Proposition 2 uses n = {n} neurons")
    check_memory(8.0 * (3 * n * n + 3 * k * (d + 1 + Y.shape[1])), f"{k} units and an {n} x {n} evaluation matrix")
    rng = np.random.default_rng(seed)
    for _ in range(tries):
        if act.kind == "threshold" or (act.bounded and not act.piecewise_linear):
            # random 0/1 patterns are singular in practice: a random direction w and thresholds between
            # consecutive projections give a triangular evaluation matrix (our choice for this activation);
            # tanh and sigmoid get the same cuts, each unit steep enough (slope 4 / its gap) to nearly
            # saturate beyond its two neighbouring points, so their matrix is a smoothed triangular one
            w = rng.standard_normal(d)
            t = np.sort(X @ w)
            gaps = np.concatenate([[2.0], np.diff(t)])
            cuts = t - gaps / 2
            scale = np.ones(n) if act.kind == "threshold" else 4.0 / gaps
            W, b = scale[:, None] * w, -scale * cuts
        else:
            # random directions; unit l puts its kink in the pi(l)-th gap of the data along its own
            # direction, so no two units share a kink position (1-D data would otherwise repeat patterns)
            W = rng.standard_normal((n, d)) / math.sqrt(d)
            W *= np.where(W @ rng.standard_normal(d) < 0, -1.0, 1.0)[:, None]  # one side of a random plane: in 1-D
            # all units then face the same way and the matrix is triangular
            P = np.sort(X @ W.T, axis=0)  # (n points, n units)
            cuts = np.vstack([P[:1] - 1.0, (P[1:] + P[:-1]) / 2])
            b = -cuts[rng.permutation(n), np.arange(n)]
            if act.kind == "hard_tanh":  # -1 below the kink, linear (not clipped) above it on the data
                R = (P[-1] - P[0] + 2.0) / 2
                W, b = W / R[:, None], b / R - 1
        Phi = act(X @ W.T + b)
        cond = np.linalg.cond(Phi)
        if cond < 1e12:
            break
    else:
        raise InvalidDataError(
            f"no invertible evaluation matrix in {tries} random draws (last condition number {cond:.2e})"
        )
    A = np.linalg.solve(Phi, Y)  # (n, dy)
    pad = np.zeros((k - n, d))
    net = Network(
        [
            Dense(np.vstack([W, pad]), np.concatenate([b, np.zeros(k - n)]), act),
            Dense(np.vstack([A, np.zeros((k - n, Y.shape[1]))]).T, np.zeros(Y.shape[1])),
        ],
    )
    return net, {"condition_number": float(cond)}


@register(
    "baum",
    kind="binary",
    statement="Bubeck et al. (2020), Proposition 3 (Baum 1988)",
    summary="threshold units, 0/1 labels, general position",
    widths=_one_width(lambda shape, y, info: baum_units(y, shape[1])),
)
def baum(X, y, *, widths=None, seed=None):
    """Proposition 3 (Baum 1988): threshold units for 0/1 labels of data in general position.

    For each group of d points of the minority label, the hyperplane u . x = c through them
    (no other point on it) gives two units 1{u.x - c + tau > 0} - 1{u.x - c - tau > 0}, the
    indicator of a slab of half-width tau = half the distance of the nearest other point.
    If 1 is the majority label, the minority is 0 and one more unit (the constant 1{1 > 0})
    turns the sum into 1 - (indicator): 2 ceil(n_minority / d) (+1) <= n/d + 3 units. Data not in
    general position gets its groups as Baum's argument allows (``geometry.gate_groups``: points
    of the minority label on a group's hyperplane join its slab), and more of them.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points.
    y : array_like, shape (N,)
        0/1 labels.
    widths : int or tuple of int, optional
        Pads the hidden layer with zero units up to this width.
    seed : int, optional
        The order in which groups are formed.

    Returns
    -------
    network : Network
        One hidden layer of threshold units.
    info : dict
        The slabs, their half-widths, ``bound`` (n/d + 3) and ``used``.
    """
    X, Y = check_dataset(X, y)
    if Y.shape[1] != 1 or not np.isin(Y, (0.0, 1.0)).all():
        raise InvalidDataError("Proposition 3 (Baum) needs binary labels in {0, 1} (one column)")
    check_distinct(X)
    scale = column_scale(X)  # work in units-free coordinates; folded into W exactly at the end
    X = X * scale
    yv = Y[:, 0]
    n, d = X.shape
    flip = bool(yv.sum() > n / 2)
    rng = np.random.default_rng(seed)
    groups, planes = gate_groups(X, (yv == (0.0 if flip else 1.0)).astype(np.int64), (1,), rng)
    need = 2 * len(groups) + int(flip)  # baum_units in general position
    k = one_hidden_width(
        widths, need, "Proposition 3", f"Baum's construction needs {need} threshold units here (<= n/d + 3)"
    )
    check_memory(8.0 * (3 * k * (d + 2) + 2 * n * d), f"{k} threshold units")
    W, b = np.zeros((k, d)), np.zeros(k)
    a = np.zeros(k)
    for g, (S, (u, c)) in enumerate(zip(groups, planes)):
        tau = 0.5 * _other_points_off(np.abs(X @ u + c), S, "Proposition 3", on_hyperplane_tolerance(X[S], u, c))
        W[2 * g], b[2 * g], a[2 * g] = u, c + tau, 1.0  # 1{u.x + c > -tau}
        W[2 * g + 1], b[2 * g + 1], a[2 * g + 1] = u, c - tau, -1.0  # 1{u.x + c > tau}
    c_out = 0.0
    if flip:  # f = 1 - sum of slab indicators
        a = -a
        b[need - 1], a[need - 1] = 1.0, 1.0  # the constant unit 1{1 > 0}
    net = _two_layer(
        W * scale,
        b,
        a,
        c_out,
        threshold(),
    )
    return net, {"groups": len(groups), "minority_label": 0 if flip else 1}


@register(
    "relu-baum",
    kind="real",
    statement="Bubeck et al. (2020), Proposition 4",
    summary="4 ceil(n/d) ReLU units, real labels, general position",
    widths=_one_width(lambda shape, y, info: 4 * math.ceil(shape[0] / shape[1])),
)
def relu_baum(X, y, *, widths=None, seed=None, margin: float = 0.5, repair_rounds: int = 60):
    """Proposition 4: exactly 4 ceil(n/d) ReLU units memorize real labels of data in general position.

    Each group S of d points (the last may be smaller) has a hyperplane u . x = c through
    it. The derivative neurons f_{delta,u,v,b}(x) = (psi((u + delta v).x - b) - psi(u.x - b)) / delta
    (eq. 2) equal psi'(u.x - b) v.x on the data for delta as in eq. (4), so
    f = f_{u,v,c-tau} - f_{u,v,c+tau} is v.x on S and 0 elsewhere once tau is below the
    distance of every other point to the hyperplane; v solves v.x_i = y_i on S (least norm
    in the span of S). See ``_slab`` for delta, tau and the orientation.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points.
    y : array_like, shape (N,)
        Real labels.
    widths : int or tuple of int, optional
        Pads the hidden layer with zero units up to this width.
    seed : int, optional
        The grouping's seed.
    margin : float
        The first candidate for tau, as a fraction of the nearest other point's distance to the hyperplane; among
        it and the fractions 0.05, 0.10, ..., 0.95 the one that allows the largest delta is taken.
    repair_rounds : int
        Swaps of points between groups that raise the smallest delta.

    Returns
    -------
    network : Network
        One hidden layer of 4 ceil(n/d) ReLU units.
    info : dict
        The groups' delta and tau, ``bound`` and ``used``.
    """
    check_positive(margin, "margin", below=1)
    X, Y = check_dataset(X, y)
    check_distinct(X)
    if Y.shape[1] != 1:
        raise InvalidDataError("Proposition 4 takes one real label per point")
    origin = np.flatnonzero(~X.any(axis=1) & (Y[:, 0] != 0))
    if len(origin):  # f_{delta,u,v,b}(x) = psi'(u.x - b) v.x vanishes at x = 0
        raise InvalidDataError(
            f"point {origin[0]} is the origin with label {Y[origin[0], 0]:g}, and Proposition 4's derivative neurons "
            "output v.x = 0 there; shift the data (e.g. append a constant feature 1)"
        )
    scale = column_scale(X)  # work in units-free coordinates; folded into W exactly at the end
    X = X * scale
    yv = Y[:, 0]
    n, d = X.shape
    need = 4 * math.ceil(n / d)
    k = one_hidden_width(widths, need, "Proposition 4", f"Proposition 4 needs 4 ceil(n/d) = {need} ReLU units")
    check_memory(8.0 * (3 * k * (d + 2) + 2 * n * d), f"{k} ReLU units")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    groups = [order[s : s + d] for s in range(0, n, d)]
    slabs = [_slab(X, yv, S, rng, margin) for S in groups]
    # The output weights 1/delta scale the rounding error, and a group whose d x d block is ill-conditioned
    # gets a tiny delta. Repair (our addition): swap a point of the worst group with a random point of
    # another group while that raises the smaller delta of the two.
    for _ in range(repair_rounds if len(groups) > 1 else 0):
        g = int(np.argmin([sl[4] for sl in slabs]))
        h = int(rng.integers(len(groups) - 1))
        h += h >= g
        i, j = rng.integers(len(groups[g])), rng.integers(len(groups[h]))
        Sg, Sh = groups[g].copy(), groups[h].copy()
        Sg[i], Sh[j] = Sh[j], Sg[i]
        try:
            new_g, new_h = _slab(X, yv, Sg, rng, margin), _slab(X, yv, Sh, rng, margin)
        except InvalidDataError:
            continue
        if min(new_g[4], new_h[4]) > min(slabs[g][4], slabs[h][4]):
            groups[g], groups[h], slabs[g], slabs[h] = Sg, Sh, new_g, new_h
    W, b, a = np.zeros((k, d)), np.zeros(k), np.zeros(k)
    for g, (u, c, v, tau, delta, o) in enumerate(slabs):
        for j, (shift, sign) in enumerate(((tau, 1.0), (-tau, -1.0))):  # f_{u,v,c-tau} - f_{u,v,c+tau}
            r = 4 * g + 2 * j
            W[r], b[r], a[r] = o * u + delta * v, o * c + shift, sign / delta
            W[r + 1], b[r + 1], a[r + 1] = o * u, o * c + shift, -sign / delta
    net = _two_layer(
        W * scale,
        b,
        a,
        0.0,
        relu(),
    )
    return net, {"groups": len(groups), "min_delta": float(min(sl[4] for sl in slabs))}


def _slab(X, yv, S, rng, margin):
    """(u, c, v, tau, delta, o) of the four derivative neurons of group S (Proposition 4, eqs. 2-4).

    u.x + c = 0 on S; v.x_i = y_i on S; delta is half of eq. (4)'s bound, and tau (below the
    distance of every other point to the hyperplane) the value that allows the largest delta.
    Both neurons of a pair are active on one side of the slab, where they cancel in exact
    arithmetic but leave rounding of order eps |h| / delta; o = -1 builds the same slab from
    units facing the other way, and we face the side where the data's sum of |h| is smaller.
    """
    u, c = hyperplane_through(X[S], rng, X)
    h = X @ u + c
    dist = _other_points_off(np.abs(h), S, "Proposition 4", on_hyperplane_tolerance(X[S], u, c))
    v = np.linalg.lstsq(X[S], yv[S], rcond=None)[0]
    vx = np.abs(X @ v)
    ok = vx > 0

    def delta_for(tau):  # every point keeps its side of both kinks h = +-tau under u -> u + delta v
        slack = np.minimum(np.abs(h - tau), np.abs(h + tau))
        return 0.5 * float(np.min(slack[ok] / vx[ok])) if ok.any() else 1.0

    tau = max((f * dist for f in (margin, *np.linspace(0.05, 0.95, 19))), key=delta_for)
    o = 1.0 if np.abs(h[h > 0]).sum() <= np.abs(h[h < 0]).sum() else -1.0
    return u, c, v, tau, delta_for(tau), o
