"""Export a Network to PyTorch and ONNX (optional extras: ``pip install 'memorizers[torch,onnx]'``)."""

from __future__ import annotations

import numpy as np

from .activations import Activation
from .backends.torch_backend import torch_module
from .errors import ExportError, MissingDependencyError, PrecisionWarning
from .files import atomic_write_bytes, json_text
from .kinds import KINDS
from .network import Dense, Network

SIGNIFICAND_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53, "longdouble": 64}


def precision_note(need: int | None, dtype_name: str, certified: float | None = None) -> str | None:
    """One line when ``dtype_name`` has fewer significand bits than ``need`` (a bits_sufficient; None: unknown).

    bits_sufficient is a precision that suffices in every summation order, not one that is needed: an evaluation
    with fewer bits may still memorize, and its own certificate (``certified``, if one was made) says so."""
    have = SIGNIFICAND_BITS.get(dtype_name)
    if need is None or have is None or have >= need:
        return None
    here = "" if certified is None else f"; this {dtype_name} evaluation: certified {certified:.2%}"
    return (
        f"{dtype_name} carries {have} significand bits; memorization is proved for every summation order from "
        f"{need} bits (bits_sufficient), so in {dtype_name} it holds where an evaluation's certificate says so{here}"
    )


def check_export(network: Network, dtype_name: str, X=None, y=None, *, kind=None, tol=None) -> None:
    """Never lose memorization silently in an export below float64.

    With data (X, y): the network is verified in that dtype and an ExportError raised if it no
    longer memorizes. float16 and bfloat16, which NumPy cannot evaluate, are judged by the any-order
    certificate of the format (:mod:`memorizers.certify.formats`): every label proved for every evaluation
    passes silently; otherwise PyTorch evaluates the export on the CPU, and a wrong label raises ExportError,
    while all labels right in that one evaluation give a PrecisionWarning with the certified share (without
    PyTorch, the float32 check and the warning). Without data: a PrecisionWarning when the dtype has fewer
    bits than the network's recorded bits_sufficient (see :func:`precision_note`).
    """
    import warnings

    if network.exact and X is None:
        raise ExportError(
            f"this network has exact parameters of up to {network.stats()['bit_complexity']} bits, which a "
            f"{dtype_name} export rounds; pass X, y to check that it still memorizes, or check=False to export anyway"
        )
    if dtype_name in ("float64", "longdouble") and not network.exact:
        return
    if X is None:
        note = precision_note(network.meta.get("bits_sufficient"), dtype_name)
        if note:
            warnings.warn(note + "; pass X, y to check the export", PrecisionWarning, stacklevel=3)
        return
    from .verify import verify

    low = dtype_name in ("float16", "bfloat16")
    kind = kind or network.meta.get("kind")
    r = verify(
        network, X, y, dtype="float32" if low else dtype_name, kind=kind, tol=tol, exact=False,
        certify=low, bits=False, any_order=dtype_name if low else None,
    )  # fmt: skip
    wrong = int(r.n_points - round(r.accuracy * r.n_points))
    if low and r.passed:
        share = r.any_order[dtype_name]
        if share == 1.0:
            return  # every label, in every evaluation in the format
        wrong = _wrong_in_torch(network, X, y, dtype_name, r.kind, r.tol)
        if wrong == 0 or wrong is None:
            how = "PyTorch's CPU evaluation gets every label" if wrong == 0 else "without PyTorch, checked in float32"
            warnings.warn(
                f"{dtype_name} export: {how}, but every evaluation (any summation order) is certified for "
                f"{share:.2%} of the points only",
                PrecisionWarning,
                stacklevel=3,
            )
            return
    if low or not r.passed:
        need = network.meta.get("bits_sufficient")
        raise ExportError(
            f"a {dtype_name} export no longer memorizes: {wrong} of {r.n_points} points wrong"
            + (" in PyTorch's CPU evaluation" if low and r.passed else f" ({r.summary()})")
            + (
                f"; {need} significand bits suffice in any summation order "
                f"({dtype_name} has {SIGNIFICAND_BITS[dtype_name]})"
                if need
                else ""
            )
            + "; export in float64, or pass check=False to export anyway"
        )


def _wrong_in_torch(network: Network, X, y, dtype_name: str, kind: str, tol: float) -> int | None:
    """How many labels the network gets wrong evaluated by PyTorch on the CPU in ``dtype_name`` (inputs rounded
    to it, as a deployment reads them); None without PyTorch."""
    from .kinds import score
    from .labels import for_network

    try:
        torch = _torch()
    except MissingDependencyError:
        return None
    dt = getattr(torch, dtype_name)
    with torch.no_grad():
        F = torch_module(network, dt)(torch.from_numpy(np.asarray(X, dtype=np.float64)).to(dt)).double().numpy()
    T = for_network(network, np.asarray(y), kind).targets(network.n_out)
    return int(np.count_nonzero(~score(F, T, kind, tol)[2]))


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("PyTorch export needs torch: pip install 'memorizers[torch]'") from None
    return torch


def to_torch(network: Network, dtype=None, X=None, y=None, *, check: bool = True):
    """A ``torch.nn.Module`` computing the same function, in float64 by default (``torch_module``).

    Dense layers become ``nn.Linear`` with the stored weights; activations are their exact torch
    counterparts (``Activation.torch``).

    Parameters
    ----------
    network : Network
        The network to export.
    dtype : torch.dtype, optional
        The module's parameter type (default ``torch.float64``).
    X, y : array_like, optional
        Data to check a lower precision against (``check_export``); without them the check uses the
        network's recorded bits_sufficient.
    check : bool
        False skips that check.

    Returns
    -------
    torch.nn.Module
        Picklable; its ``to_network`` reads it back.

    Raises
    ------
    ExportError
        When the export would no longer memorize X, y.
    """
    torch = _torch()
    dtype = dtype or torch.float64
    if check:
        check_export(network, str(dtype).replace("torch.", ""), X, y)
    return torch_module(network, dtype)


