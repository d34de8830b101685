import numpy as np
import onnxruntime as ort
import pytest
import torch

from conftest import ALL_ACTIVATIONS, SMOOTH_ACTIVATIONS, random_network
from memorizers.certify import forward_with_bound
from memorizers.constructions.yun import yun_3layer
from memorizers.data import gaussian_regression
from memorizers.export import to_onnx


def _torch_out(net, X):
    with torch.no_grad():
        return net.to_torch()(torch.from_numpy(X)).numpy()


@pytest.mark.parametrize("act", ["relu", "hard-tanh", "leaky-relu"])
def test_torch_matches_forward_on_a_construction(act):
    X, y = gaussian_regression(300, 6, seed=1)
    net, _ = yun_3layer(X, y, activation=act, seed=1)
    (ours, bound), theirs = forward_with_bound(net, X, np.float64), _torch_out(net, X)
    # a memorizing construction's output is a small difference of large terms: two float64
    # evaluations (numpy's BLAS, torch's) agree to within twice the a-priori rounding bound
    assert np.all(np.abs(theirs - ours) <= 2 * bound)
    assert bound.max() <= 1e-6  # and that bound is below the memorization tolerance
    assert np.abs(theirs - y[:, None]).max() <= 1e-6  # and it memorizes


@pytest.mark.parametrize("act", ALL_ACTIVATIONS + SMOOTH_ACTIVATIONS, ids=lambda a: a.name)
def test_torch_matches_forward_for_every_activation(rng, act):
    net = random_network(rng, [4, 7, 5, 2], act, residual=True)
    X = rng.standard_normal((50, 4))
    ours = net.forward(X)
    np.testing.assert_allclose(_torch_out(net, X), ours, rtol=1e-12, atol=1e-12 * np.abs(ours).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ALL_ACTIVATIONS + SMOOTH_ACTIVATIONS, ids=lambda a: a.name)
def test_onnx_matches_forward(tmp_path, rng, act, dtype):
    net = random_network(rng, [4, 7, 5, 2], act, residual=True)
    X = rng.standard_normal((50, 4)).astype(dtype)
    path = tmp_path / "net.onnx"
    to_onnx(net, path, dtype=dtype)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["y"], {"x": X})[0]
    ours = net.forward(X, dtype=dtype)
    assert got.dtype == dtype
    if act.kind == "threshold" and dtype == np.float32:
        # a pre-activation within float32 rounding of 0 may flip; compare away from such points
        ok = np.all(np.abs(got - ours) <= 1e-4 * (1 + np.abs(ours)), axis=1)
        assert ok.mean() > 0.9
    else:
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(got, ours, rtol=rtol, atol=rtol * np.abs(ours).max())


def test_onnx_export_of_a_construction_classifies_like_forward(tmp_path):
    X, y = gaussian_regression(200, 5, seed=2)
    net, _ = yun_3layer(X, y, seed=2)
    model = net.to_onnx(tmp_path / "yun.onnx", dtype=np.float64)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(["y"], {"x": X})[0][:, 0]
    assert np.abs(got - y).max() <= 1e-6


