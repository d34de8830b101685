"""Benchmark of float-native memorization (``staircase``): exact in float32 in any summation order, certified,
against the counting bound N log2 C / 32 and Yun et al.'s float64 classifier on the same data.

For each case the network is built through the public ``build`` (defaults, float64 certificate and bits
search), then verified in float32 with the any-order certificate (``verify(dtype="float32")``), and evaluated
in float32 by NumPy, torch and ONNX Runtime (the exports, all rows at once). Columns: cells and slots, nonzero
and dense parameters, the counting bound (N log2 C / 32, C the distinct labels) and the ratio, yun-classifier's
parameters on the same data (its widths from the theorem's formula), build and verify seconds, one float32
forward pass, the share certified in float32 in any order, bits_sufficient, and whether each runtime returned
the exact outputs (the float64 evaluation's) bit for bit. Cases: ``staircase`` on Fashion-MNIST (real and
shuffled labels) and Gaussian data with 100 classes, ``staircase-real`` on Gaussian data with real labels. The
share certified in TF32 (``any_order="tf32"``) is shown beside float32's.

A second table has the bfloat16 profile (``precision="bfloat16"``): Gaussian data with 10 classes as given
(float64) and on bfloat16's grid, its levels and cells per level, the counting bound N log2 C / 16, and the
shares certified in bfloat16, float32 and TF32 in any order.

    python benchmarks/float_native.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from memorizers import build, verify
from memorizers.data import load_mnist_idx


def cases(quick: bool):
    X, y = load_mnist_idx()
    n = 5000 if quick else len(X)
    yield "staircase", "Fashion-MNIST", X[:n], y[:n]
    yield "staircase", "Fashion-MNIST, shuffled labels", X[:n], np.random.default_rng(0).permutation(y[:n])
    rng = np.random.default_rng(0)
    n = 10_000 if quick else 100_000
    yield "staircase", "Gaussian, dx = 64, C = 100", rng.standard_normal((n, 64)), rng.integers(0, 100, n)
    yield "staircase-real", "Gaussian, dx = 64, y ~ U(-1, 1)", rng.standard_normal((n, 64)), rng.uniform(-1, 1, n)


def bfloat16_cases(quick: bool):
    from memorizers.constructions.staircase_levels import ceil_bfloat16

    rng = np.random.default_rng(1)
    n = 2_000 if quick else 20_000
    X, y = rng.standard_normal((n, 16)), rng.integers(0, 10, n)
    yield "Gaussian, dx = 16", X[: n // 2], y[: n // 2]
    yield "Gaussian, dx = 16, on bfloat16's grid", ceil_bfloat16(X), y


def exact_in(runtime: str, net, X, y, exact) -> str:
    """Whether the float32 export, all rows at once, returns the exact outputs bit for bit ("-" if not
    installed)."""
    try:
        if runtime == "torch":
            import torch

            with torch.no_grad():
                out = net.to_torch(torch.float32, X=X, y=y)(torch.from_numpy(X.astype(np.float32))).numpy()
        else:
            import onnxruntime

            model = net.to_onnx(dtype=np.float32, X=X, y=y).SerializeToString()
            out = onnxruntime.InferenceSession(model).run(["y"], {"x": X.astype(np.float32)})[0]
    except ImportError:
        return "-"
    return "yes" if np.array_equal(out, exact) else "NO"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (for the test suite)")
    args = parser.parse_args(argv)
    print(
        "| method | data | N | C (distinct labels) | cells | slots | nonzero | dense | bound | ratio | yun-classifier "
        "| build s | verify f32 s "
        "| forward f32 s | certified f32 any order | TF32 | bits | NumPy f32 | torch f32 | ORT f32 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for method, name, X, y in cases(args.quick):
        t0 = time.perf_counter()
        built = build(method, X, y, seed=0)
        t_build = time.perf_counter() - t0
        net, info = built.network, built.info
        t0 = time.perf_counter()
        report = verify(net, X, y, dtype="float32")
        t_verify = time.perf_counter() - t0
        tf32 = verify(net, X, y, bits=False, any_order="tf32").any_order["tf32"]
        t0 = time.perf_counter()
        F = net.forward(X, np.float32)
        t_forward = time.perf_counter() - t0
        exact = net.forward(X)  # float64: the exact outputs, for a network exact in float32
        numpy_exact = "yes" if np.array_equal(F, exact) else "NO"
        row = dict(case=name, certified=report.any_order["float32"], nonzero=info["nonzero_parameters"])
        yun = info.get("yun_classifier_parameters")
        rows.append(row)
        print(
            f"| {method} | {name} | {len(X)} | {len(np.unique(y))} | {info['cells']} | {info['slots']} | "
            f"{info['nonzero_parameters']:,} | {info['dense_parameters']:,} | {info['bound']:,} | "
            f"{info['nonzero_parameters'] / info['bound']:.1f} | {'-' if yun is None else f'{yun:,}'} | "
            f"{t_build:.2f} | {t_verify:.2f} | {t_forward:.2f} | {report.any_order['float32']:.2%} | "
            f"{tf32:.2%} | "
            f"{built.report.bits_sufficient} | {numpy_exact} | {exact_in('torch', net, X, y, exact)} | "
            f"{exact_in('onnx', net, X, y, exact)} |",
            flush=True,
        )
    print()
    print(
        "| bfloat16 | N | C | levels | cells per level | slots | nonzero | dense | bound (/16) | ratio | depth "
        "| build s | verify s | certified bf16 any order | f32 | TF32 | bits |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, X, y in bfloat16_cases(args.quick):
        t0 = time.perf_counter()
        built = build("staircase", X, y, precision="bfloat16")
        t_build = time.perf_counter() - t0
        net, info = built.network, built.info
        t0 = time.perf_counter()
        share = verify(net, X, y, bits=False, any_order=["bfloat16", "float32", "tf32"]).any_order
        t_verify = time.perf_counter() - t0
        rows.append(dict(case=f"bfloat16: {name}", certified=share["bfloat16"], nonzero=info["nonzero_parameters"]))
        print(
            f"| {name} | {len(X)} | {len(np.unique(y))} | {info['levels']} | "
            f"{' / '.join(map(str, info['cells_per_level']))} | {info['slots']} | {info['nonzero_parameters']:,} | "
            f"{info['dense_parameters']:,} | {info['bound']:,} | {info['nonzero_parameters'] / info['bound']:.1f} | "
            f"{info['depth']} | {t_build:.2f} | {t_verify:.2f} | {share['bfloat16']:.2%} | {share['float32']:.2%} | "
            f"{share['tf32']:.2%} | {built.report.bits_sufficient} |",
            flush=True,
        )
    return rows


if __name__ == "__main__":
    main()
