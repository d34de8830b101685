"""The edges where a certificate or a verdict could claim more than is true: labels float64 cannot hold,
values beyond float64's range, and one point's overflow reaching another point's certificate."""

import numpy as np
import pytest

from memorizers import activations, build, verify
from memorizers.errors import InvalidDataError
from memorizers.network import Dense, Network


@pytest.mark.parametrize(
    "labels",
    [
        np.array([2**53 + 1, 3], dtype=np.int64),
        np.array([2**64 - 1, 3], dtype=np.uint64),
        np.array([1 + np.longdouble(2) ** -60, 3]) if np.finfo(np.longdouble).nmant > 52 else None,
    ],
    ids=["int64", "uint64", "longdouble"],
)
@pytest.mark.parametrize("kind", ["real", "index"])
def test_labels_float64_cannot_hold_are_refused(labels, kind):
    """Rounded to float64 first, 2^53 + 1 was certified against an exact error of 1; 1 + 2^-60 at tol 2^-62."""
    if labels is None:
        pytest.skip("long double is float64 here")
    net = Network([Dense([[1.0]], [0.0])])
    X = np.array([[float(labels[0])], [3.0]])
    with pytest.raises(InvalidDataError, match="no float64 value"):
        verify(net, X, labels, kind=kind, tol=0.25)


def test_labels_float64_holds_are_taken():
    net = Network([Dense([[1.0]], [0.0])])
    labels = np.array([2**53, -(2**63)], dtype=np.int64)
    assert verify(net, labels[:, None].astype(float), labels, kind="real", tol=0.25).certified == 1.0


def test_build_refuses_data_float64_cannot_hold():
    X = np.random.default_rng(0).standard_normal((6, 3))
    with pytest.raises(InvalidDataError, match="float64"):
        build("relu-baum", X, np.array([2**53 + 1, 1, 2, 3, 4, 5], dtype=np.int64))
    with pytest.raises(InvalidDataError, match="float64"):
        build("relu-baum", X.astype(np.longdouble) + np.longdouble(2) ** -60, np.arange(6.0))


@pytest.mark.parametrize("act", [activations.identity(), activations.relu(), activations.hard_tanh()])
def test_a_point_that_overflows_leaves_the_others_certified(act):
    """Point 0 overflows float64 in layer 1; it is not certified, and no other point's certificate changes."""
    net = Network([Dense([[1e10, 1.0]], [0.0], act), Dense([[1.0]], [0.0], act), Dense([[1.0], [2.0]], [0.0, 1.0])])
    X = np.array([[1e300, 0.0], [0.0, 0.5], [0.0, 0.25]])
    y = net(X[1:])
    y = np.vstack([[0.0, 1.0], y])
    with np.errstate(all="ignore"):
        r = verify(net, X, y, kind="real", tol=1e-9, device="numpy")
    assert r.certified_points.tolist() == [False, True, True]
    alone = verify(net, X[1:], y[1:], kind="real", tol=1e-9, device="numpy")
    assert alone.certified_points.all()


def test_exact_parameters_beyond_float64_are_measured_and_judged():
    """Weights 2^2000 and 2^-900: the exact output 2^1100 is beyond float64; no OverflowError anywhere."""
    from fractions import Fraction

    W = np.array([[2**2000, 2**1500]], dtype=object)
    net = Network(
        [
            Dense(W, np.array([0], dtype=object), activations.relu()),
            Dense(np.array([[Fraction(1, 2**900)]], dtype=object), np.array([0], dtype=object)),
        ]
    )
    stats = net.stats()
    assert stats["max_abs_weight"] == np.inf and stats["total_weight"] == np.inf
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    r = verify(net, X, np.array([0.0, 2.0**600]), kind="real", tol=1e-6)
    assert r.exact.max_abs_error == np.inf and not r.passed
    assert verify(net, X, np.array([0.0, 2.0**600]), kind="real", tol=1e-6).certified == 0.0
