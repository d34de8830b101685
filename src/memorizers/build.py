"""build(): construct with a registered method, verify, and never hand back a silent failure."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from .constructions import METHODS
from .errors import MemorizersError, VerificationError
from .network import Network
from .verify import MemorizationReport, verify


@dataclass
class Built:
    """A constructed network, its float64 verification report and the construction's record."""

    network: Network
    report: MemorizationReport
    info: dict


def build(
    method: str, X, y, *, tol: float | None = None, kind: str | None = None, on_failure: str = "raise", bits: bool = True, **options
) -> Built:
    """Construct a network that memorizes (X, y) with ``method`` and verify it in float64.

    ``options`` go to the construction (e.g. widths, activation, seed). The labels are
    scored as ``kind`` (default: what the method's theorem promises, see METHODS). tol is
    the largest |f(x_i) - y_i| accepted for real labels (default 1e-6); for the methods that
    approximate (kind "relative": ntk, harmonic) it is the eps of ||f - y||^2 <= eps ||y||^2,
    passed to the construction as ``eps`` unless that is given (default: the method's). If the
    network fails its own verification, ``on_failure="raise"`` (default) raises
    VerificationError carrying the network and the report; ``on_failure="return"``
    returns it with report.passed False. bits: also find (and record in ``network.meta``)
    bits_needed, the precision that provably suffices (see :mod:`memorizers.certify`).
    """
    try:
        m = METHODS[method]
    except KeyError:
        raise MemorizersError(f"unknown method {method!r}; known: {', '.join(METHODS)}") from None
    if on_failure not in ("raise", "return"):
        raise MemorizersError(f"on_failure must be 'raise' or 'return', got {on_failure!r}")
    accepted = inspect.signature(m.construct).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise MemorizersError(f"method {method!r} takes no option {', '.join(unknown)}")
    if m.kind == "relative":
        if tol is not None:
            options.setdefault("eps", tol)
        tol = options.get("eps", accepted["eps"].default)
    elif tol is None:
        tol = 1e-6
    network, info = m.construct(X, y, **options)
    report = verify(network, X, y, tol=tol, kind=kind or m.kind, bits=bits)
    # what verify, the CLI and the exports read back: the label kind, the tolerance and the bits proved to suffice
    network.meta.update(kind=report.kind, tol=report.tol, bits_needed=report.bits_needed)
    if not report.passed and on_failure == "raise":
        raise VerificationError(f"{method} built a network that fails verification: {report.summary()}", network, report)
    return Built(network, report, info)
