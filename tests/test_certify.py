"""Certificates: the enclosure holds the exact output, certified => correct point by point, and
bits_sufficient suffices when a t-bit machine is emulated."""

import importlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memorizers.certify.dense
from conftest import (
    ALL_ACTIVATIONS,
    SCALES,
    SMOOTH_ACTIVATIONS,
    assert_encloses,
    frac,
    random_network,
    scaled_network,
    structured_network,
)
from memorizers import activations, build, verify
from memorizers.certify import U64, Certifier, enclose, forward_with_bound, gamma
from memorizers.data import gaussian_regression
from memorizers.errors import InvalidDataError
from memorizers.exact import exact_forward
from memorizers.intervals import two_sum
from memorizers.network import Dense, Network
from methods import example


@given(
    act=st.sampled_from(ALL_ACTIVATIONS),
    scale=st.sampled_from(SCALES),
    seed=st.integers(0, 2**16),
    residual=st.booleans(),
)
def test_enclosure_contains_the_exact_output(act, scale, seed, residual):
    rng = np.random.default_rng(seed)
    net = scaled_network(rng, act, scale, residual)
    X = rng.standard_normal((8, 3))
    truth = exact_forward(net, X)
    assert_encloses(enclose(net, X), truth)
    with pytest.MonkeyPatch.context() as patch:  # every finite input radius through the sparse product (step 4)
        patch.setattr(memorizers.certify.dense, "SPARSE_RADIUS", 1.0)
        assert_encloses(enclose(net, X), truth)


@given(act=st.sampled_from(ALL_ACTIVATIONS), scale=st.sampled_from(SCALES), seed=st.integers(0, 2**16))
def test_enclosure_of_structured_layers_contains_the_exact_output(act, scale, seed):
    """Rows repeated up to sign are enclosed once and sparse layers multiplied by their nonzeros (step 6)."""
    rng = np.random.default_rng(seed)
    net = structured_network(rng, act, scale)
    certifier = Certifier(net)
    assert any(L.rows is not None for L in certifier.layers.values())
    assert any(L.sparse for L in certifier.layers.values())
    X = rng.standard_normal((8, 3))
    assert_encloses(certifier.enclose(X), exact_forward(net, X))


def test_enclosure_is_tight_on_cancellation_heavy_layers():
    """Yun's layer 2 cancels terms of size |W||a| ~ 1e6 down to O(1): the radius stays near u |z|, not n u |W||a|."""
    X, y = gaussian_regression(300, 16, seed=0)
    built = build("yun-3layer", X, y, seed=0)
    net = built.network
    enc = enclose(net, X)
    assert_encloses(enc, exact_forward(net, X))
    _, apriori = forward_with_bound(net, X, np.float64)
    assert enc.r.max() < apriori.max() / 1000
    assert built.report.certified == 1.0


def test_sparse_input_radii_are_multiplied_through(monkeypatch):
    """Step 4: in Theorem 3.1's layers a point's radius is nonzero on its own unit alone, and |W| r is a sparse
    product; it still encloses the exact output (measured: without that term, or with a thousandth of it, it
    does not) and is several times tighter than the rank-one majorant."""
    X, y = gaussian_regression(2000, 8, seed=0)
    net = build("yun-3layer", X, y, seed=0).network
    points = X[::50]
    enc = enclose(net, points)
    assert_encloses(enc, exact_forward(net, points))
    monkeypatch.setattr(memorizers.certify.dense, "SPARSE_RADIUS", -1.0)  # the rank-one majorant everywhere
    assert enclose(net, points).r.max() > 5 * enc.r.max()


def _mp_forward(net, X, digits=60):
    """The stored network on X in mpmath at ``digits`` digits, as Fractions: the true output to far below any
    float bound."""
    import mpmath

    mpmath.mp.dps = digits
    f = {
        "tanh": mpmath.tanh,
        "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
        "softplus": lambda t: mpmath.log1p(mpmath.exp(t)),
    }
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


@given(act=st.sampled_from(SMOOTH_ACTIVATIONS), scale=st.sampled_from([1e-3, 1.0, 30.0]), seed=st.integers(0, 2**16))
def test_enclosure_contains_the_true_output_for_smooth_activations(act, scale, seed):
    rng = np.random.default_rng(seed)
    net = scaled_network(rng, act, scale)
    X = rng.standard_normal((6, 3))
    assert_encloses(enclose(net, X), _mp_forward(net, X))


