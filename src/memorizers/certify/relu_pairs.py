"""The certificate's ReLU pairs (step 5 of :mod:`memorizers.certify`): Yun et al. realise a hard-tanh unit by two
ReLU-like units with identical weight rows, biases c1 > c2 and opposite outgoing weights; their exact
pre-activations share one product, so the pair is enclosed as one clipped unit, and the two units' errors, which
are one error, cancel as they do in the network.

Here: finding the pairs (:func:`_relu_pairs`), putting them first and leaving the followers out of the products
(:func:`_with_pairs_first`, :func:`_without_followers`), restoring the followers' pre-activations for the bits
search (:func:`_with_followers`, :func:`_fold`), and the pair's activation enclosure (:func:`_activate_with_pairs`).
"""

from __future__ import annotations

import numpy as np

from ..arrays import concat, empty_like, isfinite, where
from ..backends.numpy_backend import distinct_rows
from ..intervals import ETA, U64, Enclosure, near, two_product, two_sum, up
from ..network import Dense, Network


def _relu_pairs(d: Dense, nxt: Dense):
    """The ReLU-like pairs of a layer: units k, k' with identical weight rows, biases c1 > c2, and
    opposite outgoing columns in the next layer. Such a pair feeds the next layer
    W'_k (sigma(z_k) - sigma(z_k')), and with z_k = P + c1, z_k' = P + c2 for the same exact P and
    sigma of slopes s+, s-, that is s- H + (s+ - s-) clip(z_k, 0, H) exactly, H = c1 - c2: Yun et al.'s
    hard-tanh realised by two ReLU-like units (Section 2). Certified as one clipped unit, the two
    units' errors, which are the same error, cancel as they do in the network.
    Returns (leaders, followers, H_h, H_l) with H = c1 - c2 = H_h + H_l exactly, or None.
    """
    if d.activation.relu_slopes is None or not d.weight.any():  # zero rows are constants, exact already
        return None
    _, index = distinct_rows(d.weight + 0.0)  # + 0.0: -0.0 and 0.0 alike
    groups = np.split(np.argsort(index, kind="stable"), np.cumsum(np.bincount(index))[:-1])  # ascending each
    leaders, followers = [], []
    for members in groups:
        if not d.weight[members[0]].any():  # a zero row: as above
            continue
        by_column: dict[bytes, list[int]] = {}
        for k in members:
            by_column.setdefault((nxt.weight[:, k] + 0.0).tobytes(), []).append(k)
        used = set()
        for k in members:
            if k in used:
                continue
            for k2 in by_column.get((-nxt.weight[:, k] + 0.0).tobytes(), []):
                if k2 not in used and k2 != k and d.bias[k2] != d.bias[k]:
                    a, b = (k, k2) if d.bias[k] > d.bias[k2] else (k2, k)
                    leaders.append(a)
                    followers.append(b)
                    used.update((a, b))
                    break
    if not leaders:
        return None
    leaders, followers = np.array(leaders), np.array(followers)
    H_h, H_l = two_sum(d.bias[leaders], -d.bias[followers])
    return leaders, followers, H_h, H_l


def _with_pairs_first(network: Network):
    """The same network with each layer's ReLU-like pairs (see _relu_pairs) moved to its first units,
    leaders then followers (the next layer's columns permuted alike: the same function, exactly), and
    per such layer (id) the slices of its leaders and followers and H = H_h + H_l."""
    layers, pairs = list(network.layers), {}
    for i in range(len(layers) - 1):
        d, nxt = layers[i], layers[i + 1]
        if not (isinstance(d, Dense) and isinstance(nxt, Dense)) or d.exact or nxt.exact:
            continue  # exact parameters: the pair's H is not the float biases' difference
        found = _relu_pairs(d, nxt)
        if found is None:
            continue
        leaders, followers, H_h, H_l = found
        rest = np.setdiff1d(np.arange(d.n_out), np.concatenate([leaders, followers]))
        perm = np.concatenate([leaders, followers, rest])
        layers[i], layers[i + 1] = d.take(rows=perm), nxt.take(cols=perm)
        P = len(leaders)
        pairs[id(layers[i])] = (slice(0, P), slice(P, 2 * P), H_h, H_l)
    return (Network(layers, network.meta) if pairs else network), pairs


def _without_followers(network: Network, pairs: dict):
    """The network of :func:`_with_pairs_first` without the followers: a follower's output is 0 once its
    pair is fused, so its row and the next layer's column for it can go (half the products of such layers).
    Returns it, its layers' pairs (no followers) and, per layer (id), the layer with followers it stands for."""
    layers, reduced, full_of, keep_prev = [], {}, {}, None
    for original in network.layers:
        if not isinstance(original, Dense):
            layers.append(original)
            keep_prev = None
            continue
        layer, entry = original, pairs.get(id(original))
        if keep_prev is not None:
            layer = layer.take(cols=keep_prev)
        keep_prev = None
        if entry is not None:
            leaders, followers, H_h, H_l = entry
            keep_prev = np.r_[0 : leaders.stop, followers.stop : layer.n_out]
            layer = layer.take(rows=keep_prev)
            reduced[id(layer)] = (leaders, slice(leaders.stop, leaders.stop), H_h, H_l)
        full_of[id(layer)] = original
        layers.append(layer)
    return Network(layers, network.meta), reduced, full_of


