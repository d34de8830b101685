"""The one network type every construction returns.

A :class:`Network` is an ordered list of layers applied to row vectors:

* :class:`Dense`     a  <-  act(a @ W.T + b)        (W has shape (out, in))
* :class:`Residual`  a  <-  a + block(a)             (Yun et al., Section 4:
                     h^l = h^{l-1} + V^l sigma(U^l h^{l-1} + b^l) + c^l, i.e. the block
                     [Dense(U, b, sigma), Dense(V, c, identity)])

The last top-level layer is the output layer. Parameters are float64, cast to the dtype
asked for in :meth:`Network.forward`, or exact dyadic rationals of any size
(:mod:`memorizers.exact`): such a layer keeps them in ``exact_weight`` / ``exact_bias`` and
their nearest float64 values in ``weight`` / ``bias`` (what float evaluation uses, +-inf
beyond the float64 range); exact evaluation and the certificate use the exact ones, and
verify judges a network with exact layers by its exact evaluation.
"""

from __future__ import annotations

import io
import json
import lzma
import math
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterator, Union

import numpy as np

from .activations import Activation, identity
from .errors import MemorizersError, NetworkFileError
from .exact import bits, decode, encode, exact_values, rounded

FORMAT = "memorizers-network"
VERSION = 2  # 2: exact parameters (text, hexadecimal); files of version 1 are read too


@dataclass
class Dense:
    """Affine map followed by an elementwise activation: act(a @ weight.T + bias).

    ``weight`` and ``bias`` given as object arrays (Python ints, dyadic Fractions) are exact parameters
    (module doc), kept in ``exact_weight`` and ``exact_bias``: the network is then one for exact arithmetic,
    judged by its exact evaluation, even where float64 holds every parameter.
    """

    weight: np.ndarray
    bias: np.ndarray
    activation: Activation = field(default_factory=identity)
    exact_weight: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    exact_bias: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if np.iscomplexobj(self.weight) or np.iscomplexobj(self.bias):
            raise MemorizersError("Dense layer parameters must be real; got complex numbers")
        W, b = np.asarray(self.weight), np.asarray(self.bias)
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise MemorizersError(f"Dense layer needs weight (out, in) and bias (out,); got {W.shape} and {b.shape}")
        if W.dtype == object or b.dtype == object:  # exact parameters, kept as such even where float64 holds them:
            W, b = exact_values(W), exact_values(b)  # the construction asks for exact arithmetic
            self.weight, self.bias = rounded(W), rounded(b)
            self.exact_weight, self.exact_bias = W, b
            return
        self.weight, self.bias = W.astype(np.float64), b.astype(np.float64)
        if not (np.isfinite(self.weight).all() and np.isfinite(self.bias).all()):
            raise MemorizersError("Dense layer parameters hold NaN or inf")

    @property
    def exact(self) -> bool:
        """Whether this layer holds exact parameters (module doc)."""
        return self.exact_weight is not None

    def take(self, rows=slice(None), cols=slice(None)) -> "Dense":
        """The layer restricted to (or permuted by) these output rows and input columns, exact parameters kept."""
        if self.exact:
            return Dense(self.exact_weight[rows][:, cols], self.exact_bias[rows], self.activation)
        return Dense(self.weight[rows][:, cols], self.bias[rows], self.activation)

    @property
    def n_in(self) -> int:
        return self.weight.shape[1]

    @property
    def n_out(self) -> int:
        return self.weight.shape[0]

    def __call__(self, a: np.ndarray) -> np.ndarray:
        dt = a.dtype
        return self.activation(a @ self.weight.T.astype(dt, copy=False) + self.bias.astype(dt, copy=False))


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


