"""Label kinds, one object each: what labels of the kind look like, how an output is scored against
them (in floats or exactly), how the certificate proves the criterion, and the training criterion.

* ``real``: max_j |f_j(x_i) - y_ij| <= tol (Yun et al.'s Theorem 3.1, Bubeck et al.'s Proposition 2, ...);
* ``relative``: the aggregate ||f - y||^2 <= tol ||y||^2 of Bubeck et al.'s Lemma 1 (per point, each
  point's equal share of the budget is scored as ``real``);
* ``binary``: labels {0, 1}, one output, memorized when f(x_i) is on the label's side of 1/2;
* ``sign``: labels {-1, +1}, one output, memorized when y_i f(x_i) > 0 (Daniely's criterion);
* ``onehot``: class ids or one-hot rows, one output per class, memorized when the label's output
  is strictly the largest;
* ``index``: class ids (or one-hot rows), one output that returns the class id itself, memorized when it
  rounds to it, |f(x_i) - y_i| < 1/2 (the networks of Vardi, Yehudai & Shamir 2022 output the label).

``KINDS`` maps each name to its object; verify, the certificate and training go through it.
Class labels as users have them are mapped to these encodings by :mod:`memorizers.labels`.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .arrays import arange, is_torch, where
from .errors import InvalidDataError
from .intervals import U64, Enclosure, sides, two_sum, up


def not_one_hot(Y: np.ndarray) -> np.ndarray:
    """Per row of a 2-D label array: is it anything but one 1 and 0 elsewhere? The one check of one-hot rows."""
    return ~(np.isin(Y, (0, 1)).all(axis=1) & (Y.sum(axis=1) == 1))


def check_one_hot(Y: np.ndarray) -> np.ndarray:
    """Y (N, C) as one-hot rows, or InvalidDataError naming the first rows that are not."""
    bad = np.flatnonzero(not_one_hot(Y))
    if len(bad):
        raise InvalidDataError(
            f"one-hot labels need exactly one 1 per row and 0 elsewhere; rows {bad[:10].tolist()} are not"
        )
    return Y


class Kind:
    """The behaviour of one label kind (see the module doc)."""

    name = ""
    classes = False  # labels are classes (memorizers.labels encodes any class values for such a kind)

    def targets(self, y: np.ndarray, n_out: int) -> np.ndarray:
        """Labels as an (N, n_out) float array, after checking that they fit the kind and the network.
        ``y`` is a finite real array of shape (N,) or (N, dy) (checked by :func:`targets`)."""
        Y = y.reshape(len(y), -1).astype(np.float64)
        if Y.shape[1] != n_out:
            raise InvalidDataError(f"labels have {Y.shape[1]} column(s) but the network has {n_out} output(s)")
        return Y

    def targets_torch(self, y: np.ndarray, n_out: int, device):
        """:meth:`targets` as a float64 torch tensor on ``device`` (the GPU path, :mod:`memorizers.gpu`)."""
        import torch

        return torch.from_numpy(self.targets(y, n_out)).to(device)

    def score(self, F, Y, tol):
        """Per point (margin, correct) of outputs F against targets Y, both (N, n_out): float arrays of one
        dtype, or object arrays of Fractions."""
        raise NotImplementedError

    def score_torch(self, F, Y, tol):
        """:meth:`score` on float64 torch tensors, for the GPU path (:mod:`memorizers.gpu`); the tests hold the
        two equal, kind by kind."""
        raise NotImplementedError

    def certified(self, enc, Y: np.ndarray, tol: float) -> np.ndarray:
        """Per point: does every value within the enclosure ``enc`` meet the criterion for targets Y?
        Rigorous (:mod:`memorizers.certify`): True proves it for the exact outputs."""
        raise NotImplementedError

    def memorized(self, F, Y, tol: float) -> bool:
        """The training criterion on torch tensors F, Y (N, n_out): is every point memorized?"""
        raise NotImplementedError

    def loss(self, F, Y):
        """The training loss on torch tensors: the squared error (cross-entropy for one-hot labels)."""
        return ((F - Y) ** 2).mean()


class Real(Kind):
    name = "real"

    def score(self, F, Y, tol):
        err = np.abs(F - Y).max(axis=1)
        return tol - err, err <= tol

    def score_torch(self, F, Y, tol):
        err = (F - Y).abs().amax(dim=1)
        return tol - err, err <= tol

    def certified(self, enc, Y, tol):
        dh, dl = two_sum(enc.h, -Y)
        t = dl + enc.l
        dist = up(abs(dh + t) + U64 * abs(t) + enc.r, 4)
        return (dist <= tol).all(axis=1)

    def memorized(self, F, Y, tol):
        return bool((F - Y).abs().max() <= tol)


class Relative(Real):
    name = "relative"

    def memorized(self, F, Y, tol):
        return bool(((F - Y) ** 2).sum() <= tol * (Y**2).sum())


class _OneOutput(Kind):
    """A class kind with one output: labels ``values`` (low, high), the output compared with ``threshold``."""

    values: tuple[int, int] = (0, 1)
    threshold = 0.0
    classes = True

    def targets(self, y, n_out):
        Y = super().targets(y, n_out)
        if n_out != 1:
            raise InvalidDataError(f"kind {self.name!r} needs a network with one output; this one has {n_out}")
        if not np.isin(Y, self.values).all():
            raise InvalidDataError(f"kind {self.name!r} needs labels in {{{self.values[0]}, {self.values[1]}}}")
        return Y

    def certified(self, enc, Y, tol):
        above, below = sides(Enclosure(enc.h[:, 0], enc.l[:, 0], enc.r[:, 0]), self.threshold)
        return where(Y[:, 0] == self.values[1], above, below)

    def memorized(self, F, Y, tol):
        return bool(((F[:, 0] > self.threshold) == (Y[:, 0] == self.values[1])).all())


class Binary(_OneOutput):
    name = "binary"
    values = (0, 1)
    threshold = 0.5

    def score(self, F, Y, tol):
        half = Fraction(1, 2) if F.dtype == object else F.dtype.type(0.5)
        margin = (2 * Y[:, 0] - 1) * (F[:, 0] - half)
        return margin, margin > 0

    def score_torch(self, F, Y, tol):
        margin = (2 * Y[:, 0] - 1) * (F[:, 0] - 0.5)
        return margin, margin > 0


class Sign(_OneOutput):
    name = "sign"
    values = (-1, 1)
    threshold = 0.0

    def score(self, F, Y, tol):
        margin = Y[:, 0] * F[:, 0]
        return margin, margin > 0

    score_torch = score  # plain arithmetic: the same on torch tensors


class OneHot(Kind):
    name = "onehot"
    classes = True

    def targets(self, y, n_out):
        self._outputs_fit(n_out)
        if y.ndim == 1 or y.shape[1] == 1:
            ids = self.class_ids(y, n_out)
            Y = np.zeros((len(ids), n_out))
            Y[np.arange(len(ids)), ids] = 1.0
            return Y
        return self._rows(y, n_out)

    def targets_torch(self, y, n_out, device):
        """Class ids go to the device as they are and become one-hot rows there (at 1000 classes, making the
        rows on the CPU took most of the GPU path's time)."""
        import torch

        self._outputs_fit(n_out)
        if y.ndim == 2 and y.shape[1] > 1:
            return torch.from_numpy(self._rows(y, n_out)).to(device)
        ids = torch.from_numpy(self.class_ids(y, n_out)).to(device)
        Y = torch.zeros((len(ids), n_out), dtype=torch.float64, device=device)
        Y[torch.arange(len(ids), device=device), ids] = 1.0
        return Y

    @staticmethod
    def _outputs_fit(n_out):
        if n_out < 2:
            raise InvalidDataError(
                f"kind 'onehot' needs a network with one output per class (at least 2); this one has {n_out}: "
                "score it with kind 'real', 'binary' or 'sign'"
            )

    @staticmethod
    def _rows(y, n_out):
        """One-hot rows checked against the network's n_out outputs, as float64."""
        if y.shape[1] != n_out:
            raise InvalidDataError(f"one-hot labels have {y.shape[1]} columns but the network has {n_out} outputs")
        return check_one_hot(y).astype(np.float64)

    @staticmethod
    def class_ids(y, n_out):
        """Class ids (shape (N,) or (N, 1)) checked against the network's n_out outputs, as int64."""
        ids = np.asarray(y).reshape(-1)
        if not (np.array_equal(np.rint(ids), ids) and ids.min(initial=0) >= 0 and ids.max(initial=0) < n_out):
            raise InvalidDataError(f"class ids must be integers in [0, {n_out - 1}] for a network of {n_out} outputs")
        return ids.astype(np.int64)

    def score(self, F, Y, tol):
        cls = np.argmax(Y, axis=1)
        rows = np.arange(len(Y))
        true = F[rows, cls]
        other = F.copy()
        # below every other entry: -inf for floats (a NaN in one row leaves the others' margins alone), and
        # for Fractions one less than the least
        other[rows, cls] = F.min() - 1 if F.dtype == object else -np.inf
        margin = true - other.max(axis=1)
        return margin, margin > 0

    def score_torch(self, F, Y, tol):
        import torch

        rows, cls = torch.arange(len(Y), device=Y.device), Y.argmax(dim=1)
        other = F.clone()
        other[rows, cls] = -torch.inf
        margin = F[rows, cls] - other.amax(dim=1)
        return margin, margin > 0

    def certified(self, enc, Y, tol):
        h, l, r = enc.h, enc.l, enc.r
        rows = arange(len(Y), Y)
        cls = Y.argmax(axis=1)
        dh, dl = two_sum(h[rows, cls][:, None], -h)
        slack = up(abs(dl) + abs(l[rows, cls])[:, None] + abs(l) + r[rows, cls][:, None] + r, 6)
        ok = dh * (1 - 4 * U64) > slack
        ok[rows, cls] = True
        return ok.all(axis=1) & (h.shape[1] > 1)

    def memorized(self, F, Y, tol):
        return bool((F.argmax(dim=1) == Y.argmax(dim=1)).all())

    def loss(self, F, Y):
        import torch

        return torch.nn.functional.cross_entropy(F, Y.argmax(dim=1))


class Index(Kind):
    name = "index"
    classes = True

    def targets(self, y, n_out):
        if n_out != 1:
            raise InvalidDataError(f"kind 'index' needs a network with one output (the class id); this one has {n_out}")
        if y.ndim == 2 and y.shape[1] > 1:  # one-hot rows: their positions
            y = np.argmax(check_one_hot(y), axis=1)
        ids = y.reshape(-1)
        if not (np.array_equal(np.rint(ids), ids) and ids.min(initial=0) >= 0):
            raise InvalidDataError("kind 'index' needs class ids: integers >= 0")
        return ids.astype(np.float64)[:, None]

    def score(self, F, Y, tol):
        half = Fraction(1, 2) if F.dtype == object else F.dtype.type(0.5)
        margin = half - np.abs(F[:, 0] - Y[:, 0])
        return margin, margin > 0

    def score_torch(self, F, Y, tol):
        margin = 0.5 - (F[:, 0] - Y[:, 0]).abs()
        return margin, margin > 0

    def certified(self, enc, Y, tol):
        dh, dl = two_sum(enc.h[:, 0], -Y[:, 0])
        t = dl + enc.l[:, 0]
        return up(abs(dh + t) + U64 * abs(t) + enc.r[:, 0], 4) < 0.5

    def memorized(self, F, Y, tol):
        return bool((F - Y).abs().max() < 0.5)


KINDS: dict[str, Kind] = {k.name: k for k in (Real(), Binary(), Sign(), OneHot(), Index(), Relative())}


TOL_RULE = "1e-6 up to N = 10^5, then 1e-6 (N / 10^5)^1.5"  # default_tol in words, for help texts


def default_tol(n: int) -> float:
    """The tolerance of real labels when none is given: 1e-6 up to N = 10^5, then 1e-6 (N / 10^5)^1.5.

    The largest float64 error of Theorem 3.1's networks (Yun et al. 2019), the largest the library builds,
    grows like N^1.5: the sum of layer 2's large, cancelling products dominates it. The rule follows that
    growth with room to spare at every N (the tolerance table of docs/manual.md has the measurements); what
    float64 resolves, and so what can be claimed, grows with N, and reports print the tolerance they judged by.

    Parameters
    ----------
    n : int
        The number of points N.

    Returns
    -------
    float
        The tolerance (5.2e-6 at N = 3 10^5, 3.2e-5 at 10^6).
    """
    return 1e-6 * max(1.0, n / 1e5) ** 1.5


def kind(name: str) -> Kind:
    """The label kind called ``name``; InvalidDataError naming the known ones otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidDataError(f"unknown label kind {name!r}; known: {', '.join(KINDS)}") from None


def targets(y, n_out: int, name: str) -> np.ndarray:
    """Labels as an (N, n_out) float array, after checking that they fit the kind and the network.

    onehot: class ids (shape (N,) or (N, 1), integers in [0, n_out - 1]) or one-hot rows
    (N, n_out), for a network of at least 2 outputs; binary: {0, 1} and sign: {-1, +1}, one
    output; real and relative: n_out columns of finite reals. Anything else is an
    InvalidDataError saying what does not fit.
    """
    return kind(name).targets(_real_labels(y), n_out)


def targets_torch(y, n_out: int, name: str, device):
    """:func:`targets` as a float64 torch tensor on ``device``, made there where the kind can (class ids)."""
    return kind(name).targets_torch(_real_labels(y), n_out, device)


def _real_labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise InvalidDataError(f"labels must be real numbers; got dtype {y.dtype}")
    if y.ndim == 0 or y.ndim > 2:
        raise InvalidDataError(f"labels must have shape (N,) or (N, dy); got {y.shape}")
    if not np.isfinite(y).all():
        raise InvalidDataError("labels hold NaN or inf")
    lost = rows_float64_cannot_hold(y)
    if lost.any():
        i = int(np.flatnonzero(lost)[0])
        raise InvalidDataError(
            f"label {y.reshape(len(y), -1)[i].tolist()} of point {i} has no float64 value: labels are compared in "
            "float64, so give labels that float64 holds exactly (integers up to 2^53)"
        )
    return y


def rows_float64_cannot_hold(a: np.ndarray) -> np.ndarray:
    """Per row of a real array (N, ...): does a value in it change when converted to float64? Only 64-bit
    integers beyond 2^53 and long doubles can; the check casts nothing that could round back."""
    a = np.asarray(a)
    rows = np.zeros(len(a) if a.ndim else 1, dtype=bool)
    if a.size == 0 or not (
        a.dtype.kind == "f" and a.dtype.itemsize > 8 or a.dtype.kind in "iu" and a.dtype.itemsize == 8
    ):
        return rows
    wide = a.astype(np.float64)
    if a.dtype.kind == "f":
        same = wide.astype(a.dtype) == a
    else:
        info = np.iinfo(a.dtype)
        fits = (wide >= float(info.min)) & (wide < (-float(info.min) if info.min else 2.0 * (info.max // 2 + 1)))
        same = fits & (np.where(fits, wide, 0).astype(a.dtype) == a)
    return ~same.reshape(len(rows), -1).all(axis=1)


def score(F, Y, name: str, tol: float):
    """Per-point (error, margin, correct) of outputs F against targets Y, both (N, dy).

    Works on float arrays and on object arrays of Fractions alike. Float outputs are scored in
    at least float64 (float32 outputs are widened exactly), so the labels are never rounded.
    """
    k = kind(name)
    if F.dtype != object:
        wide = np.promote_types(F.dtype, np.float64)
        F, Y = F.astype(wide, copy=False), np.asarray(Y).astype(wide, copy=False)
    err = np.abs(F - Y).max(axis=1)
    margin, correct = k.score(F, Y, tol)
    if F.dtype != object:  # a NaN output is wrong whatever the comparison says
        correct = correct & np.isfinite(F).all(axis=1)
    return err, margin, np.asarray(correct, dtype=bool)


def score_torch(F, Y, name: str, tol: float):
    """:func:`score` on float64 torch tensors on any device: per-point (error, margin, correct) tensors."""
    margin, correct = kind(name).score_torch(F, Y, tol)
    return (F - Y).abs().amax(dim=1), margin, correct & F.isfinite().all(dim=1)


def certified(enc, Y: np.ndarray, name: str, tol: float) -> np.ndarray:
    """Per point: does every value within the enclosure meet the criterion of the kind for targets Y?

    Rigorous: the differences are formed by TwoSum and every comparison leaves an outward
    margin for its own rounding, so True proves the criterion for the exact outputs.

    Parameters
    ----------
    enc : Enclosure
        The outputs' enclosure.
    Y : numpy.ndarray
        The targets (``memorizers.kinds.targets``).
    name : str
        The label kind.
    tol : float
        The criterion's tolerance.

    Returns
    -------
    numpy.ndarray of bool
        Per point, proved.
    """
    return kind(name).certified(enc, Y if is_torch(Y) else np.asarray(Y, dtype=np.float64), tol)
