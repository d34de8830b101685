"""Construction + verification against gradient training of the same architecture (Yun et al. Theorem 3.1).

ReLU, smallest widths, dx = 32, labels uniform in [-1, 1]. For each N: the time to build and
verify the network and its max error, then Adam training (lr 1e-3, full batch) of a fresh
copy of the same architecture until it reaches the construction's max error or 20x the
construction time runs out, with its best max error and its time. One process, one table.

    python benchmarks/construct_vs_train.py [--sizes 1000,10000] [--budget 20]
"""

from __future__ import annotations

import argparse
import time

from memorizers import build
from memorizers.data import gaussian_regression
from memorizers.training import train


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--dx", type=int, default=32)
    parser.add_argument(
        "--budget", type=float, default=20.0, help="training budget, in multiples of the construction time"
    )
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    print(
        "| N | widths | construct+verify s | construction max err | training s | epochs | training max err (end "
        "of budget) "
        "| training reached it |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        X, y = gaussian_regression(n, args.dx, seed=0)
        t = time.perf_counter()
        built = build("yun-3layer", X, y, seed=0, bits=False)  # construct, verify, certify
        t_build = time.perf_counter() - t
        target = built.report.max_abs_error
        budget = max(args.budget * t_build, 1.0)
        result = train(built.network, X, y, lr=args.lr, seconds=budget, tol=max(target, 1e-12), seed=0, kind="real")
        widths = "-".join(map(str, built.network.stats()["hidden_widths"]))
        print(
            f"| {n} | {widths} | {t_build:.3f} | {target:.2e} | {result.seconds:.2f} | {result.epochs} | "
            f"{result.report.max_abs_error:.2e} | {'yes' if result.report.passed else 'no'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
