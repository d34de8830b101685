"""Benchmark of the certificate: how much of each network is certified, at what cost, and the bits it needs.

For each case the network is built through the public ``build`` and verified three ways, each
timed as the best of ``--repeat`` runs in the same process: a plain float64 verify (no
certificate), the certifying verify (the tight enclosure of memorizers.certify), and the
certifying verify with ``bits_sufficient``. Printed as a Markdown table.

Cases: Yun et al. Theorem 3.1 (``yun-3layer``, ReLU, Gaussian x in R^64, real labels) at
N = 10^4 and 10^5, and Proposition 3.2 (``yun-classifier``) on the 60,000 Fashion-MNIST
training images (Debian's dataset-fashion-mnist), all at the default tolerance 1e-6.

    python benchmarks/certify.py [--quick] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from memorizers import build, verify
from memorizers.data import gaussian_regression, load_mnist_idx
from yun3 import best_of  # the sibling benchmark's timer (benchmarks/ is the script's folder)


def cases(quick: bool):
    for n in (2000, 10_000) if quick else (10_000, 100_000):
        X, y = gaussian_regression(n, 64, seed=0)
        yield f"yun-3layer N={n}", "yun-3layer", X, y, 1e-6, "real"
    X, y = load_mnist_idx()
    if quick:
        X, y = X[:5000], y[:5000]
    yield f"yun-classifier Fashion-MNIST {len(X)}", "yun-classifier", X, y, 1e-6, "onehot"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (for the test suite)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        "| case | widths | build s | verify s (plain) | certify s | certify / plain | + bits s | accuracy "
        "| certified | max enclosure radius | min margin | bits sufficient |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name, method, X, y, tol, kind in cases(args.quick):
        t0 = time.perf_counter()
        built = build(method, X, y, seed=0, tol=tol)
        t_build = time.perf_counter() - t0
        net = built.network
        t_plain, _ = best_of(lambda: verify(net, X, y, kind=kind, tol=tol, certify=False), args.repeat)
        t_cert, r = best_of(lambda: verify(net, X, y, kind=kind, tol=tol, bits=False), args.repeat)
        t_bits, rb = best_of(lambda: verify(net, X, y, kind=kind, tol=tol, bits=True), 1)
        widths = "-".join(map(str, net.hidden_widths))
        row = dict(
            case=name, certified=r.certified, accuracy=r.accuracy, ratio=t_cert / t_plain, bits=rb.bits_sufficient
        )
        rows.append(row)
        print(
            f"| {name} | {widths} | {t_build:.2f} | {t_plain:.3f} | {t_cert:.3f} | {t_cert / t_plain:.2f} | "
            f"{t_bits:.3f} | {r.accuracy:.2%} | {r.certified:.2%} | {r.max_error_bound:.2e} | {r.min_margin:.2e} "
            f"| {rb.bits_sufficient} |",
            flush=True,
        )
    return rows


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
