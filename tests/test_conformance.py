"""One battery for every registered construction: a method registered with its data in tests/methods.py
goes through all of it.

Memorizes random data drawn by hypothesis inside the theorem's assumptions; hidden widths
equal the documented formula; deterministic for a seed; save -> load -> verify round
trip; torch export agrees; each bad input gets the documented exception with a message
naming the problem.
"""

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from memorizers import build, verify
from memorizers.certify import forward_with_bound
from memorizers.constructions import METHODS
from memorizers.errors import ExportError, InvalidDataError, MemorizersError, TooLargeError, WidthError
from memorizers.kinds import KINDS
from memorizers.network import Network
from methods import EXAMPLES, INVALID_LABELS

NAMES = sorted(METHODS)
DRAWS = 40  # hypothesis examples per construction


def test_every_registered_method_has_its_test_data():
    assert set(EXAMPLES) == set(METHODS)


def example(name, seed, n=50, dx=4, dy=1):
    return EXAMPLES[name](np.random.default_rng(seed), n, dx, dy)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=DRAWS)
@given(n=st.integers(1, 200), dx=st.integers(1, 8), dy=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_memorizes_random_data_with_the_formula_widths(name, n, dx, dy, seed):
    method = METHODS[name]
    X, y, options = EXAMPLES[name](np.random.default_rng(seed), n, dx, dy)
    built = build(name, X, y, **options)  # raises VerificationError if it does not memorize
    assert built.report.passed
    if method.kind == "relative":  # approximate memorization: the aggregate criterion, recomputed here
        f = built.network.forward(X).reshape(np.shape(y))
        assert np.sum((f - y) ** 2) <= built.report.tol * np.sum(np.square(y))
    elif built.report.judged_exactly:  # exact parameters: the theorem is about exact arithmetic
        assert built.report.exact.accuracy == 1.0 and built.report.exact.max_abs_error == 0
    else:
        assert built.report.accuracy == 1.0
    assert built.network.stats()["hidden_widths"] == method.widths(X, y, options, built.info)
    assert built.network.n_in == X.shape[1]
    # the record every method shares: the theorem's figure (bound) and the same quantity in the network (used)
    if method.quantity == "hidden neurons":
        assert built.used == built.network.stats()["hidden_neurons"]
        if options.get("widths") is None and not np.isnan(
            built.bound
        ):  # NaN: no figure for this data (ntk, gamma >= 1)
            assert built.used <= built.bound
    elif method.quantity.startswith("points"):
        assert built.used == len(X) <= built.bound
    else:
        assert built.used > 0 and built.bound > 0


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_for_a_seed(name):
    X, y, options = example(name, 1)
    a, b = build(name, X, y, **options).network, build(name, X, y, **options).network
    for (da, _), (db, _) in zip(a.dense_layers(), b.dense_layers()):
        assert da.weight.tobytes() == db.weight.tobytes() and da.bias.tobytes() == db.bias.tobytes()


@pytest.mark.parametrize("name", NAMES)
def test_save_load_verify_round_trip(tmp_path, name):
    X, y, options = example(name, 2)
    built = build(name, X, y, **options)
    built.network.save(tmp_path / "net.npz")
    back = Network.load(tmp_path / "net.npz")
    assert back.meta["method"] == name
    assert back.forward(X).tobytes() == built.network.forward(X).tobytes()
    again = verify(back, X, y, kind=METHODS[name].kind, tol=built.report.tol)
    assert again.to_dict() == built.report.to_dict()


@pytest.mark.parametrize("name", NAMES)
def test_torch_export_agrees(name):
    X, y, options = example(name, 3)
    built = build(name, X, y, **options)
    net = built.network
    if net.exact:  # exact parameters: an export would round them, and refuses to without data to check
        with pytest.raises(ExportError, match="exact parameters"):
            net.to_torch()
        return
    with torch.no_grad():
        theirs = net.to_torch()(torch.from_numpy(X)).numpy()
    ours, bound = forward_with_bound(net, X, np.float64)
    # each float64 evaluation, in any summation order, is within the a-priori bound of the exact output
    assert np.all(np.abs(theirs - ours) <= 2 * bound)
    assert verify(net, X, y, kind=METHODS[name].kind, tol=built.report.tol).passed


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=6)
@given(
    dtype=st.sampled_from(["float32", "float64", "longdouble"]),
    damage=st.sampled_from([0.0, 1e-9, 1e-3, 0.5]),
    seed=st.integers(0, 2**32 - 1),
)
def test_certified_implies_correct_exactly(name, dtype, damage, seed):
    """Every registered construction, right or damaged on purpose: a certified point is right in dtype and exactly."""
    from memorizers.exact import exact_forward
    from memorizers.kinds import score, targets

    X, y, options = example(name, seed, n=16, dx=3)
    net = build(name, X, y, **options).network
    last = net.layers[-1].block[-1] if hasattr(net.layers[-1], "block") else net.layers[-1]
    last.bias += damage * np.random.default_rng(seed).standard_normal(last.bias.shape)
    r = verify(net, X, y, dtype=dtype, bits=False)
    assert r.certified <= r.accuracy
    if not np.any(r.certified_points) or not all(d.activation.piecewise_linear for d, _ in net.dense_layers()):
        return
    from fractions import Fraction

    kind, tol = r.kind, r.tol
    if kind == "relative":  # per point: its share of the budget, as verify scores it
        kind, tol = "real", float(np.sqrt(tol * np.sum(targets(y, net.n_out, r.kind) ** 2) / len(X)))
    Y = np.vectorize(Fraction, otypes=[object])(targets(y, net.n_out, r.kind))
    _, _, exactly_right = score(exact_forward(net, X), Y, kind, Fraction(tol))
    assert np.all(exactly_right[r.certified_points])


