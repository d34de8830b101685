"""Vardi, Yehudai & Shamir (2022), "On the optimal memorization power of ReLU neural networks",
Theorem 3.1: N distinct points with labels in [C] are memorized by a ReLU network of constant width
and Õ(√N) parameters, whose weights carry Θ̃(√N) bits; the VC-dimension bound makes both optimal.

The paper's text was not reachable; this follows our reconstruction, checked end to end in exact
arithmetic (``../shared/specs/optimal_memorization.md``, Section 2: [P] read in a restatement,
[R] reconstructed). The network, every hidden unit a ReLU:

1. *Projection* [R constants]: one unit p(x) = relu(s <w, x> + beta) with w ~ N(0, I) rounded to
   20 fractional bits, s = 2^e the smallest power of two that makes every gap between the sorted
   projections of the data at least 2, and beta an integer that puts them all at >= 2. Keys
   m_i = floor(p(x_i)) are then distinct, at least 2 apart, and p(x_i) - m_i lies in [0, 1).
2. *Buckets* [P idea, R details]: the points sorted by key, in M = ceil(N / k) buckets of k; bucket j
   packs its keys into u_j = sum_t m_(j,t) 2^(rho (k-1-t)) and its labels into w_j (c bits each),
   rho and c the bit lengths of the largest key and label; the last bucket is padded with key 0.
3. *Selector* [R]: per bucket a layer with the step relu(p - a_j + 1) - relu(p - a_j) (a_j the bucket's
   first key), which is 1 for the points of buckets >= j and 0 below, so that
   U = sum_j (u_j - u_(j-1)) step_j telescopes to the u of the point's own bucket (W likewise).
   With ``depth=L`` every step sits in one wide layer instead (Section 3 of the spec: Õ(N / L) parameters).
4. *Bit extraction* [R, the spec's "next-bit" gadget]: one layer per bit, g1 = relu(V - 2^q + 1),
   g2 = relu(V - 2^q), bit = g1 - g2 (exact: V is an integer); then V -= 2^q bit and key = 2 key + bit.
   U and W are read in parallel, max(rho, c) layers per slot.
5. *Comparison and output* [R]: per slot, the trapezoid T = relu(D + 1) - relu(D) - relu(D - 1) + relu(D - 2)
   of D = p - key (1 on the point's own key, 0 on any other, which is >= 2 away), then
   o = relu(label - 2^c + 2^c T), the label on a match and 0 otherwise, summed into the output.

The output is the class id itself (label kind ``index``). Every value carried from layer to layer
is >= 0 on the data, so relu carries it unchanged. Hidden layers: 1 + M + k (max(rho, c) + 2) (with
``depth``: 2 + k (max(rho, c) + 2)), width 10 (the paper: 12). The packed weights and the powers 2^q
have up to k rho bits: float64 cannot evaluate this network (it is judged by its exact evaluation,
:mod:`memorizers.exact`), which is the theorem's point: Õ(√N) parameters need Θ̃(√N) bits each.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import identity, relu
from ..data import check_dataset, check_distinct
from ..errors import InvalidDataError
from ..exact import Dyadic, dyadic
from ..network import Dense, Network
from .registry import register
from .yun.classifier import class_ids

W_BITS = 20  # fractional bits of the projection direction
CONST = -1  # the key of an expression's constant term


def lin(*terms) -> dict:
    """sum of coeff * expression over (coeff, expression) pairs; an expression maps unit index -> coefficient,
    CONST -> constant (all Python ints)."""
    out: dict[int, int] = {}
    for c, e in terms:
        for k, v in e.items():
            out[k] = out.get(k, 0) + c * v
    return {k: v for k, v in out.items() if v}


def const(v: int) -> dict:
    return {CONST: v} if v else {}


class Layers:
    """Hidden ReLU layers given as named units, each an affine expression in the previous layer's units."""

    def __init__(self, first: Dense):
        self.layers = [first]

    def emit(self, units: list[tuple[str, dict]]) -> dict[str, dict]:
        n = self.layers[-1].n_out
        W, b = np.zeros((len(units), n), dtype=object), np.zeros(len(units), dtype=object)
        for r, (_, e) in enumerate(units):
            for k, v in e.items():
                if k == CONST:
                    b[r] = v
                else:
                    W[r, k] = v
        self.layers.append(Dense(W, b, relu()))
        return {name: {r: 1} for r, (name, _) in enumerate(units)}

    def network(self, out: dict) -> Network:
        n = self.layers[-1].n_out
        W = np.zeros((1, n), dtype=object)
        for k, v in out.items():
            if k != CONST:
                W[0, k] = v
        return Network([*self.layers, Dense(W, np.array([out.get(CONST, 0)], dtype=object), identity())])


