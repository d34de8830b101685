"""The staircase's bfloat16 profile: levels of cuts on exact coordinates, certified in bfloat16 in any order.

The float32 staircase (:func:`~memorizers.constructions.staircase.staircase`) reads two sparse projections
whose rounding band, at bfloat16's 8 bits (u = 2^-8), is wider than the gaps between the data's values. This
profile (the float-native specification, ``shared/specs/float_native_memorization.md``, Sections 4 and 8;
ours) reads single coordinates instead, which no sum has rounded, and compares each with a threshold that
bfloat16 holds:

1. **Level 1**: comparators p_r = relu(x_j1 - phi_r) on the input itself, binarizers s_r = relu(1 - alpha_r p_r)
   = [x_j1 <= phi_r] and the cell's one-hot h_r (differences of the s_r), as in the float32 staircase.
2. **Levels 2 .. L-1**: inside each cell its own cuts on the next coordinate, selected from a table by the
   one-hot, q_m = relu(x+ - x- - sum_c Phi[c, m] h_c) (x+ = relu(x), x- = relu(-x) carried from layer 1: one of
   them is exactly 0, so the sum has two terms and one rounding, which keeps its sign: F2), binarizers b_m, and
   the children's one-hot h'(c, j) = relu(h_c + b_j - b_(j-1) - 1), an exact sum of four integers (F4). A slot
   a cell does not use holds a power of two above every coordinate: its binarizer is 1.
3. **Final level**: the runs variant of the float32 staircase on the last coordinate. Run indicators rho_j from the
   binarizers, the run's class id v_j = sum_c V[c, j] h_c selected from a table (F5), e_j = relu(v_j - BIG rho_j)
   and g_j = relu(v_j - e_j) = v_j rho_j (BIG a power of two above every id), and y = sum_j g_j: one nonzero term,
   the class id exactly. Every integer stays at or below 256 = 2^8 (ids up to 255; one-hot outputs compare ids
   up to 127: |y| + |c| <= 254).

A threshold is the smallest bfloat16 value at or above every interval below the cut (an input bfloat16 holds is
its own interval; another one the interval of its rounding), and below every interval above it: x <= phi gives
an exact 0, so two neighbouring bfloat16 values can be told apart. The levels (about log2(N^2) / 10, from 2 up
to 6 and the data's columns) read the columns with the most distinct bfloat16 values. A cell whose last level
cannot tell two labels apart is split one level up between them, and so on to level 1; two points that no level
can tell apart raise InvalidDataError naming them.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import identity, relu
from ..certify import exactness
from ..certify.formats import FORMATS
from ..errors import InvalidDataError
from ..network import Dense

FMT = FORMATS["bfloat16"]
MAX_LEVELS = 6


class _Conflict(Exception):
    """Two points with different labels that the levels below a node cannot tell apart."""

    def __init__(self, i: int, j: int):
        super().__init__(i, j)
        self.pair = (i, j)


def ceil_bfloat16(x: np.ndarray) -> np.ndarray:
    """The smallest bfloat16 value >= x, elementwise (x in bfloat16's normal range or 0)."""
    m, e = np.frexp(x)
    q = np.ceil(np.ldexp(m, FMT.bits))
    return np.ldexp(q, e - FMT.bits)


def _gaps(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For points in order, per gap the smallest bfloat16 phi at or above every interval before it and below
    every one after it (module doc); NaN where there is none."""
    below = np.maximum.accumulate(hi)[:-1]
    above = least_from(lo)[1:]
    phi = ceil_bfloat16(below)
    return np.where(phi < above, phi, np.nan)


class _Levels:
    """The tree of cells over the columns read per level (module doc): :meth:`node` cuts a cell of level k on
    column k near every ``size[k]``-th point, and again between two points the levels below cannot tell apart."""

    def __init__(self, lo, hi, ids, columns):
        self.lo, self.hi, self.ids, self.columns = lo, hi, ids, columns
        self.L = len(columns)
        n = len(ids)
        self.size = [max(1, round(n ** ((self.L - 1 - k) / self.L))) for k in range(self.L)]

    def order(self, points, k):
        c = self.columns[k]
        return points[np.argsort(self.lo[points, c] / 2 + self.hi[points, c] / 2, kind="stable")]

    def node(self, points, k):
        """(thresholds, children) of a cell at level k < L - 1 (children: nodes of level k + 1), or the points of
        a final cell (k = L - 1) once its chains of unclean gaps are pure; _Conflict otherwise."""
        c = self.columns[k]
        order = self.order(points, k)
        phi = _gaps(self.lo[order, c], self.hi[order, c]) if len(order) > 1 else np.zeros(0)
        if k == self.L - 1:
            chain = np.concatenate([[0], np.cumsum(~np.isnan(phi))])
            first = np.flatnonzero(np.diff(chain, prepend=-1))
            mixed = np.flatnonzero(self.ids[order] != self.ids[order[first]][chain])
            if len(mixed):
                raise _Conflict(int(order[first[chain[mixed[0]]]]), int(order[mixed[0]]))
            return order
        clean = np.flatnonzero(~np.isnan(phi))
        edges = {0, len(order)}
        if len(clean):
            targets = np.arange(self.size[k], len(order), self.size[k]) - 1
            pos = np.clip(np.searchsorted(clean, targets), 0, len(clean) - 1)
            left = np.maximum(pos - 1, 0)
            near = np.where(np.abs(clean[left] - targets) < np.abs(clean[pos] - targets), clean[left], clean[pos])
            edges |= {int(g) + 1 for g in near}
        edges = sorted(edges)
        todo, done = list(zip(edges, edges[1:])), []
        rank = {int(p): r for r, p in enumerate(order)}
        while todo:
            a, b = todo.pop()
            try:
                done.append((a, b, self.node(order[a:b], k + 1)))
            except _Conflict as conflict:
                i, j = sorted(rank[p] for p in conflict.pair)
                between = clean[(clean >= i) & (clean < j)]  # a cut between the two points separates them
                if not len(between):
                    raise
                split = int(between[np.argmin(np.abs(between - (i + j) / 2))]) + 1
                todo += [(a, split), (split, b)]
        done.sort()
        return phi[[a - 1 for a, _, _ in done[1:]]], [child for _, _, child in done]


def levels(X: np.ndarray, ids: np.ndarray):
    """The cell tree for X's bfloat16 values (module doc): (the columns read per level, the root node, the
    points' intervals lo and hi). InvalidDataError names two points no number of levels tells apart."""
    _, lo, hi = exactness.read(np.ones(X.shape, dtype=bool), X, X, FMT)  # x and its rounding to bfloat16
    n, dx = X.shape
    distinct = [len(np.unique(ceil_bfloat16(X[:, c]))) for c in range(dx)]
    ranked = sorted(range(dx), key=lambda c: (-distinct[c], -float(X[:, c].var()), c))
    tries = range(min(max(2, math.ceil(math.log2(max(n, 2) ** 2) / 10)), dx), min(MAX_LEVELS, dx) + 1)
    for L in tries:
        try:
            return ranked[:L], _Levels(lo, hi, ids, ranked[:L]).node(np.arange(n), 0), lo, hi
        except _Conflict as conflict:
            i, j = sorted(conflict.pair)
            if L == tries[-1]:
                raise InvalidDataError(
                    f"points {i} and {j} (labels {ids[i]} and {ids[j]}) lie within bfloat16's rounding of each "
                    f"other on every column the staircase reads ({', '.join(map(str, ranked[:L]))}): it cannot "
                    "tell them apart"
                ) from None


def layer(W, b, act=None) -> Dense:
    """A dense layer of float64 parameters, ReLU unless ``act`` is given."""
    return Dense(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64), act or relu())


def pow2_above(x: np.ndarray) -> np.ndarray:
    """The smallest power of two >= x (x > 0)."""
    m, e = np.frexp(x)
    return np.ldexp(1.0, np.where(m == 0.5, e - 1, e))


class _Rows:
    """A layer's units, one at a time: their nonzero weights (input index: weight) and bias."""

    def __init__(self, n_in: int):
        self.n_in, self.rows, self.bias = n_in, [], []

    def add(self, weights: dict, bias: float = 0.0) -> int:
        self.rows.append(weights)
        self.bias.append(bias)
        return len(self.rows) - 1

    def carry(self, units) -> list[int]:
        """Copies relu(a) of the given (non-negative) inputs: their indices in this layer."""
        return [self.add({u: 1.0}) for u in units]

    def dense(self, act=None):
        W = np.zeros((len(self.rows), self.n_in))
        for k, row in enumerate(self.rows):
            for j, w in row.items():
                W[k, j] += w
        return layer(W, np.array(self.bias, dtype=np.float64), act)


def _alpha(margin) -> np.ndarray:
    """Binarizer slopes: powers of two with alpha (1 - u) margin >= 1, so that relu(1 - alpha fl(x - phi)) is 0
    above a cut (the comparator's one rounding loses at most u of it)."""
    return pow2_above(1 / (np.asarray(margin, dtype=np.float64) * (1 - 2 * FMT.u)))


def least_from(lo: np.ndarray) -> np.ndarray:
    """For points in order (their intervals' lower ends lo), the least lo from each position on."""
    return np.minimum.accumulate(lo[::-1])[::-1]


def _huge(lo, hi, column: int) -> float:
    """A power of two above every value of the column (and its rounding): a slot holding it never fires."""
    return float(pow2_above(np.array([2 * max(1.0, np.abs(lo[:, column]).max(), np.abs(hi[:, column]).max())]))[0])


def _select(rows_in: int, h, feature, table: np.ndarray, alpha, carried: dict, fresh=None):
    """Two layers (module doc, 2 and 3): comparators q_m = relu(x+ - x- - sum_c table[c, m] h_c) on the column's
    ``feature`` (x+, x-) and the cells' one-hot ``h``, beside ``fresh`` units (name: their rows' weights) and
    copies of ``carried`` (name: input indices); then binarizers b_m = relu(1 - alpha_m q_m) beside copies of
    the rest. Returns the two layers, the binarizers' indices and every group's indices after them."""
    first = _Rows(rows_in)
    plus, minus = feature
    q = [first.add({plus: 1.0, minus: -1.0, **{u: -t for u, t in zip(h, column) if t}}) for column in table.T]
    groups = {name: [first.add(w) for w in weights] for name, weights in (fresh or {}).items()}
    groups |= {name: first.carry(units) for name, units in carried.items()}
    second = _Rows(len(first.rows))
    b = [second.add({m: -a}, 1.0) for m, a in zip(q, alpha)]
    groups = {name: second.carry(units) for name, units in groups.items()}
    return [first.dense(), second.dense()], b, groups


def _indicators(rows: _Rows, b: list) -> list[int]:
    """The one-hot of monotone binarizers b_0 <= b_1 <= ...: b_0, b_j - b_(j-1), 1 - b_last (a constant 1 if there
    are none), added to ``rows``."""
    if not b:
        return [rows.add({}, 1.0)]
    ones = [rows.add({b[0]: 1.0})] + [rows.add({b[j]: 1.0, b[j - 1]: -1.0}) for j in range(1, len(b))]
    return ones + [rows.add({b[-1]: -1.0}, 1.0)]


def _cut_margins(children, column: int, phi, lo) -> np.ndarray:
    """Per threshold between a node's children, the least distance from it up to a point above it."""
    least = np.array([lo[_points(child), column].min() for child in children])
    return least_from(least)[1:] - phi


def _points(node) -> np.ndarray:
    """The points of a node of the tree (a final cell's, or all its children's)."""
    if isinstance(node, np.ndarray):
        return node
    return np.concatenate([_points(child) for child in node[1]])


def _table(rows: list, lo, hi, column: int):
    """Per cell its thresholds (``rows``: one list per cell, with the least distance up from each) in a table
    padded with a threshold that never fires, and the binarizers' slopes."""
    M = max((len(t) for t, _ in rows), default=0)
    table = np.full((len(rows), M), _huge(lo, hi, column))
    margin = np.full(M, np.inf)
    for c, (thresholds, gaps) in enumerate(rows):
        table[c, : len(thresholds)] = thresholds
        margin[: len(thresholds)] = np.minimum(margin[: len(thresholds)], gaps)
    return table, _alpha(np.where(np.isfinite(margin), margin, 1.0))


def _first_level(X, columns, root, lo):
    """Layers 1-3 (module doc, 1): comparators on the input's first column, binarizers, the cells' one-hot h;
    (x+, x-) of the later columns (of the only one, with one level) carried. Returns the layers, h, the carried
    features, the cells and the slopes."""
    L = len(columns)
    phi, cells = (root[0], root[1]) if L > 1 else (np.zeros(0), [root])
    alpha = _alpha(_cut_margins(cells, columns[0], phi, lo)) if len(phi) else np.zeros(0)
    first = _Rows(X.shape[1])
    q = [first.add({columns[0]: 1.0}, -p) for p in phi]
    feats = [(first.add({c: 1.0}), first.add({c: -1.0})) for c in (columns[1:] if L > 1 else columns)]
    second = _Rows(len(first.rows))
    s_ = [second.add({m: -a}, 1.0) for m, a in zip(q, alpha)]
    feats = [second.carry(f) for f in feats]
    third = _Rows(len(second.rows))
    h = _indicators(third, s_)
    feats = [third.carry(f) for f in feats]
    return [first.dense(), second.dense(), third.dense()], h, feats, cells, alpha


def _table_level(rows_in, h, feats, cells, column, lo, hi):
    """Three layers of a level 2 .. L-1 (module doc, 2): each cell's cuts on the column from a table, binarizers,
    and the children's one-hot h'(c, j) = relu(h_c + b_j - b_(j-1) - 1). Returns the layers, h', the later
    columns' features, the children and the slopes."""
    table, alpha = _table([(phi, _cut_margins(kids, column, phi, lo)) for phi, kids in cells], lo, hi, column)
    carried = {"h": h} | {k: f for k, f in enumerate(feats[1:])}
    two, b, groups = _select(rows_in, h, feats[0], table, alpha, carried)
    h = groups.pop("h")
    rows = _Rows(len(two[-1].bias))
    children_h, children = [], []
    for c, (phi, kids) in enumerate(cells):
        for j, kid in enumerate(kids):  # j < len(phi): x <= phi_j; j > 0: x > phi_(j-1)
            weights = {h[c]: 1.0, **({b[j]: 1.0} if j < len(phi) else {})}
            if j > 0:
                weights[b[j - 1]] = -1.0
            children_h.append(rows.add(weights, -1.0 if j < len(phi) else 0.0))
            children.append(kid)
    feats = [rows.carry(groups[k]) for k in range(len(feats) - 1)]
    return [*two, rows.dense()], children_h, feats, children, alpha


def _final_level(rows_in, h, feature, cells, column, lo, hi, ids, onehot: bool, n_classes: int):
    """The runs variant on the last column (module doc, 3): run boundaries from a table, binarizers, run
    indicators rho_j, the run's id v_j from a table, e_j = relu(v_j - BIG rho_j), g_j = relu(v_j - e_j), and
    y = sum_j g_j (or one-hot rows). Returns the layers, the slopes, the slots and BIG."""
    runs = [_runs(cell, column, lo, hi, ids) for cell in cells]
    table, alpha = _table([(t, gaps) for t, gaps, _ in runs], lo, hi, column)
    J = table.shape[1] + 1
    V = np.zeros((len(cells), J))
    for c, (_, _, values) in enumerate(runs):
        V[c, : len(values)] = values
    fresh = {"v": [{u: value for u, value in zip(h, V[:, j]) if value} for j in range(J)]}
    layers, b, groups = _select(rows_in, h, feature, table, alpha, {}, fresh)
    rows = _Rows(len(layers[-1].bias))
    rho = _indicators(rows, b)
    v = rows.carry(groups["v"])
    layers.append(rows.dense())
    big = float(pow2_above(np.array([max(2.0, 2 * float(ids.max()))]))[0])
    rows = _Rows(2 * J)
    e = [rows.add({v[j]: 1.0, rho[j]: -big}) for j in range(J)]
    v = rows.carry(v)
    layers.append(rows.dense())
    rows = _Rows(2 * J)
    for j in range(J):
        rows.add({v[j]: 1.0, e[j]: -1.0})
    layers.append(rows.dense())
    out = np.ones((1, J))
    if onehot:  # y as a hidden unit, then o_c = relu(1 - relu(y - c) - relu(c - y))
        c = np.arange(n_classes, dtype=np.float64)
        layers += [
            layer(out, np.zeros(1)),
            layer(np.concatenate([np.ones(n_classes), -np.ones(n_classes)])[:, None], np.concatenate([-c, c])),
            layer(np.hstack([-np.eye(n_classes), -np.eye(n_classes)]), np.ones(n_classes)),
        ]
    else:
        layers.append(layer(out, np.zeros(1), identity()))
    return layers, alpha, J - 1, big


def assemble(X: np.ndarray, ids: np.ndarray, onehot: bool, n_classes: int):
    """The bfloat16 staircase for class ids ``ids`` of distinct points X (module doc). Returns the layers, a
    record (columns, levels, cells per level), the points' intervals lo and hi, the slopes per level, the final
    cells, the final level's slots and BIG."""
    if onehot and n_classes > 128:
        raise InvalidDataError(f"the bfloat16 staircase-classifier compares ids up to 127 exactly; got {n_classes}")
    if ids.max() > 255:
        raise InvalidDataError(f"the bfloat16 staircase outputs ids up to 255 exactly; got {int(ids.max()) + 1}")
    if np.abs(X).max(initial=0.0) > FMT.max:
        raise InvalidDataError(f"X has values beyond bfloat16's range ({FMT.max:.3g}): a bfloat16 network cannot read")
    columns, root, lo, hi = levels(X, ids)
    layers, h, feats, cells, alpha = _first_level(X, columns, root, lo)
    alphas, sizes = [alpha], [len(cells)]
    for column in columns[1:-1]:
        more, h, feats, cells, alpha = _table_level(len(layers[-1].bias), h, feats, cells, column, lo, hi)
        layers += more
        alphas.append(alpha)
        sizes.append(len(cells))
    width = len(layers[-1].bias)
    more, alpha, M, big = _final_level(width, h, feats[0], cells, columns[-1], lo, hi, ids, onehot, n_classes)
    record = {"columns": [int(c) for c in columns], "levels": len(columns), "cells_per_level": sizes}
    return layers + more, record, lo, hi, [*alphas, alpha], len(cells), M, big


def _runs(cell: np.ndarray, column: int, lo, hi, ids):
    """A final cell's run boundaries on the column (the thresholds at its label changes), the least distance from
    each up to a point above it, and its runs' class ids."""
    lo_c, hi_c = lo[cell, column], hi[cell, column]  # the cell's points are in the column's order (_Levels.node)
    phi = _gaps(lo_c, hi_c) if len(cell) > 1 else np.zeros(0)
    labels = ids[cell]
    at = np.flatnonzero(labels[1:] != labels[:-1])  # clean gaps: the cell's chains are pure
    starts = np.concatenate([[0], at + 1])
    return phi[at], least_from(lo_c)[at + 1] - phi[at], labels[starts].astype(np.float64)