def _bad_inputs(name):
    """(case, mutate(X, y, options) -> (X, y, options), exception type, message pattern)."""
    method = METHODS[name]

    def widths(options, X, y, first):
        w = method.widths(X, y, options)
        return {**options, "widths": (first, *w[1:])}

    def huge(options, X, y):
        return {**options, "widths": tuple(10**9 for _ in method.widths(X, y, options))}

    def with_x(value):
        def mutate(X, y, o):
            X = X.copy()
            X[1, 0] = value
            return X, y, o

        return mutate

    def with_y(value):
        def mutate(X, y, o):
            y = np.array(y, dtype=float)
            y.reshape(len(y), -1)[1, 0] = value
            return X, y, o

        return mutate

    cases = [
        ("nan in X", with_x(np.nan), InvalidDataError, r"X has NaN or inf in 1 row\(s\), first: 1"),
        ("inf in X", with_x(np.inf), InvalidDataError, r"X has NaN or inf in 1 row\(s\), first: 1"),
        ("nan in y", with_y(np.nan), InvalidDataError, r"y has NaN or inf in 1 row\(s\), first: 1"),
        ("empty data", lambda X, y, o: (X[:0], y[:0], o), InvalidDataError, "empty"),
        ("X is 1-D", lambda X, y, o: (X[:, 0], y, o), InvalidDataError, "2-D"),
        ("X is 3-D", lambda X, y, o: (X[:, :, None], y, o), InvalidDataError, "2-D"),
        ("N mismatch", lambda X, y, o: (X, y[:-1], o), InvalidDataError, r"points but y has \d+ labels"),
        ("non-numeric X", lambda X, y, o: (X.astype(str).astype(object) + "a", y, o), InvalidDataError, "not numeric"),
        ("y with no columns", lambda X, y, o: (X, np.zeros((len(X), 0)), o), InvalidDataError, r"y must have shape"),
        ("unknown option", lambda X, y, o: (X, y, {**o, "colour": 3}), MemorizersError, "takes no option colour"),
    ]
    if "widths" in inspect.signature(method.construct).parameters:  # (vardi's layout follows from the data)
        cases += [
            ("fractional width", lambda X, y, o: (X, y, widths(o, X, y, 8.5)), WidthError, "positive integer"),
            ("negative width", lambda X, y, o: (X, y, widths(o, X, y, -8)), WidthError, "positive integer"),
            ("zero width", lambda X, y, o: (X, y, widths(o, X, y, 0)), WidthError, "positive integer"),
            ("huge widths", lambda X, y, o: (X, y, huge(o, X, y)), TooLargeError, r"needs about .* GiB"),
        ]
    if "activation" in inspect.signature(method.construct).parameters:
        cases.append(
            (
                "unknown activation",
                lambda X, y, o: (X, y, {**o, "activation": "swish"}),
                MemorizersError,
                "unknown activation",
            )
        )
    if name in INVALID_LABELS:
        cases.append(("label outside the theorem", with_y(INVALID_LABELS[name]), InvalidDataError, r"labels"))
    return cases


CASES = [(name, case) for name in NAMES for case in _bad_inputs(name)]


@pytest.mark.parametrize("name,case", CASES, ids=[f"{n}-{c[0]}" for n, c in CASES])
def test_bad_input_gets_the_documented_error(name, case):
    _, mutate, exc, pattern = case
    X, y, options = example(name, 4, n=20, dx=3)
    X, y, options = mutate(X, y, options)
    with pytest.raises(exc, match=pattern):
        build(name, X, y, **options)


def test_unknown_method():
    with pytest.raises(MemorizersError, match="unknown method 'nope'; known: "):
        build("nope", np.zeros((2, 2)), np.zeros(2))


def test_every_method_documents_its_theorem():
    for name, method in METHODS.items():
        assert method.kind in KINDS  # a label kind verify scores (memorizers.kinds)
        doc = method.construct.__doc__ or ""
        assert any(word in doc for word in ("Theorem", "Proposition", "Corollary", "Lemma")), name
