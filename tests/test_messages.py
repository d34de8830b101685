"""Errors that say the right thing, and constructions that do not depend on the units of the data."""

import sys

import numpy as np
import pytest

from memorizers import build, verify
from memorizers.errors import DuplicatePointsError, InvalidDataError, MemorizersError, VerificationError

SCALES = np.array([1e-6, 1e-3, 1.0, 10.0, 1e3, 1e6])


@pytest.mark.parametrize("method", ["baum", "relu-baum", "yun-2layer", "yun-resnet", "yun-3layer"])
def test_columns_in_any_units_build_like_standardised_ones(method):
    """An invertible scaling of the features changes nothing: general position, rank cut-offs and
    projections are judged in units-free coordinates (powers of two, folded into layer 1 exactly)."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 6))
    y = {
        "baum": rng.integers(0, 2, 200),
        "yun-2layer": rng.integers(0, 3, 200),
        "yun-resnet": rng.integers(0, 3, 200),
    }.get(method, rng.uniform(-1, 1, 200))
    scaled = build(method, Z * SCALES, y, seed=0)
    standard = build(method, Z, y, seed=0)
    assert scaled.report.accuracy == standard.report.accuracy == 1.0
    assert scaled.network.stats()["hidden_widths"] == standard.network.stats()["hidden_widths"]


@pytest.mark.parametrize("factor", [1e-300, 1e-150, 1e150, 1e300])
def test_yun_3layer_at_extreme_magnitudes(factor):
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((100, 4)) * factor, rng.uniform(-1, 1, 100)
    built = build("yun-3layer", X, y, seed=0)
    assert built.report.accuracy == 1.0 and built.report.max_abs_error <= 1e-6


def test_general_position_error_is_short_and_names_the_remedy():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 100))
    X[:, 0] = 0.0  # every point on one hyperplane: each group of dx = 100 points spans it, the others lie on it
    with pytest.raises(InvalidDataError) as e:
        build("relu-baum", X, rng.uniform(-1, 1, 300))
    text = str(e.value)
    assert len(text) < 400 and "yun-classifier" in text and "(100 points)" in text
    assert build("yun-2layer", X, rng.integers(0, 2, 300)).report.certified == 1.0  # Baum's choice of points


def test_integers_beyond_2_53_are_not_called_duplicates():
    X = np.array([[2**53, 0], [2**53 + 1, 0], [0, 1]], dtype=np.int64)
    with pytest.raises(InvalidDataError, match="beyond 2\\^53"):
        build("yun-3layer", X, [0.1, 0.2, 0.3])


def test_vershynin_reports_the_true_distance_of_close_points():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20, 16))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X[1] = X[0] + 1e-9 * rng.standard_normal(16)
    X[1] /= np.linalg.norm(X[1])
    y = np.zeros(20)
    y[0] = 1
    with pytest.raises(InvalidDataError) as e:
        build("vershynin", X, y, widths=(64, 64, 2))
    distance = float(str(e.value).split(" apart")[0].split()[-1])
    assert distance == pytest.approx(np.linalg.norm(X[0] - X[1]), rel=1e-3) and distance > 0
    assert "--option separation" in str(e.value)


def test_ntk_names_duplicates_instead_of_asking_for_more_rounds():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 24))
    X[7] = X[3]
    with pytest.raises(DuplicatePointsError, match="points 3 and 7 are identical but labelled"):
        build("ntk", X, rng.uniform(-1, 1, 30))


def test_daniely_outside_its_regime_says_d_must_be_large():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((200, 10))
    with pytest.raises(VerificationError, match="d in the hundreds"):
        build("daniely", X, rng.choice([-1.0, 1.0], 200))


def test_option_values_are_checked_before_building():
    rng = np.random.default_rng(7)
    X, ids = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    for options in ({"margin": float("nan")}, {"margin": -1.0}, {"margin": float("inf")}):
        with pytest.raises(InvalidDataError, match="margin must be"):
            build("yun-2layer", X, ids, **options)
    with pytest.raises(InvalidDataError, match="clip_margin must be"):
        build("yun-3layer", X, rng.uniform(-1, 1, 40), clip_margin=float("inf"))
    with pytest.raises(InvalidDataError, match="seed must be a non-negative integer"):
        build("yun-3layer", X, rng.uniform(-1, 1, 40), seed=-5)
    with pytest.raises(MemorizersError, match="needs option widths"):
        build("yun-deep", X, rng.uniform(-1, 1, 40))


def test_complex_inputs_are_refused_not_reduced_to_their_real_part():
    X = np.random.default_rng(8).standard_normal((20, 3)) * (1 + 1j)
    with pytest.raises(InvalidDataError, match="complex"):
        build("yun-3layer", X, np.zeros(20))


@pytest.mark.parametrize("X", [5.0, None, np.float64(3.0), [[1.0, 2.0], [3.0]]])
def test_points_that_are_not_an_array_of_rows_are_refused(X, monkeypatch):
    """Before any count of N (the default tolerance, the progress line on a terminal) is taken from them."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with pytest.raises(InvalidDataError, match="2-D|numeric"):
        build("yun-3layer", X, np.zeros(3), progress=True)


@pytest.mark.parametrize("method", ["yun-3layer", "yun-classifier"])
def test_labels_of_unequal_length_are_refused(method):
    with pytest.raises(InvalidDataError, match="not an array"):
        build(method, np.eye(2), [[1.0], [0.0, 1.0]])


def test_verify_refuses_data_that_is_not_an_array_of_rows():
    net = build("yun-3layer", np.eye(2), [0.5, -0.5]).network
    for X, y in [([[1.0, 0.0], [0.0]], [0.5, -0.5]), (np.eye(2), [[0.5], [0.5, 1.0]]), (np.eye(2), 0.5)]:
        with pytest.raises(InvalidDataError, match="not an array|scalar"):
            verify(net, X, y)


def test_verify_maps_class_labels_through_the_recorded_classes():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((60, 4))
    y = rng.choice(["cat", "dog", "emu"], 60)
    net = build("yun-classifier", X, y, seed=0).network
    assert verify(net, X, y).certified == 1.0
    with pytest.raises(InvalidDataError, match="not among the classes"):
        verify(net, X, np.where(y == "emu", "yak", y))


@pytest.mark.parametrize("method", ["yun-classifier", "baum"])
def test_real_valued_labels_are_not_taken_as_classes(method):
    rng = np.random.default_rng(10)
    with pytest.raises(InvalidDataError, match="class labels must be integers or strings"):
        build(method, rng.standard_normal((40, 4)), rng.uniform(-1, 1, 40))
