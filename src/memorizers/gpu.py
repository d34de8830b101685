"""The forward pass on a GPU: the network in torch (float64 or float32) on a CUDA device, for verify at scale.

Optional and chosen automatically: ``device="auto"`` (the default of :func:`memorizers.verify` and
:func:`memorizers.build`) evaluates on CUDA when PyTorch is installed and sees a GPU, and in NumPy
otherwise (on Linux without NVIDIA's driver files it does not even import torch); ``"numpy"`` always
takes NumPy; any torch device name (``"cuda"``, ``"cuda:1"``, ``"cpu"``) takes torch on it, which is how
the tests run this path on a machine with no GPU.

The module is :func:`memorizers.export.torch_module`, the one interpreter with torch operations. An
evaluation on the GPU rounds like any IEEE float64 (or float32) evaluation, in its own summation order, so
its outputs differ from NumPy's by no more than the a-priori rounding bound of
:func:`memorizers.certify.forward_with_bound` allows each of them; verify scores what the GPU computed.
TF32 is switched off for the duration of a float32 evaluation: its 10-bit products would not be float32
arithmetic. Exact parameters and long double evaluate in NumPy only.

The certificate (:class:`memorizers.certify.Certifier`) runs on the same device for the networks
:func:`certifiable` takes: its double-double enclosures are float64 operators, matrix products and exact
power-of-two constructions (:mod:`memorizers.arrays`), and its rounding analysis holds for any order of
summation and for fused multiply-adds, so for cuBLAS's float64 products too; so does the bits search
(:meth:`memorizers.certify.Certifier.bits_sufficient`). Only per-point results come back.
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np

from .errors import InvalidDataError
from .kinds import score, score_torch, targets, targets_torch

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


class TorchForward:
    """Evaluate ``network`` on chunks of rows (NumPy in, NumPy out) with torch on ``device`` in ``dtype``."""

    def __init__(self, network, dtype, device: str):
        import torch

        from .export import torch_module

        self.torch = torch
        self.dtype = np.dtype(dtype)
        tdt = torch.float64 if self.dtype == np.float64 else torch.float32
        self.device = torch.device(device)
        self.module = torch_module(network, dtype=tdt).to(self.device).eval()

    @contextlib.contextmanager
    def _exact_float32(self):
        """No TF32 in float32 matrix products while evaluating (restored after)."""
        matmul = self.torch.backends.cuda.matmul
        saved = matmul.allow_tf32
        matmul.allow_tf32 = False
        try:
            yield
        finally:
            matmul.allow_tf32 = saved

    def _outputs(self, X: np.ndarray):
        t = self.torch.from_numpy(np.ascontiguousarray(X, dtype=self.dtype)).to(self.device)
        return self.module.hard(t)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        with self.torch.inference_mode(), self._exact_float32():
            return self._outputs(X).cpu().numpy()

    def scored(self, X: np.ndarray, y: np.ndarray, kind: str, score_kind: str, tol: float):
        """Per row (error, margin, correct, squared residual, squared label) as :func:`scored_numpy`, computed on
        the device: five numbers per row come back, not the outputs, and the targets are made there where the
        kind can (:func:`memorizers.kinds.targets_torch`)."""
        torch = self.torch
        with torch.inference_mode(), self._exact_float32():
            F = self._outputs(X).to(torch.float64)  # widened exactly, as kinds.score does
            Y = targets_torch(y, F.shape[1], kind, self.device)
            err, margin, correct = score_torch(F, Y, score_kind, tol)
            sums = ((F - Y) ** 2).sum(dim=1), (Y**2).sum(dim=1)
            return tuple(v.cpu().numpy() for v in (err, margin, correct, *sums))


def scored_numpy(F: np.ndarray, y: np.ndarray, kind: str, score_kind: str, tol: float):
    """Per row (error, margin, correct, squared residual, squared label) of outputs F against the labels y of
    ``kind`` (:func:`kinds.targets`), scored as ``score_kind`` (:func:`kinds.score`)."""
    Y = targets(y, F.shape[1], kind)  # one-hot rows built per chunk: bounded memory
    err, margin, correct = score(F, Y, score_kind, tol)
    return err, margin, correct, np.sum((F.astype(np.float64) - Y) ** 2, axis=1), np.sum(Y**2, axis=1)


CERTIFIABLE = ("relu_like", "hard_tanh", "threshold")  # activation kinds whose enclosures run in torch


def certifiable(network) -> bool:
    """Whether the certificate of ``network`` can run on a torch device (:class:`memorizers.certify.Certifier`):
    float parameters and piecewise-linear activations (ReLU-like, hard-tanh, threshold), whose enclosures are
    the same operators in NumPy and torch (:mod:`memorizers.arrays`); the smooth ones call NumPy's functions."""
    return not network.exact and all(d.activation.kind in CERTIFIABLE for d, _ in network.dense_layers())


def evaluator(network, dtype, device: str):
    """Where ``network`` is evaluated in ``dtype`` on ``device`` (module doc): (forward, scored, where).

    forward(X) gives a chunk's outputs; scored(X, y, kind, score_kind, tol) its per-row (error, margin,
    correct, squared residual, squared label); where is "numpy" or the torch device."""
    where = torch_device(device, network, dtype)
    if where is None:
        forward = network.evaluator(dtype)
        return forward, lambda X, y, *how: scored_numpy(forward(X), y, *how), NUMPY
    run = TorchForward(network, dtype, where)
    return run, run.scored, where