class _Affine:
    """a @ W.T + b of one Dense layer in one float dtype, using its structure (a valid float evaluation of
    every row: each output is the rounded sum of its row's products, in some order): distinct rows once
    (:func:`repeated_rows`), and sparse matrices by their nonzeros. Adding an exact zero changes no float sum;
    a chunk with a non-finite input takes the dense product, where 0 * inf is NaN as in any runtime.

    The dense product has a multiple of ``COLUMNS`` columns, zero rows of W added (their outputs are dropped),
    so that every unit goes through BLAS's main kernel, which adds a row's products one after another. The
    last (columns mod 4) columns of a product take a tail kernel that sums each row across vector lanes
    (OpenBLAS's SkylakeX and MKL, measured): a ReLU pair's two cancelling products of Yun et al.'s layer 2
    then land in different lanes, and the largest float64 error of a Theorem 3.1 network at N = 10^5 was
    1.1e-7 to 4.3e-7 (seeds 0-5) with its 338 distinct rows, against 1.5e-8 to 7.6e-8 for the full layer's
    676 rows in NumPy or torch, which is what padding gives."""

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


@dataclass
class Residual:
    """a + block(a), where block is a list of Dense layers mapping the width back to itself."""

    block: list[Dense]

    def __post_init__(self):
        if not self.block or self.block[0].n_in != self.block[-1].n_out:
            raise MemorizersError("a residual block must map its width back to itself")

    @property
    def n_in(self) -> int:
        return self.block[0].n_in

    @property
    def n_out(self) -> int:
        return self.block[-1].n_out

    def __call__(self, a: np.ndarray) -> np.ndarray:
        h = a
        for layer in self.block:
            h = layer(h)
        return a + h


Layer = Union[Dense, Residual]


