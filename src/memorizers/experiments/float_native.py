"""``memorizers reproduce float``: memorization in the arithmetic users run, against the counting bound.

P parameters of b bits memorize every C-labelling of N points only if b P >= N log2 C, so memorization in
float32 (b = 32) or bfloat16 (b = 16) costs Theta(N) parameters (Park, Hwang, Lee & Park 2024 prove it
achievable; their construction could not be read). Through :func:`memorizers.build`, on Gaussian data with 10
classes at growing N over several seeds:

* the float-native staircase (ours; :mod:`memorizers.constructions.staircase`) in float32 and in bfloat16
  (``precision="bfloat16"``): nonzero parameters, the share certified in its format in any order of summation
  (``verify(any_order=...)``), ``bits_sufficient``, with the fitted slope of nonzeros against N (log-log) and
  the ratio to the counting bound;
* Yun et al.'s float64 classifier on the same data: its parameters and bits, and its any-order float32 share;
* who runs where: every construction of the precision experiment at one N, certified in float64, float32,
  bfloat16 and TF32 in any order.
"""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import numpy as np

from ..build import build
from ..files import atomic_write_bytes
from ..verify import verify
from . import claim, precision, pyplot, save_figure, verdict_lines, write_csv

QUICK, FULL = (300, 1000, 3000), (1000, 3000, 10_000)
SEEDS = 3
DX, CLASSES = precision.DX, 10  # the precision experiment's classifier data (precision.dataset)
FORMATS = ("float64", "float32", "bfloat16", "tf32")
BITS = {"float32": 32, "bfloat16": 16}  # per parameter, for the counting bound
MAX_SLOPE = 1.1  # of log nonzeros against log N: growth at most linear

CAPTIONS = {
    "float_native.png": "Nonzero parameters against N (log-log) of the float-native staircase in float32 and bfloat16, "
    "certified in its format in any order, next to the counting bounds N log2 C / 32 and / 16 that every "
    "float32 or bfloat16 network needs, and the parameters of Yun et al.'s float64 classifier on the same data.",
}


def run(out_dir, quick: bool = False, progress: bool = True) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in QUICK if quick else FULL:
        for seed in range(SEEDS):
            X, y, options = precision.dataset("yun-classifier", n, np.random.default_rng([n, seed]))
            for method, fmt in (("staircase", "float32"), ("staircase", "bfloat16"), ("yun-classifier", "float32")):
                t = time.perf_counter()
                built = build(method, X, y, seed=seed, **({"precision": fmt} if method == "staircase" else options))
                share = verify(built.network, X, y, bits=False, any_order=fmt).any_order[fmt]
                stats = built.network.stats()
                rows.append(
                    {
                        "method": method,
                        "format": fmt if method == "staircase" else "float64",
                        "N": n,
                        "seed": seed,
                        "nonzero": stats["nonzero_parameters"],
                        "parameters": stats["parameters"],
                        "bound": math.ceil(n * math.log2(CLASSES) / BITS[fmt]),
                        "certified_in_format": share,
                        "bits_sufficient": built.report.bits_sufficient,
                        "seconds": round(time.perf_counter() - t, 3),
                    }
                )
                if progress:
                    print(f"float: {method} ({fmt}) N={n} seed={seed}: {share:.2%} in {fmt}", flush=True)
    result = {"rows": rows, "slopes": slopes(rows), "where": who_runs_where(300 if quick else 1000, progress)}
    write_csv(out / "float_native.csv", rows)
    write_csv(out / "float_native_where.csv", result["where"])
    atomic_write_bytes(out / "float_native.md", summarise(result).encode())
    plot(result, out)
    return result


def who_runs_where(n: int, progress: bool) -> list[dict]:
    """Every construction of the precision experiment (its data) and the staircase in both formats (10 classes)
    at N points, certified in each format of :data:`FORMATS` in any order."""
    out = []
    cases = [(m, m, {}) for m in precision.METHODS]
    cases += [(f"staircase ({fmt})", "staircase", {"precision": fmt}) for fmt in ("float32", "bfloat16")]
    for name, method, more in cases:
        X, y, options = precision.dataset(
            "yun-classifier" if method == "staircase" else method, n, np.random.default_rng(n)
        )
        options = more or options
        built = build(method, X, y, seed=0, **options)
        shares = verify(built.network, X, y, bits=False, any_order=FORMATS).any_order
        out.append({"method": name, "N": n, "bits_sufficient": built.report.bits_sufficient, **shares})
        if progress:
            print(f"float: {name} N={n}: " + ", ".join(f"{f} {s:.0%}" for f, s in shares.items()), flush=True)
    return out


