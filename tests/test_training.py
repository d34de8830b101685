"""The gradient-training baseline trains the same architecture and is verified like a construction."""

import json

import numpy as np

from memorizers import build
from memorizers.cli import main
from memorizers.data import save_npz
from memorizers.training import train


def test_training_keeps_the_architecture_and_verifies():
    rng = np.random.default_rng(0)
    X, ids = rng.standard_normal((120, 6)), rng.integers(0, 3, 120)
    template = build("yun-2layer", X, ids, seed=0).network
    result = train(template, X, ids, lr=1e-2, seconds=20, seed=0)
    assert result.network.stats()["hidden_widths"] == template.stats()["hidden_widths"]
    assert [d.activation for d, _ in result.network.dense_layers()] == [
        d.activation for d, _ in template.dense_layers()
    ]
    assert result.report.kind == "onehot" and result.report.passed  # 120 points, 3 classes: training memorizes
    assert result.epochs >= 1 and len(result.history) == result.epochs


def test_training_budget_and_real_labels():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((60, 4)), rng.uniform(-1, 1, 60)
    template = build("yun-3layer", X, y, seed=0).network
    result = train(template, X, y, lr=1e-2, epochs=50, seed=0, optimizer="sgd")
    assert result.epochs == 50 and len(result.history) == 50
    assert result.history[-1] < result.history[0]  # the loss went down
    assert result.report.kind == "real"


def test_threshold_layers_train_through_the_surrogate():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 5))
    y = (rng.random(80) < 0.3).astype(float)
    template = build("baum", X, y, seed=0).network
    result = train(template, X, y, lr=1e-2, seconds=5, seed=0)
    assert result.network.layers[0].activation.kind == "threshold"
    assert result.report.kind == "binary" and result.report.accuracy > 0.7


def test_cli_train(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X, ids = rng.standard_normal((60, 4)), rng.integers(0, 2, 60)
    data, net, out = tmp_path / "d.npz", tmp_path / "n.npz", tmp_path / "t.npz"
    save_npz(data, X, ids)
    assert main(["build", "--method", "yun-2layer", "--data", str(data), "--out", str(net)]) == 0
    capsys.readouterr()
    code = main(
        [
            "train",
            "--like",
            str(net),
            "--data",
            str(data),
            "--lr",
            "0.01",
            "--seconds",
            "20",
            "--out",
            str(out),
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == (0 if report["passed"] else 1) and out.exists()
    assert report["hidden_widths"] and report["epochs"] >= 1


def test_relative_labels_stop_at_the_aggregate_criterion():
    """kind relative (the ntk and harmonic networks' Lemma 1 criterion): training stops once
    ||f - y||^2 <= tol ||y||^2, and the trained network passes verify's same criterion."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 24))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.uniform(-1, 1, 60)
    template = build("ntk", X, y, seed=0, eps=0.2).network
    result = train(template, X, y, lr=1e-2, epochs=5000, tol=0.2, seed=0)
    assert result.report.kind == "relative" and result.report.passed
    assert result.report.relative_error <= 0.2 and result.epochs < 5000  # stopped by the criterion


def test_training_takes_residual_networks():
    rng = np.random.default_rng(2)
    X, ids = rng.standard_normal((80, 4)), rng.integers(0, 3, 80)
    template = build("yun-resnet", X, ids, seed=0).network
    result = train(template, X, ids, lr=3e-3, epochs=1500, seed=0)
    assert [type(layer) for layer in result.network.layers] == [type(layer) for layer in template.layers]
    assert result.network.stats()["hidden_widths"] == template.stats()["hidden_widths"]
    assert result.history[-1] < result.history[0] / 5  # it learns through the skip connection
    assert result.report.kind == "onehot" and result.report.accuracy >= 0.9  # far above chance (1/3), verified