@dataclass
class Network:
    """An ordered list of layers; ``meta`` records what built it (method, theorem, options)."""

    layers: list[Layer]
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.layers:
            raise MemorizersError("a network needs at least one layer")
        for prev, nxt in zip(self.layers, self.layers[1:]):
            if prev.n_out != nxt.n_in:
                raise MemorizersError(f"layer widths do not chain: {prev.n_out} outputs feed {nxt.n_in} inputs")

    @property
    def n_in(self) -> int:
        return self.layers[0].n_in

    @property
    def exact(self) -> bool:
        """Whether some layer holds exact parameters (see :class:`Dense`): the network is for exact arithmetic."""
        return any(d.exact for d, _ in self.dense_layers())

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out

    def forward(self, X, dtype=np.float64, device: str = "numpy") -> np.ndarray:
        """Evaluate on the rows of X (N, n_in) in ``dtype``; returns (N, n_out).

        Parameters and inputs are cast to ``dtype`` first (float32, float64 or
        numpy.longdouble), so every operation rounds in that type. ``device``: "numpy", or
        "auto" / a torch device name for the GPU path of :mod:`memorizers.gpu`.
        """
        from .gpu import chunk_activations, evaluator

        dt = np.dtype(dtype)
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise MemorizersError(f"network expects {self.n_in} input features, got shape {X.shape}")
        run, _, where = evaluator(self, dt, device)
        rows = self.chunk_rows(chunk_activations(where))
        if len(X) <= rows:
            return run(X)
        out = np.empty((len(X), self.n_out), dtype=dt)
        for s in range(0, len(X), rows):  # bounded memory, and faster than one huge pass
            out[s : s + rows] = run(X[s : s + rows])
        return out

    def outputs(self, X) -> np.ndarray:
        """The outputs as float64 the way the network is meant to be evaluated: exactly, then rounded once, when
        it has exact parameters (:mod:`memorizers.exact`), else :meth:`forward` in float64. What predictions use."""
        if not self.exact:
            return self.forward(X)
        from .exact import exact_forward

        return rounded(exact_forward(self, np.atleast_2d(np.asarray(X, dtype=np.float64))))

    def evaluator(self, dtype=np.float64):
        """The float evaluation in ``dtype`` (NumPy) as a function of chunks of rows, each layer's structure
        found once (:class:`_Affine`); what :meth:`forward` and :func:`memorizers.verify` run."""
        dt = np.dtype(dtype)
        affine = {id(d): _Affine(d, dt) for d, _ in self.dense_layers()}

        def run(X: np.ndarray) -> np.ndarray:
            a = np.asarray(X).astype(dt, copy=False)
            return self.interpret(a, lambda d, a: d.activation(affine[id(d)](a)), lambda a, h: a + h)

        return run

    def interpret(self, a, dense, add):
        """The one walk through the network, in any arithmetic: ``dense(layer, a)`` applies a Dense layer
        (its affine map and activation) to the value ``a``, ``add(a, h)`` closes a residual block
        a + block(a). Float evaluation, exact evaluation, the certificate's enclosures, the a-priori
        bound, the affine pieces and the ONNX graph are this walk with their own two operations."""
        for layer in self.layers:
            if isinstance(layer, Residual):
                h = a
                for d in layer.block:
                    h = dense(d, h)
                a = add(a, h)
            else:
                a = dense(layer, a)
        return a

    def chunk_rows(self, activations: int = 2**21) -> int:
        """Rows per chunk so that one layer's activations hold about ``activations`` numbers."""
        return max(1, activations // max(self.n_in, self.n_out, *self.hidden_widths, 1))

    __call__ = forward

    # -- structure --------------------------------------------------------------------

    def dense_layers(self) -> Iterator[tuple[Dense, bool]]:
        """Every Dense layer in order, with a flag telling whether its units are hidden neurons.

        Hidden neurons are the units of every Dense layer with a non-identity activation,
        except the output layer; the closing identity map of a residual block is not a neuron.
        """
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            for d in layer.block if isinstance(layer, Residual) else [layer]:
                yield d, (i != last and not d.activation.is_identity)

    @property
    def hidden_widths(self) -> list[int]:
        return [d.n_out for d, hidden in self.dense_layers() if hidden]

    def stats(self) -> dict:
        """Size of the network.

        hidden_neurons, edges (number of weights), parameters (weights + biases),
        nonzero_parameters, max_abs_weight (over weights and biases; inf past float64), bit_complexity (the
        most bits of one parameter in fixed point: integer part plus fraction, :func:`memorizers.exact.bits`),
        total_bits (their sum over all parameters), bits_sufficient (the significand precision proved to suffice,
        recorded by :func:`memorizers.build`; None if unknown) and total_weight

            W(f) = sum over hidden neurons v of ||a_v||_2 * sqrt(||w_v||^2 + b_v^2),

        where (w_v, b_v) are v's incoming weights and bias and a_v its outgoing weights.
        For a two-layer net with scalar output this is Bubeck et al.'s
        W(f) = sum_l |a_l| sqrt(||w_l||^2 + b_l^2); deeper nets sum it over every hidden layer.
        """
        dense = list(self.dense_layers())
        params = [(d.exact_weight, d.exact_bias) if d.exact else (d.weight, d.bias) for d, _ in dense]
        edges = sum(d.weight.size for d, _ in dense)
        nnz = sum(int(np.count_nonzero(W) + np.count_nonzero(b)) for W, b in params)
        max_abs = max(max(np.abs(W).max(initial=0), np.abs(b).max(initial=0)) for W, b in params)
        widths = [np.concatenate([bits(W).ravel(), bits(b)]) for W, b in params]
        total = 0.0
        for (d, hidden), (nxt, _) in zip(dense, dense[1:]):
            if hidden:
                with np.errstate(over="ignore", invalid="ignore"):  # exact parameters beyond float64: inf
                    incoming = np.sqrt(np.sum(d.weight**2, axis=1) + d.bias**2)
                    outgoing = np.sqrt(np.sum(nxt.weight**2, axis=0))
                    terms = incoming * outgoing
                    # inf * 0, a unit beyond float64's range: 0 if it feeds nothing, else beyond the range too
                    W = nxt.exact_weight if nxt.exact else nxt.weight
                    feeds = (W != 0).any(axis=0)
                    total += float(np.sum(np.where(np.isnan(terms), np.where(feeds, np.inf, 0.0), terms)))
        return {
            "hidden_neurons": int(sum(self.hidden_widths)),
            "hidden_widths": self.hidden_widths,
            "edges": int(edges),
            "parameters": int(edges + sum(d.bias.size for d, _ in dense)),
            "nonzero_parameters": nnz,
            "total_weight": total,
            "max_abs_weight": float(rounded(np.array([max_abs], dtype=object))[0]),
            "bit_complexity": int(max(w.max(initial=0) for w in widths)),
            "total_bits": int(sum(w.sum() for w in widths)),
            "bits_sufficient": self.meta.get("bits_sufficient"),  # recorded by build(): see memorizers.certify
        }

    # -- export -----------------------------------------------------------------------

    def to_torch(self, dtype=None, X=None, y=None, *, check: bool = True):
        """A torch.nn.Module computing the same function, float64 by default (see
        :func:`memorizers.export.to_torch`)."""
        from .export import to_torch

        return to_torch(self, dtype, X, y, check=check)

    def to_onnx(self, path=None, dtype=np.float64, X=None, y=None, *, check: bool = True):
        """An ONNX model of this network, float64 by default (see :func:`memorizers.export.to_onnx`)."""
        from .export import to_onnx

        return to_onnx(self, path, dtype, X=X, y=y, check=check)

    # -- serialisation ----------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """A flat dict of arrays (plus a JSON header) that :meth:`from_arrays` inverts exactly."""
        arrays: dict[str, np.ndarray] = {}
        layout = []
        for i, layer in enumerate(self.layers):
            blocks = layer.block if isinstance(layer, Residual) else [layer]
            acts = []
            for j, d in enumerate(blocks):
                if d.exact:  # losslessly, as text (version 2)
                    arrays[f"{i}.{j}.weight.exact"], arrays[f"{i}.{j}.bias.exact"] = (
                        encode(d.exact_weight),
                        encode(d.exact_bias),
                    )
                    arrays[f"{i}.{j}.shape"] = np.array(d.weight.shape)
                else:
                    arrays[f"{i}.{j}.weight"] = d.weight
                    arrays[f"{i}.{j}.bias"] = d.bias
                acts.append(d.activation.to_dict())
            layout.append({"type": "residual" if isinstance(layer, Residual) else "dense", "activations": acts})
        header = {"format": FORMAT, "version": VERSION, "layout": layout, "meta": self.meta}
        arrays["header"] = np.array(json.dumps(header, default=json_default))
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> "Network":
        try:
            header = json.loads(str(arrays["header"]))
            if header.get("format") != FORMAT:
                raise NetworkFileError(f"not a memorizers network (format {header.get('format')!r})")
            if header.get("version") not in (1, VERSION):
                raise NetworkFileError(f"unsupported network file version {header.get('version')!r}")
            layers: list[Layer] = []
            for i, spec in enumerate(header["layout"]):
                blocks = [
                    _read_dense(arrays, f"{i}.{j}", Activation.from_dict(act))
                    for j, act in enumerate(spec["activations"])
                ]
                if spec["type"] == "residual":
                    layers.append(Residual(blocks))
                elif spec["type"] == "dense" and len(blocks) == 1:
                    layers.append(blocks[0])
                else:
                    raise NetworkFileError(f"bad layer type {spec['type']!r}")
            meta = dict(header.get("meta", {}))
            if "bits_needed" in meta:  # files written before the name said what the number is
                meta.setdefault("bits_sufficient", meta.pop("bits_needed"))
            return cls(layers, meta)
        except NetworkFileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, MemorizersError) as e:
            raise NetworkFileError(f"malformed network file: {e}") from e

    def save(self, path) -> None:
        """Write to one .npz file, atomically (temporary file, then rename)."""
        buf = io.BytesIO()
        np.savez(buf, **self.to_arrays())
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path) -> "Network":
        """Read a file written by :meth:`save`; raises NetworkFileError on anything else."""
        return cls.from_arrays(read_npz(path, "network"))


