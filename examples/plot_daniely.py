"""
Daniely (2020): one gradient step memorizes Gaussians
=====================================================

From orthogonal initialisation, one closed-form gradient step on the hinge loss memorizes m random signs of
Gaussian points in R^d with q hidden units, when m is below about d q / log^4 d. The fraction of signs reproduced
is drawn against m / (d q).
"""

import matplotlib.pyplot as plt
import numpy as np

import memorizers

d, q = 128, 64
rng = np.random.default_rng(3)
ratios, fractions = [], []
for m in (16, 64, 256, 1024, 4096):
    X, y = rng.standard_normal((m, d)), rng.choice([-1.0, 1.0], m)
    built = memorizers.build("daniely", X, y, widths=q, seed=0, on_failure="return", certify=False, force=True)
    ratios.append(m / (d * q))
    fractions.append(built.report.accuracy)
    print(f"m = {m}: {built.report.accuracy:.1%} of the signs")

fig, ax = plt.subplots(figsize=(5, 3.2))
ax.semilogx(ratios, fractions, "o-")
ax.set_xlabel("m / (d q)")
ax.set_ylabel("signs reproduced")
ax.set_title(f"one gradient step, d = {d}, q = {q}")
fig.tight_layout()
