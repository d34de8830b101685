"""memorizers: networks that provably memorize a dataset, built from the papers' constructions."""

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
