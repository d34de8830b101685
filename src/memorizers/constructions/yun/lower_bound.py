"""Theorem 3.3 of Yun, Sra & Jadbabaie (2019): the dataset that no small network fits (the lower bound's
witness; :mod:`memorizers.pieces` counts the affine pieces a network has along it)."""

from __future__ import annotations

import numpy as np


def alternating_line(n: int, direction=None, dx: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Theorem 3.3's dataset: x_i = i u, y_i = (-1)^i for i = 1..n (u = e_1 unless given).

    Fitting it needs at least n - 1 affine pieces along the line, so 2-layer networks with
    (p-1) d1 + 2 < n and 3-layer networks with p(p-1) d1 d2 + (p-1) d2 + 2 < n cannot, for
    an activation with p pieces (:func:`memorizers.pieces.piece_bound`, Appendix D).
    """
    u = np.eye(dx)[0] if direction is None else np.asarray(direction, dtype=np.float64)
    i = np.arange(1, n + 1)
    return np.outer(i, u), np.where(i % 2 == 0, 1.0, -1.0)
