"""Yun, Sra & Jadbabaie (2019), Section 2: the activations their constructions take, and one hard-tanh unit
realised by the activation at hand (itself, or two ReLU-like units)."""

from __future__ import annotations

import numpy as np

from ...activations import Activation, by_name
from ...errors import InvalidDataError


def check_activation(activation) -> Activation:
    act = activation if isinstance(activation, Activation) else by_name(activation)
    if act.kind == "hard_tanh":
        return act
    if act.kind == "relu_like" and act.s_plus > act.s_minus >= 0:
        return act
    raise InvalidDataError(
        f"Theorem 3.1 needs hard-tanh or a ReLU-like activation with s_plus > s_minus >= 0; got {act.name}"
    )


def units_per_hard_tanh(act: Activation) -> int:
    """Hidden units that realise one hard-tanh unit: 1 for hard-tanh, 2 for ReLU-like."""
    return 1 if act.kind == "hard_tanh" else 2


def hard_tanh_units(rows: np.ndarray, biases: np.ndarray, act: Activation):
    """The hard-tanh units sigma_H(rows a + biases) in the activation ``act``, and how to read them out.

    Returns (W, b, C, c) with sigma_H(rows a + biases) = C act(W a + b) + c. For hard-tanh the units
    themselves (C = I, c = 0); for a ReLU-like sigma_R, two units per hard-tanh unit with biases b + 1 and
    b - 1 (:func:`_pm`), read out by Yun et al.'s identity (Section 2)
    sigma_H(t) = (sigma_R(t + 1) - sigma_R(t - 1) - s_plus - s_minus) / (s_plus - s_minus).
    """
    k = len(biases)
    if act.kind == "hard_tanh":
        return rows, biases, np.eye(k), np.zeros(k)
    D, S = act.s_plus - act.s_minus, act.s_plus + act.s_minus
    C = np.zeros((k, 2 * k))
    C[np.arange(k), 2 * np.arange(k)], C[np.arange(k), 2 * np.arange(k) + 1] = 1 / D, -1 / D
    return np.repeat(rows, 2, axis=0), _pm(biases), C, np.full(k, -S / D)


def _pm(b: np.ndarray) -> np.ndarray:
    """Biases of the two ReLU-like units of each hard-tanh unit: b + 1, b - 1 interleaved."""
    out = np.empty(2 * len(b))
    out[0::2], out[1::2] = b + 1, b - 1
    return out
