from fractions import Fraction

import numpy as np
import pytest

from conftest import ALL_ACTIVATIONS, random_network
from memorizers import activations, verify
from memorizers.errors import InvalidDataError
from memorizers.exact import Dyadic, exact_forward
from memorizers.kinds import default_tol
from memorizers.network import Dense, Network
from memorizers.verify import infer_kind
from methods import example


def _linear(w, b):
    return Network([Dense(np.atleast_2d(w), np.atleast_1d(b))])


def test_infer_kind():
    assert infer_kind(np.array([0.3, -1.0]), 1) == "real"
    assert infer_kind(np.array([0, 1, 1]), 1) == "binary"
    assert infer_kind(np.array([-1, 1, 1]), 1) == "sign"
    assert infer_kind(np.eye(3), 3) == "onehot"
    assert infer_kind(np.array([0, 2, 1]), 3) == "onehot"  # class ids
    assert infer_kind(np.array([[0.5, 0.5], [1, 0]]), 2) == "real"


def test_real_labels_report_errors_and_margins():
    net = _linear([[1.0]], [0.0])  # f(x) = x
    X = np.array([[0.1], [0.2], [0.3]])
    y = np.array([0.1, 0.2 + 1e-7, 0.3])
    r = verify(net, X, y, tol=1e-6)
    assert r.kind == "real" and r.passed and r.accuracy == 1.0
    assert r.max_abs_error == pytest.approx(1e-7, rel=1e-6)
    r = verify(net, X, y, tol=1e-8)
    assert not r.passed and r.accuracy == pytest.approx(2 / 3)
    assert r.min_margin == pytest.approx(1e-8 - 1e-7, rel=1e-6)


def test_default_tolerance_is_1e6_up_to_1e5_points_then_grows_with_n():
    """With no tolerance given or recorded, real labels are judged at default_tol(N) (docs/manual.md, "The
    tolerance")."""
    net = _linear([[1.0]], [0.0])  # f(x) = x, exact on this grid
    assert default_tol(10) == default_tol(10**5) == 1e-6 and default_tol(4 * 10**5) == 8e-6
    for n, offset, passed in [(10**5, 1.5e-6, False), (2 * 10**5, 2.5e-6, True), (2 * 10**5, 3e-6, False)]:
        X = np.linspace(-1, 1, n)[:, None]
        r = verify(net, X, X[:, 0] + offset, certify=False)
        assert r.tol == default_tol(n) and r.passed is passed
        assert f"(tol {default_tol(n):.3g})" in r.summary()  # the report says what it judged by


def test_classification_kinds():
    net = _linear([[1.0]], [0.0])
    X = np.array([[0.9], [0.2], [-0.4]])
    r = verify(net, X, np.array([1, 0, 0]))
    assert r.kind == "binary" and r.accuracy == 1.0 and r.min_margin == pytest.approx(0.3)
    r = verify(net, X, np.array([1, 1, -1]))
    assert r.kind == "sign" and r.accuracy == 1.0 and r.min_margin == pytest.approx(0.2)
    net3 = Network([Dense(np.array([[1.0], [0.0], [-1.0]]), np.zeros(3))])  # scores (x, 0, -x)
    ids = np.array([0, 1, 2])
    r = verify(net3, X, ids)
    assert r.kind == "onehot" and r.accuracy == pytest.approx(2 / 3) and not r.passed
    r = verify(net3, X, np.eye(3)[[0, 1, 2]])
    assert r.accuracy == pytest.approx(2 / 3)
    with pytest.raises(InvalidDataError, match="class ids"):
        verify(net3, X, np.array([0, 5, 1]))


def test_shape_errors():
    net = _linear([[1.0, 2.0]], [0.0])
    with pytest.raises(InvalidDataError, match="shape"):
        verify(net, np.ones((3, 3)), np.ones(3))
    with pytest.raises(InvalidDataError, match="3 points but y has 2"):
        verify(net, np.ones((3, 2)), np.ones(2))
    with pytest.raises(InvalidDataError, match="dtype"):
        verify(net, np.ones((3, 2)), np.ones(3), dtype="bfloat16")


