"""
Vardi, Yehudai & Shamir (2022): sqrt(N) parameters of sqrt(N) bits
==================================================================

Constant width, about sqrt(N) parameters, and weights of about sqrt(N) bits: the optimal trade of parameters
against their bit complexity. Each network is judged by its exact evaluation; its size is drawn against N.
"""

import matplotlib.pyplot as plt
import numpy as np

import memorizers

rng = np.random.default_rng(5)
sizes, nonzeros, bits = [64, 256, 1024], [], []
for n in sizes:
    X, ids = rng.standard_normal((n, 4)), rng.integers(0, 4, n)
    built = memorizers.build("vardi", X, ids, seed=0)
    s = built.network.stats()
    nonzeros.append(s["nonzero_parameters"] if "nonzero_parameters" in s else s["parameters"])
    bits.append(s["bit_complexity"])
    print(f"N = {n}: {built.report.summary()[:100]}")

fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(sizes, nonzeros, "o-", label="parameters")
ax.loglog(sizes, bits, "s-", label="largest weight's bits")
ax.loglog(sizes, [np.sqrt(n) * 10 for n in sizes], "--", color="0.6", label=r"$\propto\sqrt{N}$")
ax.set_xlabel("points N")
ax.legend()
fig.tight_layout()
