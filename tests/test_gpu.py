"""The GPU path of verify and forward (memorizers.backends), run here with torch on the CPU: the code that runs on a
CUDA device, checked against NumPy (CI has no GPU; on a machine with one, the "cuda" cases run too)."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import memorizers.certify.dense
from conftest import ALL_ACTIVATIONS, SCALES, assert_encloses, scaled_network, structured_network
from memorizers import build, verify
from memorizers.arrays import pow2, pow2_at_least
from memorizers.backends import CERTIFIABLE, torch_device
from memorizers.certify import Certifier, forward_with_bound
from memorizers.cli import main
from memorizers.data import gaussian_regression
from memorizers.errors import InvalidDataError
from memorizers.exact import exact_forward
from memorizers.intervals import Enclosure
from memorizers.kinds import certified, score, score_torch, targets, targets_torch

CUDA = torch.cuda.is_available()
DEVICES = ["cpu"] + (["cuda"] if CUDA else [])


def _labels(rng, kind, n, n_out):
    if kind == "onehot":
        return np.eye(n_out)[rng.integers(0, n_out, n)]
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype(float)
    if kind == "sign":
        return rng.choice([-1.0, 1.0], (n, 1))
    if kind == "index":
        return rng.integers(0, 5, (n, 1)).astype(float)
    return rng.uniform(-1, 1, (n, n_out))


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["real", "relative", "binary", "sign", "onehot", "index"]),
    n=st.integers(1, 30),
    n_out=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
    nan_rows=st.integers(0, 3),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_gpu_scoring_equals_kinds_score(kind, n, n_out, seed, nan_rows, dtype):
    """Per point error, margin and verdict on the device are the NumPy ones, bit for bit (NaN outputs too)."""
    rng = np.random.default_rng(seed)
    n_out = n_out if kind in ("real", "relative", "onehot") else 1
    Y = _labels(rng, kind, n, n_out)
    F = (Y + rng.normal(0, 0.3, Y.shape) * rng.choice([0, 1e-7, 1], Y.shape)).astype(dtype)
    F[rng.integers(0, n, nan_rows)] = np.nan
    tol = 1e-3
    want = score(F, Y, kind, tol)
    got = score_torch(torch.from_numpy(F).double(), torch.from_numpy(Y), kind, tol)
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g.numpy(), w)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_verify_on_torch_agrees_with_numpy(device, dtype):
    """Same verdict, accuracy and certificate; the errors of the two float evaluations differ by no more than
    the a-priori rounding bound allows each (their summation orders differ)."""
    X, y = gaussian_regression(1500, 8, seed=2)
    net = build("yun-3layer", X, y, seed=2, bits=False).network
    ours = verify(net, X, y, dtype=dtype, device="numpy")
    theirs = verify(net, X, y, dtype=dtype, device=device)
    assert theirs.device == device and ours.device == "numpy" and f"on {device}" in theirs.summary()
    _, bound = forward_with_bound(net, X, np.dtype(dtype))
    bound = 2 * bound.max(axis=1)
    assert np.all(np.abs(theirs.errors - ours.errors) <= bound)
    clear = np.abs(ours.margins) > bound  # points whose verdict no rounding can flip: the same verdict
    np.testing.assert_array_equal(theirs.margins[clear] > 0, ours.margins[clear] > 0)
    np.testing.assert_array_equal(theirs.proved_points, ours.proved_points)  # the certificate does not move
    if dtype == "float64":
        assert theirs.passed and ours.passed and theirs.certified == ours.certified == 1.0


@pytest.mark.parametrize("device", DEVICES)
def test_forward_and_chunking_on_torch(device):
    """Network.forward on a torch device, in chunks of rows or not, equals NumPy's within the rounding bound (torch's
    kernels, unlike one NumPy BLAS call per chunk, may sum in another order for another number of rows)."""
    X, y = gaussian_regression(400, 5, seed=4)
    net = build("yun-classifier", X, (y > 0).astype(int), seed=4, bits=False).network
    F, bound = forward_with_bound(net, X, np.float64)
    G = net.forward(X, device=device)
    assert G.dtype == np.float64 and np.all(np.abs(G - F) <= 2 * bound)
    whole = verify(net, X, (y > 0).astype(int), device=device, certify=False)
    chunked = verify(net, X, (y > 0).astype(int), device=device, certify=False, chunk_rows=7)
    assert np.all(np.abs(whole.margins - chunked.margins) <= 2 * bound.max(axis=1))
    assert whole.accuracy == chunked.accuracy == 1.0
    rows = verify(net, X, np.eye(2)[(y > 0).astype(int)], device=device, certify=False)  # one-hot rows, not ids
    np.testing.assert_array_equal(rows.margins, whole.margins)
    assert rows.relative_error == whole.relative_error


def test_device_choice_and_refusals():
    X, y = gaussian_regression(50, 3, seed=0)
    net = build("yun-3layer", X, y, seed=0, bits=False).network
    assert torch_device("numpy", net) is None
    assert torch_device("auto", net) == ("cuda" if CUDA else None)
    assert torch_device("auto", net, np.longdouble) is None  # long double: NumPy only, chosen quietly
    assert torch_device("cpu", net) == "cpu"
    for bad, says in [("tpu9", "unknown device"), (3, "must be a string")]:
        with pytest.raises(InvalidDataError, match=says):
            verify(net, X, y, device=bad)
    with pytest.raises(InvalidDataError, match="NumPy only"):
        verify(net, X, y, dtype="longdouble", device="cpu")
    if not CUDA:
        with pytest.raises(InvalidDataError, match="no CUDA device"):
            verify(net, X, y, device="cuda")
    with pytest.raises(InvalidDataError, match="unknown device"):  # before any construction work
        build("yun-3layer", X, y, device="tpu9")


def test_exact_parameters_stay_in_numpy():
    rng = np.random.default_rng(0)
    X, ids = rng.standard_normal((40, 3)), rng.integers(0, 3, 40)
    net = build("vardi", X, ids, seed=0, bits=False).network
    assert net.exact and torch_device("auto", net) is None
    with pytest.raises(InvalidDataError, match="exact parameters"):
        verify(net, X, ids, device="cpu")


def test_cli_device(tmp_path, capsys):
    X, y = gaussian_regression(200, 4, seed=1)
    data = tmp_path / "d.npz"
    np.savez(data, X=X, y=y)
    net = tmp_path / "net.npz"
    assert main(["build", "--method", "yun-3layer", "--data", str(data), "--out", str(net), "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main(["verify", str(net), "--data", str(data), "--device", "cpu", "--no-certify"]) == 0
    assert "float64 on cpu" in capsys.readouterr().out
    quick = ["--out", str(tmp_path / "quick.npz"), "--no-certify", "--json"]
    assert main(["build", "--method", "yun-3layer", "--data", str(data), *quick]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["passed"] and built["certified"] is None and built["bits_sufficient"] is None
    assert main(["verify", str(net), "--data", str(data), "--device", "tpu9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown device 'tpu9'" in err[0]


@pytest.mark.skipif(os.path.exists("/dev/nvidiactl"), reason="NVIDIA's driver is here: auto may need torch")
def test_auto_does_not_import_torch_without_a_driver():
    """Without NVIDIA's driver files, device="auto" takes NumPy without importing torch (2-3 s a command)."""
    code = (
        "import sys; from memorizers import build; from memorizers.data import gaussian_regression; "
        "X, y = gaussian_regression(60, 3, seed=0); r = build('yun-3layer', X, y, seed=0).report; "
        "print(r.device, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["numpy", "False"]


@pytest.mark.parametrize("kind", ["real", "relative", "binary", "sign", "onehot", "index"])
def test_targets_on_the_device_are_numpys(kind):
    """kinds.targets_torch (class ids made into one-hot rows on the device) equals kinds.targets, and refuses
    what it refuses."""
    rng = np.random.default_rng(1)
    n_out = 4 if kind in ("real", "relative", "onehot") else 1
    Y = _labels(rng, kind, 20, n_out)
    given = [Y, np.argmax(Y, axis=1)] if kind == "onehot" else [Y]
    for y in given:
        np.testing.assert_array_equal(targets_torch(y, n_out, kind, "cpu").numpy(), targets(y, n_out, kind))
    for bad in (np.full(20, np.nan), np.arange(20) + (n_out if kind == "onehot" else 0.5)):
        with pytest.raises(InvalidDataError) as want:
            targets(bad, n_out, kind)
        with pytest.raises(InvalidDataError, match=re.escape(str(want.value))):
            targets_torch(bad, n_out, kind, "cpu")


# -- the certificate on a torch device (memorizers.arrays) ------------------------------------------------------

PIECEWISE = [a for a in ALL_ACTIVATIONS if a.kind in CERTIFIABLE]


@settings(max_examples=40, deadline=None)
@given(
    act=st.sampled_from(PIECEWISE),
    scale=st.sampled_from(SCALES),
    seed=st.integers(0, 2**16),
    shape=st.sampled_from(["plain", "residual", "structured"]),
)
def test_enclosure_on_torch_contains_the_exact_output(act, scale, seed, shape):
    """The certificate's operations on a torch device enclose the exact output as NumPy's do: scales that reach
    underflow and overflow, residual blocks, rows repeated up to sign, sparse layers, input radii multiplied
    through or bounded by the majorant. Where NumPy claims nothing (an infinite radius), neither does torch."""
    rng = np.random.default_rng(seed)
    if shape == "structured":
        net = structured_network(rng, act, scale)
    else:
        net = scaled_network(rng, act, scale, residual=shape == "residual")
    X = rng.standard_normal((8, 3))
    truth = exact_forward(net, X)
    for sparse_radius in (1 / 16, 1.0):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(memorizers.certify.dense, "SPARSE_RADIUS", sparse_radius)
            ref = Certifier(net).enclose(X)
            for device in DEVICES:
                enc = Certifier(net, device=device).enclose(X)
                assert enc.r.device.type == device
                assert_encloses(enc, truth)
                np.testing.assert_array_equal(np.isfinite(enc.r.cpu().numpy()), np.isfinite(ref.r))


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["real", "binary", "sign", "onehot", "index"]),
    seed=st.integers(0, 2**32 - 1),
    spread=st.sampled_from([1e-17, 1e-9, 1e-3, 1.0]),
)
def test_final_comparison_on_torch_is_numpys(kind, seed, spread):
    """kinds.certified on torch tensors decides every point as it does on NumPy arrays, bit for bit: it is
    elementwise, with no sums whose order could differ."""
    rng = np.random.default_rng(seed)
    n_out = 4 if kind in ("real", "onehot") else 1
    Y = _labels(rng, kind, 50, n_out)
    h = Y + rng.normal(0, spread, Y.shape) * rng.choice([0, 1, 100], Y.shape)
    h[:, 0] += (kind == "binary") * rng.normal(0.0, 0.5, 50) + (kind == "sign") * rng.normal(0.0, 1.0, 50)
    enc = Enclosure(h, h * rng.uniform(-1e-16, 1e-16, h.shape), rng.choice([0.0, spread, 10 * spread], h.shape))
    want = certified(enc, Y, kind, 1e-6)
    for device in DEVICES:
        on_torch = Enclosure(*(torch.from_numpy(v).to(device) for v in (enc.h, enc.l, enc.r)))
        got = certified(on_torch, torch.from_numpy(Y).to(device), kind, 1e-6)
        np.testing.assert_array_equal(got.cpu().numpy(), want)


