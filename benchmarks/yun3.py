"""Benchmark of Yun et al. Theorem 3.1 (ReLU, smallest widths) on Gaussian data, dx = 64, through the
public ``build`` with its defaults (what a user calls; a network that fails its own verification at the
default tolerance, 1e-6 up to N = 10^5 and 1e-6 (N / 10^5)^1.5 beyond, is reported as such in the "passed"
column, not hidden).

For each N: build time (construction and its certifying float64 verification), float64 verification
time (without and with the certificate), build time divided by the time of one float64 forward pass
over the same data (the reference run, measured in the same process), max |f(x_i) - y_i| in float64
and float32, the fraction of points certified in float64 (at that tolerance; the bits search left out),
whether the build passed and at which tolerance, and the largest |weight|.

    python benchmarks/yun3.py [--sizes 1000,10000,100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from memorizers import build, verify
from memorizers.data import gaussian_regression


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--dx", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(
        "| N | widths | build s | verify s | verify+certify s | forward s | build/forward "
        "| max err f64 | max err f32 | certified f64 | passed (tol) | max abs weight |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        X, y = gaussian_regression(n, args.dx, seed=args.seed)
        repeat = 3 if n <= 10_000 else 1
        t_build, built = best_of(
            lambda: build("yun-3layer", X, y, seed=args.seed, bits=False, on_failure="return"), repeat
        )
        net = built.network
        t_fwd, _ = best_of(lambda: net.forward(X), repeat)
        t_ver, r64 = best_of(lambda: verify(net, X, y, kind="real", certify=False), repeat)
        t_cert, c64 = best_of(lambda: verify(net, X, y, kind="real", bits=False), repeat)
        r32 = verify(net, X, y, dtype="float32", kind="real", certify=False)
        s = net.stats()
        widths = "-".join(str(w) for w in s["hidden_widths"])
        print(
            f"| {n} | {widths} | {t_build:.3f} | {t_ver:.3f} | {t_cert:.3f} | {t_fwd:.3f} | {t_build / t_fwd:.2f} | "
            f"{r64.max_abs_error:.2e} | {r32.max_abs_error:.2e} | {c64.certified:.2%} | "
            f"{built.report.passed} ({built.report.tol:.3g}) | "
            f"{s['max_abs_weight']:.2e} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
