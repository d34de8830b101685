"""Networks whose pre-activations sit on, or within a few ulps of, their activation's kinks.

A random dense network whose every bias is chosen, unit by unit, so that one point's exact pre-activation
(the stored parameters applied exactly) is a kink of the activation plus a tiny offset: 0, a few ulps of the
kink either side, or an offset far below the kink's ulp (so that float64 rounds the pre-activation onto the
kink). That is where a certificate decides a side in rounded arithmetic, and where it can go wrong.
"""

from fractions import Fraction

import numpy as np

from memorizers.network import Dense, Network

OFFSETS = [0, 1, -1, 2**-30, -(2**-30), 2**-12, -(2**-12), 3, -3]  # in units of the kink's (or the scale's) ulp


def _frac(v) -> Fraction:
    return Fraction(*float(v).as_integer_ratio())


def _ulp(c: float, scale: float) -> Fraction:
    """float64's spacing at c (at scale where c = 0)."""
    return _frac(np.spacing(abs(c) if c != 0 else scale))


def _kinks(act) -> list[float]:
    if act.kind == "hard_tanh":
        return [-1.0, 1.0]
    return [0.0]


def kink_network(rng, act, widths=(3, 5, 4, 2), n_points=6, scale=1.0):
    """(network, X): every hidden unit's bias puts one point's exact pre-activation at a kink plus an offset.

    The last layer is linear. ``scale`` scales the weights (underflow and overflow scales included); the
    inputs mix ordinary values with ones far below 1, so that rounding onto the kink happens in layer 1 too."""
    X = rng.standard_normal((n_points, widths[0]))
    X[rng.random(X.shape) < 0.3] *= 2.0**-54
    a = np.array([[_frac(v) for v in row] for row in X], dtype=object)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        last = k == len(widths) - 2
        W = rng.standard_normal((n_out, n_in)) * scale
        W[rng.random(W.shape) < 0.2] = 0.0
        Wf = np.array([[_frac(v) for v in row] for row in W], dtype=object)
        P = a.dot(Wf.T)  # exact products, (n_points, n_out)
        b = rng.standard_normal(n_out)
        if not last:
            for j in range(n_out):
                i = rng.integers(n_points)
                c = float(rng.choice(_kinks(act)))
                # the bias that puts the exact pre-activation nearest c + offset ulps; a bias is a float, so the
                # result lies within half an ulp of the bias of that target
                target = Fraction(c) + int(rng.integers(-2, 3)) * _ulp(c, scale) * _frac(rng.choice(OFFSETS))
                b[j] = float(target - P[i, j])
        layers.append(Dense(W, b) if last else Dense(W, b, act))
        bf = np.array([_frac(v) for v in b], dtype=object)
        Z = P + bf
        a = Z if last else _exact_act(act, Z)
    return Network(layers), X


def _exact_act(act, Z):
    out = np.empty(Z.shape, dtype=object)
    for idx, z in np.ndenumerate(Z):
        if act.kind == "hard_tanh":
            out[idx] = min(max(z, Fraction(-1)), Fraction(1))
        elif act.kind == "threshold":
            out[idx] = Fraction(int(z > 0))
        else:
            out[idx] = z * _frac(act.s_plus if z > 0 else act.s_minus)
    return out


KINDS = ("real", "binary", "sign", "onehot", "index")


def labels_at_the_edge(F, kind: str, tol: float, rng):
    """Labels of ``kind`` for exact outputs F (Fractions) that put points at the criterion's edge: the real
    labels at exactly tol (or just inside or outside it), the class labels those of the rounded outputs."""
    Ff = np.array([[_float(v) for v in row] for row in F])
    if kind == "real":
        return Ff + tol * rng.choice([0.0, 1.0, -1.0, 1 - 2.0**-40, 1 + 2.0**-40], Ff.shape)
    if kind == "binary":
        return (Ff[:, 0] > 0.5).astype(float)
    if kind == "sign":
        return np.where(Ff[:, 0] > 0, 1.0, -1.0)
    if kind == "onehot":
        return np.argmax(Ff, axis=1)
    return np.clip(np.rint(np.nan_to_num(Ff[:, 0], posinf=0, neginf=0)), 0, 2**40)


def _float(v: Fraction) -> float:
    """The nearest float64, capped at +-1e300 (a label must be finite)."""
    return float(min(max(v, Fraction(-(10**300))), Fraction(10**300)))


def exactly_right(F, Y, kind: str, tol: float):
    """Per point: does the exact output F (Fractions) meet the criterion for labels Y?"""
    out = []
    for i in range(len(F)):
        f = list(F[i])
        if kind == "real":
            out.append(max(abs(a - _frac(b)) for a, b in zip(f, np.atleast_1d(Y[i]))) <= _frac(tol))
        elif kind == "binary":
            out.append((f[0] > Fraction(1, 2)) == (Y[i] == 1))
        elif kind == "sign":
            out.append(_frac(Y[i]) * f[0] > 0)
        elif kind == "onehot":
            c = int(Y[i])
            out.append(all(f[c] > f[o] for o in range(len(f)) if o != c))
        else:
            out.append(abs(f[0] - _frac(Y[i])) < Fraction(1, 2))
    return np.array(out)
