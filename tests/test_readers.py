"""Networks this library did not build (memorizers.readers): scikit-learn's MLPClassifier through skl2onnx,
torch modules, our own exports read back; certified by verify and the CLI like built ones; anything unread
refused in one line."""

import json

import numpy as np
import pytest
import torch

from memorizers import Network, build, verify
from memorizers.cli import main
from memorizers.network import Dense, Residual
from memorizers.readers import UnsupportedModelError, read_model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def wine_mlp(tmp_path_factory):
    """An MLPClassifier trained to 100% on wine (float32 features, as skl2onnx reads them), as ONNX files."""
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.datasets import load_wine
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    names = np.array(["barolo", "grignolino", "barbera"])[y]  # string classes, as the model returns them
    clf = MLPClassifier((32,), max_iter=3000, random_state=0).fit(X, names)
    assert clf.score(X, names) == 1.0
    d = tmp_path_factory.mktemp("wine")
    paths = {}
    for zipmap in (False, True):
        model = skl2onnx.to_onnx(clf, X[:1], options={"zipmap": zipmap})
        paths[zipmap] = d / f"wine_zipmap_{zipmap}.onnx"
        paths[zipmap].write_bytes(model.SerializeToString())
    np.savez(d / "wine.npz", X=X, y=names)
    return clf, X, names, paths, d


def test_an_mlp_classifier_from_onnx_is_certified(wine_mlp):
    clf, X, names, paths, _ = wine_mlp
    for path in paths.values():
        net = Network.from_onnx(path)
        assert net.meta["kind"] == "onehot" and net.meta["stripped"] == "Softmax"
        assert net.meta["classes"] == sorted(set(names)) and net.meta["input_dtype"] == "float32"
        assert net.hidden_widths == [32]
        # the parameters exactly as stored: float32 values, widened
        assert np.array_equal(net.layers[0].weight, clf.coefs_[0].T.astype(np.float32).astype(np.float64))
        r = verify(net, X, names, any_order="all")
        assert r.accuracy == clf.score(X, names) == 1.0 and r.certified <= r.accuracy
        assert r.certified == 1.0 and r.any_order["float32"] == 1.0 and r.bits_sufficient <= 24
    # onnxruntime's labels are ours
    session = ort.InferenceSession(str(paths[False]))
    label, proba = session.run(None, {session.get_inputs()[0].name: X})
    F = net.forward(X.astype(np.float64))
    assert list(label) == list(np.array(net.meta["classes"])[np.argmax(F, axis=1)])
    softmax = np.exp(F - F.max(1, keepdims=True))
    assert np.allclose(softmax / softmax.sum(1, keepdims=True), proba, atol=1e-5)


def test_verify_model_onnx_on_the_command_line(wine_mlp, capsys):
    _, _, _, paths, d = wine_mlp
    code, stdout, err = _cli(capsys, "verify", paths[True], "--data", d / "wine.npz", "--any-order", "all", "--json")
    assert code == 0, err
    out = json.loads(stdout)
    assert out["accuracy"] == 1.0 and out["certified"] <= out["accuracy"]
    assert set(out["any_order"]) == {"float64", "float32", "bfloat16", "float16", "tf32"}
    assert out["any_order"]["float32"] == 1.0 and out["any_order"]["bfloat16"] < 1.0


