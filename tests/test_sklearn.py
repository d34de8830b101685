"""The scikit-learn estimators: check_estimator, label encoding, pipelines, and memorization."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from memorizers import verify  # noqa: E402
from memorizers.errors import DuplicatePointsError, InvalidDataError  # noqa: E402
from memorizers.sklearn import EXPECTED_FAILED_CHECKS, MemorizingClassifier, MemorizingRegressor  # noqa: E402


@parametrize_with_checks(
    [MemorizingClassifier(), MemorizingRegressor()], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_check_estimator(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # so that scikit-learn runs its array-API input check too
    check(estimator)


def test_the_expected_failure_is_the_duplicate_points_refusal():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(DuplicatePointsError):
        MemorizingRegressor().fit(X, [0.1, 0.2, 0.3])


@pytest.mark.parametrize("method", ["yun-classifier", "yun-2layer", "yun-resnet"])
def test_classifier_memorizes_arbitrary_class_labels(method):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6))
    y = np.array(["setosa", "versicolor", "virginica", "other"])[rng.integers(0, 4, 120)]
    clf = MemorizingClassifier(method, seed=1).fit(X, y)
    assert list(clf.classes_) == sorted(set(y))
    assert (clf.predict(X) == y).all()
    assert clf.score(X, y) == 1.0
    assert clf.network_.meta["classes"] == sorted(set(y))
    assert verify(clf.network_, X, y).certified == 1.0  # the network file alone knows its classes


@pytest.mark.parametrize("method,labels", [("baum", [-1, 1]), ("baum", ["no", "yes"]), ("daniely", [0, 1])])
def test_binary_methods_take_any_two_labels(method, labels):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 300 if method == "daniely" else 5))
    y = np.array(labels)[rng.integers(0, 2, 40)]
    clf = MemorizingClassifier(method).fit(X, y)
    assert (clf.predict(X) == y).all()
    scores = clf.decision_function(X)
    assert ((scores > 0) == (y == clf.classes_[1])).all()


def test_class_ids_far_apart_make_two_outputs_not_501():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 4))
    y = rng.choice([0, 500], 50)
    clf = MemorizingClassifier().fit(X, y)
    assert clf.network_.n_out == 2 and (clf.predict(X) == y).all()


def test_regressor_memorizes_large_labels_exactly_rescaled():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 8))
    y = rng.uniform(-1000, 3000, 200)
    reg = MemorizingRegressor(tol=1e-6).fit(X, y)
    assert np.abs(reg.predict(X) - y).max() <= 1e-6
    assert verify(reg.network_, X, y).certified == 1.0  # certified at tol 1e-6 in the original units
    # y - 1000 would round for labels near -1000 (a binade more), so the exact transformation is y / 2^12
    assert reg.network_.meta["label_scale"] == 4096.0 and reg.network_.meta["label_offset"] == 0.0


def test_in_a_pipeline_with_a_scaler():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, 5)) * [1e-6, 1, 1e3, 1, 1e6]
    y = rng.integers(0, 3, 80)
    pipe = make_pipeline(StandardScaler(), MemorizingClassifier("yun-2layer")).fit(X, y)
    assert pipe.score(X, y) == 1.0


def test_one_class_is_refused():
    with pytest.raises(InvalidDataError, match="at least 2 classes"):
        MemorizingClassifier().fit(np.eye(3), [1, 1, 1])
