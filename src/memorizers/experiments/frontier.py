"""``memorizers reproduce frontier``: how many parameters, and how many bits, memorizing N points takes.

On the same data (N points in R^10 with pairwise distances >= 1, 10 classes: :func:`dataset`) every construction
that takes it is built through :func:`memorizers.build` and verified (the exact-parameter ones
exactly) up to the size each reaches in a few minutes; beyond that its size is counted from its
construction without verification (``vardi``: the network is still built, only not evaluated) or
from its width formula (the others), and such rows are marked. Per method and N: nonzero and dense
parameters, hidden layers, bit complexity (the most bits of one weight in fixed point) and total bits.

The claims tested (Vardi, Yehudai & Shamir 2022; ``../shared/specs/optimal_memorization.md``):

* Õ(√N) parameters suffice: the fitted slope of log nonzeros against log N for ``vardi``;
* large bit complexity is necessary: N log2 C bits of labels must fit in parameters x bits
  (counting), so Õ(√N) parameters force Ω̃(√N) bits per weight: ``vardi``'s bit complexity
  grows like √N while every network's total bits stay above N log2 C;
* the crossovers: the N from which ``vardi`` has fewer nonzero parameters than ``zhang`` and than
  ``yun-classifier`` (the spec's counts suggest about 10^4 against zhang).
"""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import numpy as np

from ..build import build
from ..constructions import METHODS
from ..files import atomic_write_bytes
from . import claim, pyplot, save_figure, verdict_lines, write_csv

D, C = 10, 10
QUICK = {"sizes": (100, 300, 1000, 3000, 10_000), "verify": 300, "construct": 10_000, "zhang": 300}
FULL = {
    "sizes": (100, 300, 1000, 3000, 10_000, 30_000, 100_000, 1_000_000),
    "verify": 10_000,
    "construct": 10**6,
    "zhang": 1000,
}
# exact zhang evaluates N x N products of ~63 N-bit numbers: 10 s at N = 1000, so it is verified up to grid["zhang"]
METHODS_HERE = ("vardi", "vardi-depth", "zhang", "yun-classifier", "relu-baum", "baum")

CAPTIONS = {
    "frontier.png": "Left: nonzero parameters against N (log-log) with fitted slopes; the dashed line is sqrt(N), "
    "the VC-dimension lower bound's order. Right: bit complexity (the most bits of one weight, fixed point) "
    "against N; in both panels filled markers were built and verified, open ones built without verification "
    "(vardi) or counted from a width formula (the others), joined by dashes.",
}


