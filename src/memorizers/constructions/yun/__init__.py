"""Yun, Sra & Jadbabaie (2019), "Small ReLU networks are powerful memorizers".

Theorem 3.1: a 3-layer (2-hidden-layer) network memorizes any N distinct points with
labels in [-1, 1]^dy if

* hard-tanh:   4 floor(d1/2) floor(d2/(2 dy)) >= N, or
* ReLU-like:   4 floor(d1/4) floor(d2/(4 dy)) >= N   (sigma_R with s_plus > s_minus >= 0).

The construction (Appendix B) works with p = d1 and q = d2/dy hard-tanh units; a
ReLU-like unit pair realises each of them through
sigma_H(t) = (sigma_R(t+1) - sigma_R(t-1) - s_plus - s_minus) / (s_plus - s_minus).

* B.2  project onto a line, c_i = u.x_i, sort, cut into p groups of q consecutive
       points; layer-1 unit j is affine in c, inside (-1, 1) exactly on group j,
       increasing on odd j and decreasing on even j (paper's 1-based j). Our addition
       (:func:`spread_groups`): unit j then gets its own direction u_j near u, which
       keeps this pattern and widens the smallest gaps of group j by a linear program.
* B.3  layer-2 unit k takes one member from every group (the k-th smallest layer-1
       value of that group) to its label y, solving the p x (p+1) system (7). Lemma B.1
       (Appendix H): subtracting consecutive rows leaves a bidiagonal system, so the null
       vector nu (all entries > 0) and a particular solution mu follow from one O(p)
       recursion. The solution w = mu + alpha nu clips every non-member once |alpha| is
       large; we take the smallest alpha that puts every clipped pre-activation at least
       ``clip_margin`` beyond +-1 (alpha > 0 for odd k, < 0 for even k). Our addition:
       which member a unit takes in a group is permuted within the parity this needs,
       greedily (:func:`balanced_ranks`) and then by swaps (:func:`refine_ranks`), so that
       alpha nu stays near what clipping needs and magnifies the layer-1 rounding less.
* B.4  the layer-2 outputs of every point sum to y + 1; the output layer subtracts 1.
* B.5  dy > 1: dy blocks of q layer-2 units share layer 1.

Any N that the widths allow is handled, not only N = d1 d2 / (4 dy): the construction
uses the smallest even p <= p_max, q <= q_max with p q >= N and pads the last group
with virtual points on the line beyond the data (label 0; they are never evaluated).
Unused units get zero weights. The projection u is the best of ``n_projections``
random unit vectors by an a-priori rounding-error proxy (see :func:`_plan`).

Why the own directions: a layer-2 unit must clip its member's neighbours, so its weight
grows like 1 / (gap to the nearest neighbour), and a float64 error e in the layer-1
input reaches the output as about 3 e / gap times how far the unit's weight exceeds what
clipping needs. On one random u the smallest of N gaps is about 1/N of the mean gap;
own directions raise it to a few hundredths of the mean, and with it the largest weights
and errors fall by as much.
"""

from .blocks import balanced_ranks, refine_ranks
from .classifier import class_ids, class_values, gate_units, smallest_classifier_widths, units_per_gate, yun_classifier
from .deep import deep_layout, yun_deep, yun_deep_classifier
from .general_position import gates_needed, smallest_resnet_widths, yun_2layer, yun_resnet
from .lower_bound import alternating_line
from .own_lines import spread_groups
from .three_layer import capacity, smallest_widths, yun_3layer
from .units import check_activation, hard_tanh_units, units_per_hard_tanh

__all__ = [
    "alternating_line",
    "balanced_ranks",
    "capacity",
    "check_activation",
    "class_ids",
    "class_values",
    "deep_layout",
    "gate_units",
    "gates_needed",
    "hard_tanh_units",
    "refine_ranks",
    "smallest_classifier_widths",
    "smallest_resnet_widths",
    "smallest_widths",
    "spread_groups",
    "units_per_gate",
    "units_per_hard_tanh",
    "yun_2layer",
    "yun_3layer",
    "yun_classifier",
    "yun_deep",
    "yun_deep_classifier",
    "yun_resnet",
]
