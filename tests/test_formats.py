"""Certified in a format, in any order (memorizers.certify.formats): every point certified in float64, float32,
bfloat16 or float16 is right in every emulated evaluation in that format (tests/emulate.py: exact rounding of
each operation, sequential, reversed, pairwise and random orders, with and without fused multiply-add and
flush-to-zero), at the kinks, at the labels' edge and at the formats' underflow and overflow scales.

``MEMORIZERS_FUZZ`` sets the networks per activation and format (``make fuzz``: 3000).
"""

import os
from fractions import Fraction

import numpy as np
import pytest

from conftest import ALL_ACTIVATIONS
from emulate import FORMATS, TF32_OPERAND_BITS, right_everywhere, round_to
from kinks import kink_network, labels_at_the_edge
from memorizers import verify
from memorizers.activations import relu
from memorizers.certify import FORMATS as CERTIFIED_FORMATS
from memorizers.certify import certify_points
from memorizers.errors import InvalidDataError
from memorizers.exact import exact_forward
from memorizers.kinds import targets
from memorizers.network import Dense, Network

FUZZ = max(1, int(os.environ.get("MEMORIZERS_FUZZ", "25")) // 5)
# per format, weight scales of the three layers whose outputs reach about 1, the bottom of the normal range and
# the top of the finite range
SCALES = {"float64": [1.0, 2.0**-330, 2.0**330], "float32": [1.0, 2.0**-40, 2.0**40]}
SCALES |= {"bfloat16": SCALES["float32"], "tf32": SCALES["float32"], "float16": [1.0, 2.0**-4, 2.0**5]}
BITS = {name: bits for name, (bits, _, _) in FORMATS.items()} | {"tf32": TF32_OPERAND_BITS}
KINKED = [a for a in ALL_ACTIVATIONS if not a.is_identity]


def test_the_formats_are_the_emulators():
    for name, (bits, emin, top) in FORMATS.items():
        f = CERTIFIED_FORMATS[name]
        assert (f.bits, f.tiny, f.max) == (bits, 2.0**emin, float(top))
    assert float(round_to(65519, "float16", False)) == 65504 and float(round_to(1 + 2**-8, "bfloat16", False)) == 1
    # TF32's profile: 2^-9 bounds an 11-bit truncation after float32's rounding; float32's range
    tf32, f32 = CERTIFIED_FORMATS["tf32"], CERTIFIED_FORMATS["float32"]
    assert tf32.operands and (tf32.tiny, tf32.max) == (f32.tiny, f32.max)
    x = Fraction(1) + Fraction(2047, 2**11) * 2**-10  # just below 1 + 2^-10: truncation loses almost 2^-10
    assert x - round_to(x, "tf32", False, TF32_OPERAND_BITS, truncate=True) < tf32.u * x


@pytest.mark.parametrize("fmt", [*FORMATS, "tf32"])
@pytest.mark.parametrize("act", KINKED, ids=lambda a: a.name)
def test_certified_in_a_format_is_right_in_every_order(act, fmt):
    """Certified in fmt => right in every emulated evaluation in fmt, labels at the edge of the criterion with a
    tolerance about fmt's rounding error; and the certificate is not vacuous: some points are certified."""
    certified_somewhere = 0
    for seed in range(FUZZ):
        rng = np.random.default_rng(seed)
        scale = SCALES[fmt][seed % 3]
        net, X = kink_network(rng, act, widths=(3, 5, 4, 2), n_points=6, scale=scale)
        F = exact_forward(net, X)
        kind = ("real", "onehot", "sign")[seed % 3]
        if kind == "sign":
            net = Network([*net.layers[:-1], net.layers[-1].take(rows=slice(0, 1))])
            F = F[:, :1]
        peak = max(float(abs(v)) for v in F.ravel()) or 1.0
        tol = peak * 2.0 ** -int(rng.integers(BITS[fmt] - 6, BITS[fmt] + 2))
        Y = labels_at_the_edge(F, kind, tol, rng)
        cert = certify_points(net, X, Y, kind, kind, tol, bits=False, formats=(fmt,))
        ok = cert.any_order[fmt]
        assert not (ok & ~cert.proved).any()  # right in fmt in every order, so right exactly
        T = targets(Y, net.n_out, kind)
        for i in np.flatnonzero(ok):
            assert right_everywhere(net, X[i], T[i], kind, tol, fmt), (seed, i)
        certified_somewhere += int(ok.sum())
    if FUZZ >= 5 and act.kind != "threshold":
        assert certified_somewhere > 0


def test_flush_to_zero_and_overflow_are_counted():
    """x = 2^-20 is subnormal in float16 (flushed to 0 under flush-to-zero, so sign(x) is lost) and normal in
    float32; a weight of 2^17 overflows float16 (largest 65504) and fits bfloat16 (8 bits suffice for it)."""
    X = np.array([[2.0**-20], [1.0]])
    net = Network([Dense(np.ones((1, 1)), np.zeros(1))])
    r = verify(net, X, np.array([1.0, 1.0]), kind="sign", any_order="all")
    assert r.any_order == {"float64": 1.0, "float32": 1.0, "bfloat16": 1.0, "float16": 0.5, "tf32": 1.0}
    assert not right_everywhere(net, X[0], [1.0], "sign", 0.0, "float16")  # the emulator agrees
    big = Network([Dense(np.array([[2.0**17]]), np.zeros(1))])
    r = verify(big, X, np.array([1.0, 1.0]), kind="sign", any_order=["float16", "bfloat16"])
    assert r.any_order == {"float16": 0.0, "bfloat16": 1.0}
    wide = np.array([[7e4], [1.0]])  # an input beyond float16's range
    assert verify(net, wide, np.array([1.0, 1.0]), kind="sign", any_order="float16").any_order == {"float16": 0.5}


def test_a_trained_network_is_certified_where_its_margins_allow():
    """A small ReLU network with float32 parameters and margins of order 1: certified in float16 and float32 as
    in float64, and every emulated float16 evaluation agrees; at bfloat16's 8 bits its sums are too coarse."""
    rng = np.random.default_rng(0)
    W1 = np.float32(rng.standard_normal((16, 4))).astype(np.float64)
    W2 = np.float32(rng.standard_normal((3, 16))).astype(np.float64)
    net = Network([Dense(W1, np.zeros(16), relu()), Dense(W2, np.zeros(3))])
    X = np.float32(rng.standard_normal((40, 4))).astype(np.float64)
    F = net.forward(X)
    top2 = np.sort(F, axis=1)[:, -2:]
    keep = top2[:, 1] - top2[:, 0] > 0.05 * np.abs(F).max()  # margins well above float16's rounding
    X, y = X[keep], np.argmax(F[keep], axis=1)
    r = verify(net, X, y, kind="onehot", any_order="all")
    assert r.any_order["float64"] == r.any_order["float32"] == r.any_order["float16"] == 1.0
    assert r.any_order["bfloat16"] < 1.0
    # by how much: bfloat16's bound must shrink by a finite factor above 1 (its 8 bits against float16's 11)
    # TF32's profile (9 bits) is short too, by less
    assert set(r.any_order_shortfall) == {"bfloat16", "tf32"} and 1 < r.any_order_shortfall["bfloat16"] < np.inf
    assert 1 < r.any_order_shortfall["tf32"] < r.any_order_shortfall["bfloat16"]
    assert "bfloat16" in r.summary() and "must shrink" in r.summary()
    T = targets(y, 3, "onehot")
    assert all(right_everywhere(net, X[i], T[i], "onehot", 0.0, "float16") for i in range(0, len(X), 4))


def test_any_order_defaults_to_the_dtype_and_refuses_unknown_formats():
    net = Network([Dense(np.ones((1, 2)), np.zeros(1))])
    X, y = np.ones((3, 2)), np.full(3, 2.0)
    assert verify(net, X, y, kind="real", tol=1e-9).any_order is None  # float64: bits_sufficient has it
    assert verify(net, X, y, kind="real", tol=1e-9, any_order="float64").any_order == {"float64": 1.0}
    # 1 + 1 is an integer sum below 2^24, exact in float32 in any order (certify.exactness); 0.1 + 0.1 rounds, by
    # more than 1e-9 once 0.1 is read in float32, and by less than 1e-6
    assert verify(net, X, y, kind="real", tol=1e-9, dtype="float32").any_order == {"float32": 1.0}
    tenths = np.full((3, 2), 0.1)
    assert verify(net, tenths, np.full(3, 0.2), kind="real", tol=1e-9, dtype="float32").any_order == {"float32": 0.0}
    assert verify(net, tenths, np.full(3, 0.2), kind="real", tol=1e-6, dtype="float32").any_order == {"float32": 1.0}
    assert verify(net, X, y, kind="real", tol=1e-9, certify=False).any_order is None
    assert verify(net, X, y, kind="real", tol=1e-9, any_order="tf32").any_order == {"tf32": 1.0}  # 1 + 1 again
    with pytest.raises(InvalidDataError, match="unknown format 'int8'"):
        verify(net, X, y, kind="real", any_order="int8")


def test_any_order_on_torch_is_numpys():
    """The formats' bound runs with the certificate on a torch device, with the same operations (CPU here)."""
    rng = np.random.default_rng(1)
    net = Network(
        [
            Dense(rng.standard_normal((12, 3)), rng.standard_normal(12), relu()),
            Dense(rng.standard_normal((2, 12)), np.zeros(2)),
        ]
    )
    X = rng.standard_normal((200, 3))
    y = np.argmax(net.forward(X), axis=1)
    on_numpy = verify(net, X, y, kind="onehot", any_order="all", device="numpy")
    on_torch = verify(net, X, y, kind="onehot", any_order="all", device="cpu")
    assert on_torch.certified_on == "cpu" and on_numpy.any_order == on_torch.any_order
    assert 0 < on_numpy.any_order["float16"] < 1  # some points, not all: the comparison means something


def test_a_slope_above_one_that_overflows_the_format_is_not_certified():
    """relu_like(2, 0.5) doubles 40000 to 80000, beyond float16's 65504, though every sum stays below it."""
    from memorizers.activations import relu_like

    net = Network([Dense(np.ones((1, 1)), np.zeros(1), relu_like(2.0, 0.5)), Dense(np.full((1, 1), 0.5), np.zeros(1))])
    X = np.array([[40000.0], [100.0]])
    r = verify(net, X, np.array([1.0, 1.0]), kind="sign", any_order=["float16", "float32"])
    assert r.any_order == {"float16": 0.5, "float32": 1.0}
    assert not right_everywhere(net, X[0], [1.0], "sign", 0.0, "float16")  # the emulator overflows there