def to_onnx(network: Network, path=None, dtype=np.float64, opset: int = 17, X=None, y=None, *, check: bool = True):
    """Build an ONNX model (input "x" of shape (N, n_in), output "y"); write it to ``path`` if given.

    Parameters
    ----------
    network : Network
        The network to export.
    path : path-like, optional
        Written atomically (never over an input or a non-regular file).
    dtype : {numpy.float64, numpy.float32}
        The graph's element type.
    opset : int
        The ONNX operator set version.
    X, y : array_like, optional
        Data to check a lower precision (or exact parameters) against (``check_export``).
    check : bool
        False skips that check.

    Returns
    -------
    onnx.ModelProto
        Checked by ``onnx.checker``. Every activation has its ONNX form (``Activation.onnx``).

    Raises
    ------
    ExportError
        When the export would no longer memorize X, y (or holds exact parameters and no data is given).
    """
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise MissingDependencyError("ONNX export needs onnx: pip install 'memorizers[onnx]'") from None

    elements = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}
    try:
        dt = np.dtype(dtype)
        elem = elements[dt]
    except (TypeError, KeyError):
        raise ExportError(f"ONNX export writes float32 or float64; got dtype {dtype!r}") from None
    if check:
        check_export(network, dt.name, X, y)
    nodes, inits = [], []
    counter = iter(range(10**9))

    def name(prefix):
        return f"{prefix}_{next(counter)}"

    def const(value, prefix="c"):
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dt), n))
        return n

    def node(op: str, inputs: list[str], **attributes) -> str:
        out = name(op.lower())
        if attributes.get("to") == "element":  # a Cast to the graph's element type
            attributes["to"] = elem
        nodes.append(helper.make_node(op, inputs, [out], **attributes))
        return out

    def activation(act: Activation, t: str) -> str:
        return act.onnx(node, const, t, float32=dt == np.float32)

    def dense(d: Dense, t: str) -> str:
        mm, z = name("mm"), name("z")
        nodes.append(helper.make_node("MatMul", [t, const(d.weight.T, "W")], [mm]))
        nodes.append(helper.make_node("Add", [mm, const(d.bias, "b")], [z]))
        return activation(d.activation, z)

    t = network.interpret("x", dense, lambda t, h: node("Add", [t, h]))
    nodes.append(helper.make_node("Identity", [t], ["y"]))
    outputs = [helper.make_tensor_value_info("y", elem, ["N", network.n_out])]
    label = _label_nodes(network, node, const, numpy_helper, inits)
    if label is not None:
        nodes.append(helper.make_node("Identity", [label[0]], ["label"]))
        outputs.append(helper.make_tensor_value_info("label", label[1], ["N"]))
    graph = helper.make_graph(
        nodes, "memorizers", [helper.make_tensor_value_info("x", elem, ["N", network.n_in])], outputs, inits
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="memorizers")
    helper.set_model_props(model, _metadata(network))
    onnx.checker.check_model(model)
    if path is not None:
        atomic_write_bytes(path, model.SerializeToString())
    return model


METADATA = (
    "method",
    "statement",
    "kind",
    "tol",
    "bits_sufficient",
    "classes",
    "features",
    "label_scale",
    "label_offset",
)


def _metadata(network: Network) -> dict[str, str]:
    """What the model was built as, for whoever loads it: the network's record, JSON-encoded, and the version."""
    from importlib.metadata import version

    meta = {k: json_text(network.meta[k]) for k in METADATA if network.meta.get(k) is not None}
    return {**meta, "memorizers_version": version("memorizers")}


def _label_nodes(network: Network, node, const, numpy_helper, inits):
    """(tensor, element type) of the predicted labels, as :func:`memorizers.labels.decode` gives them, for a network
    built for class labels: the argmax (onehot), the threshold (binary, sign) or the nearest id (index), mapped
    through the recorded classes (strings included). None for real labels."""
    from onnx import TensorProto

    kind, classes = network.meta.get("kind"), network.meta.get("classes")
    if kind not in ("onehot", "binary", "sign", "index"):
        return None
    if classes is None and kind in ("binary", "sign"):  # the kinds' own values, as decode gives them
        classes = list(KINDS[kind].values)
    if kind == "onehot":
        index = node("ArgMax", ["y"], axis=1, keepdims=0)
    elif kind == "index":
        top = (len(classes) if classes is not None else 2**31) - 1
        rounded = node("Clip", [node("Round", ["y"]), const(0.0), const(float(top))])
        index = node("Cast", [node("Squeeze", [rounded, _int64(numpy_helper, inits, [1])])], to=TensorProto.INT64)
    else:
        above = node(
            "Greater",
            [node("Squeeze", ["y", _int64(numpy_helper, inits, [1])]), const(0.5 if kind == "binary" else 0.0)],
        )
        index = node("Cast", [above], to=TensorProto.INT64)
    if classes is None:
        return index, TensorProto.INT64
    values = np.array(classes, dtype=object if isinstance(classes[0], str) else np.int64)
    name = f"classes_{len(inits)}"
    inits.append(numpy_helper.from_array(values, name))
    return node("Gather", [name, index], axis=0), TensorProto.STRING if values.dtype == object else TensorProto.INT64


def _int64(numpy_helper, inits, values) -> str:
    name = f"axes_{len(inits)}"
    inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
    return name
