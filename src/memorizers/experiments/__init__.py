"""Reproductions of the papers' claims, one module per paper: each writes a table and figures."""

from __future__ import annotations

import io

from ..network import atomic_write_bytes


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (figures go to files only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, dpi: int = 100) -> None:
    """Write ``fig`` as a PNG atomically and close it."""
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=dpi)
    pyplot().close(fig)
    atomic_write_bytes(path, buf.getvalue())