def slopes(rows) -> dict:
    """Per (method, format), the least-squares slope of log nonzeros against log N."""
    out = {}
    for key in dict.fromkeys((r["method"], r["format"]) for r in rows):
        pts = np.array([(np.log(r["N"]), np.log(r["nonzero"])) for r in rows if (r["method"], r["format"]) == key])
        if len({n for n, _ in pts}) >= 2:
            out[f"{key[0]} ({key[1]})"] = float(np.polyfit(pts[:, 0], pts[:, 1], 1)[0])
    return out


def claims(result) -> list[dict]:
    rows, where = result["rows"], result["where"]
    sizes = "N = " + ", ".join(str(n) for n in sorted({r["N"] for r in rows}))
    seeds = len({r["seed"] for r in rows})
    out = []
    for fmt in ("float32", "bfloat16"):
        mine = [r for r in rows if r["method"] == "staircase" and r["format"] == fmt]
        largest = max(r["N"] for r in mine)
        ratio = max(r["nonzero"] / r["bound"] for r in mine if r["N"] == largest)
        least = min(r["certified_in_format"] for r in mine)
        slope = result["slopes"][f"staircase ({fmt})"]
        out.append(
            claim(
                f"The staircase memorizes in {fmt} in any order of summation with nonzero parameters growing at "
                f"most linearly in N (ours, after Park et al. 2024); the counting bound $N \\log_2 C / {BITS[fmt]}$ "
                f"makes $\\Theta(N)$ necessary for every {fmt} network.",
                f"least share certified in {fmt} in any order {least:.2%}; slope of log nonzeros against log N "
                f"{slope:.2f} (linear: at most {MAX_SLOPE}); nonzeros {ratio:.1f} times the bound at N = {largest}.",
                least == 1.0 and slope <= MAX_SLOPE,
                regime=f"Gaussian data, dx = {DX}, {CLASSES} classes",
                seeds=seeds,
                sizes=sizes,
            )
        )
    ran = "; ".join(f"{w['method']}: float32 {w['float32']:.0%}, bfloat16 {w['bfloat16']:.0%}" for w in where)
    out.append(
        claim(
            "Who runs where: the share of points each construction is certified for in any order of summation, in "
            "float32 and bfloat16 (a measurement).",
            ran + f" (N = {where[0]['N']}).",
            None,
            seeds=1,
            sizes=f"N = {where[0]['N']}",
        )
    )
    return out


def summarise(result) -> str:
    buf = io.StringIO()
    buf.write(
        "Nonzero parameters and the share certified in the network's format in any order of summation, against "
        "the counting bound N log2 C / 32 (float32) or / 16 (bfloat16), on Gaussian data with 10 classes.\n\n"
        "| method | format | N | seed | nonzero | dense parameters | bound | ratio | certified in format | bits | "
        "build + verify s |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for r in result["rows"]:
        buf.write(
            f"| {r['method']} | {r['format']} | {r['N']} | {r['seed']} | {r['nonzero']:,} | {r['parameters']:,} | "
            f"{r['bound']:,} | {r['nonzero'] / r['bound']:.1f} | {r['certified_in_format']:.2%} | "
            f"{r['bits_sufficient']} | {r['seconds']} |\n"
        )
    buf.write("\n| method (format) | slope of log nonzeros against log N |\n|---|---|\n")
    for key, slope in result["slopes"].items():
        buf.write(f"| {key} | {slope:.2f} |\n")
    buf.write("\nWho runs where: the share certified in any order, per format.\n\n")
    buf.write("| method | N | bits sufficient | " + " | ".join(FORMATS) + " |\n|---|---|---|" + "---|" * len(FORMATS))
    for w in result["where"]:
        buf.write(f"\n| {w['method']} | {w['N']} | {w['bits_sufficient']} | ")
        buf.write(" | ".join(f"{w[f]:.0%}" for f in FORMATS) + " |")
    buf.write("\n\n" + "\n".join(verdict_lines(claims(result))) + "\n")
    return buf.getvalue()


def plot(result, out: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rows = result["rows"]
    for method, fmt, marker in (
        ("staircase", "float32", "o"),
        ("staircase", "bfloat16", "s"),
        ("yun-classifier", "float64", "^"),
    ):
        rs = [r for r in rows if r["method"] == method and r["format"] == fmt]
        what = "nonzero" if method == "staircase" else "parameters"
        ax.plot([r["N"] for r in rs], [r[what] for r in rs], marker, label=f"{method} ({fmt})", alpha=0.8)
    n = np.array(sorted({r["N"] for r in rows}), dtype=float)
    for fmt, style in (("float32", "--"), ("bfloat16", ":")):
        ax.plot(n, n * math.log2(CLASSES) / BITS[fmt], "k" + style, lw=0.8, label=f"counting bound, {fmt}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (points memorized)")
    ax.set_ylabel("parameters (nonzero for the staircase)")
    ax.set_title("float32 and bfloat16 memorization (any order) against the counting bound")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    save_figure(fig, out / "float_native.png")
