"""build's plan (build --dry-run): what a build would make, known before any work, equals what it makes."""

import numpy as np
import pytest

from memorizers import build
from memorizers.build import plan
from memorizers.cli import main
from memorizers.constructions import METHODS
from methods import EXAMPLES


@pytest.mark.parametrize("name", sorted(METHODS))
def test_the_plan_is_what_build_makes(name):
    X, y, options = EXAMPLES[name](np.random.default_rng(11), 60, 5, 1)
    planned = plan(name, X, y, **options)
    built = build(name, X, y, certify=False, **options)
    if planned.widths is not None:  # None: the boosting methods' rounds, decided while building
        assert planned.widths == built.network.hidden_widths
    else:
        assert METHODS[name].decided and METHODS[name].decided in planned.summary()
    if planned.parameters is not None:
        assert planned.parameters == built.network.stats()["parameters"]
        assert planned.parameter_bytes == 8 * planned.parameters and planned.forward_seconds > 0
    assert planned.n_out == built.network.n_out and planned.n_points == len(X)


def test_a_plan_says_when_the_construction_does_not_fit():
    X, y = np.random.default_rng(0).standard_normal((60_000, 2)), np.zeros(60_000)
    p = plan("zhang", X, y)
    assert p.construction_bytes == 8 * 60_000**2
    assert ("does not fit" in p.summary()) == (p.parameter_bytes + p.construction_bytes > 0.8 * p.available_bytes)


def test_dry_run_builds_nothing(tmp_path, capsys):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "d.npz", X=rng.standard_normal((300, 8)), y=rng.uniform(-1, 1, 300))
    data = str(tmp_path / "d.npz")
    assert main(["build", "--method", "yun-3layer", "--data", data, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "hidden widths [" in out and "parameters" in out and not list(tmp_path.glob("*.npz"))[1:]
    assert main(["build", "--method", "yun-3layer", "--data", data]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_a_plan_checks_options_as_build_does():
    from memorizers.errors import MemorizersError

    X, y = np.random.default_rng(2).standard_normal((50, 4)), np.zeros(50)
    with pytest.raises(MemorizersError, match="needs option widths"):
        plan("yun-deep", X, y)
    with pytest.raises(MemorizersError, match="takes no option bogus"):
        plan("yun-3layer", X, y, bogus=1)
    assert "(as given)" in plan("yun-deep", X, y, widths=(14, 14, 14, 14, 14)).summary()
    assert "(the theorem's formula)" in plan("yun-3layer", X, y).summary()


def test_a_plan_counts_repeated_points_once_as_build_does():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)  # two identical flowers
    planned, built = plan("yun-classifier", X, y), build("yun-classifier", X, y, seed=0, certify=False)
    assert planned.n_points == 150 and planned.widths == built.network.hidden_widths
