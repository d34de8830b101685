"""The ImageNet-sized claim of Yun et al. (2019, Section 3.2): a 4-layer ReLU network with widths
2000-2000-4000 memorizes N = 10^6 points in dy = 1000 classes (Proposition 3.2), through the public
``build`` and ``verify`` with default settings.

Random class ids, x ~ N(0, I_64) in float64. Per seed: ``build`` (the construction, then its float64
verification, on a CUDA GPU when there is one (``--device``), and, for the first seed, the certificate of
every point, on the same device), with the accuracy, the points wrong, the smallest margin (true-class
output minus the largest other), the certified share and largest enclosure radius, and the largest |weight|.
Then, optionally, ``verify`` of the first seed's points repeated ``--repeat`` times (N * repeat rows with the
same labels) and of ``--numpy-rows`` of them in NumPy, for the speed of the device against NumPy.

    python benchmarks/imagenet_scale.py [--n 1000000] [--seeds 0] [--repeat 10] [--numpy-rows 100000]
    python benchmarks/imagenet_scale.py --n 10000000 --widths smallest --device cuda   # Proposition 3.2 at 10^7
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from memorizers import build, verify


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--dx", type=int, default=64)
    parser.add_argument("--widths", default="2000,2000,4000", help="D1,D2,D3, or 'smallest' (the construction's own)")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--no-certify", action="store_true", help="leave out the first seed's certificate")
    parser.add_argument("--repeat", type=int, default=1, help="also verify the first points this many times over")
    parser.add_argument("--numpy-rows", type=int, default=0, help="also verify this many points in NumPy")
    parser.add_argument("--device", default="auto", help="where verify's forward pass runs (memorizers.backends)")
    parser.add_argument("--clip-margin", type=float, help="the construction's clip_margin (default: its default)")
    args = parser.parse_args()
    widths = None if args.widths == "smallest" else [int(w) for w in args.widths.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]

    def data(seed):
        rng = np.random.default_rng(seed)
        return rng.standard_normal((args.n, args.dx)), rng.integers(0, args.classes, size=args.n)

    print(
        "| seed | build s | certified on | verified on | accuracy | wrong | min margin | certified | max radius "
        "| max abs weight | widths |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    first = None
    for seed in seeds:
        X, ids = data(seed)
        certify = first is None and not args.no_certify
        t, built = timed(
            lambda: build(
                "yun-classifier",
                X,
                ids,
                widths=widths,
                n_classes=args.classes,
                seed=seed,
                **({} if args.clip_margin is None else {"clip_margin": args.clip_margin}),
                certify=certify,
                bits=False,
                on_failure="return",
                progress=True,
                device=args.device,
            )
        )
        r = built.report
        wrong = int(round((1 - r.accuracy) * r.n_points))
        cert = f"{r.certified:.4%} | {r.max_error_bound:.2e}" if certify else "- | -"
        print(
            f"| {seed} | {t:.1f} | {r.certified_on if certify else '-'} | {r.device} | {r.accuracy:.4%} | {wrong} | "
            f"{r.min_margin:.3f} | {cert} | {built.network.stats()['max_abs_weight']:.2e} | "
            f"{'-'.join(map(str, built.network.hidden_widths))} |",
            flush=True,
        )
        if certify and r.certified < 1:
            print(r.uncertified_summary(), flush=True)
        first = first or (X, ids, built.network)

    X, ids, net = first
    runs = []
    if args.repeat > 1:
        Xr, ir = np.tile(X, (args.repeat, 1)), np.tile(ids, args.repeat)
        runs.append((len(Xr), *timed(lambda: verify(net, Xr, ir, certify=False, device=args.device))))
        del Xr, ir
    if args.numpy_rows:
        m = min(args.numpy_rows, args.n)
        runs.append((m, *timed(lambda: verify(net, X[:m], ids[:m], certify=False, device="numpy"))))
    if runs:
        print("\n| verify (float64, no certificate) | rows | s | rows/s | accuracy |\n|---|---|---|---|---|")
        for n, t, r in runs:
            print(f"| {r.device} | {n} | {t:.2f} | {n / t:.3g} | {r.accuracy:.4%} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\npeak RSS {peak:.2f} GiB; {os.cpu_count()} CPU cores")


if __name__ == "__main__":
    main()
