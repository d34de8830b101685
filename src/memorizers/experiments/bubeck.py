"""``memorizers reproduce bubeck``: network size and total weight of Bubeck et al.'s constructions.

For x uniform on S^{d-1} and random +-1 labels: neurons and total weight W(f) of the
ReLU Baum network (Proposition 4, exact) and the NTK network (Theorems 2-3, eps = 0.01,
line search), next to Proposition 1's lower bound sqrt(n) / (8 L) (L = 1 for ReLU), with
log-log fits of W(f) against n and of neurons against n/d. The harmonic network is not
built yet, so its claim (W(f) ~ sqrt(n)) is not checked here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..constructions.bubeck import ntk, relu_baum
from ..network import atomic_write_bytes
from . import pyplot, save_figure

FULL = {"d": (50, 100, 200), "ratios": (2, 5, 10, 20), "seeds": 3}
QUICK = {"d": (50, 100), "ratios": (2, 5), "seeds": 1}
EPS = 0.01


def sphere_task(n: int, d: int, seed: int):
    rng = np.random.default_rng([seed, n, d])
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True), rng.choice([-1.0, 1.0], size=n)


def run(out_dir, quick: bool = False, progress: bool = True) -> list[dict]:
    grid = QUICK if quick else FULL
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(d, r, s) for d in grid["d"] for r in grid["ratios"] for s in range(grid["seeds"])]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="bubeck", unit="dataset")
    rows = []
    for d, ratio, seed in jobs:
        n = ratio * d
        X, y = sphere_task(n, d, seed)
        for name, build in (("relu-baum", lambda: relu_baum(X, y, seed=seed)), ("ntk", lambda: ntk(X, y, eps=EPS, seed=seed))):
            net, info = build()
            f = net.forward(X)[:, 0]
            s = net.stats()
            rows.append(
                {
                    "method": name,
                    "d": d,
                    "n": n,
                    "n_over_d": ratio,
                    "seed": seed,
                    "neurons": s["hidden_neurons"],
                    "total_weight": s["total_weight"],
                    "relative_error": float(np.sum((f - y) ** 2) / np.sum(y**2)),
                    "lower_bound": math.sqrt(n) / 8,
                    "theorem_neurons": info.get("theorem_neurons", 4 * math.ceil(n / d)),
                }
            )
    keys = list(rows[0])
    csv = "\n".join([",".join(keys)] + [",".join(str(r[k]) for k in keys) for r in rows]) + "\n"
    atomic_write_bytes(out / "bubeck.csv", csv.encode())
    summary = summarise(rows)
    atomic_write_bytes(out / "bubeck.md", summary.encode())
    plot(rows, out)
    return rows


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def summarise(rows) -> str:
    lines = [
        f"x uniform on the sphere, y = +-1 at random; relu-baum exact, ntk to ||f - y||^2 <= {EPS} ||y||^2.",
        "",
        "| method | d | n/d | n | neurons (mean) | theorem's neurons | W(f) (mean) | sqrt(n)/8 (Prop. 1) | rel. error (max) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    cells: dict = {}
    for r in rows:
        cells.setdefault((r["method"], r["d"], r["n_over_d"]), []).append(r)
    for (m, d, ratio), c in sorted(cells.items()):
        lines.append(
            f"| {m} | {d} | {ratio} | {c[0]['n']} | {np.mean([x['neurons'] for x in c]):.1f} | "
            f"{np.mean([x['theorem_neurons'] for x in c]):.0f} | {np.mean([x['total_weight'] for x in c]):.3g} | "
            f"{c[0]['lower_bound']:.2f} | {max(x['relative_error'] for x in c):.2e} |"
        )
    lines += ["", "Fitted log-log slopes (all d pooled):", ""]
    for m in sorted({r["method"] for r in rows}):
        rs = [r for r in rows if r["method"] == m]
        wn = _slope([r["n"] for r in rs], [r["total_weight"] for r in rs])
        nd = _slope([r["n_over_d"] for r in rs], [r["neurons"] for r in rs])
        lines.append(f"- {m}: W(f) ~ n^{wn:.2f} (paper: Baum and NTK >~ n^1.5); neurons ~ (n/d)^{nd:.2f} (paper: ~ n/d)")
    lines.append("- harmonic network: not built yet; its W(f) ~ sqrt(n) claim is unchecked.")
    return "\n".join(lines) + "\n"


def plot(rows, out: Path) -> None:
    plt = pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for m, marker in (("relu-baum", "o"), ("ntk", "s")):
        for d, color in zip(sorted({r["d"] for r in rows}), ("C0", "C1", "C2")):
            rs = sorted((r for r in rows if r["method"] == m and r["d"] == d), key=lambda r: r["n"])
            axes[0].loglog([r["n"] for r in rs], [r["total_weight"] for r in rs], marker, color=color, label=f"{m}, d={d}", ms=4)
            axes[1].loglog([r["n_over_d"] for r in rs], [r["neurons"] for r in rs], marker, color=color, ms=4)
    ns = np.array(sorted({r["n"] for r in rows}))
    axes[0].loglog(ns, np.sqrt(ns) / 8, "k--", label="sqrt(n)/8 (Prop. 1)")
    axes[0].loglog(ns, ns**1.5 * 10, "k:", label="n^1.5 (reference)")
    axes[0].set_xlabel("n")
    axes[0].set_ylabel("total weight W(f)")
    axes[1].set_xlabel("n / d")
    axes[1].set_ylabel("neurons")
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=7)
    fig.suptitle("Bubeck et al. (2020): size and total weight, x on the sphere, random +-1 labels")
    save_figure(fig, out / "bubeck.png")
