"""The torch backend: the network as a ``torch.nn.Module`` (the one interpreter with torch operations, which
export and training use too) and its float evaluation on a torch device, scored there.

An evaluation on a GPU rounds like any IEEE float64 (or float32) evaluation, in its own summation order, so its
outputs differ from NumPy's by no more than the a-priori rounding bound of
:func:`memorizers.certify.forward_with_bound` allows each of them; verify scores what the device computed. TF32
is switched off for the duration of a float32 evaluation: its 10-bit products would not be float32 arithmetic.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..errors import MissingDependencyError
from ..kinds import score_torch, targets_torch
from ..network import Dense, Network, Residual


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("PyTorch export needs torch: pip install 'memorizers[torch]'") from None
    return torch


def torch_module(network: Network, dtype=None, *, fresh: bool = False, temperature: float | None = None):
    """The network as a ``torch.nn.Module`` (:class:`NetworkModule`): one ``nn.Linear`` per Dense layer (in
    ``network.dense_layers()`` order) and a forward pass that is :meth:`Network.interpret` with torch operations,
    so residual blocks and every activation come with no code of their own. It survives ``torch.save`` /
    ``torch.load`` and ``torch.export``.

    ``fresh``: PyTorch's default initialisation instead of the network's parameters (training's starting
    point); ``temperature``: the threshold's trainable surrogate sigmoid(t / temperature)
    (:meth:`Activation.torch`) in ``forward``; ``module.hard(x)`` always evaluates the true threshold.
    ``module.to_network()`` reads the (trained) parameters back into a Network of the same layout.
    """
    return _module_class()(network, dtype, fresh, temperature)


_CLASS = []


def _module_class():
    """NetworkModule, defined once torch is imported (torch is optional); a module attribute, so pickle finds it."""
    if _CLASS:
        return _CLASS[0]
    torch = _torch()
    nn = torch.nn

    class NetworkModule(nn.Module):
        def __init__(self, network: Network, dtype=None, fresh: bool = False, temperature: float | None = None):
            super().__init__()
            dtype = dtype or torch.float64
            self.network, self.temperature = network, temperature
            dense = [d for d, _ in network.dense_layers()]
            self.linears = nn.ModuleList([nn.Linear(d.n_in, d.n_out, dtype=dtype) for d in dense])
            if not fresh:
                with torch.no_grad():
                    for lin, d in zip(self.linears, dense):
                        lin.weight.copy_(torch.from_numpy(d.weight))
                        lin.bias.copy_(torch.from_numpy(d.bias))

        def _run(self, t, temp):
            linears = iter(self.linears)  # interpret visits the Dense layers in dense_layers() order

            def dense(d: Dense, a):
                return d.activation.torch(next(linears)(a), temperature=temp)

            return self.network.interpret(t, dense, lambda a, h: a + h)

        def forward(self, t):
            return self._run(t, self.temperature)

        def hard(self, t):
            return self._run(t, None)

        def to_network(self, meta: dict | None = None) -> Network:
            linears = iter(self.linears)

            def trained(d: Dense) -> Dense:
                lin = next(linears)
                return Dense(
                    lin.weight.detach().cpu().double().numpy(), lin.bias.detach().cpu().double().numpy(), d.activation
                )

            layers = [
                Residual([trained(d) for d in layer.block]) if isinstance(layer, Residual) else trained(layer)
                for layer in self.network.layers
            ]
            return Network(layers, dict(meta or {}))

        def extra_repr(self):
            return ", ".join(d.activation.name for d, _ in self.network.dense_layers())

    NetworkModule.__module__, NetworkModule.__qualname__ = __name__, "NetworkModule"
    _CLASS.append(NetworkModule)
    return NetworkModule


def __getattr__(name: str):
    if name == "NetworkModule":  # for pickle, and for isinstance checks
        return _module_class()
    raise AttributeError(name)


class TorchForward:
    """Evaluate ``network`` on chunks of rows (NumPy in, NumPy out) with torch on ``device`` in ``dtype``."""

    def __init__(self, network, dtype, device: str):
        import torch

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
