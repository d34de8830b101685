"""Certificates: rigorous enclosures of the exact network's outputs, the points they prove, and the bits a
network needs.

The *exact network* is the stored parameters applied in exact real arithmetic to the float64 rows of X. A
point is *proved* when an enclosure of its exact outputs meets its label's criterion (:mod:`memorizers.kinds`,
with outward-rounded comparisons), and *certified* by verify when it is proved and the evaluation it scored
gets it right too.

* :func:`certify_points` is the certificate of a dataset: it schedules the enclosures in blocks (threads in
  NumPy, in turn on a torch device), compares them with the labels and searches bits_sufficient, and returns a
  frozen :class:`Certificate` of per-point results.
* :class:`Certifier` (``enclosure``) is the tight enclosure of one network in double-double arithmetic at
  BLAS speed, and :meth:`Certifier.bits_sufficient` the precision that provably suffices in any summation order;
  the documentation's certificate page (docs/certificate.rst) has the mathematics, step by step, with its
  soundness argument.
* :func:`forward_with_bound` (``apriori``) is the a-priori bound of any evaluation in a float type.
* ``relu_pairs``: Yun et al.'s hard-tanh from two ReLU-like units, enclosed as one unit.
* :mod:`.exactness`: the rules of float-native networks (a comparator's decided sign, exact integers, one-hot
  selections), for the points the enclosure leaves unproved: in float64 for the exact network, per format for
  any order, and the precision they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import backends
from ..arrays import amax, to_numpy
from ..intervals import U64, gamma
from ..kinds import certified, score, score_torch, targets, targets_torch
from ..network import Network
from ..threads import thread_map
from . import exactness
from .apriori import forward_with_bound
from .enclosure import BIG, MAX_BITS, Certifier, enclose
from .formats import FORMATS, Format, named

BLOCK = 2**17  # numbers per layer in one certification block: small enough to stay in cache
BLOCK_GPU = 2**24  # on a GPU: large products; a block's dozen arrays per layer take a few GB at most


@dataclass(frozen=True)
class Certificate:
    """What the certificate proved of a dataset, per point (arrays of length N).

    Parameters
    ----------
    proved : numpy.ndarray of bool
        The exact network meets the point's criterion.
    radius : numpy.ndarray
        The largest radius of the enclosures of the point's outputs (inf: nothing claimed).
    margin : numpy.ndarray
        The criterion's margin at the enclosures' midpoints (NaN for points not enclosed).
    bits : int or None
        bits_sufficient (None: no precision up to MAX_BITS certifies every point, or not searched).
    searched : bool
        Whether the bits were searched.
    device : str
        Where the enclosures ran ("numpy" or a torch device).
    any_order : dict
        Per format asked for (:data:`.formats.FORMATS`), the points that every evaluation in that format gets
        right, in any order of summation (:mod:`.formats`).
    any_order_radius : dict
        Per format, the points' radii there.
    """

    proved: np.ndarray
    radius: np.ndarray
    margin: np.ndarray
    bits: int | None
    searched: bool
    device: str
    any_order: dict = field(default_factory=dict)
    any_order_radius: dict = field(default_factory=dict)


def certify_points(
    network: Network,
    X,
    y,
    label_kind: str,
    kind: str,
    tol: float,
    *,
    bits: bool = True,
    device: str = backends.NUMPY,
    only=None,
    formats=(),
    progress=None,
) -> Certificate:
    """The certificate of ``network`` on the points X with labels y of ``label_kind``, judged as ``kind`` at
    ``tol`` (:func:`memorizers.kinds.certified`); with ``only`` (row indices), of those points alone, the others
    left unproved (radius inf).

    Blocks are fixed row ranges, so the result does not depend on how the caller evaluated the points. In NumPy
    they run on one thread per core (``memorizers.threads.thread_map``): a third of the work is elementwise
    NumPy, which one thread would leave to one core. On a torch ``device`` (for the networks
    :func:`memorizers.backends.certifiable` takes) they run in turn, in larger blocks, bits search included, and
    only the per-point results come back.

    Parameters
    ----------
    network : Network
        The network (float or exact parameters).
    X : array_like, shape (N, n_in)
        The points.
    y : numpy.ndarray
        Their encoded labels (:class:`memorizers.labels.Labels` values).
    label_kind : str
        The kind ``y`` is encoded as.
    kind : str
        The kind the points are judged as (:func:`memorizers.kinds.certified`).
    tol : float
        The criterion's tolerance.
    bits : bool
        Also search bits_sufficient (:meth:`Certifier.bits_sufficient`; a block that an earlier block's answer
        certifies does not search).
    device : str
        Where to enclose ("numpy" or a torch device).
    only : array_like of int, optional
        Row indices: certify those points alone, the others left unproved (radius inf).
    formats : sequence of str or "all"
        Names of :data:`.formats.FORMATS` to certify the points in, in any order of summation.
    progress : callable, optional
        ``progress(blocks, total, desc)`` wraps the blocks for a progress bar.

    Returns
    -------
    Certificate
        Per point: proved, radius, margin, and per format the any-order verdicts.
    """
    formats = named(formats)
    n = len(X)
    keep = np.arange(n) if only is None else np.asarray(only)
    X, y = (X, y) if only is None else (X[keep], y[keep])
    proved, radius, margin = np.zeros(n, bool), np.full(n, np.inf), np.full(n, np.nan)
    any_order = {f: np.zeros(n, bool) for f in formats}
    any_order_radius = {f: np.full(n, np.inf) for f in formats}
    rules = _Exactness(network, X, y, label_kind, kind, tol) if len(keep) and exactness.eligible(network) else None

    def settle(p, r, m):  # a pass's or the enclosure's per-point results: a proof first, then the smaller radius
        was = proved[keep]
        take = (p & ~was) | ((p == was) & (r < radius[keep]))
        proved[keep] = was | p
        radius[keep], margin[keep] = np.where(take, r, radius[keep]), np.where(take, m, margin[keep])

    def everything() -> bool:
        return bool(proved[keep].all() and all(any_order[f][keep].all() for f in formats))

    def by_rules(need):  # each format's pass, the bits search, then float64's pass for what is left unproved
        for f in formats:
            if not rules.worth(FORMATS[f], ~any_order[f][keep]):
                continue
            p, r, _ = rules.run(FORMATS[f])
            any_order[f][keep] |= p
            any_order_radius[f][keep] = np.where(p, np.minimum(r, any_order_radius[f][keep]), any_order_radius[f][keep])
        promising = rules.sample_proved or np.isfinite(rules.fewest_bits())
        if bits and promising and (need is None or not np.isfinite(need) or need > rules.fewest_bits()):
            need = rules.least_bits(need)
        for p, r, m in list(rules.passes.values()):  # every pass proves the exact network too
            settle(p, r, m)
        if not proved[keep].all() and rules.worth(FORMATS["float64"], ~proved[keep]):
            settle(*rules.run(FORMATS["float64"]))
        return need

    need, dev = None, None
    if rules is not None and rules.proves_a_sample():  # a float-native network: the rules first, and often alone
        need = by_rules(need)
    if not everything():
        need, dev = _enclosures(
            network,
            X,
            y,
            label_kind,
            kind,
            tol,
            bits,
            device,
            formats,
            progress,
            settle,
            keep,
            any_order,
            any_order_radius,
        )
        if rules is not None and (not everything() or (bits and (need is None or not np.isfinite(need)))):
            need = by_rules(need)
    return Certificate(
        proved=proved,
        radius=radius,
        margin=margin,
        bits=int(need) if bits and need is not None and np.isfinite(need) else None,
        searched=bits,
        device=dev or backends.NUMPY,
        any_order=any_order,
        any_order_radius=any_order_radius,
    )


def _enclosures(
    network, X, y, label_kind, kind, tol, bits, device, formats, progress, settle, keep, any_order, any_order_radius
):
    """The tight enclosure of every point, in blocks (certify_points' doc), its bits search and each format's
    any-order bound: the results go to ``settle`` and the any-order arrays; returns (bits found, device)."""
    dev = device if device != backends.NUMPY and backends.certifiable(network) else None
    certifier = Certifier(network, device=dev)
    size = BLOCK_GPU if (dev or "").startswith("cuda") else BLOCK
    rows = max(64, size // max(network.n_in, network.n_out, *network.hidden_widths, 1))
    known = []  # the blocks' bits_sufficient so far

    def block(s):
        Xs, ys = X[s : s + rows], y[s : s + rows]
        most = max(known, default=None)  # a block that it certifies need not search (Certifier.bits_sufficient)
        # for the bits search, the enclosure records what a t-bit machine computes unit by unit
        search = bits and (most is None or most < np.inf)
        record = [] if search or formats else None
        enc = certifier.enclose(Xs, record)
        Ys = (
            targets(ys, network.n_out, label_kind) if dev is None else targets_torch(ys, network.n_out, label_kind, dev)
        )
        with np.errstate(all="ignore"):
            margin = (score if dev is None else score_torch)(enc.h + enc.l, Ys, kind, tol)[1]
            proved, radius = certified(enc, Ys, kind, tol), amax(enc.r, 1, 0.0)
        need = most if bits else None  # once a block needs more than MAX_BITS, so does the network
        if search:
            need = certifier.bits_sufficient(Xs, Ys, kind, tol, record, enc, most)
            known.append(need)  # list.append is atomic: the threads share the list safely
        fmt = [tuple(map(to_numpy, certifier.any_order(Xs, Ys, kind, tol, record, enc, FORMATS[f]))) for f in formats]
        return to_numpy(proved), to_numpy(radius), to_numpy(margin), need, fmt

    starts = range(0, len(X), rows)
    blocks = thread_map(block, starts) if dev is None else map(block, starts)
    if progress is not None:
        blocks = progress(blocks, len(starts), "certify" if dev is None else f"certify ({dev})")
    results = list(blocks)
    if not results:
        return None, dev
    p, r, m, counts, fmt = zip(*results)
    settle(np.concatenate(p), np.concatenate(r), np.concatenate(m))
    for i, f in enumerate(formats):
        any_order[f][keep] |= np.concatenate([block[i][0] for block in fmt])
        any_order_radius[f][keep] = np.minimum(
            any_order_radius[f][keep], np.concatenate([block[i][1] for block in fmt])
        )
    return (max(counts) if bits else None), dev


class _Exactness:
    """The exactness rules (:mod:`.exactness`) over the points, a format's pass run once. Every pass's intervals
    hold the exact network's outputs too, so what any pass proves is proved for the exact network."""

    SAMPLE = 256

    def __init__(self, network, X, y, label_kind, kind, tol):
        self.network, self.X, self.y = network, to_numpy(X), to_numpy(y)
        self.label_kind, self.kind, self.tol = label_kind, kind, tol
        self.rows = max(256, BLOCK // max(network.n_in, *network.hidden_widths, network.n_out, 1))
        self.passes = {}  # format -> (proved, radius, margin) of every point
        self.first = False  # a float-native network: its sample proved with exact outputs
        self.sample_proved = False  # float64's pass proved the sample (exact outputs or not)

    def _pass(self, fmt: Format, points=None):
        layers = exactness.prepare(self.network, fmt)
        X, y = (self.X, self.y) if points is None else (self.X[points], self.y[points])

        def block(s):
            Ys = targets(y[s : s + self.rows], self.network.n_out, self.label_kind)
            return exactness.proved(layers, X[s : s + self.rows], Ys, self.kind, self.tol, fmt)

        return tuple(map(np.concatenate, zip(*thread_map(block, range(0, len(X), self.rows)))))

    def run(self, fmt: Format):
        """The pass of ``fmt`` over every point (once): (proved, radius, margin)."""
        if fmt not in self.passes:
            self.passes[fmt] = self._pass(fmt)
        return self.passes[fmt]

    def _sample(self, size: int):
        return np.linspace(0, len(self.X) - 1, min(len(self.X), size)).astype(np.int64)

    def proves_a_sample(self) -> bool:
        """Whether float64's pass proves a sample of the points with exact outputs (radius 0): then the network is
        a float-native one, which the rules prove more tightly than any enclosure can (``first``)."""
        p, r, _ = self._pass(FORMATS["float64"], self._sample(self.SAMPLE))
        self.sample_proved = bool(p.all())
        self.first = self.sample_proved and bool((r == 0).all())
        return self.first

    def worth(self, fmt: Format, left: np.ndarray) -> bool:
        """Whether ``fmt``'s pass over every point is worth its cost: it has run, or the network is float-native,
        or it proves some of a sample of the points ``left`` (a mask) unproved."""
        if fmt in self.passes or self.first:
            return True
        points = np.flatnonzero(left)
        if not len(points):
            return False
        sample = points[np.linspace(0, len(points) - 1, min(len(points), self.SAMPLE)).astype(np.int64)]
        return bool(self._pass(fmt, sample)[0].any())

    def fewest_bits(self) -> float:
        """The fewest bits of a pass that proved every point (inf: none did)."""
        return min((f.bits for f, (p, _, _) in self.passes.items() if p.all()), default=np.inf)

    def least_bits(self, need):
        """The smallest t whose t-bit pass (float64's exponent range) proves every point, at most the fewest bits
        of a pass that did (53 if none has run): by bisection on a sample (a precision that fails some points
        fails them all), then on every point. ``need`` (the enclosure's answer) where that is smaller or no
        precision up to 53 proves every point."""
        done = [f.bits for f, (p, _, _) in self.passes.items() if p.all()]
        top = min(done, default=53)
        sample = self._sample(4 * self.SAMPLE)

        def proves(t, points=None):
            fmt = Format(f"{t} bits", t, FORMATS["float64"].tiny, FORMATS["float64"].max)
            return (self._pass(fmt, points) if points is not None else self.run(fmt))[0].all()

        def least(lo, hi, points=None):  # the least t in [lo, hi] that proves the points, if hi does
            while lo < hi:
                t = (lo + hi) // 2
                lo, hi = (lo, t) if proves(t, points) else (t + 1, hi)
            return lo

        t = least(1, top, sample)
        if not (t in done or proves(t)):
            t = least(t + 1, top)
            if not (t in done or proves(t)):
                return need
        return t if need is None else min(t, need)


__all__ = [
    "BIG",
    "MAX_BITS",
    "U64",
    "Certificate",
    "Certifier",
    "FORMATS",
    "Format",
    "certify_points",
    "enclose",
    "forward_with_bound",
    "gamma",
]
