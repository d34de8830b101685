"""Bubeck, Eldan, Lee & Mikulincer (2020), Section 3: Propositions 2, 3 and 4."""

import math

import numpy as np
import pytest

from memorizers import build
from memorizers.errors import InvalidDataError, WidthError


@pytest.mark.parametrize("act", ["relu", "threshold", "hard-tanh", "abs", "leaky-relu"])
def test_universal_fits_exactly_with_n_neurons_at_n_500(act):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((500, 10)), rng.uniform(-1, 1, 500)
    built = build("universal", X, y, activation=act, seed=0, tol=1e-9)
    assert built.network.stats()["hidden_widths"] == [500]
    assert np.isfinite(built.info["condition_number"])


def test_baum_counts_and_labels():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1000, 20))
    y = (rng.random(1000) < 0.3).astype(float)
    for labels in (y, 1 - y):  # minority 1, then minority 0 (one more constant unit)
        built = build("baum", X, labels, seed=0)
        k = built.network.stats()["hidden_neurons"]
        assert k <= 1000 / 20 + 3 and k == 2 * math.ceil(min(labels.sum(), 1000 - labels.sum()) / 20) + int(labels.sum() > 500)
        assert built.report.kind == "binary" and built.report.accuracy == 1.0 and built.report.max_abs_error == 0.0
    with pytest.raises(InvalidDataError, match="binary labels"):
        build("baum", X, y * 2)


def test_relu_baum_uses_exactly_4_ceil_n_over_d_units():
    rng = np.random.default_rng(2)
    for n, d in ((300, 7), (1000, 50)):
        X, y = rng.standard_normal((n, d)), rng.standard_normal(n) * 3  # any real labels
        built = build("relu-baum", X, y, seed=0, tol=1e-8)
        assert built.network.stats()["hidden_widths"] == [4 * math.ceil(n / d)]
    with pytest.raises(WidthError, match=r"4 ceil\(n/d\) = 80"):
        build("relu-baum", X, y, widths=79)


@pytest.mark.parametrize("method", ["baum", "relu-baum"])
def test_general_position_is_checked(method):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 2))
    X[10] = 0.3 * X[0] + 0.7 * X[1]  # on the line through 0 and 1
    y = np.zeros(30)
    y[[0, 1]] = 1.0
    if method == "relu-baum":
        y = rng.standard_normal(30)
    # find a seed whose grouping puts 0 and 1 together
    for seed in range(200):
        try:
            build(method, X, y, seed=seed)
        except InvalidDataError as e:
            assert "not in general position" in str(e) and "[0, 1]" in str(e)
            return
    raise AssertionError("no grouping met the degenerate hyperplane")


def test_relu_baum_float64_error_at_n_5000_d_100():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5000, 100)), rng.uniform(-1, 1, 5000)
    built = build("relu-baum", X, y, seed=0, tol=1e-8)
    assert built.network.stats()["hidden_widths"] == [200]
    assert built.report.max_abs_error <= 1e-8


@pytest.mark.parametrize("step", ["line", "lemma"])
def test_ntk_reaches_eps_within_the_theorem_count(step):
    from memorizers.constructions.bubeck import ntk

    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 60))
    X /= np.linalg.norm(X, axis=1, keepdims=True)  # on the sphere: (gamma, omega)-generic
    y = rng.choice([-1.0, 1.0], 300)
    net, info = ntk(X, y, eps=0.01, step=step, seed=0)
    f = net.forward(X)[:, 0]
    assert np.sum((f - y) ** 2) <= 0.01 * np.sum(y**2) * (1 + 1e-9)
    assert info["neurons"] == net.stats()["hidden_neurons"] <= info["theorem_neurons"]
    assert 0 < info["gamma"] < 1 and info["omega"] > 0
    with pytest.raises(InvalidDataError, match="eps must lie"):
        ntk(X, y, eps=2.0)
