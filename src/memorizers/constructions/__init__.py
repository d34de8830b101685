"""Constructions, one module per paper, registered by CLI name in :data:`METHODS`.

A construction is a function ``(X, y, *, widths=None, activation=..., seed=None, ...)``
returning ``(Network, info)``. Registering it here gives it the CLI's ``--method``, lets
``build`` verify it with the label kind its theorem promises, and puts it through the
common conformance suite (tests/test_conformance.py), which uses ``example`` to draw
data inside the theorem's assumptions and ``hidden_widths`` to check the size formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..activations import relu
from .bubeck import baum, harmonic, ntk, relu_baum, universal
from .daniely import daniely_one_step, theorem_width
from .vershynin import vershynin
from .yun import (
    check_activation,
    class_ids,
    deep_layout,
    gates_needed,
    smallest_classifier_widths,
    smallest_resnet_widths,
    smallest_widths,
    units_per_gate,
    yun_2layer,
    yun_3layer,
    yun_classifier,
    yun_deep,
    yun_deep_classifier,
    yun_resnet,
)


@dataclass(frozen=True)
class Method:
    construct: Callable
    kind: str  # how build() scores the labels (a kind of memorizers.verify: "real", "sign", "relative", ...)
    summary: str
    example: Callable  # (rng, n, dx, dy) -> (X, y, options): data the theorem covers, with options that memorize it
    hidden_widths: Callable  # (X, y, options, info) -> the hidden widths the theorem's formula gives (info: the
    # construction's record, for the boosting methods whose size is counted in rounds; None before building)
    invalid_label: float | None  # a label value outside the theorem's assumptions (None: every real is allowed)


def _yun_example(rng, n, dx, dy):
    X = rng.standard_normal((n, dx))
    y = rng.uniform(-1, 1, size=(n, dy) if dy > 1 else n)
    return X, y, {"seed": int(rng.integers(2**31))}


def _yun_widths(X, y, options, info=None):
    if options.get("widths") is not None:
        return list(options["widths"])
    dy = 1 if np.ndim(y) == 1 else np.shape(y)[1]
    return list(smallest_widths(len(X), dy, check_activation(options.get("activation", relu()))))


def _classifier_example(rng, n, dx, dy):
    X = rng.standard_normal((n, dx))
    classes = dy + 1  # at least two
    y = rng.integers(0, classes, size=n)
    y[: min(n, classes)] = np.arange(min(n, classes))
    return X, y, {"seed": int(rng.integers(2**31)), "n_classes": classes}


def _classifier_widths(X, y, options, info=None):
    if options.get("widths") is not None:
        return list(options["widths"])
    classes = options.get("n_classes") or int(np.max(y)) + 1
    return list(smallest_classifier_widths(len(X), classes, check_activation(options.get("activation", relu()))))


def _gate_example(min_dx):
    def example(rng, n, dx, dy):
        dx = max(dx, min_dx(dy + 1))
        X = rng.standard_normal((n, dx))
        y = rng.integers(0, dy + 1, size=n)
        y[: min(n, dy + 1)] = np.arange(min(n, dy + 1))
        return X, y, {"seed": int(rng.integers(2**31)), "n_classes": dy + 1}

    return example


def _two_layer_widths(X, y, options, info=None):
    if options.get("widths") is not None:
        return [int(np.ravel(options["widths"])[0])]
    ids, dy = class_ids(y, options.get("n_classes"))
    act = check_activation(options.get("activation", relu()))
    return [units_per_gate(act) * gates_needed(ids, dy, np.shape(X)[1])]


def _resnet_widths(X, y, options, info=None):
    if options.get("widths") is not None:
        return list(options["widths"])
    ids, dy = class_ids(y, options.get("n_classes"))
    return list(smallest_resnet_widths(ids, dy, np.shape(X)[1], check_activation(options.get("activation", relu()))))


def _deep_example(rng, n, dx, dy):
    X = rng.standard_normal((n, dx))
    y = rng.uniform(-1, 1, size=(n, dy) if dy > 1 else n)
    w = 2 * dy + 4
    while deep_layout((w,) * 5, dy, relu())[0] < n:  # five hidden layers, two blocks
        w += 2
    return X, y, {"seed": int(rng.integers(2**31)), "widths": (w,) * 5}


def _deep_classifier_example(rng, n, dx, dy):
    X, y, options = _classifier_example(rng, n, dx, dy)
    w = 8
    while deep_layout((w,) * 4, 1, relu())[0] < n:  # four layers of blocks, then the gates
        w += 2
    return X, y, {**options, "widths": (w,) * 4 + (4 * options["n_classes"],)}


def _real_example(rng, n, dx, dy):
    return rng.standard_normal((n, dx)), rng.uniform(-1, 1, size=n), {"seed": int(rng.integers(2**31))}


def _binary_example(rng, n, dx, dy):
    return rng.standard_normal((n, dx)), (rng.random(n) < 0.3).astype(float), {"seed": int(rng.integers(2**31))}


def _baum_widths(X, y, options, info=None):
    if options.get("widths") is not None:
        return [int(np.ravel(options["widths"])[0])]
    y = np.ravel(y)
    flip = y.sum() > len(y) / 2
    minority = int(np.sum(y == (0.0 if flip else 1.0)))
    return [2 * (-(-minority // np.shape(X)[1])) + int(flip)]


def _daniely_example(rng, n, dx, dy):
    d, q = max(dx, 64), 64  # well inside the regime where one step memorizes every point
    m = max(1, min(n, d * q // 256))
    return rng.standard_normal((m, d)), rng.choice([-1.0, 1.0], size=m), {"widths": q, "seed": int(rng.integers(2**31))}


def _daniely_widths(X, y, options, info=None):
    w = options.get("widths")
    return [int(np.ravel(w)[0]) if w is not None else theorem_width(*np.shape(X))]


def _sphere_example(rng, n, dx, dy):
    d = max(dx, 24)  # points on the sphere, at most 3d of them: (gamma, omega)-generic data of Definition 1
    X = rng.standard_normal((min(n, 3 * d), d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.uniform(-1, 1, size=len(X)), {"seed": int(rng.integers(2**31)), "eps": 0.05}


def _boost_widths(units_per_round):
    def widths(X, y, options, info=None):
        if options.get("widths") is not None:
            return [int(np.ravel(options["widths"])[0])]
        return [units_per_round(info) * info["rounds"] + info.get("constant_unit", 0)] if info else [1]

    return widths


def _vershynin_example(rng, n, dx, dy):
    d = max(dx, 16)  # unit points, separated: random points on S^15 and up
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = (rng.random(n) < 0.5).astype(float)
    return X, y, {"seed": int(rng.integers(2**31)), "widths": (256, 256, 2 * max(1, int(y.sum())))}


METHODS = {
    "yun-3layer": Method(
        yun_3layer,
        "real",
        "Yun, Sra & Jadbabaie (2019) Theorem 3.1: 3-layer ReLU-like/hard-tanh",
        _yun_example,
        _yun_widths,
        1.5,
    ),
    "yun-classifier": Method(
        yun_classifier,
        "onehot",
        "Yun, Sra & Jadbabaie (2019) Proposition 3.2: 4-layer classifier, one-hot or class-id labels",
        _classifier_example,
        _classifier_widths,
        -1.0,
    ),
    "yun-deep": Method(
        yun_deep,
        "real",
        "Yun, Sra & Jadbabaie (2019) Proposition 3.4 / Corollary A.1: deep and narrow networks, --widths required",
        _deep_example,
        lambda X, y, options, info=None: list(options["widths"]),
        1.5,
    ),
    "yun-deep-classifier": Method(
        yun_deep_classifier,
        "onehot",
        "Yun, Sra & Jadbabaie (2019) Corollaries A.2 / A.3: deep classifiers, --widths required",
        _deep_classifier_example,
        lambda X, y, options, info=None: list(options["widths"]),
        -1.0,
    ),
    "yun-2layer": Method(
        yun_2layer,
        "onehot",
        "Yun, Sra & Jadbabaie (2019) Corollary 4.2: 1 hidden layer, classification, general position",
        _gate_example(lambda k: 1),
        _two_layer_widths,
        -1.0,
    ),
    "yun-resnet": Method(
        yun_resnet,
        "onehot",
        "Yun, Sra & Jadbabaie (2019) Theorem 4.1: residual network, classification, general position, dx >= dy",
        _gate_example(lambda k: k),
        _resnet_widths,
        -1.0,
    ),
    "universal": Method(
        universal,
        "real",
        "Bubeck, Eldan, Lee & Mikulincer (2020) Proposition 2: n neurons, any non-polynomial activation",
        _real_example,
        lambda X, y, options, info=None: [
            int(np.ravel(options["widths"])[0]) if options.get("widths") is not None else len(X)
        ],
        None,
    ),
    "baum": Method(
        baum,
        "binary",
        "Bubeck et al. (2020) Proposition 3 (Baum 1988): threshold units, 0/1 labels, general position",
        _binary_example,
        _baum_widths,
        0.5,
    ),
    "relu-baum": Method(
        relu_baum,
        "real",
        "Bubeck et al. (2020) Proposition 4: 4 ceil(n/d) ReLU units, real labels, general position",
        _real_example,
        lambda X, y, options, info=None: [
            int(np.ravel(options["widths"])[0])
            if options.get("widths") is not None
            else 4 * -(-len(X) // np.shape(X)[1])
        ],
        None,
    ),
    "ntk": Method(
        ntk,
        "relative",
        "Bubeck et al. (2020) Theorems 2-3: NTK boosting with derivative-neuron pairs, ||f - y||^2 <= tol ||y||^2",
        _sphere_example,
        _boost_widths(lambda info: 2),
        None,
    ),
    "harmonic": Method(
        harmonic,
        "relative",
        "Bubeck et al. (2020) Theorem 1 (reconstructed): harmonic network, W(f) ~ sqrt(n), ||f - y||^2 <= tol ||y||^2",
        _sphere_example,
        _boost_widths(lambda info: 2 * info["knots"] * (info["degree"] + 1)),
        None,
    ),
    "vershynin": Method(
        vershynin,
        "binary",
        "Vershynin (2020) Theorems 7.1-7.2: threshold/ReLU (any mix), enrichment + perception + stacking, unit "
        "separated points",
        _vershynin_example,
        lambda X, y, options, info=None: list(options["widths"]),
        0.5,
    ),
    "daniely": Method(
        daniely_one_step,
        "sign",
        "Daniely (2020) Theorem 1: one gradient step, 2 layers",
        _daniely_example,
        _daniely_widths,
        0.5,
    ),
}

__all__ = ["METHODS", "Method"]
