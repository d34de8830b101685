"""build(): construct with a registered method, verify, and never hand back a silent failure."""

from __future__ import annotations

import inspect
import math
import sys
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from . import backends, labels
from .constructions import METHODS
from .data import as_array, available_memory, check_finite, find_duplicates
from .errors import DuplicatePointsError, InvalidDataError, MemorizersError, VerificationError
from .kinds import default_tol
from .network import Dense, Network
from .verify import MemorizationReport, verify


@dataclass
class Built:
    """A constructed network, its float64 verification report and the construction's record (``info``),
    with what built it: the method's name and the paper's statement.

    Every record shares ``bound`` (the theorem's figure) and ``used`` (the same quantity in the network
    built), named by :attr:`quantity`; the rest of ``info`` is method-specific.

    Parameters
    ----------
    network : Network
        The network built.
    report : MemorizationReport
        Its verification on the data it was built for (float64, certified unless ``build(certify=False)``).
    info : dict
        The construction's record: its choices and diagnostics, with ``bound`` and ``used``.
    method : str
        The registered name of the construction (:data:`memorizers.constructions.METHODS`).
    statement : str
        The paper's statement it follows, e.g. "Yun, Sra & Jadbabaie (2019), Theorem 3.1".
    """

    network: Network
    report: MemorizationReport
    info: dict
    method: str = ""
    statement: str = ""

    @property
    def widths(self) -> list[int]:
        """The network's hidden widths."""
        return self.network.hidden_widths

    @property
    def seed(self):
        return self.network.meta.get("seed")

    @property
    def quantity(self) -> str:
        """What ``bound`` and ``used`` count (e.g. "hidden neurons")."""
        return METHODS[self.method].quantity

    @property
    def bound(self):
        """The theorem's figure for this data (see :attr:`quantity`)."""
        return self.info["bound"]

    @property
    def used(self):
        """The same quantity in the network built."""
        return self.info["used"]


@dataclass(frozen=True)
class Plan:
    """What ``build`` would make of the data, known before any work: the theorem's hidden widths, the
    network's parameters and their memory (None where they are decided while building), and the estimated time
    of one float64 forward pass (N x parameters multiply-adds at this machine's measured matrix-product rate).

    Parameters
    ----------
    method : str
        The construction.
    n_points : int
        The distinct points it would be built for (repeated rows are built once).
    n_in, n_out : int
        Input dimension and output units.
    widths : list of int or None
        Hidden widths (None for the boosting methods, whose size is decided while building).
    parameters, parameter_bytes : int or None
        The network's weights and biases, and their float64 memory (None where decided while building).
    construction_bytes : int or None
        The construction's own working memory, where the registry knows that it dominates.
    available_bytes : int
        The memory available on this machine.
    forward_seconds : float or None
        Estimated time of one float64 forward pass over the data.
    widths_given : bool
        Whether the widths were given as an option rather than taken from the theorem's formula.
    decided : str
        Where the size is decided while building, what decides it (e.g. the boosting rounds it takes).
    """

    method: str
    n_points: int
    n_in: int
    n_out: int
    widths: list[int] | None
    parameters: int | None
    parameter_bytes: int | None
    construction_bytes: int | None  # the construction's own work, where the registry knows it dominates
    available_bytes: int
    forward_seconds: float | None
    widths_given: bool = False  # the widths option, not the theorem's formula
    decided: str = ""  # what decides the size while building, where the widths are (Method.decided)

    def summary(self) -> str:
        if self.widths is None:
            return (
                f"{self.method} on {self.n_points} points of dimension {self.n_in}: its size is decided while "
                f"building ({self.decided})"
            )
        w, source = self.widths, "as given" if self.widths_given else "the theorem's formula"
        shown = str(w) if len(w) <= 12 else f"{len(w)} layers of {min(w)} to {max(w)} units"
        s = f"{self.method} on {self.n_points} points of dimension {self.n_in}: hidden widths {shown}"
        if self.parameters is None:
            return s + f" ({source}); its parameters and memory are counted after building"
        need = self.parameter_bytes + (self.construction_bytes or 0)
        work = "" if not self.construction_bytes else f", its construction {self.construction_bytes / 2**30:.1f} GiB"
        fits = need <= 0.8 * self.available_bytes
        return (
            f"{s} ({source}), {self.parameters:,} parameters ({self.parameter_bytes / 2**20:.1f} "
            f"MiB as float64{work}; {self.available_bytes / 2**30:.1f} GiB available"
            f"{'' if fits else ': does not fit, build refuses it'}); one float64 forward pass about "
            f"{self.forward_seconds:.2g} s here, and the construction, verification and certificate take several"
        )


