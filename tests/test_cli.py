import json

import numpy as np
import pytest

from memorizers.cli import main
from memorizers.data import gaussian_regression, save_npz
from memorizers.network import Network
from methods import example


@pytest.fixture
def data(tmp_path):
    X, y = gaussian_regression(200, 5, seed=0)
    path = tmp_path / "data.npz"
    save_npz(path, X, y)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_build_then_verify_json(tmp_path, data, capsys):
    net = tmp_path / "net.npz"
    code, out, err = run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", net, "--seed", 3, "--json")
    assert code == 0, err
    built = json.loads(out)
    assert built["passed"] and built["hidden_widths"] == [20, 40]
    code, out, err = run(capsys, "verify", net, "--data", data, "--json", "--exact")
    assert code == 0, err
    report = json.loads(out)
    for key in ("max_abs_error", "accuracy", "hidden_neurons", "parameters", "total_weight", "max_abs_weight", "dtype"):
        assert key in report
    assert report["accuracy"] == 1.0 and report["dtype"] == "float64" and report["exact"]["passed"]
    assert report["hidden_neurons"] == 60
    assert report["certified"] == 1.0 and report["bits_sufficient"] == built["bits_sufficient"] > 24
    code, out, err = run(capsys, "verify", net, "--data", data, "--json", "--dtype", "float32")
    assert json.loads(out)["dtype"] == "float32"
    # one line says why float32 may fail: fewer bits than the network is proved to need
    assert (
        err.count("\n") == 1 and "float32 carries 24 significand bits" in err and str(built["bits_sufficient"]) in err
    )
    meta = Network.load(net).meta
    assert meta["method"] == "yun-3layer" and meta["kind"] == "real" and meta["tol"] == 1e-6


def test_no_bits_certifies_without_the_bits_search(tmp_path, data, capsys):
    net = tmp_path / "net.npz"
    code, out, err = run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", net, "--no-bits", "--json")
    assert code == 0, err
    built = json.loads(out)
    assert (
        built["certified"] == 1.0
        and built["bits_sufficient"] is None
        and Network.load(net).meta["bits_sufficient"] is None
    )
    code, out, err = run(capsys, "verify", net, "--data", data, "--no-bits", "--json")
    report = json.loads(out)
    assert code == 0 and report["certified"] == 1.0 and report["bits_sufficient"] is None
    code, out, err = run(capsys, "verify", net, "--data", data, "--json")  # the search runs unless left out
    assert code == 0 and json.loads(out)["bits_sufficient"] > 24


def test_verify_reads_the_kind_the_network_was_built_for(tmp_path, capsys):
    """A network scaled to be wrong by 0.7 against +-1 labels is not passed as 'sign labels, 100%'."""
    X, y = gaussian_regression(100, 4, seed=0)
    y = np.where(y > 0, 1.0, -1.0)
    save_npz(tmp_path / "d.npz", X, y)
    run(capsys, "build", "--method", "yun-3layer", "--data", tmp_path / "d.npz", "--out", tmp_path / "n.npz")
    net = Network.load(tmp_path / "n.npz")
    net.layers[-1].weight *= 0.3
    net.layers[-1].bias *= 0.3
    net.save(tmp_path / "broken.npz")
    code, out, err = run(capsys, "verify", tmp_path / "broken.npz", "--data", tmp_path / "d.npz")
    assert code == 1 and "real labels" in out and "accuracy 0.0000%" in out


@pytest.mark.parametrize("act", ["relu", "leaky-relu", "hard-tanh"])
def test_build_options(tmp_path, data, capsys, act):
    net = tmp_path / "net.npz"
    code, out, err = run(
        capsys,
        "build",
        "--method",
        "yun-3layer",
        "--data",
        data,
        "--out",
        net,
        "--activation",
        act,
        "--widths",
        "40,40",
    )
    assert code == 0, err
    assert "hidden widths [40, 40]" in out
    assert Network.load(net).stats()["hidden_widths"] == [40, 40]


def test_errors_are_one_line_without_traceback(tmp_path, data, capsys):
    def error(*argv):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert err.startswith("memorizers: error: ") and err.count("\n") == 1 and "Traceback" not in err
        return err

    out = tmp_path / "net.npz"
    assert "no such file" in error("build", "--method", "yun-3layer", "--data", tmp_path / "nope.npz", "--out", out)
    assert "smallest widths that work are 20,40" in error(
        "build", "--method", "yun-3layer", "--data", data, "--out", out, "--widths", "8,8"
    )
    bad = tmp_path / "bad.npz"
    np.savez(bad, X=np.ones((3, 2)))
    assert "lacks array(s) y" in error("build", "--method", "yun-3layer", "--data", bad, "--out", out)
    X = np.ones((3, 2))
    save_npz(bad, X, np.array([0.0, 0.5, 0.0]))  # one point, two labels (equal labels would be built once)
    assert "points 0 and 1 are identical but labelled 0.0 and 0.5" in error(
        "build", "--method", "yun-3layer", "--data", bad, "--out", out
    )
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00" * 100)
    assert "not a readable" in error("verify", garbage, "--data", data)
    assert "not a readable" in error("build", "--method", "yun-3layer", "--data", garbage, "--out", out)
    assert not out.exists()


