"""Bubeck, Eldan, Lee & Mikulincer (2020), Sections 4-5: approximate memorization by boosting, two-layer networks
that reach ||f - y||^2 <= eps ||y||^2 one round of neurons at a time.

* Theorems 2-3 (:func:`ntk`): the NTK network, pairs of ReLUs per round, W(f) of order n sqrt(n).
* Theorem 1 (:func:`harmonic`, reconstructed: ``../shared/specs/harmonic_network.md``): the harmonic network,
  whose total weight is O~(sqrt(n)).

Section 3's exact constructions (Propositions 2-4) are in :mod:`memorizers.constructions.bubeck`.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import relu
from ..data import (
    check_dataset,
    check_distinct,
    check_memory,
    check_widths,
)
from ..errors import InvalidDataError, WidthError
from ..network import Network
from .bubeck import _one_width, _two_layer
from .registry import register


def _boost_units(per_round):
    """Units of a boosting network: per_round(info) ReLUs per round, and the constant unit if there is one (None
    before building: the rounds are not known)."""
    return lambda shape, y, info: per_round(info) * info["rounds"] + info.get("constant_unit", 0) if info else None


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
    decided="the boosting rounds it takes",
)
def ntk(X, y, *, eps: float = 0.01, widths=None, step: str = "line", seed=None, max_rounds: int | None = None):
    """Theorems 2-3 with Lemma 1: boosting with width-2 derivative neurons in the NTK regime.

    Each round draws u ~ N(0, I_d), takes v = sum_{i: u.x_i >= 0} r_i x_i on the current
    residual r (eq. 8) and the derivative neuron f_u(x) = psi'(u.x) v.x (eq. 9), realised by
    two ReLU units with delta = min_i |u.x_i| / (2 |v.x_i|) (Lemma 2, with the min where it
    belongs); the residual drops by eta f_u. Stops when ||f - y||^2 <= eps ||y||^2:
    approximate memorization, verified with the ``relative`` criterion.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points.
    y : array_like, shape (N,)
        Real labels.
    eps : float
        The approximation: ||f - y||^2 <= eps ||y||^2.
    widths : int or tuple of int, optional
        Caps the units (the network is padded with zero units up to it).
    step : {"line", "lemma"}
        eta by the exact line search (r.f)/(f.f), or Lemma 1's alpha/beta (alpha =
        sqrt(log(1/gamma)/log(2n))/10, beta = omega n/d).
    seed : int, optional
        The rounds' draws.
    max_rounds : int, optional
        The most rounds before giving up (default 10 max(n, eq. (5)'s count) + 10).

    Returns
    -------
    network : Network
        One hidden layer, two ReLU units per round.
    info : dict
        The rounds and the relative error reached, (gamma, omega) of the data and the unit count of eq. (5),
        k >= 20 omega n log(1/eps) log(2n) / (d log(1/gamma)), as ``bound``.
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
    decided="the boosting rounds it takes",
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

    Parameters
    ----------
    X : array_like, shape (N, d)
        Unit vectors (x_i on the sphere, as the theorem assumes).
    y : array_like, shape (N,)
        Real labels.
    eps : float
        The approximation: ||f - y||^2 <= eps ||y||^2.
    widths : int or tuple of int, optional
        Caps the units.
    degree : int, optional
        D; by default the smallest with lambda_min(V^{oD}) >= 1/2 (``hermite_degree``).
    delta_scale : float
        delta times max_i |v.x_i|.
    knots : int
        Knots a side of each polynomial's interpolant.
    seed : int, optional
        The rounds' draws.
    max_rounds : int, optional
        The most rounds before giving up (default 50 ceil(n/d) ceil(log(1/eps)) + 200).

    Returns
    -------
    network : Network
        One hidden layer of ReLU units.
    info : dict
        The rounds, the relative error reached, D and the knots.
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
