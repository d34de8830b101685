"""Gradient-training baseline: train the architecture of a construction with PyTorch.

``train(template, X, y)`` takes a :class:`Network` (usually one a construction built) for
its layer widths and activations, initialises a fresh PyTorch copy (PyTorch's default
initialisation), and trains it in float64 with Adam or SGD until every point is
memorized (max |f - y| <= tol for real labels, every point classified right otherwise) or
a budget of epochs or seconds runs out. Real, 0/1 and +-1 labels use the squared loss,
one-hot labels the cross-entropy. Threshold layers have no gradient: they are trained
through the surrogate sigmoid(t / temperature) and evaluated as thresholds (our
documented choice). The trained weights come back as a Network and are verified by
:func:`memorizers.verify`, like any construction. Runs on a GPU when one is present and
``device="auto"``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import labels
from .errors import InvalidDataError, MemorizersError, MissingDependencyError
from .export import torch_module
from .kinds import KINDS, targets
from .network import Network
from .verify import MemorizationReport, infer_kind, recorded_kind_and_tol, verify


@dataclass
class TrainResult:
    """The trained network, its float64 verification, and what training cost."""

    network: Network
    report: MemorizationReport
    epochs: int
    seconds: float
    device: str
    history: list[float]  # loss after each epoch


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("training needs PyTorch: pip install 'memorizers[torch]'") from None
    return torch


def train(
    template: Network,
    X,
    y,
    *,
    optimizer: str = "adam",
    lr: float = 1e-3,
    epochs: int = 10_000,
    seconds: float | None = None,
    tol: float = 1e-6,
    kind: str | None = None,
    batch: int | None = None,
    temperature: float = 0.05,
    seed=None,
    device: str = "auto",
    progress: bool = False,
) -> TrainResult:
    """Train a fresh copy of ``template``'s architecture on (X, y); see the module docstring.

    Parameters
    ----------
    template : Network
        The architecture (layer widths, activations, residual blocks); its parameters are not used.
    X, y : array_like
        The data; the labels are scored as ``kind`` (default: the kind ``template`` was built for,
        with its recorded classes; else inferred).
    optimizer : {"adam", "sgd"}
    lr : float
        Learning rate, positive.
    epochs : int
        At most this many passes over the data.
    seconds : float, optional
        Wall-clock budget; training stops at the first epoch boundary past it.
    tol : float
        Real labels: max |f - y| that counts as memorized.
    batch : int, optional
        Mini-batch size (default: the whole set).
    temperature : float
        The threshold's surrogate sigmoid(t / temperature) while training.
    seed : int, optional
    device : str
        "auto" (CUDA when present), "cpu" or a torch device name.

    Returns
    -------
    TrainResult
        The trained network (same layout as ``template``), its float64 verification, epochs, seconds,
        device and the loss per epoch.

    Bad values (lr, epochs, batch, seconds) raise InvalidDataError before training starts.
    """
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise InvalidDataError(f"learning rate must be a positive number; got {lr}")
    for name, value in (("epochs", epochs), ("batch", batch)):
        if value is not None and not (isinstance(value, (int, np.integer)) and value >= 1):
            raise InvalidDataError(f"{name} must be a positive integer; got {value!r}")
    if seconds is not None and not (np.isfinite(seconds) and seconds > 0):
        raise InvalidDataError(f"seconds must be a positive number; got {seconds}")
    torch = _torch()
    if optimizer not in ("adam", "sgd"):
        raise MemorizersError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    X = np.asarray(X, dtype=np.float64)
    kind = kind or recorded_kind_and_tol(template)[0] or infer_kind(np.asarray(y), template.n_out)
    Y = targets(
        labels.for_network(template, y, kind), template.n_out, kind
    )  # the template's classes, as verify reads them
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    if seed is not None:
        torch.manual_seed(seed)

    model = torch_module(template, torch.float64, fresh=True, temperature=temperature).to(dev)  # residual blocks too

    Xt, Yt = torch.from_numpy(X).to(dev), torch.from_numpy(Y).to(dev)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    n = len(X)
    bs = n if batch is None else int(batch)
    history: list[float] = []

    criterion = KINDS[kind]  # the kind's memorization test and loss (memorizers.kinds)

    def memorized() -> bool:
        with torch.no_grad():
            return criterion.memorized(model.hard(Xt), Yt, tol)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc=f"train ({optimizer})", unit="epoch", disable=None)  # None: only on a terminal
    start, epoch = time.perf_counter(), 0
    while epoch < epochs and not memorized():
        if seconds is not None and time.perf_counter() - start > seconds:
            break
        perm = torch.randperm(n, device=dev)
        total = 0.0
        for s in range(0, n, bs):
            idx = perm[s : s + bs]
            F = model(Xt[idx])  # the threshold through its surrogate
            loss = criterion.loss(F, Yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / n)
        epoch += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{history[-1]:.3e}")
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - start
    trained = model.to_network(
        {"method": "trained", "optimizer": optimizer, "lr": lr, "epochs": epoch, "kind": kind, "tol": tol}
    )
    if template.meta.get("classes") is not None and kind == template.meta.get("kind"):
        trained.meta["classes"] = template.meta["classes"]
    trained.meta.update(
        {k: template.meta[k] for k in ("features", "target") if k in template.meta}
    )  # a table's columns
    report = verify(trained, X, y, kind=kind, tol=tol, certify=False)
    return TrainResult(trained, report, epoch, elapsed, dev, history)
