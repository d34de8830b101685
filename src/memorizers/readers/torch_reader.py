"""A Network from a PyTorch module of a feed-forward network (:func:`from_torch`).

The module is traced symbolically (``torch.fx``), so ``nn.Sequential`` and modules with their own ``forward``
alike are read: ``nn.Linear``; ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.PReLU`` with one slope, ``nn.Hardtanh`` on
[-1, 1], ``nn.Tanh``, ``nn.Sigmoid``, ``nn.Identity``, ``nn.Flatten``, ``nn.Dropout`` and their functional forms;
``a + f(a)`` (a residual block); a final ``nn.Softmax`` / ``nn.LogSoftmax``, left out as in the ONNX reader
(argmax is the same; the network then scores class labels, kind ``onehot``). ``nn.Softplus`` is not read:
PyTorch's returns t itself past t > 20, which is not softplus. Networks this library exported
(:meth:`memorizers.Network.to_torch`, and :func:`memorizers.training.train`'s) are read back from their own
layout, exactly.
"""

from __future__ import annotations

import operator

from .. import activations
from .chain import UnsupportedModelError, Value, activate, add, add_constant, matmul, network, parameter


def from_torch(module, meta: dict | None = None):
    """The Network a torch module computes (module doc); parameters read exactly as stored.

    Parameters
    ----------
    module : torch.nn.Module
        A feed-forward module that ``torch.fx`` can trace (or one exported by memorizers).
    meta : dict, optional
        Added to the network's record.

    Returns
    -------
    Network
        The same function.

    Raises
    ------
    UnsupportedModelError
        A module that cannot be traced, or a layer or operation the reader does not read.
    """
    if hasattr(module, "to_network") and hasattr(module, "linears"):  # exported by memorizers: its own layout
        return module.to_network({"method": "torch", **(meta or {})})
    import torch
    import torch.fx

    try:
        graph = torch.fx.symbolic_trace(module).graph
    except Exception as e:  # fx raises TraceError, TypeError, NotImplementedError for control flow it cannot see
        raise UnsupportedModelError(f"the module cannot be traced ({type(e).__name__}: {e})") from None
    modules = dict(module.named_modules())
    values: dict = {}
    out, ends = None, {}  # ends: the order-keeping nodes (softmax), by node
    for node in graph.nodes:
        if node.op == "placeholder":
            if values:
                raise UnsupportedModelError("the module's forward takes more than one input")
            values[node] = Value()
        elif node.op == "output":
            out = node.args[0]
        else:
            values[node], end = _read(node, values, modules, torch)
            if end:
                ends[node] = end
    if out not in values:
        raise UnsupportedModelError("the module's output is not one tensor computed from its input")
    inside = [n for n in ends if n is not out]
    if inside:
        raise UnsupportedModelError(
            f"{ends[inside[0]]} (node {inside[0].name!r}) inside the network (read only at its end)"
        )
    result = {**(meta or {}), "method": "torch"}
    if out in ends:
        result.update(kind="onehot", stripped=ends[out])
    return network(values[out], result)


def _read(node, values, modules, torch):
    what = (
        type(modules[node.target]).__name__
        if node.op == "call_module"
        else getattr(node.target, "__name__", node.target)
    )
    where = f"{what} (node {node.name!r})"
    args = [values.get(a) if isinstance(a, torch.fx.Node) else a for a in node.args]
    x = args[0] if args else None
    if node.op == "call_module":
        m = modules[node.target]
        nn = torch.nn
        if isinstance(m, nn.Linear):
            y = matmul(x, parameter(m.weight.detach().cpu().numpy().T, f"{where} weight"), where)
            if m.bias is not None:
                y = add_constant(y, parameter(m.bias.detach().cpu().numpy(), f"{where} bias"), where)
            return y, None
        if isinstance(m, (nn.Identity, nn.Flatten, nn.Dropout)):
            return x, None
        if isinstance(m, (nn.Softmax, nn.LogSoftmax)):
            return x, type(m).__name__
        act = _module_activation(m, nn, where)
        return activate(x, act), None
    if node.op in ("call_function", "call_method"):
        name = node.target if node.op == "call_method" else getattr(node.target, "__name__", str(node.target))
        if node.target in (operator.add, torch.add) or name == "add":
            a, b = args[:2]
            if isinstance(a, Value) and isinstance(b, Value):
                return add(a, b, where), None
        if name in ("relu", "relu_"):
            return activate(x, activations.relu()), None
        if name in ("hardtanh", "clamp"):
            lo, hi = (node.kwargs.get(k, node.args[i] if len(node.args) > i else d) for i, k, d in _BOUNDS[name])
            if (lo, hi) == (-1.0, 1.0):
                return activate(x, activations.hard_tanh()), None
            raise UnsupportedModelError(f"{where}: a clip to [{lo}, {hi}] (read: [-1, 1])")
        if name in ("tanh", "sigmoid"):
            return activate(x, getattr(activations, name)()), None
        if name == "leaky_relu":
            slope = node.kwargs.get("negative_slope", node.args[1] if len(node.args) > 1 else 0.01)
            return activate(x, activations.leaky_relu(float(slope))), None
        if name in ("flatten", "dropout", "contiguous") and x is not None:
            return x, None
        if name in ("softmax", "log_softmax"):
            return x, name
    raise UnsupportedModelError(f"{where} is not read (a feed-forward network of dense layers is)")


_BOUNDS = {  # (position, keyword, default) of the lower and upper bound
    "hardtanh": ((1, "min_val", -1.0), (2, "max_val", 1.0)),
    "clamp": ((1, "min", None), (2, "max", None)),
}


def _module_activation(m, nn, where: str):
    if isinstance(m, nn.ReLU):
        return activations.relu()
    if isinstance(m, nn.LeakyReLU):
        return activations.leaky_relu(float(m.negative_slope))
    if isinstance(m, nn.PReLU):
        slope = parameter(m.weight.detach().cpu().numpy(), f"{where} slope")
        if slope.size != 1 and not (slope == slope.flat[0]).all():
            raise UnsupportedModelError(f"{where}: slopes that differ between units (one slope per layer is read)")
        return activations.leaky_relu(float(slope.flat[0]))
    if isinstance(m, nn.Hardtanh) and (m.min_val, m.max_val) == (-1.0, 1.0):
        return activations.hard_tanh()
    if isinstance(m, nn.Tanh):
        return activations.tanh()
    if isinstance(m, nn.Sigmoid):
        return activations.sigmoid()
    raise UnsupportedModelError(f"{where} is not read (a feed-forward network of dense layers is)")


__all__ = ["from_torch"]
