"""memorizers: networks that provably memorize a dataset, built from the papers' constructions.

The structure, each fact in one place:

* ``network``: the Network (Dense / Residual layers, float64 or exact dyadic parameters) and its one
  interpreter, :meth:`Network.interpret`, which every evaluation walks (float, exact, certificate,
  a-priori bound, affine pieces, torch, ONNX);
* ``activations``: each activation kind's whole behaviour, in every arithmetic those walks use;
* :mod:`.kinds`: each label kind's targets, scoring, rigorous comparison and training loss;
  :mod:`.labels`: the user's labels encoded once (:class:`.labels.Labels`) for the constructions and verify;
* :mod:`.backends`: the one evaluation seam (``select(device, network, dtype)``: NumPy or torch);
  :mod:`.certify`: the certificate, which schedules its own blocks, device and bits search;
* :mod:`.constructions`: one module per paper, each construction registered beside its definition
  (``constructions.register``), which gives it ``build``, the CLI and the conformance battery;
* :func:`build` constructs and verifies; :func:`verify` is the one path that scores and certifies.
"""

from .activations import Activation
from .build import Built, build
from .errors import (
    DuplicatePointsError,
    InvalidDataError,
    MemorizersError,
    NetworkFileError,
    TooLargeError,
    VerificationError,
    WidthError,
)
from .network import Dense, Network, Residual
from .verify import MemorizationReport, verify

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "Built",
    "Dense",
    "DuplicatePointsError",
    "InvalidDataError",
    "MemorizationReport",
    "MemorizersError",
    "Network",
    "NetworkFileError",
    "Residual",
    "TooLargeError",
    "VerificationError",
    "WidthError",
    "build",
    "verify",
]
