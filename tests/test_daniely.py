"""Daniely (2020), Theorem 1: one gradient step memorizes Gaussians."""

import math
import time

import numpy as np
import pytest
import torch

from memorizers import activations, build, verify
from memorizers.constructions.daniely import (
    daniely_one_step,
    initialisation,
    orthogonal_rows,
    theorem_width,
)
from memorizers.errors import InvalidDataError, WidthError
from memorizers.experiments.daniely import gaussian_task


@pytest.mark.parametrize("seed", range(5))
def test_memorizes_every_point_at_m_dq_over_64(seed):
    d, q = 256, 64
    X, y = gaussian_task(d * q // 64, d, seed)
    t = time.perf_counter()
    built = build("daniely", X, y, widths=q, seed=seed)
    assert time.perf_counter() - t < 1.0
    assert built.report.kind == "sign" and built.report.accuracy == 1.0
    assert built.report.min_margin > 0 and built.info["min_margin_over_ln_d"] > 0


def test_memorizes_97_percent_at_m_dq_over_16():
    d, q = 256, 64
    fractions = []
    for seed in range(5):
        X, y = gaussian_task(d * q // 16, d, seed)
        _, info = daniely_one_step(X, y, widths=q, seed=seed)
        fractions.append(info["fraction_memorized"])
    assert np.mean(fractions) >= 0.97, fractions


def test_step_matches_autograd():
    """The closed-form step equals W - eta * grad of the mean hinge loss computed by torch."""
    d, q, m, seed = 32, 8, 40, 3
    X, y = gaussian_task(m, d, seed)
    net, info = daniely_one_step(X, y, widths=q, seed=seed)
    W0, a = initialisation(q, d, seed)
    W = torch.tensor(W0, requires_grad=True)
    h = torch.abs(torch.from_numpy(X) @ W.T) @ torch.from_numpy(a / math.sqrt(q))
    loss = torch.relu(math.log(d) - torch.from_numpy(y) * h).mean()
    loss.backward()
    expected = W0 - info["eta"] * W.grad.numpy()
    np.testing.assert_allclose(net.layers[0].weight, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(net.layers[1].weight[0], a / math.sqrt(q))
    assert info["eta"] == m * math.log(d) / d


def test_initialisation_is_orthogonal_and_balanced():
    rng = np.random.default_rng(0)
    W = orthogonal_rows(20, 32, rng)
    np.testing.assert_allclose(W @ W.T, np.eye(20), atol=1e-12)
    W = orthogonal_rows(70, 32, rng)  # stacked: each block of 32 rows orthonormal
    for s in range(0, 70, 32):
        B = W[s : s + 32]
        np.testing.assert_allclose(B @ B.T, np.eye(len(B)), atol=1e-12)
    _, a = initialisation(9, 4, 0)
    assert sorted(a) == [-1] * 4 + [1] * 5


def test_width_defaults_to_the_theorem():
    X, y = gaussian_task(50, 16, 0)
    net, info = daniely_one_step(X, y, seed=0)
    L4 = math.log(16) ** 4
    assert info["q"] == theorem_width(50, 16) == math.ceil(50 * L4 / 16)
    assert info["in_theorem_regime"] and info["stacked_orthogonal"]
    assert net.stats()["hidden_widths"] == [info["q"]]


def test_activation_condition():
    assert activations.absolute().mean_derivative() == 0
    assert activations.relu().mean_derivative() == 0.5
    assert activations.hard_tanh().mean_derivative() == pytest.approx(0.6826894921)
    X, y = gaussian_task(20, 16, 0)
    with pytest.raises(InvalidDataError, match=r"E sigma'\(X\) = 0.*relu has E sigma'\(X\) = 0.5"):
        daniely_one_step(X, y, widths=8, activation="relu")
    net, info = daniely_one_step(X, y, widths=8, activation="relu", force=True)
    assert net.layers[0].activation == activations.relu()
    with pytest.raises(InvalidDataError):
        daniely_one_step(X, y, widths=8, activation="threshold")
    # |.| scaled is still covered: relu_like(2, -2)
    daniely_one_step(X, y, widths=8, activation=activations.relu_like(2.0, -2.0))


def test_bad_input():
    X, y = gaussian_task(20, 16, 0)
    with pytest.raises(InvalidDataError, match="labels in"):
        daniely_one_step(X, (y + 1) / 2, widths=8)
    with pytest.raises(WidthError, match="one positive integer width"):
        daniely_one_step(X, y, widths=(8, 8))
    with pytest.raises(WidthError):
        daniely_one_step(X, y, widths=0)
    with pytest.raises(InvalidDataError, match="d >= 2"):
        daniely_one_step(X[:, :1], y, widths=8)
    X[3, 3] = np.inf
    with pytest.raises(InvalidDataError, match="NaN or inf"):
        daniely_one_step(X, y, widths=8)


def test_verify_reports_the_papers_criterion():
    X, y = gaussian_task(256, 64, 1)
    net, info = daniely_one_step(X, y, widths=16, seed=1)
    r = verify(net, X, y)
    assert r.kind == "sign"
    assert r.accuracy == info["fraction_memorized"]
    assert r.min_margin / math.log(64) == pytest.approx(info["min_margin_over_ln_d"])


def test_build_rejects_options_of_other_methods():
    X, y = gaussian_task(20, 16, 0)
    with pytest.raises(Exception, match="takes no option clip_margin"):
        build("daniely", X, y, widths=8, clip_margin=1.0)
