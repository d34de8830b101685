"""Constructions, one module per paper, registered by CLI name in :data:`METHODS`."""

from __future__ import annotations

from .yun import yun_3layer

METHODS = {
    "yun-3layer": yun_3layer,
}
