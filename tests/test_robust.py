"""Certified robust radii (memorizers.robust): every point of a certified ball evaluates exactly to its label, at
the box's corners and inside; a wrong label never gets a radius; no radius reaches the nearest point of another
label; and the command line reports them."""

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorizers import build
from memorizers.activations import by_name, relu
from memorizers.cli import main
from memorizers.errors import InvalidDataError, TooLargeError
from memorizers.exact import exact_forward
from memorizers.network import Dense, Network
from memorizers.robust import nearest_other, robust_radius


def exact_argmax(net, X):
    F = exact_forward(net, X)
    return np.array([max(range(F.shape[1]), key=lambda k: row[k]) for row in F]), F


def inside(x, mu, rng, norm, n=12):
    """Points of the ball (l_2) or box (l_inf) of radius mu around x, strictly inside in float64: the box's
    corners, and random points."""
    d = len(x)
    shrink = mu * (1 - 2.0**-30)
    corners = [x + shrink * np.array(s) for s in itertools.product((-1.0, 1.0), repeat=d)] if norm == "inf" else []
    dirs = rng.standard_normal((n, d))
    dirs /= np.abs(dirs).max(axis=1, keepdims=True) if norm == "inf" else np.linalg.norm(dirs, axis=1, keepdims=True)
    return np.array(corners + [x + shrink * rng.uniform(0, 1) * v for v in dirs])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), norm=st.sampled_from(["inf", "2"]), act=st.sampled_from(["relu", "hard-tanh"]))
def test_every_point_of_a_certified_ball_keeps_its_label_exactly(seed, norm, act):
    rng = np.random.default_rng(seed)
    activation = by_name(act)
    W1, W2, W3 = rng.standard_normal((6, 3)), rng.standard_normal((5, 6)), rng.standard_normal((3, 5))
    net = Network(
        [
            Dense(W1, rng.standard_normal(6), activation),
            Dense(W2, rng.standard_normal(5), activation),
            Dense(W3, rng.standard_normal(3)),
        ]
    )
    X = rng.standard_normal((8, 3))
    y, F = exact_argmax(net, X)
    top2 = np.sort(np.array(F, dtype=np.float64), axis=1)[:, -2:]
    r = robust_radius(net, X, y, norm=norm, kind="onehot")
    assert (r.radius <= r.nearest).all()
    assert (r.radius[top2[:, 1] - top2[:, 0] > 1e-9] > 0).all()  # not vacuous: a point with a margin gets a ball
    for i in np.flatnonzero(r.radius > 0):
        labels, _ = exact_argmax(net, inside(X[i], r.radius[i], rng, norm))
        assert (labels == y[i]).all(), (i, r.radius[i])


def test_a_wrong_label_gets_no_radius_and_a_built_network_gets_one_everywhere():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4))
    y = rng.integers(0, 3, 60)
    net = build("yun-classifier", X, y, seed=0).network
    r = robust_radius(net, X, y)
    assert (r.radius > 0).all() and (r.radius < r.nearest).all() and r.separation == r.nearest.min() / 2
    wrong = y.copy()
    wrong[0] = (y[0] + 1) % 3
    assert robust_radius(net, X, wrong).radius[0] == 0.0