def _plan(X: np.ndarray, ids: np.ndarray, C: int, bucket, depth, seed, tries: int) -> dict:
    """The projection, keys and bucket layout (module doc, steps 1-2), as Python ints."""
    N, d = X.shape
    xs = Dyadic.from_float(X)
    rng = np.random.default_rng(seed)
    for _ in range(tries):
        wm = np.rint(rng.standard_normal(d) * 2.0**W_BITS).astype(np.int64)
        P = xs.m.dot(wm.astype(object)) if d else np.zeros(N, dtype=object)  # exact: <w, x_i> 2^(W_BITS - xs.e)
        order = sorted(range(N), key=P.__getitem__)
        gap = min((P[j] - P[i] for i, j in zip(order, order[1:])), default=1)
        if gap > 0:
            break
    else:
        raise InvalidDataError(f"no projection in {tries} random draws separates the points (equal <w, x>)")
    f = 2 - int(gap).bit_length()  # 2^f gap >= 2 in the units of P, the least such f
    q = [int(v) << f if f >= 0 else int(v) >> -f for v in P]  # floor(P 2^f) per point
    beta = 2 - min(q)
    keys = [v + beta for v in q]
    return {
        "w": wm,
        "x_exponent": xs.e,  # <w, x_i> = P_i 2^(xs.e - W_BITS), and p = P 2^f + beta
        "f": f,
        "beta": beta,
        **layout(keys, C, bucket, depth),
    }


