"""Where a default build's time goes: each stage of ``build("yun-classifier")`` on Fashion-MNIST's 60,000 training
images (Yun et al. Proposition 3.2, defaults: certificate and bits search included), its seconds, its share, and
its cost in float64 forward passes of the built network, next to the stage's own lower bound (one pass over the
data, or one forward pass). Printed as a Markdown table.

    python benchmarks/build_profile.py [--n 60000]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

from memorizers import build, verify
from memorizers.data import load_mnist_idx

# (stage, the functions whose cumulative time it is, its lower bound: "data" = one pass over X, "forward" = one
# forward pass of the built network); the construction's rest is what its total leaves
STAGES = [
    ("checks: finite values, repeated points", ("check_dataset", "check_distinct"), "data"),
    ("layer 1: projections and groups (plan)", ("_plan",), "data"),
    ("layer 1: each unit's own direction (spread_groups, LPs)", ("spread_groups",), None),
    ("compensated products (Dot2)", ("dot2",), "data"),
]


def cumulative(stats: pstats.Stats, names) -> float:
    return sum(v[3] for (_, _, name), v in stats.stats.items() if name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60_000, help="the first N training images")
    args = parser.parse_args()
    X, y = load_mnist_idx()
    X, y = X.reshape(len(X), -1)[: args.n].astype(np.float64), y[: args.n]
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    built = build("yun-classifier", X, y, seed=0)
    profile.disable()
    total = time.perf_counter() - start
    start = time.perf_counter()
    built.network.forward(X)
    forward = time.perf_counter() - start
    data = np.inf
    for _ in range(3):  # the best of three: the first pass pays for the pages
        start = time.perf_counter()
        np.abs(X).max()
        data = min(data, time.perf_counter() - start)
    stats = pstats.Stats(profile)
    seconds = {stage: cumulative(stats, names) for stage, names, _ in STAGES}
    construction = cumulative(stats, ("yun_classifier",))
    # the verification's stages run in threads (cProfile sees the main thread only): timed apart, on the network
    # built, as verify's plain evaluation, then with the certificate, then with the bits search
    net, timed = built.network, {}
    for name, options in (("plain", dict(certify=False)), ("cert", dict(bits=False)), ("bits", {})):
        start = time.perf_counter()
        verify(net, X, y, **options)
        timed[name] = time.perf_counter() - start
    rows = [(stage, seconds[stage], bound) for stage, _, bound in STAGES]
    rows.append(("construction, the rest (systems, assembly)", construction - sum(seconds.values()), None))
    rows.append(("scored float64 evaluation (verify)", timed["plain"], "forward"))
    rows.append(("certificate, without the bits search", timed["cert"] - timed["plain"], "forward"))
    rows.append(("bits search (bits_sufficient)", timed["bits"] - timed["cert"], "forward"))
    rows.append(("the rest (label encoding, report)", total - construction - timed["bits"], None))
    print(
        f"build('yun-classifier') on {len(X)} Fashion-MNIST images: {total:.2f} s = {total / forward:.1f} forward "
        f"passes of the built network (one: {forward:.3f} s; one pass over X: {data:.3f} s)"
    )
    print("\n| stage | seconds | share | forward passes | lower bound |")
    print("|---|---|---|---|---|")
    for stage, s, bound in rows:
        low = {"data": f"{data:.3f} s (one pass over X)", "forward": f"{forward:.3f} s (one forward pass)"}.get(
            bound, ""
        )
        print(f"| {stage} | {s:.2f} | {s / total:.0%} | {s / forward:.1f} | {low} |")


if __name__ == "__main__":
    main()