def test_the_staircase_is_robust_through_its_exactness_rules():
    """The enclosure proves little on a float-native network; the exactness rules over the box prove the rest, and
    at every corner of a certified box the exact output is within 1/2 of the class id (kind index)."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 2))
    y = rng.integers(0, 3, 80)
    net = build("staircase", X, y, seed=0).network
    r = robust_radius(net, X, y, norm="inf")
    assert (r.radius > 0).all()
    for i in range(0, 80, 10):
        pts = inside(X[i], r.radius[i], rng, "inf")
        assert all(abs(row[0] - int(y[i])) < Fraction(1, 2) for row in exact_forward(net, pts))  # kind index


def test_nearest_other_label_is_the_brute_force_distance():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3))
    for ids in (rng.integers(0, 3, 50), np.arange(50)):  # few labels (a tree per label) and all distinct
        for norm, p in (("inf", np.inf), ("2", 2)):
            D = np.linalg.norm(X[:, None, :] - X[None, :, :], ord=p, axis=2)
            D[ids[:, None] == ids[None, :]] = np.inf
            assert np.allclose(nearest_other(X, ids, norm), D.min(axis=1), rtol=1e-12)


def test_bad_input_is_refused():
    net = Network([Dense(np.ones((2, 2)), np.zeros(2), relu()), Dense(np.ones((1, 2)), np.zeros(1))])
    X, y = np.ones((3, 2)), np.ones(3)
    with pytest.raises(InvalidDataError, match="norm must be"):
        robust_radius(net, X, y, norm="1")
    with pytest.raises(InvalidDataError, match="shape"):
        robust_radius(net, np.ones((3, 5)), y, kind="real")


def test_the_command_line_reports_radii(tmp_path, capsys):
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    build("yun-classifier", X, y, seed=0).network.save(tmp_path / "net.npz")
    assert main(["robust", str(tmp_path / "net.npz"), "--data", str(tmp_path / "d.npz"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["radius"]) == 40 and out["min_radius"] > 0 and out["separation"] > 0
    assert main(["robust", str(tmp_path / "net.npz"), "--data", str(tmp_path / "d.npz"), "--norm", "2"]) == 0
    assert "l_2 balls" in capsys.readouterr().out


def gaussian_classes(n, d, classes, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    y[:classes] = np.arange(classes)
    return rng.standard_normal((n, d)), y


@pytest.mark.parametrize("rho", [0.5, 0.9, 0.99])
def test_ygz_robust_certifies_its_radius_at_every_point(rho):
    """ygz-robust: every point certified at mu = rho eps_D or more (l_inf), never beyond the nearest other label;
    the box's corners and random points inside evaluate exactly to the label; the record's sizes and radius."""
    X, y = gaussian_classes(150, 3, 3, seed=1)
    built = build("ygz-robust", X, y, rho=rho)
    info = built.info
    r = robust_radius(built.network, X, y, norm="inf", rtol=1e-3)
    assert r.separation == info["separation"] and info["radius"] == rho * r.separation
    assert (r.radius >= rho * r.separation).all() and (r.radius <= r.nearest).all()
    assert info["closed_form_radius_min"] >= info["radius"]
    assert info["used"] == info["bound"] == 6 * 150 * 3 + 2 * 150 and built.network.hidden_widths == [900, 150]
    rng = np.random.default_rng(0)
    for i in range(0, 150, 30):
        labels, _ = exact_argmax(built.network, inside(X[i], rho * r.separation, rng, "inf"))
        assert (labels == y[i]).all(), i
    # l_2 balls lie in the l_inf boxes: the same radius, against the l_2 separation (at least the l_inf one)
    r2 = robust_radius(built.network, X, y, norm="2", rtol=1e-3)
    assert (r2.radius >= rho * r.separation).all() and r2.separation >= r.separation


def test_ygz_robust_refuses_a_ratio_outside_zero_one():
    X, y = gaussian_classes(20, 2, 2, seed=2)
    for rho in (0.0, 1.0, -0.5, "half"):
        with pytest.raises(InvalidDataError, match="rho must lie in"):
            build("ygz-robust", X, y, rho=rho)


def test_ygz_robust_refuses_dense_layers_beyond_the_memory_available(monkeypatch, tmp_path, capsys):
    """2Nd (d + N) float64 entries, built and kept: 16 * 2 * 20 * 2 * 22 bytes for 20 points in R^2."""
    X, y = gaussian_classes(20, 2, 2, seed=2)
    monkeypatch.setattr("memorizers.data.available_memory", lambda: int(16 * 2 * 20 * 2 * 22 / 0.8) - 1)
    with pytest.raises(TooLargeError, match="20 points in R\\^2"):
        build("ygz-robust", X, y)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    args = ["build", "--method", "ygz-robust", "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "y.npy")]
    assert main([*args, "--out", str(tmp_path / "net.npz")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1 and not (tmp_path / "net.npz").exists()
    monkeypatch.setattr("memorizers.data.available_memory", lambda: int(16 * 2 * 20 * 2 * 22 / 0.8) + 1)
    assert build("ygz-robust", X, y).network.layers[0].n_out == 2 * 20 * 2


@pytest.mark.slow
def test_ygz_robust_on_a_thousand_gaussian_points():
    """The issue's target: N = 1000 Gaussian points, several classes, l_inf, rho = 0.5: mu_i >= rho eps_D at every
    point."""
    X, y = gaussian_classes(1000, 8, 5, seed=3)
    built = build("ygz-robust", X, y, rho=0.5)
    r = robust_radius(built.network, X, y, norm="inf")
    assert (r.radius >= 0.5 * r.separation).all() and (r.radius <= r.nearest).all()


@pytest.mark.parametrize("norm", ["2", "inf"])
def test_kmy_robust_keeps_the_label_on_every_certified_ball_exactly(norm):
    """kmy-robust: exact memorization, the least certified radius at or above the regime's rho eps_D, and points
    of the balls (the l_inf box's corners, random points of the l_2 ball) evaluate exactly to the label."""
    X, y = gaussian_classes(120, 3, 3, seed=5)
    built = build("kmy-robust", X, y, norm=norm)
    info = built.info
    assert built.report.judged_exactly and built.report.exact.accuracy == 1.0
    regime = 1 / (5 * 120 * (np.sqrt(3) if norm == "2" else 3))
    assert info["rho_min"] >= info["bound"] == regime and info["used"] == info["rho_min"]
    assert info["separation"] == nearest_other(X, y, norm).min() / 2
    mu = info["radius_min"] * (1 - 2.0**-30)
    rng = np.random.default_rng(1)
    P = np.vstack([inside(X[i], mu, rng, norm, n=4) for i in range(0, 120, 10)])
    F = exact_forward(built.network, P)
    assert [int(v) for v in F[:, 0]] == np.repeat(y[::10], len(P) // 12).tolist()


def test_kmy_robust_refuses_a_ratio_it_cannot_certify():
    X, y = gaussian_classes(60, 2, 2, seed=6)
    with pytest.raises(InvalidDataError, match="least certified radius is .* eps_D, below rho = 0.9"):
        build("kmy-robust", X, y, rho=0.9)
    with pytest.raises(InvalidDataError, match="norm must be '2' or 'inf'"):
        build("kmy-robust", X, y, norm="1")


@pytest.mark.slow
def test_kmy_robust_on_ten_thousand_points_in_twenty_dimensions():
    """The issue's target: N = 10^4, d = 20, 10 classes: memorized exactly, every point certified at the regime's
    radius 1/(5 N sqrt d) eps_D (l_2) or more."""
    X, y = gaussian_classes(10_000, 20, 10, seed=7)
    built = build("kmy-robust", X, y)
    assert built.report.exact.accuracy == 1.0
    assert built.info["rho_min"] >= 1 / (5 * 10_000 * np.sqrt(20))


def test_a_rank_one_first_layer_caps_the_radius_at_the_projected_gap():
    """zhang's first layer is one projection a: f is constant along a's null space, so no ball around x_i reaches
    x_i + P(x_k - x_i) for x_k of another label (a point where f is f(x_k), checked exactly); every certified radius
    stays below that row-space bound, which is below the nearest other label. Kim et al.'s Proposition 3.2 dataset
    {e_j} and 0: mu(e_j) + mu(0) < ||P e_j|| for every j, so rho_min < sqrt(rank / d)."""
    X, y = gaussian_classes(40, 3, 2, seed=8)
    built = build("zhang", X, y.astype(float))
    r = robust_radius(built.network, X, y.astype(float), norm="2")
    assert (r.radius <= r.row_space).all() and (r.row_space <= r.nearest).all() and (r.row_space < r.nearest).any()
    a = built.network.layers[0].weight[0]
    P = np.outer(a, a) / (a @ a)
    for i in range(0, 40, 8):
        others = np.flatnonzero(y != y[i])
        k = others[np.argmin(np.linalg.norm((X[others] - X[i]) @ P, axis=1))]
        witness = X[i] + (X[k] - X[i]) @ P  # as far from x_i as the bound, and labelled like x_k
        assert np.isclose(np.linalg.norm(witness - X[i]), r.row_space[i], rtol=1e-9)
        assert abs(float(exact_forward(built.network, witness[None, :])[0, 0]) - y[k]) < 0.5
    d = 8
    E = np.vstack([np.eye(d), np.zeros(d)])
    labels = np.array([1.0] * d + [2.0])
    net = build("zhang", E, labels).network
    r = robust_radius(net, E, labels, norm="2")
    a = net.layers[0].weight[0]
    projected = np.abs(a) / np.linalg.norm(a)  # ||P e_j||
    assert (r.radius[:d] + r.radius[d] < projected).all()
    assert r.rho.min() < np.sqrt(1 / d) * 2  # eps_D = 1/2: mu(e_j) + mu(0) <= sqrt(1/d) for some j


def test_l2_radii_use_the_first_layers_l2_norms():
    """A linear two-class network: over the l_2 ball each output moves by at most mu ||W_k||_2, so the certificate
    reaches margin / (||W_0||_2 + ||W_1||_2) (within the search's 1%), far beyond the enclosing box's margin /
    (||W_0||_1 + ||W_1||_1) in 16 dimensions, and never the exact radius margin / ||W_0 - W_1||_2."""
    rng = np.random.default_rng(9)
    W, b = rng.standard_normal((2, 16)), rng.standard_normal(2)
    net = Network([Dense(W, b)])
    X = rng.standard_normal((30, 16))
    F = X @ W.T + b
    y = np.argmax(F, axis=1)
    margin = np.abs(F[:, 0] - F[:, 1])
    r = robust_radius(net, X, y, norm="2", kind="onehot")
    l2 = margin / np.linalg.norm(W, axis=1).sum()
    assert (r.radius >= l2 / 1.011).all() and (r.radius >= 2 * margin / np.abs(W).sum()).all()
    assert (r.radius <= margin / np.linalg.norm(W[0] - W[1])).all()
