"""Yun, Sra & Jadbabaie (2019): gates (Appendices C and F) and Proposition 3.2, classification with one more layer."""

from __future__ import annotations

import numpy as np

from ...activations import Activation, identity
from ...data import check_dataset, check_widths
from ...errors import InvalidDataError, WidthError
from ...kinds import check_one_hot
from ...network import Dense, Network
from ..registry import register
from .blocks import _pad
from .three_layer import capacity, smallest_widths, yun_3layer
from .units import check_activation, hard_tanh_units, units_per_hard_tanh

# -- gates (Appendices C and F) ---------------------------------------------------------------


def units_per_gate(act: Activation) -> int:
    """Hidden units realising one gate sigma_G: 2 hard-tanh or 4 ReLU-like."""
    return 2 * units_per_hard_tanh(act)


def gate_units(rows: np.ndarray, biases: np.ndarray, act: Activation):
    """Hidden units computing the gates g_j(a) = sigma_G(rows_j . a + biases_j), and how to read them out.

    sigma_G(t) = (sigma_H(2t + 1) + sigma_H(-2t + 1)) / 2 is 1 at t = 0, t + 1 on [-1, 0],
    1 - t on [0, 1] and 0 outside (Yun et al., Appendix C). Returns (W, b, C, c0) such
    that g(a) = C act(W a + b) + c0: two hard-tanh units per gate, or four ReLU-like units
    (each hard-tanh as sigma_R(v + 1), sigma_R(v - 1)).
    """
    G = len(rows)
    signs = np.tile([1.0, -1.0], G)  # v = sign * 2 t + 1, two hard-tanh units per gate
    W, b, Ch, ch = hard_tanh_units(
        signs[:, None] * 2 * np.repeat(rows, 2, axis=0), signs * 2 * np.repeat(biases, 2) + 1, act
    )
    half = np.kron(np.eye(G), [0.5, 0.5])  # g_j = (sigma_H(v_j+) + sigma_H(v_j-)) / 2
    return W, b, half @ Ch, half @ ch


# -- Proposition 3.2: classification with one more layer of gates -------------------------


def class_ids(y, n_classes: int | None = None) -> tuple[np.ndarray, int]:
    """Integer class ids (N,) and the number of classes from one-hot rows (N, dy) or ids (N,)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return check_one_hot(y).argmax(axis=1), y.shape[1]
    ids = y.reshape(-1)
    if len(ids) == 0:
        raise InvalidDataError("y is empty")
    if not np.all(np.isfinite(ids)) or not np.array_equal(ids, np.round(ids)) or ids.min() < 0:
        bad = np.flatnonzero(~np.isfinite(ids) | (ids != np.round(ids)) | (ids < 0))
        raise InvalidDataError(
            f"labels must be integer class ids >= 0 or one-hot rows; first offending rows: {bad[:10].tolist()}"
        )
    ids = ids.astype(np.int64)
    dy = int(ids.max()) + 1 if n_classes is None else int(n_classes)
    if ids.max() >= dy:
        raise InvalidDataError(f"labels: class id {ids.max()} is out of range for {dy} classes")
    return ids, dy


def class_values(dy: int) -> np.ndarray:
    """rho_j, the real number standing for class j (Appendix C): evenly spaced in [-1, 1]."""
    return np.linspace(-1.0, 1.0, dy) if dy > 1 else np.zeros(1)


def smallest_classifier_widths(n: int, dy: int, act: Activation) -> tuple[int, int, int]:
    """(d1, d2, d3): Theorem 3.1's smallest (d1, d2) for scalar targets and d3 = 2 dy (hard-tanh) or 4 dy."""
    d1, d2 = smallest_widths(n, 1, act)
    return d1, d2, 2 * units_per_hard_tanh(act) * dy


def classifier_widths(X, y, options, info=None) -> list[int]:
    """(d1, d2, d3) of Proposition 3.2: the widths option, else the smallest for the data's classes."""
    if options.get("widths") is not None:
        return list(options["widths"])
    classes = options.get("n_classes") or class_ids(y)[1]
    return list(smallest_classifier_widths(len(X), classes, check_activation(options.get("activation", "relu"))))