def test_an_unread_operator_is_one_line_and_exit_2(tmp_path, capsys):
    from onnx import TensorProto, helper, numpy_helper

    W = numpy_helper.from_array(np.ones((2, 2), np.float32), "W")
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["h"], name="dense"),
        helper.make_node("Erf", ["h"], ["y"], name="gelu"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
        [W],
    )
    path = tmp_path / "erf.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(UnsupportedModelError, match="operator Erf \\(node 'gelu'\\) is not read"):
        Network.from_onnx(path)
    np.savez(tmp_path / "d.npz", X=np.ones((3, 2)), y=np.zeros(3))
    code, _, err = _cli(capsys, "verify", path, "--data", tmp_path / "d.npz")
    assert code == 2 and "operator Erf (node 'gelu')" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_our_exports_read_back_bit_identical(tmp_path):
    """build -> to_onnx / to_torch -> read: the same parameters, so the same outputs bit for bit."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 5)), rng.integers(0, 3, 200)
    net = build("yun-classifier", X, y, seed=0, bits=False).network
    net.to_onnx(tmp_path / "n.onnx")
    back = Network.from_onnx(tmp_path / "n.onnx")
    assert back.meta["input_dtype"] == "float64"
    assert np.array_equal(back.forward(X), net.forward(X))
    from_torch = Network.from_torch(net.to_torch())
    for a, b in zip(net.dense_layers(), from_torch.dense_layers()):
        assert np.array_equal(a[0].weight, b[0].weight) and np.array_equal(a[0].bias, b[0].bias)
    assert np.array_equal(from_torch.forward(X), net.forward(X))


class _Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = torch.nn.Linear(3, 6)
        self.u, self.v = torch.nn.Linear(6, 10), torch.nn.Linear(10, 6)
        self.out = torch.nn.Linear(6, 2)

    def forward(self, x):
        a = torch.relu(self.inp(x))
        a = a + self.v(torch.nn.functional.leaky_relu(self.u(a), 0.25))
        return self.out(torch.nn.functional.hardtanh(a))


def test_a_torch_module_with_a_residual_block(tmp_path):
    module = _Block().double()
    net = Network.from_torch(module)
    assert [type(layer) for layer in net.layers] == [Dense, Residual, Dense, Dense]
    assert net.layers[2].activation.kind == "hard_tanh"  # an identity map carries the activation of a sum
    x = np.random.default_rng(1).standard_normal((50, 3))
    assert np.allclose(net.forward(x), module(torch.from_numpy(x)).detach().numpy(), rtol=0, atol=1e-13)
    torch.save(module, tmp_path / "block.pt")
    assert np.array_equal(read_model(tmp_path / "block.pt").forward(x), net.forward(x))


def test_torch_modules_that_are_not_read_say_what():
    with pytest.raises(UnsupportedModelError, match="Softplus"):
        Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softplus()))
    with pytest.raises(UnsupportedModelError, match="Softmax .*inside the network"):
        Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(1), torch.nn.Linear(2, 2)))
    prelu = torch.nn.PReLU(3)
    assert Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), prelu)).layers[0].activation.s_minus == 0.25
    with torch.no_grad():
        prelu.weight.copy_(torch.tensor([0.1, 0.2, 0.3]))
    with pytest.raises(UnsupportedModelError, match="differ between units"):
        Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), prelu))


class _Indexing(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.lin(x)[:, :1]


def test_an_unread_torch_operation_is_one_line_not_a_traceback():
    with pytest.raises(UnsupportedModelError, match="getitem .*is not read"):
        Network.from_torch(_Indexing())


def test_torch_onnx_export_is_read_like_the_module(tmp_path):
    """torch's own ONNX export (Gemm with transB, LeakyRelu, a final Softmax) reads as the module does: the same
    layers, parameters and outputs (the slope as ONNX stores it, a float32)."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.LeakyReLU(0.125), torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1)
    )
    path = tmp_path / "t.onnx"
    torch.onnx.export(
        module, (torch.randn(2, 4),), str(path), dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "n"}}
    )
    from_file, from_module = Network.from_onnx(path), Network.from_torch(module)
    assert from_file.meta["stripped"] == from_module.meta["stripped"] == "Softmax"
    for (a, _), (b, _) in zip(from_file.dense_layers(), from_module.dense_layers()):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
        assert a.activation == b.activation  # 0.125: a float32 exactly
    x = np.random.default_rng(0).standard_normal((20, 4))
    assert np.array_equal(from_file.forward(x), from_module.forward(x))


def test_predict_with_an_onnx_classifier_returns_its_labels(wine_mlp, capsys, tmp_path):
    clf, X, names, paths, d = wine_mlp
    np.savez(tmp_path / "new.npz", X=X[:7])
    out = tmp_path / "pred.csv"
    code, _, err = _cli(capsys, "predict", paths[False], "--data", tmp_path / "new.npz", "--out", out)
    assert code == 0, err
    assert out.read_text().split()[1:] == list(clf.predict(X[:7]))
