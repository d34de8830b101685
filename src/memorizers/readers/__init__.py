"""Networks this library did not build, read into a :class:`memorizers.Network` exactly as stored, so that
verify certifies them like any other: :func:`from_onnx` (an ONNX model), :func:`from_torch` (a PyTorch module),
and :func:`read_model`, which picks by the file's name (.onnx; .pt / .pth holding a pickled module; .npz, a
network file of this library).

:mod:`.chain` assembles the Network operation by operation for both readers.
"""

from __future__ import annotations

import os

from ..errors import MissingDependencyError, NetworkFileError
from .chain import UnsupportedModelError
from .onnx_reader import from_onnx
from .torch_reader import from_torch

SUFFIXES = (".onnx", ".pt", ".pth", ".npz")


def read_model(path):
    """The Network in the file ``path``, by its suffix (module doc).

    A .pt / .pth file is unpickled (``torch.load(weights_only=False)``), which runs code stored in it: read only
    files you trust, as with any pickle.

    Parameters
    ----------
    path : path-like
        A network saved by memorizers (.npz), an ONNX model (.onnx) or a pickled torch module (.pt, .pth).

    Returns
    -------
    Network
        With its parameters exactly as stored.

    Raises
    ------
    NetworkFileError
        No such file, or not a file of its suffix's kind.
    UnsupportedModelError
        A model with an operator or structure the readers do not read (named in the message).
    """
    name = os.fspath(path)
    low = name.lower()
    if low.endswith(".onnx"):
        return from_onnx(name)
    if low.endswith((".pt", ".pth")):
        try:
            import torch
        except ImportError:
            raise MissingDependencyError(
                "reading a torch module needs torch: pip install 'memorizers[torch]'"
            ) from None
        if not os.path.isfile(name):
            raise NetworkFileError(f"{name}: no such file")
        try:
            module = torch.load(name, weights_only=False, map_location="cpu")
        except Exception as e:  # pickle and zip errors of every kind
            raise NetworkFileError(f"{name}: not a torch file ({type(e).__name__}: {e})") from None
        if not isinstance(module, torch.nn.Module):
            raise NetworkFileError(
                f"{name} holds a {type(module).__name__}, not a module: save the module itself (torch.save(model, "
                "path)), or load its state dict into the module and call Network.from_torch(model)"
            )
        return from_torch(module, {"source": os.path.basename(name)})
    from ..network import Network

    return Network.load(name)


__all__ = ["SUFFIXES", "UnsupportedModelError", "from_onnx", "from_torch", "read_model"]
