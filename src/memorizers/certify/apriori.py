"""The a-priori bound (:func:`forward_with_bound`): for any evaluation of a dense layer in a floating-point type
with unit roundoff u, in any order of summation,
|fl(W a + b) - (W a + b)| <= gamma_{n+1} (|W||a| + |b|) + (n+1) eta,
gamma_k = k u / (1 - k u) (Higham, *Accuracy and Stability of Numerical Algorithms*, eq. (3.5), Lemma 3.1, and
Section 2.1 for eta). It holds for every BLAS, torch and ONNX runtime, and is what the bits search
(:meth:`memorizers.certify.Certifier.bits_sufficient`) uses.
"""

from __future__ import annotations

import numpy as np

from ..exact import rounding_error
from ..intervals import gamma, up
from ..network import Dense, Network
from .enclosure import BIG


def _apriori_dense(d: Dense, a: np.ndarray, e: np.ndarray, dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    u = float(np.finfo(dt).eps) / 2
    eta = float(np.finfo(dt).smallest_subnormal)
    n = d.n_in
    z = a @ d.weight.T.astype(dt, copy=False) + d.bias.astype(dt, copy=False)
    rel = gamma(n + 1, u) + (u * (1 + gamma(n + 1, u)) if dt.itemsize < 8 else 0.0)  # float32 params are rounded
    ez = up((e + rel * np.abs(a).astype(np.float64)) @ np.abs(d.weight).T + rel * np.abs(d.bias), n + 2)
    ez = ez + (n + 1) * eta * (1 + rel)
    if d.exact:  # the parameters evaluated are fl(W), fl(b)
        dW, db = rounding_error(d.exact_weight, d.weight), rounding_error(d.exact_bias, d.bias)
        ez = up(ez + up(np.abs(a).astype(np.float64) + e, 1) @ dW.T + db, n + 3)
    zf = z.astype(np.float64)
    ez = np.where(np.isfinite(zf) & (ez < BIG) & np.isfinite(ez), ez, np.inf)
    out, eo = d.activation.apriori(z, zf, ez, u, eta)
    return out, np.where(np.isfinite(eo), eo, np.inf)


def forward_with_bound(network: Network, X, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The plain forward pass in ``dtype`` and, per output, an a-priori bound on its distance to the
    exact network's output that holds for any order of summation (module doc).

    Rounding X to ``dtype`` is part of what the bound covers.

    Parameters
    ----------
    network : Network
        The network, with float parameters.
    X : array_like, shape (N, n_in)
        The points, as float64.
    dtype : numpy.dtype or str
        The evaluation's type.

    Returns
    -------
    outputs : numpy.ndarray
        The forward pass in ``dtype``.
    bounds : numpy.ndarray
        Per output, the bound on its distance to the exact output (inf where it overflowed).
    """
    dt = np.dtype(dtype)
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        u, eta = float(np.finfo(dt).eps) / 2, float(np.finfo(dt).smallest_subnormal)

        def add(ae, he):  # (value, bound) of a + block(a): one more rounding
            (a, e), (h, eh) = ae, he
            s = a + h
            return s, up(e + eh + u * np.abs(s).astype(np.float64), 4) + eta

        a = X.astype(dt)
        e = np.abs(a.astype(np.float64) - X)  # exact: both are float64 values; 0 unless dt is float32
        e = np.where(np.isfinite(e), e, np.inf)
        a, e = network.interpret((a, e), lambda d, ae: _apriori_dense(d, *ae, dt), add)
        return a, np.where(np.isfinite(a.astype(np.float64)), e, np.inf)
