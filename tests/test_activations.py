from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ALL_ACTIVATIONS, SMOOTH_ACTIVATIONS
from memorizers import activations
from memorizers.errors import MemorizersError


def test_relu_like_instances():
    t = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(activations.relu()(t), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(activations.leaky_relu(0.1)(t), [-0.2, -0.05, 0, 0.5, 2])
    np.testing.assert_array_equal(activations.absolute()(t), np.abs(t))
    np.testing.assert_array_equal(activations.identity()(t), t)
    np.testing.assert_array_equal(activations.threshold()(t), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(activations.hard_tanh()(t), [-1, -0.5, 0, 0.5, 1])


def test_names_and_lookup():
    assert activations.by_name("relu") == activations.relu()
    assert activations.by_name("hard-tanh").name == "hard_tanh"
    assert activations.leaky_relu(0.1).name == "leaky_relu(0.1)"
    assert activations.Activation.from_dict(activations.leaky_relu(0.2).to_dict()) == activations.leaky_relu(0.2)
    with pytest.raises(MemorizersError, match="unknown activation 'swish'"):
        activations.by_name("swish")
    with pytest.raises(MemorizersError, match="unknown activation kind"):
        activations.Activation("swish")


def test_activation_keeps_dtype():
    for act in (
        activations.relu(),
        activations.leaky_relu(0.3),
        activations.hard_tanh(),
        activations.threshold(),
        activations.tanh(),
        activations.sigmoid(),
        activations.softplus(),
    ):
        for dt in (np.float32, np.float64, np.longdouble):
            assert act(np.ones(3, dtype=dt)).dtype == dt


# -- each kind's behaviour in the other arithmetics agrees with its float evaluation --------


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=lambda a: a.name)
@given(t=st.lists(st.floats(-1e3, 1e3, allow_subnormal=False), min_size=1, max_size=30))
def test_exact_evaluation_is_the_float_one_on_exact_inputs(act, t):
    """On dyadic inputs the exact result of a piecewise-linear activation, rounded, is its float64 value
    (ReLU-like slopes and clipping round once at most; here the slopes' products stay exact)."""
    from memorizers.exact import Dyadic

    z = Dyadic.from_float(np.array(t))
    m, e = act.exact(z.m, z.e)
    exact = Dyadic(m, e).to_fractions()
    assert [Fraction(float(v)) for v in act(np.array(t))] == [Fraction(float(v)) for v in exact]


@pytest.mark.parametrize("act", ALL_ACTIVATIONS + SMOOTH_ACTIVATIONS, ids=lambda a: a.name)
def test_torch_form_is_the_numpy_one(act):
    torch = pytest.importorskip("torch")
    t = np.linspace(-3, 3, 601)
    np.testing.assert_allclose(act.torch(torch.from_numpy(t)).numpy(), act(t), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize(
    "act", [a for a in ALL_ACTIVATIONS if a.kind != "threshold"] + SMOOTH_ACTIVATIONS, ids=lambda a: a.name
)
def test_derivative_is_the_slope_away_from_the_kinks(act):
    t = np.linspace(-3.013, 3.007, 401)  # no grid point on a kink
    h = 1e-6
    np.testing.assert_allclose(act.derivative(t), (act(t + h) - act(t - h)) / (2 * h), atol=1e-6)


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=lambda a: a.name)
def test_pieces_between_kinks_are_affine_with_the_activation_s_values(act):
    from memorizers.exact import Dyadic

    slope, icpt = np.array([Fraction(1)], dtype=object), np.array([Fraction(0)], dtype=object)
    cuts = [Fraction(-4), *act.kinks(), Fraction(4)]
    for lo, hi in zip(cuts, cuts[1:]):
        s, c = act.on_piece(slope, icpt, (lo + hi) / 2)
        for t in (lo + (hi - lo) / 4, (lo + hi) / 2, hi - (hi - lo) / 4):
            z = Dyadic.from_float(np.array([float(t)]))  # t is a dyadic rational: exact
            assert s[0] * t + c[0] == Dyadic(*act.exact(z.m, z.e)).to_fractions()[0]
