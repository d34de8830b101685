"""
Bubeck et al. (2020), Proposition 3: Baum's threshold network
=============================================================

In the plane, Baum's construction covers the points of the minority label with pairs of parallel hyperplanes
through two points at a time: the network's hidden layer. Each pair is drawn, and every label is reproduced.
"""

import matplotlib.pyplot as plt
import numpy as np

import memorizers

rng = np.random.default_rng(1)
X = rng.uniform(-1, 1, (60, 2))
y = (rng.random(60) < 0.3).astype(int)
built = memorizers.build("baum", X, y, seed=0, bits=False)
print(built.report.summary())

hidden = built.network.layers[0]
fig, ax = plt.subplots(figsize=(4.5, 4.5))
t = np.linspace(-1.2, 1.2, 2)
for w, b in zip(hidden.weight, hidden.bias):  # the line w . x + b = 0
    if abs(w[1]) > 1e-12:
        ax.plot(t, -(w[0] * t + b) / w[1], color="0.8", lw=0.8)
ax.scatter(*X[y == 0].T, c="tab:blue", s=14, label="label 0")
ax.scatter(*X[y == 1].T, c="tab:red", s=14, label="label 1")
ax.set_xlim(-1.2, 1.2)
ax.set_ylim(-1.2, 1.2)
ax.set_title(f"{built.network.hidden_widths[0]} threshold units for {int(y.sum())} points of label 1")
ax.legend(loc="lower left")
fig.tight_layout()
