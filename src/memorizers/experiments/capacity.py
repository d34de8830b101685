"""``memorizers reproduce capacity``: memorization capacity of a fixed architecture, construction vs training.

For Yun et al.'s Theorem 3.1 (ReLU, dy = 1): the largest N that ``yun-3layer`` memorizes
with hidden widths (d1, d2) (9 of 10 random datasets on the sphere S^{dx-1}, real labels
in [-1, 1], tol 1e-6), next to the theorem's 4 floor(d1/4) floor(d2/4) and to the largest
N that training of the same architecture reaches with the strong recipe of
:mod:`memorizers.training` (float32 AdamW under a one-cycle schedule of peak learning rate
0.01 over at most 2000 epochs, tol 1e-3: a looser tolerance, said in the table), by
:func:`memorizers.capacity.capacity`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..capacity import capacity
from ..files import atomic_write_bytes
from . import claim, pyplot, save_figure, verdict_lines

QUICK = {"widths": ((8, 8), (16, 16)), "seeds": 10}
FULL = {"widths": ((8, 8), (16, 16), (32, 32)), "seeds": 10}
DX = 8
TRAIN = {"epochs": 2000, "lr": 0.01, "tol": 1e-3}


def formula(widths) -> int:
    d1, d2 = widths
    return 4 * (d1 // 4) * (d2 // 4)


def parameters(widths, dx: int = DX) -> int:
    d1, d2 = widths
    return d1 * (dx + 1) + d2 * (d1 + 1) + d2 + 1


CAPTIONS = {
    "capacity.png": "The largest N memorized (in 9 of 10 random datasets) by a 3-layer ReLU network of widths d1-d2, "
    "against its number of parameters: Theorem 3.1's construction (circles), its formula 4 floor(d1/4) floor(d2/4) "
    "(dotted), and gradient training of the same architecture (squares); grey: N = parameters.",
}


def run(out_dir, quick: bool = False, progress: bool = True) -> list[dict]:
    grid = QUICK if quick else FULL
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "capacity.sqlite"  # the trials: a rerun resumes from it
    rows = []
    for widths in grid["widths"]:
        for method, options in (("yun-3layer", {}), ("train", TRAIN)):
            if progress:
                print(f"capacity of {method} with widths {widths}:", flush=True)
            r = capacity(
                method,
                widths,
                DX,
                seeds=grid["seeds"],
                need=grid["seeds"] - 1,
                db=db,
                n_jobs=-1,
                progress=progress,
                **options,
            )
            rows.append(
                {
                    "method": method,
                    "widths": widths,
                    "capacity": r.capacity,
                    "formula": formula(widths),
                    "parameters": parameters(widths),
                    "tried": sorted(r.tried),
                    "seeds": grid["seeds"],
                }
            )
    atomic_write_bytes(out / "capacity.md", summarise(rows).encode())
    plot(rows, out)
    return rows


def _at_formula(r) -> int | None:
    """Seeds memorized at N = the formula (None: not tried there)."""
    return next((k for n, k, *_ in r["tried"] if n == r["formula"]), None)


def claims(rows) -> list[dict]:
    built = [r for r in rows if r["method"] == "yun-3layer"]
    trained = [r for r in rows if r["method"] == "train"]
    seeds = max((s for r in rows for s in [r.get("seeds", 0)]), default=0)
    widths = ", ".join(f"{r['widths'][0]}-{r['widths'][1]}" for r in built)
    at = {r["widths"]: _at_formula(r) for r in built}
    return [
        claim(
            "Theorem 3.1: a 3-layer ReLU network with $4\\lfloor d_1/4\\rfloor \\lfloor d_2/4\\rfloor \\ge N$ "
            "memorizes any $N$ distinct points ($d_y = 1$).",
            "; ".join(f"widths {w}: at N = formula, {k} of {seeds} seeds memorized" for w, k in at.items())
            + " (the construction refuses larger N with a WidthError, so a capacity above the formula is not "
            "measured here).",
            None if any(k is None for k in at.values()) else all(k == seeds for k in at.values()),
            regime=f"N = 4⌊d1/4⌋⌊d2/4⌋, the largest N the theorem covers; dx = {DX}, points on the sphere, "
            "labels in [-1, 1], tol 1e-6",
            seeds=seeds,
            sizes=f"widths {widths}",
        ),
        claim(
            "Gradient training of the same architecture (our baseline, not a claim of the paper).",
            "; ".join(
                f"widths {r['widths']}: capacity {r['capacity']} at tol {TRAIN['tol']:g} "
                f"({r['capacity'] / r['parameters']:.2f} points per parameter)"
                for r in trained
            )
            + ". Training needs no construction but a looser tolerance; the construction's size is fixed by the "
            "formula, not by the parameter count.",
            None,
            seeds=seeds,
            sizes=f"widths {widths}",
        ),
    ]


def summarise(rows) -> str:
    buf = io.StringIO()
    buf.write(
        f"Random datasets: N points uniform on S^{DX - 1}, real labels in [-1, 1]; memorized when 9 of 10 seeds pass.\n"
    )
    buf.write(
        f"yun-3layer: tol 1e-6. train: the strong recipe (float32 AdamW, mini-batches of 512, one-cycle schedule "
        f"of peak lr {TRAIN['lr']}), <= {TRAIN['epochs']} epochs per seed, tol {TRAIN['tol']:g}; each seed has its "
        "own dataset and initialisation. Training's count of memorized seeds need not fall monotonically with N "
        "(a fixed epoch budget meets a random dataset and start each time), so the search can pass an N above one "
        "that failed: every N tried is listed with its memorized seeds out of 10.\n\n"
    )
    buf.write(
        "| method | widths | parameters | capacity N | Theorem 3.1's N | N tried: memorized seeds "
        "|\n|---|---|---|---|---|---|\n"
    )
    for r in rows:
        tried = ", ".join(f"{n}: {k}" for n, k, _ in r["tried"])
        buf.write(
            f"| {r['method']} | {r['widths'][0]}-{r['widths'][1]} | {r['parameters']} | {r['capacity']} | "
            f"{r['formula']} | {tried} |\n"
        )
    buf.write("\n")
    buf.write("\n".join(verdict_lines(claims(rows))) + "\n")
    return buf.getvalue()


def plot(rows, out: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for method, marker in (("yun-3layer", "o"), ("train", "s")):
        rs = [r for r in rows if r["method"] == method]
        ax.loglog([r["parameters"] for r in rs], [max(r["capacity"], 1) for r in rs], marker + "-", label=method)
    rs = [r for r in rows if r["method"] == "yun-3layer"]
    ax.loglog([r["parameters"] for r in rs], [r["formula"] for r in rs], "k:", label="4 floor(d1/4) floor(d2/4)")
    p = np.array(sorted({r["parameters"] for r in rows}))
    ax.loglog(p, p, color="grey", lw=0.8, label="N = parameters")
    ax.set_xlabel("parameters")
    ax.set_ylabel("capacity N (9 of 10 seeds)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title("Capacity of a 3-layer ReLU net: construction vs training")
    save_figure(fig, out / "capacity.png")
