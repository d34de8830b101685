import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ALL_ACTIVATIONS, random_network, structured_network
from memorizers import activations
from memorizers.backends.numpy_backend import repeated_rows
from memorizers.errors import MemorizersError, NetworkFileError
from memorizers.network import Dense, Network, Residual


def test_forward_in_each_dtype(rng):
    net = random_network(rng, [3, 5, 4, 2], activations.relu())
    X = rng.standard_normal((7, 3))
    for dt in (np.float32, np.float64, np.longdouble):
        out = net.forward(X, dtype=dt)
        assert out.shape == (7, 2) and out.dtype == dt
    np.testing.assert_allclose(net.forward(X, np.float32), net.forward(X), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(net.forward(X, np.longdouble).astype(float), net.forward(X), rtol=1e-12)


def test_forward_matches_a_hand_computation(rng):
    W1, b1, W2, b2 = (
        rng.standard_normal((4, 3)),
        rng.standard_normal(4),
        rng.standard_normal((1, 4)),
        rng.standard_normal(1),
    )
    net = Network([Dense(W1, b1, activations.relu()), Dense(W2, b2)])
    X = rng.standard_normal((5, 3))
    np.testing.assert_allclose(net(X), np.maximum(X @ W1.T + b1, 0) @ W2.T + b2, rtol=1e-14)


def test_residual_block_adds_its_input(rng):
    U, b, V, c = (
        rng.standard_normal((3, 2)),
        rng.standard_normal(3),
        rng.standard_normal((2, 3)),
        rng.standard_normal(2),
    )
    res = Residual([Dense(U, b, activations.relu()), Dense(V, c)])
    net = Network([res, Dense(np.eye(2), np.zeros(2))])
    X = rng.standard_normal((4, 2))
    np.testing.assert_allclose(net(X), X + np.maximum(X @ U.T + b, 0) @ V.T + c, rtol=1e-14)
    assert net.stats()["hidden_neurons"] == 3  # the block's closing linear map is not a neuron


def test_stats_of_a_two_layer_net_match_the_formulas(rng):
    W, b = rng.standard_normal((6, 3)), rng.standard_normal(6)
    a = rng.standard_normal((1, 6))
    a[0, 2] = 0.0
    net = Network([Dense(W, b, activations.relu()), Dense(a, np.zeros(1))])
    s = net.stats()
    assert s["hidden_neurons"] == 6 and s["hidden_widths"] == [6]
    assert s["edges"] == 6 * 3 + 6
    assert s["parameters"] == 6 * 3 + 6 + 6 + 1
    assert s["nonzero_parameters"] == 6 * 3 + 6 + 5
    bubeck = np.sum(np.abs(a[0]) * np.sqrt(np.sum(W**2, axis=1) + b**2))
    assert s["total_weight"] == pytest.approx(bubeck, rel=1e-14)
    assert s["max_abs_weight"] == max(np.abs(W).max(), np.abs(b).max(), np.abs(a).max())


def test_layers_must_chain():
    with pytest.raises(MemorizersError, match="do not chain"):
        Network([Dense(np.ones((3, 2)), np.zeros(3)), Dense(np.ones((1, 4)), np.zeros(1))])
    with pytest.raises(MemorizersError, match="weight"):
        Dense(np.ones((3, 2)), np.zeros(2))
    with pytest.raises(MemorizersError, match="input features"):
        Network([Dense(np.ones((3, 2)), np.zeros(3))]).forward(np.ones((1, 5)))


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=lambda a: a.name)
def test_save_load_round_trips_bit_exactly(tmp_path, rng, act):
    net = random_network(rng, [4, 6, 5, 3], act, residual=True)
    net.meta = {"method": "test", "widths": [6, 5], "seed": 3}
    path = tmp_path / "net.npz"
    net.save(path)
    back = Network.load(path)
    assert back.meta == net.meta
    assert len(back.layers) == len(net.layers)
    for (d1, _), (d2, _) in zip(net.dense_layers(), back.dense_layers()):
        assert d1.activation == d2.activation
        assert d1.weight.tobytes() == d2.weight.tobytes() and d1.bias.tobytes() == d2.bias.tobytes()
    X = rng.standard_normal((9, 4))
    assert net(X).tobytes() == back(X).tobytes()
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]  # atomic write leaves no temporary file


def test_bad_network_files(tmp_path, rng):
    with pytest.raises(NetworkFileError, match="no such file"):
        Network.load(tmp_path / "missing.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip archive")
    with pytest.raises(NetworkFileError, match="not a readable"):
        Network.load(garbage)
    good = tmp_path / "good.npz"
    random_network(rng, [2, 3, 1], activations.relu()).save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: os.path.getsize(good) // 2])
    with pytest.raises(NetworkFileError):
        Network.load(truncated)
    data = tmp_path / "data.npz"
    np.savez(data, X=np.ones((2, 2)), y=np.ones(2))
    with pytest.raises(NetworkFileError, match="header"):
        Network.load(data)
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(NetworkFileError, match="plain .npy"):
        Network.load(npy)
    other = tmp_path / "other.npz"
    np.savez(other, header=np.array('{"format": "something-else"}'))
    with pytest.raises(NetworkFileError, match="not a memorizers network"):
        Network.load(other)
    arrays = random_network(rng, [2, 3, 1], activations.relu()).to_arrays()
    del arrays["1.0.bias"]
    broken = tmp_path / "broken.npz"
    np.savez(broken, **arrays)
    with pytest.raises(NetworkFileError, match="malformed"):
        Network.load(broken)


