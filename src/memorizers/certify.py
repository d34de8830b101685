"""Certified verification: a rigorous a-priori bound on the rounding error of the forward pass.

For a dense layer evaluated in a floating-point type with unit roundoff u, whatever the
order of summation (BLAS blocking, FMA or not),

    |fl(W a + b) - (W a + b)| <= gamma_{n+1} (|W| |a| + |b|),   gamma_k = k u / (1 - k u),

(Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., eq. (3.5) and Lemma
3.1), n the fan-in. If the computed input a_hat is itself off by at most e, the computed
pre-activation is off from the exact one by at most |W| e + gamma_{n+1}(|W||a_hat| + |b|)
(+ u (|W||a_hat| + |b|) more when the float64 parameters are rounded to float32).
Activations carry the bound through: a ReLU-like unit by its slope on the side the whole
interval z_hat +- e lies on (the larger slope if it straddles 0), hard-tanh by 0 where
the interval is saturated and 1 otherwise, the threshold by 0 where the interval
excludes 0 and by 1 otherwise. Products by slopes other than 0 and +-1 add u |a|.
tanh and sigmoid carry it by their Lipschitz constants (1 and 1/4) plus the rounding of
their evaluation, taken as 4u |tanh| for tanh and 4u for sigmoid = (1 + tanh(t/2))/2:
this assumes the C library's tanh is within 2 ulp, as glibc documents, so for these two
the certificate rests on that documented accuracy rather than on IEEE arithmetic alone.

The bound itself is computed in float64 from nonnegative terms and inflated by
(1 + 2 gamma_{n+2}) for that evaluation, so it is an upper bound in exact arithmetic.
A point is **certified** when every output within the bound of the computed one
satisfies the label criterion, so the exact network (the stored parameters, on the
float64 data) provably reproduces the label.
"""

from __future__ import annotations

import numpy as np

from .activations import SMOOTH
from .network import Dense, Network, Residual

U64 = np.finfo(np.float64).eps / 2


def gamma(k: int, u: float) -> float:
    """gamma_k = k u / (1 - k u)."""
    if k * u >= 1:
        return np.inf
    return k * u / (1 - k * u)


def _slope_rounds(s: float) -> bool:
    return s not in (0.0, 1.0, -1.0)


def _dense(d: Dense, a: np.ndarray, e: np.ndarray, dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    u = float(np.finfo(dt).eps) / 2
    n = d.n_in
    z = a @ d.weight.T.astype(dt, copy=False) + d.bias.astype(dt, copy=False)
    rel = gamma(n + 1, u) + (u * (1 + gamma(n + 1, u)) if dt.itemsize < 8 else 0.0)  # float32 params are rounded
    # |W| e + rel (|W| |a| + |b|), as one product
    ez = ((e + rel * np.abs(a).astype(np.float64)) @ np.abs(d.weight).T + rel * np.abs(d.bias)) * (1 + 2 * gamma(n + 2, U64))
    act = d.activation
    out = act(z)
    zf = z.astype(np.float64)
    if act.kind == "threshold":
        return out, np.where(np.abs(zf) > ez, 0.0, 1.0)
    if act.kind in SMOOTH:
        rounding = np.abs(out).astype(np.float64) if act.kind == "tanh" else 1.0
        return out, SMOOTH[act.kind] * ez + 4 * u * rounding
    if act.kind == "hard_tanh":
        saturated = (zf - ez >= 1) | (zf + ez <= -1)
        return out, np.where(saturated, 0.0, ez)
    if act.is_identity:
        return out, ez
    sp, sm = abs(act.s_plus), abs(act.s_minus)
    slope = np.where(zf - ez > 0, sp, np.where(zf + ez < 0, sm, max(sp, sm)))
    eo = slope * ez
    if _slope_rounds(act.s_plus) or _slope_rounds(act.s_minus):
        eo = eo + u * np.abs(out).astype(np.float64)
    return out, eo


def forward_with_bound(network: Network, X, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The forward pass in ``dtype`` and, per output, a bound on its distance to the exact network's output.

    The exact network is the stored (float64) parameters applied exactly to the float64
    rows of X; rounding X to ``dtype`` is part of what the bound covers.
    """
    dt = np.dtype(dtype)
    X = np.asarray(X, dtype=np.float64)
    a = X.astype(dt)
    e = np.abs(a.astype(np.float64) - X)  # exact: both are float64 values; 0 unless dt is float32
    for layer in network.layers:
        if isinstance(layer, Residual):
            h, eh = a, e
            for d in layer.block:
                h, eh = _dense(d, h, eh, dt)
            a_new = a + h
            u = float(np.finfo(dt).eps) / 2
            e = (e + eh + u * np.abs(a_new).astype(np.float64)) * (1 + 4 * U64)
            a = a_new
        else:
            a, e = _dense(layer, a, e, dt)
    if dt.itemsize > 8:  # long double outputs are scored in float64: add that rounding
        e = e + np.abs((a - a.astype(np.float64).astype(dt)).astype(np.float64)) * (1 + 4 * U64)
    return a, e


def certified(F: np.ndarray, E: np.ndarray, Y: np.ndarray, kind: str, tol: float) -> np.ndarray:
    """Per point: does every output in [F - E, F + E] meet the criterion of ``kind`` for targets Y?"""
    F = F.astype(np.float64)
    if kind == "real":
        return np.all(np.abs(F - Y) + E <= tol, axis=1)
    if kind == "binary":
        return (2 * Y[:, 0] - 1) * (F[:, 0] - 0.5) - E[:, 0] > 0
    if kind == "sign":
        return Y[:, 0] * F[:, 0] - E[:, 0] > 0
    if kind == "onehot":
        rows = np.arange(len(Y))
        cls = np.argmax(Y, axis=1)
        low_true = F[rows, cls] - E[rows, cls]
        high = F + E
        high[rows, cls] = -np.inf
        return low_true > high.max(axis=1)
    raise ValueError(f"unknown label kind {kind!r}")
