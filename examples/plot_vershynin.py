"""
Vershynin (2020): threshold networks on separated points
========================================================

A deep threshold network memorizes 0/1 labels of unit points on the sphere: enrichment, perception, and a
threshold output that fires for exactly the positive points. The output unit's pre-activation is drawn for both
labels: it is positive for every positive point and not for any other.
"""

import matplotlib.pyplot as plt
import numpy as np

import memorizers

rng = np.random.default_rng(2)
X = rng.standard_normal((200, 16))
X /= np.linalg.norm(X, axis=1, keepdims=True)
y = (rng.random(200) < 0.5).astype(int)
built = memorizers.build("vershynin", X, y, seed=0, bits=False, widths=(256, 256, 2 * int(y.sum())))
print(built.report.summary())

net = built.network
pre = memorizers.Network(net.layers[:-1]).forward(X) @ net.layers[-1].weight.T + net.layers[-1].bias
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.hist(pre[y == 1, 0], bins=30, alpha=0.7, label="label 1")
ax.hist(pre[y == 0, 0], bins=30, alpha=0.7, label="label 0")
ax.axvline(0, color="k", lw=0.8)
ax.set_xlabel("output pre-activation")
ax.set_title(f"widths {net.hidden_widths}: accuracy {built.report.accuracy:.0%}")
ax.legend()
fig.tight_layout()