def test_argument_errors_exit_nonzero(capsys):
    with pytest.raises(SystemExit) as e:
        main(["build", "--method", "no-such-method", "--data", "d.npz", "--out", "n.npz"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        main(["build", "--method", "yun-3layer", "--data", "d.npz", "--out", "n.npz", "--widths", "a,b"])


def test_failed_verification_exits_1_and_writes_nothing(tmp_path, data, capsys):
    out = tmp_path / "net.npz"
    code, _, err = run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", out, "--tol", "1e-300")
    assert code == 1 and "verification failed" in err and not out.exists()


@pytest.mark.slow
def test_demo_prints_a_table(capsys):
    code, out, _ = run(capsys, "demo")  # the full demo, as `make demo` runs it
    assert code == 0
    assert "digits" in out and "gaussian" in out
    rows = [line for line in out.splitlines() if "100.00%" in line]
    # 4 datasets x 3 activations, the 3 classifiers on the digits, then baum, vershynin and daniely on the sphere
    assert len(rows) == 12 + 3 + 3
    assert "Proposition 3.2" in out and "Corollary 4.2" in out
    sphere = {line.split()[0]: line for line in out.splitlines()[-11:] if line.strip()}
    assert {"universal", "baum", "relu-baum", "ntk", "harmonic", "vershynin", "daniely"} <= set(sphere)
    for method in ("ntk", "harmonic"):  # approximate: the relative error meets eps = 0.01
        assert float(sphere[method].split("= ")[-1]) <= 0.01


@pytest.mark.parametrize("method", sorted(__import__("memorizers.constructions", fromlist=["METHODS"]).METHODS))
def test_every_method_builds_from_the_command_line(tmp_path, capsys, method):
    from memorizers.build import option_names
    from memorizers.constructions import METHODS

    X, y, options = example(method, np.random.default_rng(5), 60, 4, 2)
    data, net = tmp_path / "d.npz", tmp_path / "n.npz"
    save_npz(data, X, y)
    argv = ["build", "--method", method, "--data", data, "--out", net, "--json"]
    if "seed" in option_names(method):  # a method that draws nothing takes no seed (and refuses one)
        argv += ["--seed", 1]
    if "widths" in options:
        argv += ["--widths", ",".join(str(int(w)) for w in np.ravel(options["widths"]))]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    built = json.loads(out)
    code, out, err = run(capsys, "verify", net, "--data", data, "--json", "--kind", METHODS[method].kind)
    checked = json.loads(out)
    assert code == 0 and built["passed"] and checked["passed"]
    if (
        METHODS[method].kind == "relative"
    ):  # approximate: ||f - y||^2 <= eps ||y||^2, eps 0.01 by default, kept in the file
        assert built["tol"] == checked["tol"] == 0.01 and checked["relative_error"] <= 0.01
    else:
        assert built["accuracy"] == checked["accuracy"] == 1.0


def test_outputs_never_damage_what_is_at_the_path(tmp_path, data, capsys):
    import os
    import stat

    before = data.read_bytes()
    code, _, err = run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", data)
    assert code == 2 and err.count("\n") == 1 and "is the input file" in err and "Traceback" not in err
    assert data.read_bytes() == before
    (tmp_path / "folder").mkdir()
    code, _, err = run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", tmp_path / "folder")
    assert code == 2 and "is a directory; refusing" in err and (tmp_path / "folder").is_dir()
    os.mkfifo(tmp_path / "pipe")
    code, _, err = run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", tmp_path / "pipe")
    assert code == 2 and "not a regular file" in err and stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)
    # a symlink is written through, a missing folder is made, the umask is honoured
    (tmp_path / "link.npz").symlink_to(tmp_path / "target.npz")
    old = os.umask(0o027)
    try:
        assert run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", tmp_path / "link.npz")[0] == 0
        assert (
            run(capsys, "build", "--method", "yun-3layer", "--data", data, "--out", tmp_path / "new" / "n.npz")[0] == 0
        )
    finally:
        os.umask(old)
    assert (tmp_path / "link.npz").is_symlink() and Network.load(tmp_path / "target.npz").meta["method"] == "yun-3layer"
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "n.npz").st_mode) == 0o640


def test_methods_lists_every_construction_and_its_options(capsys):
    from memorizers.constructions import METHODS

    code, out, _ = run(capsys, "methods", "--json")
    assert code == 0 and [r["method"] for r in json.loads(out)] == list(METHODS)
    code, out, _ = run(capsys, "methods", "zhang", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["options"] == {"widths": "None", "exact": "False", "seed": "None", "tries": "20"}
    assert "Theorem 1" in shown["doc"] and shown["kind"] == "real"
    with pytest.raises(SystemExit) as e:
        main(["methods", "zang"])
    assert e.value.code == 2 and "did you mean 'zhang'" in capsys.readouterr().err