def test_chunked_verification_equals_one_pass(rng):
    net = random_network(rng, [3, 8, 2], activations.relu())
    X = rng.standard_normal((101, 3))
    y = net(X) + 1e-9
    a, b = verify(net, X, y), verify(net, X, y, chunk_rows=7)
    np.testing.assert_array_equal(a.errors, b.errors)
    assert a.to_dict() == b.to_dict()


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=lambda a: a.name)
def test_exact_forward_agrees_with_fraction_arithmetic(rng, act):
    net = random_network(rng, [3, 4, 3, 2], act, residual=True)
    X = rng.standard_normal((5, 3))
    got = exact_forward(net, X)

    def frac(a):
        return np.vectorize(Fraction, otypes=[object])(a)

    def act_exact(t):
        if act.kind == "hard_tanh":
            return np.vectorize(lambda v: max(Fraction(-1), min(Fraction(1), v)), otypes=[object])(t)
        if act.kind == "threshold":
            return np.vectorize(lambda v: Fraction(int(v > 0)), otypes=[object])(t)
        sp, sm = Fraction(act.s_plus), Fraction(act.s_minus)
        return np.vectorize(lambda v: sp * v if v > 0 else sm * v, otypes=[object])(t)

    a = frac(X)
    for layer in net.layers:
        if hasattr(layer, "block"):
            h = a
            for d in layer.block:
                h = h.dot(frac(d.weight).T) + frac(d.bias)
                h = act_exact(h) if not d.activation.is_identity else h
            a = a + h
        else:
            a = a.dot(frac(layer.weight).T) + frac(layer.bias)
            a = act_exact(a) if not layer.activation.is_identity else a
    assert (got == a).all()
    np.testing.assert_allclose(got.astype(float), net(X), rtol=1e-12, atol=1e-12)


def test_dyadic_round_trip():
    vals = np.array([0.0, -0.0, 1.0, -3.5, 1e-300, 1e300, 2.0**-1074, 0.1])
    d = Dyadic.from_float(vals)
    assert [Fraction(v) for v in vals] == list(d.to_fractions())


def test_exact_check_sees_rounding_that_the_float_pass_hides():
    # f(x) = 3x - 0.3 at x = 0.1: in float64 this is 5.55e-17, exactly it is 3 * fl(0.1) - fl(0.3).
    net = _linear([[3.0]], [-0.3])
    X = np.array([[0.1]])
    r = verify(net, X, np.array([0.0]), exact=True, tol=1e-12)
    want = abs(3 * Fraction(0.1) - Fraction(0.3))
    assert r.exact.max_abs_error == float(want) and r.exact.passed
    assert r.max_abs_error == abs(3 * 0.1 - 0.3)


def test_exact_check_refuses_large_cases():
    net = _linear([[1.0]], [0.0])
    with pytest.raises(InvalidDataError, match="exceeds the limit"):
        verify(net, np.ones((10, 1)), np.ones(10), exact=True, exact_limit=5)


def test_relative_kind_is_the_aggregate_criterion(rng):
    """kind="relative": passed iff ||f - y||^2 <= tol ||y||^2, whatever single points do; also exactly."""
    net = random_network(rng, [3, 8, 1], activations.relu())
    X = rng.standard_normal((40, 3))
    f = net.forward(X)[:, 0]
    y = f.copy()
    y[0] += 0.5  # one point far off: per-point kinds fail, the aggregate passes when the budget covers it
    budget = 0.25 / np.sum(y**2)
    for tol, passes in ((budget * 1.01, True), (budget * 0.99, False)):
        report = verify(net, X, y, kind="relative", tol=tol, exact=True)
        assert report.passed is passes and report.exact.passed is passes
        assert report.relative_error == pytest.approx(budget, rel=1e-9)
        assert report.accuracy == 39 / 40  # the other points are within their share of the budget
    assert not verify(net, X, y, kind="real", tol=0.1).passed


def test_exact_check_refuses_smooth_activations(rng):
    net = random_network(rng, [3, 4, 1], activations.tanh())
    X = rng.standard_normal((5, 3))
    with pytest.raises(InvalidDataError, match="piecewise-linear activations; this network uses tanh"):
        verify(net, X, net.forward(X)[:, 0], exact=True)
    assert verify(net, X, net.forward(X)[:, 0]).certified == 1.0


def test_verify_scores_a_network_as_it_was_built_even_from_an_older_file():
    """Files written before kind and tol were recorded: the method's kind, and an approximate method's eps."""
    from memorizers import build

    X, y, options = example("ntk", np.random.default_rng(0), 60, 4, 1)
    net = build("ntk", X, y, **options).network
    assert verify(net, X, y, bits=False).passed
    for key in ("kind", "tol", "bits_sufficient"):
        net.meta.pop(key)
    r = verify(net, X, y, bits=False)
    assert r.kind == "relative" and r.tol == net.meta["eps"] and r.passed
