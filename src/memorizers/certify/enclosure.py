"""Certificates: rigorous enclosures of the exact network's outputs, and the bits a network needs.

The *exact network* is the stored parameters applied in exact real arithmetic to the float64 rows of X; a point
is certified when an enclosure of its exact outputs proves the label criterion. :class:`Certifier` evaluates
each layer in double-double arithmetic at BLAS speed: error-free splitting of inputs and weights (Ozaki, Ogita,
Oishi & Rump 2012) makes one product of the high parts exact in any summation order, two more products carry
the rest with Higham's bound, radii are rank-one (or sparse) majorants, Yun et al.'s ReLU pairs are enclosed as
one clipped unit, and rows that repeat up to sign are multiplied once. Every radius is an upper bound in exact
arithmetic, underflow and overflow included. :meth:`Certifier.bits_sufficient` searches the smallest
significand precision with which the a-priori bound (Higham, Lemma 3.1) certifies every point in any order of
summation; :meth:`Certifier.any_order` does the same for a format (:mod:`.formats`).

The mathematics, step by step with its soundness argument, is the documentation's certificate page
(``docs/certificate.rst``).
"""

from __future__ import annotations

import numpy as np

from ..arrays import amax, concat, maximum, putter, where
from ..intervals import FLOOR, U64, Enclosure, gamma, two_sum, up
from ..kinds import certified
from ..network import Dense, Network
from ..numerics import column_scale
from .dense import DenseLayer, enclose_dense
from .formats import Format, any_order
from .relu_pairs import _activate_with_pairs, _fold, _with_followers, _with_pairs_first, _without_followers

BIG = 2.0**1000  # magnitudes from which a partial sum might overflow: never certified
MAX_BITS = 1000  # bits_sufficient searches t in [1, MAX_BITS]; beyond that it reports inf


