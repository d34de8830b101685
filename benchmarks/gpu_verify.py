"""Yun et al.'s ImageNet-sized classifier (Proposition 3.2: widths 2000-2000-4000, 1000 classes, x ~ N(0, I_64))
built and verified on a GPU through the public ``build`` and ``verify``, with default settings.

Per seed: ``build`` (the construction, then its float64 verification on the device; no certificate), the
accuracy, smallest margin and largest |weight|. Then, for the first seed: ``verify`` on the device again, on
the N points and on them repeated ``--repeat`` times (N * repeat rows with the same labels: the same verdict);
NumPy's verification on ``--numpy-rows`` points for comparison; and the certificate of all N points (on the
CPU; ``--no-certify`` leaves it out). Needs PyTorch with a CUDA device (``--device cpu`` runs it without one,
slowly: a check of the script).

    python benchmarks/gpu_verify.py [--n 1000000] [--seeds 0,1,2] [--repeat 10] [--numpy-rows 100000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from memorizers import build, verify


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def repeated(X, ids, times):
    """The points and labels ``times`` over: N * times rows with the same labels."""
    return np.tile(X, (times, 1)), np.tile(ids, times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--dx", type=int, default=64)
    parser.add_argument("--widths", default="2000,2000,4000")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--numpy-rows", type=int, default=100_000)
    parser.add_argument("--no-certify", action="store_true")
    parser.add_argument("--device", default="cuda", help="torch device (cpu: a check of this script without a GPU)")
    args = parser.parse_args()
    import torch

    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else args.device
    print(f"torch {torch.__version__}, {name}, {os.cpu_count()} CPU cores", flush=True)
    widths = [int(w) for w in args.widths.split(",")]

    def data(seed):
        rng = np.random.default_rng(seed)
        return rng.standard_normal((args.n, args.dx)), rng.integers(0, args.classes, size=args.n)

    print("| seed | build s (construction + verification) | accuracy | wrong | min margin | max abs weight |")
    print("|---|---|---|---|---|---|")
    first = None
    for seed in (int(s) for s in args.seeds.split(",")):
        X, ids = data(seed)
        t, built = timed(
            lambda: build(
                "yun-classifier",
                X,
                ids,
                widths=widths,
                n_classes=args.classes,
                seed=seed,
                certify=False,
                on_failure="return",
                device=args.device,
            )
        )
        r = built.report
        wrong = int(round((1 - r.accuracy) * r.n_points))
        w = built.network.stats()["max_abs_weight"]
        print(f"| {seed} | {t:.1f} | {r.accuracy:.4%} | {wrong} | {r.min_margin:.3f} | {w:.2e} |", flush=True)
        first = first or (X, ids, built.network)

    X, ids, net = first
    rows = []
    t, r = timed(lambda: verify(net, X, ids, certify=False, device=args.device))
    rows.append((args.device, args.n, t, r))
    t, r = timed(lambda: verify(net, *repeated(X, ids, args.repeat), certify=False, device=args.device))
    rows.append((args.device, args.n * args.repeat, t, r))
    m = min(args.numpy_rows, args.n)
    t, r = timed(lambda: verify(net, X[:m], ids[:m], certify=False, device="numpy"))
    rows.append(("numpy", m, t, r))
    print("| verify (float64, no certificate) | rows | s | rows/s | accuracy |")
    print("|---|---|---|---|---|")
    for where, n, t, r in rows:
        print(f"| {where} | {n} | {t:.2f} | {n / t:.3g} | {r.accuracy:.4%} |", flush=True)
    if not args.no_certify:
        t, c = timed(lambda: verify(net, X, ids, bits=False, device=args.device))
        print(
            f"verify + certificate of all {args.n} points (first seed): {t:.1f} s, certified {c.certified:.4%}, "
            f"largest enclosure radius {c.max_error_bound:.2e}; {c.uncertified_summary()}"
        )


if __name__ == "__main__":
    main()
