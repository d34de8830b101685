"""A Network from an ONNX model of a feed-forward network (:func:`from_onnx`).

Read: MatMul and Gemm with a constant weight, Add and Sub of a constant, Relu, LeakyRelu, PRelu with one slope,
Clip to [-1, 1] (hard-tanh) or [0, inf) (ReLU), Abs, Tanh, Sigmoid, Softplus, Identity, Dropout, Flatten,
Reshape to (N, width), Cast between floating-point types, and Add of two tensors where one is computed from
the other (a residual block). The scores are the graph's first floating-point output (or the input of its
ZipMap); a Softmax or LogSoftmax that ends them is left out, since it keeps every row's order: the network
then scores class labels by argmax (kind ``onehot``), and when the graph maps the argmax through a constant
class list (scikit-learn's converters: ArrayFeatureExtractor) that list becomes ``meta["classes"]``, so verify
reads labels as the model returns them. Anything else is refused in one line naming the operator and node.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

from .. import activations
from ..errors import MissingDependencyError
from . import chain
from .chain import UnsupportedModelError, Value

FLOAT_TYPES = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16"}  # ONNX TensorProto element types
BITS = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}
PASS = {"Identity", "Dropout", "Flatten", "Reshape", "Cast"}
ACTIVATIONS = {
    "Relu": activations.relu,
    "Abs": activations.absolute,
    "Tanh": activations.tanh,
    "Sigmoid": activations.sigmoid,
    "Softplus": activations.softplus,
}
ORDER_KEEPING = {"Softmax", "LogSoftmax"}  # left out at the end of the scores: argmax is the same


def from_onnx(model) -> "chain.Network":
    """The Network an ONNX model computes (module doc).

    Parameters
    ----------
    model : path-like or onnx.ModelProto
        The model; its initializers are read exactly as stored.

    Returns
    -------
    Network
        The same function, with the model's record when memorizers wrote it.

    Raises
    ------
    UnsupportedModelError
        One line naming the operator and node, for anything it does not read.
    NetworkFileError
        No such file, or not an ONNX model.
    """
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise MissingDependencyError("reading ONNX needs onnx: pip install 'memorizers[onnx]'") from None
    source = None
    if not isinstance(model, onnx.ModelProto):
        source = os.fspath(model)
        if not os.path.isfile(source):
            raise chain.NetworkFileError(f"{source}: no such file")
        try:
            model = onnx.load(source)
        except Exception as e:  # onnx raises DecodeError and OSError subclasses alike
            raise chain.NetworkFileError(f"{source}: not an ONNX model ({type(e).__name__}: {e})") from None
    graph = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    inputs = [i for i in graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise UnsupportedModelError(f"the model has {len(inputs)} inputs; a network reads one")
    producer = {out: n for n in graph.node for out in n.output}
    scores = _scores(graph, producer)
    stripped = None
    while scores in producer and producer[scores].op_type in ORDER_KEEPING | {"Identity"}:
        stripped = stripped or (producer[scores].op_type if producer[scores].op_type != "Identity" else None)
        scores = producer[scores].input[0]
    needed = _ancestors(scores, producer)
    values = {inputs[0].name: Value()}
    for n in graph.node:
        if n.output[0] not in needed:
            continue
        values[n.output[0]] = _read(n, values, consts)
    if scores not in values:
        raise UnsupportedModelError(f"the scores {scores!r} do not depend on the input {inputs[0].name!r}")
    meta = {"method": "onnx", "input_dtype": _input_dtype(graph, inputs[0])}
    if source:
        meta["source"] = os.path.basename(source)
    if stripped:
        meta.update(kind="onehot", stripped=stripped)
    classes = _classes(graph, producer, consts)
    if classes is not None:
        meta.update(kind="onehot", classes=classes)
    if model.producer_name == "memorizers":  # our export's record: the label kind, classes, tolerance, features
        recorded = {p.key: p.value for p in model.metadata_props}
        meta.update({k: json.loads(v) for k, v in recorded.items() if k in ("kind", "classes", "tol", "features")})
    return chain.network(values[scores], meta)


def _input_dtype(graph, x) -> str:
    """The precision the network reads its input in: the input's type, or a narrower one it is cast to first."""
    types = [x.type.tensor_type.elem_type] + [
        dict((a.name, a.i) for a in n.attribute).get("to")
        for n in graph.node
        if n.op_type == "Cast" and n.input[0] == x.name
    ]
    names = [FLOAT_TYPES[t] for t in types if t in FLOAT_TYPES] or ["float64"]
    return min(names, key=BITS.get)


def _scores(graph, producer) -> str:
    for out in graph.output:
        if out.type.tensor_type.elem_type in FLOAT_TYPES:
            return out.name
    for n in graph.node:  # scikit-learn's default: probabilities as a sequence of maps (ZipMap)
        if n.op_type == "ZipMap":
            return n.input[0]
    raise UnsupportedModelError("the model has no floating-point output to read as scores")