class Certifier:
    """The tight enclosure of one network (docs/certificate.rst): the parameters are split once, then
    :meth:`memorizers.certify.Certifier.enclose` runs on any number of chunks of points.

    Parameters
    ----------
    network : Network
        The network to enclose.
    equilibrate : bool
        Scale layer 1's columns by powers of two first (exact; the split of x then does not depend on the
        units of the features).
    device : str, optional
        A torch device to enclose on (:func:`memorizers.backends.certifiable` says which networks can), with the
        same operations as in NumPy (:mod:`memorizers.arrays`), :meth:`bits_sufficient` too; the outputs are
        torch tensors there. None: NumPy.
    """

    def __init__(self, network: Network, equilibrate: bool = True, device: str | None = None):
        # Column equilibration of layer 1 (exact: powers of two): W s and x / s give the same products, and
        # the split of x then does not depend on the units of the features (certificate page, step 1).
        self.input_scale, self.original, self._plain, self.device = None, network, None, device
        first = network.layers[0]
        if equilibrate and isinstance(first, Dense) and not first.exact:
            scale = column_scale(first.weight)
            W = first.weight * scale
            if not (scale == 1).all() and np.array_equal(W / scale, first.weight):
                self.input_scale = scale
                network = Network([Dense(W, first.bias, first.activation), *network.layers[1:]], network.meta)
        self.network, self.pairs = _with_pairs_first(network)
        self.reduced, reduced_pairs, self.full_of = (
            _without_followers(self.network, self.pairs) if self.pairs else (self.network, {}, {})
        )
        self.pairs.update(reduced_pairs)
        self.put = putter(device)
        if device is not None:
            self.pairs = {k: (a, b, self.put(H_h), self.put(H_l)) for k, (a, b, H_h, H_l) in self.pairs.items()}
        self.layers = {id(d): DenseLayer(d, self.put) for d, _ in self.reduced.dense_layers()}

    def enclose(self, X, record: list | None = None) -> Enclosure:
        """An enclosure of the exact network's outputs on the float64 rows of X.

        The ReLU pairs' followers are left out (``_without_followers``).

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The points.
        record : list, optional
            Receives per layer of the network with the followers what :meth:`bits_sufficient` needs (``_record``):
            for a Dense layer ("dense", its pre-activation enclosure, an upper bound of |W|(|a| + r) + |b|, the scales
            of the t-bit error bound), for a residual block ("residual", the enclosure of the sum).

        Returns
        -------
        Enclosure
            Every exact output lies within its radius of its midpoint.
        """
        c, X = self._route(X)
        with np.errstate(all="ignore"):  # overflow and NaN become infinite radii, never certified
            return c._enclose(c.put(X), record)

    def enclose_box(self, X, R) -> Enclosure:
        """An enclosure of the exact network's outputs over every point of the boxes X +- R (R >= 0 per input, the
        same shape as X): the input radius of the certificate page's step 4. Only for a certifier built with
        ``equilibrate=False``, whose inputs are the data's own coordinates.

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The boxes' centres.
        R : array_like, shape (N, n_in)
            Their half-widths.

        Returns
        -------
        Enclosure
            Every exact output at every point of a row's box lies within its radius of its midpoint.
        """
        if self.input_scale is not None:
            raise ValueError("enclose_box needs a certifier built with equilibrate=False")
        X, R = np.asarray(X, dtype=np.float64), np.asarray(R, dtype=np.float64)
        with np.errstate(all="ignore"):
            return self._enclose(self.put(X), None, self.put(R))

    def enclose_ball(self, X, mu) -> Enclosure:
        """An enclosure of the exact network's outputs over every point of the l_2 balls ||x - X_i|| <= mu_i: the
        first layer's unit k varies by at most mu_i ||W_k||_2 there (Cauchy-Schwarz), added to its enclosure at
        X_i (the robust specification, C1 step 1). Only with ``equilibrate=False`` and a Dense first layer.

        Parameters
        ----------
        X : array_like, shape (N, n_in)
            The balls' centres.
        mu : array_like, shape (N,)
            Their radii.

        Returns
        -------
        Enclosure
            Every exact output at every point of a row's ball lies within its radius of its midpoint.
        """
        if self.input_scale is not None or not isinstance(self.reduced.layers[0], Dense):
            raise ValueError("enclose_ball needs a certifier built with equilibrate=False and a Dense first layer")
        first = self.reduced.layers[0]
        W = np.asarray(first.weight, dtype=np.float64)
        n2 = np.nextafter(np.sqrt(up(np.sum(W * W, axis=1), W.shape[1] + 1)), np.inf)  # ||W_k||_2, rounded up
        mu = np.asarray(mu, dtype=np.float64)
        with np.errstate(all="ignore"):
            extra = self.put(up(mu[:, None] * n2[None, :], 1))
            return self._enclose(self.put(np.asarray(X, dtype=np.float64)), None, first_radius=extra)

    def _route(self, X) -> tuple["Certifier", np.ndarray]:
        """The certifier and inputs for X: x / s with the equilibrated layer 1 where that division is exact
        (no overflow, no underflow), else X itself with the network as given."""
        X = np.asarray(X, dtype=np.float64)
        if self.input_scale is None:
            return self, X
        with np.errstate(all="ignore"):
            Xs = X / self.input_scale
            if np.array_equal(Xs * self.input_scale, X):
                return self, Xs
        if self._plain is None:  # a benign race between threads builds it twice
            self._plain = Certifier(self.original, equilibrate=False, device=self.device)
        return self._plain, X

    def _enclose(self, X, record, radius=None, first_radius=None) -> Enclosure:
        def add(a: Enclosure, h: Enclosure) -> Enclosure:  # a + block(a), in double-double
            al = 0.0 if a.l is None else a.l
            s, e = two_sum(a.h, h.h)
            s, low = two_sum(s, e + al + h.l)
            ra = 0.0 if a.r is None else a.r
            out = Enclosure(s, low, up(ra + h.r + 2 * U64 * (abs(e) + abs(al) + abs(h.l)), 5))
            if record is not None:
                record.append(("residual", out))
            return out

        def dense(d: Dense, a: Enclosure) -> Enclosure:  # first_radius: added to the first layer's pre-activations
            return self._dense(d, a, record, first_radius if d is self.reduced.layers[0] else None)

        # the inputs are exact (no low part), at the points or over boxes of the given radius
        return self.reduced.interpret(Enclosure(X, None, radius), dense, add)

    def _dense(self, d: Dense, a: Enclosure, record, extra=None) -> Enclosure:
        L = self.layers[id(d)]
        z = enclose_dense(L, a)
        if extra is not None:
            z = Enclosure(z.h, z.l, up(z.r + extra, 1))
        if L.dW_T is not None:  # the float64 product used fl(W), fl(b): add |W - fl(W)| |a| + |b - fl(b)|
            z = Enclosure(z.h, z.l, up(z.r + up(_magnitude(a), 2) @ L.dW_T + L.db, d.n_in + 3))
        pair = self.pairs.get(id(d))
        out = d.activation.enclose(z) if pair is None else _activate_with_pairs(d.activation, z, *pair)
        if record is not None:
            self._record(d, a, z, out, record)
        return out

    def _record(self, d: Dense, a: Enclosure, z: Enclosure, out: Enclosure, record: list) -> None:
        """Record what :meth:`bits_sufficient` needs of the layer ``d`` stands for in the network with the followers
        (a t-bit machine computes every unit): the pre-activations of all its units, a follower's derived from
        its leader's (:func:`_with_followers`); an upper bound of |W|(|a| + r) + |b| over its units and inputs,
        computed with the reduced layer's |W| (a follower's row is its leader's, and its outgoing column the
        negated leader's, so the inputs of a pair add up: :func:`_fold`); and the scales of the t-bit bound.
        ``out`` gets the units' own activations (``unfused``) and the layer's pairs, for the next layer."""
        full = self.full_of.get(id(d), d)
        pair = self.pairs.get(id(full))
        if pair is not None:
            z = _with_followers(z, *pair)
            out.unfused, out.pair = full.activation.enclose(z), pair
        ar = _magnitude(getattr(a, "unfused", a))
        L, prev_pair = self.layers[id(d)], getattr(a, "pair", None)
        bias = L.bias if pair is None else self.put(full.bias)  # the followers have their own biases
        # magnitudes below FLOOR (the radii's subnormal terms of the saturated units) enter as FLOOR ||W_k||_1, not
        # through the product: BLAS multiplies subnormal entries on a slow path (microcode assists)
        ar = where(ar < FLOOR, 0.0, ar)
        wsum = _with_follower_rows(
            self.put(np.ones((1, ar.shape[1]))), L, prev_pair, pair
        )  # ||W_k||_1, as evaluated here
        mag = up(_with_follower_rows(ar, L, prev_pair, pair) + abs(bias) + FLOOR * wsum, d.n_in + 3)
        # a fixed scale per input unit, shaped like the t-bit error it will bound: the previous
        # layer's |W||a| + |b| (that error is u times about it), or the inputs' magnitudes
        prev = record[-1] if record and record[-1][0] == "dense" else None
        c = amax(prev[2] if prev is not None and prev[2].shape[1] == full.n_in else ar, 0, 0.0)
        c = maximum(c, max(float(amax(c, 0, 0.0)) * 2.0**-30, 2.0**-1000))
        wc = _with_follower_rows(c[None, :], L, prev_pair, pair)[0]
        # for the formats' absolute terms (:mod:`.formats`): the inputs' ||a||_1 and the rows' ||W_k||_1 of the
        # network as evaluated, so of layer 1 without its column scaling (x / s and W s: powers of two)
        unscale = self.put(self.input_scale) if self.input_scale is not None and not record else None
        l1 = (ar if unscale is None else ar * unscale).sum(1) + ar.shape[1] * FLOOR * (
            1.0 if unscale is None else amax(unscale, 0, 1.0)
        )
        w1 = wsum if unscale is None else _with_follower_rows(1.0 / unscale[None, :], L, prev_pair, pair)
        record.append(("dense", z, mag, 1.0 / c, up(wc, d.n_in), up(l1, d.n_in), up(w1, d.n_in + 1)))

    def bits_sufficient(self, X, Y, kind: str, tol: float, record: list, final: Enclosure, known=None) -> float:
        """The smallest t in [1, MAX_BITS] for which the t-bit network is certified on every point.

        Parameters
        ----------
        X : numpy.ndarray
            The points, as enclosed.
        Y : numpy.ndarray
            Their target outputs.
        kind : str
            The label kind.
        tol : float
            The criterion's tolerance.
        record : list
            What :meth:`memorizers.certify.Certifier.enclose` recorded on the same X.
        final : Enclosure
            Its result.
        known : int, optional
            A precision that other points need (another block's answer). If it certifies these points it is
            returned as it is, without the search: the largest answer over all blocks, the network's
            bits_sufficient, is the same either way.

        Returns
        -------
        float
            t, or inf if none.
        """
        c, X = self._route(X)
        with np.errstate(all="ignore"):
            return c._bits_sufficient(c.put(X), Y, kind, tol, record, final, known)

    def _bits_sufficient(self, X, Y, kind: str, tol: float, record: list, final: Enclosure, known) -> float:
        """The smallest t in [1, MAX_BITS] for which the t-bit network is certified on every point (inf if none),
        or ``known`` if that certifies them (:meth:`bits_sufficient`).

        The t-bit bound is monotone in t (every operation of :meth:`_bits_pass` is monotone in u), so
        the answer is searched around an estimate: one pass at t = MAX_BITS, scaled linearly in u,
        then passes at the estimate and its neighbours until t is certified and t - 1 is not.
        """
        cache = {}

        def ok(t: int) -> bool:
            if t not in cache:
                R = self._bits_pass(X, record, 2.0**-t)
                cache[t] = bool(certified(Enclosure(final.h, final.l, final.r + R), Y, kind, tol).all())
            return cache[t]

        lo = 0  # fails: t = 0 is no arithmetic
        if known is not None:
            if not known < np.inf or ok(int(known)):
                return float(known)
            lo = int(known)
        R0 = self._bits_pass(X, record, 2.0**-MAX_BITS)
        if not bool(certified(Enclosure(final.h, final.l, final.r + R0), Y, kind, tol).all()):
            return np.inf
        hi = MAX_BITS  # certified
        est_lo, est_hi = 0, MAX_BITS  # the estimate: certified by R0 scaled by 2^(MAX_BITS - t)?
        while est_hi - est_lo > 1:
            mid = (est_lo + est_hi) // 2
            scaled = Enclosure(final.h, final.l, final.r + R0 * 2.0 ** (MAX_BITS - mid))
            est_lo, est_hi = (est_lo, mid) if bool(certified(scaled, Y, kind, tol).all()) else (mid, est_hi)
        t, step = min(max(est_hi, lo + 1), hi), 1
        while hi - lo > 1:  # gallop from the estimate, then bisect
            if ok(t):
                hi, t = t, max(lo + 1, t - step)
            else:
                lo, t = t, min(hi - 1, t + step)
            step *= 2
            if step > 4:
                t = (lo + hi) // 2
        return float(hi)

    def any_order(self, X, Y, kind: str, tol: float, record: list, final: Enclosure, fmt: Format):
        """Per point, whether every evaluation of the network in ``fmt``, in any order of summation, gives its label.

        Parameters
        ----------
        X : numpy.ndarray
            The points, as enclosed.
        Y : numpy.ndarray
            Their target outputs.
        kind : str
            The label kind.
        tol : float
            The criterion's tolerance.
        record : list
            What :meth:`memorizers.certify.Certifier.enclose` recorded on the same X.
        final : Enclosure
            Its result.
        fmt : Format
            The format (:mod:`.formats`).

        Returns
        -------
        proved : numpy.ndarray of bool
            Per point, right in every evaluation in ``fmt``.
        radius : numpy.ndarray
            Per point, the enclosure's radius in ``fmt``.
        """
        c, _ = self._route(X)
        scale = None if c.input_scale is None else c.put(c.input_scale)
        with np.errstate(all="ignore"):
            X = c.put(np.asarray(X, dtype=np.float64))
            return any_order(c.network, X, scale, Y, kind, tol, record, final, fmt, self.original)

    def _bits_pass(self, X, record: list, u: float) -> np.ndarray:
        """Per output, a bound on |t-bit evaluation - exact| with u = 2^-t (module doc).

        A t-bit value a_t is within R of the exact a; then |z_t - z| <= (1+u)(1+g)|W| R + (u + g(1+u)) M
        with g = gamma_{n+1}(u) and M the recorded |W|(|a| + r) + |b| (Higham's model, parameters rounded).
        |W| R is bounded by rho (|W| c) with c fixed per layer, so the bound is monotone in u.
        """
        it = iter(record)

        def add(R_in, R):  # the t-bit sum a + block(a) rounds once more
            total = next(it)[1]
            return up(R_in + R + u * (abs(total.h) + total.r + R_in + R), 4)

        R = u * abs(X)  # the inputs rounded to t bits
        return self.network.interpret(R, lambda d, R: self._bits_dense(d, R, next(it), u), add)

    def _bits_dense(self, d: Dense, R, entry, u: float):
        _, z, mag, inv_c, wc = entry[:5]
        n = d.n_in
        g = gamma(n + 1, u)
        with np.errstate(invalid="ignore"):  # 0 * inf: an exact input (R = 0) of a column whose c underflowed
            rho = up(amax(where(R == 0, 0.0, R * inv_c), 1, 0.0), 3)
        rz = up((1 + u) * (1 + g) * rho[:, None] * wc + (u + g * (1 + u)) * mag, 6)
        return d.activation.bits_error(z, rz, u)