@register(
    "yun-classifier",
    kind="onehot",
    statement="Yun, Sra & Jadbabaie (2019), Proposition 3.2",
    summary="4-layer classifier, one-hot or class-id labels",
    widths=classifier_widths,
    quantity="points (Theorem 3.1's capacity of d1, d2 for one output)",
)
def yun_classifier(
    X,
    y,
    *,
    widths: tuple[int, int, int] | None = None,
    activation="relu",
    seed=None,
    n_classes: int | None = None,
    clip_margin: float = 1.0,
    n_projections: int | None = None,
) -> tuple[Network, dict]:
    """Proposition 3.2 of Yun et al.: a 4-layer network whose outputs are the one-hot labels.

    Sufficient widths: 4 floor(d1/2) floor(d2/2) >= N and d3 >= 2 dy (hard-tanh), or
    4 floor(d1/4) floor(d2/4) >= N and d3 >= 4 dy (ReLU-like). Appendix C: class j gets
    the value rho_j (``class_values``); layers 1-2 are Theorem 3.1's construction for
    the scalar targets rho_{y_i}, so s(x_i) = sum_k a^2_k(x_i) - 1 = rho_{y_i}; layer 3 holds
    one gate per class, sigma_G(t) = (sigma_H(2t + 1) + sigma_H(-2t + 1)) / 2,
    which is 1 at t = 0 and 0 for |t| >= 1, applied to t = (s - rho_j) / spacing, so gate j
    passes rho_j and blocks every other class; each gate is two hard-tanh or four
    ReLU-like units, and gate j feeds output j.

    Parameters
    ----------
    X : array_like, shape (N, dx)
        Distinct points.
    y : array_like, shape (N, dy) or (N,)
        One-hot rows, or integer class ids (then dy = max id + 1, or ``n_classes``).
    widths : tuple of (int, int, int), optional
        (d1, d2, d3); None picks the smallest the proposition allows.
    activation : str or Activation
        As in :func:`memorizers.constructions.yun.three_layer.yun_3layer`.
    seed : int, optional
        The random directions' seed.
    n_classes : int, optional
        dy for class ids of which some may not occur.
    clip_margin : float
        As in :func:`memorizers.constructions.yun.three_layer.yun_3layer`.
    n_projections : int, optional
        As in :func:`memorizers.constructions.yun.three_layer.yun_3layer`.

    Returns
    -------
    network : Network
        Widths dx-d1-d2-d3-dy.
    info : dict
        Theorem 3.1's record for layers 1-2, the class values and the gates.
    """
    act = check_activation(activation)
    X, Y = check_dataset(X, y)
    ids, dy = class_ids(Y, n_classes)
    N = len(ids)
    smallest = smallest_classifier_widths(N, dy, act)
    d1, d2, d3 = smallest if widths is None else check_widths(widths, "Proposition 3.2", count=3)
    u = units_per_hard_tanh(act)
    if capacity((d1, d2), 1, act) < N or d3 < 2 * u * dy:
        cond = (
            "4 floor(d1/2) floor(d2/2) >= N and d3 >= 2 dy"
            if u == 1
            else "4 floor(d1/4) floor(d2/4) >= N and d3 >= 4 dy"
        )
        raise WidthError(
            f"widths ({d1}, {d2}, {d3}) are too small for N = {N} points in {dy} classes with {act.name}: "
            f"Proposition 3.2 needs {cond}; the smallest widths that work are {','.join(map(str, smallest))}",
            smallest,
        )
    rho = class_values(dy)
    base, info = yun_3layer(
        X, rho[ids], widths=(d1, d2), activation=act, seed=seed, clip_margin=clip_margin, n_projections=n_projections
    )
    first, second, out = base.layers
    # gate j passes t_j = alpha (s - rho_j), s = out(a2) = rho_{y_i} on the data
    alpha = 1.0 / (rho[1] - rho[0]) if dy > 1 else 1.0
    W3, b3, C, c0 = gate_units(alpha * np.tile(out.weight, (dy, 1)), alpha * (out.bias[0] - rho), act)
    third = Dense(_pad(W3, d3), _pad(b3, d3), act)
    W4, b4 = _pad(C.T, d3).T, c0
    network = Network(
        [first, second, third, Dense(W4, b4, identity())],
    )
    info = {
        **info,
        "bound": capacity((d1, d2), 1, act),
        "widths": (d1, d2, d3),
        "classes": dy,
        "class_values": rho,
        "gate_scale": alpha,
    }
    return network, info
