"""Gradient-training baseline: train the architecture of a construction with PyTorch.

``train(template, X, y)`` takes a ``Network`` (usually one a construction built) for
its layer widths and activations, initialises a fresh PyTorch copy (PyTorch's default
initialisation), and trains it until every point is memorized (max |f - y| <= tol for real
labels, every point classified right otherwise) or a budget of epochs or seconds runs out.
Real, 0/1 and +-1 labels use the squared loss, one-hot labels the cross-entropy. Threshold
layers have no gradient: they are trained through the surrogate sigmoid(t / temperature) and
evaluated as thresholds (our documented choice). The trained weights come back as a float64
Network and are verified by :func:`memorizers.verify`, like any construction. Runs on a GPU
when one is present and ``device="auto"``.

Two recipes (:data:`RECIPES`); any argument given explicitly overrides the recipe's value.

- ``"strong"`` (the default), what practitioners use to fit a training set, random labels
  included: mini-batches of 512 (the fastest to 100% of 128, 256, 512 and 1024 on
  10,000 Fashion-MNIST images), float32 arithmetic (float64 for real labels at a tolerance below
  1e-4, which float32's 24-bit outputs cannot resolve reliably), AdamW (Loshchilov & Hutter 2019; no weight
  decay, since nothing is to be regularised: Zhang et al. 2017 fit CIFAR-10's random labels with
  the regularisers off) under a one-cycle learning-rate schedule (Smith & Topping 2019: cosine
  warm-up from lr/25 to lr over the first quarter, cosine decay to lr/10^4). The schedule spans
  the budget: its position is the larger of the epochs and the seconds used, as a fraction of
  their budgets (a time budget alone: no epoch limit). ``lr="auto"`` first tries :data:`LR_CANDIDATES`
  and the recipe's rate for equal time, a twentieth of the budget each, and keeps the one that memorized the
  most points (lowest loss, then the recipe's, on ties; ``meta["lr_trials"]`` records them); that search is
  part of the reported time. The float32 model is stopped only when a float64 copy of it memorizes too,
  so that the float64 verification agrees.
- ``"full-batch"``: the earlier baseline: the whole set per step, float64, Adam, constant lr 1e-3.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import numpy as np

from . import labels
from .backends.torch_backend import torch_module
from .data import as_array
from .errors import InvalidDataError, MissingDependencyError
from .kinds import KINDS, default_tol
from .network import Network
from .verify import MemorizationReport, infer_kind, recorded_kind_and_tol, verify

RECIPES = {
    "strong": dict(optimizer="adamw", lr=3e-3, batch=512, dtype="auto", schedule="onecycle", epochs=500),
    "full-batch": dict(optimizer="adam", lr=1e-3, batch=None, dtype="float64", schedule="constant", epochs=10_000),
}
OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULES = ("onecycle", "constant")
DTYPES = ("float32", "float64", "auto")
LR_CANDIDATES = (1e-3, 3e-3, 1e-2)
UNLIMITED = 10**9  # epochs when a time budget alone stops training


@dataclass
class TrainResult:
    """The trained network, its float64 verification, and what training cost.

    Parameters
    ----------
    network : Network
        The trained network (the template's layout).
    report : MemorizationReport
        Its float64 verification.
    epochs : int
        Epochs run.
    seconds : float
        Wall-clock, the learning-rate search included.
    device : str
        Where it trained.
    history : list of float
        The loss after each epoch.
    curve : list of (float, float)
        (seconds, fraction of points memorized) after each epoch.
    lr : float
        The (peak) learning rate used: the given one, or the one lr="auto" chose.
    """

    network: Network
    report: MemorizationReport
    epochs: int
    seconds: float
    device: str
    history: list[float]  # loss after each epoch
    curve: list[tuple[float, float]]  # (seconds, fraction of points memorized) after each epoch
    lr: float  # the (peak) learning rate used: the given one, or the one lr="auto" chose


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("training needs PyTorch: pip install 'memorizers[torch]'") from None
    return torch


def one_cycle(progress: float) -> float:
    """The one-cycle schedule's factor of the peak learning rate at ``progress`` in [0, 1]: a cosine rise
    from 1/25 over the first quarter, then a cosine fall to 1/10^4 (Smith & Topping 2019)."""
    p = min(max(progress, 0.0), 1.0)
    lo, hi, end, warm = 1 / 25, 1.0, 1e-4, 0.25
    if p < warm:
        return lo + (hi - lo) * (1 - math.cos(math.pi * p / warm)) / 2
    return end + (hi - end) * (1 + math.cos(math.pi * (p - warm) / (1 - warm))) / 2


def train(
    template: Network,
    X,
    y,
    *,
    recipe: str = "strong",
    optimizer: str | None = None,
    lr: float | str | None = None,
    epochs: int | None = None,
    seconds: float | None = None,
    tol: float | None = None,
    kind: str | None = None,
    batch: int | None = None,
    dtype: str | None = None,
    schedule: str | None = None,
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
    recipe : {"strong", "full-batch"}
        The defaults of the arguments below (:data:`RECIPES`); an argument given overrides its recipe value.
    optimizer : {"adamw", "adam", "sgd"}
        SGD takes momentum 0.9 under the one-cycle schedule, none under the constant one.
    lr : float or "auto"
        The (peak) learning rate, positive; "auto" picks one of :data:`LR_CANDIDATES` by a short trial each.
    epochs : int
        At most this many passes over the data (default: the recipe's; with ``seconds`` alone, no limit).
    seconds : float, optional
        Wall-clock budget; training stops at the first epoch boundary past it.
    tol : float, optional
        Real labels: max |f - y| that counts as memorized (default :func:`memorizers.kinds.default_tol` of N,
        as for build).
    kind : str, optional
        The label kind to score.
    batch : int, optional
        Mini-batch size (the recipe's; the full-batch recipe: the whole set).
    dtype : {"float32", "float64", "auto"}
        The arithmetic of training; the result is verified in float64 whatever it is. "auto": float64 for
        real (and relative) labels with tol < 1e-4, float32 otherwise.
    schedule : {"onecycle", "constant"}
        The learning rate's schedule.
    temperature : float
        The threshold's surrogate sigmoid(t / temperature) while training.
    seed : int, optional
        The initialisation's and the batches' seed.
    device : str
        "auto" (CUDA when present), "cpu" or a torch device name.
    progress : bool
        Show a progress bar per epoch (on a terminal only).

    Returns
    -------
    TrainResult
        The trained network (same layout as ``template``), its float64 verification, epochs, seconds (the
        lr search included), device, the loss and the fraction memorized per epoch, and the learning rate.

    Raises
    ------
    InvalidDataError
        Bad values (recipe, optimizer, lr, epochs, batch, seconds, dtype, schedule), before training starts.
    """
    if recipe not in RECIPES:
        raise InvalidDataError(f"recipe must be one of {', '.join(RECIPES)}; got {recipe!r}")
    given = {"optimizer": optimizer, "lr": lr, "epochs": epochs, "batch": batch, "dtype": dtype, "schedule": schedule}
    setup = {**RECIPES[recipe], **{k: v for k, v in given.items() if v is not None}}
    if seconds is not None and epochs is None:  # a time budget alone: the clock, not the recipe's epochs, stops it
        setup["epochs"] = UNLIMITED
    _check(setup, seconds)
    torch = _torch()
    X, y_shape = as_array(X, "data is not a numeric array", np.float64), as_array(y, "labels are not an array").shape
    if X.ndim != 2 or X.shape[1] != template.n_in:
        raise InvalidDataError(f"X must have shape (N, {template.n_in}) for this architecture; got {X.shape}")
    if y_shape[:1] != (len(X),):
        raise InvalidDataError(f"y must hold one label per point of X ({len(X)}); got shape {y_shape}")
    tol = default_tol(len(X)) if tol is None else tol
    kind = kind or recorded_kind_and_tol(template)[0] or infer_kind(np.asarray(y), template.n_out)
    Y = labels.for_network(template, y, kind).targets(template.n_out)  # the template's classes, as verify reads
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    if setup["dtype"] == "auto":
        setup["dtype"] = "float64" if not KINDS[kind].classes and tol < 1e-4 else "float32"
    start = time.perf_counter()
    trials = None
    if setup["lr"] == "auto":
        setup["lr"], trials = _search_lr(template, X, Y, kind, tol, setup, seconds, temperature, seed, dev, recipe)
    run = _Run(template, X, Y, kind, tol, setup, temperature, seed, dev)
    used = time.perf_counter() - start  # the lr search and the setup (torch's optimizer import: seconds, once)
    budget = None if seconds is None else max(seconds - used, 0.0)
    run.fit(setup["epochs"], budget, progress)
    elapsed = time.perf_counter() - start
    record = {"method": "trained", "recipe": recipe, **setup, "epochs": run.epoch, "kind": kind, "tol": tol}
    if trials is not None:
        record["lr_trials"] = trials
    trained = run.model.to_network(record)
    if template.meta.get("classes") is not None and kind == template.meta.get("kind"):
        trained.meta["classes"] = template.meta["classes"]
    trained.meta.update({k: template.meta[k] for k in ("features", "target") if k in template.meta})  # table columns
    report = verify(trained, X, y, kind=kind, tol=tol, certify=False)
    curve = [(used + t, f) for t, f in run.curve]
    return TrainResult(trained, report, run.epoch, elapsed, dev, run.history, curve, setup["lr"])


def _check(setup: dict, seconds) -> None:
    lr = setup["lr"]
    if not (lr == "auto" or (isinstance(lr, (int, float)) and not isinstance(lr, bool) and np.isfinite(lr) and lr > 0)):
        raise InvalidDataError(f"learning rate must be a positive number or 'auto'; got {lr!r}")
    for name in ("epochs", "batch"):
        value = setup[name]
        if value is not None and not (isinstance(value, (int, np.integer)) and value >= 1):
            raise InvalidDataError(f"{name} must be a positive integer; got {value!r}")
    if seconds is not None and not (np.isfinite(seconds) and seconds > 0):
        raise InvalidDataError(f"seconds must be a positive number; got {seconds}")
    for name, known in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("dtype", DTYPES)):
        if setup[name] not in known:
            raise InvalidDataError(f"{name} must be one of {', '.join(known)}; got {setup[name]!r}")