def layout(keys: list[int], C: int, bucket, depth) -> dict:
    """The bucket layout of integer keys (distinct, at least 2 apart, at least 2) and labels in [C] (module doc,
    step 2): key and label bits rho and c, k points per bucket, M buckets, the points in key order."""
    N = len(keys)
    rho, c = max(keys).bit_length(), max(1, (C - 1).bit_length())
    B = max(rho, c)
    if depth is None:
        k = int(bucket) if bucket is not None else max(1, min(N, round(math.sqrt(2 * N / (3 * B)))))
    else:
        if depth < B + 4:
            raise InvalidDataError(f"depth {depth} is below the {B + 4} hidden layers of one slot here")
        k = int(bucket) if bucket is not None else max(1, min(N, (depth - 2) // (B + 2)))
    if not k >= 1:
        raise InvalidDataError(f"bucket must be a positive number of points; got {bucket!r}")
    order = sorted(range(N), key=keys.__getitem__)
    return {"keys": keys, "order": order, "rho": rho, "c": c, "k": k, "M": -(-N // k), "depth": depth}


def _widths(X, y, options, info=None) -> list[int]:
    if info is None:
        ids, C = class_ids(y, options.get("n_classes"))
        X = np.asarray(X, dtype=np.float64)
        info = _plan(X, ids, C, options.get("bucket"), options.get("depth"), options.get("seed"), 20)
    B, k, M = max(info["rho"], info["c"]), info["k"], info["M"]
    select = [5] * M if info["depth"] is None else [2 * M + 1]
    return [1, *select, *([10] * B + [9, 5]) * k]


@register(
    "vardi",
    kind="index",
    statement="Vardi, Yehudai & Shamir (2022), Theorem 3.1 (reconstructed)",
    summary="width 10, Õ(√N) parameters of Õ(√N) bits (exact), output = the class id",
    widths=_widths,
    quantity="width (Theorem 3.1: 12; with depth=L, the selection layer's 2M + 1)",
    parameters=None,  # exact parameters of thousands of bits: counted after building
)
def vardi(X, y, *, bucket: int | None = None, depth: int | None = None, n_classes=None, seed=None, tries: int = 20):
    """Theorem 3.1 of Vardi, Yehudai & Shamir (2022), as reconstructed (module doc).

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points (any separation: the weights grow with log of 1 / the smallest projected gap).
    y : array_like
        Class ids 0..C-1 (N,) or one-hot rows (N, C); the network outputs the id.
    bucket : int, optional
        Points per bucket k (default: sqrt(2N / (3 max(rho, c))), which minimises the nonzero parameters
        12 N / k + 18 k max(rho, c) of this layout; with ``depth``, (depth - 2) // (max(rho, c) + 2)).
    depth : int, optional
        The depth-bounded variant: all bucket steps in one wide layer, about ``depth`` hidden layers,
        Õ(N / depth) parameters.
    n_classes : int, optional
        C (default: the largest id + 1).
    seed : int, optional
        The projection's direction.
    tries : int
        Random directions drawn before giving up on one that separates the points.

    Returns
    -------
    (Network, dict)
        A network with exact integer parameters after layer 1; info: rho (key bits), c (label bits), k, M,
        the projection's scale exponent, and label_bits = N log2 C, the information the labels carry.

    References
    ----------
    Vardi, Yehudai & Shamir, ICLR 2022, Theorem 3.1 (width 12, depth Õ(√N), bit complexity Õ(√N));
    ``../shared/specs/optimal_memorization.md`` Sections 2-3 for the reconstruction and the depth-L variant.
    """
    X, Y = check_dataset(X, y)
    check_distinct(X)
    ids, C = class_ids(np.asarray(y), n_classes)
    N, d = X.shape
    if depth is not None and not (isinstance(depth, (int, np.integer)) and depth >= 1):
        raise InvalidDataError(f"depth must be a positive integer; got {depth!r}")
    if bucket is not None and not (isinstance(bucket, (int, np.integer)) and bucket >= 1):
        raise InvalidDataError(f"bucket must be a positive integer; got {bucket!r}")
    plan = _plan(X, ids, C, bucket, depth, seed, tries)

    # layer 1: p = relu(s <w, x> + beta) = relu(P 2^f + beta), with <w, x> = P 2^(x_exponent - W_BITS), so the
    # weights s w = wm 2^(f - x_exponent) (w = wm 2^-W_BITS) and s = 2^(f + W_BITS - x_exponent)
    e = plan["f"] - plan["x_exponent"]
    s_w = np.array([dyadic(int(v), e) for v in plan["w"]], dtype=object)[None, :]
    network = select_by_key(Layers(Dense(s_w, np.array([plan["beta"]], dtype=object), relu())), {0: 1}, ids, plan)
    info = {
        "rho": plan["rho"],
        "c": plan["c"],
        "k": plan["k"],
        "M": plan["M"],
        "depth": depth,
        "scale_exponent": e + W_BITS,  # log2 s
        "label_bits": float(N * math.log2(C)) if C > 1 else 0.0,
        "bound": 12 if depth is None else 2 * plan["M"] + 1,
        "used": max(network.hidden_widths),
    }
    return network, info


def select_by_key(layers: Layers, p: dict, ids, plan: dict) -> Network:
    """Steps 2-5 of the module doc on top of ``layers``, whose last layer holds the unit ``p`` (an expression):
    p lies in [m_i, m_i + 1) at point i, m_i its key in ``plan`` (:func:`layout`); the output is its label."""
    rho, c, k, M, depth = plan["rho"], plan["c"], plan["k"], plan["M"], plan["depth"]
    keys, order = plan["keys"], plan["order"]
    # buckets (module doc, step 2), the last padded with key 0 and label 0
    slots = [order[j * k : (j + 1) * k] for j in range(M)]
    first_keys = [keys[s[0]] for s in slots]
    packed_u = [sum(keys[i] << (rho * (k - 1 - t)) for t, i in enumerate(s)) for s in slots]
    packed_w = [sum(int(ids[i]) << (c * (k - 1 - t)) for t, i in enumerate(s)) for s in slots]

    # selector (step 3): U = sum_j (u_j - u_(j-1)) step_j, W likewise
    U, W = {}, {}
    if depth is None:
        prev = (0, 0)
        for j in range(M):
            r = layers.emit(
                [("p", p), ("U", U), ("W", W), ("h1", lin((1, p), (1, const(1 - first_keys[j])))),
                 ("h2", lin((1, p), (1, const(-first_keys[j]))))]
            )  # fmt: skip
            step = lin((1, r["h1"]), (-1, r["h2"]))
            p = r["p"]
            U = lin((1, r["U"]), (packed_u[j] - prev[0], step))
            W = lin((1, r["W"]), (packed_w[j] - prev[1], step))
            prev = (packed_u[j], packed_w[j])
    else:
        units = [("p", p)]
        for j in range(M):
            units += [(f"h1_{j}", lin((1, p), (1, const(1 - first_keys[j])))),
                      (f"h2_{j}", lin((1, p), (1, const(-first_keys[j]))))]  # fmt: skip
        r = layers.emit(units)
        p = r["p"]
        U, W = {}, {}  # sum_j delta_j (h1_j - h2_j), written term by term (each unit appears once): O(M), not O(M^2)
        for j in range(M):
            (h1,), (h2,) = r[f"h1_{j}"], r[f"h2_{j}"]
            for E, packed in ((U, packed_u), (W, packed_w)):
                delta = packed[j] - (packed[j - 1] if j else 0)
                if delta:
                    E[h1], E[h2] = delta, -delta

    # extraction (step 4), comparison and output (step 5), slot by slot
    out, qu, qw = {}, k * rho - 1, k * c - 1
    for _ in range(k):
        key, lab = {}, {}
        for b in range(max(rho, c)):
            gates = []
            for tag, V, q, active in (("u", U, qu, b < rho), ("w", W, qw, b < c)):  # an idle gate: zero units
                g1, g2 = (
                    (lin((1, V), (1, const(1 - (1 << q)))), lin((1, V), (1, const(-(1 << q))))) if active else ({}, {})
                )
                gates += [(f"g{tag}1", g1), (f"g{tag}2", g2)]
            r = layers.emit([("p", p), ("U", U), ("W", W), ("key", key), ("lab", lab), ("out", out), *gates])
            p, U, W, key, lab, out = r["p"], r["U"], r["W"], r["key"], r["lab"], r["out"]
            if b < rho:
                bit = lin((1, r["gu1"]), (-1, r["gu2"]))
                U, key, qu = lin((1, U), (-(1 << qu), bit)), lin((2, key), (1, bit)), qu - 1
            if b < c:
                bit = lin((1, r["gw1"]), (-1, r["gw2"]))
                W, lab, qw = lin((1, W), (-(1 << qw), bit)), lin((2, lab), (1, bit)), qw - 1
        D = lin((1, p), (-1, key))
        r = layers.emit(
            [("p", p), ("U", U), ("W", W), ("lab", lab), ("out", out),
             *[(f"t{i}", lin((1, D), (1, const(1 - i)))) for i in range(4)]]
        )  # fmt: skip
        T = lin((1, r["t0"]), (-1, r["t1"]), (-1, r["t2"]), (1, r["t3"]))
        o = lin((1, r["lab"]), (1, const(-(1 << c))), (1 << c, T))
        r2 = layers.emit([("p", r["p"]), ("U", r["U"]), ("W", r["W"]), ("out", r["out"]), ("o", o)])
        p, U, W, out = r2["p"], r2["U"], r2["W"], lin((1, r2["out"]), (1, r2["o"]))
    return layers.network(out)