def _with_follower_rows(v, L: DenseLayer, prev_pair, pair):
    """An upper bound of |W| v for the layer with followers, from the reduced layer L's |W| (rounded up by the
    caller for L's n_in products): the previous layer's pairs' inputs added (:func:`_fold`), since a follower's
    outgoing column is its leader's negated, and the followers' rows copied from their leaders'."""
    M = (v if prev_pair is None else _fold(v, prev_pair)) @ L.abs_w_T
    if pair is None:
        return M
    return concat([M[:, pair[0]], M[:, pair[0]], M[:, pair[0].stop :]], 1)


def _magnitude(a: Enclosure):
    """|h| + |l| + r: a bound of the magnitudes of the values an enclosure holds (up to its own rounding)."""
    return abs(a.h) + (0.0 if a.l is None else abs(a.l)) + (0.0 if a.r is None else a.r)


def enclose(network: Network, X) -> Enclosure:
    """A rigorous enclosure of the exact network's outputs on the float64 rows of X (module doc).

    Parameters
    ----------
    network : Network
        The network.
    X : array_like, shape (N, n_in)
        The points, as float64.

    Returns
    -------
    Enclosure
        Midpoints and radii: every exact output lies within its radius of its midpoint.
    """
    return Certifier(network).enclose(X)
