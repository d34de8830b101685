"""Where and how a network is evaluated: the one seam between the model and the arithmetic that runs it.

``select`` gives a ``Backend`` for a device: NumPy (``numpy_backend``: the float evaluation in any
NumPy dtype, each layer's structure found once) or torch (``torch_backend``: the network as a torch module,
float64 or float32, on the CPU or a CUDA GPU). ``device="auto"`` (the default of :func:`memorizers.verify` and
:func:`memorizers.build`) takes CUDA when PyTorch is installed and sees a GPU, NumPy otherwise (on Linux without
NVIDIA's driver files it does not even import torch); ``"numpy"`` always takes NumPy; any torch device name
(``"cuda"``, ``"cuda:1"``, ``"cpu"``) takes torch on it, which is how the tests run the torch path on a machine
with no GPU. Exact parameters and long double evaluate in NumPy only.

The certificate (:class:`memorizers.certify.Certifier`) runs on the same device for the networks
:func:`certifiable` takes: its double-double enclosures are float64 operators, matrix products and exact
power-of-two constructions (:mod:`memorizers.arrays`), and its rounding analysis holds for any order of
summation and for fused multiply-adds, so for cuBLAS's float64 products too; so does the bits search
(:meth:`memorizers.certify.Certifier.bits_sufficient`). Only per-point results come back.

The backends import the model (``memorizers.network``); the model reaches them only through its facades
(``Network.forward``, ``Network.evaluator``), lazily.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, NamedTuple

import numpy as np

from ..errors import InvalidDataError

NUMPY = "numpy"


def chunk_activations(where: str) -> int:
    """Numbers per layer in one chunk of rows: cache-sized on the CPU, far larger on a GPU."""
    return 2**26 if where.startswith("cuda") else 2**21


def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _cuda_may_be_here() -> bool:
    """Whether a CUDA device may be present, without importing torch (2-3 s) where none can be: torch is
    imported already, or NVIDIA's driver has its device files (Linux), or we cannot tell (Windows)."""
    return "torch" in sys.modules or os.path.exists("/dev/nvidiactl") or os.name == "nt"


def torch_device(device: str, network=None, dtype=np.float64) -> str | None:
    """The torch device to evaluate ``network`` on in ``dtype``, or None for NumPy (module doc).

    Raises InvalidDataError for a device that cannot be used (named, but no such device, no PyTorch,
    or an evaluation that only NumPy does). Without a network, checks the device alone."""
    if not isinstance(device, str):
        raise InvalidDataError(f"device must be a string ('auto', 'numpy', 'cuda', ...); got {device!r}")
    if device == NUMPY:
        return None
    dt = np.dtype(dtype)
    if device == "auto":
        exact = network is not None and network.exact
        if exact or dt not in (np.float32, np.float64) or not _cuda_may_be_here():
            return None
        torch = _torch_or_none()
        return "cuda" if torch is not None and torch.cuda.is_available() else None
    torch = _torch_or_none()
    if torch is None:
        raise InvalidDataError(f"device {device!r} needs PyTorch: pip install 'memorizers[torch]' (or use numpy)")
    if dt not in (np.float32, np.float64):
        name = "long double" if dt == np.longdouble else dt.name
        raise InvalidDataError(f"{name} evaluation runs in NumPy only: use device 'numpy'")
    if network is not None and network.exact:
        raise InvalidDataError("a network with exact parameters is evaluated in NumPy only: use device 'numpy'")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise InvalidDataError(
            f"unknown device {device!r}; use 'auto', 'numpy', 'cuda' or another torch device"
        ) from None
    if dev.type not in ("cpu", "cuda"):  # meta tensors hold no values; mps and the rest: no float64 certificate
        raise InvalidDataError(f"device {device!r}: use 'auto', 'numpy', 'cpu' or 'cuda' (a CUDA device, 'cuda:1')")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidDataError(f"device {device!r}: PyTorch sees no CUDA device here (use 'auto' or 'numpy')")
    return str(dev)


CERTIFIABLE = ("relu_like", "hard_tanh", "threshold")  # activation kinds whose enclosures run in torch


def certifiable(network) -> bool:
    """Whether the certificate of ``network`` can run on a torch device (:class:`memorizers.certify.Certifier`).

    Float parameters and piecewise-linear activations (ReLU-like, hard-tanh, threshold), whose enclosures are
    the same operators in NumPy and torch (:mod:`memorizers.arrays`); the smooth ones call NumPy's functions.

    Parameters
    ----------
    network : Network
        The network.

    Returns
    -------
    bool
        Whether it can.
    """
    return not network.exact and all(d.activation.kind in CERTIFIABLE for d, _ in network.dense_layers())


class Backend(NamedTuple):
    """Where a network is evaluated: ``forward(X)`` gives a chunk's outputs; ``scored(X, y, kind, score_kind,
    tol)`` its per-row (error, margin, correct, squared residual, squared label); ``where`` is "numpy" or the
    torch device."""

    forward: Callable
    scored: Callable
    where: str


def select(device: str, network, dtype=np.float64) -> Backend:
    """The backend that evaluates ``network`` in ``dtype`` on ``device`` (module doc)."""
    where = torch_device(device, network, dtype)
    if where is None:
        from .numpy_backend import evaluator, scored_numpy

        forward = evaluator(network, dtype)
        return Backend(forward, lambda X, y, *how: scored_numpy(forward(X), y, *how), NUMPY)
    from .torch_backend import TorchForward

    run = TorchForward(network, dtype, where)
    return Backend(run, run.scored, where)
