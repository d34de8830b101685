"""Per registered construction, data inside its theorem's assumptions (like scikit-learn's instance generator).

``EXAMPLES[name](rng, n, dx, dy) -> (X, y, options)`` draws a dataset the theorem covers with options
that memorize it; ``INVALID_LABELS[name]`` is a label value outside the theorem's assumptions (absent:
every real label is covered). Registering a
construction means adding its entry here; tests/test_conformance.py checks that every method has one.
"""

import numpy as np

from memorizers.activations import relu
from memorizers.constructions.yun import deep_layout


def _seed(rng):
    return {"seed": int(rng.integers(2**31))}


def yun(rng, n, dx, dy):
    X = rng.standard_normal((n, dx))
    y = rng.uniform(-1, 1, size=(n, dy) if dy > 1 else n)
    return X, y, _seed(rng)


def classifier(rng, n, dx, dy):
    X = rng.standard_normal((n, dx))
    classes = dy + 1  # at least two
    y = rng.integers(0, classes, size=n)
    y[: min(n, classes)] = np.arange(min(n, classes))
    return X, y, {**_seed(rng), "n_classes": classes}


def gates(min_dx):
    def example(rng, n, dx, dy):
        return classifier(rng, n, max(dx, min_dx(dy + 1)), dy)

    return example


def deep(rng, n, dx, dy):
    X, y, options = yun(rng, n, dx, dy)
    w = 2 * dy + 4
    while deep_layout((w,) * 5, dy, relu())[0] < n:  # five hidden layers, two blocks
        w += 2
    return X, y, {**options, "widths": (w,) * 5}


def deep_classifier(rng, n, dx, dy):
    X, y, options = classifier(rng, n, dx, dy)
    w = 8
    while deep_layout((w,) * 4, 1, relu())[0] < n:  # four layers of blocks, then the gates
        w += 2
    return X, y, {**options, "widths": (w,) * 4 + (4 * options["n_classes"],)}


def real(rng, n, dx, dy):
    return rng.standard_normal((n, dx)), rng.uniform(-1, 1, size=n), _seed(rng)


def robust(rng, n, dx, dy):
    X, y, options = classifier(rng, n, dx, dy)
    return X, y, {"n_classes": options["n_classes"], "rho": float(rng.choice([0.5, 0.9]))}


def classes(rng, n, dx, dy):
    X, y, options = classifier(rng, n, dx, dy)
    return X, y, {"n_classes": options["n_classes"]}


def binary(rng, n, dx, dy):
    return rng.standard_normal((n, dx)), (rng.random(n) < 0.3).astype(float), _seed(rng)


def daniely(rng, n, dx, dy):
    d, q = max(dx, 64), 64  # well inside the regime where one step memorizes every point
    m = max(1, min(n, d * q // 256))
    return rng.standard_normal((m, d)), rng.choice([-1.0, 1.0], size=m), {"widths": q, **_seed(rng)}


def sphere(rng, n, dx, dy):
    d = max(dx, 24)  # points on the sphere, at most 3d of them: (gamma, omega)-generic data of Definition 1
    X = rng.standard_normal((min(n, 3 * d), d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.uniform(-1, 1, size=len(X)), {**_seed(rng), "eps": 0.05}


def vershynin(rng, n, dx, dy):
    d = max(dx, 16)  # unit points, separated: random points on S^15 and up
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = (rng.random(n) < 0.5).astype(float)
    return X, y, {**_seed(rng), "widths": (256, 256, 2 * max(1, int(y.sum())))}


EXAMPLES = {
    "yun-3layer": yun,
    "yun-classifier": classifier,
    "yun-deep": deep,
    "yun-deep-classifier": deep_classifier,
    "yun-2layer": gates(lambda k: 1),
    "yun-resnet": gates(lambda k: k),
    "universal": real,
    "baum": binary,
    "relu-baum": real,
    "ntk": sphere,
    "harmonic": sphere,
    "vershynin": vershynin,
    "daniely": daniely,
    "zhang": real,
    "vardi": classifier,
    "staircase": classifier,
    "staircase-classifier": classifier,
    "staircase-real": real,
    "ygz-robust": robust,
    "kmy-robust": classes,
}

INVALID_LABELS = {  # real-label methods take any finite labels (build scales them into [-1, 1])
    "baum": 0.5,  # a third value for a 0/1 method
    "vershynin": 0.5,
    "daniely": 0.5,
    # the classifiers' examples pass n_classes: the labels must then be class ids in [0, n_classes)
    "yun-classifier": -1.0,
    "yun-deep-classifier": -1.0,
    "yun-2layer": -1.0,
    "yun-resnet": -1.0,
    "vardi": -1.0,
    "staircase": -1.0,
    "staircase-classifier": -1.0,
    "ygz-robust": -1.0,
    "kmy-robust": -1.0,
}


def example(name, rng, n, dx, dy):
    return EXAMPLES[name](rng, n, dx, dy)
