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
from dataclasses import dataclass, field
from typing import Iterator, Union

import numpy as np

from .activations import Activation, identity
from .errors import MemorizersError, NetworkFileError
from .exact import bits, decode, encode, exact_values, rounded
from .files import atomic_write_bytes, json_default, read_npz

FORMAT = "memorizers-network"
VERSION = 3  # 2: exact parameters (text, hexadecimal); 3: sparse layers by their nonzeros; 1 and 2 are read too


@dataclass
class Dense:
    """Affine map followed by an elementwise activation: act(a @ weight.T + bias).

    ``weight`` and ``bias`` given as object arrays (Python ints, dyadic Fractions) are exact parameters
    (module doc), kept in ``exact_weight`` and ``exact_bias``: the network is then one for exact arithmetic,
    judged by its exact evaluation, even where float64 holds every parameter.

    Parameters
    ----------
    weight : numpy.ndarray, shape (n_out, n_in)
        Float64, or an object array of Python ints and dyadic Fractions (exact parameters).
    bias : numpy.ndarray, shape (n_out,)
        Float64 or exact, as ``weight``.
    activation : Activation
        Applied elementwise (default the identity).
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
        """The layer restricted to (or permuted by) these output rows and input columns, exact parameters kept.

        Parameters
        ----------
        rows : slice or array_like of int
            Output units.
        cols : slice or array_like of int
            Input columns.

        Returns
        -------
        Dense
            The sub-layer.
        """
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


@dataclass
class Residual:
    """a + block(a), where block is a list of Dense layers mapping the width back to itself.

    Parameters
    ----------
    block : list of Dense
        Its first layer's input width equals its last layer's output width.
    """

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
    """An ordered list of layers; ``meta`` records what built it (method, theorem, options).

    Parameters
    ----------
    layers : list of Dense or Residual
        Applied in order; each one's input width is the previous one's output width.
    meta : dict
        What built it and how to read its output: method, theorem, options, label kind, classes, label scale.
    """

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
        """Evaluate on the rows of X in ``dtype``.

        Parameters and inputs are cast to ``dtype`` first, so every operation rounds in that type.

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The points.
        dtype : numpy type
            float32, float64 or numpy.longdouble.
        device : str
            "numpy", or "auto" / a torch device name (``memorizers.backends.select``).

        Returns
        -------
        numpy.ndarray, shape (N, n_out)
            The outputs, in ``dtype``.
        """
        from .backends import chunk_activations, select

        dt = np.dtype(dtype)
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise MemorizersError(f"network expects {self.n_in} input features, got shape {X.shape}")
        run, _, where = select(device, self, dt)
        rows = self.chunk_rows(chunk_activations(where))
        if len(X) <= rows:
            return run(X)
        out = np.empty((len(X), self.n_out), dtype=dt)
        for s in range(0, len(X), rows):  # bounded memory, and faster than one huge pass
            out[s : s + rows] = run(X[s : s + rows])
        return out

    def outputs(self, X) -> np.ndarray:
        """The outputs as float64 the way the network is meant to be evaluated: what predictions use.

        Exactly, then rounded once, when it has exact parameters (:mod:`memorizers.exact`), else :meth:`forward`
        in float64.

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The points.

        Returns
        -------
        numpy.ndarray, shape (N, n_out)
            Float64 outputs.
        """
        if not self.exact:
            return self.forward(X)
        from .exact import exact_forward

        return rounded(exact_forward(self, np.atleast_2d(np.asarray(X, dtype=np.float64))))

    def evaluator(self, dtype=np.float64):
        """The float evaluation in ``dtype`` (NumPy) as a function of chunks of rows, what :meth:`forward` runs.

        Parameters
        ----------
        dtype : numpy type
            float32, float64 or numpy.longdouble.

        Returns
        -------
        callable
            ``evaluate(X_chunk)`` returning its outputs (``memorizers.backends.numpy_backend.evaluator``).
        """
        from .backends.numpy_backend import evaluator

        return evaluator(self, dtype)

    def interpret(self, a, dense, add):
        """The one walk through the network, in any arithmetic.

        Float evaluation, exact evaluation, the certificate's enclosures, the a-priori bound, the affine pieces
        and the ONNX graph are this walk with their own two operations.

        Parameters
        ----------
        a : object
            The input, in the arithmetic's representation.
        dense : callable
            ``dense(layer, a)`` applies a Dense layer (its affine map and activation) to the value ``a``.
        add : callable
            ``add(a, h)`` closes a residual block: a + block(a).

        Returns
        -------
        object
            The output, in the same representation.
        """
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
        """Rows per chunk so that one layer's activations hold about ``activations`` numbers.

        Parameters
        ----------
        activations : int
            The numbers one chunk's widest layer may hold.

        Returns
        -------
        int
            At least 1.
        """
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

        For a two-layer net with scalar output the total weight is Bubeck et al.'s
        W(f) = sum_l |a_l| sqrt(||w_l||^2 + b_l^2); deeper nets sum it over every hidden layer.

        Returns
        -------
        dict
            hidden_neurons, edges (number of weights), parameters (weights + biases), nonzero_parameters,
            max_abs_weight (over weights and biases; inf past float64), bit_complexity (the most bits of one
            parameter in fixed point: integer part plus fraction, ``memorizers.exact.bits``), total_bits (their sum
            over all parameters), bits_sufficient (the significand precision proved to suffice, recorded by
            :func:`memorizers.build`; None if unknown) and total_weight
            W(f) = sum over hidden neurons v of ||a_v||_2 * sqrt(||w_v||^2 + b_v^2), where (w_v, b_v) are v's
            incoming weights and bias and a_v its outgoing weights.
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
        """A torch.nn.Module computing the same function, float64 by default.

        Parameters
        ----------
        dtype : torch.dtype, optional
            The module's parameter type.
        X, y : array_like, optional
            Data to check a lower precision against.
        check : bool
            False skips that check.

        Returns
        -------
        torch.nn.Module
            See :func:`memorizers.export.to_torch`.
        """
        from .export import to_torch

        return to_torch(self, dtype, X, y, check=check)

    def to_onnx(self, path=None, dtype=np.float64, X=None, y=None, *, check: bool = True):
        """An ONNX model of this network, float64 by default.

        Parameters
        ----------
        path : path-like, optional
            Written atomically, if given.
        dtype : {numpy.float64, numpy.float32}
            The graph's element type.
        X, y : array_like, optional
            Data to check a lower precision against.
        check : bool
            False skips that check.

        Returns
        -------
        onnx.ModelProto
            See :func:`memorizers.export.to_onnx`.
        """
        from .export import to_onnx

        return to_onnx(self, path, dtype, X=X, y=y, check=check)

    # -- serialisation ----------------------------------------------------------------

    def as_read(self, X: np.ndarray) -> np.ndarray:
        """X as the network reads it.

        Rounded to float32 or float16 for a network read from a model whose input has that type
        (``meta["input_dtype"]``, ``memorizers.readers``), as float64 values; else X itself.

        Parameters
        ----------
        X : numpy.ndarray, shape (N, n_in)
            The points.

        Returns
        -------
        numpy.ndarray
            The points the network computes on.
        """
        reads = self.meta.get("input_dtype")
        if reads in ("float32", "float16"):
            with np.errstate(over="ignore"):
                return np.asarray(X).astype(reads).astype(np.float64)
        return X

    @classmethod
    def from_onnx(cls, model) -> "Network":
        """The network an ONNX model computes, parameters exactly as stored.

        Parameters
        ----------
        model : path-like or onnx.ModelProto
            The model (:func:`memorizers.readers.from_onnx`).

        Returns
        -------
        Network
            The same function.
        """
        from .readers import from_onnx

        return from_onnx(model)

    @classmethod
    def from_torch(cls, module) -> "Network":
        """The network a PyTorch module computes, parameters exactly as stored.

        Parameters
        ----------
        module : torch.nn.Module
            The module (:func:`memorizers.readers.from_torch`).

        Returns
        -------
        Network
            The same function.
        """
        from .readers import from_torch

        return from_torch(module)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """A flat dict of arrays (plus a JSON header) that ``from_arrays`` inverts exactly.

        Returns
        -------
        dict of str to numpy.ndarray
            What :meth:`save` writes.
        """
        arrays: dict[str, np.ndarray] = {}
        layout = []
        for i, layer in enumerate(self.layers):
            blocks = layer.block if isinstance(layer, Residual) else [layer]
            acts = []
            for j, d in enumerate(blocks):
                if d.exact:  # losslessly, as text (version 2)
                    arrays[f"{i}.{j}.weight.exact"] = encode(d.exact_weight)
                    arrays[f"{i}.{j}.bias.exact"] = encode(d.exact_bias)
                    arrays[f"{i}.{j}.shape"] = np.array(d.weight.shape)
                elif np.count_nonzero(d.weight) < 0.1 * d.weight.size:  # by its nonzeros (and -0.0s): rows, columns
                    kept = (d.weight != 0) | np.signbit(d.weight)
                    arrays[f"{i}.{j}.nonzero"], arrays[f"{i}.{j}.values"] = np.array(np.nonzero(kept)), d.weight[kept]
                    arrays[f"{i}.{j}.shape"], arrays[f"{i}.{j}.bias"] = np.array(d.weight.shape), d.bias
                else:
                    arrays[f"{i}.{j}.weight"], arrays[f"{i}.{j}.bias"] = d.weight, d.bias
                acts.append(d.activation.to_dict())
            layout.append({"type": "residual" if isinstance(layer, Residual) else "dense", "activations": acts})
        sparse = any(k.endswith(".values") for k in arrays)  # version 3 only where needed: older readers read the rest
        header = {"format": FORMAT, "version": VERSION if sparse else 2, "layout": layout, "meta": self.meta}
        arrays["header"] = np.array(json.dumps(header, default=json_default))
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> "Network":
        try:
            header = json.loads(str(arrays["header"]))
            if header.get("format") != FORMAT:
                raise NetworkFileError(f"not a memorizers network (format {header.get('format')!r})")
            if header.get("version") not in (1, 2, VERSION):
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
            return cls(layers, current_meta(header.get("meta", {})))
        except NetworkFileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, MemorizersError) as e:
            raise NetworkFileError(f"malformed network file: {e}") from e

    def save(self, path) -> None:
        """Write to one .npz file, atomically (temporary file, then rename).

        Parameters
        ----------
        path : path-like
            The file; never an input or a non-regular file.
        """
        buf = io.BytesIO()
        np.savez(buf, **self.to_arrays())
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path) -> "Network":
        """Read a file written by :meth:`save`.

        Parameters
        ----------
        path : path-like
            A .npz file written by :meth:`save`.

        Returns
        -------
        Network
            Exactly the network saved, exact parameters included.

        Raises
        ------
        NetworkFileError
            Anything else.
        """
        return cls.from_arrays(read_npz(path, "network"))


# The label kind of each method, for files written before build() recorded it (frozen: new methods record it)
_KIND_OF_METHOD = {
    **dict.fromkeys(("universal", "relu-baum", "yun-3layer", "yun-deep", "zhang"), "real"),
    **dict.fromkeys(("baum", "vershynin"), "binary"),
    **dict.fromkeys(("ntk", "harmonic"), "relative"),
    **dict.fromkeys(("yun-classifier", "yun-deep-classifier", "yun-2layer", "yun-resnet"), "onehot"),
    "daniely": "sign",
    "vardi": "index",
}


def current_meta(meta: dict) -> dict:
    """Metadata in today's terms (a new dict): older files name bits_sufficient bits_needed, and networks that
    build() did not record may lack the label kind (and, for the approximate methods, the tolerance: their eps)."""
    meta = dict(meta)
    if "bits_needed" in meta:
        meta.setdefault("bits_sufficient", meta.pop("bits_needed"))
    if meta.get("kind") is None and meta.get("method") in _KIND_OF_METHOD:
        meta["kind"] = _KIND_OF_METHOD[meta["method"]]
        if meta["kind"] == "relative" and "eps" in meta:
            meta["tol"] = meta["eps"]
    return meta


def _read_dense(arrays, key: str, act: Activation) -> Dense:
    if f"{key}.values" in arrays:  # a sparse layer (version 3)
        W = np.zeros(tuple(int(v) for v in arrays[f"{key}.shape"]))
        W[tuple(arrays[f"{key}.nonzero"])] = arrays[f"{key}.values"]
        return Dense(W, arrays[f"{key}.bias"], act)
    if f"{key}.weight.exact" not in arrays:
        return Dense(arrays[f"{key}.weight"], arrays[f"{key}.bias"], act)
    shape = tuple(int(v) for v in arrays[f"{key}.shape"])
    if len(shape) != 2:
        raise ValueError(f"layer {key}: weight shape {shape}")
    return Dense(decode(arrays[f"{key}.weight.exact"], shape), decode(arrays[f"{key}.bias.exact"], shape[:1]), act)