def _with_followers(z: Enclosure, leaders: slice, followers: slice, H_h, H_l) -> Enclosure:
    """The pre-activations of a pair layer's units with its followers from those of its leaders and the rest
    (:func:`_without_followers`): a follower's exact pre-activation is its leader's minus H = H_h + H_l
    (one row, biases c1 and c2 = c1 - H), formed by TwoSum with the two roundings of its low part in the radius."""
    h, l, r = z.h[:, leaders], z.l[:, leaders], z.r[:, leaders]
    s, e = two_sum(h, -H_h)
    d = l - H_l  # rounded: |error| <= u (|l| + |H_l|)
    t = e + d  # rounded: |error| <= u (|e| + |d|)
    fh, fl = two_sum(s, t)
    fr = up(r + 2 * U64 * (abs(l) + abs(H_l) + abs(e) + abs(d)), 6)
    if not bool(isfinite(fh.sum())):
        fr += fh * 0.0  # NaN where an intermediate overflowed: never certified
    rest = slice(leaders.stop, None)
    return Enclosure(*(concat([v[:, leaders], f, v[:, rest]], 1) for v, f in ((z.h, fh), (z.l, fl), (z.r, fr))))


def _fold(ar, pair):
    """Per row, a pair layer's activation magnitudes with each follower's added to its leader's (rounded up).

    A sum of two nonnegative floats is exact below the normal range and within u above it, so (1 + 4u) bounds it
    without the subnormal term of :func:`up`, which would put a subnormal in every zero entry (and send the BLAS
    product that reads them down its slow path for subnormals)."""
    leaders, followers = pair[0], pair[1]
    return concat([(ar[:, leaders] + ar[:, followers]) * (1 + 4 * U64), ar[:, followers.stop :]], 1)


def _activate_with_pairs(act, z: Enclosure, leaders: slice, followers: slice, H_h, H_l) -> Enclosure:
    """The activation enclosure of a layer whose first units are pairs (see _with_pairs_first): each
    leader holds s- H + (s+ - s-) clip(z_k, 0, H), each follower 0, the other units their activation."""
    rest = slice(followers.stop, None)
    tail = act.enclose(Enclosure(z.h[:, rest], z.l[:, rest], z.r[:, rest]))
    h, l, r = (empty_like(z.h) for _ in range(3))
    h[:, rest], l[:, rest], r[:, rest] = tail.h, tail.l, tail.r
    zk = Enclosure(z.h[:, leaders], z.l[:, leaders], z.r[:, leaders])
    t = zk.h + zk.l
    t0 = zk.h - H_h
    d1 = zk.l - H_l
    t1 = t0 + d1  # z - H, with |error| <= u (|t0| + |d1| + |t1|)
    slack = (zk.r + 2 * U64 * (abs(t0) + abs(d1) + abs(t1))) * (1 + 8 * U64) + 4 * ETA
    above = t1 * (1 - 4 * U64) > slack  # the whole interval at or above H: f = H exactly
    below = t * (1 - 2 * U64) + zk.r < -ETA  # the whole interval below 0: f = 0 exactly
    top = t1 >= 0
    bottom = t <= 0  # exact: rounding keeps the sign of h + l
    h[:, leaders] = where(bottom, 0.0, where(top, H_h, zk.h))
    l[:, leaders] = where(bottom, 0.0, where(top, H_l, zk.l))
    # clip is 1-Lipschitz; where rounding may have decided the midpoint's side of H wrongly, the
    # midpoint is off by at most twice that rounding
    r[:, leaders] = where(above | below, 0.0, near(zk.r, t0, d1, t1))
    sp, sm = act.s_plus, act.s_minus
    if (sp, sm) != (1.0, 0.0):  # s- H + (s+ - s-) C in double-double, C the clip's enclosure
        gh, gl = two_sum(sp, -sm)  # s+ - s- exactly
        C_h, C_l, C_r = h[:, leaders], l[:, leaders], r[:, leaders]
        p1, e1 = two_product(gh, C_h)
        p2, e2 = two_product(sm, H_h)
        mid_h, e3 = two_sum(p1, p2)
        small = gh * C_l + gl * C_h + sm * H_l  # each below u times the main terms
        mid_l = e1 + e2 + e3 + small
        extra = 4 * U64 * (abs(e1) + abs(e2) + abs(e3) + abs(small) + abs(mid_l)) + abs(gl) * abs(C_l)
        h[:, leaders], l[:, leaders] = two_sum(mid_h, mid_l)
        r[:, leaders] = (
            up((abs(gh) + abs(gl)) * C_r + extra, 6) + 64 * ETA
        )  # Dekker's product is exact barring underflow
    h[:, followers] = l[:, followers] = r[:, followers] = 0.0
    return Enclosure(h, l, r)
