"""Activation functions, each a small frozen record with its formula.

Yun, Sra & Jadbabaie (2019, Section 2) define the two families used throughout:

* the ReLU-like activation  sigma_R(t) = s_plus * t for t >= 0, s_minus * t for t < 0,
  which we store for any slopes (``relu_like(s_plus, s_minus)``); ReLU, leaky ReLU,
  absolute value and identity are instances of it;
* hard-tanh  sigma_H(t) = -1 (t <= -1), t (-1 < t <= 1), 1 (t > 1), which the paper
  writes through sigma_R as  (sigma_R(t+1) - sigma_R(t-1) - s_plus - s_minus) / (s_plus - s_minus);
  :func:`hard_tanh_from_relu_like` is that identity, used by the constructions to turn
  a hard-tanh unit into two ReLU-like units.

The threshold 1{t > 0} completes the set (Baum, Vershynin). tanh and the logistic
sigmoid are there for Bubeck et al.'s Proposition 2 (any non-polynomial activation).

Every piecewise-linear activation maps dyadic rationals to dyadic rationals, which is what
makes the exact check in :mod:`memorizers.exact` possible; tanh and sigmoid do not, so
networks using them are verified in floating point (with the certified bound) only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MemorizersError

KINDS = ("relu_like", "hard_tanh", "threshold", "tanh", "sigmoid")
SMOOTH = {"tanh": 1.0, "sigmoid": 0.25}  # smooth kinds and their Lipschitz constants


@dataclass(frozen=True)
class Activation:
    """An elementwise activation.

    kind: ``"relu_like"`` (slopes ``s_plus``, ``s_minus``), ``"hard_tanh"``, ``"threshold"``,
    ``"tanh"`` or ``"sigmoid"`` (1 / (1 + exp(-t))).
    """

    kind: str
    s_plus: float = 1.0
    s_minus: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise MemorizersError(f"unknown activation kind {self.kind!r}; known: {', '.join(KINDS)}")
        if not (np.isfinite(self.s_plus) and np.isfinite(self.s_minus)):
            raise MemorizersError(f"activation slopes must be finite; got {self.s_plus} and {self.s_minus}")

    @property
    def name(self) -> str:
        if self.kind != "relu_like":
            return self.kind
        known = _RELU_LIKE_NAMES.get((self.s_plus, self.s_minus))
        if known:
            return known
        if self.s_plus == 1.0:
            return f"leaky_relu({self.s_minus:g})"
        return f"relu_like({self.s_plus:g},{self.s_minus:g})"

    @property
    def piecewise_linear(self) -> bool:
        return self.kind not in SMOOTH

    @property
    def is_identity(self) -> bool:
        return self.kind == "relu_like" and self.s_plus == 1.0 and self.s_minus == 1.0

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Apply elementwise, in the dtype of ``t``."""
        if self.kind == "hard_tanh":
            return np.clip(t, -1, 1)
        if self.kind == "threshold":
            return (t > 0).astype(t.dtype)
        if self.kind == "tanh":
            return np.tanh(t)
        if self.kind == "sigmoid":  # 1/(1 + e^-t) through tanh: no overflow, accurate in every dtype
            return 0.5 * (1 + np.tanh(0.5 * t))
        if self.is_identity:
            return t
        if self.s_plus == 1.0 and self.s_minus == 0.0:
            return np.maximum(t, 0)
        sp, sm = t.dtype.type(self.s_plus), t.dtype.type(self.s_minus)
        return np.where(t > 0, sp * t, sm * t)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "s_plus": self.s_plus, "s_minus": self.s_minus}

    @classmethod
    def from_dict(cls, d: dict) -> "Activation":
        return cls(str(d["kind"]), float(d.get("s_plus", 1.0)), float(d.get("s_minus", 0.0)))


def relu_like(s_plus: float = 1.0, s_minus: float = 0.0) -> Activation:
    """sigma_R(t) = s_plus * max(t, 0) + s_minus * min(t, 0)  (Yun et al., Section 2)."""
    return Activation("relu_like", float(s_plus), float(s_minus))


def relu() -> Activation:
    """max(t, 0) = relu_like(1, 0)."""
    return relu_like(1.0, 0.0)


def leaky_relu(negative_slope: float = 0.01) -> Activation:
    """max(t, 0) + negative_slope * min(t, 0) = relu_like(1, negative_slope)."""
    return relu_like(1.0, negative_slope)


def absolute() -> Activation:
    """|t| = relu_like(1, -1)."""
    return relu_like(1.0, -1.0)


def identity() -> Activation:
    """t = relu_like(1, 1)."""
    return relu_like(1.0, 1.0)


def hard_tanh() -> Activation:
    """clip(t, -1, 1)."""
    return Activation("hard_tanh")


def threshold() -> Activation:
    """1{t > 0}."""
    return Activation("threshold")


def tanh() -> Activation:
    """tanh(t)."""
    return Activation("tanh")


def sigmoid() -> Activation:
    """The logistic function 1 / (1 + exp(-t))."""
    return Activation("sigmoid")


_RELU_LIKE_NAMES = {(1.0, 0.0): "relu", (1.0, -1.0): "abs", (1.0, 1.0): "identity"}

_BY_NAME = {
    "relu": relu,
    "leaky-relu": leaky_relu,
    "abs": absolute,
    "identity": identity,
    "hard-tanh": hard_tanh,
    "threshold": threshold,
    "tanh": tanh,
    "sigmoid": sigmoid,
}
NAMES = tuple(_BY_NAME)  # the CLI's --activation choices


def by_name(name: str, **params) -> Activation:
    """Look an activation up by its CLI name (``relu``, ``leaky-relu``, ``hard-tanh``, ...)."""
    try:
        return _BY_NAME[name.replace("_", "-")](**params)
    except KeyError:
        raise MemorizersError(f"unknown activation {name!r}; known: {', '.join(_BY_NAME)}") from None


def hard_tanh_from_relu_like(t: np.ndarray, s_plus: float, s_minus: float) -> np.ndarray:
    """sigma_H(t) = (sigma_R(t+1) - sigma_R(t-1) - s_plus - s_minus) / (s_plus - s_minus).

    The identity of Yun et al. (Section 2) that realises one hard-tanh unit with two
    ReLU-like units; requires s_plus > s_minus.
    """
    r = relu_like(s_plus, s_minus)
    return (r(t + 1) - r(t - 1) - s_plus - s_minus) / (s_plus - s_minus)
