"""The float-native staircase (memorizers.constructions.staircase) and the exactness rules that certify it
(memorizers.certify.exactness): what the certificate claims in a format holds for every emulated evaluation in
that format (tests/emulate.py: every operation rounded exactly once, sequential, reversed, pairwise and random
orders, with and without fused multiply-add and flush-to-zero), and the network reproduces every label exactly
in float32 as NumPy, torch and ONNX Runtime evaluate it."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import benchmark
from emulate import MODES, evaluate
from memorizers import build, verify
from memorizers.activations import identity, relu
from memorizers.certify import FORMATS, certify_points, exactness
from memorizers.errors import InvalidDataError
from memorizers.exact import exact_forward
from memorizers.network import Dense, Network


def data(n=150, dx=5, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dx))
    y = rng.integers(0, classes, n)
    y[:classes] = np.arange(classes)
    return X, y


def emulated_everywhere(net, x, fmt="float32"):
    """The outputs of every emulated evaluation of net at x in fmt (one list per mode; TF32 rounding and truncating
    its products' inputs)."""
    truncations = (False, True) if fmt == "tf32" else (False,)
    return [evaluate(net, x, fmt, order, fma, ftz, truncate=t) for order, fma, ftz in MODES for t in truncations]


def test_every_label_exactly_in_every_order_of_float32():
    X, y = data()
    built = build("staircase", X, y, seed=1)
    net = built.network
    assert np.array_equal(net.forward(X)[:, 0], y) and np.array_equal(net.forward(X, np.float32)[:, 0], y)
    assert [int(v) for v in exact_forward(net, X)[:, 0]] == y.tolist()
    for i in range(0, len(X), 15):
        for out in emulated_everywhere(net, X[i]):
            assert out == [Fraction(int(y[i]))], i
    r = verify(net, X, y, dtype="float32", any_order="all")
    assert r.certified == 1.0 and r.any_order["float32"] == 1.0 and r.any_order["float64"] == 1.0
    assert r.bits_sufficient is not None and r.bits_sufficient <= 24
    # built for float32: in TF32 (products of 11-bit inputs) its cuts lie inside the features' bands, so most
    # points are not certified, and the few that are hold in every emulated TF32 evaluation
    cert = certify_points(net, X, y, "index", "index", 0.5, bits=False, formats=("tf32",))
    assert cert.any_order["tf32"].mean() == r.any_order["tf32"] < 0.5
    for i in np.flatnonzero(cert.any_order["tf32"]):
        assert all(out == [Fraction(int(y[i]))] for out in emulated_everywhere(net, X[i], "tf32")), i
    assert r.any_order["bfloat16"] < 1.0  # float32 thresholds do not exist in bfloat16: never claimed there


def test_the_classifier_outputs_exact_one_hot_rows():
    X, y = data(classes=3, seed=2)
    built = build("staircase-classifier", X, y, seed=0)
    F = built.network.forward(X, np.float32)
    assert np.array_equal(F, np.eye(3)[y])
    for i in range(0, len(X), 30):
        for out in emulated_everywhere(built.network, X[i]):
            assert out == [Fraction(int(v)) for v in np.eye(3)[y[i]]]
    assert verify(built.network, X, y, dtype="float32").any_order == {"float32": 1.0}


def test_the_record_holds_the_counting_bound_and_sizes():
    X, y = data(n=400, classes=10, seed=3)
    info = build("staircase", X, y, seed=0).info
    assert info["bound"] == int(np.ceil(400 * np.log2(10) / 32)) and info["used"] == info["nonzero_parameters"]
    assert info["depth"] == 7 and info["nonzero_parameters"] < info["dense_parameters"]
    assert info["nonzero_parameters"] >= info["bound"]


def test_a_threshold_moved_into_a_band_is_not_certified_there():
    """A cut moved onto a point's first feature: that point's comparator is undecided in float32, so the
    certificate withdraws it (and what it still claims holds in every emulated order)."""
    X, y = data(seed=4)
    net = build("staircase", X, y, seed=0).network
    t1 = (X @ net.layers[0].weight.T + net.layers[0].bias)[:, 0]
    cuts = -net.layers[1].bias[:-1]
    i = int(np.argmin(np.abs(t1 - cuts[len(cuts) // 2])))
    net.layers[1].bias[len(cuts) // 2] = -float(np.float32(t1[i]))
    r = verify(net, X, y, dtype="float32", bits=False)
    cert = certify_points(net, X, y, "index", "index", 0.5, bits=False, formats=("float32",))
    assert r.any_order["float32"] < 1.0 and not cert.any_order["float32"][i]
    claimed = np.flatnonzero(cert.any_order["float32"])
    for k in claimed[:: max(1, len(claimed) // 8)]:
        assert all(out == [Fraction(int(y[k]))] for out in emulated_everywhere(net, X[k]))


def test_points_float32_cannot_tell_apart_are_refused_in_one_line():
    X, y = data(n=20, seed=5)
    X[1] = X[0] + 1e-13  # distinct in float64, one point in float32
    y[1] = (y[0] + 1) % 4
    with pytest.raises(InvalidDataError, match="points 0 and 1 .* cannot tell them apart"):
        build("staircase", X, y, seed=0)


def states_hold(net, X, fmt: str) -> np.ndarray:
    """Checks every unit's state (certify.exactness) of every layer at the rows of X against the exact network and
    every emulated evaluation in fmt; returns the last layer's exact flags."""
    f = FORMATS[fmt]
    for depth in range(1, len(net.layers) + 1):
        prefix = Network(net.layers[:depth])
        exact, lo, hi = exactness.outputs(exactness.prepare(prefix, f), X, f)
        values = exact_forward(prefix, X)
        for i in range(len(X)):
            for out in [list(values[i]), *emulated_everywhere(prefix, X[i], fmt)]:
                for k, v in enumerate(out):
                    if exact[i, k]:
                        assert v == Fraction(lo[i, k]), (depth, i, k)
                    else:
                        assert Fraction(lo[i, k]) <= v <= Fraction(hi[i, k]), (depth, i, k)
    return exact


def comparator_network(rng, theta_offsets, alpha_exp):
    """t = relu(w . x + c) on two inputs; comparators relu(t - theta_j) at the given offsets from the points'
    t (in units of t's float32 ulp, so that some sit inside its rounding band); binarizers relu(1 - alpha q);
    output sum_j j b_j: what the staircase relies on, with thresholds placed at the edges."""
    w = rng.integers(1024, 2048, size=2).astype(np.float64) / 1024
    X = np.float32(rng.uniform(0.5, 2, size=(4, 2))).astype(np.float64)
    t = X @ w + 3.0
    j = rng.integers(0, len(X), size=len(theta_offsets))
    theta = np.array([float(np.float32(t[k] + off * np.spacing(np.float32(t[k])))) for k, off in zip(j, theta_offsets)])
    m = len(theta)
    layers = [
        Dense(w[None, :], np.array([3.0]), relu()),
        Dense(np.ones((m, 1)), -theta, relu()),
        Dense(-np.diag(np.ldexp(1.0, alpha_exp)), np.ones(m), relu()),
        Dense(np.arange(1.0, m + 1)[None, :], np.zeros(1), identity()),
    ]
    return Network(layers), X


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    offsets=st.lists(st.sampled_from([-40.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 40.0]), min_size=1, max_size=3),
    alpha=st.integers(-2, 30),
    fmt=st.sampled_from(["float32", "float64", "tf32"]),
)
def test_every_units_state_holds_in_every_order(seed, offsets, alpha, fmt):
    """Unit by unit, layer by layer: a unit the rules call exact has that value in the exact network and in every
    emulated evaluation in the format; an interval holds them all (TF32 too, whose products read 11 bits)."""
    net, X = comparator_network(np.random.default_rng(seed), offsets, np.full(len(offsets), alpha))
    exact = states_hold(net, X, fmt)
    if fmt != "tf32" and alpha >= 24 and min(abs(o) for o in offsets) >= 40:  # far from every threshold: exact
        assert exact.all()


def test_integer_sums_are_exact_only_below_two_to_the_precision():
    """1 + 2^23 is exact in float32 in any order; 1 + 2^24 rounds (to 2^24, ties to even): never called exact."""
    net = Network([Dense(np.ones((1, 2)), np.zeros(1), identity())])
    f = FORMATS["float32"]
    for big, exact_expected in ((2.0**23, True), (2.0**24, False)):
        X = np.array([[big, 1.0]])
        exact, lo, hi = exactness.outputs(exactness.prepare(net, f), X, f)
        assert bool(exact[0, 0]) == exact_expected
        got = {out[0] for out in emulated_everywhere(net, X[0])}
        assert all(Fraction(lo[0, 0]) <= v <= Fraction(hi[0, 0]) for v in got)
        assert (len(got) == 1) if exact_expected else Fraction(big) in got


@pytest.mark.parametrize("method", ["staircase", "staircase-classifier"])
def test_float32_exports_reproduce_every_label_bit_for_bit_in_any_batch(method):
    """ONNX Runtime and torch on the CPU, float32, batches of 1, 7 and all rows in shuffled order: every output
    equals NumPy's, which is the exact output (the construction is exact in float32)."""
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    X, y = data(n=300, classes=4, seed=6)
    net = build(method, X, y, seed=0).network
    exact = np.array([[float(v) for v in row] for row in exact_forward(net, X)])
    assert np.array_equal(net.forward(X, np.float32), exact)
    X32 = X.astype(np.float32)
    session = ort.InferenceSession(net.to_onnx(dtype=np.float32, X=X, y=y).SerializeToString())
    module = net.to_torch(dtype=torch.float32, X=X, y=y)
    rng = np.random.default_rng(0)
    for batch in (1, 7, len(X)):
        order = rng.permutation(len(X))
        for s in range(0, len(X), batch):
            rows = order[s : s + batch]
            assert np.array_equal(session.run(["y"], {"x": X32[rows]})[0], exact[rows])
            with torch.no_grad():
                assert np.array_equal(module(torch.from_numpy(X32[rows])).numpy(), exact[rows])


@pytest.mark.slow
@pytest.mark.parametrize("shuffled", [False, True])
def test_fashion_mnist_is_certified_in_float32_with_fewer_nonzeros_than_points(fashion, shuffled):
    """The specification's measurement: Fashion-MNIST's 60,000 training images (real and shuffled labels), every
    label certified in float32 in any order, with at most 1.1 N nonzero parameters, within 10 times the counting
    bound, and exact in float32 BLAS."""
    X, y = fashion
    if shuffled:
        y = np.random.default_rng(0).permutation(y)
    built = build("staircase", X, y, seed=0)
    info = built.info
    assert built.report.certified == 1.0 and built.report.bits_sufficient <= 24
    assert info["nonzero_parameters"] <= 1.1 * len(X) and info["nonzero_parameters"] <= 10 * info["bound"]
    assert np.array_equal(built.network.forward(X, np.float32)[:, 0], y)
    assert verify(built.network, X, y, dtype="float32", bits=False).any_order == {"float32": 1.0}


@pytest.mark.slow
def test_the_float_native_benchmark_runs_quick(fashion):
    """benchmarks/float_native.py --quick: every case certified in its format in any order (float32, and the
    bfloat16 profile's two)."""
    rows = benchmark("float_native").main(["--quick"])
    assert len(rows) == 6 and all(r["certified"] == 1.0 for r in rows)


def test_the_file_stores_sparse_layers_by_their_nonzeros(tmp_path):
    X, y = data(n=400, classes=5, seed=7)
    net = build("staircase", X, y, seed=0).network
    net.layers[-1].weight[0, 0] = -0.0  # a signed zero survives too
    net.save(tmp_path / "net.npz")
    back = Network.load(tmp_path / "net.npz")
    for d, e in zip(net.layers, back.layers):
        assert d.weight.tobytes() == e.weight.tobytes() and d.bias.tobytes() == e.bias.tobytes()
    stored = np.load(tmp_path / "net.npz")
    sparse = [i for i, d in enumerate(net.layers) if np.count_nonzero(d.weight) < 0.1 * d.weight.size]
    assert len(sparse) >= 3  # the diagonal binarizer layers, the one-hot layer, and more
    for i in sparse:  # rows, columns and values of the nonzeros (and the signed zero), nothing else
        kept = np.count_nonzero((net.layers[i].weight != 0) | np.signbit(net.layers[i].weight))
        assert f"{i}.0.weight" not in stored.files and stored[f"{i}.0.values"].size == kept
        assert stored[f"{i}.0.nonzero"].shape == (2, kept)


def test_real_labels_come_out_as_their_float32_values_in_every_order():
    """staircase-real: every output is exactly its label's float32 value, in NumPy float32 and in every emulated
    order; every unit's state holds layer by layer; certified in float32 in any order."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((200, 4))
    y = rng.uniform(-3, 3, 200)
    y[:20] = 0.0  # zero labels, whose value parts are both 0
    built = build("staircase-real", X, y, seed=0)
    net = built.network
    F = net.forward(X, np.float32)[:, 0]
    assert np.abs(F - y).max() <= built.report.tol and built.report.certified == 1.0
    assert np.array_equal(F, net.forward(X)[:, 0].astype(np.float32))  # float64 and float32 agree, exactly
    for i in range(0, 200, 40):
        assert all(out == [Fraction(float(F[i]))] for out in emulated_everywhere(net, X[i]))
    states_hold(net, X[::50], "float32")  # the output rounds once where the labels' offset c is not 0
    assert built.report.bits_sufficient == 24
    assert verify(net, X, y, dtype="float32").any_order == {"float32": 1.0}
