"""Certificates where rounding decides a side: pre-activations on, or within ulps of, every kink of every
piecewise-linear activation, at ordinary, underflow and overflow scales, and labels at the criterion's edge.

``MEMORIZERS_FUZZ`` sets the networks per activation (``make fuzz``: 3000); the default keeps ``make test`` short.
"""

import os

import numpy as np
import pytest

from conftest import ALL_ACTIVATIONS, assert_encloses
from kinks import KINDS, exactly_right, kink_network, labels_at_the_edge
from memorizers import activations, verify
from memorizers.certify import Certifier, enclose, forward_with_bound
from memorizers.exact import exact_forward
from memorizers.network import Dense, Network

FUZZ = int(os.environ.get("MEMORIZERS_FUZZ", "25"))
SCALES = [1.0, 1e-3, 1e4, 1e-160, 1e150]
KINKED = [a for a in ALL_ACTIVATIONS if not a.is_identity]


def _network(act, seed: int, n_out: int = 2):
    rng = np.random.default_rng(seed)
    return (*kink_network(rng, act, widths=(3, 5, 4, n_out), scale=SCALES[seed % len(SCALES)]), rng)


def test_hard_tanh_rounded_onto_its_kink_is_not_certified():
    """x -> hard_tanh(x - 1) -> 2^40 a + 2^40 at x = 2^-54: fl(x - 1) = -1 is clipped, but the exact output is
    2^40 2^-54 = 6.1e-5, so label 0 within 1e-6 is wrong and must not be certified, on any path."""
    net = Network([Dense([[1.0]], [-1.0], activations.hard_tanh()), Dense([[2.0**40]], [2.0**40])])
    X = np.array([[2.0**-54]])
    assert exact_forward(net, X)[0, 0] == 2.0**-14
    enc = enclose(net, X)
    assert_encloses(enc, exact_forward(net, X))
    for dtype in ("float64", "float32"):
        r = verify(net, X, [0.0], kind="real", tol=1e-6, dtype=dtype, device="numpy")
        assert r.certified == 0.0 and r.bits_sufficient is None
    onehot = Network([net.layers[0], Dense([[2.0**40], [0.0]], [2.0**40, 2.0**-20])])
    assert verify(onehot, X, [1], kind="onehot", device="numpy").certified == 0.0  # the exact output says class 0


def test_hard_tanh_rounded_onto_its_kink_is_not_certified_on_torch():
    pytest.importorskip("torch")
    net = Network([Dense([[1.0]], [-1.0], activations.hard_tanh()), Dense([[2.0**40]], [2.0**40])])
    X = np.array([[2.0**-54]])
    assert_encloses(Certifier(net, device="cpu").enclose(X), exact_forward(net, X))
    assert verify(net, X, [0.0], kind="real", tol=1e-6, device="cpu").certified == 0.0


@pytest.mark.parametrize("act", KINKED, ids=lambda a: a.name)
def test_enclosures_at_kinks_contain_the_exact_output(act):
    for seed in range(FUZZ):
        net, X, _ = _network(act, seed)
        assert_encloses(enclose(net, X), exact_forward(net, X))


@pytest.mark.parametrize("act", KINKED, ids=lambda a: a.name)
def test_enclosures_at_kinks_on_torch_contain_the_exact_output(act):
    pytest.importorskip("torch")
    for seed in range(max(FUZZ // 5, 3)):
        net, X, _ = _network(act, seed)
        assert_encloses(Certifier(net, device="cpu").enclose(X), exact_forward(net, X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", KINKED, ids=lambda a: a.name)
def test_apriori_bounds_at_kinks_contain_the_exact_output(act, dtype):
    for seed in range(FUZZ):
        net, X, _ = _network(act, seed)
        F, E = forward_with_bound(net, X, dtype)
        truth = exact_forward(net, X)
        for (i, o), t in np.ndenumerate(truth):
            if E[i, o] < np.inf:
                gap = abs(_f(F[i, o]) - t)
                assert gap <= _f(E[i, o]), (seed, i, o, float(gap), E[i, o])


def _f(v):
    from fractions import Fraction

    return Fraction(*float(v).as_integer_ratio())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("act", KINKED, ids=lambda a: a.name)
def test_certified_implies_correct_at_kinks(act, kind):
    """Every certified point is right for the exact network, labels at the edge of each kind's criterion."""
    tol = 1e-6
    for seed in range(FUZZ):
        net, X, rng = _network(act, seed, 2 if kind in ("real", "onehot") else 1)
        F = exact_forward(net, X)
        Y = labels_at_the_edge(F, kind, tol, rng)
        r = verify(net, X, Y, kind=kind, tol=tol, bits=False, device="numpy")
        assert r.certified <= r.accuracy
        right = exactly_right(F, Y, kind, tol)
        assert right[r.certified_points].all(), (seed, np.flatnonzero(r.certified_points & ~right))