def _search_lr(template, X, Y, kind, tol, setup, seconds, temperature, seed, dev, recipe) -> tuple[float, list]:
    """lr="auto": of :data:`LR_CANDIDATES` and the recipe's own rate, the one that memorizes the most points (then:
    the lowest loss; then: the recipe's) when each trains from the same initialisation for the same time, a
    twentieth of the budget (without one: the time the recipe's rate takes for a twentieth of its epochs).
    Returns it with what was tried: (lr, fraction memorized, loss) per candidate."""
    own = RECIPES[recipe]["lr"]
    candidates = sorted({*LR_CANDIDATES, own})
    slice_s = None if seconds is None else seconds / 20
    epochs = UNLIMITED if slice_s is not None else max(1, setup["epochs"] // 20)
    trials, best = [], None
    for lr in [own] + [c for c in candidates if c != own]:  # the recipe's first: it sets the slice without a budget
        run = _Run(template, X, Y, kind, tol, {**setup, "lr": lr, "epochs": epochs}, temperature, seed, dev)
        t0 = time.perf_counter()
        run.fit(epochs, slice_s, progress=False)
        if slice_s is None:  # the others get the time the recipe's rate took
            slice_s, epochs = max(time.perf_counter() - t0, 1e-3), UNLIMITED
        loss = run.history[-1] if run.history else 0.0
        trials.append((lr, run.fraction, loss))
        score = (run.fraction, -loss, lr == own)
        if best is None or score > best[0]:
            best = (score, lr)
    return best[1], sorted(trials)


class _Run:
    """One training run of a fresh copy of ``template`` with the settings ``setup``."""

    def __init__(self, template, X, Y, kind, tol, setup, temperature, seed, dev):
        torch = _torch()
        self.torch, self.setup, self.tol, self.dev = torch, setup, tol, dev
        self.dtype = getattr(torch, setup["dtype"])
        if seed is not None:
            torch.manual_seed(seed)
        self.model = torch_module(template, self.dtype, fresh=True, temperature=temperature).to(dev)
        self.X = torch.from_numpy(X).to(dev, self.dtype)
        self.Y = torch.from_numpy(Y).to(dev, self.dtype)
        self.X64, self.Y64 = torch.from_numpy(X).to(dev), torch.from_numpy(Y).to(dev)
        self.criterion = KINDS[kind]  # the kind's memorization test and loss (memorizers.kinds)
        self.Ynp = Y
        params = self.model.parameters()
        name, lr = setup["optimizer"], setup["lr"]
        if name == "adamw":
            self.opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
        elif name == "adam":
            self.opt = torch.optim.Adam(params, lr=lr)
        else:
            self.opt = torch.optim.SGD(params, lr=lr, momentum=0.9 if setup["schedule"] == "onecycle" else 0.0)
        self.epoch, self.history, self.curve = 0, [], []

    def check(self) -> bool:
        """Every point memorized, in the training dtype and then by a float64 copy (what verify will see);
        records the fraction memorized in the training dtype (the kind's per-point score) in ``self.fraction``."""
        with self.torch.no_grad():
            F = self.model.hard(self.X)
            self.fraction = float(np.mean(self.criterion.score(F.double().cpu().numpy(), self.Ynp, self.tol)[1]))
            if not self.criterion.memorized(F, self.Y, self.tol):
                return False
            if self.dtype == self.torch.float64:
                return True
            return self.criterion.memorized(copy.deepcopy(self.model).double().hard(self.X64), self.Y64, self.tol)

    def fit(self, epochs: int, seconds: float | None, progress: bool) -> None:
        torch, setup = self.torch, self.setup
        n = len(self.X)
        bs = n if setup["batch"] is None else min(int(setup["batch"]), n)
        steps = epochs * math.ceil(n / bs)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=epochs, desc=f"train ({setup['optimizer']})", unit="epoch", disable=None)  # terminal only
        start, step, done = time.perf_counter(), 0, self.check()
        while self.epoch < epochs and not done:
            elapsed = time.perf_counter() - start
            if seconds is not None and elapsed > seconds:
                break
            perm = torch.randperm(n, device=self.dev)
            total = 0.0
            for s in range(0, n, bs):
                if setup["schedule"] == "onecycle":
                    used = max(step / steps, 0.0 if seconds is None else (time.perf_counter() - start) / seconds)
                    for group in self.opt.param_groups:
                        group["lr"] = setup["lr"] * one_cycle(used)
                idx = perm[s : s + bs]
                loss = self.criterion.loss(self.model(self.X[idx]), self.Y[idx])  # the threshold's surrogate
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                total += loss.item() * len(idx)
                step += 1
            self.history.append(total / n)
            done = self.check()
            self.curve.append((time.perf_counter() - start, self.fraction))
            self.epoch += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{self.history[-1]:.3e}", memorized=f"{self.curve[-1][1]:.4f}")
        if bar is not None:
            bar.close()