def test_powers_of_two_on_torch_are_exact():
    """pow2 builds 2^k from its bits, subnormals included; pow2_at_least is NumPy's frexp rule."""
    k = np.arange(-1074, 1024)
    m = np.concatenate([[0.0, 5e-324, 2.0**-1022, 2.0**-1022 * 1.5, 1.0, 3.0, 4.0, 1.7e308], np.ldexp(1.0, k)])
    m = np.concatenate([m, np.nextafter(m, np.inf)])[:-1]
    for device in DEVICES:
        np.testing.assert_array_equal(pow2(torch.from_numpy(k).to(device)).cpu().numpy(), np.ldexp(1.0, k))
        np.testing.assert_array_equal(pow2_at_least(torch.from_numpy(m).to(device)).cpu().numpy(), pow2_at_least(m))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "method, activation, on_device",
    [
        ("yun-classifier", "relu", True),
        ("yun-3layer", "hard-tanh", True),
        ("baum", None, True),
        ("universal", "tanh", False),  # a smooth activation: the certificate stays in NumPy
    ],
)
def test_build_certifies_on_the_device(device, method, activation, on_device):
    """Through the public build: the certificate runs where the forward pass does when the network's activations
    allow it, bits search included, and proves the same points as NumPy, with radii within rounding of NumPy's
    and the same bits_sufficient."""
    X, y = gaussian_regression(600, 6, seed=3)
    labels = (y > 0).astype(int) if method in ("yun-classifier", "baum") else y
    options = {} if activation is None else {"activation": activation}
    here = build(method, X, labels, seed=3, device=device, **options)
    there = build(method, X, labels, seed=3, device="numpy", **options)
    assert here.report.certified_on == (device if on_device else "numpy") and there.report.certified_on == "numpy"
    assert here.report.certified == there.report.certified == 1.0
    np.testing.assert_array_equal(here.report.proved_points, there.report.proved_points)
    np.testing.assert_allclose(here.report.bounds, there.report.bounds, rtol=1e-12, atol=0)
    assert here.report.bits_sufficient == there.report.bits_sufficient is not None


def test_the_old_module_name_still_imports_with_a_warning():
    import importlib
    import sys

    sys.modules.pop("memorizers.gpu", None)
    with pytest.warns(DeprecationWarning, match="memorizers.backends"):
        gpu = importlib.import_module("memorizers.gpu")
    assert gpu.torch_device("numpy") is None and gpu.NUMPY == "numpy"
