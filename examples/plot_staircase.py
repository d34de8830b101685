"""
Float-native memorization: exact in float32, in any order
=========================================================

The constructions of the memorization papers need 40 to 70 significand bits: in float32 they fail. The
staircase (:func:`memorizers.constructions.staircase.staircase`, our construction after Park, Hwang, Lee & Park
2024) is built so that only its first layer rounds; every later value is an exact 0/1 or small integer, so every
evaluation in float32, in any order of summation, returns the labels exactly, and the certificate proves it
(:mod:`memorizers.certify.exactness`).

On scikit-learn's digits: Yun et al.'s classifier and the staircase, each verified in float64 and float32 and
certified in every format, in any order.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import memorizers

X, y = load_digits(return_X_y=True)
X, keep = np.unique(X, axis=0, return_index=True)  # digits repeats a few images
y = y[keep]
formats = ["float64", "float32", "bfloat16", "float16"]
rows = {}
for method in ("yun-classifier", "staircase"):
    built = memorizers.build(method, X, y, seed=0)
    report = memorizers.verify(built.network, X, y, dtype="float32", any_order="all")
    rows[method] = report
    stats = built.network.stats()
    print(
        f"{method}: {stats['nonzero_parameters']:,} nonzero parameters, float32 accuracy {report.accuracy:.1%}, "
        f"certified in any order: {report.any_order}, bits sufficient {built.report.bits_sufficient}"
    )

fig, ax = plt.subplots(figsize=(6, 3.2))
width = 0.38
for k, (method, report) in enumerate(rows.items()):
    shares = [100 * report.any_order[f] for f in formats]
    ax.bar(np.arange(len(formats)) + (k - 0.5) * width, shares, width, label=method)
ax.set_xticks(np.arange(len(formats)), formats)
ax.set_ylabel("points certified in any order (%)")
ax.set_title(f"digits, {len(X)} images: where each network provably memorizes")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()