def _ancestors(name: str, producer) -> set:
    seen, todo = set(), [name]
    while todo:
        t = todo.pop()
        if t in seen or t not in producer:
            continue
        seen.add(t)
        todo.extend(producer[t].input)
    return seen


def _read(n, values: dict, consts: dict) -> Value:
    op, where = n.op_type, f"operator {n.op_type} (node {n.name or n.output[0]!r})"
    attrs = {a.name: _attribute(a) for a in n.attribute}
    args = [values.get(i) for i in n.input]
    consts_in = [consts.get(i) for i in n.input]
    x = args[0] if args else None
    if op in PASS:
        if op == "Cast" and attrs.get("to") not in FLOAT_TYPES:
            raise UnsupportedModelError(f"{where}: a cast to a non-floating-point type inside the network")
        if op == "Reshape" and (consts_in[1] is None or len(consts_in[1]) != 2):
            raise UnsupportedModelError(f"{where}: only a reshape to (N, width) is read")
        if x is None:
            raise UnsupportedModelError(f"{where}: reads no tensor computed from the input")
        return x
    if op == "MatMul" and x is not None and consts_in[1] is not None:
        return chain.matmul(x, chain.parameter(consts_in[1], f"{where} weight"), where)
    if op == "Gemm" and x is not None and consts_in[1] is not None and not attrs.get("transA", 0):
        B = chain.parameter(consts_in[1], f"{where} weight")
        alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
        if not (_power_of_two(alpha) and _power_of_two(beta)):
            raise UnsupportedModelError(f"{where}: alpha {alpha:g} and beta {beta:g} must be powers of two (exact)")
        y = chain.matmul(x, (B.T if attrs.get("transB", 0) else B) * alpha, where)
        if len(n.input) > 2 and n.input[2]:
            y = chain.add_constant(y, chain.parameter(consts_in[2], f"{where} bias") * beta, where)
        return y
    if op in ("Add", "Sub") and len(args) == 2:
        if args[0] is not None and consts_in[1] is not None:
            c = chain.parameter(consts_in[1], f"{where} constant")
            return chain.add_constant(args[0], -c if op == "Sub" else c, where)
        if op == "Add" and args[1] is not None and consts_in[0] is not None:
            return chain.add_constant(args[1], chain.parameter(consts_in[0], f"{where} constant"), where)
        if op == "Add" and args[0] is not None and args[1] is not None:
            return chain.add(args[0], args[1], where)
    if x is not None and op in ACTIVATIONS:
        return chain.activate(x, ACTIVATIONS[op]())
    if x is not None and op == "LeakyRelu":
        return chain.activate(x, activations.leaky_relu(float(np.float32(attrs.get("alpha", 0.01)))))
    if x is not None and op == "PRelu" and consts_in[1] is not None:
        slope = chain.parameter(consts_in[1], f"{where} slope")
        if slope.size == 0 or not (slope == slope.flat[0]).all():
            raise UnsupportedModelError(f"{where}: slopes that differ between units (one slope per layer is read)")
        return chain.activate(x, activations.leaky_relu(float(slope.flat[0])))
    if x is not None and op == "Clip":
        lo, hi = (_scalar(consts_in[i]) if len(n.input) > i and n.input[i] else None for i in (1, 2))
        lo, hi = attrs.get("min", lo), attrs.get("max", hi)
        if (lo, hi) == (-1.0, 1.0):
            return chain.activate(x, activations.hard_tanh())
        if lo == 0.0 and (hi is None or hi == math.inf):
            return chain.activate(x, activations.relu())
        raise UnsupportedModelError(f"{where}: a clip to [{lo}, {hi}] (read: [-1, 1] and [0, inf))")
    if op in ORDER_KEEPING:
        raise UnsupportedModelError(f"{where} inside the network (read only where it ends the scores)")
    raise UnsupportedModelError(f"{where} is not read (a feed-forward network of dense layers is)")


def _classes(graph, producer, consts):
    """The constant class list the graph maps its argmax through, if it does (scikit-learn's classifiers)."""
    for n in graph.node:
        if n.op_type == "ArrayFeatureExtractor" and n.input[0] in consts:
            index = producer.get(n.input[1])
            if index is not None and index.op_type == "ArgMax":
                values = consts[n.input[0]].ravel()
                return [v.decode() if isinstance(v, bytes) else v for v in values.tolist()]
    return None


def _attribute(a):
    from onnx import helper

    return helper.get_attribute_value(a)


def _scalar(a):
    return None if a is None else float(np.asarray(a).reshape(-1)[0])


def _power_of_two(v: float) -> bool:
    m, _ = math.frexp(v)
    return m == 0.5
