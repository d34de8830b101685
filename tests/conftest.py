import os
import shutil
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import settings

from memorizers import activations
from memorizers.arrays import to_numpy
from memorizers.network import Dense, Network, Residual

settings.register_profile("default", deadline=None, max_examples=30)
settings.register_profile("fast", deadline=None, max_examples=5)  # make test-fast: --hypothesis-profile=fast
settings.load_profile("default")

if os.environ.get("PYTEST_XDIST_WORKER"):  # make test's workers, one per core: one BLAS and torch thread each,
    # or the two processes' thread pools oversubscribe the cores and spin against each other
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(1)


def frac(v) -> Fraction:
    return Fraction(*float(v).as_integer_ratio())


def assert_encloses(enc, truth):
    """Each exact output lies within r of h + l, in exact arithmetic; a non-finite radius claims nothing.
    NumPy arrays or torch tensors (a certificate on a torch device)."""
    h, l, r = (to_numpy(v) for v in (enc.h, enc.l, enc.r))
    for i in range(truth.shape[0]):
        for o in range(truth.shape[1]):
            if not r[i, o] < np.inf:
                continue
            assert np.isfinite(h[i, o]) and np.isfinite(l[i, o])
            gap = abs(frac(h[i, o]) + frac(l[i, o]) - truth[i, o])
            assert gap <= frac(r[i, o]), (i, o, float(gap), r[i, o])


def random_network(rng, widths, act, residual=False):
    """A random dense network with the given widths; optionally a residual block in the middle."""
    layers = []
    for a, b in zip(widths[:-2], widths[1:-1]):
        layers.append(Dense(rng.standard_normal((b, a)), rng.standard_normal(b), act))
    if residual:
        w = widths[-2]
        layers.append(
            Residual(
                [
                    Dense(rng.standard_normal((3, w)), rng.standard_normal(3), act),
                    Dense(rng.standard_normal((w, 3)), rng.standard_normal(w)),
                ]
            )
        )
    layers.append(Dense(rng.standard_normal((widths[-1], widths[-2])), rng.standard_normal(widths[-1])))
    return Network(layers)


SCALES = [1e-3, 1.0, 1e4, 1e-160, 1e150]  # the last two reach underflow and overflow


def scaled_network(rng, act, scale, residual=False):
    net = random_network(rng, [3, 6, 5, 2], act, residual=residual)
    for d, _ in net.dense_layers():
        d.weight *= scale
    return net


def structured_network(rng, act, scale=1.0, integers=False):
    """3 -> 12 -> 64 -> 64 -> 2 with the structure the evaluation and the certificate exploit: layer 1's rows
    are 4 rows repeated up to sign (like ReLU pairs and Proposition 3.2's gates), layer 3 is sparse (two
    nonzeros per row, 3% of its weights). ``integers``: small integer parameters, so that float64 products
    and sums are exact."""
    if integers:
        draw = lambda *shape: rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], shape)  # noqa: E731
    else:
        draw = lambda *shape: rng.standard_normal(shape)  # noqa: E731
    rows = rng.choice([-1.0, 1.0], 12)[:, None] * draw(4, 3)[rng.integers(0, 4, 12)]
    sparse = np.zeros((64, 64))
    sparse[np.arange(64)[:, None], rng.permuted(np.tile(np.arange(64), (64, 1)), axis=1)[:, :2]] = draw(64, 2)
    return Network(
        [
            Dense(scale * rows, draw(12), act),
            Dense(scale * draw(64, 12), draw(64), act),
            Dense(scale * sparse, draw(64), act),
            Dense(scale * draw(2, 64), draw(2)),
        ]
    )


ALL_ACTIVATIONS = [
    activations.relu(),
    activations.leaky_relu(0.1),
    activations.relu_like(2.0, 0.5),
    activations.absolute(),
    activations.identity(),
    activations.hard_tanh(),
    activations.threshold(),
]  # the piecewise-linear ones: exact arithmetic applies
SMOOTH_ACTIVATIONS = [activations.tanh(), activations.sigmoid(), activations.softplus()]


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def chromium_flags(profile) -> list[str]:
    """Headless Chromium's path and flags for rendering a local page offline (skips, or fails where CI requires
    Chromium, when there is none)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            break
    else:
        if os.environ.get("MEMORIZERS_REQUIRE_CHROMIUM"):
            pytest.fail("MEMORIZERS_REQUIRE_CHROMIUM is set but no chromium is installed")
        pytest.skip("no chromium on this machine (make test installs Debian's chromium where it can)")
    return [
        shutil.which(name),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.fixture(scope="module")
def fashion():
    """Fashion-MNIST's 60,000 training images and labels (Debian's dataset-fashion-mnist)."""
    if not os.path.isdir(FASHION):
        if os.environ.get("MEMORIZERS_REQUIRE_FASHION_MNIST"):
            pytest.fail("MEMORIZERS_REQUIRE_FASHION_MNIST is set but dataset-fashion-mnist is not installed")
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    from memorizers.data import load_mnist_idx

    return load_mnist_idx()


def benchmark(name: str):
    """The script benchmarks/<name>.py as a module; its folder is on sys.path while it imports (for its siblings)."""
    import importlib
    import sys
    from pathlib import Path

    folder = str(Path(__file__).parent.parent / "benchmarks")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)