def _read_dense(arrays, key: str, act: Activation) -> Dense:
    if f"{key}.weight.exact" not in arrays:
        return Dense(arrays[f"{key}.weight"], arrays[f"{key}.bias"], act)
    shape = tuple(int(v) for v in arrays[f"{key}.shape"])
    if len(shape) != 2:
        raise ValueError(f"layer {key}: weight shape {shape}")
    return Dense(decode(arrays[f"{key}.weight.exact"], shape), decode(arrays[f"{key}.bias.exact"], shape[:1]), act)


# What reading a damaged archive raises: zipfile's own errors, a decompressor's, and for a member marked
# encrypted (RuntimeError) or with a compression method zipfile lacks (NotImplementedError).
_UNREADABLE = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, lzma.LZMAError)
_UNREADABLE += (RuntimeError, NotImplementedError)


def read_npz(path, what: str) -> dict[str, np.ndarray]:
    """All arrays of an .npz archive, or NetworkFileError saying why the file cannot be read."""
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise NetworkFileError(f"{path}: no such file") from None
    except _UNREADABLE as e:
        raise NetworkFileError(f"{path}: not a readable .npz {what} file ({e})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise NetworkFileError(f"{path}: expected an .npz archive ({what} file), got a plain .npy array")
    try:
        with f:
            return {k: f[k] for k in f.files}
    except MemoryError as e:
        raise NetworkFileError(
            f"{path}: an array in this {what} file is larger than the memory available ({e})"
        ) from None
    except _UNREADABLE as e:
        raise NetworkFileError(f"{path}: corrupt {what} file ({e})") from None


def output_path(path) -> str:
    """Where a write to ``path`` lands: through a symlink to its target; a path that exists and is not a
    regular file (a directory, a device, a pipe) is refused with NetworkFileError, never replaced."""
    target = os.path.realpath(os.fspath(path))
    if os.path.exists(target) and not os.path.isfile(target):
        kind = "a directory" if os.path.isdir(target) else "not a regular file"
        raise NetworkFileError(f"{os.fspath(path)} is {kind}; refusing to replace it (give a file path)")
    folder = os.path.dirname(target)
    while not os.path.exists(folder):  # the nearest folder that exists: the missing ones are created in it
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise NetworkFileError(f"{os.fspath(path)}: {folder} is a file, so no folder can be made there")
    return target


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that an interrupted write never leaves a partial file there.

    Writes through symlinks, refuses to replace anything but a regular file (:func:`output_path`),
    creates missing parent directories, and leaves the file with the mode a plain open() would
    give it (the umask's, or the mode of the file it replaces).
    """
    target = output_path(path)
    directory = os.path.dirname(target)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise NetworkFileError(f"{os.fspath(path)}: cannot create the folder {directory} ({e.strerror})") from None
    mode = os.stat(target).st_mode & 0o777 if os.path.exists(target) else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def json_text(o) -> str:
    """Strict JSON of a report (RFC 8259, which ``JSON.parse`` and every other reader take): numpy values as
    numbers and lists, and non-finite numbers (an infinite bound, a NaN margin) as null."""
    return json.dumps(_finite_or_null(o), default=json_default, allow_nan=False)


def _finite_or_null(o):
    if isinstance(o, dict):
        return {k: _finite_or_null(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite_or_null(v) for v in o]
    if isinstance(o, (np.ndarray, np.generic)):
        return _finite_or_null(o.tolist())
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def json_default(o):
    """JSON for numpy scalars and arrays (network metadata, CLI reports)."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot write {type(o).__name__} as JSON")
