"""
Yun et al. (2019), Theorem 3.1: about 2 sqrt(N) units per layer
================================================================

Build the smallest network Theorem 3.1 allows for N Gaussian points with random real labels, and compare its
hidden neurons with the theorem's count, 4 sqrt(N) for ReLU. Every point is reproduced within the tolerance and
certified by the rigorous enclosure.
"""

import matplotlib.pyplot as plt
import numpy as np

import memorizers

rng = np.random.default_rng(0)
sizes, neurons, certified = [100, 400, 1600, 6400], [], []
for n in sizes:
    X, y = rng.standard_normal((n, 16)), rng.uniform(-1, 1, n)
    built = memorizers.build("yun-3layer", X, y, seed=0, bits=False)
    neurons.append(sum(built.widths))
    certified.append(built.report.certified)
    print(f"N = {n}: widths {built.widths}, {built.report.summary()[:90]}")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(sizes, neurons, "o-", label="hidden neurons built")
ax.loglog(sizes, [4 * np.sqrt(n) for n in sizes], "--", label=r"$4\sqrt{N}$")
ax.set_xlabel("points N")
ax.set_ylabel("hidden neurons")
ax.set_title(f"certified: {min(certified):.0%} of the points at every N")
ax.legend()
fig.tight_layout()