def test_interrupted_write_leaves_no_file(tmp_path, rng, monkeypatch):
    net = random_network(rng, [2, 3, 1], activations.relu())
    path = tmp_path / "net.npz"
    net.save(path)
    before = path.read_bytes()

    def crash(src, dst):
        raise KeyboardInterrupt  # the process is stopped between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        random_network(rng, [2, 5, 1], activations.relu()).save(path)
    assert path.read_bytes() == before  # the old file is intact, not half-overwritten
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]  # and no temporary file is left


def _dense_forward(net, X):
    """The reference: every Dense layer as its plain product (Dense.__call__), no structure."""
    return net.interpret(X, lambda d, a: d(a), lambda a, h: a + h)


@given(seed=st.integers(0, 2**16), out=st.integers(4, 30), distinct=st.integers(1, 8))
def test_repeated_rows_reconstruct_the_matrix_exactly(seed, out, distinct):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((distinct, 5)) * 10.0 ** rng.integers(-200, 200, (distinct, 1))
    base[0, :2] = 0.0  # a row whose first entries are zero takes its sign from the first nonzero
    W = rng.choice([-1.0, 1.0], (out, 1)) * base[rng.integers(0, distinct, out)]
    found = repeated_rows(W)
    if len(np.unique(np.abs(W), axis=0)) > 0.75 * out:
        assert found is None
        return
    first, index, sign = found
    assert np.array_equal(sign[:, None] * W[first[index]], W)
    assert len(first) == len(np.unique(W * np.sign(W[np.arange(out), (W != 0).argmax(axis=1)])[:, None], axis=0))


def test_rows_alike_in_part_are_not_merged():
    """Rows with the same magnitudes but another sign pattern, or differing only off the columns compared
    first, stay distinct."""
    r = np.arange(1.0, 101.0)
    flipped, changed = r * np.where(np.arange(100) == 50, -1.0, 1.0), r + (np.arange(100) == 7)
    W = np.array([r, -r, flipped, -flipped, changed, r, flipped, changed])
    first, index, sign = repeated_rows(W)
    assert len(first) == 3
    assert np.array_equal(sign[:, None] * W[first[index]], W)
    assert list(index) == [index[0]] * 2 + [index[2]] * 2 + [index[4], index[0], index[2], index[4]]


@pytest.mark.parametrize("shape", [(5, 0), (0, 5), (6, 1), (1, 6)])
def test_repeated_rows_of_degenerate_shapes(shape):
    W = np.ones(shape)
    found = repeated_rows(W)
    if found is not None:
        first, index, sign = found
        assert np.array_equal(sign[:, None] * W[first[index]], W)
    net = Network([Dense(W, np.arange(shape[0], dtype=float)), Dense(np.ones((1, shape[0])), np.zeros(1))])
    X = np.ones((3, shape[1]))
    assert np.array_equal(net.forward(X), _dense_forward(net, X))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.longdouble])
def test_structured_layers_evaluate_as_the_dense_products(rng, dtype):
    """Repeated rows are multiplied once and sparse layers by their nonzeros: with integer parameters and
    inputs every product and sum is exact, so the result is the dense one bit for bit; an infinite input
    gives NaN where the dense product's 0 * inf does, as in any runtime."""
    net = structured_network(rng, activations.relu(), integers=True)
    X = rng.integers(-3, 4, (50, 3)).astype(dtype)
    dense = _dense_forward(net, X)
    assert np.array_equal(net.forward(X, dtype=dtype), dense)
    X[7, 1] = np.inf
    with np.errstate(invalid="ignore"):
        dense = _dense_forward(net, X)
        assert np.array_equal(net.forward(X, dtype=dtype), dense, equal_nan=True)
    assert np.isnan(dense[7]).any()


@pytest.mark.parametrize("repeat", [1, 2])
def test_every_unit_adds_its_products_in_order(repeat):
    """Inputs 2^52 + 1, 2^52 - 1 in turn, weights +-2^s: added in order, every partial sum is 2^s times an
    integer below 2^53, so the output is exact; summed across vector lanes, as BLAS's tail kernel sums the
    last (columns mod 4) columns of a product, a lane's partial sums pass 2^53 and lose the +-1. Such pairs
    are Yun et al.'s ReLU pairs on their saturated side, whose layer-2 products cancel. 338 units (each
    twice with ``repeat``, then multiplied once), in a chunk of the size that verify uses."""
    k, out, M = 592, 338, 2.0**52
    i = np.arange(out)
    W = np.tile([1.0, -1.0], (out, k // 2)) * 2.0 ** (i % 8)[:, None]
    W[i, 2 * (i // 8)] = W[i, 2 * (i // 8) + 1] = 0.0  # one pair left out per unit: no two rows alike
    net = Network([Dense(np.eye(k), np.zeros(k)), Dense(np.repeat(W, repeat, axis=0), np.zeros(out * repeat))])
    X = np.tile([M + 1, M - 1], (3000, k // 2))
    assert np.array_equal(net.forward(X), np.tile(np.repeat((k - 2) * 2.0 ** (i % 8), repeat), (3000, 1)))