def _assert_within_apriori(net, X, dtype, truth):
    F, E = forward_with_bound(net, X, np.dtype(np.longdouble if dtype == "longdouble" else dtype))
    for i in range(F.shape[0]):
        for o in range(F.shape[1]):
            if not E[i, o] < np.inf:
                continue
            gap = abs(Fraction(*F[i, o].as_integer_ratio()) - truth[i, o])
            assert gap <= Fraction(E[i, o]), (i, o, float(gap), E[i, o])


@given(
    act=st.sampled_from(ALL_ACTIVATIONS),
    dtype=st.sampled_from(["float32", "float64", "longdouble"]),
    scale=st.sampled_from(SCALES),
    seed=st.integers(0, 2**16),
    residual=st.booleans(),
)
def test_apriori_bound_contains_the_exact_output(act, dtype, scale, seed, residual):
    rng = np.random.default_rng(seed)
    net = scaled_network(rng, act, scale, residual)
    X = rng.standard_normal((8, 3))
    _assert_within_apriori(net, X, dtype, exact_forward(net, X))


# -- certified => correct ---------------------------------------------------------------


def _exactly_right(net, X, Y, kind, tol):
    """Per point: does the exact network meet the criterion? (Fractions; tol as the float it is.)"""
    F = exact_forward(net, X)
    out = []
    for i in range(len(X)):
        f = [F[i, o] for o in range(F.shape[1])]
        y = [frac(v) for v in Y[i]]
        if kind == "real":
            out.append(max(abs(a - b) for a, b in zip(f, y)) <= frac(tol))
        elif kind == "binary":
            out.append((f[0] > Fraction(1, 2)) == (y[0] == 1))
        elif kind == "sign":
            out.append(y[0] * f[0] > 0)
        else:
            c = int(np.argmax(Y[i]))
            out.append(all(f[c] > f[o] for o in range(len(f)) if o != c))
    return np.array(out)


