"""Activation functions, each a small frozen record with its formula.

Yun, Sra & Jadbabaie (2019, Section 2) define the two families used throughout:

* the ReLU-like activation  sigma_R(t) = s_plus * t for t >= 0, s_minus * t for t < 0,
  which we store for any slopes (``relu_like(s_plus, s_minus)``); ReLU, leaky ReLU,
  absolute value and identity are instances of it;
* hard-tanh  sigma_H(t) = -1 (t <= -1), t (-1 < t <= 1), 1 (t > 1), which the paper
  writes through sigma_R as  (sigma_R(t+1) - sigma_R(t-1) - s_plus - s_minus) / (s_plus - s_minus);
  :func:`memorizers.constructions.yun.units.hard_tanh_units` is that identity, used by the
  constructions to turn a hard-tanh unit into two ReLU-like units.

The threshold 1{t > 0} completes the set (Baum, Vershynin). tanh, the logistic
sigmoid and softplus are there for Bubeck et al.'s Proposition 2 (any non-polynomial activation).

Every piecewise-linear activation maps dyadic rationals to dyadic rationals, which is what
makes the exact check in :mod:`memorizers.exact` possible; the smooth ones do not, so
networks using them are verified in floating point (with the certified bound) only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .arrays import as_float, where, zeros_like
from .errors import MemorizersError
from .intervals import ETA, U64, Enclosure, near, sides, up

KINDS = ("relu_like", "hard_tanh", "threshold", "tanh", "sigmoid", "softplus")
# smooth kinds: (Lipschitz constant, whether their float64 rounding is relative to the value (else <= 4u absolute))
SMOOTH = {"tanh": (1.0, True), "sigmoid": (0.25, False), "softplus": (1.0, True)}


@dataclass(frozen=True)
class Activation:
    """An elementwise activation.

    Parameters
    ----------
    kind : {"relu_like", "hard_tanh", "threshold", "tanh", "sigmoid"}
        ``"relu_like"`` is s_plus t for t >= 0 and s_minus t below (ReLU: 1 and 0); ``"hard_tanh"`` clips to
        [-1, 1]; ``"threshold"`` is 1{t > 0}; ``"sigmoid"`` is 1 / (1 + exp(-t)).
    s_plus, s_minus : float
        The slopes of a ``"relu_like"`` activation.
    """

    kind: str
    s_plus: float = 1.0
    s_minus: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise MemorizersError(f"unknown activation kind {self.kind!r}; known: {', '.join(KINDS)}")
        if not (np.isfinite(self.s_plus) and np.isfinite(self.s_minus)):
            raise MemorizersError(f"activation slopes must be finite; got {self.s_plus} and {self.s_minus}")

    @property
    def name(self) -> str:
        if self.kind != "relu_like":
            return self.kind
        known = _RELU_LIKE_NAMES.get((self.s_plus, self.s_minus))
        if known:
            return known
        if self.s_plus == 1.0:
            return f"leaky_relu({self.s_minus:g})"
        return f"relu_like({self.s_plus:g},{self.s_minus:g})"

    @property
    def piecewise_linear(self) -> bool:
        return self.kind not in SMOOTH

    @property
    def bounded(self) -> bool:
        """Whether the activation's values are bounded (it saturates on both sides or jumps between two values)."""
        return self.kind in ("hard_tanh", "threshold", "tanh", "sigmoid")

    @property
    def is_identity(self) -> bool:
        return self.kind == "relu_like" and self.s_plus == 1.0 and self.s_minus == 1.0

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Apply elementwise, in the dtype of ``t``."""
        if self.kind == "hard_tanh":
            return np.clip(t, -1, 1)
        if self.kind == "threshold":
            return (t > 0).astype(t.dtype)
        if self.kind == "tanh":
            return np.tanh(t)
        if self.kind == "sigmoid":  # 1/(1 + e^-t) through tanh: no overflow, accurate in every dtype
            return 0.5 * (1 + np.tanh(0.5 * t))
        if self.kind == "softplus":  # log(1 + e^t), without overflow
            return np.logaddexp(0, t)
        if self.is_identity:
            return t
        if self.s_plus == 1.0 and self.s_minus == 0.0:
            return np.maximum(t, 0)
        sp, sm = t.dtype.type(self.s_plus), t.dtype.type(self.s_minus)
        return np.where(t > 0, sp * t, sm * t)

    # -- the same function in the other arithmetics the library uses: each kind's behaviour lives here --

    def derivative(self, t: np.ndarray) -> np.ndarray:
        """sigma'(t) in floating point (at a kink: the mean of the two one-sided slopes, a null set).

        ReLU-like and hard-tanh only (the threshold's derivative is 0 almost everywhere and no gradient).

        Parameters
        ----------
        t : numpy.ndarray
            Pre-activations.

        Returns
        -------
        numpy.ndarray
            sigma'(t), in t's dtype.
        """
        if self.kind == "hard_tanh":
            return (np.abs(t) < 1).astype(t.dtype)
        if self.kind == "relu_like":
            return np.where(t > 0, self.s_plus, np.where(t < 0, self.s_minus, (self.s_plus + self.s_minus) / 2))
        if self.kind == "tanh":
            return 1 - np.tanh(t) ** 2
        if self.kind == "sigmoid":
            s = self(t)
            return s * (1 - s)
        if self.kind == "softplus":
            return 0.5 * (1 + np.tanh(0.5 * t))
        raise MemorizersError(f"{self.name} has no derivative to use")

    def mean_derivative(self) -> float:
        """E sigma'(X) for X ~ N(0, 1), in closed form (Daniely's Theorem 1 asks E sigma'(X) = 0).

        Returns
        -------
        float
            The mean; NaN where sigma is not Lipschitz (threshold) or not piecewise linear.
        """
        if self.kind == "relu_like":
            return (self.s_plus + self.s_minus) / 2
        if self.kind == "hard_tanh":
            return math.erf(1 / math.sqrt(2))  # P(|X| < 1)
        return float("nan")

    def exact(self, m: np.ndarray, e: int) -> tuple[np.ndarray, int]:
        """The activation of the exact dyadic array m * 2^e, exactly.

        Piecewise-linear kinds only: they map dyadic rationals to dyadic rationals.

        Parameters
        ----------
        m : numpy.ndarray of object
            Python ints, the mantissas.
        e : int
            The common binary exponent.

        Returns
        -------
        m_out : numpy.ndarray of object
            The activations' mantissas.
        e_out : int
            Their common exponent.
        """
        if self.kind == "threshold":
            return (m > 0).astype(np.int64).astype(object), 0
        if self.kind == "hard_tanh":
            e2 = min(e, 0)
            m2, one = m * (1 << (e - e2)), 1 << (-e2)
            return np.minimum(np.maximum(m2, -one), one), e2
        if self.kind != "relu_like":
            raise MemorizersError(f"{self.name} has no exact rational values")
        if self.is_identity:
            return m, e
        if (self.s_plus, self.s_minus) == (1.0, 0.0):  # ReLU: no products
            return np.where(m > 0, m, 0), e
        (pos, ep), (neg, en) = _dyadic(self.s_plus), _dyadic(self.s_minus)
        es = min(ep, en)
        pos, neg = pos << (ep - es), neg << (en - es)
        return np.where(m > 0, m * pos, m * neg), e + es

    def kinks(self) -> tuple[Fraction, ...]:
        """Where a piecewise-linear activation changes slope (or jumps).

        Returns
        -------
        tuple of fractions.Fraction
            The kinks, ascending (empty for the identity).
        """
        if self.kind == "hard_tanh":
            return (Fraction(-1), Fraction(1))
        if self.kind == "threshold" or (self.kind == "relu_like" and not self.is_identity):
            return (Fraction(0),)
        if self.kind == "relu_like":
            return ()
        raise MemorizersError(f"{self.name} is not piecewise linear")

    def on_piece(self, slope, icpt, t_mid):
        """The activation of affine forms slope t + icpt on an interval with no kink inside, decided at its midpoint.

        Parameters
        ----------
        slope, icpt : numpy.ndarray of object
            Fractions: the forms' slopes and intercepts in t.
        t_mid : fractions.Fraction
            The interval's midpoint.

        Returns
        -------
        slope, icpt : numpy.ndarray of object
            The activated forms.
        """
        z = slope * t_mid + icpt
        if self.kind == "hard_tanh":
            hi, lo = z >= 1, z <= -1
            return np.where(hi | lo, Fraction(0), slope), np.where(hi, Fraction(1), np.where(lo, Fraction(-1), icpt))
        if self.kind == "threshold":
            return np.full(slope.shape, Fraction(0), dtype=object), np.where(z > 0, Fraction(1), Fraction(0))
        if self.is_identity:
            return slope, icpt
        k = np.where(z > 0, Fraction(self.s_plus), Fraction(self.s_minus))
        return k * slope, k * icpt

    def torch(self, t, temperature: float | None = None):
        """The same function on a torch tensor.

        Parameters
        ----------
        t : torch.Tensor
            Pre-activations.
        temperature : float, optional
            The threshold's trainable surrogate sigmoid(t / temperature) instead of 1{t > 0} (training; the network
            is evaluated with the threshold).

        Returns
        -------
        torch.Tensor
            The activations.
        """
        import torch

        if self.kind == "hard_tanh":
            return torch.clamp(t, -1.0, 1.0)
        if self.kind == "threshold":
            return torch.sigmoid(t / temperature) if temperature is not None else (t > 0).to(t.dtype)
        if self.kind == "softplus":  # not F.softplus, which returns t itself past t = 20
            return torch.logaddexp(t, torch.zeros_like(t))
        if self.kind in SMOOTH:
            return getattr(torch.nn.functional, self.kind)(t)
        if self.is_identity:
            return t
        if (self.s_plus, self.s_minus) == (1.0, 0.0):
            return torch.relu(t)
        return torch.where(t > 0, self.s_plus * t, self.s_minus * t)

    def onnx(self, node, const, t: str, float32: bool) -> str:
        """ONNX nodes computing the same function of tensor ``t``.

        LeakyRelu's alpha is a float32 attribute: used in float32 graphs only.

        Parameters
        ----------
        node : callable
            ``node(op, inputs, **attributes)`` appends a node and returns its output's name.
        const : callable
            ``const(value)`` names a constant of the graph's element type.
        t : str
            The input tensor's name.
        float32 : bool
            Whether the graph's element type is float32.

        Returns
        -------
        str
            The output tensor's name.
        """
        if self.kind == "hard_tanh":
            return node("Clip", [t, const(-1.0), const(1.0)])
        if self.kind == "threshold":
            return node("Cast", [node("Greater", [t, const(0.0)])], to="element")
        if self.kind == "softplus":  # relu(t) + log(1 + exp(-|t|)): ONNX Runtime has no double Softplus
            tail = node("Log", [node("Add", [const(1.0), node("Exp", [node("Neg", [node("Abs", [t])])])])])
            return node("Add", [node("Relu", [t]), tail])
        if self.kind in SMOOTH:
            return node(self.kind.capitalize(), [t])
        if self.is_identity:
            return t
        if (self.s_plus, self.s_minus) == (1.0, 0.0):
            return node("Relu", [t])
        if (self.s_plus, self.s_minus) == (1.0, -1.0):
            return node("Abs", [t])
        if self.s_plus == 1.0 and float32:
            return node("LeakyRelu", [t], alpha=self.s_minus)
        gt = node("Greater", [t, const(0.0)])
        return node("Where", [gt, node("Mul", [t, const(self.s_plus)]), node("Mul", [t, const(self.s_minus)])])

    # -- the certificate's interval behaviour (memorizers.certify): radii rigorous in exact arithmetic --

    def lipschitz(self, z: Enclosure):
        """Per unit, a Lipschitz constant over the interval h + l +- r of an enclosure.

        The slope on the side the interval lies on (0 where hard-tanh is saturated), the larger slope where it
        straddles a kink. The threshold has none.

        Parameters
        ----------
        z : Enclosure
            Pre-activations.

        Returns
        -------
        numpy.ndarray or float
            The constants, per unit (a float for the smooth kinds, whose constant is global).
        """
        if self.kind in SMOOTH:
            return SMOOTH[self.kind][0]
        if self.kind == "hard_tanh":
            above, _ = sides(z, 1.0)
            _, below = sides(z, -1.0)
            return where(above | below, 0.0, 1.0)
        if self.kind == "threshold":
            raise MemorizersError("the threshold has no Lipschitz constant")
        if self.is_identity:
            return 1.0
        pos, neg = sides(z, 0.0)
        sp, sm = abs(self.s_plus), abs(self.s_minus)
        return where(pos, sp, where(neg, sm, max(sp, sm)))

    def enclose(self, z: Enclosure) -> Enclosure:
        """An enclosure of the activation of every exact value in z.

        Float64 evaluation; the module doc of :mod:`memorizers.certify` says what rounding each kind adds.

        Parameters
        ----------
        z : Enclosure
            Pre-activations.

        Returns
        -------
        Enclosure
            Contains the activation of every value z contains.
        """
        if self.kind == "threshold":
            pos, neg = sides(z, 0.0)
            out = as_float(z.h + z.l > 0)
            return Enclosure(out, zeros_like(out), where(pos | neg, 0.0, 1.0))
        if self.kind in SMOOTH:
            t = z.h + z.l
            out = self(t)
            lipschitz, relative = SMOOTH[self.kind]
            rounding = 4 * U64 * (np.abs(out) if relative else 1.0)
            r = up(lipschitz * (z.r + U64 * np.abs(t)) + rounding, 3) + 4 * ETA
            return Enclosure(out, np.zeros_like(out), r)
        if self.kind == "hard_tanh":
            # clip(h + l): its side of each kink c decided on t_c = fl(fl(h - c) + l), whose error is within
            # 2u(|h - c| + |t_c|), not on fl(h + l), which rounds onto +-1 values up to an ulp of 1 inside
            # (-1, 1); where |t_c| is within its rounding of 0 the side may be wrong, and intervals.near
            # widens the radius by that rounding
            r, t = z.r, {}
            for c in (1.0, -1.0):
                t0 = z.h - c
                t[c] = t0 + z.l
                r = near(r, t0, z.l, t[c])
            top, bottom = t[1.0] >= 0, t[-1.0] <= 0
            keep = ~(top | bottom)
            h = where(keep, z.h, where(top, 1.0, -1.0))
            return Enclosure(h, where(keep, z.l, 0.0), where(self.lipschitz(z) == 0, 0.0, r))
        if self.is_identity:
            return z
        sp, sm = self.s_plus, self.s_minus
        if (sp, sm) == (1.0, 0.0):  # ReLU, the common case: exact, and as few passes as it can take
            t = z.h + z.l  # |error| <= u |t|, rounding keeps the sign
            on = t > 0
            w = t * (1 - 2 * U64)  # >= (1 - u) t - eta/2 where t < 0
            off = w + z.r < -ETA  # then h + l + r < 0: the whole interval is negative
            return Enclosure(z.h * on, z.l * on, where(off, 0.0, z.r))
        s = where(z.h + z.l > 0, sp, sm)
        h, l = s * z.h, s * z.l
        r = self.lipschitz(z) * z.r
        if not all(v == 0 or math.frexp(abs(v))[0] == 0.5 for v in (sp, sm)):  # powers of two scale exactly
            r = r + U64 * (abs(h) + abs(l))
        return Enclosure(h, l, up(r, 3) + 4 * ETA)

    def bits_error(self, z: Enclosure, rz, u: float):
        """A bound on |act(z_t) - act(z)| (plus the t-bit rounding of the activation) when |z_t - z| <= rz.

        z lies in z +- r, so both lie in z +- (r + rz): the Lipschitz constant there times rz (an undecided
        threshold: 1).

        Parameters
        ----------
        z : Enclosure
            The exact pre-activations.
        rz : numpy.ndarray
            The bound on the t-bit evaluation's distance from them.
        u : float
            The unit roundoff 2^-t.

        Returns
        -------
        numpy.ndarray
            Per unit, the bound.
        """
        wide = Enclosure(z.h, z.l, z.r + rz)
        if self.kind == "threshold":
            pos, neg = sides(wide, 0.0)
            return where(pos | neg, 0.0, 1.0)
        R = self.lipschitz(wide) * rz
        if self.kind in SMOOTH:  # the t-bit evaluation rounds
            R = R + 4 * u * ((np.abs(self(z.h + z.l)) + rz) if SMOOTH[self.kind][1] else 1.0)
        elif self.kind == "relu_like" and any(v not in (0.0, 1.0, -1.0) for v in (self.s_plus, self.s_minus)):
            R = R + u * (max(abs(self.s_plus), abs(self.s_minus)) * (abs(z.h) + z.r) + R)
        return up(R, 4)

    def apriori(self, z, zf, ez, u: float, eta: float):
        """The activation of z and a bound on its distance to the exact activation.

        Parameters
        ----------
        z : numpy.ndarray
            Pre-activations computed in their dtype.
        zf : numpy.ndarray
            float64(z).
        ez : numpy.ndarray
            A bound on the distance of the exact pre-activation from zf.
        u : float
            The dtype's unit roundoff.
        eta : float
            Its smallest subnormal.

        Returns
        -------
        out : numpy.ndarray
            The activation, in z's dtype.
        bound : numpy.ndarray
            Its distance to the exact activation, at most.
        """
        out = self(z)
        if self.kind == "threshold":
            return out, np.where(np.abs(zf) > ez, 0.0, 1.0)
        if self.kind in SMOOTH:
            lipschitz, relative = SMOOTH[self.kind]
            rounding = np.abs(out).astype(np.float64) if relative else 1.0
            return out, up(lipschitz * ez + 4 * u * rounding, 3) + 4 * eta
        if self.kind == "hard_tanh":
            # the exact pre-activation is beyond the kink; (zf -+ 1)(1 - 4u) rounds below |zf -+ 1|
            saturated = np.isfinite(ez) & (((zf - 1) * (1 - 4 * U64) >= ez) | (-(zf + 1) * (1 - 4 * U64) >= ez))
            return out, np.where(saturated, 0.0, ez)
        if self.is_identity:
            return out, ez
        sp, sm = abs(self.s_plus), abs(self.s_minus)
        slope = np.where(zf - ez > 0, sp, np.where(zf + ez < 0, sm, max(sp, sm)))
        eo = slope * ez
        if self.s_plus not in (0.0, 1.0, -1.0) or self.s_minus not in (0.0, 1.0, -1.0):
            eo = eo + u * np.abs(out).astype(np.float64) + eta
        return out, up(eo, 2)

    @property
    def relu_slopes(self) -> tuple[float, float] | None:
        """(s_plus, s_minus) of a ReLU-like activation that is not linear, else None: the units that the
        certificate may fuse in pairs (Yun et al.'s hard-tanh from two ReLU-like units)."""
        if self.kind != "relu_like" or self.s_plus == self.s_minus:
            return None
        return self.s_plus, self.s_minus

    def to_dict(self) -> dict:
        return {"kind": self.kind, "s_plus": self.s_plus, "s_minus": self.s_minus}

    @classmethod
    def from_dict(cls, d: dict) -> "Activation":
        return cls(str(d["kind"]), float(d.get("s_plus", 1.0)), float(d.get("s_minus", 0.0)))


def _dyadic(v: float) -> tuple[int, int]:
    """A float as m * 2^e exactly (m, e Python ints)."""
    num, den = float(v).as_integer_ratio()  # den is a power of two
    return num, -(den.bit_length() - 1)


def relu_like(s_plus: float = 1.0, s_minus: float = 0.0) -> Activation:
    """sigma_R(t) = s_plus * max(t, 0) + s_minus * min(t, 0)  (Yun et al., Section 2)."""
    return Activation("relu_like", float(s_plus), float(s_minus))


def relu() -> Activation:
    """max(t, 0) = relu_like(1, 0)."""
    return relu_like(1.0, 0.0)


def leaky_relu(negative_slope: float = 0.01) -> Activation:
    """max(t, 0) + negative_slope * min(t, 0) = relu_like(1, negative_slope)."""
    return relu_like(1.0, negative_slope)


def absolute() -> Activation:
    """|t| = relu_like(1, -1)."""
    return relu_like(1.0, -1.0)


def identity() -> Activation:
    """t = relu_like(1, 1)."""
    return relu_like(1.0, 1.0)


def hard_tanh() -> Activation:
    """clip(t, -1, 1)."""
    return Activation("hard_tanh")


def threshold() -> Activation:
    """1{t > 0}."""
    return Activation("threshold")


def tanh() -> Activation:
    """tanh(t)."""
    return Activation("tanh")


def sigmoid() -> Activation:
    """The logistic function 1 / (1 + exp(-t))."""
    return Activation("sigmoid")


def softplus() -> Activation:
    """log(1 + exp(t)), a smooth ReLU."""
    return Activation("softplus")


_RELU_LIKE_NAMES = {(1.0, 0.0): "relu", (1.0, -1.0): "abs", (1.0, 1.0): "identity"}

_BY_NAME = {
    "relu": relu,
    "leaky-relu": leaky_relu,
    "abs": absolute,
    "identity": identity,
    "hard-tanh": hard_tanh,
    "threshold": threshold,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
}
NAMES = tuple(_BY_NAME)  # the CLI's --activation choices


def by_name(name: str, **params) -> Activation:
    """Look an activation up by its CLI name (``relu``, ``leaky-relu``, ``hard-tanh``, ...)."""
    try:
        return _BY_NAME[name.replace("_", "-")](**params)
    except KeyError:
        raise MemorizersError(f"unknown activation {name!r}; known: {', '.join(_BY_NAME)}") from None
