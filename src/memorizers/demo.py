"""``memorizers demo``: build and verify networks on built-in datasets, print one table."""

from __future__ import annotations

import time

import numpy as np

from . import activations
from .build import build
from .data import digits, gaussian_regression
from .verify import verify


def _datasets(quick: bool):
    n = 400 if quick else 2000
    X, y = gaussian_regression(n, 16, seed=0)
    yield f"gaussian N={n} dx=16, y~U[-1,1]", X, y
    X, y = gaussian_regression(n // 2, 8, dy=3, seed=1)
    yield f"gaussian N={n // 2} dx=8, y~U[-1,1]^3", X, y
    try:
        Xd, cls = digits()
    except ImportError:
        print("(scikit-learn not installed: skipping the digits dataset)")
        return
    if quick:
        Xd, cls = Xd[:500], cls[:500]
    yield f"digits N={len(Xd)} dx=64, y=2c/9-1", Xd, 2 * cls / 9 - 1
    yield f"digits N={len(Xd)} dx=64, one-hot dy=10", Xd, np.eye(10)[cls]


def _bits(report) -> str:
    return "-" if report.bits_sufficient is None else str(report.bits_sufficient)


def run_demo(quick: bool = False) -> list[dict]:
    """Build yun-3layer networks (ReLU, leaky ReLU, hard-tanh) on each dataset, verify, print a table."""
    acts = [activations.relu(), activations.leaky_relu(0.1), activations.hard_tanh()]
    rows = []
    print("Yun, Sra & Jadbabaie (2019), Theorem 3.1: 3-layer networks, smallest widths the theorem allows\n")
    header = (
        f"{'dataset':<38} {'act':<18} {'widths':>11} {'params':>8} {'max|w|':>9} "
        f"{'build s':>8} {'err f64':>9} {'err f32':>9} {'acc f64':>8} {'cert.':>8} {'bits':>5}"
    )
    print(header)
    print("-" * len(header))
    for name, X, y in _datasets(quick):
        for act in acts:
            t = time.perf_counter()
            built = build("yun-3layer", X, y, activation=act, seed=0)
            seconds = time.perf_counter() - t
            r32 = verify(built.network, X, y, dtype="float32", kind="real", certify=False)
            s = built.network.stats()
            row = {
                "dataset": name,
                "activation": act.name,
                "widths": s["hidden_widths"],
                "parameters": s["parameters"],
                "max_abs_weight": s["max_abs_weight"],
                "seconds": seconds,
                "max_abs_error_float64": built.report.max_abs_error,
                "max_abs_error_float32": r32.max_abs_error,
                "accuracy_float64": built.report.accuracy,
                "certified": built.report.certified,
                "bits_sufficient": built.report.bits_sufficient,
            }
            rows.append(row)
            widths = "x".join(str(w) for w in s["hidden_widths"])
            print(
                f"{name:<38} {act.name:<18} {widths:>11} {s['parameters']:>8} {s['max_abs_weight']:>9.2e} "
                f"{seconds:>8.3f} {built.report.max_abs_error:>9.2e} {r32.max_abs_error:>9.2e} "
                f"{built.report.accuracy:>8.2%} "
                f"{built.report.certified:>8.2%} {_bits(built.report):>5}"
            )
    print("\nEvery network above was verified in float64 (max |f(x_i) - y_i| <= 1e-6 for all i); cert. is the share of")
    print(
        "points proved for the exact network; bits is bits_sufficient, the significand precision that provably suffices"
    )
    print("in any order of summation (float32 has 24, float64 53): the large weights of the construction need many.")
    rows += _classification_table(quick)
    rows += _sphere_table(quick)
    return rows


def _classification_table(quick: bool) -> list[dict]:
    """Yun et al.'s classifiers (Proposition 3.2, Theorem 4.1, Corollary 4.2) on the digits, smallest widths."""
    try:
        X, cls = digits()
    except ImportError:
        return []
    if quick:
        X, cls = X[:500], cls[:500]
    print(f"\nClassification of the digits as given (N = {len(X)}, 10 classes)\n")
    header = (
        f"{'method':<16} {'statement':<22} {'hidden widths':>16} {'params':>8} {'build s':>8} {'accuracy':>9} "
        f"{'certified':>9} {'bits':>5}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for method, statement in (
        ("yun-classifier", "Proposition 3.2"),
        ("yun-resnet", "Theorem 4.1"),
        ("yun-2layer", "Corollary 4.2"),
    ):
        t = time.perf_counter()
        built = build(method, X, cls, seed=0)
        seconds = time.perf_counter() - t
        s = built.network.stats()
        widths = "x".join(str(w) for w in s["hidden_widths"])
        r = built.report
        print(
            f"{method:<16} {statement:<22} {widths:>16} {s['parameters']:>8} {seconds:>8.3f} "
            f"{r.accuracy:>9.2%} {r.certified:>9.2%} {_bits(r):>5}"
        )
        rows.append(
            {
                "method": method,
                "widths": s["hidden_widths"],
                "accuracy": r.accuracy,
                "certified": r.certified,
                "bits_sufficient": r.bits_sufficient,
            }
        )
    return rows


def _sphere_table(quick: bool) -> list[dict]:
    """Bubeck et al., Vershynin and Daniely on points uniform on the sphere: size, total weight, criterion met."""
    n, d = (400, 40) if quick else (2000, 100)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    real, sign = rng.uniform(-1, 1, n), rng.choice([-1.0, 1.0], n)
    binary = (sign > 0).astype(float)
    print(f"\nOther papers on N = {n} points uniform on the sphere in R^{d} (labels as each theorem takes them)\n")
    header = (
        f"{'method':<11} {'statement':<26} {'labels':<7} {'hidden widths':>15} {'W(f)':>9} {'build s':>8} {'bits':>5} "
        f"{'criterion':<32}"
    )
    print(header)
    print("-" * len(header))
    cases = [
        ("universal", "Prop. 2 (tanh)", real, {"activation": "tanh"}),
        ("baum", "Prop. 3 (Baum 1988)", binary, {}),
        ("relu-baum", "Prop. 4", real, {}),
        ("ntk", "Thms 2-3, eps = 0.01", sign, {}),
        ("harmonic", "Thm 1 (reconstructed)", sign, {"degree": 3}),
        ("vershynin", "Thm 7.1, all threshold", binary, {"widths": (1000, 1000, 2 * int(np.ceil(binary.sum() / 4)))}),
    ]
    # Daniely's theorem takes x ~ N(0, I_d): m = dq/64 = 256 such points in R^256 with q = 64
    cases = [(m, st, y, o, X) for m, st, y, o in cases]
    cases.append(("daniely", "Thm 1, x ~ N(0, I_256)", sign[:256], {"widths": 64}, rng.standard_normal((256, 256))))
    rows = []
    for method, statement, y, options, Xm in cases:
        t = time.perf_counter()
        built = build(method, Xm, y, seed=0, **options)
        seconds = time.perf_counter() - t
        s, r = built.network.stats(), built.report
        widths = "x".join(str(w) for w in s["hidden_widths"])
        if r.kind == "relative":
            met = f"|f-y|^2/|y|^2 = {r.relative_error:.2e}"
        elif r.kind == "real":
            met = f"max |f-y| = {r.max_abs_error:.1e}, {r.accuracy:.0%}"
        else:
            met = f"{r.accuracy:.2%} right, {r.certified:.0%} cert."
        print(
            f"{method:<11} {statement:<26} {r.kind:<7} {widths:>15} {s['total_weight']:>9.2e} {seconds:>8.3f} "
            f"{_bits(r):>5} {met:<32}"
        )
        rows.append(
            {
                "method": method,
                "widths": s["hidden_widths"],
                "total_weight": s["total_weight"],
                "passed": r.passed,
                "bits_sufficient": r.bits_sufficient,
            }
        )
    print("\nW(f) = sum over hidden units of |outgoing weight| x |(w, b)| (Bubeck et al.'s total weight).")
    return rows
