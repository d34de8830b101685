"""Benchmark of Vardi, Yehudai & Shamir (2022) Theorem 3.1 (``vardi``) and Zhang et al. (2017) Theorem 1
(``zhang``, exact) on the frontier experiment's data (N points in R^10, pairwise distance >= 1, 10 classes),
through the public ``build`` (construction, then verification judged by exact evaluation).

For each method and N: build time, of which the exact evaluation; hidden layers, nonzero parameters, bit
complexity (the most bits of one weight, fixed point), total bits against N log2 C, and the float64
accuracy of the same network (its parameters need exact arithmetic: reported as it is).

    python benchmarks/vardi.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import math
import time

from memorizers import build
from memorizers.experiments.frontier import dataset
from memorizers.kinds import targets
from memorizers.verify import exact_check


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    print(
        "| method | N | build s | exact check s | memorized exactly | hidden layers | nonzero | bit complexity "
        "| total bits | N log2 C | float64 accuracy |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        X, y = dataset(n)
        for method, options in (("vardi", {}), ("zhang", {"exact": True})):
            if method == "zhang" and n > 2000:  # N x N products of ~63 N-bit numbers: minutes past 2000
                continue
            t = time.perf_counter()
            built = build(method, X, y if method == "vardi" else y.astype(float), seed=0, bits=False, **options)
            total = time.perf_counter() - t
            t = time.perf_counter()
            kind = built.report.kind
            exact_check(built.network, X, targets(y, 1, kind), kind=kind, tol=built.report.tol, limit=None)
            check = time.perf_counter() - t
            s = built.network.stats()
            print(
                f"| {method} | {n} | {total:.2f} | {check:.2f} | {built.report.exact.passed} | "
                f"{len(s['hidden_widths'])} | {s['nonzero_parameters']} | {s['bit_complexity']} | {s['total_bits']} | "
                f"{n * math.log2(10):.0f} | {built.report.accuracy:.2%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
