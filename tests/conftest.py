import os

import numpy as np
import pytest
from hypothesis import settings

from memorizers import activations
from memorizers.network import Dense, Network, Residual

settings.register_profile("default", deadline=None, max_examples=30)
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
