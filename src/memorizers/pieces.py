"""Exact linear pieces of a network along a line, t -> f(t u) (Yun et al., Appendix D; Telgarsky).

Every activation here is piecewise linear, so along a line each unit is piecewise affine in t.
:func:`count_pieces` carries the affine form (slope, intercept) of every unit, interval by
interval, through the layers in exact rational arithmetic, splitting an interval wherever a
pre-activation crosses a kink of its activation (0 for ReLU-like and the threshold, +-1 for
hard-tanh). The output's pieces are the maximal runs of intervals with the same affine map,
so the count is exact, not sampled.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .network import Dense, Network


def _frac(a) -> np.ndarray:
    return np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(np.asarray(a, dtype=np.float64))


def _add_input(pieces, inner):
    """A residual block's output pieces plus its input: the block's cuts refine its input's."""
    merged = []
    for lo, hi, s, c in inner:
        src = next(p for p in pieces if p[0] <= lo and hi <= p[1])
        merged.append((lo, hi, s + src[2], c + src[3]))
    return merged


def _dense(layer: Dense, pieces, W=None, b=None):
    W = _frac(layer.weight) if W is None else W
    b = _frac(layer.bias) if b is None else b
    out = []
    for lo, hi, slope, icpt in pieces:
        s, c = W.dot(slope), W.dot(icpt) + b
        cuts = {lo, hi}
        for kink in layer.activation.kinks():
            for sj, cj in zip(s, c):
                if sj != 0:
                    t = (kink - cj) / sj
                    if lo < t < hi:
                        cuts.add(t)
        cuts = sorted(cuts)
        for a, bnd in zip(cuts, cuts[1:]):
            out.append((a, bnd, *layer.activation.on_piece(s, c, (a + bnd) / 2)))
    return out


def count_pieces(network: Network, direction, t_range: tuple[float, float]) -> int:
    """Number of affine pieces of t -> network(t * direction) on [t_range[0], t_range[1]] (one output).

    Exact (rational arithmetic on the stored parameters); cost grows with pieces x width,
    so it is meant for the small networks of Theorem 3.3's experiments.
    """
    if network.n_out != 1:
        raise ValueError("count_pieces needs a network with one output")
    if not all(d.activation.piecewise_linear for d, _ in network.dense_layers()):
        raise ValueError("count_pieces needs piecewise-linear activations")
    u = _frac(np.asarray(direction, dtype=np.float64).reshape(-1))
    zero = np.full(len(u), Fraction(0), dtype=object)
    pieces = [(Fraction(float(t_range[0])), Fraction(float(t_range[1])), u, zero)]
    pieces = network.interpret(pieces, _dense, _add_input)
    count, prev = 0, None
    for _, _, s, c in pieces:
        key = (s[0], c[0])
        if key != prev:
            count += 1
            prev = key
    return count


def piece_bound(widths: list[int], p: int) -> int:
    """Most affine pieces along a line for hidden widths (d1,) or (d1, d2) and a p-piece activation (Appendix D).

    2 layers: (p-1) d1 + 1; 3 layers: p(p-1) d1 d2 + (p-1) d2 + 1. A network fits the
    alternating dataset x_i = i u, y_i = (-1)^i only with at least N - 1 pieces.
    """
    if len(widths) == 1:
        return (p - 1) * widths[0] + 1
    if len(widths) == 2:
        d1, d2 = widths
        return p * (p - 1) * d1 * d2 + (p - 1) * d2 + 1
    raise ValueError("Theorem 3.3 bounds 2- and 3-layer networks")
