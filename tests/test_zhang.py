"""Zhang et al. (2017), Theorem 1: 2n + d weights, any real labels, exact over the dyadic rationals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorizers import build, verify
from memorizers.errors import WidthError
from memorizers.network import Network


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), d=st.integers(1, 5), dy=st.integers(1, 2), seed=st.integers(0, 2**32 - 1))
def test_exact_realisation_memorizes_exactly_with_2n_plus_d_weights(n, d, dy, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.uniform(-5, 5, size=(n, dy) if dy > 1 else n) * 10.0 ** rng.integers(-3, 4)
    built = build("zhang", X, y, exact=True, seed=seed)
    stats = built.network.stats()
    assert stats["edges"] == (2 * n + d) * 1 + (dy - 1) * n  # Theorem 1's 2n + d (one more n per extra output)
    assert stats["hidden_widths"] == [n]
    assert stats["parameters"] == stats["edges"] + 1 + n + dy  # biases: the projection's, the n units', the outputs'
    assert built.report.exact is not None and built.report.exact.passed
    assert built.report.exact.max_abs_error == 0  # exact: every label reproduced with no error at all


def test_exact_network_needs_many_bits_and_round_trips_losslessly(tmp_path):
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((120, 3)), rng.uniform(-1, 1, 120)
    built = build("zhang", X, y, exact=True, seed=0)
    net = built.network
    assert net.exact and net.stats()["bit_complexity"] > 1000  # the substitution divides by 2^k_i, n times
    net.save(tmp_path / "zhang.npz")
    back = Network.load(tmp_path / "zhang.npz")
    for a, b in zip(net.layers, back.layers):
        assert a.exact == b.exact
        if a.exact:
            assert list(a.exact_weight.ravel()) == list(b.exact_weight.ravel())
            assert list(a.exact_bias) == list(b.exact_bias)
    again = verify(back, X, y)
    assert again.judged_exactly and again.passed and again.exact.max_abs_error == 0


def test_float_realisation_is_a_plain_float_network_within_tolerance():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((300, 6)), rng.uniform(-1, 1, 300)
    built = build("zhang", X, y, seed=1)
    assert not built.network.exact
    assert built.report.passed and built.report.max_abs_error <= 1e-6 and built.report.certified == 1.0
    assert built.network.stats()["edges"] == 2 * 300 + 6


def test_float_realisation_takes_the_best_conditioned_direction():
    """The float substitution's error grows with spread / smallest gap of the projections: of ``tries`` draws the
    projection kept has the smallest ratio, so 154 Gaussian points in the plane (where the first separating draw
    left 9 points beyond the default tolerance) build with defaults, and the ratio never grows with more draws."""
    rng = np.random.default_rng(119829)
    X, y, seed = rng.standard_normal((154, 2)), rng.uniform(-1, 1, 154), int(rng.integers(2**31))
    one, many = (build("zhang", X, y, seed=seed, tries=t, on_failure="return") for t in (1, 20))
    assert many.info["spread_over_gap"] <= one.info["spread_over_gap"]
    assert many.report.passed and many.report.certified == 1.0


def test_width_below_n_is_refused():
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(WidthError, match="uses n = 10 units"):
        build("zhang", X, np.zeros(10), widths=[9])