def plan(method: str, X, y, *, kind: str | None = None, **options) -> Plan:
    """What ``build`` would make, without building: the data and labels checked as build checks them, the
    widths from the theorem's formula (the registry's), the parameters from the method's layout.

    Parameters
    ----------
    method : str
        A registered construction (:data:`memorizers.constructions.METHODS`).
    X : array_like, shape (N, dx)
        The points.
    y : array_like, shape (N,) or (N, dy)
        Their labels, as :func:`memorizers.build` takes them.
    kind : str, optional
        The label kind (default: the method's).
    **options
        The construction's options, as ``build`` would pass them (``widths`` among them).

    Returns
    -------
    Plan
        Widths, parameters, memory and the estimated forward time; ``Plan.summary()`` says it in a sentence.

    Raises
    ------
    MemorizersError
        An unknown method or option; the data or labels errors that ``build`` raises.
    """
    try:
        m = METHODS[method]
    except KeyError:
        raise MemorizersError(f"unknown method {method!r}; known: {', '.join(METHODS)}") from None
    _check_options(method, options)
    X = as_array(X, "data is not a numeric array", np.float64)
    if X.ndim != 2:
        raise InvalidDataError(f"X must have shape (N, dx); got {X.shape}")
    check_finite(X, "X")
    given = labels.labelled(y, kind or m.kind, n_classes=options.get("n_classes"))
    values = np.asarray(given.values)
    if given.kind in ("onehot",) and given.classes is not None:
        n_out = len(given.classes)
    elif given.kind in ("index", "binary", "sign") or values.ndim == 1:
        n_out = 1
    else:
        n_out = values.shape[1]
    keep = _distinct(find_duplicates(X), len(X)) if len(X) else np.arange(0)
    repeats = len(X) - len(keep)
    X, values = X[keep], values[keep]  # build makes the network for the distinct points (_construct)
    widths = parameters = None
    given_widths = options.get("widths")
    formula = list(np.ravel(given_widths)) if given_widths is not None else m.widths(X, values, {**options})
    if None not in formula:  # None: decided while building (the boosting methods' rounds)
        widths = [int(w) for w in formula]
        parameters = None if m.parameters is None else int(m.parameters(X.shape[1], widths, n_out))
    return Plan(
        method,
        len(X) + repeats,
        X.shape[1],
        n_out,
        widths,
        parameters,
        None if parameters is None else 8 * parameters,
        None if m.memory is None else int(m.memory(X, values, options)),
        int(available_memory()),
        None if parameters is None else 2.0 * len(X) * parameters / _matmul_rate(),
        given_widths is not None,
        m.decided,
    )


def _matmul_rate() -> float:
    """This machine's float64 matrix-product rate in operations per second (a 512 x 1024 x 1024 product)."""
    import time

    a, b = np.ones((512, 1024)), np.ones((1024, 1024))
    a @ b  # the first call pays BLAS's start-up
    start = time.perf_counter()
    a @ b
    return 2.0 * 512 * 1024 * 1024 / max(time.perf_counter() - start, 1e-9)


def _check_options(method: str, options: dict):
    """The construction's parameters, after refusing unknown and missing options, non-boolean values of yes/no
    options and bad seeds, in one line each (build and plan alike)."""
    accepted = inspect.signature(METHODS[method].construct).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise MemorizersError(
            f"method {method!r} takes no option {', '.join(unknown)} (its options: {', '.join(option_names(method))})"
        )
    required = [k for k, p in accepted.items() if k not in ("X", "y") and p.default is p.empty and k not in options]
    if required:
        raise MemorizersError(
            f"method {method!r} needs option {', '.join(required)} (e.g. --widths 64,64,64 on the command line)"
        )
    for key, value in options.items():  # a yes/no option takes only yes or no (a string like "maybe" is truthy)
        if isinstance(accepted[key].default, bool) and not isinstance(value, (bool, np.bool_)):
            raise InvalidDataError(f"option {key} of {method} is true or false; got {value!r}")
    seed = options.get("seed")
    if (
        seed is not None
        and not (isinstance(seed, (int, np.integer)) and seed >= 0)
        and not isinstance(seed, np.random.Generator)
    ):
        raise InvalidDataError(f"seed must be a non-negative integer; got {seed!r}")
    return accepted


def option_names(method: str) -> list[str]:
    """The options a method's construction takes (keyword parameters after X and y)."""
    return [k for k in inspect.signature(METHODS[method].construct).parameters if k not in ("X", "y")]


