"""Vershynin (2020): enrichment, perception, stacking; threshold, ReLU and mixed networks."""

import json
import math

import numpy as np
import pytest
from scipy import integrate

from memorizers import activations, build
from memorizers.cli import main
from memorizers.constructions.vershynin import (
    coherence,
    enrich,
    gaussian_bias,
    gaussian_moments,
    layout,
    perceive,
    vershynin,
)
from memorizers.data import save_npz
from memorizers.errors import InvalidDataError, WidthError


def sphere(K, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((K, n))
    return X / np.linalg.norm(X, axis=1, keepdims=True), rng.integers(0, 2, K).astype(float)


@pytest.mark.parametrize("kind", ["threshold", "relu_like"])
@pytest.mark.parametrize("b", [0.0, 1.0, 2.5, 4.0])
def test_gaussian_moments_are_the_integrals(kind, b):
    phi = (lambda t: float(t > 0)) if kind == "threshold" else (lambda t: max(t, 0.0))
    dens = lambda g: math.exp(-g * g / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    m1 = integrate.quad(lambda g: phi(g - b) * dens(g), b, np.inf, epsabs=1e-14)[0]
    m2 = integrate.quad(lambda g: phi(g - b) ** 2 * dens(g), b, np.inf, epsabs=1e-14)[0]
    got = gaussian_moments(b, kind)
    assert got[0] == pytest.approx(m1, rel=1e-7, abs=1e-15) and got[1] == pytest.approx(m2, rel=1e-7, abs=1e-15)


@pytest.mark.parametrize("act", [activations.threshold(), activations.relu()])
@pytest.mark.parametrize("p", [0.2, 0.05, 1e-3, 1e-6])
def test_bias_solves_the_sparsity_equation(act, p):
    b = gaussian_bias(p, act)
    assert gaussian_moments(b, act.kind)[1] == pytest.approx(p, rel=1e-9)


def test_enrichment_makes_separated_points_almost_orthogonal():
    """Theorems 5.2 and 5.4 on random points: inner products shrink stage by stage, norms stay near 1."""
    rng = np.random.default_rng(0)
    X, _ = sphere(300, 10, 0)
    G, b, raw = enrich(X, 3000, 0.05, activations.threshold(), rng)
    assert raw.shape == (300, 3000) and set(np.unique(raw)) <= {0.0, 1.0}
    U = raw / math.sqrt(3000 * 0.05)
    V = enrich(U, 3000, 1 / math.sqrt(3000), activations.threshold(), rng)[2] / math.sqrt(3000 / math.sqrt(3000))
    (n0, i0), (n1, i1), (_, i2) = coherence(X), coherence(U), coherence(V)
    assert n0 < 1e-12 and i0 > i1 > i2 and n1 < 0.5
    # coherence: exact on a tiny case
    assert coherence(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 2.0]])) == pytest.approx((3.0, 1.6))


def test_perception_separates_a_batch_or_reports_failure():
    rng = np.random.default_rng(1)
    V = np.eye(50)[:40] + 0.01 * rng.standard_normal((40, 50))  # nearly orthonormal
    batch, negatives = np.arange(5), np.arange(20, 40)
    w, centre, t, half, draws = perceive(V, batch, negatives, rng, tries=10, bounds="paper")
    s = np.abs(V @ w)
    assert s[batch].min() >= 3 / 16 and np.delete(s, batch).max() <= 1 / 16  # (6.2), as printed
    w, centre, t, half, draws = perceive(V, batch, negatives, rng, tries=10, bounds="gap")
    s = np.abs((V - centre) @ w)
    assert s[batch].min() - t == pytest.approx(half) and t - s[negatives].max() == pytest.approx(half) and half > 0
    twins = np.vstack([V[:1], V[:1]])  # a positive and a negative with the same enrichment cannot be separated
    assert perceive(twins, np.array([0]), np.array([1]), rng, tries=5, bounds="gap") is None


