"""The array operations the certificate runs on NumPy arrays and torch tensors alike.

:mod:`memorizers.certify` and the enclosures of :mod:`memorizers.intervals`, ``memorizers.activations`` and
:mod:`memorizers.kinds` are written with arithmetic operators, ``abs``, comparisons, indexing and ``@``, which
NumPy and torch share, and with the functions below where the two differ. A NumPy array takes NumPy's own
function (so the CPU certificate is NumPy as it stands), a torch tensor torch's, on its device
(:mod:`memorizers.backends`). Apart from the sparse products, whose rounding the certificate bounds as it bounds
``@``'s, for any order of summation, nothing here rounds a value (powers of two are made from their bits), so
the rounding analysis of :mod:`memorizers.certify` holds for both.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np


def is_torch(a) -> bool:
    return not isinstance(a, np.ndarray) and type(a).__module__.startswith("torch")


def where(c, a, b):
    """a where c, else b (two numbers give float64, as in NumPy, not torch's default float32)."""
    if is_torch(c):
        torch = _torch()
        if not (is_torch(a) or is_torch(b)):
            a = torch.tensor(a, dtype=torch.float64, device=c.device)
        return torch.where(c, a, b)
    return np.where(c, a, b)


def maximum(a, b):
    """Elementwise max of an array and an array or a number (NaN propagates, as in NumPy)."""
    if is_torch(a):
        torch = _torch()
        return torch.maximum(a, b) if is_torch(b) else torch.clamp_min(a, b)
    return np.maximum(a, b)


def minimum(a, b):
    if is_torch(a):
        torch = _torch()
        return torch.minimum(a, b) if is_torch(b) else torch.clamp_max(a, b)
    return np.minimum(a, b)


def amax(a, axis: int, initial: float):
    """max(initial, max over ``axis``), ``initial`` for an empty axis (NaN propagates)."""
    if is_torch(a):
        if a.shape[axis] == 0:
            shape = list(a.shape)
            del shape[axis]
            return a.new_full(shape, initial)
        return maximum(a.amax(dim=axis), initial)
    return a.max(axis=axis, initial=initial)


def amin(a, axis: int, initial: float):
    return -amax(-a, axis, -initial) if is_torch(a) else a.min(axis=axis, initial=initial)


def nanmax(a, initial: float) -> float:
    """The largest entry that is not NaN, ``initial`` if larger or if there is none."""
    if is_torch(a):
        return float(amax(where(a.isnan(), -math.inf, a), 0, initial))
    return float(np.nanmax(a, initial=initial))


def arange(n: int, like):
    return _torch().arange(n, device=like.device) if is_torch(like) else np.arange(n)


def isfinite(a):
    return a.isfinite() if is_torch(a) else np.isfinite(a)


def isnan(a):
    return a.isnan() if is_torch(a) else np.isnan(a)


def empty_like(a):
    return a.new_empty(a.shape) if is_torch(a) else np.empty_like(a)


def zeros_like(a):
    return a.new_zeros(a.shape) if is_torch(a) else np.zeros_like(a)


def empty(shape, like):
    """A float64 array of ``shape`` where ``like`` lives."""
    return like.new_empty(shape, dtype=_torch().float64) if is_torch(like) else np.empty(shape)


def copy(a):
    return a.clone() if is_torch(a) else a.copy()


def as_float(a):
    """Booleans or integers as float64 (exact for integers below 2^53)."""
    return a.to(_torch().float64) if is_torch(a) else a.astype(np.float64)


def concat(parts: list, axis: int):
    return _torch().cat(parts, dim=axis) if is_torch(parts[0]) else np.concatenate(parts, axis=axis)


def count_nonzero(a) -> int:
    return int(_torch().count_nonzero(a)) if is_torch(a) else int(np.count_nonzero(a))


def to_numpy(a) -> np.ndarray:
    return a.cpu().numpy() if is_torch(a) else np.asarray(a)


def numpy_arrays(a: np.ndarray) -> np.ndarray:
    """Where NumPy keeps an array: itself (the ``put`` of :func:`putter` for NumPy)."""
    return a


def putter(device: str | None):
    """put(a): the NumPy array ``a`` on the torch ``device``, or itself for None (NumPy)."""
    if device is None:
        return numpy_arrays
    torch = _torch()
    return lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(device)


def pow2_at_least(m):
    """Per entry, the exponent e with 2^e >= m (m >= 0; -1074 for zeros)."""
    if is_torch(m):
        mant, ex = _torch().frexp(m)
        return where(m > 0, ex.to(_torch().int64) - (mant == 0.5).to(_torch().int64), -1074)
    mant, ex = np.frexp(m)
    return np.where(m > 0, ex - (mant == 0.5), -1074).astype(np.int64)


def pow2(k):
    """2.0^k for integers -1074 <= k <= 1023, exactly (torch: from the bits of the float64, not ``pow``,
    which a GPU's library need not round exactly)."""
    if is_torch(k):
        torch = _torch()
        k = k.to(torch.int64)
        normal = (k + 1023).clamp(1, 2046) << 52
        subnormal = torch.ones_like(k) << (k + 1074).clamp(0, 51)
        return where(k >= -1022, normal, subnormal).view(torch.float64)
    return np.ldexp(1.0, k)


def sparse_rows(r):
    """r as a sparse matrix of rows, for r @ dense (the product of its nonzeros)."""
    if is_torch(r):
        with _sparse_in_beta():
            return r.to_sparse_csr()
    from scipy.sparse import csr_array

    return csr_array(r)


class SparseT:
    """The transpose of a sparse matrix W on a torch device, for a @ W^T = (W a^T)^T (torch multiplies sparse
    matrices from the left only)."""

    def __init__(self, W: np.ndarray, put):
        self.W = sparse_rows(put(W))

    def __rmatmul__(self, a):
        with _sparse_in_beta():
            return (self.W @ a.T).T


@contextlib.contextmanager
def _sparse_in_beta():
    """torch's sparse CSR tensors warn that their support is in beta; what we use of them is tested here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _torch():
    import torch

    return torch
