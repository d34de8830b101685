"""An exact emulator of a network evaluated in a floating-point format, in a chosen order of summation, with or
without fused multiply-add and flush-to-zero: every operation's exact result (Fractions) rounded once to the
format, to nearest with ties to even, so no double rounding. What the any-order certificate
(memorizers.certify.formats) must hold against."""

import itertools
from fractions import Fraction
from math import inf

import numpy as np

# name: (significand bits, smallest normal exponent, largest finite value)
FORMATS = {
    "float64": (53, -1022, Fraction(float(np.finfo(np.float64).max))),
    "float32": (24, -126, Fraction(float(np.finfo(np.float32).max))),
    "bfloat16": (8, -126, Fraction(2 - Fraction(1, 2**7)) * 2**127),
    "float16": (11, -14, Fraction(65504)),
}


class Overflow(Exception):
    """A result rounded beyond the largest finite value."""


# TF32: float32 storage and sums, each product's inputs rounded to 11 significant bits (to nearest, or truncated)
TF32_OPERAND_BITS = 11


def round_to(q, fmt: str, ftz: bool, bits=None, truncate: bool = False) -> Fraction:
    """q rounded to nearest (ties to even) in fmt, or toward zero with ``truncate``, to ``bits`` significant
    bits if given (else fmt's); below the normal range: zero with flush-to-zero, else a subnormal; beyond the
    finite range: Overflow."""
    fmt_bits, emin, top = FORMATS["float32" if fmt == "tf32" else fmt]
    bits = bits or fmt_bits
    q = Fraction(q)
    if q == 0:
        return q
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    if e < emin:
        if ftz:
            return Fraction(0)
        e = emin
    quantum = Fraction(2) ** (e - bits + 1)
    m = a / quantum
    n = m.numerator // m.denominator
    rest = m - n
    if not truncate and (rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2)):
        n += 1
    r = n * quantum
    if r > top:
        raise Overflow
    return r if q > 0 else -r


def _sum(values: list, order: str, rnd, rng) -> Fraction:
    if order == "pairwise":
        while len(values) > 1:
            pairs = range(0, len(values), 2)
            values = [rnd(values[i] + values[i + 1]) if i + 1 < len(values) else values[i] for i in pairs]
        return values[0]
    if order == "reversed":
        values = values[::-1]
    elif order == "random":
        values = [values[i] for i in rng.permutation(len(values))]
    acc = values[0]
    for v in values[1:]:
        acc = rnd(acc + v)
    return acc


def _dense(d, a: list, fmt: str, order: str, fma: bool, ftz: bool, rng, truncate: bool = False) -> list:
    rnd = lambda q: round_to(q, fmt, ftz)  # noqa: E731
    out = []
    if fmt == "tf32":  # the products read their inputs at 11 bits
        a = [round_to(v, fmt, ftz, TF32_OPERAND_BITS, truncate) for v in a]
    for k in range(d.n_out):
        w = [rnd(Fraction(float(v))) for v in d.weight[k]]
        if fmt == "tf32":
            w = [round_to(v, fmt, ftz, TF32_OPERAND_BITS, truncate) for v in w]
        b = rnd(Fraction(float(d.bias[k])))
        if fma:  # acc <- fl(w_j a_j + acc), the bias first or last
            idx = list(range(d.n_in))
            if order == "reversed":
                idx = idx[::-1]
            elif order == "random":
                idx = [int(i) for i in rng.permutation(d.n_in)]
            acc = b if order != "reversed" else Fraction(0)
            for j in idx:
                acc = rnd(w[j] * a[j] + acc)
            z = acc if order != "reversed" else rnd(acc + b)
        else:
            z = _sum([rnd(w[j] * a[j]) for j in range(d.n_in)] + [b], order, rnd, rng)
        out.append(_activate(d.activation, z, rnd))
    return out


def _activate(act, z: Fraction, rnd) -> Fraction:
    if act.kind == "threshold":
        return Fraction(1 if z > 0 else 0)
    if act.kind == "hard_tanh":
        return min(max(z, Fraction(-1)), Fraction(1))
    if act.kind != "relu_like":
        raise ValueError("the emulator evaluates piecewise-linear activations only")
    slope = act.s_plus if z >= 0 else act.s_minus
    return rnd(Fraction(float(slope)) * z)


def evaluate(
    network, x, fmt: str, order: str = "sequential", fma: bool = False, ftz: bool = False, seed=0, truncate=False
):
    """The network's outputs at the float64 point x, every operation in fmt (module doc; "tf32": float32 whose
    products read their inputs at 11 bits, truncated with ``truncate``); Overflow if any result overflows."""
    rng = np.random.default_rng(seed)
    rnd = lambda q: round_to(q, fmt, ftz)  # noqa: E731
    a = [rnd(Fraction(float(v))) for v in x]
    dense = lambda d, a: _dense(d, a, fmt, order, fma, ftz, rng, truncate)  # noqa: E731
    add = lambda a, h: [rnd(p + q) for p, q in zip(a, h)]  # noqa: E731
    return network.interpret(a, dense, add)


MODES = [
    (order, fma, ftz)
    for order in ("sequential", "reversed", "pairwise", "random")
    for fma in (False, True)
    for ftz in (False, True)
    if not (fma and order == "pairwise")
]


def right_everywhere(network, x, target_row, kind: str, tol, fmt: str) -> bool:
    """Whether every emulated evaluation (:data:`MODES`) meets the label's criterion exactly."""
    from memorizers.kinds import score

    for (order, fma, ftz), truncate in itertools.product(MODES, (False, True) if fmt == "tf32" else (False,)):
        try:
            f = evaluate(network, x, fmt, order, fma, ftz, truncate=truncate)
        except Overflow:
            return False
        F = np.array([f], dtype=object)
        Y = np.array([[Fraction(float(v)) for v in target_row]], dtype=object)
        if not bool(score(F, Y, kind, Fraction(tol))[2][0]):
            return False
    return True


__all__ = ["FORMATS", "MODES", "TF32_OPERAND_BITS", "Overflow", "evaluate", "inf", "right_everywhere", "round_to"]
