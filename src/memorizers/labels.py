"""Class labels as users have them (strings, {0, 500}, ±1) and as the constructions need them.

The classification kinds of :mod:`memorizers.verify` score fixed encodings: ``onehot`` and ``index``
class ids 0..C-1 (or one-hot rows), ``binary`` {0, 1}, ``sign`` {-1, +1}. :func:`encode` maps any
labels to that encoding and returns the sorted class values it used, which :func:`memorizers.build`
records in the network (``meta["classes"]``) so that verify, train, predict and the scikit-learn
estimators map labels the same way, and :func:`decode` maps outputs back.

:class:`Labels` is the value that crosses the boundary: the labels encoded once, with their kind and
classes. :func:`memorizers.build` encodes the user's labels into one and hands the same value to the
construction (its ``values``) and to :func:`memorizers.verify`, which encodes only labels it is given raw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .data import as_array
from .errors import InvalidDataError
from .intervals import two_sum
from .kinds import KINDS, targets

CLASS_KINDS = tuple(name for name, k in KINDS.items() if k.classes)
_NATIVE = {"binary": KINDS["binary"].values, "sign": KINDS["sign"].values}  # the encodings the kinds score
_IDS = ("onehot", "index")  # the kinds whose encoding is the class id


def encode(y, kind: str, classes=None, n_classes: int | None = None) -> tuple[np.ndarray, list | None]:
    """(encoded labels, class values) for labels of ``kind``; real kinds pass through (classes None).

    Class values are integers or strings (non-integer numbers are real labels, refused here).
    onehot: one-hot rows (N, C) pass through; ids or any labels (N,) or (N, 1) become indices into
    ``classes`` (default the sorted distinct labels; 0..n_classes-1 when ``n_classes`` is given and
    the labels are such ids). binary and sign: two label values, the smaller one standing for 0
    (binary) or -1 (sign); {0, 1} and {-1, +1} keep their meaning whichever of them occur.

    Parameters
    ----------
    y : array_like, shape (N,), (N, 1) or (N, C)
        The labels as given.
    kind : str
        The label kind (:mod:`memorizers.kinds`).
    classes : sequence, optional
        The class values the ids index (default: from the labels).
    n_classes : int, optional
        The number of classes when the labels are ids 0..n_classes-1 (some may not occur).

    Returns
    -------
    values : numpy.ndarray
        The labels as ``kind`` scores them.
    classes : list or None
        The class values ``values`` index (None for real kinds and for one-hot rows given as such).

    Raises
    ------
    InvalidDataError
        Labels not among ``classes`` (named), non-finite numbers, or a shape the kind does not take.
    """
    y = as_array(y, "labels are not an array")
    if kind not in CLASS_KINDS or y.ndim == 0 or len(y) == 0 or (y.ndim == 2 and y.shape[1] == 0):
        return y, None  # nothing to encode: check_dataset says what is wrong
    if kind in _IDS and y.ndim == 2 and y.shape[1] > 1:  # one-hot rows are positions already
        return y, None if classes is None else list(classes)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise InvalidDataError(f"class labels must have shape (N,) or (N, 1); got {y.shape}")
    if y.dtype.kind not in "biufUS":
        try:
            y = y.astype(str) if all(isinstance(v, str) for v in y.tolist()) else y.astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidDataError(f"class labels must be numbers or strings; got dtype {y.dtype}") from None
    numeric = y.dtype.kind in "biuf"
    if numeric and not np.isfinite(y).all():
        rows = np.flatnonzero(~np.isfinite(y))
        raise InvalidDataError(f"y has NaN or inf in {len(rows)} row(s), first: {', '.join(map(str, rows[:10]))}")
    if classes is None:
        classes = _classes(y, kind, numeric, n_classes)
    classes = np.asarray(classes)
    if len(classes) == 0 or (classes.dtype.kind in "US") != (y.dtype.kind in "US"):
        raise InvalidDataError(f"labels of dtype {y.dtype} do not match the network's classes {_show(classes)}")
    pos = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = classes[pos] != y
    if unknown.any():
        values = np.unique(y[unknown])
        raise InvalidDataError(f"label(s) {_show(values)} are not among the classes {_show(classes)}")
    if kind in _IDS:
        return pos.astype(np.int64), classes.tolist()
    if len(classes) != 2:
        raise InvalidDataError(f"kind {kind!r} needs two classes; got {_show(classes)}")
    return (pos if kind == "binary" else 2 * pos - 1).astype(np.float64), classes.tolist()


@dataclass(frozen=True)
class Labels:
    """Labels encoded once: ``values`` as ``kind`` scores them (class ids, {0, 1}, {-1, +1}, or the reals as
    given) and the class values they index (None for real kinds and for one-hot rows given as such).

    Parameters
    ----------
    values : numpy.ndarray
        The encoded labels (:func:`encode`).
    kind : str
        Their label kind.
    classes : list, optional
        The class values they index.
    """

    values: np.ndarray
    kind: str
    classes: list | None = None

    def __len__(self) -> int:
        return len(self.values)

    def targets(self, n_out: int, rows=slice(None)) -> np.ndarray:
        """The rows' target outputs the kind scores against (``memorizers.kinds.targets``).

        Parameters
        ----------
        n_out : int
            The network's outputs.
        rows : slice or array_like of int
            Which labels.

        Returns
        -------
        numpy.ndarray, shape (len(rows), n_out)
            The targets.
        """
        return targets(self.values[rows], n_out, self.kind)


def labelled(y, kind: str, classes=None, n_classes: int | None = None) -> Labels:
    """``y`` encoded for ``kind`` (:func:`encode`) as a :class:`Labels` value."""
    values, classes = encode(y, kind, classes, n_classes)
    return Labels(values, kind, classes)


def real_scale(values: np.ndarray) -> tuple[float, float, np.ndarray] | None:
    """(scale 2^k, offset c, (y - c) / 2^k) that bring real labels outside [-1, 1] into it, or None for labels
    inside [-1, 1].

    c is the labels' midpoint on a grid of 2^(k-8) (a short dyadic), 2^k the smallest power of two above their
    half-range with 1/128 to spare (the grid's rounding). The transformation is exact, so that s (y - c) / s + c
    is y again in exact arithmetic (constructions with exact parameters keep their exactness): where some y - c
    would round, c is 0 and 2^k above max |y|; where even y / 2^k would round (a label below float64's normal
    range), the midpoint's transformation, rounded.

    Parameters
    ----------
    values : array_like
        Real labels.

    Returns
    -------
    tuple of (float, float, numpy.ndarray) or None
        (2^k, c, (y - c) / 2^k), or None when every label is in [-1, 1] already.
    """
    Y = np.asarray(values, dtype=np.float64)
    if Y.size == 0 or not np.isfinite(Y).all() or np.abs(Y).max() <= 1:
        return None
    lo, hi = float(Y.min()), float(Y.max())
    first = None
    for low, high in ((lo, hi), (-max(-lo, hi), max(-lo, hi))):
        half = high / 2 - low / 2
        scale = 2.0 ** min(math.ceil(math.log2(half) + 2.0**-6), 1023) if half > 0 else 1.0
        grid = scale * 2.0**-8
        offset = float(round((low / 2 + high / 2) / grid) * grid)
        shifted, error = two_sum(Y, -offset)
        scaled = shifted / scale
        if not error.any() and np.array_equal(scaled * scale, shifted) and np.abs(scaled).max() <= 1:
            return scale, offset, scaled
        first = first or (scale, offset, np.clip(scaled, -1.0, 1.0))
    return first


def _classes(y: np.ndarray, kind: str, numeric: bool, n_classes: int | None) -> np.ndarray:
    values = np.unique(y)
    if numeric and not np.array_equal(values, np.rint(values)):  # continuous values: real labels, not classes
        odd = values[values != np.rint(values)]
        raise InvalidDataError(
            f"class labels must be integers or strings; these labels take non-integer values (e.g. {odd[0]:g}): "
            "for real-valued labels use a method of kind real (yun-3layer, universal, relu-baum, zhang)"
        )
    if kind in _IDS:
        if n_classes is not None and numeric and np.array_equal(values, np.rint(values)) and values.min() >= 0:
            return np.arange(max(int(n_classes), int(values.max()) + 1))  # ids; the construction checks the range
        return values
    if numeric:
        for native in (_NATIVE[kind], _NATIVE["sign" if kind == "binary" else "binary"]):
            if np.isin(values, native).all():
                return np.array(native)
    if len(values) != 2:
        first, second = _NATIVE[kind]
        raise InvalidDataError(
            f"labels of kind {kind!r} take two values ({{{first}, {second}}} or any two); got {len(values)}: "
            f"{_show(values)}"
        )
    return values


def for_network(network, y, kind: str) -> Labels:
    """Labels as ``network`` reads them: encoded with the classes it records when it was built for ``kind``,
    else as given; a :class:`Labels` value already encoded for ``kind`` passes through."""
    if isinstance(y, Labels):
        if y.kind != kind:
            raise InvalidDataError(f"labels encoded for kind {y.kind!r} cannot be scored as kind {kind!r}")
        return y
    classes = network.meta.get("classes")
    if classes is None or kind != network.meta.get("kind"):
        return Labels(np.asarray(y), kind)
    return labelled(y, kind, classes)


def decode(F: np.ndarray, kind: str, classes=None) -> np.ndarray:
    """Predicted labels from network outputs F (N, n_out): the class values for classification kinds
    (argmax for onehot, the threshold 1/2 for binary, the sign for sign), F itself for real ones.

    Parameters
    ----------
    F : numpy.ndarray, shape (N, n_out)
        Network outputs.
    kind : str
        The label kind.
    classes : sequence, optional
        The class values (default the ids themselves, or the kind's native values).

    Returns
    -------
    numpy.ndarray
        One label per row (F's rows for real kinds with several outputs).
    """
    F = np.asarray(F)
    if kind not in CLASS_KINDS:
        return F[:, 0] if F.shape[1] == 1 else F
    if kind == "onehot":
        index = np.argmax(F, axis=1)
    elif kind == "index":  # the nearest class id (outputs beyond the ids: the nearest end)
        n = len(classes) if classes is not None else int(np.max(np.rint(F[:, 0]), initial=0)) + 1
        index = np.clip(np.rint(F[:, 0]), 0, max(n - 1, 0)).astype(np.int64)
    else:
        index = (F[:, 0] > (0.5 if kind == "binary" else 0.0)).astype(np.int64)
    values = (
        np.asarray(classes)
        if classes is not None
        else (
            np.arange(F.shape[1])
            if kind == "onehot"
            else np.arange(index.max(initial=0) + 1)
            if kind == "index"
            else np.array(_NATIVE[kind])
        )
    )
    return values[index]


def _show(values, k: int = 8) -> str:
    values = np.asarray(values).tolist()
    return "[" + ", ".join(map(repr, values[:k])) + (", ..." if len(values) > k else "") + "]"
