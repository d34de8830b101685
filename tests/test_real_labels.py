"""Real labels of any scale and offset: built as (y - c) / 2^k in [-1, 1] and mapped back by the output layer,
with the default tolerance in the labels' scale (build's tol) or a fraction of max |y| (rtol)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from memorizers import build, verify
from memorizers.cli import main
from memorizers.errors import InvalidDataError, MemorizersError
from memorizers.exact import exact_forward
from memorizers.kinds import default_tol
from memorizers.labels import real_scale

REAL = ["yun-3layer", "relu-baum", "zhang", "universal"]


def _check(built, X, y):
    """Memorized in the user's units: the report, and an independent float64 forward pass."""
    r = built.report
    assert r.passed and r.certified == 1.0 and r.max_abs_error <= r.tol
    assert np.max(np.abs(built.network.forward(X)[:, 0] - y)) <= r.tol


@pytest.mark.slow
@pytest.mark.parametrize("method", REAL)
def test_diabetes_builds_with_defaults(method):
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)  # labels 25..346
    built = build(method, X, y, seed=0, bits=False)
    scale, offset = built.network.meta["label_scale"], built.network.meta["label_offset"]
    assert (scale, offset) == real_scale(y)[:2] and scale == 256.0
    assert built.report.tol == default_tol(len(X)) * scale
    _check(built, X, y)


@pytest.mark.parametrize("method", REAL)
def test_labels_around_a_thousand_build_with_defaults(method):
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((150, 6)), 1000 + rng.uniform(-300, 300, 150)
    _check(build(method, X, y, seed=1, bits=False), X, y)


def test_labels_in_the_unit_interval_are_built_as_given():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((100, 3)), rng.uniform(-1, 1, 100)
    built = build("yun-3layer", X, y, seed=0, bits=False)
    assert "label_scale" not in built.network.meta and built.report.tol == default_tol(100)


def test_exact_parameters_fold_exactly():
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((40, 2)), np.round(rng.uniform(-5000, 9000, 40), 3)
    built = build("zhang", X, y, exact=True, seed=0)
    assert built.report.judged_exactly and built.report.exact.max_abs_error == 0
    F = exact_forward(built.network, X)
    assert all(F[i, 0] == y[i] for i in range(len(y)))  # exactly the labels, after the fold


def test_rtol_is_a_fraction_of_the_largest_label(tmp_path, capsys):
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((80, 4)), rng.uniform(-2000, 500, 80)
    built = build("relu-baum", X, y, rtol=1e-9, seed=0, bits=False)
    assert built.report.tol == 1e-9 * np.abs(y).max()
    _check(built, X, y)
    assert verify(built.network, X, y).tol == built.report.tol  # recorded, in y's units
    with pytest.raises(MemorizersError, match="tol or rtol, not both"):
        build("relu-baum", X, y, rtol=1e-9, tol=1e-3)
    with pytest.raises(InvalidDataError, match="rtol is a positive fraction"):
        build("yun-classifier", X, (y > 0).astype(int), rtol=1e-9)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    argv = ["build", "--method", "relu-baum", "--data", tmp_path / "d.npz", "--out", tmp_path / "n.npz"]
    assert main([str(a) for a in [*argv, "--rtol", "1e-9"]]) == 0, capsys.readouterr().err
    assert main([str(a) for a in [*argv, "--rtol", "1e-9", "--tol", "1e-3"]]) == 2
    assert "tol or rtol, not both" in capsys.readouterr().err


@given(
    lo=st.floats(-1e300, 1e300),
    width=st.floats(1e-300, 1e300),
    n=st.integers(2, 20),
    seed=st.integers(0, 2**32 - 1),
)
def test_real_scale_brings_labels_into_the_unit_interval(lo, width, n, seed):
    """For labels that float64 resolves at their scale (|midpoint| at most 2^20 half-ranges), (y - c) / 2^k lies
    in [-1, 1], exactly: 2^k is a power of two, c a short dyadic multiple of 2^(k-8), and (y - c) / 2^k * 2^k + c
    is y in exact arithmetic."""
    y = lo + width * np.random.default_rng(seed).random(n)
    y = np.append(y, [lo, lo + width])
    if not np.isfinite(y).all() or np.abs(y).max() <= 1:
        return
    half = y.max() / 2 - y.min() / 2
    tiny = (np.abs(y[y != 0]) < np.abs(y).max() * 2.0**-1000).any()  # y / 2^k would round them (subnormal)
    if half == 0 or abs(y.max() / 2 + y.min() / 2) > 2**20 * half or tiny:
        return  # beyond float64's resolution at this scale
    scale, offset, scaled = real_scale(y)
    m, _ = np.frexp(scale)
    assert m == 0.5 and np.abs(scaled).max() <= 1
    assert (offset / (scale * 2.0**-8)) == np.round(offset / (scale * 2.0**-8))
    exact = [Fraction(v) * Fraction(scale) + Fraction(offset) for v in scaled]
    assert exact == [Fraction(v) for v in y]
