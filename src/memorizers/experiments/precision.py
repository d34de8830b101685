"""``memorizers reproduce precision``: the significand bits each construction needs, against N.

For every construction that takes arbitrary N, random data of the kind its theorem covers is
memorized at growing N through :func:`memorizers.build`, and the report's ``bits_sufficient`` is
recorded: the smallest t such that the network with its parameters, inputs and every
operation rounded to t bits provably reproduces every label in any order of summation
(:mod:`memorizers.certify`). Per method the growth is fitted as bits = a + b log2 N, next to
float32's 24 bits and float64's 53.

This is a live question: sub-linear parameter counts need weights of large bit complexity
(Vardi, Yehudai & Shamir 2022), and memorization in floating point has its own theory (Park,
Hwang, Lee & Park 2024). The seed constructions use Theta(N) parameters; this measures how
their precision grows, with no claim of the papers to test.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np

from ..build import build
from ..files import atomic_write_bytes
from . import claim, pyplot, save_figure, verdict_lines, write_csv

QUICK = (100, 300, 1000)
FULL = (100, 300, 1000, 3000, 10000)
DX = 16
CAP = {"universal": 3000, "vershynin": 3000, "daniely": 1024}  # where a build gets slow (universal: O(N^3))


def dataset(method: str, n: int, rng):
    """(X, y, options) inside the method's theorem: Gaussian or unit points, labels of its kind."""
    if method == "daniely":
        d = q = 512  # m <= d q / 256: inside the regime where one step memorizes (see constructions.daniely)
        return rng.standard_normal((n, d)), rng.choice([-1.0, 1.0], n), {"widths": q}
    X = rng.standard_normal((n, DX))
    if method in ("vershynin", "relu-baum", "universal"):
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    if method in ("baum", "vershynin"):
        return X, (rng.random(n) < 0.5).astype(float), {}
    if method in ("yun-classifier", "yun-2layer"):
        y = rng.integers(0, 10, n)
        y[:10] = np.arange(10)
        return X, y, {"n_classes": 10}
    return X, rng.uniform(-1, 1, n), {}


METHODS = ("yun-3layer", "yun-classifier", "yun-2layer", "relu-baum", "baum", "universal", "vershynin", "daniely")


CAPTIONS = {
    "precision.png": "Significand bits t that provably suffice for each construction to memorize N random points in "
    "t-bit arithmetic (any summation order), with the fitted a + b log2 N; the dotted lines are float32's 24 and "
    "float64's 53 bits.",
}


def run(out_dir, quick: bool = False, progress: bool = True) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = QUICK if quick else FULL
    rows = []
    for method in METHODS:
        for n in sizes:
            if n > CAP.get(method, np.inf):
                continue
            X, y, options = dataset(method, n, np.random.default_rng(n))
            t = time.perf_counter()
            built = build(method, X, y, seed=0, **options)
            r = built.report
            s = built.network.stats()
            rows.append(
                {
                    "method": method,
                    "N": n,
                    "bits_sufficient": r.bits_sufficient,
                    "certified": r.certified,
                    "max_abs_weight": s["max_abs_weight"],
                    "parameters": s["parameters"],
                    "seconds": round(time.perf_counter() - t, 3),
                }
            )
            if progress:
                print(f"precision: {method} N={n}: {r.bits_sufficient} bits", flush=True)
    result = {"rows": rows, "fits": fits(rows)}
    write_csv(out / "precision.csv", rows)
    atomic_write_bytes(out / "precision.md", summarise(result).encode())
    plot(result, out)
    return result


def fits(rows) -> dict:
    """Per method, (a, b) of the least-squares line bits = a + b log2 N (None with fewer than 2 sizes)."""
    out = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        pts = [
            (np.log2(r["N"]), r["bits_sufficient"])
            for r in rows
            if r["method"] == method and r["bits_sufficient"] is not None
        ]
        if len(pts) >= 2:
            x, b = np.array(pts, dtype=float).T
            slope, intercept = np.polyfit(x, b, 1)
            out[method] = (float(intercept), float(slope))
    return out


def claims(result) -> list[dict]:
    rows, fit = result["rows"], result["fits"]
    largest = {
        m: max((r for r in rows if r["method"] == m), key=lambda r: r["N"])
        for m in dict.fromkeys(r["method"] for r in rows)
    }

    def within(bits):
        return (
            ", ".join(
                m for m, r in largest.items() if r["bits_sufficient"] is not None and r["bits_sufficient"] <= bits
            )
            or "none"
        )

    return [
        claim(
            "Bits of precision that provably suffice, in any summation order, for each seed construction (a "
            "measurement; the papers make no claim).",
            "; ".join(
                f"{m}: bits = {a:.1f} + {b:.2f} log2 N"
                + (f" ({largest[m]['bits_sufficient']} at N = {largest[m]['N']})" if m in largest else "")
                for m, (a, b) in fit.items()
            )
            + f". Within float64's 53 bits at the largest N: {within(53)}; within float32's 24: {within(24)}.",
            None,
            seeds=len({r.get("seed", 0) for r in rows}),
            sizes="N = " + ", ".join(str(n) for n in sorted({r["N"] for r in rows})),
        ),
    ]


def summarise(result) -> str:
    buf = io.StringIO()
    buf.write(
        "bits_sufficient: the smallest t such that the network with parameters, inputs and every operation rounded "
        "to t bits "
        "provably reproduces every label (any order of summation). float32 has 24 bits, float64 53.\n\n"
    )
    buf.write(
        "| method | N | bits sufficient | certified (float64) | max abs weight | parameters | build s "
        "|\n|---|---|---|---|---|---|---|\n"
    )
    for r in result["rows"]:
        buf.write(
            f"| {r['method']} | {r['N']} | {r['bits_sufficient']} | {r['certified']:.2%} | "
            f"{r['max_abs_weight']:.3g} | {r['parameters']} | {r['seconds']} |\n"
        )
    buf.write("\n| method | fit: bits = a + b log2 N |\n|---|---|\n")
    for m, (a, b) in result["fits"].items():
        buf.write(f"| {m} | {a:.1f} + {b:.2f} log2 N |\n")
    buf.write("\n" + "\n".join(verdict_lines(claims(result))) + "\n")
    return buf.getvalue()


def plot(result, out: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for method in dict.fromkeys(r["method"] for r in result["rows"]):
        rs = [r for r in result["rows"] if r["method"] == method and r["bits_sufficient"] is not None]
        line = ax.plot([r["N"] for r in rs], [r["bits_sufficient"] for r in rs], "o", label=method)[0]
        if method in result["fits"]:
            a, b = result["fits"][method]
            n = np.array([rs[0]["N"], rs[-1]["N"]], dtype=float)
            ax.plot(n, a + b * np.log2(n), "-", color=line.get_color(), lw=0.8)
    ax.set_xscale("log", base=2)
    for bits, name in ((24, "float32"), (53, "float64")):
        ax.axhline(bits, color="k", ls=":", lw=0.8)
        ax.text(0.99, bits + 0.3, name, fontsize=8, ha="right", va="bottom", transform=ax.get_yaxis_transform())
    ax.set_xlabel("N (points memorized)")
    ax.set_ylabel("bits sufficient (significand precision t)")
    ax.set_title("Precision that provably suffices, by construction (lines: a + b log2 N)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, out / "precision.png")