@settings(max_examples=60)
@given(
    act=st.sampled_from(ALL_ACTIVATIONS),
    dtype=st.sampled_from(["float32", "float64", "longdouble"]),
    kind=st.sampled_from(["real", "binary", "sign", "onehot"]),
    scale=st.sampled_from([1e-3, 1.0, 1e4, 1e-160]),
    noise=st.sampled_from([0.0, 1e-12, 1e-7, 1e-3, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_certified_implies_correct_point_by_point(act, dtype, kind, scale, noise, seed):
    """Networks right, nearly right and wrong on purpose: every certified point is right exactly and in dtype."""
    rng = np.random.default_rng(seed)
    n_out = 3 if kind == "onehot" else 1
    net = random_network(rng, [3, 6, n_out], act)
    for d, _ in net.dense_layers():
        d.weight *= scale
    X = rng.standard_normal((30, 3))
    F = net(X) + noise * rng.standard_normal((30, n_out))
    tol = 1e-6
    if kind == "real":
        Y = F
    elif kind == "binary":
        Y = (F > 0.5).astype(float)
    elif kind == "sign":
        Y = np.where(F > 0, 1.0, -1.0)
    else:
        Y = np.eye(3)[F.argmax(axis=1)]
    r = verify(net, X, Y, dtype=dtype, kind=kind, tol=tol, bits=False)
    assert r.certified <= r.accuracy
    cert = r.certified_points
    assert np.all(r.errors[cert] <= tol) if kind == "real" else np.all(r.margins[cert] > 0)
    assert np.all(_exactly_right(net, X, Y, kind, tol)[cert])


def test_a_one_output_network_is_not_scored_as_classes():
    X, y = gaussian_regression(100, 4, seed=0)
    net = build("yun-3layer", X, y, seed=0).network
    ids = np.random.default_rng(0).integers(0, 4, 100)
    with pytest.raises(InvalidDataError, match="one output per class"):
        verify(net, X, ids, kind="onehot")


@pytest.mark.parametrize(
    "kind, labels, message",
    [
        ("binary", [0.5, 1.0], r"labels in \{0, 1\}"),
        ("sign", [0.0, 1.0], r"labels in \{-1, 1\}"),
        ("onehot", [[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]], "exactly one 1"),
        ("onehot", [0, 3], r"integers in \[0, 2\]"),
        ("real", [[1.0, 2.0], [3.0, 4.0]], "2 column"),
    ],
)
def test_labels_that_do_not_fit_the_kind_are_refused(kind, labels, message):
    n_out = 3 if kind == "onehot" else 1
    net = random_network(np.random.default_rng(0), [2, 3, n_out], activations.relu())
    with pytest.raises(InvalidDataError, match=message):
        verify(net, np.zeros((2, 2)), np.array(labels), kind=kind)


# -- the floating-point model's edges (each once certified falsely) --------------------------


def test_overflow_in_float32_is_not_certified():
    """Exact pre-activation -3e38; float32 overflows to -inf... or, summed the other way, to +1: never certified."""
    net = Network([Dense([[2e38, 2e38, -7e38]], [0.0], activations.hard_tanh()), Dense([[1.0]], [0.0])])
    X = np.array([[1.0, 1.0, 1.0]])
    r = verify(net, X, np.array([-1.0]), dtype="float32", kind="real", tol=1e-3)
    assert float(exact_forward(net, X)[0, 0]) == -1.0
    assert r.certified <= r.accuracy
    _, E = forward_with_bound(net, X, np.float32)
    assert not E[0, 0] < np.inf


def test_subnormal_products_are_not_certified():
    """Exact pre-activation 0.38 eta, computed as -eta: the threshold must not be certified either way."""
    eta = 5e-324
    net = Network([Dense([[2.0**-600, -(2.0**-600)]], [0.0], activations.threshold()), Dense([[1.0]], [0.0])])
    X = np.array([[2.0**-474 * 1.38, 2.0**-474]])
    exact = exact_forward(net, X)[0, 0]
    for label in (0.0, 1.0):
        r = verify(net, X, np.array([label]), kind="binary")
        assert not r.certified_points[0] or (exact == label)
    assert eta > 0


def test_universal_with_subnormal_labels():
    """The construction on labels k * 5e-324: no point is certified that the exact network gets wrong."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = rng.integers(-5, 6, 20) * 5e-324
    net = build("universal", X, y, seed=0, on_failure="return", tol=1e-323).network
    r = verify(net, X, y, kind="real", tol=1e-323, bits=False)
    right = _exactly_right(net, X, y[:, None], "real", 1e-323)
    assert np.all(right[r.certified_points])
    assert r.max_error_bound > 0


def test_the_final_comparison_is_rigorous():
    """|f - y| computed as exactly tol while the exact error exceeds tol by 2e-25: not certified."""
    net = Network([Dense([[1.0]], [0.0])])
    x, y, tol = 1.0000000000000753e-9, -9.989999999999999e-07, 1e-6
    r = verify(net, np.array([[x]]), np.array([y]), kind="real", tol=tol)
    assert frac(x) - frac(y) > frac(tol)
    assert not r.certified_points[0]


# -- at the sizes users work at --------------------------------------------------------------


@pytest.mark.parametrize("method, kind", [("yun-3layer", "real"), ("yun-classifier", "onehot")])
def test_every_point_certified_at_scale(method, kind):
    X, y = gaussian_regression(5000, 32, seed=1)
    if kind == "onehot":
        y = np.random.default_rng(1).integers(0, 10, len(X))
    r = build(method, X, y, seed=1).report
    assert r.accuracy == 1.0 and r.certified == 1.0


def test_a_report_says_how_far_an_uncertified_point_is():
    X, y = gaussian_regression(200, 8, seed=0)
    net = build("yun-3layer", X, y, seed=0).network
    r = verify(net, X, y, dtype="float32", kind="real", bits=False)
    assert r.certified < 1 and r.proved_points.all()
    assert "proved for the exact network but wrong in float32" in r.uncertified_summary()
    r = verify(net, X, y, kind="real", bits=False)
    worst = int(np.argmin(r.certificate_margins))  # the largest error of the enclosures' midpoints
    enc = enclose(net, X[worst : worst + 1])
    dh, dl = two_sum(enc.h[0, 0], -y[worst])
    tight = abs(dh + (dl + enc.l[0, 0])) + enc.r[0, 0] / 2  # that point's exact error may lie on either side
    r = verify(net, X, y, kind="real", tol=tight, bits=False)
    assert not r.proved_points[worst]
    assert f"not proved (worst: point {worst}, enclosure radius" in r.uncertified_summary()


# -- bits sufficient ---------------------------------------------------------------------------


def _emulate(net, X, bits):
    """The network in t-bit arithmetic: parameters, inputs and every operation rounded to ``bits`` (mpmath)."""
    import mpmath

    with mpmath.workprec(bits):
        a = [[mpmath.mpf(float(v)) for v in row] for row in X]
        for d, _ in net.dense_layers():
            W = [[mpmath.mpf(float(v)) for v in row] for row in d.weight]
            b = [mpmath.mpf(float(v)) for v in d.bias]
            act = d.activation
            out = []
            for row in a:
                zs = []
                for k in range(d.n_out):
                    s = b[k]
                    for j in range(d.n_in):
                        s = s + W[k][j] * row[j]
                    if act.kind == "threshold":
                        s = mpmath.mpf(1) if s > 0 else mpmath.mpf(0)
                    elif act.kind == "hard_tanh":
                        s = max(min(s, 1), -1)
                    elif not act.is_identity:
                        s = s * mpmath.mpf(act.s_plus) if s > 0 else s * mpmath.mpf(act.s_minus)
                    zs.append(s)
                out.append(zs)
            a = out
        return np.array([[float(v) for v in row] for row in a])


@pytest.mark.parametrize("method", ["yun-3layer", "relu-baum", "universal"])
def test_bits_sufficient_suffice_on_an_emulated_machine(method):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.uniform(-1, 1, 12)
    built = build(method, X, y, seed=3, tol=1e-4)
    t = built.report.bits_sufficient
    assert t is not None and 8 < t < 200
    F = _emulate(built.network, X, t)
    assert np.all(np.abs(F[:, 0] - y) <= 1e-4)


def test_bits_sufficient_grows_with_the_tolerance_it_must_meet():
    X, y = gaussian_regression(200, 8, seed=0)
    net = build("yun-3layer", X, y, seed=0).network
    loose, tight = (verify(net, X, y, kind="real", tol=t).bits_sufficient for t in (1e-2, 1e-8))
    assert loose < tight
    assert tight - loose >= 15  # 1e-6 of room costs about log2(1e6) = 20 bits


def test_blocks_certified_by_an_earlier_blocks_bits_do_not_change_bits_sufficient(monkeypatch):
    """verify lets a block that an earlier block's answer certifies skip its search: the network's bits_sufficient,
    the largest answer, is the one every block's own search gives."""
    X, y = gaussian_regression(1500, 8, seed=1)
    net = build("yun-3layer", X, y, seed=1, certify=False).network
    monkeypatch.setattr(importlib.import_module("memorizers.certify"), "BLOCK", 1)  # blocks of 64 rows: 24
    c = Certifier(net)
    own = []
    for s in range(0, len(X), 64):
        Xs, Ys = X[s : s + 64], y[s : s + 64, None]
        record = []
        full = c.enclose(Xs, record)
        own.append(c.bits_sufficient(Xs, Ys, "real", 1e-6, record, full))
    assert len(set(own)) > 1  # the blocks need different precisions
    assert verify(net, X, y, tol=1e-6).bits_sufficient == max(own)


@pytest.mark.parametrize("method", ["yun-3layer", "yun-classifier"])
def test_the_record_covers_every_unit_of_the_network_with_its_followers(method):
    """bits_sufficient's record comes from the walk without the ReLU pairs' followers (Certifier._record): per layer of
    the network with them, the recorded pre-activations enclose every unit's exact one, followers' included, and
    the recorded magnitudes bound |W| (|a| + r) + |b| from above, in exact arithmetic."""
    X, y = gaussian_regression(60, 4, seed=2)
    labels = (y > 0).astype(int) if method == "yun-classifier" else y
    net = build(method, X, labels, seed=2, certify=False).network
    c, Xr = Certifier(net)._route(X)
    assert c.pairs
    record = []
    c.enclose(X, record)
    layers = [d for d, _ in c.network.dense_layers()]
    entries = [e for e in record if e[0] == "dense"]
    assert len(entries) == len(layers)
    ar = np.abs(Xr)
    for k, ((_, z, mag, _, _, l1, w1), d) in enumerate(zip(entries, layers)):
        assert z.h.shape[1] == d.n_out  # followers included
        pre = Network([*layers[:k], Dense(d.weight, d.bias, activations.identity())])
        assert_encloses(z, exact_forward(pre, Xr))
        W, b = [[frac(abs(v)) for v in row] for row in d.weight], [frac(abs(v)) for v in d.bias]
        for i in range(0, len(Xr), 7):
            a = [frac(v) for v in ar[i]]
            for o in range(d.n_out):
                assert frac(mag[i, o]) >= sum(w * v for w, v in zip(W[o], a)) + b[o], (k, i, o)
            # the formats' ||a||_1 and ||W_k||_1, of layer 1 as evaluated: without the column scaling
            unscale = c.input_scale if k == 0 and c.input_scale is not None else np.ones(d.n_in)
            assert frac(l1[i]) >= sum(v * frac(s) for v, s in zip(a, unscale)), (k, i)
        for o in range(d.n_out):
            assert frac(w1[0, o]) >= sum(w / frac(s) for w, s in zip(W[o], unscale)), (k, o)
        act = d.activation.enclose(z)
        ar = np.abs(act.h) + np.abs(act.l) + act.r


def test_bits_sufficient_of_a_threshold_network():
    built = build("baum", *example("baum", np.random.default_rng(0), 40, 3, 1)[:2])
    assert built.report.bits_sufficient is not None and built.report.certified == 1.0


def test_gamma():
    assert gamma(3, U64) == pytest.approx(3 * U64)
    assert gamma(10, 0.2) == np.inf


def test_certifier_runs_once_per_network_on_many_blocks():
    X, y = gaussian_regression(300, 8, seed=0)
    net = build("yun-3layer", X, y, seed=0).network
    c = Certifier(net)
    whole = c.enclose(X)
    parts = [c.enclose(X[s : s + 100]) for s in range(0, 300, 100)]
    assert np.array_equal(whole.h, np.concatenate([p.h for p in parts]))


# -- ReLU pairs (Yun's hard-tanh from two ReLUs) ---------------------------------------------


@given(
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([1e-3, 1.0, 1e6]),
    opposite=st.booleans(),
    act=st.sampled_from([activations.relu(), activations.leaky_relu(0.1), activations.relu_like(2.0, -0.5)]),
)
def test_relu_pairs_are_enclosed_exactly(seed, scale, opposite, act):
    """Pairs with identical rows and opposite outgoing columns are certified as one clipped unit; the enclosure
    still holds."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, 4)) * scale
    b = rng.standard_normal(3) * scale
    V = rng.standard_normal((2, 3))
    W1 = np.vstack([W, W])  # units k and k + 3 share their row
    b1 = np.concatenate([b + 1.0, b - 1.0])
    V2 = np.hstack([V, -V if opposite else V])
    net = Network([Dense(W1, b1, act), Dense(V2, rng.standard_normal(2))])
    c = Certifier(net)
    assert bool(c.pairs) == opposite
    X = rng.standard_normal((20, 4)) * np.array([1, 1, 1e3, 1e-3])
    assert_encloses(c.enclose(X), exact_forward(net, X))


def test_relu_pairs_keep_the_relu_network_as_tight_as_the_hard_tanh_one():
    X, y = gaussian_regression(400, 8, seed=0)
    acts = ("relu", "leaky-relu", "hard-tanh")
    radius = {act: enclose(build("yun-3layer", X, y, seed=0, activation=act).network, X).r.max() for act in acts}
    assert radius["relu"] < 100 * radius["hard-tanh"] + 1e-13
    assert radius["leaky-relu"] < 100 * radius["hard-tanh"] + 1e-13


# -- layer 1 equilibrated by powers of two: the certificate does not depend on the units of the features --


def test_certificate_is_as_tight_in_any_units():
    rng = np.random.default_rng(0)
    Z, y = rng.standard_normal((200, 6)), rng.uniform(-1, 1, 200)
    units = np.array([1e-6, 1e-3, 1.0, 10.0, 1e3, 1e6])
    standard = build("relu-baum", Z, y, seed=0).report
    scaled = build("relu-baum", Z * units, y, seed=0).report
    assert standard.certified == scaled.certified == 1.0
    assert scaled.max_error_bound <= 10 * standard.max_error_bound


def test_inputs_that_cannot_be_rescaled_exactly_use_the_network_as_given():
    """A column of weights near 1e-300 asks for x * 2^-997: inputs that would underflow take the plain path."""
    rng = np.random.default_rng(1)
    W = rng.standard_normal((5, 3)) * np.array([1.0, 1e-300, 1e300])
    net = Network(
        [Dense(W, rng.standard_normal(5), activations.relu()), Dense(rng.standard_normal((1, 5)), np.zeros(1))]
    )
    c = Certifier(net)
    assert c.input_scale is not None
    X = rng.standard_normal((10, 3)) * np.array([1.0, 1e-20, 1e-290])
    assert c._route(X)[0] is not c  # x / s would underflow or overflow: not exact
    assert_encloses(c.enclose(X), exact_forward(net, X))
    Y = rng.standard_normal((10, 3))
    assert c._route(Y)[0] is c
    assert_encloses(c.enclose(Y), exact_forward(net, Y))
