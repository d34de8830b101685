"""The staircase's bfloat16 profile (memorizers.constructions.staircase_levels): levels of cuts on exact
coordinates, every label certified in bfloat16 in any order, and what the certificate claims holds in every
emulated bfloat16 evaluation (tests/emulate.py), unit by unit."""

from fractions import Fraction

import numpy as np
import pytest

from memorizers import build, verify
from memorizers.constructions.staircase_levels import ceil_bfloat16
from memorizers.errors import InvalidDataError
from memorizers.exact import exact_forward
from test_staircase import emulated_everywhere, states_hold


def gaussian(n, dx, classes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dx))
    y = rng.integers(0, classes, n)
    y[:classes] = np.arange(classes)
    return X, y


def test_every_label_exactly_in_every_order_of_bfloat16():
    X, y = gaussian(300, 5, 4)
    built = build("staircase", X, y, precision="bfloat16")
    net, info = built.network, built.info
    assert info["precision"] == "bfloat16" and info["levels"] == len(info["columns"]) >= 2
    assert [int(v) for v in exact_forward(net, X)[:, 0]] == y.tolist()
    assert built.report.certified == 1.0
    for i in range(0, len(X), 100):
        for out in emulated_everywhere(net, X[i], "bfloat16"):
            assert out == [Fraction(int(y[i]))], i
    states_hold(net, X[:2], "bfloat16")  # every unit's state, layer by layer, in every order
    r = verify(net, X, y, any_order=["bfloat16", "float32", "float64"])
    assert r.any_order == {"bfloat16": 1.0, "float32": 1.0, "float64": 1.0}
    # the counting bound for 16-bit parameters
    assert info["bound"] == int(np.ceil(300 * np.log2(4) / 16)) and info["used"] == info["nonzero_parameters"]


def test_one_hot_rows_and_the_class_limits():
    X, y = gaussian(200, 4, 6, seed=1)
    built = build("staircase-classifier", X, y, precision="bfloat16")
    F = exact_forward(built.network, X)
    assert np.array_equal(np.array(F, dtype=np.float64), np.eye(6)[y])
    assert verify(built.network, X, y, any_order="bfloat16").any_order == {"bfloat16": 1.0}
    states_hold(built.network, X[:2], "bfloat16")
    # ids above 127 cannot be compared exactly with 8 bits (|y| + |c| <= 256), ids above 255 not output
    with pytest.raises(InvalidDataError, match="compares ids up to 127"):
        build("staircase-classifier", X, y, precision="bfloat16", n_classes=129)
    X, y = gaussian(300, 4, 300)
    with pytest.raises(InvalidDataError, match="ids up to 255"):
        build("staircase", X, np.arange(300), precision="bfloat16")


def test_data_on_bfloat16s_grid_needs_few_levels():
    """Values bfloat16 holds are their own intervals: neighbouring bfloat16 values are told apart, so
    log2(N^2) / 10 levels suffice; data off the grid need more."""
    X, y = gaussian(3000, 8, 10, seed=2)
    on_grid = build("staircase", ceil_bfloat16(X), y, precision="bfloat16", certify=False).info
    off_grid = build("staircase", X, y, precision="bfloat16", certify=False).info
    assert on_grid["levels"] == 3 <= off_grid["levels"]
    assert on_grid["nonzero_parameters"] <= 20 * on_grid["bound"]


def test_points_bfloat16_cannot_tell_apart_are_refused_in_one_line():
    X, y = gaussian(40, 3, 4, seed=3)
    X[1] = X[0] * (1 + 2.0**-12)  # distinct in float64 and float32, within bfloat16's rounding on every column
    y[1] = (y[0] + 1) % 4
    with pytest.raises(InvalidDataError, match="points 0 and 1 .* bfloat16's rounding .* cannot tell them apart"):
        build("staircase", X, y, precision="bfloat16")
    y[1] = y[0]  # with one label they are one run of a cell
    assert build("staircase", X, y, precision="bfloat16").report.certified == 1.0


def test_other_precisions_are_refused_in_one_line():
    X, y = gaussian(50, 3, 2)
    with pytest.raises(InvalidDataError, match="builds for float32 or bfloat16; got 'float16'"):
        build("staircase", X, y, precision="float16")
    with pytest.raises(InvalidDataError, match="beyond bfloat16's range"):
        build("staircase", X * 1e40, y, precision="bfloat16")
    with pytest.raises(InvalidDataError, match="staircase-real builds for float32; got 'bfloat16'"):
        build("staircase-real", X, y.astype(float) / 2, precision="bfloat16")


@pytest.mark.slow
def test_ten_thousand_gaussian_points_are_certified_in_bfloat16():
    """The issue's target: Gaussian data, N = 10^4, 10 classes, certified for bfloat16 in any order."""
    X, y = gaussian(10_000, 16, 10, seed=4)
    built = build("staircase", X, y, precision="bfloat16", bits=False)
    assert built.report.certified == 1.0
    assert verify(built.network, X, y, bits=False, any_order="bfloat16").any_order == {"bfloat16": 1.0}