def test_exports_default_to_float64_and_never_lose_memorization_silently(tmp_path):
    import warnings

    from memorizers import build
    from memorizers.errors import ExportError, PrecisionWarning

    X, y = gaussian_regression(1000, 8, seed=0)
    net = build("yun-3layer", X, y, seed=0).network
    assert net.meta["bits_sufficient"] > 24
    model = net.to_onnx(tmp_path / "net.onnx")  # float64: memorizes, as verified
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    assert np.abs(sess.run(["y"], {"x": X})[0][:, 0] - y).max() <= 1e-6
    with pytest.raises(ExportError, match="no longer memorizes.*suffice in any summation order"):
        net.to_onnx(tmp_path / "f32.onnx", dtype=np.float32, X=X, y=y)
    with pytest.raises(ExportError):
        net.to_torch(torch.float32, X, y)
    assert not (tmp_path / "f32.onnx").exists()
    with pytest.warns(PrecisionWarning, match="float32 carries 24 significand bits"):
        net.to_onnx(None, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.to_onnx(None, dtype=np.float32, check=False)  # asked for: no check, no warning
    assert next(net.to_torch().parameters()).dtype == torch.float64


def test_a_bfloat16_or_float16_export_is_judged_by_its_format_not_by_float32():
    """float32 memorizes baum's network, bfloat16 does not: the export with data is refused, where a float32 check
    let it through; the bfloat16 staircase, certified in every bfloat16 evaluation, exports silently; in float16,
    certified on part of the points but right in PyTorch's evaluation, with a warning that says so."""
    import warnings

    from memorizers import build, verify
    from memorizers.errors import ExportError, PrecisionWarning

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 8))
    yb, yc = (rng.random(300) < 0.5).astype(float), rng.integers(0, 10, 300)
    baum = build("baum", X, yb, seed=0)
    assert verify(baum.network, X, yb, dtype="float32", certify=False).passed  # what the float32 check saw
    with pytest.raises(ExportError, match=r"bfloat16 export no longer memorizes: \d+ of 300 points wrong in PyTorch"):
        baum.network.to_torch(torch.bfloat16, X, yb)
    stair = build("staircase", X, yc, precision="bfloat16").network
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = stair.to_torch(torch.bfloat16, X, yc)
    with torch.no_grad():
        out = module(torch.from_numpy(X).to(torch.bfloat16)).double().numpy()
    assert np.array_equal(out[:, 0], yc)  # the class id itself, exactly
    with pytest.warns(PrecisionWarning, match=r"float16 export: PyTorch's CPU evaluation gets every label, but"):
        stair.to_torch(torch.float16, X, yc)


@pytest.mark.parametrize("kind_labels", ["strings", "binary", "sign", "index"])
def test_onnx_carries_the_record_and_returns_predicts_labels(tmp_path, kind_labels):
    """The model's metadata is the network's record; its label output is what predict returns (strings too)."""
    import json

    import onnx

    from memorizers import build, labels

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    method, y = {
        "strings": ("yun-classifier", rng.choice(["cat", "dog", "eel"], 120)),
        "binary": ("baum", rng.choice([3, 7], 120)),
        "sign": ("daniely", None),
        "index": ("vardi", rng.integers(0, 4, 120)),
    }[kind_labels]
    if kind_labels == "sign":
        X = rng.standard_normal((40, 64))
        y = rng.choice(["no", "yes"], 40)
    net = build(method, X, y, seed=0, bits=False).network
    path = tmp_path / "n.onnx"
    to_onnx(net, path, X=X, y=y, check=not net.exact)  # vardi's exact parameters: float64 does not hold them
    model = onnx.load(path)
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["method"]) == method and json.loads(props["kind"]) == net.meta["kind"]
    assert json.loads(props["classes"]) == net.meta["classes"] and "memorizers_version" in props
    session = ort.InferenceSession(str(path))
    scores, label = session.run(None, {"x": X})
    expected = labels.decode(net.forward(X), net.meta["kind"], net.meta["classes"])
    assert [str(v) for v in label] == [str(v) for v in expected]
    if not net.exact:
        assert [str(v) for v in label] == [str(v) for v in y]


def test_the_torch_module_survives_save_load_and_torch_export(tmp_path):
    from memorizers import build

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((150, 5)), rng.uniform(-1, 1, 150)
    net = build("yun-3layer", X, y, seed=0, bits=False).network
    module = net.to_torch()
    torch.save(module, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt", weights_only=False)
    x = torch.from_numpy(X)
    assert torch.equal(loaded(x), module(x))
    exported = torch.export.export(module, (x,))
    assert torch.equal(exported.module()(x), module(x))


def test_a_sign_network_without_classes_labels_minus_one_and_one(tmp_path):
    """A network whose record has the kind but no classes: the label output is decode's, -1 and +1 for sign."""
    from memorizers import labels
    from memorizers.network import Dense, Network

    net = Network([Dense(np.array([[1.0]]), np.zeros(1))], {"kind": "sign"})
    X = np.array([[-2.0], [3.0]])
    session = ort.InferenceSession(to_onnx(net, check=False).SerializeToString())
    _, label = session.run(None, {"x": X})
    assert list(label) == list(labels.decode(net.forward(X), "sign")) == [-1, 1]
