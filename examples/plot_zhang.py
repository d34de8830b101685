"""
Zhang et al. (2017), Theorem 1: 2n + d weights fit any labels
=============================================================

On the line, c(x) = sum_j w_j relu(a x - b_j) is the piecewise linear function through the points, with one
breakpoint between each two: n ReLUs on one projection. With exact parameters it reproduces every label exactly.
"""

import matplotlib.pyplot as plt
import numpy as np

import memorizers

rng = np.random.default_rng(4)
X = np.sort(rng.uniform(-3, 3, 25))[:, None]
y = np.sin(2 * X[:, 0]) + rng.normal(0, 0.3, 25)
built = memorizers.build("zhang", X, y, exact=True, seed=0)
print(built.report.summary())

t = np.linspace(-3.2, 3.2, 2000)[:, None]
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(t[:, 0], built.network.forward(t)[:, 0], lw=1, label="the network")
ax.plot(X[:, 0], y, "o", ms=4, label="the points")
ax.set_title(f"{built.network.stats()['edges']} weights = 2n + d, exact error {built.report.exact.max_abs_error:g}")
ax.legend()
fig.tight_layout()
