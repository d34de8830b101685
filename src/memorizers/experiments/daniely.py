"""``memorizers reproduce daniely``: how many Gaussians one gradient step memorizes.

For x ~ N(0, I_d), Rademacher y, d in {64, 128, 256}, q in {16, 64, 256} and m/(dq) from
1/256 to 1/2: the fraction of points with y_i h(x_i) > 0 and min_i y_i h(x_i) / ln d after
Daniely's single step, for sigma = |.| (the theorem's case) and ReLU (E sigma' = 1/2,
outside it), plus full-batch gradient training of the same network (PyTorch, Adam on the
same hinge loss, from the same initialisation, seed 0 of each cell): given the same
wall-clock time as the one step took, and until it memorizes as many points as the one
step did (at most 2 s). Writes ``daniely.csv``, ``daniely.md`` and two figures.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from .. import activations
from ..constructions.daniely import daniely_one_step, initialisation
from ..files import atomic_write_bytes
from . import SEEDS_TO_HOLD, claim, pyplot, save_figure, verdict_lines, write_csv

FULL = {"d": (64, 128, 256), "q": (16, 64, 256), "ratios": tuple(2.0**-k for k in range(8, 0, -1)), "seeds": 5}
REGIME = (6000, 5800)  # (d, q) with ln^4 d = 5728 <= q <= d: inside Theorem 1's assumptions
MATCH_BUDGET = 2.0  # seconds of training allowed to reach the one step's fraction
QUICK = {"d": (64, 128), "q": (16, 64), "ratios": tuple(2.0**-k for k in range(8, 0, -2)), "seeds": 2}


def gaussian_task(m: int, d: int, seed: int):
    rng = np.random.default_rng([seed, m, d])
    return rng.standard_normal((m, d)), rng.choice([-1.0, 1.0], size=m)


def train(X, y, q: int, seed, act: activations.Activation, seconds: float, target: float = 2.0, lr: float = 0.01):
    """Full-batch Adam on the mean scaled hinge loss, training W (a fixed, as in the one step) from the same start.

    Runs until ``seconds`` of wall-clock have passed (at least one step) or the fraction
    memorized reaches ``target``; returns (fraction memorized, min y h / ln d, steps, seconds).
    """
    import torch

    d = X.shape[1]
    W0, a = initialisation(q, d, seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    at = torch.from_numpy(a / math.sqrt(q))
    W = torch.nn.Parameter(torch.from_numpy(W0.copy()))
    opt = torch.optim.Adam([W], lr=lr)
    sigma = torch.abs if act.name == "abs" else torch.relu
    lnd = math.log(d)
    steps, start = 0, time.perf_counter()
    while True:
        h = sigma(Xt @ W.T) @ at
        margin = yt * h
        if steps > 0 and (time.perf_counter() - start >= seconds or float((margin > 0).double().mean()) >= target):
            break
        loss = torch.relu(lnd - margin).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        steps += 1
    margin = margin.detach().numpy()
    return float(np.mean(margin > 0)), float(margin.min() / lnd), steps, time.perf_counter() - start


CAPTIONS = {
    "daniely_fraction.png": "Fraction of the m points memorized (y h(x) > 0) by one gradient step, against "
    "m/(dq) (left) "
    "and against Theorem 1's scale m ln^4(d)/(dq) (right; the theorem covers the region left of the red line, "
    "with q >= ln^4 d); solid: |.|, dotted: ReLU, one colour per (d, q) of the grid, which has q < ln^4 d; red "
    "stars: the cell inside the theorem's regime, one per seed.",
    "daniely_margin.png": "The smallest margin min_i y_i h(x_i) / ln d after one step, on the same axes (red stars: "
    "the cell inside the regime); Theorem 1 promises Omega(1) inside its regime; below 0, some point is "
    "misclassified.",
}


def run(out_dir, quick: bool = False, progress: bool = True) -> list[dict]:
    """Run the grid, write the table and figures into ``out_dir``, return the rows."""
    grid = QUICK if quick else FULL
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(d, q, r, s) for d in grid["d"] for q in grid["q"] for r in grid["ratios"] for s in range(grid["seeds"])]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="daniely", unit="build", disable=None)
    rows = []
    for d, q, r, seed in jobs:
        m = max(1, round(r * d * q))
        X, y = gaussian_task(m, d, seed)
        row = {"d": d, "q": q, "m": m, "ratio": r, "theorem_scale": m * math.log(d) ** 4 / (d * q), "seed": seed}
        for name, act in (("abs", activations.absolute()), ("relu", activations.relu())):
            t = time.perf_counter()
            _, info = daniely_one_step(X, y, widths=q, activation=act, seed=seed, force=True)
            row[f"{name}_seconds"] = time.perf_counter() - t
            row[f"{name}_fraction"] = info["fraction_memorized"]
            row[f"{name}_min_margin"] = info["min_margin_over_ln_d"]
        if seed == 0:  # gradient training of the same network, one seed per cell
            frac, marg, steps, _ = train(X, y, q, seed, activations.absolute(), row["abs_seconds"])
            row.update(train_fraction=frac, train_min_margin=marg, train_steps=steps)
            frac, _, steps, secs = train(X, y, q, seed, activations.absolute(), MATCH_BUDGET, row["abs_fraction"])
            row.update(match_fraction=frac, match_steps=steps, match_seconds=secs)
        rows.append(row)
    # one cell inside the theorem's regime: ln^4 d <= q <= d needs d >= 5500 or so; m = dq / ln^4 d
    d, q = REGIME
    m = int(d * q / math.log(d) ** 4)
    for seed in range(SEEDS_TO_HOLD):  # the verdict's seeds: it holds only from this many
        X, y = gaussian_task(m, d, seed)
        t = time.perf_counter()
        _, info = daniely_one_step(X, y, widths=q, seed=seed)
        rows.append(
            {
                "regime": True,
                "d": d,
                "q": q,
                "m": m,
                "ratio": m / (d * q),
                "theorem_scale": m * math.log(d) ** 4 / (d * q),
                "seed": seed,
                "abs_seconds": time.perf_counter() - t,
                "abs_fraction": info["fraction_memorized"],
                "abs_min_margin": info["min_margin_over_ln_d"],
            }
        )

    write_csv(out / "daniely.csv", rows)
    summary = summarise(rows)
    atomic_write_bytes(out / "daniely.md", summary.encode())
    plot(rows, out)
    return rows


def _cells(rows):
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        if not r.get("regime"):
            cells.setdefault((r["d"], r["q"], r["ratio"]), []).append(r)
    return cells


def claims(rows) -> list[dict]:
    """Theorem 1 next to the measurements: the regime it covers, and what one step does past it."""
    cells = _cells(rows)
    regime = [r for r in rows if r.get("regime")]
    perfect = {k: c for k, c in cells.items() if all(x["abs_fraction"] == 1.0 for x in c)}
    lines = []
    for d in sorted({k[0] for k in cells}):
        best = max((k for k in perfect if k[0] == d), key=lambda k: k[2], default=None)
        if best is not None:
            lines.append(
                f"d={d}: up to m/(dq) = 1/{round(1 / best[2])} ({best[2] * math.log(d) ** 4:.3g} x the bound, q "
                f"= {best[1]})"
            )
    margin = min((x["abs_min_margin"] for c in perfect.values() for x in c), default=float("nan"))
    big = max(cells, key=lambda k: (k[2], k[0]))
    grid = f"d in {sorted({k[0] for k in cells})}, q in {sorted({k[1] for k in cells})}"
    grid_seeds = len({r["seed"] for r in rows if not r.get("regime")})
    return [
        claim(
            "Theorem 1: if $m \\le dq / \\ln^4 d$ and $q \\ge \\ln^4 d$, then with probability $1 - o(1)$ one "
            "gradient step from the orthogonal initialisation gives $y_i h(x_i) = \\Omega(\\ln d)$ for every $i$.",
            f"d = {regime[0]['d']}, q = {regime[0]['q']} (ln^4 d = {math.log(regime[0]['d']) ** 4:.0f}), "
            f"m = {regime[0]['m']} = dq / ln^4 d, {len(regime)} seed(s): memorized fraction "
            + ", ".join(f"{r['abs_fraction']:.4f}" for r in regime)
            + ", min y h / ln d = "
            + ", ".join(f"{r['abs_min_margin']:.3f}" for r in regime)
            + f" ({np.mean([r['abs_seconds'] for r in regime]):.0f} s per step). "
            "The grid below lies outside the regime (q < ln^4 d).",
            all(r["abs_fraction"] == 1.0 and r["abs_min_margin"] > 0 for r in regime),
            regime=f"ln^4 d <= q <= d, m = dq / ln^4 d (d = {regime[0]['d']}, q = {regime[0]['q']}), sigma = |.|",
            seeds=len(regime),
            sizes=f"m = {regime[0]['m']}",
        ),
        claim(
            "Past the regime (our measurement, not a claim of the paper): one step still memorizes every point.",
            "every point in every seed " + "; ".join(lines) + f"; there min y h / ln d = {margin:+.3f} (> 0).",
            None,
            seeds=grid_seeds,
            sizes=grid,
        ),
        claim(
            "The theorem needs $\\mathbb{E}\\,\\sigma'(g) = 0$ ($|\\cdot|$ qualifies, ReLU does not).",
            f"at the largest m/(dq) = 1/{round(1 / big[2])} (d = {big[0]}, q = {big[1]}): |.| memorizes "
            f"{np.mean([x['abs_fraction'] for x in cells[big]]):.3f}, ReLU "
            f"{np.mean([x['relu_fraction'] for x in cells[big]]):.3f} of the points.",
            None,
            seeds=grid_seeds,
            sizes=grid,
        ),
    ]


def summarise(rows) -> str:
    """Markdown: one line per (d, q, m/dq) with seed means and minima, then the regime statement."""
    lines = [
        "| d | q | m/(dq) | m | m ln^4 d/(dq) | abs: memorized (mean, min) | abs: min y h/ln d | "
        "relu: memorized | GD same time: memorized (steps) | GD to match: steps, s | one step s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (d, q, r), cell in sorted(_cells(rows).items()):
        fa = [c["abs_fraction"] for c in cell]
        tr = [c for c in cell if "train_fraction" in c]
        gd = f"{tr[0]['train_fraction']:.4f} ({tr[0]['train_steps']})" if tr else "-"
        if tr and tr[0]["match_fraction"] >= tr[0]["abs_fraction"]:
            match = f"{tr[0]['match_steps']}, {tr[0]['match_seconds']:.3f}"
        else:
            match = f"not in {MATCH_BUDGET:g} s ({tr[0]['match_fraction']:.4f})" if tr else "-"
        lines.append(
            f"| {d} | {q} | 1/{round(1 / r)} | {cell[0]['m']} | {cell[0]['theorem_scale']:.3g} | "
            f"{np.mean(fa):.4f}, {np.min(fa):.4f} | {min(c['abs_min_margin'] for c in cell):+.3f} | "
            f"{np.mean([c['relu_fraction'] for c in cell]):.4f} | {gd} | {match} | "
            f"{np.mean([c['abs_seconds'] for c in cell]):.4f} |"
        )
    lines += ["", "Rows with q > d use stacked independent orthogonal d x d blocks (the theorem assumes q <= d).", ""]
    lines += [
        "Where the theorem's regime lies (m <= dq / ln^4 d needs m/(dq) <= 1/ln^4 d; it also needs q >= ln^4 d):",
        "",
    ]
    for d in sorted({k[0] for k in _cells(rows)}):
        L4 = math.log(d) ** 4
        for q in sorted({k[1] for k in _cells(rows)}):
            cells = {r_: c for (dd, qq, r_), c in _cells(rows).items() if dd == d and qq == q}
            perfect = [r_ for r_, c in cells.items() if all(x["abs_fraction"] == 1.0 for x in c)]
            best = max(perfect) if perfect else None
            past = f"1/{round(1 / best)} = {best * L4:.3g} x the theorem's bound" if best else "none"
            lines.append(
                f"- d={d}, q={q}: theorem bound m/(dq) <= {1 / L4:.2e} (q >= {L4:.0f} "
                f"{'holds' if q >= L4 else 'fails'}); "
                f"largest m/(dq) with every point memorized in every seed: {past}"
            )
    lines += [""] + verdict_lines(claims(rows))
    return "\n".join(lines) + "\n"


def plot(rows, out: Path) -> None:
    plt = pyplot()

    cells = _cells(rows)
    keys = sorted({(d, q) for d, q, _ in cells})
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(keys)))
    for metric, label, fname in (
        ("fraction", "fraction memorized (y h > 0)", "daniely_fraction.png"),
        ("min_margin", "min_i y_i h(x_i) / ln d", "daniely_margin.png"),
    ):
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
        for (d, q), color in zip(keys, colors):
            rs = sorted(r for dd, qq, r in cells if (dd, qq) == (d, q))
            for act, style in (("abs", "-o"), ("relu", ":x")):
                vals = [np.mean([c[f"{act}_{metric}"] for c in cells[(d, q, r)]]) for r in rs]
                scale = [cells[(d, q, r)][0]["theorem_scale"] for r in rs]
                lab = f"d={d}, q={q}" if act == "abs" else None
                axes[0].plot(rs, vals, style, color=color, label=lab, ms=3)
                axes[1].plot(scale, vals, style, color=color, ms=3)
        regime = [r for r in rows if r.get("regime")]
        if regime:  # Theorem 1's own cell: one star per seed, inside the regime (scale 1)
            key = "abs_fraction" if metric == "fraction" else "abs_min_margin"
            lab = f"in the regime: d={regime[0]['d']}, q={regime[0]['q']}, |.|"
            axes[0].plot([r["ratio"] for r in regime], [r[key] for r in regime], "r*", ms=9, label=lab)
            axes[1].plot([r["theorem_scale"] for r in regime], [r[key] for r in regime], "r*", ms=9)
        axes[0].set_xlabel("m / (d q)")
        axes[1].set_xlabel("m ln^4(d) / (d q)   (theorem: <= 1)")
        axes[1].axvline(1.0, color="red", lw=1)
        axes[1].text(1.0, axes[1].get_ylim()[0], " theorem's regime: left of this line", color="red", va="bottom")
        for ax in axes:
            ax.set_xscale("log")
            ax.grid(alpha=0.3)
        if metric == "min_margin":
            for ax in axes:
                ax.axhline(0, color="k", lw=0.8)
        axes[0].set_ylabel(label)
        axes[0].legend(fontsize=7, title="solid: |.|, dotted: ReLU", title_fontsize=7)
        fig.suptitle("Daniely (2020): one gradient step from orthogonal initialisation, x ~ N(0, I_d), Rademacher y")
        save_figure(fig, out / fname, dpi=110)
