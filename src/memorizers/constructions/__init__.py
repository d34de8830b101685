"""Constructions, one module per paper (and the ``yun`` package, one module per technique).

Each construction registers itself beside its definition with
``memorizers.constructions.registry.register``, which puts it in :data:`METHODS` under its
CLI name; importing this package imports every construction module, so :data:`METHODS` is complete.
"""

from __future__ import annotations

from . import bubeck, bubeck_boosting, daniely, kmy_robust, staircase, vardi, vershynin, ygz_robust, yun, zhang  # noqa: F401
from .registry import METHODS, Method, register

__all__ = ["METHODS", "Method", "register"]
