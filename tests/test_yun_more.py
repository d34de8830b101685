"""Yun et al.: Proposition 3.2 (classifier), Theorem 3.3 (lower bound, exact piece counting),
Theorem 4.1 (ResNet) and Corollary 4.2 (2-layer) beyond the common conformance battery."""

import numpy as np
import pytest

from memorizers import activations, build, verify
from memorizers.constructions.yun import (
    alternating_line,
    class_values,
    gates_needed,
    yun_2layer,
    yun_3layer,
    yun_classifier,
    yun_resnet,
)
from memorizers.errors import InvalidDataError, WidthError
from memorizers.network import Dense, Network, Residual
from memorizers.pieces import count_pieces, piece_bound

# -- Proposition 3.2 -----------------------------------------------------------------------


@pytest.mark.parametrize("act,d3", [("relu", 4), ("hard-tanh", 2)])
def test_classifier_widths_follow_the_proposition(act, d3):
    rng = np.random.default_rng(0)
    X, ids = rng.standard_normal((500, 8)), rng.integers(0, 7, 500)
    net, info = yun_classifier(X, ids, activation=act, seed=0)
    d1, d2, w3 = net.stats()["hidden_widths"]
    u = 4 if act == "relu" else 2
    assert 4 * (d1 // u) * (d2 // u) >= 500 and w3 == d3 * 7
    r = verify(net, X, ids)
    assert r.kind == "onehot" and r.accuracy == 1.0 and r.max_abs_error < 1e-6
    # the same labels as one-hot rows give the same network
    net2, _ = yun_classifier(X, np.eye(7)[ids], activation=act, seed=0)
    assert net2.forward(X).tobytes() == net.forward(X).tobytes()


def test_classifier_width_errors():
    rng = np.random.default_rng(0)
    X, ids = rng.standard_normal((100, 4)), rng.integers(0, 5, 100)
    with pytest.raises(WidthError, match="d3 >= 4 dy; the smallest widths that work are 20,20,20"):
        yun_classifier(X, ids, widths=(20, 20, 12))
    with pytest.raises(InvalidDataError, match=r"exactly one 1 per row and 0 elsewhere; rows \[0, 1, 2"):
        yun_classifier(X, np.full((100, 3), 0.5))


def test_class_values_are_evenly_spaced_in_the_label_range():
    rho = class_values(5)
    np.testing.assert_allclose(rho, [-1, -0.5, 0, 0.5, 1])
    assert class_values(1).tolist() == [0.0]


# -- Theorem 3.3 ------------------------------------------------------------------------------


def test_piece_count_of_known_functions():
    relu = activations.relu()
    hat = Network(
        [
            Dense(np.array([[1.0], [1.0], [1.0]]), np.array([0.0, -1.0, -2.0]), relu),
            Dense(np.array([[1.0, -2.0, 1.0]]), np.zeros(1)),
        ]
    )  # 0, t, 2 - t, 0 on (-1, 3)
    assert count_pieces(hat, [1.0], (-1.0, 3.0)) == 4
    assert count_pieces(hat, [1.0], (0.2, 0.8)) == 1
    absnet = Network(
        [Dense(np.array([[1.0, 0.0]]), np.zeros(1), activations.absolute()), Dense(np.eye(1), np.zeros(1))]
    )
    assert count_pieces(absnet, [2.0, 5.0], (-1.0, 1.0)) == 2
    res = Network(
        [
            Residual([Dense(np.array([[1.0]]), np.zeros(1), relu), Dense(np.array([[-2.0]]), np.zeros(1))]),
            Dense(np.eye(1), np.zeros(1)),
        ]
    )  # t - 2 relu(t)
    assert count_pieces(res, [1.0], (-1.0, 1.0)) == 2


def test_piece_count_matches_dense_sampling(rng):
    for act in (activations.relu(), activations.hard_tanh(), activations.leaky_relu(0.3)):
        net = Network(
            [
                Dense(rng.standard_normal((6, 2)), rng.standard_normal(6), act),
                Dense(rng.standard_normal((5, 6)), rng.standard_normal(5), act),
                Dense(rng.standard_normal((1, 5)), rng.standard_normal(1)),
            ]
        )
        u = np.array([1.0, -0.7])
        t = np.linspace(-4, 4, 400_001)
        f = net.forward(np.outer(t, u))[:, 0]
        slopes = np.diff(f) / np.diff(t)
        changes = np.abs(np.diff(slopes)) > 1e-6 * (1 + np.abs(slopes[1:]))
        sampled = 1 + np.count_nonzero(changes[1:] & ~changes[:-1])  # runs of changes count once
        exact = count_pieces(net, u, (-4.0, 4.0))
        assert exact == sampled
        assert exact <= piece_bound([6, 5], 3 if act.kind == "hard_tanh" else 2)


@pytest.mark.parametrize("act,p", [("relu", 2), ("hard-tanh", 3)])
def test_theorem_3_3(act, p):
    """The construction fits N alternating points with >= N - 1 pieces; smaller nets have too few pieces."""
    N = 41
    u = np.array([0.6, 0.8])
    X, y = alternating_line(N, u, dx=2)
    net, _ = yun_3layer(X, y, activation=act, seed=0)
    assert verify(net, X, y, kind="real").passed
    assert count_pieces(net, u, (0.5, N + 0.5)) >= N - 1
    # 2-layer networks with (p-1) d1 + 2 < N: at most (p-1) d1 + 1 < N - 1 pieces, whatever the weights
    d1 = (N - 3) // (p - 1)
    assert (p - 1) * d1 + 2 < N
    rng = np.random.default_rng(1)
    a = activations.by_name(act)
    for _ in range(5):
        small = Network(
            [
                Dense(rng.standard_normal((d1, 2)) * 10, rng.standard_normal(d1) * 50, a),
                Dense(rng.standard_normal((1, d1)), rng.standard_normal(1)),
            ]
        )
        assert count_pieces(small, u, (0.5, N + 0.5)) <= piece_bound([d1], p) < N - 1


# -- Section 4 ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [yun_2layer, yun_resnet])
def test_a_point_of_another_class_on_a_groups_hyperplane_is_avoided(method):
    """Point 5 (class 1) is an affine combination of 0, 1, 2 (class 0, the whole class): every hyperplane through
    the three holds it, so the group gives up a member and the network still memorizes (Baum's choice)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    ids = rng.integers(0, 2, 40)
    X[5] = 0.5 * X[0] + 0.3 * X[1] + 0.2 * X[2]
    ids[[0, 1, 2]], ids[5] = 0, 1
    keep = np.ones(40, bool)
    keep[[i for i in np.flatnonzero(ids == 0) if i not in (0, 1, 2)]] = False
    X, ids = X[keep], ids[keep]
    net, info = method(X, ids, seed=0)
    assert info["gates"] > gates_needed(ids, 2, 3)  # one more than general position needs
    r = verify(net, X, ids)
    assert r.passed and r.certified == 1.0


@pytest.mark.parametrize("method", ["yun-2layer", "yun-resnet"])
def test_data_on_a_lattice_in_a_subspace_is_memorized(method):
    """Points with integer coordinates, two of them constant (a lower-dimensional affine hull), and a class
    whose points share more constant coordinates: every hyperplane through dx of them holds other points."""
    rng = np.random.default_rng(1)
    X = rng.integers(0, 3, (300, 8)).astype(float)
    X[:, [2, 5]] = 1.0
    ids = rng.integers(0, 3, 300)
    X[ids == 0, 0] = 0.0
    X, keep = np.unique(X, axis=0, return_index=True)
    ids = ids[keep]
    built = build(method, X, ids, seed=0)
    assert built.report.passed and built.report.certified == 1.0


def test_one_point_on_anothers_hyperplane_with_no_room_names_the_points():
    """Two classes whose points coincide up to rounding: no hyperplane separates them."""
    X = np.array([[0.0, 0.0], [1e-17, 0.0], [1.0, 1.0], [2.0, 0.5]])
    with pytest.raises(InvalidDataError, match="not in general position|distinct|duplicate"):
        yun_2layer(X, np.array([0, 1, 0, 1]), seed=0)


def test_gate_counts_and_widths():
    rng = np.random.default_rng(3)
    X, ids = rng.standard_normal((1000, 16)), rng.integers(0, 10, 1000)
    G = gates_needed(ids, 10, 16)
    assert G <= 1000 / 16 + 10
    net, _ = yun_2layer(X, ids, activation="relu", seed=0)
    assert net.stats()["hidden_widths"] == [4 * G] and 4 * G <= 4 * 1000 / 16 + 4 * 10
    net, _ = yun_resnet(X, ids, activation="hard-tanh", seed=0, widths=(60, 60, 60, 10))
    assert net.stats()["hidden_widths"] == [60, 60, 60, 10] and 3 * (60 // 2) >= G
    assert verify(net, X, ids).accuracy == 1.0
    with pytest.raises(WidthError, match="the smallest widths that work are"):
        yun_resnet(X, ids, widths=(40, 40, 10), activation="hard-tanh")
    with pytest.raises(InvalidDataError, match="dx >= dy"):
        yun_resnet(X[:, :4], ids)
    with pytest.raises(WidthError, match="smallest width that works is"):
        yun_2layer(X, ids, widths=10)


def test_resnet_pushes_each_class_along_its_axis():
    rng = np.random.default_rng(4)
    X, ids = rng.standard_normal((300, 6)), rng.integers(0, 3, 300)
    built = build("yun-resnet", X, ids, seed=2, widths=(80, 80, 80, 6))
    h = X
    for layer in built.network.layers[:3]:
        h = layer(h)
    xmax = X.max(axis=0)
    for k in range(3):
        assert np.all(h[ids == k, k] >= xmax[k] + 2 - 1e-9)
        assert np.all(h[ids != k, k] <= xmax[k] + 1e-9)


# -- Proposition 3.4 / Corollary A.1 ----------------------------------------------------------


def test_deep_layout_follows_the_conditions():
    from memorizers.constructions.yun import deep_layout

    relu, ht = activations.relu(), activations.hard_tanh()
    # L = 3 (one block): the condition is Theorem 3.1's
    assert deep_layout((40, 40), 1, relu) == (4 * 10 * 10, ((1, 0),))
    # two blocks in five layers: r_1 = 1 (circle), r_2 = dy (diamonds)
    total, blocks = deep_layout((41, 41, 41, 41, 41), 1, relu)
    assert blocks == ((1, 1), (3, 1)) and total == 2 * 4 * 10 * 10
    # a layer of width 1 between blocks cannot carry circle + diamond (needs dy + 1 = 2)
    assert deep_layout((40, 40, 1, 40, 40), 1, relu)[1] == ((1, 0),)
    # narrow first layer: only the circle passes it
    assert deep_layout((1, 40, 40), 1, ht)[1] == ((2, 0),)
    # the last block's layer-2 outputs need dy carriers afterwards
    assert deep_layout((40, 40, 2), 3, ht)[1] == ()


@pytest.mark.parametrize("act", ["relu", "hard-tanh", "leaky-relu"])
def test_deep_narrow_network_memorizes(act):
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((600, 5)), rng.uniform(-1, 1, 600)
    widths = (3, 36, 36, 3, 36, 36, 3, 36, 36, 2)
    net = build("yun-deep", X, y, widths=widths, activation=act, seed=0, tol=1e-8).network
    assert net.stats()["hidden_widths"] == list(widths)
    assert verify(net, X, y, kind="real").max_abs_error <= 1e-8


def test_deep_width_error_names_the_condition():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((500, 3)), rng.uniform(-1, 1, 500)
    with pytest.raises(WidthError, match=r"hold at most \d+ points.*Proposition 3.4 needs layers"):
        build("yun-deep", X, y, widths=(20, 20, 20, 20))


def test_deep_classifier_places_the_gate_layer():
    from memorizers.constructions.yun import yun_deep_classifier

    rng = np.random.default_rng(2)
    X, ids = rng.standard_normal((400, 6)), rng.integers(0, 5, 400)
    widths = (2, 40, 40, 2, 40, 40, 20, 5)  # narrow carriers, two blocks, gates at layer 7, then 5 carriers
    net, info = yun_deep_classifier(X, ids, widths=widths, seed=0)
    assert info["gate_layer"] == 7 and [b["layer"] for b in info["blocks"]] == [2, 5]
    assert net.stats()["hidden_widths"] == list(widths)
    assert verify(net, X, ids).accuracy == 1.0
    with pytest.raises(WidthError, match="gate layer l_m of width >= 4dy = 20"):
        yun_deep_classifier(X, ids, widths=(20, 20, 20, 20, 19))


@pytest.mark.slow
@pytest.mark.parametrize(
    "method,widths,classes",
    [
        ("yun-classifier", None, 10),
        ("yun-2layer", None, 10),
        ("yun-resnet", None, 10),
        ("yun-deep", (4, 146, 146, 4, 146, 146, 2), None),
        ("yun-deep-classifier", (4, 146, 146, 4, 146, 146, 40, 10), 10),
    ],
)
def test_yun_constructions_at_n_10000(method, widths, classes):
    """Real labels: max error <= 1e-6 in float64; classification: 100% accuracy, at N = 10^4."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((10_000, 16))
    y = rng.integers(0, classes, 10_000) if classes else rng.uniform(-1, 1, 10_000)
    options = {"seed": 0} if widths is None else {"seed": 0, "widths": widths}
    built = build(method, X, y, **options)
    r = built.report
    assert r.accuracy == 1.0
    if classes is None:
        assert r.max_abs_error <= 1e-6
    if widths is not None:
        assert built.network.stats()["hidden_widths"] == list(widths)


@pytest.mark.parametrize("method", ["yun-2layer", "yun-resnet", "yun-classifier", "yun-deep-classifier"])
def test_duplicates_are_named_by_the_classifiers(method):
    rng = np.random.default_rng(0)
    X, ids = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    X[40], ids[40] = X[7], (ids[7] + 1) % 3  # one point, two labels (equal labels would be built once)
    options = {"widths": (40, 40, 40, 40, 12)} if method == "yun-deep-classifier" else {}
    from memorizers.errors import DuplicatePointsError

    with pytest.raises(DuplicatePointsError, match="points 7 and 40 are identical"):
        build(method, X, ids, **options)
