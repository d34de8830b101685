"""Constructions, one module per paper, registered by CLI name in :data:`METHODS`.

A construction is a function ``(X, y, *, widths=None, activation=..., seed=None, ...)``
returning ``(Network, info)``; registering it here gives it the CLI's ``--method``, and
``build`` verifies it with the label kind its theorem promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .daniely import daniely_one_step
from .yun import yun_3layer


@dataclass(frozen=True)
class Method:
    construct: Callable
    kind: str  # how build() scores the labels: "real" (f(x_i) = y_i within tol) or "sign" (y_i f(x_i) > 0)
    summary: str


METHODS = {
    "yun-3layer": Method(yun_3layer, "real", "Yun, Sra & Jadbabaie (2019) Theorem 3.1: 3-layer ReLU-like/hard-tanh"),
    "daniely": Method(daniely_one_step, "sign", "Daniely (2020) Theorem 1: one gradient step, 2 layers"),
}
