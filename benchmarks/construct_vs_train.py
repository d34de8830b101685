"""Construction + verification + certification against the strong training recipe (``make bench-train``).

1. Fashion-MNIST, all 60,000 training images, real and shuffled labels: ``yun-classifier``
   built through ``build`` against the same architecture trained with the strong recipe of
   memorizers.training (float32 AdamW, batch 512, one-cycle) until 100% or 20 minutes; the
   held-out accuracy of both on the 10,000 test images; the table, CSV and the accuracy-against-
   wall-clock figure go to --out (this is ``memorizers reproduce training --full``).
2. Synthetic data as before: Gaussian x (dx = 32), real labels in [-1, 1], ``yun-3layer`` with
   its smallest widths, against the strong recipe in float64 (float32 cannot resolve the
   construction's 1e-7 errors) until it reaches the construction's max error or 10x the
   construction time runs out (measured at 20x: 9.5e-2 at N = 10^4, nowhere near 3.5e-8).

    python benchmarks/construct_vs_train.py [--points 60000] [--seconds 1200] [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import time

from memorizers import build
from memorizers.data import gaussian_regression
from memorizers.experiments import training as experiment
from memorizers.training import train


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=60000, help="Fashion-MNIST training images")
    parser.add_argument("--seconds", type=float, default=1200.0, help="training budget per labelling")
    parser.add_argument("--out", default="results/bench-train", help="where the table and figure go")
    parser.add_argument("--sizes", default="10000,100000", help="synthetic N (empty: none)")
    parser.add_argument("--dx", type=int, default=32)
    parser.add_argument("--budget", type=float, default=10.0, help="synthetic: multiples of the construction time")
    args = parser.parse_args()

    result = experiment.run(args.out, sizes={"points": args.points, "seconds": args.seconds}, progress=False)
    print(experiment.summarise(result["rows"]), flush=True)

    print(
        "| N | widths | construct+verify+certify s | construction max err | training s | epochs | training max err "
        "| reached it | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",") if s):
        X, y = gaussian_regression(n, args.dx, seed=0)
        t = time.perf_counter()
        built = build("yun-3layer", X, y, seed=0, bits=False)  # at the default tolerance for N
        t_build = time.perf_counter() - t
        target = built.report.max_abs_error
        budget = max(args.budget * t_build, 1.0)
        result = train(built.network, X, y, dtype="float64", seconds=budget, tol=max(target, 1e-12), seed=0)
        widths = "-".join(map(str, built.network.hidden_widths))
        reached = result.report.passed
        print(
            f"| {n} | {widths} | {t_build:.2f} | {target:.2e} | {result.seconds:.1f} | {result.epochs} | "
            f"{result.report.max_abs_error:.2e} | {'yes' if reached else 'no'} | "
            f"{'' if reached else '> '}{result.seconds / t_build:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
