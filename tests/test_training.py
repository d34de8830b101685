"""The gradient-training baseline trains the same architecture and is verified like a construction."""

import json

import numpy as np
import pytest

from memorizers import build
from memorizers.cli import main
from memorizers.data import save_npz
from memorizers.errors import InvalidDataError
from memorizers.training import LR_CANDIDATES, RECIPES, one_cycle, train


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


def test_strong_recipe_stops_only_when_float64_verification_agrees():
    """The default recipe trains in float32; it stops early only once a float64 copy memorizes, so a run
    that ended before its epoch budget passes verify (which is float64)."""
    rng = np.random.default_rng(4)
    X, ids = rng.standard_normal((200, 8)), rng.integers(0, 4, 200)
    template = build("yun-classifier", X, ids, seed=0).network
    result = train(template, X, ids, epochs=400, seed=0)
    assert result.network.meta["recipe"] == "strong" and result.network.meta["dtype"] == "float32"
    assert result.network.meta["batch"] == 512 and result.network.meta["optimizer"] == "adamw"
    assert result.epochs < 400 and result.report.passed  # stopped by memorization, and float64 agrees
    assert len(result.curve) == result.epochs and result.curve[-1][1] == 1.0
    assert all(a[0] <= b[0] for a, b in zip(result.curve, result.curve[1:]))  # seconds increase


def test_strong_recipe_trains_tight_real_labels_in_float64():
    """float32 cannot resolve max |f - y| <= 1e-6 reliably: the strong recipe's dtype "auto" takes float64 there,
    float32 at a loose tolerance, and an explicit dtype wins."""
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((40, 4)), rng.uniform(-1, 1, 40)
    template = build("yun-3layer", X, y, seed=0).network
    assert train(template, X, y, epochs=2, seed=0).network.meta["dtype"] == "float64"  # tol 1e-6
    assert train(template, X, y, epochs=2, tol=1e-3, seed=0).network.meta["dtype"] == "float32"
    assert train(template, X, y, epochs=2, dtype="float32", seed=0).network.meta["dtype"] == "float32"


def test_full_batch_recipe_is_the_earlier_baseline():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((50, 4)), rng.uniform(-1, 1, 50)
    template = build("yun-3layer", X, y, seed=0).network
    result = train(template, X, y, recipe="full-batch", epochs=30, seed=0)
    meta = result.network.meta
    assert (meta["optimizer"], meta["dtype"], meta["batch"], meta["schedule"]) == ("adam", "float64", None, "constant")
    assert result.lr == 1e-3 and result.epochs == 30
    assert train(template, X, y, recipe="full-batch", lr=0.05, epochs=2, seed=0).lr == 0.05  # an override wins


def test_auto_learning_rate_picks_a_candidate_within_the_budget():
    rng = np.random.default_rng(6)
    X, ids = rng.standard_normal((150, 6)), rng.integers(0, 3, 150)
    template = build("yun-2layer", X, ids, seed=0).network
    result = train(template, X, ids, lr="auto", epochs=200, seed=0)
    assert result.lr in LR_CANDIDATES and result.network.meta["lr"] == result.lr
    trials = result.network.meta["lr_trials"]  # what it tried, on equal time: the winner memorized the most
    assert [t[0] for t in trials] == sorted(LR_CANDIDATES)
    assert max(t[1] for t in trials) == next(t[1] for t in trials if t[0] == result.lr)


@pytest.mark.parametrize(
    "bad",
    [
        {"recipe": "fast"},
        {"dtype": "float16"},
        {"dtype": "half"},
        {"schedule": "step"},
        {"optimizer": "lbfgs"},
        {"lr": "fast"},
        {"lr": -1.0},
        {"batch": 0},
        {"seconds": 0.0},
    ],
)
def test_bad_training_settings_raise_before_training(bad):
    y = np.array([0.0, 0.5, -0.5])
    template = build("yun-3layer", np.eye(3), y, seed=0).network
    with pytest.raises(InvalidDataError):
        train(template, np.eye(3), y, **bad)


@pytest.mark.parametrize(
    "X, y",
    [
        (np.float64(1.0), [0.0, 0.5, -0.5]),
        (np.zeros(3), [0.0, 0.5, -0.5]),
        (np.zeros((3, 2)), [0.0, 0.5, -0.5]),
        (np.zeros((4, 3)), [0.0, 0.5, -0.5]),
        (np.eye(3), 0.5),
        ([[1.0, 0.0, 0.0], [0.0]], [0.0, 0.5]),
        (np.eye(3), [[0.0], [0.5, 1.0], [0.0]]),
    ],
)
def test_data_that_does_not_fit_the_template_is_refused(X, y):
    """Points of the wrong shape or number, or rows of unequal length: one InvalidDataError, not torch's or numpy's."""
    template = build("yun-3layer", np.eye(3), np.array([0.0, 0.5, -0.5]), seed=0).network
    with pytest.raises(InvalidDataError, match="shape|numeric"):
        train(template, X, y)


def test_one_cycle_schedule_shape():
    assert one_cycle(0.0) == pytest.approx(1 / 25) and one_cycle(0.25) == pytest.approx(1.0)
    assert one_cycle(1.0) == pytest.approx(1e-4) and one_cycle(2.0) == one_cycle(1.0)
    grid = np.linspace(0, 1, 201)
    values = np.array([one_cycle(p) for p in grid])
    assert np.all(np.diff(values[grid <= 0.25]) > 0) and np.all(np.diff(values[grid >= 0.25]) < 0)


def test_cli_train_bad_learning_rate_is_one_line(tmp_path, capsys):
    rng = np.random.default_rng(3)
    data, net = tmp_path / "d.npz", tmp_path / "n.npz"
    save_npz(data, rng.standard_normal((20, 3)), rng.integers(0, 2, 20))
    assert main(["build", "--method", "yun-2layer", "--data", str(data), "--out", str(net)]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--like", str(net), "--data", str(data), "--lr", "fast"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and len(err) == 1 and "'auto'" in err[0]


def test_seconds_budget_holds_for_the_whole_call():
    """The budget covers the lr search and torch's setup (its optimizer import takes seconds the first
    time in a process), not only the epochs: a run that cannot finish stops within an epoch of it."""
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((300, 6)), rng.uniform(-1, 1, 300)
    template = build("yun-3layer", X, y, seed=0).network
    for lr in (1e-3, "auto"):
        result = train(template, X, y, lr=lr, seconds=2.0, tol=1e-12, seed=0)  # 1e-12: never memorized
        assert not result.report.passed and result.seconds <= 2.0 + 0.5
    # a time budget alone: the clock stops training, not the recipe's 500 epochs (one step each here)
    assert train(template, X, y, seconds=2.0, tol=1e-12, seed=0).epochs > RECIPES["strong"]["epochs"]
