"""The one verification path: does a network reproduce its dataset, and by what margin?

``verify`` evaluates the network in the dtype asked for (streaming the data in
chunks, so memory stays bounded) and, on request, exactly in rational arithmetic
(:mod:`memorizers.exact`). Labels are scored by their kind:

========  =========================================  ===============================
kind      labels                                     point i is right when
========  =========================================  ===============================
real      any reals                                  max_o |f_o(x_i) - y_io| <= tol
binary    {0, 1}, one output                         (f(x_i) > 1/2) == y_i
sign      {-1, +1}, one output                       y_i f(x_i) > 0
onehot    one-hot rows, or integer class ids          argmax f(x_i) is the class
index     integer class ids (or one-hot rows)         |f(x_i) - y_i| < 1/2 (one output)
relative  any reals (approximate memorization)       |f(x_i) - y_i|^2 <= tol ||y||^2 / N
========  =========================================  ===============================

Every kind but ``relative`` passes when every point is right. ``relative`` is the aggregate
criterion of Bubeck et al.'s Lemma 1 and Theorems 1-2, ||f - y||^2 <= tol ||y||^2 (sums over
points and outputs), for networks that approximate their labels; its per-point accuracy
counts the points within their share of that budget.

The margin of point i is how far it is from being wrong: tol - error (real; the share of the
budget's square root for relative),
(2y-1)(f - 1/2) (binary), y f (sign), f_class - max_other f (onehot), 1/2 - |f - y| (index).
``max_abs_error`` is always reported against the labels as numbers (one-hot rows for
class ids).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from . import backends, kinds, labels
from .certify import FORMATS, certify_points
from .certify.formats import named
from .data import as_array, check_finite
from .errors import InvalidDataError
from .kinds import not_one_hot, score
from .network import Network, current_meta

DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64, "longdouble": np.longdouble}
EXACT_LIMIT = 10**6  # N * parameters above which exact checks refuse to run by default


@dataclass
class ExactCheck:
    """Result of evaluating the stored network exactly (no rounding in the forward pass).

    Parameters
    ----------
    max_abs_error : float
        The largest |f(x_i) - y_i| of the exact outputs.
    accuracy, min_margin : float
        The fraction of points the exact network gets right, and the smallest margin.
    passed : bool
        Every point right.
    errors, margins : numpy.ndarray, optional
        Per point.
    correct : numpy.ndarray of bool, optional
        Per point, right.
    """

    max_abs_error: float
    accuracy: float
    min_margin: float
    passed: bool
    errors: np.ndarray | None = field(default=None, repr=False)  # per point, rounded to float64 (inf beyond it)
    margins: np.ndarray | None = field(default=None, repr=False)
    correct: np.ndarray | None = field(default=None, repr=False)


@dataclass
class FloatEvaluation:
    """How the float evaluation of a network with exact parameters did: shown, not the verdict.

    Parameters
    ----------
    dtype : str
        The evaluation's type.
    accuracy, max_abs_error, min_margin : float
        The fraction of points it got right, its largest |f(x_i) - y_i| and its smallest margin.
    certified : float or None
        The certified share, where the certificate ran.
    max_error_bound : float or None
        The largest enclosure radius.
    """

    dtype: str
    accuracy: float
    max_abs_error: float
    min_margin: float
    certified: float | None
    max_error_bound: float | None


@dataclass
class MemorizationReport:
    """What a network does on a dataset. Arrays are per point; ``to_dict`` leaves them out.

    Parameters
    ----------
    dtype : str
        The floating-point type of the scored evaluation ("float64", "float32", "longdouble", ...).
    kind : str
        The label kind scored (:mod:`memorizers.kinds`).
    tol : float
        Real labels: the largest |f(x_i) - y_i| accepted; other kinds: the margin's tolerance.
    n_points : int
        The points verified.
    max_abs_error, mean_abs_error : float
        The largest and mean |f(x_i) - y_i| against the labels as numbers.
    accuracy : float
        The fraction of points whose evaluation in ``dtype`` gives their label.
    min_margin : float
        The smallest margin by which a point's evaluation gives its label (negative: wrong).
    passed : bool
        Every point right (the verdict; with exact parameters, the exact evaluation's).
    relative_error : float
        ||f - y||^2 / ||y||^2, the criterion of the approximate methods (Bubeck et al., Lemma 1).
    errors, margins : numpy.ndarray
        Per point: |f(x_i) - y_i| and the margin.
    certified : float, optional
        The fraction of points proved right for the exact network and right in ``dtype`` (None: no certificate).
    max_error_bound : float, optional
        The largest radius of the enclosure of an exact output.
    bits_sufficient : int, optional
        Significand bits that provably suffice for every point in any order of summation (None: not searched,
        or no t <= 1000 found; ``bits_searched`` tells which).
    certified_points, proved_points : numpy.ndarray, optional
        Per point: certified (proved and right in ``dtype``), and proved for the exact network.
    bounds, certificate_margins : numpy.ndarray, optional
        Per point: the largest enclosure radius, and the margin of the enclosure.
    exact : ExactCheck, optional
        The exact rational evaluation of a sample or of every point, where it ran.
    judged_exactly : bool
        The verdict is the exact evaluation's (a network whose parameters need exact arithmetic).
    float_evaluation : FloatEvaluation, optional
        Then: what the evaluation in ``dtype`` gave, shown but not the verdict.
    bits_searched : bool
        Whether ``bits_sufficient`` was searched for.
    device : str
        Where the scored evaluation ran: "numpy" or a torch device (:mod:`memorizers.backends`).
    certified_on : str, optional
        Where the certificate's enclosures ran (None: no certificate).
    any_order : dict, optional
        Per format (:data:`memorizers.certify.formats.FORMATS`): the fraction of points right in every
        evaluation in it, in any order of summation.
    any_order_shortfall : dict, optional
        Per format short of 100%: the factor by which its rounding bound would have to shrink.
    """

    dtype: str
    kind: str
    tol: float
    n_points: int
    max_abs_error: float
    mean_abs_error: float
    accuracy: float
    min_margin: float
    passed: bool
    relative_error: float
    errors: np.ndarray = field(repr=False)
    margins: np.ndarray = field(repr=False)
    certified: float | None = None
    max_error_bound: float | None = None
    bits_sufficient: int | None = None
    certified_points: np.ndarray | None = field(default=None, repr=False)
    proved_points: np.ndarray | None = field(default=None, repr=False)
    bounds: np.ndarray | None = field(default=None, repr=False)
    certificate_margins: np.ndarray | None = field(default=None, repr=False)
    exact: ExactCheck | None = None
    judged_exactly: bool = False
    float_evaluation: FloatEvaluation | None = None
    bits_searched: bool = field(default=False, repr=False)
    device: str = "numpy"
    certified_on: str | None = None
    any_order: dict | None = None
    any_order_shortfall: dict | None = None

    @property
    def bits_needed(self) -> int | None:
        """Deprecated name of ``bits_sufficient``, a precision that suffices in any order, not a need."""
        import warnings

        warnings.warn("bits_needed is now bits_sufficient", DeprecationWarning, stacklevel=2)
        return self.bits_sufficient

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in (
            "errors",
            "margins",
            "certified_points",
            "proved_points",
            "bounds",
            "certificate_margins",
            "bits_searched",
        ):
            d.pop(key)
        if self.exact is None:
            d.pop("exact")
        else:
            for key in ("errors", "margins", "correct"):
                d["exact"].pop(key)
        if self.float_evaluation is None:
            d.pop("float_evaluation")
        return d

    def uncertified_summary(self) -> str:
        """How many points are not certified, and for the worst one its bound against its margin.

        Returns
        -------
        str
            One sentence ("every point certified" when every point is).
        """
        bad = np.count_nonzero(~self.certified_points)
        if not bad:
            return "every point certified"
        if self.judged_exactly:
            return f"{bad} point(s) wrong in exact arithmetic"
        wrong = np.count_nonzero(self.proved_points & ~self.certified_points)
        unproved = np.flatnonzero(~self.proved_points)
        s = f"{bad} point(s) not certified: {wrong} proved for the exact network but wrong in {self.dtype}"
        if len(unproved):
            with np.errstate(all="ignore"):
                ratio = self.bounds[unproved] / np.maximum(self.certificate_margins[unproved], 0)
            worst = unproved[np.argmax(np.where(np.isnan(ratio), np.inf, ratio))]
            s += (
                f", {len(unproved)} not proved (worst: point {worst}, enclosure radius {self.bounds[worst]:.2e} "
                f"against margin {self.certificate_margins[worst]:.2e})"
            )
        return s

    def summary(self) -> str:
        where = "" if self.device == backends.NUMPY else f" on {self.device}"
        judged = f" (tol {self.tol:.3g})" if self.kind == "real" else ""
        arithmetic = "exact arithmetic" if self.judged_exactly else f"{self.dtype}{where}"
        s = (
            f"{self.n_points} points, {self.kind} labels, {arithmetic}: accuracy {self.accuracy:.4%}, "
            f"max |f - y| = {self.max_abs_error:.3e}{judged}, min margin {self.min_margin:.3e}"
        )
        if self.kind == "relative":
            s += f", ||f - y||^2 / ||y||^2 = {self.relative_error:.3e} (target {self.tol:g})"
        if self.certified is not None:
            proof = "exact arithmetic" if self.judged_exactly else f"enclosure radius <= {self.max_error_bound:.2e}"
            s += f"; certified {self.certified:.2%} ({proof})"
            if self.certified < 1:
                s += "; " + self.uncertified_summary()
        if self.any_order:
            short = self.any_order_shortfall or {}
            s += "; certified in any order: " + ", ".join(
                f"{k} {v:.2%}" + (f" (its bound must shrink {short[k]:.3g}x for the rest)" if k in short else "")
                for k, v in self.any_order.items()
            )
        if self.bits_sufficient is not None:
            s += f"; any summation order from {self.bits_sufficient} bits (bits_sufficient)"
        elif self.bits_searched:
            s += "; bits_sufficient: no precision up to 1000 bits certifies every point in any summation order"
        f = self.float_evaluation
        if f is not None:
            s += (
                f"; the verdict is exact arithmetic's, which its parameters need: {f.dtype}{where} gives accuracy "
                f"{f.accuracy:.4%}, max |f - y| = {f.max_abs_error:.3e}"
                + ("" if f.certified is None else f", certified {f.certified:.2%}")
            )
        elif self.exact is not None:
            s += f"; exact: max |f - y| = {self.exact.max_abs_error:.3e} ({'pass' if self.exact.passed else 'FAIL'})"
        return s


def recorded_kind_and_tol(network: Network) -> tuple[str | None, float | None]:
    """The label kind and tolerance a network was built for: ``meta["kind"]`` and ``meta["tol"]``, which
    build() records; for other networks, those of the method that built it (:func:`memorizers.network.current_meta`)."""
    meta = current_meta(network.meta)
    return meta.get("kind"), meta.get("tol")


def infer_kind(y: np.ndarray, n_out: int) -> str:
    """Guess the label kind from the labels and the network's output width (see module doc)."""
    y = np.asarray(y)
    if n_out > 1 and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return "onehot"  # integer class ids
    Y = y.reshape(len(y), -1)
    if Y.shape[1] > 1:
        return "real" if not_one_hot(Y).any() else "onehot"
    if np.isin(Y, (0, 1)).all():
        return "binary"
    if np.isin(Y, (-1, 1)).all():
        return "sign"
    return "real"


def verify(
    network: Network,
    X,
    y,
    *,
    dtype="float64",
    tol: float | None = None,
    kind: str | None = None,
    exact: bool | None = None,
    certify: bool = True,
    bits: bool | None = None,
    exact_limit: int | None = EXACT_LIMIT,
    chunk_rows: int | None = None,
    progress: bool = False,
    device: str = "auto",
    any_order=None,
) -> MemorizationReport:
    """Verify that ``network`` reproduces (X, y), and certify it.

    Parameters
    ----------
    network : Network
        The network: built, trained, or read from a model (``memorizers.readers``).
    X : array_like, shape (N, network.n_in)
        Real points (for a network read from a model whose input is float32 or float16, ``meta["input_dtype"]``,
        rounded to it, as the model reads them).
    y : array_like or Labels
        Labels: as the network was built for (class labels through its recorded ``meta["classes"]``), or
        a :class:`memorizers.labels.Labels` value encoded already (what :func:`memorizers.build` passes).
    dtype : {"float64", "float32", "longdouble"} or numpy type
        The precision of the evaluation scored.
    tol : float, optional
        Real labels: the largest |f(x_i) - y_i| accepted; relative: the eps of Lemma 1 (Bubeck et al.
        2020). Default: the network's recorded ``meta["tol"]`` if its kind is the one scored, else
        :func:`memorizers.kinds.default_tol` of N.
    kind : str, optional
        The label kind (:mod:`memorizers.kinds`); default: the one the network was built for
        (``meta["kind"]``), else inferred from the labels. Labels that do not fit the kind or the
        network's outputs raise InvalidDataError.
    exact : bool, optional
        Also evaluate the stored network exactly in rational arithmetic (:mod:`memorizers.exact`),
        refused when N * parameters exceeds ``exact_limit`` unless that is None. Default: only for a
        network with exact parameters (``network.exact``), which is then judged by its exact evaluation
        (``passed``, ``judged_exactly``) with no limit, its float evaluation reported as it is.
    certify : bool
        Also enclose the exact network's outputs rigorously (:mod:`memorizers.certify`) and flag the
        points whose label it provably reproduces *and* that the evaluation in ``dtype`` gets right,
        so certified <= accuracy.
    bits : bool, optional
        Also find bits_sufficient, the significand precision with which the network provably memorizes
        every point (default: ``certify``).
    exact_limit : int, optional
        The largest N * parameters an exact check runs on unasked (default 10^6); None: no limit.
    chunk_rows : int, optional
        Rows per streamed chunk of the forward pass (default: ``Network.chunk_rows()``, 32 times more on a GPU).
    progress : bool
        Progress bars (on a terminal only).
    device : str
        Where the forward pass runs (:mod:`memorizers.backends`): "auto" (a CUDA GPU through PyTorch when there is
        one, else NumPy), "numpy", or a torch device name ("cuda", "cuda:1", "cpu"). The certificate runs there
        too (with the bits search) where :func:`memorizers.backends.certifiable` says it can, else in NumPy;
        ``report.device`` says where the scored evaluation ran, ``report.certified_on`` where the certificate did.
    any_order : str or sequence of str, optional
        Formats of ``memorizers.certify.FORMATS`` ("float64", "float32", "bfloat16", "float16", "tf32", or "all")
        in which to certify the points for every evaluation, in any order of summation, with or without fused
        multiply-add and flush-to-zero (:mod:`memorizers.certify.formats`; "tf32": float32 whose matrix products
        read 11-bit inputs, as GPUs run it when allowed); ``report.any_order`` gives the
        fraction per format. Default: the format of ``dtype`` below float64 (only with ``certify``); each format
        costs about as much as the bits search, which it shares its record with.

    Returns
    -------
    MemorizationReport
        Per point errors and margins; accuracy, certified share, enclosure radii, bits_sufficient.
    """
    try:
        dt = np.dtype(DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.dtype(t) for t in DTYPES.values()):
        raise InvalidDataError(
            f"unsupported dtype {dtype!r}; use one of {', '.join(DTYPES)} (every format, bfloat16 too, is certified "
            "in any order with any_order)"
        )
    formats = _formats(any_order, dt.name) if certify else ()
    given = y if isinstance(y, labels.Labels) else None  # labels encoded already (build's), else as the user has them
    X = as_array(X, "data is not an array")
    y = given.values if given is not None else as_array(y, "data is not an array")
    if X.ndim != 2 or X.shape[1] != network.n_in:
        raise InvalidDataError(f"X must have shape (N, {network.n_in}) for this network; got {X.shape}")
    if X.dtype.kind not in "biuf":
        raise InvalidDataError(f"X must hold real numbers; got dtype {X.dtype}")
    check_finite(X, "X")
    if len(X) == 0:
        raise InvalidDataError("no points to verify")
    X = network.as_read(X)  # a model that reads float32 (memorizers.readers) sees X rounded to it
    if y.ndim == 0:
        raise InvalidDataError("y must hold one label per point; got a scalar")
    if len(y) != len(X):
        raise InvalidDataError(f"X has {len(X)} points but y has {len(y)} labels")
    built_kind, built_tol = recorded_kind_and_tol(network)
    if kind is None:  # the kind of labels encoded already, else what it was built for, else a guess
        kind = given.kind if given is not None else built_kind or infer_kind(y, network.n_out)
    if tol is None:  # the tolerance it was built for (eps for relative), else the default for N points
        tol = float(built_tol) if built_tol is not None and kind == built_kind else kinds.default_tol(len(X))
    kinds.kind(kind)  # an unknown kind: InvalidDataError naming the known ones
    given = labels.for_network(network, y if given is None else given, kind)  # class labels as the network encodes them
    y = given.values
    given.targets(network.n_out, slice(0, 1))  # the shape and the kind fit the network, before any work
    bits = certify if bits is None else bits
    score_kind, score_tol = kind, tol
    if kind == "relative":  # the aggregate budget tol ||y||^2, shared equally for the per-point scores
        score_kind, score_tol = "real", float(np.sqrt(tol * np.sum(given.targets(network.n_out) ** 2) / len(X)))

    _, scored, where = backends.select(device, network, dt)
    rows = chunk_rows or network.chunk_rows(backends.chunk_activations(where))
    errs, margins, correct = [], [], []
    residual2, labels2 = [], []  # per point, summed once at the end, not chunk by chunk
    label = dt.name if where == backends.NUMPY else f"{dt.name}, {where}"
    for s in _progress(range(0, len(X), rows), progress, f"verify ({label})"):
        with np.errstate(all="ignore"):
            e, m, c, r2, l2 = scored(X[s : s + rows], y[s : s + rows], kind, score_kind, score_tol)
        residual2.append(r2)
        labels2.append(l2)
        errs.append(e.astype(np.float64))
        margins.append(m.astype(np.float64))
        correct.append(c)
    err, margin, ok = np.concatenate(errs), np.concatenate(margins), np.concatenate(correct)
    residual2, labels2 = float(np.sum(np.concatenate(residual2))), float(np.sum(np.concatenate(labels2)))

    dtype_top = {  # the evaluation in dtype: the report's top level unless exact arithmetic judges the network
        "max_abs_error": float(err.max()),
        "mean_abs_error": float(err.mean()),
        "accuracy": float(ok.mean()),
        "min_margin": float(margin.min()),
        "passed": bool(residual2 <= tol * labels2) if kind == "relative" else bool(ok.all()),
        "errors": err,
        "margins": margin,
    }
    cert = None
    if certify:
        # exact parameters that the dtype gets wrong somewhere: only the points it gets right are enclosed (the
        # others cannot be certified; the exact evaluation below judges the network), and no bits search
        only = np.flatnonzero(ok) if network.exact and not ok.all() else None
        bars = (lambda it, total, desc: _progress(it, progress, desc, total)) if progress else None
        cert = certify_points(
            network,
            X,
            y,
            kind,
            score_kind,
            score_tol,
            bits=bits and only is None,
            device=where,
            only=only,
            formats=formats,
            progress=bars,
        )
    check = None
    if exact or (exact is None and network.exact):
        limit = None if network.exact else exact_limit  # the one evaluation that counts: no limit
        check = exact_check(
            network, X, given.targets(network.n_out), kind=kind, tol=tol, limit=limit, progress=progress
        )
    fields = {**dtype_top, **_certificate_fields(cert, ok, score_kind)}
    judged = network.exact and check is not None
    if judged:
        fields = _exact_fields(check, fields, dt.name, cert is not None)
    return MemorizationReport(
        dtype=dt.name,
        kind=kind,
        tol=float(tol),
        n_points=len(X),
        relative_error=residual2 / labels2 if labels2 > 0 else (0.0 if residual2 == 0 else float("inf")),
        device=where,
        exact=check,
        judged_exactly=judged,
        **fields,
    )


def _shortfall(cert, kind: str) -> dict:
    """Per format short of 100%: over the points proved for the exact network but not in the format, the largest
    factor by which the format's enclosure radius must shrink to fit in the point's margin (twice the radius for
    onehot, whose margin is a difference of two outputs); inf where the format overflows or the margin is 0."""
    out = {}
    for f, ok in cert.any_order.items():
        rest = cert.proved & ~ok
        if not rest.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (2 if kind == "onehot" else 1) * cert.any_order_radius[f][rest] / cert.margin[rest]
        out[f] = float(np.max(np.where(np.isnan(ratio) | (ratio < 0), np.inf, ratio)))
    return out


def _certificate_fields(cert, ok: np.ndarray, kind: str) -> dict:
    """The report's certificate fields: a point is certified when the certificate proves it for the exact network
    and the evaluation scored gets it right."""
    if cert is None:
        return {}
    return {
        "certified_points": cert.proved & ok,
        "proved_points": cert.proved,
        "bounds": cert.radius,
        "certificate_margins": cert.margin,
        "certified": float(np.mean(cert.proved & ok)),
        "max_error_bound": float(np.max(np.where(np.isnan(cert.radius), np.inf, cert.radius))),
        "bits_sufficient": cert.bits,
        "bits_searched": cert.searched,
        "certified_on": cert.device,
        "any_order": {f: float(np.mean(p)) for f, p in cert.any_order.items()} or None,
        "any_order_shortfall": _shortfall(cert, kind) or None,
    }


def _formats(any_order, dtype: str) -> tuple:
    """The formats named by verify's ``any_order`` (default: the dtype's, if it is one below float64)."""
    if any_order is None:  # float64: bits_sufficient says as much but the exponent range, and the record costs
        return (dtype,) if dtype in FORMATS and dtype != "float64" else ()
    return named(any_order)


def _exact_fields(e: ExactCheck, fields: dict, dtype: str, certified: bool) -> dict:
    """The top level of a network with exact parameters: the exact evaluation's (it judges the network, and it
    proves each point it finds right, with no radius), the evaluation in dtype kept as ``float_evaluation``."""
    top = {
        "float_evaluation": FloatEvaluation(
            dtype,
            fields["accuracy"],
            fields["max_abs_error"],
            fields["min_margin"],
            fields.get("certified"),
            fields.get("max_error_bound"),
        ),
        "passed": e.passed,
        "accuracy": e.accuracy,
        "max_abs_error": e.max_abs_error,
        "min_margin": e.min_margin,
        "errors": e.errors,
        "margins": e.margins,
        "mean_abs_error": float(np.mean(e.errors)),
    }
    if certified:
        top.update(
            certified_points=e.correct,
            proved_points=e.correct,
            certified=float(np.mean(e.correct)),
            max_error_bound=0.0,
            bounds=np.zeros(len(e.correct)),
            certificate_margins=e.margins,
            certified_on="exact",
        )
    return {**fields, **top}


def _progress(it, show: bool, desc: str, total: int | None = None):
    total = len(it) if total is None else total
    if show and total > 1:
        from tqdm.auto import tqdm

        return tqdm(it, desc=desc, unit="chunk", total=total, disable=None)
    return it


def exact_check(
    network: Network, X, Y, *, kind: str, tol: float, limit: int | None = EXACT_LIMIT, progress: bool = False
) -> ExactCheck:
    """Evaluate the stored network exactly on X and score it against targets Y (N, n_out); ``progress``: in 50
    slices of rows with a progress bar (on a terminal), the same exact values."""
    from .exact import exact_forward, rounded

    cost = len(X) * network.stats()["parameters"]
    if limit is not None and cost > limit:
        raise InvalidDataError(
            f"exact check of {len(X)} points x {cost // len(X)} parameters = {cost:.2e} exceeds the limit {limit:.0e}; "
            "verify fewer points or raise the limit (verify --exact-limit N; exact_limit=None for none)"
        )
    step = -(-len(X) // 50) if progress else len(X)
    rows = _progress(range(0, len(X), step), progress, "exact check")
    F = np.concatenate([exact_forward(network, X[s : s + step]) for s in rows])
    Yq = np.vectorize(Fraction, otypes=[object])(Y)
    if kind == "relative":
        residual2, labels2 = sum(((F - Yq) ** 2).ravel(), Fraction(0)), sum((Yq**2).ravel(), Fraction(0))
        # the per-point share of the budget, as in verify (its square root rounded: scores only, not the verdict)
        err, margin, ok = score(F, Yq, "real", Fraction(float(np.sqrt(float(Fraction(tol) * labels2 / len(X))))))
        passed = residual2 <= Fraction(tol) * labels2
    else:
        err, margin, ok = score(F, Yq, kind, Fraction(tol))
        passed = bool(np.all(ok))
    errors, margins = rounded(np.asarray(err, dtype=object)), rounded(np.asarray(margin, dtype=object))  # +-inf beyond
    return ExactCheck(
        max_abs_error=float(errors.max()),
        accuracy=float(np.mean(ok)),
        min_margin=float(margins.min()),
        passed=bool(passed),
        errors=errors,
        margins=margins,
        correct=np.asarray(ok, dtype=bool),
    )
