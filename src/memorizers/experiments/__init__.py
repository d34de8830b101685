"""Reproductions of the papers' claims, one module per paper: each writes a table and figures."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import MissingDependencyError
from ..files import atomic_write_bytes

SEEDS_TO_HOLD = 3  # a claim holds only from a measurement in the theorem's regime over at least this many seeds
VERDICTS = ("holds", "not supported", "measured", "not tested at this size")


def claim(statement: str, measured: str, holds: bool | None, *, regime=None, seeds: int = 0, sizes: str = "") -> dict:
    """A paper's claim next to what an experiment measured.

    ``holds``: True or False for what the measurement says of the claim, None for a measurement the paper makes
    no claim about. ``regime``: the theorem's regime the measurement lies in, in words (None: it lies outside);
    ``seeds``: how many random repetitions it took; ``sizes``: the sizes it ran at. :func:`verdict` reads them."""
    return {
        "statement": statement,
        "measured": measured,
        "holds": holds,
        "regime": regime,
        "seeds": seeds,
        "sizes": sizes,
    }


def verdict(c: dict) -> str:
    """The word for a claim's outcome (:func:`claim`).

    **holds** only from a measurement inside the theorem's regime over at least :data:`SEEDS_TO_HOLD` seeds;
    **not supported** from one inside the regime that contradicts the claim (one counterexample is enough);
    **not tested at this size** when no measurement lies in the regime; **measured** otherwise (fewer seeds, or
    no claim to test)."""
    if c["holds"] is None:
        return "measured"
    if not c.get("regime"):
        return "not tested at this size"
    if c["holds"] and c.get("seeds", 0) < SEEDS_TO_HOLD:
        return "measured"
    return "holds" if c["holds"] else "not supported"


def regime_text(c: dict) -> str:
    """A claim's regime in words: the regime, or why there is none."""
    if c.get("regime"):
        return c["regime"]
    return "no claim of the paper to test" if c["holds"] is None else "outside the theorem's regime"


def scope(c: dict) -> str:
    """Where a claim's measurement was made: regime, seeds, sizes."""
    return f"regime: {regime_text(c)}; seeds: {c.get('seeds', 0)}; sizes: {c.get('sizes') or '-'}"


def verdict_lines(claims) -> list[str]:
    """One Markdown bullet per claim: verdict, the paper's statement, what was measured, and where."""
    return [f"- **{verdict(c)}**: {c['statement']} Measured: {c['measured']} ({scope(c)})" for c in claims]


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
    """Write ``fig`` as a PNG at ``path`` and as an SVG beside it (what the report embeds), atomically; close it."""
    fig.tight_layout()
    for fmt, target in (("png", path), ("svg", Path(path).with_suffix(".svg"))):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
        atomic_write_bytes(target, buf.getvalue())
    pyplot().close(fig)


def write_csv(path, rows: list[dict]) -> None:
    """Rows (dicts; the union of their keys, in first-seen order, is the header) as a CSV file, atomically."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode())
