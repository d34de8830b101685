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
    dev = device if device != backends.NUMPY and backends.certifiable(network) else None
    certifier = Certifier(network, device=dev)
    size = BLOCK_GPU if (dev or "").startswith("cuda") else BLOCK
    rows = max(64, size // max(network.n_in, network.n_out, *network.hidden_widths, 1))
    n = len(X)
    keep = np.arange(n) if only is None else np.asarray(only)
    X, y = (X, y) if only is None else (X[keep], y[keep])
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
    proved, radius, margin = np.zeros(n, bool), np.full(n, np.inf), np.full(n, np.nan)
    need, any_order = None, {f: np.zeros(n, bool) for f in formats}
    any_order_radius = {f: np.full(n, np.inf) for f in formats}
    if results:
        p, r, m, counts, fmt = zip(*results)
        proved[keep], radius[keep], margin[keep] = np.concatenate(p), np.concatenate(r), np.concatenate(m)
        need = max(counts) if bits else None
        for i, f in enumerate(formats):
            any_order[f][keep] = np.concatenate([block[i][0] for block in fmt])
            any_order_radius[f][keep] = np.concatenate([block[i][1] for block in fmt])
    return Certificate(
        proved=proved,
        radius=radius,
        margin=margin,
        bits=int(need) if need is not None and np.isfinite(need) else None,
        searched=bits,
        device=dev or backends.NUMPY,
        any_order=any_order,
        any_order_radius=any_order_radius,
    )


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