def dataset(n: int, seed: int = 0):
    """n points in R^10 at pairwise distance >= 1, in general position, and 10 classes: distinct random points of
    the lattice (3 Z)^10 in [0, 120)^10, each moved by at most 0.1 per coordinate (so by at most 0.32: the lattice's
    spacing 3 leaves >= 2.3 between points), which puts them in general position almost surely. Cheap at any n,
    where a nearest-neighbour search in 10 dimensions is not."""
    rng = np.random.default_rng([seed, n])
    sites = np.unique(rng.integers(0, 40, size=(n + n // 10 + 16, D)), axis=0)
    while len(sites) < n:  # (40^10 sites: a repeat is rare)
        sites = np.unique(np.vstack([sites, rng.integers(0, 40, size=(n, D))]), axis=0)
    sites = sites[rng.permutation(len(sites))[:n]]
    X = 3.0 * sites + rng.uniform(0, 0.1, size=(n, D))
    y = rng.integers(0, C, n)
    y[: min(n, C)] = np.arange(min(n, C))
    return X, y


def _options(method: str, n: int) -> tuple[str, dict]:
    if method == "vardi-depth":
        return "vardi", {"depth": max(64, int(4 * math.sqrt(n)))}  # depth L ~ 4 sqrt(N): O~(N / L) parameters
    if method == "zhang":
        return "zhang", {"exact": True}
    if method == "yun-classifier":
        return method, {"n_classes": C}
    return method, {}


def _labels(method: str, y: np.ndarray):
    if method == "baum":  # 0/1 labels only: the class parity (its size does not depend on which labels)
        return (y % 2).astype(float)
    if method == "relu-baum":  # real labels: the class id as a number
        return y.astype(float)
    return y


def _row(method, n, net, report, mode, seconds) -> dict:
    s = net.stats()
    return {
        "method": method,
        "N": n,
        "mode": mode,  # verified / constructed / counted
        "nonzero": s["nonzero_parameters"],
        "dense": s["parameters"],
        "layers": len(s["hidden_widths"]),
        "bit_complexity": s["bit_complexity"],
        "total_bits": s["total_bits"],
        "label_bits": round(n * math.log2(C), 1),
        "memorized": None if report is None else bool(report.passed),
        "seconds": round(seconds, 2),
    }


def _counted(method: str, n: int) -> dict:
    """Sizes from the width formula, for the float methods past what is built."""
    if method == "zhang":  # one projection (d weights), n units on it (weight 1, bias -b_j), n output weights
        return {"method": method, "N": n, "mode": "counted", "nonzero": D + 3 * n, "dense": D + 3 * n + 2, "layers": 1}
    X, y = np.zeros((n, D)), np.arange(n) % C
    name, options = _options(method, n)
    widths = METHODS[name].widths(X, _labels(method, y), options)
    sizes = [D, *widths, C if method == "yun-classifier" else 1]
    dense = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))  # dense layers: nonzero as counted = dense
    return {"method": method, "N": n, "mode": "counted", "nonzero": dense, "dense": dense, "layers": len(widths)}


def run(out_dir, quick: bool = False, progress: bool = True) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    grid = QUICK if quick else FULL
    rows = []
    for n in grid["sizes"]:
        X, y = dataset(n)
        for method in METHODS_HERE:
            name, options = _options(method, n)
            t = time.perf_counter()
            if n <= (grid["zhang"] if method == "zhang" else grid["verify"]):
                built = build(name, X, _labels(method, y), seed=0, bits=False, **options)
                row = _row(method, n, built.network, built.report, "verified", time.perf_counter() - t)
            elif name == "vardi" and n <= grid["construct"]:
                net, _ = METHODS[name].construct(X, y, seed=0, **options)
                row = _row(method, n, net, None, "constructed", time.perf_counter() - t)
            elif name == "vardi":
                continue
            else:
                row = _counted(method, n)
            row.setdefault("label_bits", round(n * math.log2(C), 1))
            rows.append(row)
            if progress:
                print(f"frontier: {method} N={n}: {row['nonzero']} nonzero ({row['mode']})", flush=True)
    result = {
        "rows": rows,
        "slopes": slopes(rows),
        "crossovers": crossovers(rows),
        "sized_crossovers": crossovers(rows, ("verified", "constructed", "counted")),
    }
    write_csv(out / "frontier.csv", rows)
    atomic_write_bytes(out / "frontier.md", summarise(result).encode())
    plot(result, out)
    return result


def _series(rows, method, key, modes=("verified", "constructed")):
    pts = [(r["N"], r[key]) for r in rows if r["method"] == method and r["mode"] in modes and r.get(key)]
    return np.array(pts, dtype=float).reshape(-1, 2)


def slopes(rows) -> dict:
    """Per method, the fitted slopes of log nonzeros and log bit complexity against log N (built networks only)."""
    out = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        entry = {}
        for key in ("nonzero", "bit_complexity"):
            pts = _series(rows, method, key)
            pts = pts[pts[:, 0] >= 1000] if (pts[:, 0] >= 1000).sum() >= 2 else pts
            if len(pts) >= 2:
                entry[key] = float(np.polyfit(np.log(pts[:, 0]), np.log(pts[:, 1]), 1)[0])
        out[method] = entry
    return out


def crossovers(rows, modes=("verified",)) -> dict:
    """The smallest N of the grid from which vardi has fewer nonzero parameters than each other method, comparing
    networks of the given modes only (default: both built and verified; a count is not a network)."""
    vardi = {r["N"]: r["nonzero"] for r in rows if r["method"] == "vardi" and r["mode"] in modes}
    out = {}
    for method in ("zhang", "yun-classifier", "relu-baum", "baum"):
        other = {r["N"]: r["nonzero"] for r in rows if r["method"] == method and r["mode"] in modes}
        common = sorted(set(vardi) & set(other))
        out[method] = next((n for n in common if all(vardi[m] < other[m] for m in common if m >= n)), None)
    return out


def claims(result) -> list[dict]:
    rows, s, cross = result["rows"], result["slopes"], result["crossovers"]
    v = s.get("vardi", {})
    largest = max((r for r in rows if r["method"] == "vardi"), key=lambda r: r["N"])
    enough = [r for r in rows if r.get("total_bits")]
    short = [f"{r['method']} at N = {r['N']}" for r in enough if r["total_bits"] < r["label_bits"]]
    verified = sorted({r["N"] for r in rows if r["method"] == "vardi" and r["mode"] == "verified"})
    sizes = f"N = {', '.join(str(n) for n in sorted({r['N'] for r in rows}))} (verified up to {verified[-1]})"
    regime = "N points in R^10 at pairwise distance >= 1, 10 classes; slopes over the networks built"
    sized = result.get("sized_crossovers", {})
    return [
        claim(
            "Vardi, Yehudai & Shamir (2022), Theorem 3.1: $\\tilde O(\\sqrt{N})$ parameters memorize N points "
            "(optimal: the VC dimension forces $\\Omega(\\sqrt{N})$).",
            f"vardi's nonzero parameters grow as N^{v.get('nonzero', float('nan')):.2f} over the networks built "
            f"({largest['nonzero']} at N = {largest['N']}, {largest['layers']} hidden layers of width <= 10; "
            f"verified at N = {', '.join(map(str, verified))}, built without evaluation beyond)",
            bool(v.get("nonzero", 1.0) <= 0.6),
            regime=regime,
            seeds=1,
            sizes=sizes,
        ),
        claim(
            "Large bit complexity is necessary: the labels' $N \\log_2 C$ bits must fit in parameters x bits, so "
            "$\\tilde O(\\sqrt{N})$ parameters need $\\tilde\\Omega(\\sqrt{N})$ bits each.",
            f"vardi's bit complexity grows as N^{v.get('bit_complexity', float('nan')):.2f} "
            f"({largest['bit_complexity']} bits at N = {largest['N']}); total bits >= N log2 C for "
            + ("every network built" if not short else f"all but {', '.join(short)}"),
            bool(v.get("bit_complexity", 0.0) >= 0.3 and not short),
            regime=regime,
            seeds=1,
            sizes=sizes,
        ),
        claim(
            "The crossover: from some N on, vardi uses fewer nonzero parameters than Zhang et al.'s 2N + d and Yun et "
            "al.'s classifier (the spec's counts: about $10^4$ against zhang).",
            "between networks built and verified on both sides: "
            + "; ".join(
                f"against {m}: " + (f"from N = {n}" if n is not None else "none in the grid") for m, n in cross.items()
            )
            + ". Comparing sizes alone (vardi built without evaluation, the others counted from their formulas): "
            + "; ".join(f"against {m}: " + (f"from N = {n}" if n is not None else "none") for m, n in sized.items())
            + ".",
            None if cross.get("zhang") is None else True,
            regime=None if cross.get("zhang") is None else "networks built and verified on both sides",
            seeds=1,
            sizes=sizes,
        ),
    ]


def summarise(result) -> str:
    buf = io.StringIO()
    buf.write(
        "Same data for every method: N points in R^10, pairwise distance >= 1 (jittered lattice points), 10 classes "
        "(baum: their parity; "
        "relu-baum: the class id as a real label). mode: verified (built and verified: exactly for vardi and "
        "zhang), constructed (vardi built, not evaluated), counted (from the width formula). bits: fixed point.\n\n"
    )
    buf.write("| method | N | mode | nonzero | dense | hidden layers | bit complexity | total bits | N log2 C | s |\n")
    buf.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for r in result["rows"]:
        buf.write(
            f"| {r['method']} | {r['N']} | {r['mode']} | {r['nonzero']} | {r['dense']} | {r['layers']} | "
            f"{r.get('bit_complexity', '')} | {r.get('total_bits', '')} | {r['label_bits']} | "
            f"{r.get('seconds', '')} |\n"
        )
    buf.write("\n| method | slope of nonzeros | slope of bit complexity |\n|---|---|---|\n")
    for m, e in result["slopes"].items():
        buf.write(f"| {m} | {e.get('nonzero', float('nan')):.2f} | {e.get('bit_complexity', float('nan')):.2f} |\n")
    buf.write("\n" + "\n".join(verdict_lines(claims(result))) + "\n")
    return buf.getvalue()


def plot(result, out: Path) -> None:
    plt = pyplot()
    rows = result["rows"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.5))
    for method in dict.fromkeys(r["method"] for r in rows):
        done = _series(rows, method, "nonzero", ("verified",))
        later = _series(rows, method, "nonzero", ("constructed", "counted"))
        slope = result["slopes"].get(method, {}).get("nonzero")
        label = method + (f" (slope {slope:.2f})" if slope is not None else "")
        line = ax.plot(done[:, 0], done[:, 1], "o-", label=label)[0]
        if len(later):  # from the last verified point on, dashed
            ax.plot(later[:, 0], later[:, 1], "o", mfc="none", color=line.get_color())
            ax.plot(
                np.vstack([done[-1:], later])[:, 0], np.vstack([done[-1:], later])[:, 1], "--", color=line.get_color()
            )
        bits = _series(rows, method, "bit_complexity", ("verified",))
        built = _series(rows, method, "bit_complexity", ("constructed",))  # built, not evaluated: open markers
        if len(bits):
            bx.plot(bits[:, 0], bits[:, 1], "o-", color=line.get_color(), label=method)
        if len(built):
            joined = np.vstack([bits[-1:], built])
            bx.plot(built[:, 0], built[:, 1], "o", mfc="none", color=line.get_color())
            bx.plot(joined[:, 0], joined[:, 1], "--", color=line.get_color())
    n = np.array(sorted({r["N"] for r in rows}), dtype=float)
    ax.plot(n, np.sqrt(n), "k--", lw=0.8, label="sqrt(N)")
    for a, title, ylabel in ((ax, "Nonzero parameters", "nonzero parameters"), (bx, "Bit complexity", "bits")):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("N (points memorized)")
        a.set_ylabel(ylabel)
        a.set_title(title)
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    save_figure(fig, out / "frontier.png")
