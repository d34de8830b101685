"""Deprecated: the evaluation dispatcher is :mod:`memorizers.backends` (``select``, ``torch_device``,
``certifiable``), the torch evaluation :mod:`memorizers.backends.torch_backend`. This module re-exports their
names for one release."""

import warnings

from .backends import CERTIFIABLE, NUMPY, Backend, certifiable, chunk_activations, select, torch_device
from .backends.numpy_backend import scored_numpy
from .backends.torch_backend import TorchForward

warnings.warn(
    "memorizers.gpu is deprecated: use memorizers.backends (select, torch_device, certifiable)",
    DeprecationWarning,
    stacklevel=2,
)


def evaluator(network, dtype, device: str):
    """Deprecated: :func:`memorizers.backends.select` (device first)."""
    return tuple(select(device, network, dtype))


__all__ = [
    "CERTIFIABLE",
    "NUMPY",
    "Backend",
    "TorchForward",
    "certifiable",
    "chunk_activations",
    "evaluator",
    "scored_numpy",
    "select",
    "torch_device",
]
