"""Reproductions of the papers' claims, one module per paper: each writes a table and figures."""

from __future__ import annotations

import csv
import io

from ..errors import MissingDependencyError
from ..network import atomic_write_bytes


def verdict(holds) -> str:
    """The word for a claim's outcome: holds (True), not supported (False), measured (None: no claim to test)."""
    return "measured" if holds is None else "holds" if holds else "not supported"


def verdict_lines(claims) -> list[str]:
    """One Markdown bullet per claim: verdict, the paper's statement, what was measured."""
    return [f"- **{verdict(c['holds'])}**: {c['statement']} Measured: {c['measured']}" for c in claims]


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (figures go to files only)."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(
            "the experiments' figures need matplotlib: pip install 'memorizers[experiments]'"
        ) from None

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


def write_csv(path, rows: list[dict]) -> None:
    """Rows (dicts; the union of their keys, in first-seen order, is the header) as a CSV file, atomically."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode())
