import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from memorizers import activations
from memorizers.errors import MemorizersError


@given(
    t=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50),
    s_minus=st.sampled_from([0.0, 0.01, 0.25, 0.5]),
    s_plus=st.sampled_from([1.0, 2.0, 4.0]),
)
def test_hard_tanh_is_the_papers_combination_of_two_relu_like_units(t, s_minus, s_plus):
    t = np.array(t)
    got = activations.hard_tanh_from_relu_like(t, s_plus, s_minus)
    # exact in real arithmetic; in float64 only the rounding of t +- 1 and the products remains
    bound = 8 * np.finfo(float).eps * (2 + np.abs(t)) * (s_plus + s_minus) / (s_plus - s_minus)
    assert np.all(np.abs(got - np.clip(t, -1, 1)) <= bound)


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
        activations.Activation("softplus")


def test_activation_keeps_dtype():
    for act in (
        activations.relu(),
        activations.leaky_relu(0.3),
        activations.hard_tanh(),
        activations.threshold(),
        activations.tanh(),
        activations.sigmoid(),
    ):
        for dt in (np.float32, np.float64, np.longdouble):
            assert act(np.ones(3, dtype=dt)).dtype == dt
