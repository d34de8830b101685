"""Bubeck, Eldan, Lee & Mikulincer (2020), "Network size and weights size for memorization with
two-layers neural networks": the elementary constructions of Section 3.

* Proposition 2 (:func:`universal`): n neurons suffice for any non-polynomial activation.
* Proposition 3 (:func:`baum`, Baum 1988): threshold units, 0/1 labels, general position:
  two units per d points of the minority label.
* Proposition 4 (:func:`relu_baum`): ReLU, real labels, general position, 4 ceil(n/d) units
  built from derivative neurons (eqs. 2-4).

Two-layer networks f(x) = sum_l a_l psi(w_l . x + b_l) (+ c); ``Network.stats()`` gives
Bubeck et al.'s total weight W(f) = sum_l |a_l| sqrt(|w_l|^2 + b_l^2).
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
    check_widths,
    general_position_error,
    one_hidden_width,
)
from ..errors import InvalidDataError, WidthError
from ..network import Dense, Network
from ..numerics import column_scale
from .geometry import hyperplane_through, on_hyperplane_tolerance
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


def _boost_units(per_round):
    """Units of a boosting network: per_round(info) ReLUs per round, and the constant unit if there is one."""
    return lambda shape, y, info: per_round(info) * info["rounds"] + info.get("constant_unit", 0) if info else 1


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
    whose matrix is numerically singular is redrawn (``tries`` times). For the threshold,
    whose random patterns are singular in practice, one random direction with thresholds
    between consecutive projections (a triangular Phi); the bounded smooth ones (tanh, sigmoid) use
    the same cuts with each unit's slope set to 4 / (its gap), a smoothed triangular Phi. Activations: any
    non-polynomial one the library has (ReLU, leaky ReLU, |.|, hard-tanh, threshold, tanh,
    sigmoid, softplus).
    info["condition_number"] is cond(Phi).
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
    turns the sum into 1 - (indicator): 2 ceil(n_minority / d) (+1) <= n/d + 3 units.
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
    minority = np.flatnonzero(yv == (0.0 if flip else 1.0))
    rng = np.random.default_rng(seed)
    minority = rng.permutation(minority)
    groups = [minority[s : s + d] for s in range(0, len(minority), d)]
    need = baum_units(yv, d)  # 2 len(groups) + 1{flip}
    k = one_hidden_width(
        widths, need, "Proposition 3", f"Baum's construction needs {need} threshold units here (<= n/d + 3)"
    )
    check_memory(8.0 * (3 * k * (d + 2) + 2 * n * d), f"{k} threshold units")
    W, b = np.zeros((k, d)), np.zeros(k)
    a = np.zeros(k)
    for g, S in enumerate(groups):
        u, c = hyperplane_through(X[S], rng, X)
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
    in the span of S). See :func:`_slab` for delta, tau and the orientation; repair_rounds
    swaps of points between groups raise the smallest delta.
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


def generic_constants(X: np.ndarray, chunk: int = 2048) -> tuple[float, float]:
    """(gamma, omega) of Definition 1: gamma = max_{i != j} |x_i . x_j| / (|x_i| |x_j|),
    omega = d lambda_max(X^T X / n).

    O(n^2 d) in chunks. (The definition also asks |x_i| >= 1.)
    """
    n, d = X.shape
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    gamma = 0.0
    for s in range(0, n, chunk):
        G = np.abs(Xn[s : s + chunk] @ Xn.T)
        G[np.arange(len(G)), np.arange(s, s + len(G))] = 0.0
        gamma = max(gamma, float(G.max()))
    omega = d * float(np.linalg.eigvalsh(X.T @ X / n).max())
    return gamma, omega


class _Boost:
    """Lemma 1's boosting loop, shared by the NTK and harmonic networks.

    Each round asks ``step(r, rng)`` for ReLU units (rows W, biases b, coefficients a), a
    constant c and their values f on the data for the residual r, scales them by
    eta = (r.f)/(f.f) (exact line search) or a fixed eta, and stops once
    ||y - g||^2 <= eps ||y||^2, or raises after ``max_rounds``. A width cap k (``widths``) is
    checked as units arrive.
    """

    def __init__(self, X, y, *, eps, widths, what, seed):
        X, Y = check_dataset(X, y)
        if Y.shape[1] != 1:
            raise InvalidDataError(f"{what} takes one real label per point")
        if not 0 < eps < 1:
            raise InvalidDataError(f"eps must lie in (0, 1), got {eps}")
        zero = np.flatnonzero(~X.any(axis=1))
        if len(zero):  # Definition 1 measures angles between the points: none may be 0
            raise InvalidDataError(f"{what} needs nonzero points (Definition 1); point {zero[0]} is the zero vector")
        check_distinct(X)  # two equal points with different labels: no number of rounds fits both
        self.cap = None if widths is None else check_widths(widths, what, count=1)[0]
        if self.cap is not None:
            check_memory(8.0 * self.cap * (2 * X.shape[1] + 6), f"{self.cap} ReLU units")  # rows, and one copy
        self.X, self.y, self.eps, self.what = X, Y[:, 0], eps, what
        self.rng = np.random.default_rng(seed)
        self.r = self.y.copy()
        self.rows, self.biases, self.coefs, self.const, self.rounds = [], [], [], 0.0, 0

    @property
    def units(self) -> int:
        """ReLU units the rounds have added, the constant unit included (before any padding)."""
        return sum(len(a) for a in self.coefs) + int(bool(self.const))

    def run(self, step, max_rounds: int, eta=None):
        target = self.eps * float(self.y @ self.y)
        attempts = 0  # rounds that added no unit count too: max_rounds always ends the loop
        while float(self.r @ self.r) > target:
            if attempts >= max_rounds:
                raise InvalidDataError(
                    f"{self.what} did not reach ||f - y||^2 <= {self.eps} ||y||^2 in {max_rounds} rounds "
                    f"(now {float(self.r @ self.r) / float(self.y @ self.y):.3g}); raise max_rounds (build "
                    "--option max_rounds=N)"
                )
            attempts += 1
            out = step(self.r, self.rng)
            if out is None:
                continue
            W, b, a, c, f = out
            ff = float(f @ f)
            if ff == 0:
                continue
            e = float(self.r @ f) / ff if eta is None else eta
            self.rows.append(W)
            self.biases.append(b)
            self.coefs.append(e * a)
            self.const += e * c
            if self.cap is not None and self.units > self.cap:
                raise WidthError(
                    f"{self.what} needs more than width {self.cap} to reach eps = {self.eps}", (self.units,)
                )
            self.r = self.r - e * f
            self.rounds += 1

    def network(self, meta: dict) -> Network:
        d = self.X.shape[1]
        if self.coefs:
            W, b, a = np.concatenate(self.rows), np.concatenate(self.biases), np.concatenate(self.coefs)
        else:  # y = 0: no round ran (so no constant either); one idle unit keeps the network well formed
            W, b, a = np.zeros((1, d)), np.zeros(1), np.zeros(1)
        if self.const:  # the constant as the neuron c ReLU(0.x + 1), so that it counts in W(f)
            W, b, a = np.vstack([W, np.zeros(d)]), np.append(b, 1.0), np.append(a, self.const)
        if self.cap is not None:
            pad = self.cap - len(a)
            W, b, a = np.vstack([W, np.zeros((pad, d))]), np.append(b, np.zeros(pad)), np.append(a, np.zeros(pad))
        return _two_layer(W, b, a, 0.0, relu(), meta)

    def info(self) -> dict:
        yy = float(self.y @ self.y)
        return {
            "rounds": self.rounds,
            "constant_unit": int(bool(self.const)),
            "relative_error": float(self.r @ self.r) / yy if yy else 0.0,
        }


def _theorem2(X, eps):
    """(gamma, omega, alpha, beta, the unit count of eq. (5)) for data X (Definition 1, Theorems 2-3)."""
    n, d = X.shape
    gamma, omega = generic_constants(X)
    log_inv_gamma = math.log(1 / gamma) if 0 < gamma < 1 else float("nan")
    bound = 20 * omega * n * math.log(1 / eps) * math.log(2 * n) / (d * log_inv_gamma)
    alpha = math.sqrt(log_inv_gamma / math.log(2 * n)) / 10
    return gamma, omega, alpha, omega * n / d, bound


@register(
    "ntk",
    kind="relative",
    statement="Bubeck et al. (2020), Theorems 2-3",
    summary="NTK boosting with derivative-neuron pairs, ||f - y||^2 <= tol ||y||^2",
    widths=_one_width(_boost_units(lambda info: 2)),
)
def ntk(X, y, *, eps: float = 0.01, widths=None, step: str = "line", seed=None, max_rounds: int | None = None):
    """Theorems 2-3 with Lemma 1: boosting with width-2 derivative neurons in the NTK regime.

    Each round draws u ~ N(0, I_d), takes v = sum_{i: u.x_i >= 0} r_i x_i on the current
    residual r (eq. 8) and the derivative neuron f_u(x) = psi'(u.x) v.x (eq. 9), realised by
    two ReLU units with delta = min_i |u.x_i| / (2 |v.x_i|) (Lemma 2, with the min where it
    belongs); the residual drops by eta f_u with eta the exact line search (r.f)/(f.f)
    (``step="line"``) or Lemma 1's alpha/beta (``step="lemma"``, alpha =
    sqrt(log(1/gamma)/log(2n))/10, beta = omega n/d). Stops when ||f - y||^2 <= eps ||y||^2:
    approximate memorization, verified with the ``relative`` criterion. ``widths`` caps the
    units (the network is padded with zero units up to it). info reports the units used,
    (gamma, omega) of the data and the unit count of eq. (5),
    k >= 20 omega n log(1/eps) log(2n) / (d log(1/gamma)).
    """
    if step not in ("line", "lemma"):
        raise InvalidDataError(f"step must be 'line' or 'lemma', got {step!r}")
    boost = _Boost(X, y, eps=eps, widths=widths, what="the NTK network", seed=seed)
    X = boost.X
    n, d = X.shape
    gamma, omega, alpha, beta, bound = _theorem2(X, eps)
    if max_rounds is None:
        max_rounds = int(10 * max(n if math.isnan(bound) else bound, n) + 10)

    def step_fn(r, rng):
        u = rng.standard_normal(d)
        ux = X @ u
        if np.any(ux == 0):
            return None
        active = ux > 0
        v = r[active] @ X[active]
        f = np.where(active, X @ v, 0.0)
        vx = np.abs(X @ v)
        if not (vx > 0).any():
            return None
        delta = 0.5 * float(np.min(np.abs(ux)[vx > 0] / vx[vx > 0]))
        return np.vstack([u + delta * v, u]), np.zeros(2), np.array([1 / delta, -1 / delta]), 0.0, f

    boost.run(step_fn, max_rounds, eta=None if step == "line" else alpha / beta)
    net = boost.network({"eps": eps})
    return net, {**boost.info(), "gamma": gamma, "omega": omega, "bound": bound}


def hermite_degree(X, *, lam: float = 0.5, max_degree: int = 12) -> int:
    """The smallest D >= 1 with lambda_min(V^{oD}) >= lam, V_ij = x_i . x_j (harmonic spec, Section 2).

    V^{oD} is the kernel H of the Hermite step (H_ij = (x_i . x_j)^D); lam = 1/2 gives
    alpha = 1/2 in Lemma 1. Tested by a Cholesky factorisation of V^{oD} - lam I per D.
    """
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    check_memory(16.0 * len(X) ** 2, f"the {len(X)} x {len(X)} Gram matrix")
    V = Xn @ Xn.T
    P = np.ones_like(V)
    for D in range(1, max_degree + 1):
        P *= V
        try:
            np.linalg.cholesky(P - lam * np.eye(len(X)))
            return D
        except np.linalg.LinAlgError:
            continue
    gamma, _ = generic_constants(X)
    raise InvalidDataError(
        f"no Hermite degree D <= {max_degree} gives lambda_min(V^oD) >= {lam}: the points are too correlated "
        f"(max |cos| between two points gamma = {gamma:.4f}); the harmonic network needs gamma well below 1"
    )


def harmonic_phi(D: int) -> np.ndarray:
    """Power-basis coefficients of phi = h_D / sqrt(D), h_D = He_D / sqrt(D!) (so phi' = h_{D-1})."""
    return np.polynomial.hermite_e.herme2poly(np.eye(D + 1)[D]) / math.sqrt(math.factorial(D) * D)


def harmonic_neuron(X, w, v, theta: float, delta: float, D: int, knots: int):
    """ReLU units realising h(x) = Re(e^{-i theta} phi(w.x + delta e^{i theta} v.x)) / delta on the data X.

    With w1 = w + delta cos(theta) v and w2 = delta sin(theta) v, h is a harmonic polynomial
    of (w1.x, w2.x); the ridge identity (u + i s)^m = (2^m / N) sum_j e^{i m t_j}
    (u cos t_j + s sin t_j)^m, t_j = pi j / N, N = D + 1 (spec 4.2) writes it as
    sum_j q_j(w_j.x), w_j = cos t_j w1 + sin t_j w2, each q_j a real polynomial, replaced by
    its piecewise-linear interpolant on ``knots`` equal steps a side of [-R_j, R_j],
    R_j = max_i |w_j.x_i| (spec 4.4 (A)): q(0) + s_1 relu(r) - s_-1 relu(-r)
    + sum_k (s_{k+1} - s_k) relu(r - b_k) + sum_k (s_-k - s_-(k+1)) relu(-r - b_k).
    Returns (rows, biases, coefficients, constant, values on X) of those units.
    """
    n = len(X)
    coef = harmonic_phi(D)
    N = D + 1
    w1, w2 = w + delta * np.cos(theta) * v, delta * np.sin(theta) * v
    grid = np.arange(-knots, knots + 1) / knots
    rows, biases, coefs, f, c = [], [], [], np.zeros(n), 0.0
    for t in np.pi * np.arange(N) / N:
        wj = np.cos(t) * w1 + np.sin(t) * w2
        q = coef * 2.0 ** np.arange(D + 1) * np.cos(np.arange(D + 1) * t - theta) / (N * delta)  # q_j, power basis
        rj = X @ wj
        R = float(np.max(np.abs(rj)))
        c += q[0]
        if R == 0:  # q_j is its constant on the data
            f += q[0]
            continue
        b = R * grid  # knots -R .. R
        qb = np.polynomial.polynomial.polyval(b, q)
        slope = np.diff(qb) / (R / knots)  # slope[k] on [b_k, b_{k+1}]
        right, left = slope[knots:], slope[:knots][::-1]  # s_1 .. s_M and s_-1 .. s_-M
        rows += [wj[None, :], -wj[None, :], np.tile(wj, (knots - 1, 1)), np.tile(-wj, (knots - 1, 1))]
        biases += [np.zeros(2), -b[knots + 1 : 2 * knots], -b[knots + 1 : 2 * knots]]
        coefs.append(np.concatenate([[right[0], -left[0]], np.diff(right), -np.diff(left)]))
        f += np.interp(rj, b, qb)
    d = X.shape[1]
    return (
        (np.vstack(rows) if rows else np.zeros((0, d))),
        np.concatenate(biases or [np.zeros(0)]),
        np.concatenate(coefs or [np.zeros(0)]),
        c,
        f,
    )


@register(
    "harmonic",
    kind="relative",
    statement="Bubeck et al. (2020), Theorem 1 (reconstructed)",
    summary="harmonic network, W(f) ~ sqrt(n), ||f - y||^2 <= tol ||y||^2",
    widths=_one_width(_boost_units(lambda info: 2 * info["knots"] * (info["degree"] + 1))),
)
def harmonic(
    X,
    y,
    *,
    eps: float = 0.01,
    widths=None,
    degree: int | None = None,
    delta_scale: float = 1.5,
    knots: int = 16,
    seed=None,
    max_rounds: int | None = None,
):
    """Theorem 1 (the harmonic network), as reconstructed in specs/harmonic_network.md.

    Lemma 1's boosting; each round builds one complex Hermite neuron
    h(x) = Re(e^{-i theta} phi(w.x + delta e^{i theta} v.x)) / delta with phi = h_D / sqrt(D)
    (h_D the normalised probabilists' Hermite polynomial, so phi' = h_{D-1}), w ~ N(0, I_d),
    v = sum_j r_j phi'(w.x_j) x_j on the residual r, theta ~ U[0, 2 pi) and
    delta = delta_scale / max_i |v.x_i| (spec Section 2). E_theta h(x_i) = phi'(w.x_i) v.x_i
    exactly. h is realised by real ReLUs: the ridge identity splits it into D + 1 polynomials
    q_j(w_j.x) (spec 4.2), each the piecewise-linear interpolant with ``knots`` knots a side
    on [-R_j, R_j], R_j = max_i |w_j.x_i| (spec 4.4 (A)): 2 knots (D + 1) ReLUs per round and
    one constant unit. The network the rounds add up is exactly what is evaluated for the
    line search, so the stopping test ||f - y||^2 <= eps ||y||^2 holds for the network itself.
    Points must be unit vectors (x_i on the sphere, as the theorem assumes). degree: D, by
    default the smallest with lambda_min(V^{oD}) >= 1/2 (:func:`hermite_degree`).
    """
    boost = _Boost(X, y, eps=eps, widths=widths, what="the harmonic network", seed=seed)
    X = boost.X
    n, d = X.shape
    norms = np.linalg.norm(X, axis=1)
    if np.max(np.abs(norms - 1)) > 1e-6:
        i = int(np.argmax(np.abs(norms - 1)))
        raise InvalidDataError(
            f"the harmonic network needs unit-norm points (x_i on the sphere); |x_{i}| = {norms[i]:.6g}: normalise X"
        )
    if not (isinstance(knots, (int, np.integer)) and knots >= 1):
        raise InvalidDataError(f"knots must be a positive integer, got {knots!r}")
    if not delta_scale > 0:
        raise InvalidDataError(f"delta_scale must be positive, got {delta_scale!r}")
    if degree is not None and not (isinstance(degree, (int, np.integer)) and degree >= 1):
        raise InvalidDataError(f"degree must be a positive integer, got {degree!r}")
    D = hermite_degree(X) if degree is None else int(degree)
    max_rounds = max_rounds or int(50 * math.ceil(n / d) * math.ceil(math.log(1 / eps)) + 200)
    he = np.polynomial.hermite_e
    dphi = np.eye(D)[D - 1] / math.sqrt(math.factorial(D - 1))  # phi' = h_{D-1}, in the He basis

    def step_fn(r, rng):
        w = rng.standard_normal(d)
        v = (r * he.hermeval(X @ w, dphi)) @ X
        s = X @ v
        if not np.any(s):
            return None
        return harmonic_neuron(X, w, v, rng.uniform(0, 2 * np.pi), delta_scale / float(np.max(np.abs(s))), D, knots)

    boost.run(step_fn, max_rounds)
    net = boost.network(
        {
            "degree": D,
            "eps": eps,
        }
    )
    return net, {**boost.info(), "degree": D, "knots": knots}
