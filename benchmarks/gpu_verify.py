"""Verification on a GPU against NumPy: Yun et al.'s ImageNet-sized classifier (Proposition 3.2, widths
2000-2000-4000, 1000 classes, x ~ N(0, I_64)) verified in float64 through the public ``verify``.

Builds the network on N points (the construction with its defaults), then times ``verify`` (forward pass
and scoring, no certificate) on a CUDA GPU for the N points and for the same points repeated ``--repeat``
times (N * repeat rows: the same labels, so the same verdict), against NumPy on a ``--numpy-rows`` slice
(extrapolated per row, said so), and the certificate on that slice. Needs PyTorch with a CUDA device.

    python benchmarks/gpu_verify.py [--n 1000000] [--repeat 10] [--numpy-rows 100000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from memorizers import verify
from memorizers.constructions.yun import yun_classifier


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
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--numpy-rows", type=int, default=100_000)
    parser.add_argument("--device", default="cuda", help="torch device (cpu: a check of this script without a GPU)")
    args = parser.parse_args()
    import torch

    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else args.device
    print(f"torch {torch.__version__}, {name}, {os.cpu_count()} CPU cores", flush=True)
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.n, args.dx))
    ids = rng.integers(0, args.classes, size=args.n)
    widths = tuple(int(w) for w in args.widths.split(","))
    t_build, (net, info) = timed(
        lambda: yun_classifier(X, ids, widths=widths, n_classes=args.classes, activation="relu", seed=args.seed)
    )
    s = net.stats()
    print(f"construction: {t_build:.1f} s, largest |weight| {s['max_abs_weight']:.3e}", flush=True)

    rows = []
    verify(net, X[:1000], ids[:1000], kind="onehot", certify=False, device=args.device)  # warm-up (CUDA context)
    t, r = timed(lambda: verify(net, X, ids, kind="onehot", certify=False, device=args.device))
    rows.append((args.device, args.n, t, r))
    t, r = timed(lambda: verify(net, *repeated(X, ids, args.repeat), kind="onehot", certify=False, device=args.device))
    rows.append((args.device, args.n * args.repeat, t, r))
    m = min(args.numpy_rows, args.n)
    t, r = timed(lambda: verify(net, X[:m], ids[:m], kind="onehot", certify=False, device="numpy"))
    rows.append(("numpy", m, t, r))
    t_cert, c = timed(lambda: verify(net, X[:m], ids[:m], kind="onehot", bits=False, device="numpy"))

    print("| evaluation | rows | verify s | rows/s | accuracy | min margin | max abs error |")
    print("|---|---|---|---|---|---|---|")
    for where, n, t, r in rows:
        print(
            f"| {where} float64 | {n} | {t:.2f} | {n / t:.3g} | {r.accuracy:.4%} | {r.min_margin:.3f} | "
            f"{r.max_abs_error:.2e} |"
        )
    per_row = rows[2][2] / m
    print(
        f"numpy float64, extrapolated per row: {per_row * args.n:.0f} s for {args.n} rows, "
        f"{per_row * args.n * args.repeat:.0f} s for {args.n * args.repeat}"
    )
    print(
        f"numpy verify + certificate on {m} rows: {t_cert:.1f} s (the certificate about {t_cert - rows[2][2]:.1f} s), "
        f"certified {c.certified:.2%}, largest radius {c.max_error_bound:.2e}"
    )
    print(
        f"p = {info['groups_p']}, q = {info['group_size_q']}, score {info['score']:.3e}, "
        f"min projection gap {info['min_projection_gap']:.2e}"
    )


if __name__ == "__main__":
    main()
