"""scikit-learn estimators: a memorizing network behind ``fit`` / ``predict`` / ``score``.

:class:`MemorizingClassifier` and :class:`MemorizingRegressor` build a network with
:func:`memorizers.build` (so every fit is verified: a network that does not reproduce its
training data raises VerificationError, never a silent failure) and keep it as
``network_``, with the verification report as ``report_``. They work in a ``Pipeline``
and pass :func:`sklearn.utils.estimator_checks.check_estimator` (:data:`EXPECTED_FAILED_CHECKS` is empty:
repeated points with equal labels are built once, :func:`memorizers.build`).

Needs scikit-learn (``pip install 'memorizers[demo]'``).
"""

from __future__ import annotations

import numpy as np

from . import labels
from .build import build
from .errors import InvalidDataError, MissingDependencyError, VerificationError

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # pragma: no cover - the estimators need scikit-learn
    raise MissingDependencyError(
        "memorizers.sklearn needs scikit-learn >= 1.6: pip install 'memorizers[demo]'"
    ) from None

EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class _Memorizing(BaseEstimator):
    default_method: str

    def __init__(self, method=None, *, widths=None, activation=None, seed=0, tol=None, options=None, certify=False):
        self.method = method
        self.widths = widths
        self.activation = activation
        self.seed = seed
        self.tol = tol
        self.options = options
        self.certify = certify

    @property
    def _method(self) -> str:
        return self.method or self.default_method

    def _build(self, X, y, tol, bits, on_failure="raise"):
        options = dict(self.options or {})
        for name in ("widths", "activation"):
            if getattr(self, name) is not None:
                options[name] = getattr(self, name)
        built = build(self._method, X, y, tol=tol, seed=self.seed, bits=bits, on_failure=on_failure, **options)
        self.network_, self.report_, self.info_ = built.network, built.report, built.info
        return self

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.outputs(X)  # exact parameters: evaluated exactly


class MemorizingClassifier(ClassifierMixin, _Memorizing):
    """A classifier whose network provably memorizes its training set.

    Parameters
    ----------
    method : str, default None (``"yun-classifier"``)
        A construction for class labels: ``yun-classifier`` (Yun et al. 2019, Proposition 3.2),
        ``yun-2layer`` (Corollary 4.2), ``yun-resnet`` (Theorem 4.1), ``yun-deep-classifier``,
        or, for two classes, ``baum`` (Bubeck et al. 2020, Proposition 3), ``vershynin``, ``daniely``.
    widths : tuple of int, optional
        The construction's hidden widths (default the smallest its theorem allows).
    activation : str, optional
        Its activation (default its own).
    seed : int, optional
        Its random seed.
    tol : float, optional
        The tolerance of the verification (:func:`memorizers.build`).
    options : dict, optional
        Any other option of the construction (e.g. ``{"margin": 2.0}``).
    certify : bool, default False
        Also find bits_sufficient while verifying (the certificate itself always runs).

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class values seen in fit.
    n_features_in_ : int
        The input dimension.
    network_ : Network
        The network built.
    report_ : MemorizationReport
        Its verification on the training set.
    info_ : dict
        The construction's record.
    """

    default_method = "yun-classifier"

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise InvalidDataError(f"a classifier needs at least 2 classes; got 1 class ({self.classes_[0]!r})")
        return self._build(X, y, self.tol, self.certify)

    def decision_function(self, X):
        """The network's outputs: one column per class; for two classes, one score (positive: classes_[1]).

        Parameters
        ----------
        X : array_like, shape (N, n_features)
            The points.

        Returns
        -------
        numpy.ndarray
            Shape (N, n_classes), or (N,) for two classes.
        """
        F = self._outputs(X)
        kind = self.network_.meta["kind"]
        if kind == "onehot":
            return F[:, 1] - F[:, 0] if F.shape[1] == 2 else F
        if kind == "index" and len(self.classes_) > 2:  # the output is the class id: minus its distance to each
            return -np.abs(F[:, :1] - np.arange(len(self.classes_)))
        return F[:, 0] - (0.5 if kind in ("binary", "index") else 0.0)

    def predict(self, X):
        F = self._outputs(X)
        return labels.decode(F, self.network_.meta["kind"], self.classes_)


class MemorizingRegressor(RegressorMixin, _Memorizing):
    """A regressor whose network provably memorizes its training set (max |f(x_i) - y_i| <= tol).

    Parameters
    ----------
    method : str, default None (``"yun-3layer"``)
        A construction for real labels: ``yun-3layer`` (Yun et al. 2019, Theorem 3.1), ``yun-deep``,
        ``universal`` (Bubeck et al. 2020, Proposition 2), ``relu-baum`` (Proposition 4).
        Labels beyond [-1, 1] are built as (y - c) / 2^k and the output layer maps them back
        (:func:`memorizers.build`); tol is in y's units, by default relative to the labels' scale.
    widths : tuple of int, optional
        As for :class:`MemorizingClassifier`.
    activation : str, optional
        As for :class:`MemorizingClassifier`.
    seed : int, optional
        As for :class:`MemorizingClassifier`.
    tol : float, optional
        The largest |f(x_i) - y_i| accepted, in y's units.
    options : dict, optional
        As for :class:`MemorizingClassifier`.
    certify : bool, default False
        As for :class:`MemorizingClassifier`.
    """

    default_method = "yun-3layer"

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        try:
            return self._build(X, y, self.tol, self.certify)
        except VerificationError as e:  # said in the estimator's terms: its tol, in y's units
            r, top = e.report, float(np.abs(y).max(initial=0.0))
            raise VerificationError(
                f"{type(self).__name__}(method={self._method!r}): the network misses the labels by up to "
                f"{r.max_abs_error:.3g}, above tol={r.tol:.3g} (float64 resolves about {np.spacing(top):.2g} at "
                f"|y| = {top:.3g}); give a tol of at least {2 * r.max_abs_error:.2g} in y's units, or another seed",
                e.network,
                r,
            ) from None

    def predict(self, X):
        F = self._outputs(X)
        return F[:, 0] if F.shape[1] == 1 else F

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