def build(
    method: str,
    X,
    y,
    *,
    tol: float | None = None,
    rtol: float | None = None,
    kind: str | None = None,
    on_failure: str = "raise",
    certify: bool = True,
    bits: bool = True,
    progress: bool = False,
    device: str = "auto",
    **options,
) -> Built:
    """Construct a network that memorizes (X, y) with ``method`` and verify it in float64.

    Parameters
    ----------
    method : str
        A registered construction (:data:`memorizers.constructions.METHODS`), e.g. ``"yun-3layer"``
        (Yun, Sra & Jadbabaie 2019, Theorem 3.1) or ``"baum"`` (Bubeck et al. 2020, Proposition 3).
    X : array_like, shape (N, dx)
        Distinct real points.
    y : array_like, shape (N,) or (N, dy)
        Labels of the method's kind. Class labels may be any values (strings, {0, 500}, +-1 for a 0/1
        method): they are encoded for the construction and the classes recorded in
        ``network.meta["classes"]`` (:mod:`memorizers.labels`).
    tol : float, optional
        Real labels: the largest |f(x_i) - y_i| accepted, in y's units (default :func:`memorizers.kinds.default_tol`
        of N times the labels' scale 2^k, which is 1 for labels in [-1, 1]). Real labels beyond [-1, 1] are built
        as (y - c) / 2^k in [-1, 1], c their midpoint on a short dyadic grid (:func:`memorizers.labels.real_scale`),
        and the output layer maps back: weights times 2^k (exact), bias times 2^k plus c (``meta["label_scale"]``,
        ``meta["label_offset"]``).
        The approximate methods
        (kind ``"relative"``: ntk, harmonic): the eps of ||f - y||^2 <= eps ||y||^2 (Bubeck et al.,
        Lemma 1), passed to the construction as ``eps`` unless that is given.
    rtol : float, optional
        Real labels: the tolerance as a fraction of the largest |y_i| (tol = rtol max |y_i|), instead of ``tol``.
    kind : str, optional
        The label kind to score (:mod:`memorizers.kinds`; default: what the method's theorem promises).
    on_failure : {"raise", "return"}
        A network that fails its own verification raises VerificationError (carrying ``.network`` and
        ``.report``, and saying what to try), or is returned with ``report.passed`` False.
    certify : bool
        Certify the verification (:mod:`memorizers.certify`): at scale the costliest part. It runs on the
        verification's device where it can (:func:`memorizers.backends.certifiable`), else on the CPU. Without it
        ``report.certified`` is None.
    bits : bool
        Also find, and record in ``network.meta``, bits_sufficient: the precision that provably suffices
        (:mod:`memorizers.certify`; only with ``certify``): about as much work again as the certificate, where
        the certificate runs.
    progress : bool
        Show the construction's stage and the verification's progress bars (on a terminal only).
    device : str
        Where the verification's forward pass and certificate run (:mod:`memorizers.backends`): "auto" (a CUDA GPU
        when there is one), "numpy", or a torch device name. Checked before the construction starts.
    **options
        The construction's own options (widths, activation, seed, ...; see its signature).

    Returns
    -------
    Built
        The network, its certified float64 report, the construction's record ``info``, the method and
        the paper's statement.
    """
    try:
        m = METHODS[method]
    except KeyError:
        raise MemorizersError(f"unknown method {method!r}; known: {', '.join(METHODS)}") from None
    if on_failure not in ("raise", "return"):
        raise MemorizersError(f"on_failure must be 'raise' or 'return', got {on_failure!r}")
    accepted = _check_options(method, options)
    backends.torch_device(device)  # a device that cannot be used: say so before the construction's work
    if m.kind == "relative":
        if tol is not None:
            options.setdefault("eps", tol)
        tol = options.get("eps", accepted["eps"].default)
    kind = kind or m.kind
    if rtol is not None:
        if tol is not None:
            raise MemorizersError("give tol or rtol, not both")
        if kind != "real" or not (isinstance(rtol, (int, float, np.floating)) and 0 < rtol < math.inf):
            raise InvalidDataError(f"rtol is a positive fraction of the largest |y| for real labels; got {rtol!r}")
    given = labels.labelled(y, kind, n_classes=options.get("n_classes"))  # encoded once, for all that follows
    if kind not in labels.CLASS_KINDS and given.values.dtype.kind in "USO":
        raise InvalidDataError(
            f"{method} fits real-valued labels, and these are not numbers; for class labels use a classifier "
            f"({', '.join(k for k, v in METHODS.items() if v.kind in labels.CLASS_KINDS)})"
        )
    if progress and sys.stderr.isatty():
        try:
            n = f" for {len(X)} points"
        except TypeError:  # not a sequence of points: the construction says so next
            n = ""
        print(f"memorizers: constructing {method}{n} ...", file=sys.stderr, flush=True)
    real = kind == "real" and m.kind == "real" and given.values.dtype.kind in "biuf"
    fold = labels.real_scale(given.values) if real else None
    if fold is None:
        network, info = _construct(m, X, given.values, y, options)
    else:  # labels beyond [-1, 1]: built for (y - c) / 2^k, and the output layer maps back (docstring: tol)
        scale, offset, values = fold
        network, info = _construct(m, X, values, y, options)
        network = _fold_output(network, scale, offset)
        network.meta.update(label_scale=scale, label_offset=offset)
    if tol is None:  # real labels: the rule for N points (X is checked by now), in the labels' scale
        tol = default_tol(len(np.asarray(X))) * (fold[0] if fold else 1.0)
    if rtol is not None:
        tol = rtol * float(np.abs(np.asarray(given.values, dtype=np.float64)).max(initial=0.0))
    # what verify, predict, the CLI and the exports read back: the label kind and classes, then the tolerance
    # and the bits proved to suffice; verify scores the same encoded labels the construction was given
    network.meta.update(kind=kind, classes=given.classes)
    report = verify(
        network, X, given, tol=tol, kind=kind, certify=certify, bits=bits and certify, progress=progress, device=device
    )
    network.meta.update(tol=report.tol, bits_sufficient=report.bits_sufficient)
    if not report.passed and on_failure == "raise":
        raise VerificationError(
            f"{method} built a network that fails verification: {report.summary()}; {_remedies(method, report, info)}",
            network,
            report,
        )
    return Built(network, report, info, method, m.statement)


