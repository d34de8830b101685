"""Certified in a floating-point format, in any order: the a-priori bound with a format's significand *and*
exponent range, around the tight enclosure.

A point is certified *in any order* in a format T (precision t bits, u = 2^-t, smallest normal lambda, largest
finite value M) when every evaluation of the network in T gets its label right: inputs and parameters rounded
to T, every product and sum rounded to T in any order of summation, with or without fused multiply-add, with
gradual underflow or with flush-to-zero and denormals-are-zero. The bound per dense layer extends the bits
search's (:meth:`memorizers.certify.Certifier.bits_sufficient`, Higham's Lemma 3.1 with u = 2^-t) by the
exponent range:

* a parameter w is stored as w(1 + delta) + epsilon, |delta| <= u, |epsilon| <= lambda (a value below the
  normal range is flushed or subnormal: its error is below lambda); a parameter beyond M makes every point
  uncertified;
* every product and every sum adds at most lambda besides its relative rounding (a result below lambda is
  flushed, or subnormal, where sums are exact), and an input read as zero (denormals-are-zero) at most
  lambda |w|: for a layer with n inputs, lambda (1 + g) (||a||_1 + n max R + ||W_k||_1 + 2n + 4) covers them,
  g = gamma_{n+1}(u), R the inputs' error and ||a||_1 the inputs' magnitudes recorded by the enclosure;
* no partial sum overflows: every partial sum of row k is within (1 + u)(1 + g)(|W|(|a| + r + R) + |b|)
  + the absolute terms, which must stay at most M (rounding to nearest is monotone and M is representable,
  so a sum of exact magnitude at most M never rounds to infinity); where it might not, the point gets
  radius inf;
* activations add their rounding in T (``memorizers.activations.Activation.bits_error``) and lambda, and a
  ReLU-like slope above 1 must not carry a value beyond M.

The formats, as IEEE 754 and the bfloat16 of Google's TPUs define them (:data:`FORMATS`), and a conservative
profile of **TF32**, what NVIDIA GPUs run float32 matrix products in when allowed: float32 storage and
accumulation, each product's two inputs rounded to 11 significant bits (to nearest, or truncated on some
hardware). It is certified as a format of 9 bits with float32's range whose matrix products read their inputs
rounded (``Format.operands``): u = 2^-9 bounds a float32 value truncated to 11 bits after its own float32 rounding
(2^-10 + 2^-24 + 2^-34 < 2^-9), each product's rounding of its input (the bound's product term), the parameters'
rounding and every float32 sum, so the certificate is sound for every TF32 evaluation and coarser than TF32 is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import amax, where
from ..errors import InvalidDataError
from ..intervals import Enclosure, gamma, up
from ..kinds import certified


@dataclass(frozen=True)
class Format:
    """A binary floating-point format.

    Parameters
    ----------
    name : str
        Its name, e.g. "float32".
    bits : int
        Significand bits, with the hidden bit.
    tiny : float
        The smallest normal value.
    max : float
        The largest finite value.
    operands : bool
        Whether a matrix product rounds its inputs to the format even where they are computed values (TF32):
        every layer's inputs are then read rounded, not only the network's.
    """

    name: str
    bits: int
    tiny: float
    max: float
    operands: bool = False

    @property
    def u(self) -> float:
        """The unit roundoff 2^-bits of rounding to nearest."""
        return 2.0**-self.bits


FORMATS = {
    "float64": Format("float64", 53, 2.0**-1022, float(np.finfo(np.float64).max)),
    "float32": Format("float32", 24, 2.0**-126, float(np.finfo(np.float32).max)),
    "bfloat16": Format("bfloat16", 8, 2.0**-126, (2 - 2.0**-7) * 2.0**127),
    "float16": Format("float16", 11, 2.0**-14, 65504.0),
    "tf32": Format("tf32", 9, 2.0**-126, float(np.finfo(np.float32).max), operands=True),  # module doc
}


def named(names) -> tuple[str, ...]:
    """Format names as given (one, several, or "all"), each once, in order; InvalidDataError names an unknown one."""
    names = tuple(FORMATS) if names == "all" else (names,) if isinstance(names, str) else tuple(names)
    unknown = [f for f in names if f not in FORMATS]
    if unknown:
        raise InvalidDataError(f"unknown format {unknown[0]!r}; known: {', '.join(FORMATS)} or all")
    return tuple(dict.fromkeys(names))


def any_order(network, X, scale, Y, kind: str, tol: float, record: list, final: Enclosure, fmt: Format, original):
    """Per point, whether every evaluation of ``original`` in ``fmt`` reproduces its label (module doc), and the
    radius of its outputs' enclosure in fmt (inf: nothing claimed).

    ``network`` is the certifier's form of it (pairs first; the first layer's columns scaled by the powers of
    two ``scale``, its inputs X / scale), on which :meth:`memorizers.certify.Certifier.enclose` made ``record``
    and ``final`` for the rows X (NumPy or torch arrays, as given: their rounding to fmt is part of the bound)."""
    beyond = any(_beyond(d, fmt) for d, _ in original.dense_layers())  # a parameter rounds to infinity
    r = final.r + (np.inf if beyond else _format_pass(network, X, scale, record, fmt))
    return certified(Enclosure(final.h, final.l, r), Y, kind, tol), amax(r, 1, 0.0)


def _format_pass(network, X, scale, record: list, fmt: Format):
    """Per output, a bound on |evaluation in fmt - exact output| for every order of evaluation (module doc)."""
    u, tiny = fmt.u, fmt.tiny
    it = iter(record)

    def add(R_in, R):  # a + block(a): one more rounding, and it must not overflow
        total = next(it)[1]
        s = abs(total.h) + total.r + R_in + R
        out = up(R_in + R + u * s + tiny, 5)
        return where(up(s * (1 + u), 2) <= fmt.max, out, np.inf)

    with np.errstate(invalid="ignore", over="ignore"):
        R = up(u * abs(X) + tiny, 2)  # the inputs rounded to fmt
        R = where(up(abs(X) * (1 + u), 1) <= fmt.max, R, np.inf)
        if scale is not None:  # the error of x / s, where the network reads x / s (exact: powers of two)
            R = R / scale
        return network.interpret(R, lambda d, R: _format_dense(d, R, next(it), fmt), add)


def _format_dense(d, R, entry, fmt: Format):
    _, z, mag, inv_c, wc, l1, w1 = entry
    u, tiny, n = fmt.u, fmt.tiny, d.n_in
    g = gamma(n + 1, u)
    with np.errstate(invalid="ignore"):  # 0 * inf: an exact input (R = 0) of a column whose c underflowed
        rho = up(amax(where(R == 0, 0.0, R * inv_c), 1, 0.0), 3)
        max_r = amax(R, 1, 0.0)
    spread = up(rho[:, None] * wc, 2)  # >= |W| R
    absolute = up(tiny * (1 + g) * (l1 + n * max_r + 2 * n + 4)[:, None] + tiny * (1 + g) * w1, 6)
    rz = up((1 + u) * (1 + g) * spread + (u + g * (1 + u)) * mag + absolute, 6)
    partial = up((1 + u) * (1 + g) * (mag + spread) + absolute, 4)  # every partial sum's magnitude
    rz = where(partial <= fmt.max, rz, np.inf)
    out = up(d.activation.bits_error(z, rz, u) + tiny, 1)
    act = d.activation
    if act.kind == "relu_like" and max(abs(act.s_plus), abs(act.s_minus)) > 1:  # a slope above 1 may overflow
        grown = up(max(abs(act.s_plus), abs(act.s_minus)) * (1 + u) * (abs(z.h) + abs(z.l) + z.r + rz), 4)
        out = where(grown <= fmt.max, out, np.inf)
    return out


def _beyond(d, fmt: Format) -> bool:
    """Whether a parameter of the layer rounds beyond fmt's finite range (to infinity)."""
    return bool(np.max(np.abs(d.weight), initial=0.0) > fmt.max or np.max(np.abs(d.bias), initial=0.0) > fmt.max)
