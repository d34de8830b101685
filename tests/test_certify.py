"""Certified verification: the a-priori rounding bound holds, and certification agrees with the exact check."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from memorizers import activations, verify
from memorizers.certify import U64, forward_with_bound, gamma
from memorizers.constructions.yun import yun_3layer
from memorizers.data import gaussian_regression
from memorizers.exact import exact_forward
from memorizers.network import Dense, Network

from conftest import ALL_ACTIVATIONS, SMOOTH_ACTIVATIONS, random_network


@given(
    act=st.sampled_from(ALL_ACTIVATIONS),
    dtype=st.sampled_from(["float32", "float64", "longdouble"]),
    scale=st.sampled_from([1e-3, 1.0, 1e4]),
    seed=st.integers(0, 2**16),
    residual=st.booleans(),
)
def test_bound_contains_the_exact_output(act, dtype, scale, seed, residual):
    rng = np.random.default_rng(seed)
    net = _scaled_network(rng, act, scale, residual)
    X = rng.standard_normal((8, 3))
    _assert_within_bound(net, X, dtype, exact_forward(net, X))


def _scaled_network(rng, act, scale, residual=False):
    net = random_network(rng, [3, 6, 5, 2], act, residual=residual)
    for d, _ in net.dense_layers():
        d.weight *= scale
    return net


def _assert_within_bound(net, X, dtype, truth):
    """The distance from the computed output to ``truth`` (Fractions), in exact arithmetic, is within the bound."""
    F, E = forward_with_bound(net, X, np.dtype(np.longdouble if dtype == "longdouble" else dtype))
    for i in range(F.shape[0]):
        for o in range(F.shape[1]):
            gap = abs(Fraction(*F[i, o].as_integer_ratio()) - truth[i, o])
            assert gap <= Fraction(E[i, o]), (i, o, float(gap), E[i, o])


def _mp_forward(net, X, digits=60):
    """The stored network on X in mpmath at ``digits`` digits, as Fractions: the true output to far below any float bound."""
    import mpmath

    mpmath.mp.dps = digits
    f = {"tanh": mpmath.tanh, "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t))}
    a = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in X])
    for d, _ in net.dense_layers():
        W = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in d.weight])
        z = a * W.T
        for i in range(z.rows):
            for j in range(z.cols):
                t = z[i, j] + mpmath.mpf(float(d.bias[j]))
                z[i, j] = f[d.activation.kind](t) if d.activation.kind in f else t
        a = z
    return np.array([[Fraction(str(a[i, j])) for j in range(a.cols)] for i in range(a.rows)], dtype=object)


@given(
    act=st.sampled_from(SMOOTH_ACTIVATIONS),
    dtype=st.sampled_from(["float32", "float64", "longdouble"]),
    scale=st.sampled_from([1e-3, 1.0, 30.0]),
    seed=st.integers(0, 2**16),
)
def test_bound_contains_the_true_output_for_smooth_activations(act, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    net = _scaled_network(rng, act, scale)
    X = rng.standard_normal((6, 3))
    _assert_within_bound(net, X, dtype, _mp_forward(net, X))


@pytest.mark.parametrize("act", ["relu", "hard-tanh"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_certified_points_pass_the_exact_check(act, dtype):
    X, y = gaussian_regression(100, 6, seed=4)
    net, _ = yun_3layer(X, y, activation=act, seed=4)
    r = verify(net, X, y, dtype=dtype, kind="real", tol=1e-6)
    F = exact_forward(net, X)
    exact_ok = np.array([abs(float(F[i, 0]) - y[i]) <= 1e-6 for i in range(len(y))])
    assert np.all(exact_ok[r.certified_points])
    if dtype == "float64":
        assert r.certified == 1.0  # at N = 100 the bound is far below the tolerance
    else:
        assert r.certified == 0.0 and not r.passed  # float32 cannot hold this network


def test_certification_refines_saturated_units():
    # hard-tanh saturated far from the kink is exact, so the bound there is 0
    net = random_network(np.random.default_rng(0), [2, 3, 1], activations.hard_tanh())
    net.layers[0].weight[:] = 0
    net.layers[0].bias[:] = 5.0
    net.layers[1].weight[:] = 1.0
    net.layers[1].bias[:] = 0.0
    F, E = forward_with_bound(net, np.ones((4, 2)), np.float64)
    assert np.all(F == 3.0)
    # only the output sum 1 + 1 + 1 may round: the hidden layer contributes nothing
    assert np.all(E == pytest.approx(gamma(4, U64) * 3, rel=1e-9))


def test_classification_certificates():
    net = random_network(np.random.default_rng(1), [2, 4, 3], activations.relu())
    X = np.random.default_rng(2).standard_normal((50, 2))
    F, E = forward_with_bound(net, X, np.float64)
    ids = F.argmax(axis=1)
    r = verify(net, X, ids)
    assert r.kind == "onehot" and r.accuracy == 1.0
    rows = np.arange(50)
    others = F + E
    others[rows, ids] = -np.inf
    np.testing.assert_array_equal(r.certified_points, F[rows, ids] - E[rows, ids] > others.max(axis=1))
    assert r.to_dict()["certified"] == r.certified
    signs = np.where(net(X)[:, 0] > 0, 1, -1)
    r = verify(Network([*net.layers[:-1], Dense(net.layers[-1].weight[:1], net.layers[-1].bias[:1])]), X, signs)
    assert r.kind == "sign" and r.accuracy == 1.0