def _construct(m, X, values: np.ndarray, y, options: dict) -> tuple[Network, dict]:
    """The construction on (X, values); repeated points with equal labels are built once (the network gives a
    repeated point its one label, and verify checks every row), and ``info["repeated_rows_merged"]`` counts the
    rows left out. Repeated points with different labels raise DuplicatePointsError naming two rows and labels."""
    try:
        return m.construct(X, values, **options)
    except DuplicatePointsError as e:
        values = np.asarray(values)
        for group in e.groups:
            first = group[0]
            for other in group[1:]:
                if not np.array_equal(values[first], values[other]):
                    shown = np.asarray(y)
                    raise DuplicatePointsError(
                        f"points {first} and {other} are identical but labelled {shown[first].tolist()!r} and "
                        f"{shown[other].tolist()!r}: no function gives one point two labels",
                        e.groups,
                    ) from None
        keep = _distinct(e.groups, len(values))
        network, info = m.construct(np.asarray(X)[keep], values[keep], **options)
        return network, {**info, "repeated_rows_merged": len(values) - len(keep)}


def _distinct(groups: list[list[int]], n: int) -> np.ndarray:
    """The rows of n that remain when each group of repeated points keeps its first."""
    drop = [i for group in groups for i in group[1:]]
    return np.setdiff1d(np.arange(n), np.asarray(drop, dtype=np.int64))


def _fold_output(network: Network, scale: float, offset: float) -> Network:
    """The network with its output layer scaled by ``scale`` (a power of two: exact) and shifted by ``offset``:
    f -> scale f + offset. Exact parameters stay exact; float64 ones round the shifted bias once, which the
    verification that follows judges with every other rounding."""
    last = network.layers[-1]
    if not isinstance(last, Dense) or not last.activation.is_identity:
        raise InvalidDataError(
            f"{network.meta.get('method', 'this method')} takes real labels in [-1, 1]; its output layer is not "
            "linear, so larger labels cannot be scaled into it: divide them by a power of two"
        )
    if last.exact:
        s, c = Fraction(scale), Fraction(offset)
        out = Dense(last.exact_weight * s, np.array([v * s + c for v in last.exact_bias], dtype=object))
    else:
        out = Dense(last.weight * scale, last.bias * scale + offset)
    return Network([*network.layers[:-1], out], network.meta)


def _remedies(method: str, report: MemorizationReport, info: dict) -> str:
    """What to try after a failed verification, naming only options that exist."""
    takes = option_names(method)
    tries = [info["hint"]] if info.get("hint") else []
    if report.kind == "real":
        tries.append(f"a tolerance above the float64 error {report.max_abs_error:.1e} (--tol)")
    if "n_projections" in takes:
        tries.append("more projections (--option n_projections=64)")
    if "seed" in takes:
        tries.append("another seed (--seed)")
    tries.append("--keep-failed to write the network anyway")
    return "try " + "; or ".join(tries)
