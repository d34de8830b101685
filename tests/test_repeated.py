"""Repeated points: identical rows with equal labels are built once and every row verified; identical rows with
different labels are refused naming both rows and both labels."""

import numpy as np
import pytest
from sklearn.datasets import load_iris

from memorizers import build
from memorizers.cli import main
from memorizers.errors import DuplicatePointsError
from memorizers.sklearn import MemorizingClassifier


def test_iris_builds_as_given():
    X, y = load_iris(return_X_y=True)
    names = load_iris().target_names[y]
    built = build("yun-classifier", X, names, seed=0, bits=False)
    assert built.info["repeated_rows_merged"] == 1  # rows 101 and 142 are the same flower, both virginica
    r = built.report
    assert r.n_points == 150 and r.accuracy == 1.0 and r.certified == 1.0
    assert built.network.meta["classes"] == sorted(set(names))


def test_a_classifier_fits_iris_in_cross_validation():
    from sklearn.model_selection import cross_val_score

    X, y = load_iris(return_X_y=True)
    scores = cross_val_score(MemorizingClassifier(seed=0), X, y, cv=3)
    assert len(scores) == 3  # every fold fits, the repeated flower in its training folds or not


def test_repeated_real_labels_merge():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((60, 3)), rng.uniform(-1, 1, 60)
    X[[7, 30, 45]], y[[7, 30, 45]] = X[3], y[3]
    built = build("relu-baum", X, y, seed=0, bits=False)
    assert built.info["repeated_rows_merged"] == 3 and built.report.passed and built.report.certified == 1.0


def test_repeated_points_with_different_labels_are_refused(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((30, 2)), rng.integers(0, 3, 30)
    X[12], y[12], y[4] = X[4], (y[4] + 1) % 3, y[4]
    with pytest.raises(
        DuplicatePointsError, match=f"points 4 and 12 are identical but labelled {int(y[4])} and {int(y[12])}"
    ):
        build("yun-classifier", X, y, seed=0)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code = main(
        ["build", "--method", "yun-classifier", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "n.npz")]
    )
    err = capsys.readouterr().err
    assert code == 2 and "points 4 and 12 are identical" in err and len(err.strip().splitlines()) == 1


def test_predict_reads_new_data_without_the_label_column(tmp_path, capsys):
    X, y = load_iris(return_X_y=True)
    cols = ["sl", "sw", "pl", "pw"]
    names = load_iris().target_names[y]
    lines = [",".join([*cols, "species"])] + [",".join([*map(str, x), n]) for x, n in zip(X, names)]
    (tmp_path / "iris.csv").write_text("\n".join(lines) + "\n")
    new = [",".join(["pw", "pl", "sw", "sl"])] + [",".join(map(str, x[::-1])) for x in X[:5]]  # columns reordered
    (tmp_path / "new.csv").write_text("\n".join(new) + "\n")
    net, out = tmp_path / "net.npz", tmp_path / "pred.csv"
    assert main(["build", "--method", "yun-classifier", "--data", str(tmp_path / "iris.csv"), "--out", str(net)]) == 0
    assert main(["predict", str(net), "--data", str(tmp_path / "new.csv"), "--out", str(out)]) == 0, capsys.readouterr()
    assert list(names[:5]) == [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
