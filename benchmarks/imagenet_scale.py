"""The ImageNet-sized claim of Yun et al. (2019, Section 3.2): a 4-layer ReLU network with widths
2000-2000-4000 memorizes N = 10^6 points in dy = 1000 classes (Proposition 3.2).

Random class ids, x ~ N(0, I_64) in float64. Builds the network, then verifies it in float64
streaming the data in chunks (bounded memory, progress bar), then certifies it (the enclosure of
memorizers.certify, without bits_needed), and prints one table: build time, verification and
certification time, accuracy, certified share, largest enclosure radius, min margin (true-class
output minus the largest other), max |f(x_i) - onehot(y_i)|, and the largest |weight|.

    python benchmarks/imagenet_scale.py [--n 1000000] [--classes 1000] [--widths 2000,2000,4000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from memorizers import verify
from memorizers.constructions.yun import yun_classifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--dx", type=int, default=64)
    parser.add_argument("--widths", default="2000,2000,4000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--projections",
        type=int,
        default=128,
        help="random directions tried (library default at this N: 8; 32 left 2 of 10^6 points wrong)",
    )
    args = parser.parse_args()
    widths = tuple(int(w) for w in args.widths.split(","))

    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.n, args.dx))
    ids = rng.integers(0, args.classes, size=args.n)

    t = time.perf_counter()
    net, info = yun_classifier(
        X, ids, widths=widths, n_classes=args.classes, activation="relu", seed=args.seed, n_projections=args.projections
    )
    t_build = time.perf_counter() - t
    print(
        f"built {net.stats()['hidden_widths']} in {t_build:.1f} s (p = {info['groups_p']}, q = {info['group_size_q']}, "
        f"predicted error score {info['score']:.3e}, smallest projection gap {info['min_projection_gap']:.2e})"
    )

    t = time.perf_counter()
    r = verify(net, X, ids, kind="onehot", certify=False, progress=True)
    t_verify = time.perf_counter() - t
    t = time.perf_counter()
    c = verify(net, X, ids, kind="onehot", bits=False, progress=True)
    t_certify = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    s = net.stats()
    print()
    print(
        "| N | classes | widths | build s | verify s | certify s | accuracy | certified | max radius | min margin "
        "| max abs err | max abs weight | peak RSS GiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.n} | {args.classes} | {'-'.join(map(str, s['hidden_widths']))} | {t_build:.1f} | {t_verify:.1f} | "
        f"{t_certify:.1f} | {r.accuracy:.6%} | {c.certified:.6%} | {c.max_error_bound:.2e} | {r.min_margin:.4f} | "
        f"{r.max_abs_error:.2e} | {s['max_abs_weight']:.2e} | {peak:.2f} |"
    )
    if c.certified < 1:
        print(c.uncertified_summary())


if __name__ == "__main__":
    main()
