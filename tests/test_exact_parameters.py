"""Exact parameters: dyadic rationals of any size in a Dense layer, stored losslessly (file version 2),
judged by exact evaluation, and counted by the certificate when a float evaluation rounds them."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from memorizers import activations, verify
from memorizers.certify import Certifier, forward_with_bound
from memorizers.errors import ExportError, MemorizersError, NetworkFileError
from memorizers.exact import bits, exact_forward, exact_values
from memorizers.network import Dense, Network

BIG = 2**60


def _canceller():
    """f(x) = (2^60 + 1) relu(x) - 2^60 relu(x) = x for x >= 0: exact, while float64 rounds 2^60 + 1 to 2^60 (f = 0)."""
    up = Dense(np.array([[1], [1]], dtype=object), np.array([0, 0], dtype=object), activations.relu())
    out = Dense(np.array([[BIG + 1, -BIG]], dtype=object), np.array([0], dtype=object))
    return Network([up, out])


def test_exact_parameters_are_kept_exactly_with_their_float64_views():
    net = _canceller()
    first, last = net.layers
    assert first.exact and first.weight.dtype == np.float64  # object arrays: exact, even where float64 holds them
    assert not Dense(np.ones((1, 1)), np.zeros(1)).exact  # float arrays: a plain layer
    assert last.exact and net.exact
    assert last.exact_weight[0, 0] == BIG + 1 and last.weight[0, 0] == float(BIG)  # the float view is rounded
    assert net.stats()["bit_complexity"] == 61


def test_exact_network_is_judged_by_its_exact_evaluation():
    net = _canceller()
    X = np.array([[1.0], [2.0], [3.5]])
    y = X[:, 0]
    r = verify(net, X, y, kind="real", tol=1e-9)
    assert r.judged_exactly and r.passed and r.exact.passed and r.exact.max_abs_error == 0
    # the top level is the verdict: exact arithmetic, which proves every point
    assert r.accuracy == 1 and r.certified == 1 and r.max_abs_error == 0 and r.certified_points.all()
    f = r.float_evaluation  # float64 evaluates the rounded parameters: f = 0, reported as it is, never certified
    assert f.dtype == "float64" and f.accuracy == 0 and f.certified == 0
    assert r.summary().startswith("3 points, real labels, exact arithmetic: accuracy 100.0000%")
    d = r.to_dict()
    assert d["accuracy"] == 1 and d["float_evaluation"]["accuracy"] == 0 and "correct" not in d["exact"]
    wrong = verify(net, X, y + 1, kind="real", tol=1e-9)
    assert not wrong.passed


def test_certificate_and_apriori_bound_contain_the_exact_output_of_exact_parameters():
    rng = np.random.default_rng(3)
    W1 = np.array([[Fraction(int(v), 2**70) + BIG for v in row] for row in rng.integers(-(2**40), 2**40, (4, 3))])
    W2 = np.array([[int(v) * 3 + 1 for v in rng.integers(-(2**55), 2**55, 4)]], dtype=object)
    net = Network([Dense(W1, np.zeros(4, dtype=object), activations.relu()), Dense(W2, np.array([7], dtype=object))])
    X = rng.standard_normal((20, 3))
    F = exact_forward(net, X)
    enc = Certifier(net).enclose(X)
    for i in range(len(X)):
        mid = Fraction(float(enc.h[i, 0])) + Fraction(float(enc.l[i, 0]))
        assert abs(F[i, 0] - mid) <= Fraction(float(enc.r[i, 0]))
    out, bound = forward_with_bound(net, X, np.float64)
    for i in range(len(X)):
        assert abs(F[i, 0] - Fraction(float(out[i, 0]))) <= Fraction(float(bound[i, 0]))


dyadics = st.one_of(
    st.integers(-(2**3000), 2**3000),
    st.builds(lambda m, k: Fraction(m, 2**k), st.integers(-(2**200), 2**200), st.integers(0, 300)),
)


@given(st.lists(dyadics, min_size=6, max_size=6), st.lists(dyadics, min_size=2, max_size=2))
def test_file_round_trip_is_lossless(tmp_path_factory, w, b):
    W = np.array(w, dtype=object).reshape(2, 3)
    net = Network([Dense(W, np.array(b, dtype=object), activations.relu()), Dense(np.ones((1, 2)), np.zeros(1))])
    path = tmp_path_factory.mktemp("exact") / "net.npz"
    net.save(path)
    back = Network.load(path)
    d0, b0 = net.layers[0], back.layers[0]
    assert d0.exact == b0.exact
    if d0.exact:
        assert list(b0.exact_weight.ravel()) == list(exact_values(W).ravel())
        assert list(b0.exact_bias) == list(exact_values(np.array(b, dtype=object)))
    np.testing.assert_array_equal(b0.weight, d0.weight)


def test_version_1_files_still_load(tmp_path, rng):
    net = Network([Dense(rng.standard_normal((3, 2)), rng.standard_normal(3), activations.relu())])
    arrays = net.to_arrays()
    header = json.loads(str(arrays["header"]))
    header["version"] = 1
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "v1.npz", **arrays)
    np.testing.assert_array_equal(Network.load(tmp_path / "v1.npz").layers[0].weight, net.layers[0].weight)


def test_malformed_exact_text_is_a_network_file_error(tmp_path):
    arrays = _canceller().to_arrays()
    key = next(k for k in arrays if k.endswith("weight.exact"))
    for bad in (b"0x1,zz", b"0x1,0x1/-3", b"0x1,0x1/99999999999", "0x1,\u00e9".encode()):
        arrays[key] = np.array(bad)
        np.savez(tmp_path / "bad.npz", **arrays)
        with pytest.raises(NetworkFileError, match="malformed"):
            Network.load(tmp_path / "bad.npz")


def test_non_dyadic_or_non_numeric_parameters_are_refused():
    with pytest.raises(MemorizersError, match="dyadic"):
        Dense(np.array([[Fraction(1, 3)]]), np.array([0], dtype=object))
    with pytest.raises(MemorizersError, match="exact parameters"):
        Dense(np.array([["1"]], dtype=object), np.array([0], dtype=object))


def test_bits_in_fixed_point():
    assert list(bits(np.array([0.1, 0.75, 5.0, 0.0, -3.0]))) == [55, 2, 3, 0, 2]  # 0.1 = 3602879701896397 / 2^55
    exact = exact_values(np.array([0.1, 0.75, 5.0, 0.0, -3.0]))
    assert list(bits(exact)) == [55, 2, 3, 0, 2]
    assert list(bits(np.array([BIG + 1, Fraction(BIG + 1, 2**10)], dtype=object))) == [61, 61]


def test_an_export_never_rounds_exact_parameters_silently():
    pytest.importorskip("onnx")
    net = _canceller()
    with pytest.raises(ExportError, match="exact parameters"):
        net.to_onnx()
    X = np.array([[1.0], [2.0]])
    with pytest.raises(ExportError, match="no longer memorizes"):
        net.to_onnx(X=X, y=X[:, 0])


def test_the_exact_check_in_slices_with_progress_is_the_same():
    """verify's exact check of a network with exact parameters runs in 50 slices of rows behind a progress bar
    (vardi at 60,000 points takes minutes): the same exact values, so the same report."""
    from memorizers import build
    from memorizers.verify import exact_check

    rng = np.random.default_rng(2)
    X, ids = rng.standard_normal((120, 3)), rng.integers(0, 4, 120)
    net = build("vardi", X, ids, seed=0).network
    Y = np.eye(1)[np.zeros(120, int)] * ids[:, None]
    whole, sliced = (exact_check(net, X, Y, kind="index", tol=0.5, limit=None, progress=p) for p in (False, True))
    assert np.array_equal(whole.errors, sliced.errors) and np.array_equal(whole.margins, sliced.margins)
    assert whole.passed and sliced.passed


@pytest.mark.parametrize(
    "bad",
    [[0, False], [True, 1], ["1", 0], [0, float("nan")], [Fraction(1, 3), 0], [None, 0], [0.5, 1j]],
)
def test_exact_values_refuses_what_is_not_a_dyadic_number_even_where_it_is_zero(bad):
    with pytest.raises(MemorizersError):
        exact_values(np.array(bad, dtype=object))


@given(st.lists(st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False)), max_size=20))
def test_exact_values_keeps_every_value_exactly_and_every_zero_as_the_int_0(values):
    a = np.array([*values, 0.0, Fraction(0), np.int64(0), Fraction(-3, 8)], dtype=object)
    out = exact_values(a)
    assert all(Fraction(v) == Fraction(w) for v, w in zip(out, a))
    assert all(type(v) is int for v, w in zip(out, a) if w == 0)
    assert all(type(v) in (int, Fraction) for v in out)
    assert [int(b) for b in bits(out)] == [
        int(abs(v)).bit_length() + Fraction(v).denominator.bit_length() - 1 for v in out
    ]
