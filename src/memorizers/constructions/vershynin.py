"""Vershynin (2020), "Memory capacity of neural networks with threshold and ReLU activations".

A network [n, h_1, ..., h_L, 1] with threshold or ReLU activations in any mix per layer and a
threshold output memorizes 0/1 labels of unit, separated points in three moves:

* **Enrichment I** (Lemma 5.1, Theorem 5.2): a random pseudolinear map phi(Gx - b),
  G Gaussian, with b solving E phi(gamma - b)^2 = p (:func:`gaussian_bias`, exact Gaussian
  formulas of Appendix A), scaled by 1/sqrt(m p), turns separated points into almost
  orthogonal sparse vectors u_k (:func:`enrich`).
* **Enrichment II** (Lemma 5.3, Theorem 5.4): the same map with p = 1/sqrt(d) makes them
  O(1/sqrt d)-orthogonal, v_k.
* **Perception** (Lemma 6.1, Theorem 6.2): each batch I of positive points gets
  w = sum_{k in I} xi_k v_k with random signs and the mirror pair phi(<w, v> - t),
  phi(-<w, v> - t); signs are redrawn until the batch is separated (``perceive``).

Theorem 7.1 is the shallow case [n, m, d, r]; Theorem 7.2 stacks blocks (enrichment II
then perception) along the depth (Figure 2): layer 1 enriches once, "carry" units pass
that enrichment on unchanged (the identity on the image of E, footnote 8), every later
layer holds the enrichment II units of its own block, the perception units of the
previous block and one accumulator that adds (ReLU) or ORs (threshold) the outputs so
far; the output threshold node fires iff some perception unit fired. Positive labels are
distributed over the blocks in proportion to d_i r_i, as in the proof.

The paper's constants C, c are unspecified; the parameters they govern are named here,
with defaults chosen by measurement (see :func:`vershynin`), and every random layer is
checked against the conclusion of its lemma and redrawn (at most ``tries`` times) when the
check fails. Three choices are ours and documented where they act: perception vectors are
centred on the negatives' mean and normalised (w = sum xi_k c_k / |c_k|^2,
c_k = v_k - mean of the v's labelled 0; the centring is an affine map, so still pseudolinear); a batch is
accepted when its positives score above every negative point (what Theorem 6.2's proof
uses), not the stronger (6.2) unless ``bounds="paper"``; each perception unit is scaled so
that the gap between the two sides is +-1 in pre-activation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from ..activations import Activation, by_name, threshold
from ..data import check_dataset, check_distinct, check_memory, check_widths
from ..errors import InvalidDataError, WidthError
from ..network import Dense, Network
from .registry import register

NORM_TOL = 1e-6  # the data must be unit vectors up to this


def _q(b):
    """P(gamma > b) for gamma ~ N(0, 1)."""
    return 0.5 * special.erfc(b / math.sqrt(2))


def _pdf(b):
    return math.exp(-b * b / 2) / math.sqrt(2 * math.pi)


def gaussian_moments(b: float, kind: str) -> tuple[float, float]:
    """(E phi(gamma - b), E phi(gamma - b)^2) for gamma ~ N(0, 1), exactly (Appendix A).

    Threshold: both are P(gamma > b). ReLU: E (gamma - b)_+ = pdf(b) - b Q(b) and
    E (gamma - b)_+^2 = (b^2 + 1) Q(b) - b pdf(b) (the proof of Lemma A.1).
    """
    if kind == "threshold":
        q = _q(b)
        return q, q
    if kind == "relu_like":
        q, f = _q(b), _pdf(b)
        return max(f - b * q, 0.0), max((b * b + 1) * q - b * f, 0.0)
    raise InvalidDataError(f"Vershynin's construction uses threshold or ReLU activations, got {kind!r}")


def gaussian_bias(p: float, act: Activation) -> float:
    """The bias b with E phi(gamma - b)^2 = p (Lemmas 5.1 and 5.3), gamma ~ N(0, 1)."""
    if not 0 < p < 0.5:  # b > 0: at b = 0 both moments equal 1/2
        raise InvalidDataError(f"sparsity p must lie in (0, 1/2), got {p}")
    if act.kind == "threshold":
        return float(-special.ndtri(p))  # Q(b) = p
    return float(optimize.brentq(lambda b: gaussian_moments(b, act.kind)[1] - p, 0.0, 40.0, xtol=1e-14))


def coherence(U: np.ndarray, chunk: int = 4096) -> tuple[float, float]:
    """(max_i | |u_i|^2 - 1 |, max_{i != j} |<u_i, u_j>|): the diagnostic of Theorems 5.2 and 5.4."""
    norms = np.einsum("ij,ij->i", U, U)
    inner = 0.0
    for s in range(0, len(U), chunk):
        G = U[s : s + chunk] @ U.T
        G[np.arange(len(G)), np.arange(s, s + len(G))] = 0.0
        inner = max(inner, float(np.abs(G).max()) if G.size else 0.0)
    return float(np.abs(norms - 1).max()), inner


def enrich(
    U: np.ndarray, width: int, p: float, act: Activation, rng, scale: float = 1.0
) -> tuple[np.ndarray, float, np.ndarray]:
    """A random pseudolinear map phi(G u - b) of ``width`` units (eq. 5.1), E phi(gamma - b)^2 = p.

    The input is ``scale * U`` (a previous stage's raw outputs and its 1/sqrt(m p)), folded into
    the weights as the network folds it, so the outputs are the network's own. Returns
    (scale G, b, raw outputs phi(U (scale G)^T - b)); the enriched vectors are raw / sqrt(width p).
    """
    G = scale * rng.standard_normal((width, U.shape[1]))
    b = gaussian_bias(p, act)
    return G, b, act(U @ G.T - b)


def perceive(V: np.ndarray, batch: np.ndarray, negatives: np.ndarray, rng, *, tries: int, bounds: str, centre=None):
    """Lemma 6.1 for one batch: w = sum_{k in batch} xi_k c_k / |c_k|^2, c_k = v_k - (mean v over the negatives).

    (The division by |c_k|^2 and the centring are ours: the enriched norms vary by a factor
    of 2 to 3 at moderate widths, and a short member drowned in the others' noise.) Accepted when
    min_{k in batch} |<w, c_k>| > max_{negatives} |<w, c_k>|,
    or, with bounds="paper", when (6.2) holds for w = sum xi_k v_k exactly as printed:
    |<w, v_k>| <= 1/16 off the batch and >= 3/16 on it. ``centre``: the negatives' mean, if
    already computed. Returns (w, centre, threshold t, half-gap h, draws used), or None.
    """
    if not len(negatives):  # nothing to keep silent: a unit that always fires (w = 0, threshold -1)
        return np.zeros(V.shape[1]), np.zeros(V.shape[1]), -1.0, 1.0, 1
    if bounds == "paper":
        centre = np.zeros(V.shape[1])
    elif centre is None:
        centre = V[negatives].mean(axis=0)
    C = V[batch] - centre
    if bounds != "paper":  # each member contributes a unit signal <w, c_k> = xi_k + noise, whatever its norm
        sq = np.einsum("ij,ij->i", C, C)
        C = C / np.where(sq > 0, sq, 1.0)[:, None]
    off = np.ones(len(V), bool)
    off[batch] = False
    for draw in range(1, tries + 1):
        w = rng.choice([-1.0, 1.0], size=len(batch)) @ C
        s = np.abs(V @ w - centre @ w)
        if bounds == "paper":
            if s[off].max(initial=0.0) <= 1 / 16 and s[batch].min() >= 3 / 16:
                return w, centre, 1 / 8, 1 / 16, draw
        else:
            low, high = s[negatives].max(initial=0.0), s[batch].min()
            if high > low:
                return w, centre, (low + high) / 2, (high - low) / 2, draw
    return None


def _activations(activation, layers: int) -> list[Activation]:
    acts = activation if isinstance(activation, (list, tuple)) else [activation] * layers
    if len(acts) != layers:
        raise InvalidDataError(f"give one activation per hidden layer ({layers}), got {len(acts)}")
    out = [a if isinstance(a, Activation) else by_name(a) for a in acts]
    for a in out:
        if not (a.kind == "threshold" or (a.kind == "relu_like" and (a.s_plus, a.s_minus) == (1.0, 0.0))):
            raise InvalidDataError(f"Vershynin's construction uses threshold or ReLU activations, got {a.name}")
    return out


def layout(widths, enrich_width: int | None = None) -> dict:
    """Where the units go in each hidden layer (Theorem 7.2, Figure 2); raises WidthError naming the layer.

    Layer 1: enrichment I (``enrich_width`` units). Layer j >= 2: carry (layers 2 .. L-2),
    accumulator (layers 4 .. L), perception of block j-1 (layers 3 .. L, an even count)
    and enrichment II of block j (layers 2 .. L-1); what is left over stays idle.
    """
    h = list(widths)
    L = len(h)
    if L < 3:
        raise WidthError(
            f"Vershynin's construction needs at least 3 hidden layers (enrichment, enrichment, perception); got {L}",
            (1, 1, 2),
        )
    e = enrich_width or (h[0] if L == 3 else min(h[0], min(h[1 : L - 2]) // 3))
    if not 1 <= e <= h[0]:
        raise WidthError(f"the enrichment width must lie in [1, {h[0]}] (hidden layer 1); got {e}", tuple(h))
    layers = [{"carry": 0, "acc": 0, "P": 0, "R": 0}]
    for j in range(2, L + 1):
        carry = e if j <= L - 2 else 0
        acc = 1 if j >= 4 else 0
        free = h[j - 1] - carry - acc
        has_p, has_r = j >= 3, j <= L - 1
        R = free if not has_p else (free // 2 if has_r else 0)
        P = 0 if not has_p else (free - R) // 2 * 2
        if (has_r and R < 1) or (has_p and P < 2):
            need = carry + acc + (1 if has_r else 0) + (2 if has_p else 0)
            raise WidthError(
                f"hidden layer {j} (width {h[j - 1]}) must hold {carry} carry + {acc} accumulator units, "
                f"{'>= 2 perception units' if has_p else ''}{' and ' if has_p and has_r else ''}"
                f"{'>= 1 enrichment unit' if has_r else ''}: "
                f"needs width >= {need}",
                tuple(h),
            )
        layers.append({"carry": carry, "acc": acc, "P": P, "R": R})
    return {"enrich": e, "layers": layers}


def default_widths(y, activation="threshold", batch: int | None = None) -> tuple[int, int, int]:
    """The measured defaults [m, m, 2 ceil(K1 / batch)]: m = 1000 for threshold layers, 2000 when any is ReLU
    (ReLU enrichment needs twice the width for the same batches); K1 = the number of 1-labels."""
    relu_any = any(a.kind != "threshold" for a in _activations(activation, 3))
    m = 2000 if relu_any else 1000
    return m, m, 2 * max(1, math.ceil(int(np.sum(y)) / (batch or 4)))


def _widths(X, y, options, info=None) -> list[int]:
    if options.get("widths") is not None:
        return list(options["widths"])
    return list(default_widths(np.ravel(y), options.get("activation", "threshold"), options.get("batch")))


@register(
    "vershynin",
    kind="binary",
    statement="Vershynin (2020), Theorems 7.1-7.2",
    summary="threshold/ReLU (any mix), enrichment + perception + stacking, unit separated points",
    widths=_widths,
    quantity="deep connections (Theorem 7.1's K log^5 K, constants aside)",
)
def vershynin(
    X,
    y,
    *,
    widths=None,
    activation="threshold",
    enrich_width: int | None = None,
    sparsity: float | None = None,
    sparsity2: float | None = None,
    batch: int | None = None,
    separation: float | None = None,
    bounds: str = "gap",
    min_norm: float | None = None,
    tries: int = 50,
    seed=None,
):
    """Theorem 7.1 (3 hidden layers [m, d, r]) and Theorem 7.2 (deeper): memorize 0/1 labels of unit, separated points.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Unit vectors.
    y : array_like, shape (N,)
        0/1 labels.
    widths : sequence of int, optional
        Hidden widths h_1, ..., h_L (L >= 3); default (measured, not a theorem's minimum) [m, m, 2 ceil(K1 /
        batch)], m = 1000 for threshold layers and 2000 when any layer is ReLU (at m = 1000, ReLU failed
        perception at K = 5000; threshold memorized K = 10^4).
    activation : str or sequence of str
        "threshold", "relu" or one per hidden layer (any mix); the output node is a threshold.
    enrich_width : int, optional
        Units of enrichment I in hidden layer 1 (default: all of it with 3 hidden layers, else the smaller of h_1
        and a third of the narrowest middle layer; ``layout``).
    sparsity : float, optional
        p of enrichment I (E phi(gamma - b)^2 = p; the paper's C_2 log^2 N / (eps^2 m) with unknown C_2); default
        100 / m clipped to [0.05, 0.25] for a threshold first layer, 125 / m clipped to [0.1, 0.25] for a ReLU
        one, chosen by measurement: sparser codes left some |v_k| small (threshold at m = 500, ReLU at m = 1000
        and 2000) or cut the ReLU capacity at m = 300 (55 against 123 points at 300-300-40), and a ReLU code of
        0.25 failed perception at m = 2000.
    sparsity2 : float, optional
        p of enrichment II (default 1/sqrt(d), Lemma 5.3).
    batch : int, optional
        The most positive points one mirror pair memorizes (Theorem 6.2's batches, size unspecified there);
        default: the block's positives spread over all its pairs (4 per pair for the default widths).
    separation : float, optional
        The smallest distance allowed between a point labelled 0 and one labelled 1 (default 0.5 sqrt(log log d
        / log m), the form of (1.4) with our constant 0.5); closer pairs raise InvalidDataError naming them.
    bounds : {"gap", "paper"}
        The perception test (see ``perceive``).
    min_norm : float, optional
        Enrichment layers whose outputs miss it (every |u_k|, |v_k| >= min_norm; Lemma 5.3 concludes 1/2, the
        default for threshold layers; 1/4 for ReLU ones, measured: ReLU codes spread more, the smallest |v_k|
        falls below 1/2 from a few hundred points on, while the normalised perception still separates them) are
        redrawn.
    tries : int
        Redraws of an enrichment layer, and of the perception signs, before InvalidDataError says which layer
        failed.
    seed : int, optional
        The random maps' seed.

    Returns
    -------
    network : Network
        The hidden layers, then a threshold output.
    info : dict
        The layout, per-stage diagnostics (max | |u|^2 - 1 |, max |<u_i, u_j>|), draws used, batch sizes, and
        Theorem 1.1's deep connections W against K log^5 K.
    """
    X, Y = check_dataset(X, y)
    if Y.shape[1] != 1 or not np.isin(Y, (0.0, 1.0)).all():
        raise InvalidDataError("Vershynin's construction memorizes binary labels in {0, 1} (one column)")
    if bounds not in ("gap", "paper"):
        raise InvalidDataError(f"bounds must be 'gap' or 'paper', got {bounds!r}")
    if batch is not None and not (isinstance(batch, (int, np.integer)) and batch >= 1):
        raise InvalidDataError(f"batch must be a positive integer, got {batch!r}")
    if widths is None:
        widths = default_widths(Y[:, 0], activation, batch)
    h = check_widths(widths, "Vershynin's construction", at_least=1)
    acts = _activations(activation, len(h))
    plan = layout(h, enrich_width)
    e, spec = plan["enrich"], plan["layers"]
    check_distinct(X)
    K, n = X.shape
    norms = np.linalg.norm(X, axis=1)
    bad = int(np.argmax(np.abs(norms - 1)))
    if abs(norms[bad] - 1) > NORM_TOL:
        raise InvalidDataError(
            f"Vershynin's construction needs unit vectors; |x_{bad}| = {norms[bad]:.6g}: normalise X"
        )
    for j in range(
        2, len(h) - 1
    ):  # carry units copy the enrichment: exact only for threshold outputs into threshold carry
        if acts[j - 1].kind == "threshold" and acts[0].kind != "threshold":
            raise InvalidDataError(
                f"hidden layer {j} carries the enrichment with a threshold, which needs a threshold first layer"
            )
    check_memory(
        8.0 * (K * (max(h) * 3 + n) + sum(a * b for a, b in zip((n, *h), h))),
        f"a network of widths {list(h)} on {K} points",
    )
    yv = Y[:, 0]
    pos, neg = np.flatnonzero(yv == 1), np.flatnonzero(yv == 0)
    d_min = min(s["R"] for s in spec if s["R"])
    sep = (
        0.5 * math.sqrt(math.log(max(math.log(max(d_min, 3)), 1.0001)) / math.log(max(e, 3)))
        if separation is None
        else separation
    )
    if len(pos) and len(neg):
        i, j, dist = _closest_pair(X, pos, neg)
        if dist < sep:
            raise InvalidDataError(
                f"points {i} (label 1) and {j} (label 0) are {dist:.4g} apart, closer than the separation "
                f"{sep:.4g} these "
                "parameters allow (Theorem 1.1, (1.4)); widen the first two hidden layers or lower the "
                "separation (build --option separation=S)"
            )
    rng = np.random.default_rng(seed)
    info = {
        "layout": plan,
        "K": K,
        "K1": int(len(pos)),
        "separation": sep,
        "draws": {},
        "diagnostics": {"input": coherence(X)},
    }

    if sparsity is None:  # measured: ReLU norms spread more, so a ReLU first layer needs denser codes
        sparsity = min(0.25, max(0.05, 100 / e)) if acts[0].kind == "threshold" else min(0.25, max(0.1, 125 / e))
    info["sparsity"] = sparsity

    # Enrichment I (layer 1): redrawn until every |u_k| >= 1/2 (a weak form of Theorem 5.2's | |u_k|^2 - 1 | <= eps)
    def floor(a):
        return (0.5 if a.kind == "threshold" else 0.25) if min_norm is None else min_norm

    G1, b1, raw1 = _draw(
        lambda: enrich(X, e, sparsity, acts[0], rng),
        lambda r: r / math.sqrt(e * sparsity),
        tries,
        "enrichment I (hidden layer 1)",
        info,
        "E",
        floor(acts[0]),
    )
    lam1 = 1 / math.sqrt(e * sparsity)
    info["diagnostics"]["E"] = coherence(raw1 * lam1)

    # blocks i = 2 .. L-1: enrichment II in layer i, perception in layer i+1
    blocks = [i for i in range(2, len(h)) if spec[i - 1]["R"]]
    sizes = np.array([spec[i - 1]["R"] * spec[i]["P"] for i in blocks], dtype=float)
    counts = _split(len(pos), sizes)
    order = rng.permutation(pos)
    starts = np.concatenate([[0], np.cumsum(counts)])
    block_parts, batch_sizes = {}, []
    for bi, i in enumerate(blocks):
        d, r = spec[i - 1]["R"], spec[i]["P"]
        p2 = sparsity2 if sparsity2 is not None else 1 / math.sqrt(d)
        G, b, raw = _draw(
            lambda: enrich(raw1, d, p2, acts[i - 1], rng, scale=lam1),
            lambda r_: r_ / math.sqrt(d * p2),
            tries,
            f"enrichment II (hidden layer {i})",
            info,
            f"R{i}",
            floor(acts[i - 1]),
        )
        lam = 1 / math.sqrt(d * p2)
        V = raw * lam
        info["diagnostics"][f"R{i}"] = coherence(V)
        mine = order[starts[bi] : starts[bi + 1]]
        pairs = r // 2 if batch is None else math.ceil(len(mine) / batch)
        if pairs > r // 2:
            raise WidthError(
                f"hidden layer {i + 1} holds {r // 2} perception pairs; its {len(mine)} positive points in "
                f"batches of {batch} "
                f"need {pairs}: widen that layer or raise batch",
                tuple(h),
            )
        groups = [g for g in np.array_split(mine, max(pairs, 1)) if len(g)]
        units = []
        centre = V[neg].mean(axis=0) if len(neg) else None
        for g in groups:
            found = perceive(V, g, neg, rng, tries=tries, bounds=bounds, centre=centre)
            if found is None:
                raise InvalidDataError(
                    f"perception failed in hidden layer {i + 1}: no sign draw in {tries} separated a batch of "
                    f"{len(g)} positive "
                    f"points from the {len(neg)} negatives; widen hidden layer {i} (more enrichment units) or "
                    f"{i + 1} (smaller batches)"
                )
            w, c, t, half, draws = found
            info["draws"].setdefault(f"P{i + 1}", []).append(draws)
            units.append((w, c, t, half))
            batch_sizes.append(len(g))
        block_parts[i] = {"G": G, "b": b, "lam": lam, "units": units}
    info["batch_sizes"] = batch_sizes
    net = _assemble(n, h, acts, spec, e, G1, b1, block_parts)
    W_deep = sum(a * b for a, b in zip(h[1:], h[2:]))
    info.update(used=W_deep, bound=K * math.log(max(K, 2)) ** 5)  # deep connections: Theorem 7.1's K log^5 K
    return net, info


def _closest_pair(X, pos, neg, chunk: int = 2048):
    """(i, j, distance) of the closest pair with i labelled 1 and j labelled 0 (unit vectors)."""
    best = (-1, -1, np.inf)
    for s in range(0, len(pos), chunk):
        P = pos[s : s + chunk]
        D2 = np.maximum(2 - 2 * X[P] @ X[neg].T, 0)
        a, b = np.unravel_index(int(np.argmin(D2)), D2.shape)
        dist = float(np.linalg.norm(X[P[a]] - X[neg[b]]))  # directly: 2 - 2 x.y cancels for close points
        if dist < best[2]:
            best = (int(P[a]), int(neg[b]), dist)
    return best


def _draw(make, scale, tries, what, info, key, floor):
    """Draw a random enrichment layer until every enriched vector has norm >= floor (Lemma 5.3: 1/2)."""
    for draw in range(1, tries + 1):
        G, b, raw = make()
        norms = np.linalg.norm(scale(raw), axis=1)
        if norms.min() >= floor:
            info["draws"][key] = draw
            return G, b, raw
    raise InvalidDataError(
        f"{what}: no draw in {tries} gave every enriched vector norm >= {floor:g} (smallest {norms.min():.3g}); "
        "widen that layer, raise its sparsity or lower min_norm (build --option sparsity=P, --option min_norm=F)"
    )


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing to ``total`` in proportion to ``weights`` (largest remainders)."""
    share = total * weights / weights.sum()
    out = np.floor(share).astype(int)
    out[np.argsort(out - share)[: total - out.sum()]] += 1
    return out


def _unit(act: Activation) -> tuple[float, float]:
    """(weight, bias) passing a value in {0} u [1, inf) on as 0 / (>= 1): threshold 1{t - 1/2 > 0}, ReLU t."""
    return (1.0, -0.5) if act.kind == "threshold" else (1.0, 0.0)


def _assemble(n, h, acts, spec, e, G1, b1, blocks) -> Network:
    """One fully connected Network of the requested widths (idle units: zero weights, bias -1)."""
    L = len(h)
    offsets = []  # per layer: start of each segment
    for s in spec:
        o, pos = {}, 0
        for name in ("carry", "acc", "P", "R"):
            o[name] = pos
            pos += s[name]
        offsets.append(o)
    layers = []
    W = np.zeros((h[0], n))
    b = np.full(h[0], -1.0)
    W[:e], b[:e] = G1, -b1
    layers.append(Dense(W, b, acts[0]))
    for j in range(2, L + 1):
        s, o, prev, po = spec[j - 1], offsets[j - 1], spec[j - 2], offsets[j - 2]
        W = np.zeros((h[j - 1], h[j - 2]))
        b = np.full(h[j - 1], -1.0)
        src = 0 if j == 2 else po["carry"]  # where the enrichment I values sit in layer j-1
        if s["carry"]:
            wgt, bias = _unit(acts[j - 1])
            rows = o["carry"] + np.arange(e)
            W[rows, src + np.arange(e)] = wgt
            b[rows] = bias if acts[0].kind == "threshold" else 0.0  # raw ReLU values are carried by ReLU as they are
        if s["acc"]:  # accumulator: perception outputs of layer j-1 (+ its accumulator)
            wgt, bias = _unit(acts[j - 1])
            W[o["acc"], po["P"] : po["P"] + prev["P"]] = 1.0
            if prev["acc"]:
                W[o["acc"], po["acc"]] = 1.0
            b[o["acc"]] = bias
        if s["R"]:
            blk = blocks[j]
            rows = o["R"] + np.arange(s["R"])
            W[np.ix_(rows, src + np.arange(e))] = blk["G"]  # already scaled by lam1
            b[rows] = -blk["b"]
        if s["P"]:  # perception of block j-1, reading its enrichment II units in layer j-1
            blk = blocks[j - 1]
            cols = po["R"] + np.arange(prev["R"])
            for k, (w, centre, t, half) in enumerate(blk["units"]):
                for sign, row in ((1.0, o["P"] + 2 * k), (-1.0, o["P"] + 2 * k + 1)):
                    # phi((sign <w, v - centre> - t) / half), v = lam * raw: pre-activation >= +1 / <= -1 on the data
                    W[row, cols] = sign * w * blk["lam"] / half
                    b[row] = (-sign * float(w @ centre) - t) / half
        layers.append(Dense(W, b, acts[j - 1]))
    last, lo = spec[-1], offsets[-1]
    out = np.zeros((1, h[-1]))
    out[0, lo["P"] : lo["P"] + last["P"]] = 1.0
    if last["acc"]:
        out[0, lo["acc"]] = 1.0
    layers.append(Dense(out, np.array([-0.5]), threshold()))
    return Network(layers)