@pytest.mark.slow
def test_threshold_network_memorizes_2000_points_in_dimension_20(tmp_path, capsys):
    """The issue's target: K = 2000 unit points in R^20, random 0/1 labels, every activation a threshold."""
    X, y = sphere(2000, 20, 0)
    data, path = tmp_path / "d.npz", tmp_path / "n.npz"
    save_npz(data, X, y)
    assert (
        main(
            [
                "build",
                "--method",
                "vershynin",
                "--data",
                str(data),
                "--out",
                str(path),
                "--widths",
                "2000,2000,200",
                "--activation",
                "threshold",
                "--json",
            ]
        )
        == 0
    )
    from memorizers.network import Network

    net = Network.load(path)
    kinds = [d.activation.kind for d, _ in net.dense_layers()]
    assert kinds == ["threshold"] * 4  # three hidden layers and the output node
    capsys.readouterr()
    assert main(["verify", str(path), "--data", str(data), "--kind", "binary", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accuracy"] == 1.0 and report["certified"] == 1.0  # every point provably right despite rounding


@pytest.mark.parametrize("acts", [["relu"] * 3, ["threshold", "relu", "threshold"], ["relu", "threshold", "relu"]])
def test_mixed_layers_through_the_same_api(acts):
    X, y = sphere(1000, 20, 1)
    built = build("vershynin", X, y, widths=(1000, 1000, 200), activation=acts, seed=0)
    assert built.report.accuracy == 1.0 and built.report.certified == 1.0
    assert [d.activation.name for d, _ in built.network.dense_layers()] == acts + ["threshold"]


def test_deep_stacking_uses_every_block():
    """Theorem 7.2: five hidden layers, positives spread over three blocks in proportion to d_i r_i."""
    X, y = sphere(1500, 20, 2)
    built = build("vershynin", X, y, widths=(900, 900, 900, 900, 120), seed=0)
    info = built.info
    assert built.network.stats()["hidden_widths"] == [900, 900, 900, 900, 120] and built.report.accuracy == 1.0
    L = info["layout"]["layers"]
    assert [s["P"] > 0 for s in L] == [False, False, True, True, True] and [s["R"] > 0 for s in L] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert [s["acc"] for s in L] == [0, 0, 0, 1, 1] and info["layout"]["enrich"] == 300
    assert sum(info["batch_sizes"]) == info["K1"] and set(info["diagnostics"]) == {"input", "E", "R2", "R3", "R4"}
    assert info["used"] == 900 * 900 * 2 + 900 * 120  # deep connections


def test_layout_and_width_errors():
    with pytest.raises(WidthError, match="at least 3 hidden layers"):
        layout((100, 100))
    with pytest.raises(WidthError, match="hidden layer 3 .* needs width >= 2"):
        layout((100, 100, 1))
    spec = layout((100, 200, 51))["layers"]
    assert spec[1]["R"] == 200 and spec[2]["P"] == 50  # mirror pairs: an even number of perception units


def test_input_errors_name_the_problem():
    X, y = sphere(200, 20, 3)
    with pytest.raises(InvalidDataError, match=r"unit vectors; \|x_0\| = 2"):
        vershynin(np.vstack([2 * X[:1], X[1:]]), y, widths=(200, 200, 40))
    close = X.copy()
    pos, neg = int(np.flatnonzero(y == 1)[0]), int(np.flatnonzero(y == 0)[0])
    close[neg] = X[pos] + 1e-3 * X[neg]
    close[neg] /= np.linalg.norm(close[neg])
    with pytest.raises(
        InvalidDataError,
        match=rf"points {pos} \(label 1\) and {neg} \(label 0\) are .* apart, closer than the separation",
    ):
        vershynin(close, y, widths=(200, 200, 40))
    with pytest.raises(InvalidDataError, match="threshold or ReLU"):
        vershynin(X, y, widths=(200, 200, 40), activation="hard-tanh")
    with pytest.raises(InvalidDataError, match="needs a threshold first layer"):
        vershynin(X, y, widths=(200, 200, 200, 200, 40), activation=["relu", "threshold", "relu", "relu", "relu"])
    with pytest.raises(
        InvalidDataError, match="perception failed in hidden layer 3: no sign draw in 50 separated a batch of"
    ):
        vershynin(*sphere(1000, 20, 4), widths=(500, 500, 2), seed=0)  # one mirror pair for ~500 positives
    with pytest.raises(
        InvalidDataError,
        match=r"enrichment II \(hidden layer 2\): no draw in 50 gave every enriched vector norm >= 0.5",
    ):
        vershynin(*sphere(1000, 20, 4), widths=(30, 30, 2), seed=0)
    with pytest.raises(
        InvalidDataError, match=r"enrichment I \(hidden layer 1\): no draw in 3 gave every enriched vector norm >= 5 "
    ):
        vershynin(X, y, widths=(200, 200, 40), activation="relu", min_norm=5.0, tries=3)


def test_experiment_correlation_bounds():
    from memorizers.experiments.vershynin import decay

    rows = decay(200_000)
    assert all(r["monte_carlo"] <= 1.02 * r["bound"] for r in rows)  # Propositions 3.1 and 3.2
    assert {r["activation"] for r in rows} == {"threshold", "relu"}


def test_default_widths_are_the_measured_rule():
    X, y = sphere(600, 20, 5)
    built = build("vershynin", X, y, seed=1)
    assert (
        built.network.stats()["hidden_widths"] == [1000, 1000, 2 * math.ceil(y.sum() / 4)]
        and built.report.accuracy == 1.0
    )


def test_default_widths_double_for_relu():
    X, y = sphere(300, 20, 6)
    built = build("vershynin", X, y, activation=["threshold", "relu", "threshold"], seed=1)
    assert (
        built.network.stats()["hidden_widths"] == [2000, 2000, 2 * math.ceil(y.sum() / 4)]
        and built.report.accuracy == 1.0
    )


def test_batch_size_is_a_named_parameter():
    X, y = sphere(400, 20, 7)
    K1 = int(y.sum())
    built = build("vershynin", X, y, widths=(1000, 1000, 400), batch=3, seed=0)
    assert max(built.info["batch_sizes"]) <= 3 and len(built.info["batch_sizes"]) == math.ceil(K1 / 3)
    assert built.report.accuracy == 1.0
    with pytest.raises(
        WidthError, match=rf"hidden layer 3 holds 10 perception pairs; its {K1} positive points in batches of 3 need"
    ):
        vershynin(X, y, widths=(1000, 1000, 20), batch=3)
    with pytest.raises(InvalidDataError, match="batch must be a positive integer"):
        vershynin(X, y, widths=(1000, 1000, 20), batch=0)
    default = build("vershynin", X, y, batch=8, seed=0)
    assert default.network.stats()["hidden_widths"][-1] == 2 * math.ceil(K1 / 8)
