"""Exceptions raised by memorizers.

Every error a user can cause derives from :class:`MemorizersError`, so the CLI can
print it as one line. The subclasses also derive from the built-in exception a
Python user would expect (``ValueError`` for bad data, ``OSError`` for bad files).
"""

from __future__ import annotations


class MemorizersError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidDataError(MemorizersError, ValueError):
    """The dataset is malformed: NaN/inf, wrong shape, labels out of range, ..."""


class DuplicatePointsError(InvalidDataError):
    """Two or more inputs x_i coincide; ``groups`` lists their indices."""

    def __init__(self, message: str, groups: list[list[int]]):
        super().__init__(message)
        self.groups = groups


class WidthError(MemorizersError, ValueError):
    """The requested architecture is below what the theorem needs.

    ``smallest`` holds the smallest widths that would work, when known.
    """

    def __init__(self, message: str, smallest: tuple[int, ...] | None = None):
        super().__init__(message)
        self.smallest = smallest


class TooLargeError(MemorizersError, MemoryError):
    """The requested construction would not fit in memory; raised before allocating, with the estimate."""


class NetworkFileError(MemorizersError, OSError):
    """A network or data file cannot be read: missing, truncated, wrong format."""


class VerificationError(MemorizersError):
    """A construction built a network that fails its own verification.

    The network and the failing report are attached, so nothing is lost:
    ``err.network``, ``err.report``.
    """

    def __init__(self, message: str, network=None, report=None):
        super().__init__(message)
        self.network = network
        self.report = report


class MissingDependencyError(MemorizersError, ImportError):
    """An optional dependency (torch, onnx, matplotlib, ...) is not installed; the message says how to install it."""


class ExportError(MemorizersError):
    """An export in a lower precision would no longer memorize the data it was checked on."""


class PrecisionWarning(UserWarning):
    """An evaluation or export uses fewer significand bits than the network is proved to need."""
