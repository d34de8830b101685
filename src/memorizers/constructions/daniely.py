"""Daniely (2020), "Memorizing Gaussians with no over-parameterization via gradient descent".

Theorem 1: for x_i ~ N(0, I_d) and Rademacher labels y_i, the depth-two network

    h_W(x) = q^{-1/2} sum_{i=1}^q a_i sigma(<w_i, x>),

with W in R^{q x d} orthonormal rows, a_i = +-1 with sum a_i = O(sqrt q), and sigma
Lipschitz with E sigma'(X) = 0 (X ~ N(0, 1); e.g. |.|), after ONE gradient step of size
eta = m ln(d) / d on the scaled hinge loss l(yhat, y) = (ln d - yhat y)_+ averaged over
the m examples, satisfies y_i h_{W+}(x_i) = Omega(ln d) for every i, w.p. 1 - o(1), as
long as m <= d q / log^4 d and q >= log^4 d.

The step is computed in closed form (Section 2.2):
W+ = W + eta G, G = sum_i G^i, G^i = (1 / (m sqrt q)) y_i 1{l_i > 0} diag(a) sigma'(W x_i) x_i^T,
one matrix product, O(m q d). Memorization is y_i h(x_i) > 0 (``verify`` reports it as the
accuracy of +-1 labels); the margin min_i y_i h(x_i) / ln d is in the build record.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import Activation, by_name, identity
from ..data import check_dataset, check_memory, check_widths
from ..errors import InvalidDataError
from ..network import Dense, Network
from .registry import register


def theorem_width(m: int, d: int) -> int:
    """Smallest q with q >= ln^4 d and m <= d q / ln^4 d (Theorem 1)."""
    L4 = math.log(d) ** 4
    return max(1, math.ceil(L4), math.ceil(m * L4 / d))


def orthogonal_rows(q: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """q x d matrix with orthonormal rows (Haar); for q > d, stacked independent d x d orthogonal blocks.

    The stacked extension for q > d is ours: the theorem assumes q <= d.
    """
    blocks = []
    for start in range(0, q, d):
        k = min(d, q - start)
        Q, R = np.linalg.qr(rng.standard_normal((d, k)))
        blocks.append((Q * np.sign(np.diag(R))).T)  # sign fix makes the distribution Haar
    return np.vstack(blocks)


def initialisation(q: int, d: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """W (q x d, orthonormal rows, see :func:`orthogonal_rows`) and balanced signs a (ceil(q/2) of +1, shuffled)."""
    rng = np.random.default_rng(seed)
    W = orthogonal_rows(q, d, rng)
    a = np.where(np.arange(q) < (q + 1) // 2, 1.0, -1.0)
    rng.shuffle(a)
    return W, a


def _widths(X, y, options, info=None) -> list[int]:
    w = options.get("widths")
    return [int(np.ravel(w)[0]) if w is not None else theorem_width(*np.shape(X))]


@register(
    "daniely",
    kind="sign",
    statement="Daniely (2020), Theorem 1",
    summary="one gradient step from orthogonal initialisation, 2 layers",
    widths=_widths,
)
def daniely_one_step(
    X,
    y,
    *,
    widths=None,
    activation="abs",
    seed=None,
    force: bool = False,
) -> tuple[Network, dict]:
    """One full-batch gradient step from orthogonal initialisation (Daniely 2020, Theorem 1).

    Parameters
    ----------
    X : array_like, shape (m, d)
        The points.
    y : array_like, shape (m,)
        Labels in {-1, +1}.
    widths : int or tuple of int, optional
        q (an int or a 1-tuple); None takes the smallest q Theorem 1 covers (``theorem_width``, often > d: then W
        is stacked orthogonal blocks).
    activation : str or Activation
        "abs" (default) or any activation with E sigma'(X) = 0; others, such as ReLU, raise unless ``force``.
    seed : int, optional
        W and the balanced signs a (q/2 of each, shuffled).
    force : bool
        Build with an activation the theorem does not cover.

    Returns
    -------
    network : Network
        h(x) = q^(-1/2) sum_i a_i sigma(<w_i, x>) after the step.
    info : dict
        q, the step size eta, the fraction memorized, the smallest margin over ln d, and whether (m, d, q) lies in
        the theorem's regime.
    """
    act = activation if isinstance(activation, Activation) else by_name(activation)
    X, Y = check_dataset(X, y)
    if Y.shape[1] != 1 or not np.isin(Y, (-1.0, 1.0)).all():
        raise InvalidDataError("Daniely's step needs labels in {-1, +1} (one column); for 0/1 labels use 2*y - 1")
    y = Y[:, 0]
    m, d = X.shape
    if d < 2:
        raise InvalidDataError("Daniely's step needs inputs of dimension d >= 2 (the scale is ln d)")
    Esd = act.mean_derivative()
    if not force and not (abs(Esd) < 1e-12):
        raise InvalidDataError(
            f"Theorem 1 needs a Lipschitz activation with E sigma'(X) = 0; {act.name} has E sigma'(X) = {Esd:.4g}"
            " (pass force=True / --force to run it anyway)"
        )
    q = theorem_width(m, d) if widths is None else check_widths(widths, "Daniely's network", count=1)[0]
    check_memory(8.0 * (3 * q * d + 3 * m * q), f"a one-step network with q = {q} units on {m} points in d = {d}")

    W, a = initialisation(q, d, seed)
    lnd = math.log(d)
    Z = X @ W.T
    h0 = act(Z) @ a / math.sqrt(q)
    active = lnd - y * h0 > 0  # examples on the non-zero part of the hinge
    eta = m * lnd / d
    # eta * G = (ln d / (d sqrt q)) diag(a) sigma'(Z)^T diag(y * active) X
    W_plus = W + (lnd / (d * math.sqrt(q))) * a[:, None] * (act.derivative(Z).T @ ((y * active)[:, None] * X))

    network = Network(
        [Dense(W_plus, np.zeros(q), act), Dense((a / math.sqrt(q))[None, :], np.zeros(1), identity())],
    )
    margins = y * network.forward(X)[:, 0]
    L4 = lnd**4
    info = {
        "q": q,
        "eta": eta,
        "stacked_orthogonal": q > d,
        "active_examples": int(active.sum()),
        "max_abs_h_init": float(np.abs(h0).max()),
        "fraction_memorized": float(np.mean(margins > 0)),
        "min_margin_over_ln_d": float(margins.min() / lnd),
        "mean_derivative": Esd,
        "theorem_scale": m * L4 / (d * q),  # <= 1 inside the theorem's regime
        "in_theorem_regime": bool(m <= d * q / L4 and q >= L4),
    }
    if info["fraction_memorized"] < 1:  # what build adds to its VerificationError
        info["hint"] = (
            f"Theorem 1 holds with probability tending to 1 as d grows; here d = {d} and one step memorized "
            f"{info['fraction_memorized']:.1%} of the points: its regime is d in the hundreds or more"
        )
    return network, info
