"""The NumPy backend: a network's float evaluation in one dtype, each layer's structure found once, and the
per-row scores verify streams.

Structure detection (rows repeated up to sign, sparse matrices) is shared with the certificate
(:mod:`memorizers.certify`), which encloses such layers once per distinct row and by their nonzeros.
"""

from __future__ import annotations

import numpy as np

from ..kinds import score, targets
from ..network import Dense


def is_sparse(W: np.ndarray) -> bool:
    """Whether products with W are computed from its nonzeros (at most 5% of at least 1024 entries)."""
    return W.size >= 1024 and np.count_nonzero(W) <= 0.05 * W.size


def repeated_rows(W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Rows of W that repeat up to sign: (first, index, sign) with W[k] = sign[k] * W[first[index[k]]] exactly,
    or None when fewer than a quarter of the rows are repeats.

    Yun et al.'s ReLU-like units come in pairs with one weight row, and the gates of Proposition 3.2 all
    read one row (up to sign): such a layer's products are computed once per distinct row. Negation is
    exact, so sign * (W_j . a) is the float dot product of row k itself, in the same order. Rows are told
    apart by their largest |entry|, its column and 16 of their columns first, which rules most layers out
    in one pass; the candidates are then compared whole.
    """
    n_out = W.shape[0]
    if n_out < 4 or W.shape[1] == 0:
        return None
    A = np.abs(W)
    peak = A.argmax(axis=1)  # the same column for rows equal up to sign
    rows = np.arange(n_out)
    cols = np.unique(np.linspace(0, W.shape[1] - 1, 16).astype(np.int64))
    first, index = distinct_rows(np.column_stack([peak, A[rows, peak], A[:, cols]]) + 0.0)
    if len(first) > 0.75 * n_out:
        return None
    sign = np.where(W[rows, peak] < 0, -1.0, 1.0)
    rel = sign * sign[first[index]]
    for s in range(0, n_out, 256):  # whole rows, a block at a time
        if not np.array_equal(W[s : s + 256], rel[s : s + 256, None] * W[first[index[s : s + 256]]]):
            first, index = distinct_rows(W * sign[:, None] + 0.0)  # alike in those columns only: all of them
            if len(first) > 0.75 * n_out:
                return None
            return first, index, sign * sign[first[index]]
    return first, index, rel


def distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, index) of the distinct rows of a float array: rows[k] equals rows[first[index[k]]] bit for bit,
    first increasing (so that gathering by index reads in order where repeats are adjacent, as pairs are)."""
    rows = np.ascontiguousarray(rows)
    keys = rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).ravel()
    _, first, index = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[index.reshape(-1)]


class Affine:
    """a @ W.T + b of one Dense layer in one float dtype, using its structure (a valid float evaluation of
    every row: each output is the rounded sum of its row's products, in some order): distinct rows once
    (:func:`repeated_rows`), and sparse matrices by their nonzeros. Adding an exact zero changes no float sum;
    a chunk with a non-finite input takes the dense product, where 0 * inf is NaN as in any runtime.

    The dense product has a multiple of ``COLUMNS`` columns, zero rows of W added (their outputs are dropped),
    so that every unit goes through BLAS's main kernel, which adds a row's products one after another: the
    tail kernel of the last (columns mod 4) columns sums each row across vector lanes (OpenBLAS, MKL), which
    would separate a ReLU pair's two cancelling products of Yun et al.'s layer 2 and multiply its error."""

    COLUMNS = 16

    def __init__(self, d: Dense, dt: np.dtype):
        W = d.weight
        self.rows = repeated_rows(W)
        if self.rows is not None:
            W = W[self.rows[0]]
        self.sign = None if self.rows is None else self.rows[2].astype(dt)
        self.n = len(W)
        with np.errstate(over="ignore"):  # float32 parameters past its range become inf, as in any float32 runtime
            self.WT, self.b = W.T.astype(dt, copy=False), d.bias.astype(dt, copy=False)
        self.sparse = None
        if dt in (np.float32, np.float64) and is_sparse(W):
            from scipy.sparse import csr_array

            self.sparse = csr_array(self.WT.T)
        elif dt in (np.float32, np.float64) and self.n % self.COLUMNS:
            pad = np.zeros((self.WT.shape[0], -self.n % self.COLUMNS), dtype=dt)
            self.WT = np.concatenate([self.WT, pad], axis=1)

    def __call__(self, a: np.ndarray) -> np.ndarray:
        if self.sparse is not None and np.isfinite(a).all():
            z = (self.sparse @ a.T).T
        else:
            z = (a @ self.WT)[:, : self.n]
        if self.rows is not None:
            z = z[:, self.rows[1]] * self.sign
        return z + self.b


def evaluator(network, dtype=np.float64):
    """The float evaluation of ``network`` in ``dtype`` as a function of chunks of rows, each layer's
    structure found once (:class:`Affine`)."""
    dt = np.dtype(dtype)
    affine = {id(d): Affine(d, dt) for d, _ in network.dense_layers()}

    def run(X: np.ndarray) -> np.ndarray:
        a = np.asarray(X).astype(dt, copy=False)
        return network.interpret(a, lambda d, a: d.activation(affine[id(d)](a)), lambda a, h: a + h)

    return run


def scored_numpy(F: np.ndarray, y: np.ndarray, kind: str, score_kind: str, tol: float):
    """Per row (error, margin, correct, squared residual, squared label) of outputs F against the labels y of
    ``kind`` (:func:`memorizers.kinds.targets`), scored as ``score_kind`` (:func:`memorizers.kinds.score`)."""
    Y = targets(y, F.shape[1], kind)  # one-hot rows built per chunk: bounded memory
    err, margin, correct = score(F, Y, score_kind, tol)
    return err, margin, correct, np.sum((F.astype(np.float64) - Y) ** 2, axis=1), np.sum(Y**2, axis=1)
