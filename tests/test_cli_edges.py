"""The edges a user touches on the command line: every mistake is one line and exit status 2, the data
formats people have, predict, --option, and interrupts that leave no partial file."""

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from memorizers import verify
from memorizers.cli import main
from memorizers.data import gaussian_regression, save_npz
from memorizers.network import Network


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    X, y = gaussian_regression(60, 5, seed=0)
    save_npz(tmp_path / "d.npz", X, y)
    save_npz(tmp_path / "classes.npz", X, rng.integers(0, 3, 60))
    save_npz(tmp_path / "zero.npz", np.vstack([np.zeros(5), X[1:]]), y)
    np.savez(tmp_path / "complex.npz", X=X + 1j, y=y)
    save_npz(tmp_path / "pm1.npz", X, rng.choice([-1.0, 1.0], 60))
    assert (
        main(["build", "--method", "yun-3layer", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "net.npz")])
        == 0
    )
    return tmp_path


def huge_header_npz(path):
    header = np.lib.format.header_data_from_array_1_0(np.zeros((2, 2)))
    header["shape"] = (10**12, 784)
    with zipfile.ZipFile(path, "w") as z:
        buf = io.BytesIO()
        np.lib.format.write_array_header_1_0(buf, header)
        z.writestr("X.npy", buf.getvalue() + b"\0" * 64)
        buf = io.BytesIO()
        np.save(buf, np.zeros(3))
        z.writestr("y.npy", buf.getvalue())


# (arguments with {d} for the data folder, words the one line must hold)
MISTAKES = [
    ("build --method yun-deep --data {d}/d.npz --out {d}/o.npz", "needs option widths"),
    ("build --method yun-3layer --data {d}/d.csv --out {d}/o.npz", "no such file"),
    ("build --method yun-3layer --data {d}/text.csv --out {d}/o.npz", "fits real-valued labels"),
    ("build --method yun-3layer --data {d}/d.npz --out {d}/o.npz --seed -5", "non-negative integer"),
    ("build --method yun-3layer --data {d}/d.npz --out {d} ", "is a directory"),
    ("build --method yun-3layer --data {d}/complex.npz --out {d}/o.npz", "complex numbers"),
    ("build --method yun-3layer --data {d}/huge.npz --out {d}/o.npz", "larger than the memory available"),
    ("build --method yun-3layer --data {d}/d.npz --out {d}/o.npz --clip-margin inf", "positive number"),
    ("build --method yun-3layer --data {d}/d.npz --out {d}/o.npz --option clip_margin=inf", "clip_margin must be"),
    ("build --method zhang --data {d}/d.npz --out {d}/o.npz --option exact=maybe", "true or false"),
    ("build --method yun-2layer --data {d}/classes.npz --out {d}/o.npz --option margin=nan", "margin must be"),
    ("build --method yun-2layer --data {d}/classes.npz --out {d}/o.npz --option margin=-1", "margin must be"),
    (
        "build --method yun-3layer --data {d}/d.npz --out {d}/o.npz --option epochs=3",
        "takes no option epochs; its options: widths",
    ),
    ("build --method yun-3layer --data {d}/d.npz --out {d}/o.npz --option nokey", "KEY=VALUE"),
    ("build --method yun3layer --data {d}/d.npz --out {d}/o.npz", "did you mean 'yun-3layer'"),
    ("build --method ntk --data {d}/zero.npz --out {d}/o.npz", "zero vector"),
    ("build --method relu-baum --data {d}/zero.npz --out {d}/o.npz", "is the origin"),
    ("build --method yun-3layer --data {d}/X.npy --out {d}/o.npz", "--labels y.npy"),
    ("build --method yun-3layer --data {d}/d.npz --out {d}/d.npz", "refusing to overwrite"),
    ("train --like {d}/net.npz --data {d}/d.npz --lr -1", "positive number"),
    ("train --like {d}/net.npz --data {d}/d.npz --lr nan", "positive number"),
    ("train --like {d}/net.npz --data {d}/d.npz --epochs 0", "positive integer"),
    ("verify {d}/net.npz --data {d}/d.npz --kind sgn", "did you mean 'sign'"),
    ("verify {d}/nanslope.npz --data {d}/d.npz", "slopes must be finite"),
    ("verify {d}/complexnet.npz --data {d}/d.npz", "must be real"),
    ("verify {d}/net.npz --data {d}/d.npz --exact --exact-limit 10", "--exact-limit"),
    ("predict {d}/net.npz --data {d}/d.npz --out {d}/p.json", ".csv, .tsv or .npz"),
    ("reproduce nosuch", "unknown experiment"),
    ("sweep --method yun-3layer --n 8 --dx 3 --seeds 1 --db {d}/s.db --epochs 200", "takes no option epochs"),
    ("capacity --method yun-3layer --dx 3 --seeds 1 --need 1 --epochs 200", "takes no option epochs"),
]


@pytest.mark.parametrize("argv,words", MISTAKES, ids=[m[0].split(" --out")[0][:60] for m in MISTAKES])
def test_every_mistake_is_one_line_and_status_2(files, capsys, argv, words):
    d = files
    (d / "text.csv").write_text("a,b,label\n1,2,x\n3,4,y\n")
    huge_header_npz(d / "huge.npz")
    np.save(d / "X.npy", np.ones((3, 2)))
    net = Network.load(d / "net.npz")
    arrays = net.to_arrays()
    header = json.loads(str(arrays["header"]))
    header["layout"][0]["activations"][0]["s_minus"] = float("nan")
    np.savez(d / "nanslope.npz", **{**arrays, "header": np.array(json.dumps(header))})
    np.savez(d / "complexnet.npz", **{**arrays, "0.0.weight": arrays["0.0.weight"] + 1j})
    code, out, err = run(capsys, *argv.format(d=d).split())
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert words in err, err
    assert not (d / "o.npz").exists()


def test_build_json_prints_an_error_object(files, capsys):
    code, out, err = run(
        capsys, "build", "--method", "ntk", "--data", files / "zero.npz", "--out", files / "o.npz", "--json"
    )
    assert code == 2 and json.loads(out) == {
        "error": err.strip().removeprefix("memorizers: error: "),
        "type": "InvalidDataError",
    }


def _default_sigint():
    """In the child: SIGINT's default action. A background job of a non-interactive shell starts with SIGINT
    ignored, and so does everything it starts; Python then installs no KeyboardInterrupt for it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_cpu_seconds(pid: int, seconds: float, timeout: float = 60.0) -> None:
    """Until process ``pid`` has used ``seconds`` of CPU (read from /proc; where there is none, that long of
    wall-clock), so that a loaded machine's slower start does not change where a signal lands."""
    stat = f"/proc/{pid}/stat"
    if not os.path.exists(stat):
        time.sleep(seconds)
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        fields = open(stat).read().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= seconds:  # utime + stime
            return
        time.sleep(0.05)


def test_ctrl_c_prints_one_line_exits_130_and_leaves_no_file(tmp_path):
    """vardi's exact arithmetic runs in Python for about ten seconds on 6000 points, so the interrupt lands
    in Python code (one inside a long BLAS call waits for the call to return)."""
    rng = np.random.default_rng(0)
    save_npz(tmp_path / "big.npz", rng.standard_normal((6000, 8)), rng.integers(0, 10, 6000))
    out = tmp_path / "net.npz"
    command = ["build", "--method", "vardi", "--data", str(tmp_path / "big.npz"), "--out", str(out)]
    p = subprocess.Popen(
        [sys.executable, "-m", "memorizers.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
    try:
        _wait_for_cpu_seconds(p.pid, 3.0)  # past importing, reading and checking the data: inside the construction
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130 and err.decode().strip().splitlines() == ["memorizers: interrupted"]
    assert not out.exists() and not [f for f in os.listdir(tmp_path) if f.startswith(".tmp")]


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("memorizers ")


def test_help_shows_defaults_and_examples(capsys):
    code, out, _ = run(capsys, "build", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "(default: 0)" in text and "examples:" in text and "--option KEY=VALUE" in text


def test_csv_with_string_classes_then_verify_and_predict(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((90, 4))
    species = np.array(["setosa", "versicolor", "virginica"])[rng.integers(0, 3, 90)]
    lines = ["sepal,petal,species,width"] + [f"{a},{b},{s},{c}" for (a, b, _, c), s in zip(X, species)]
    (tmp_path / "iris.csv").write_text("\n".join(lines) + "\n")
    net = tmp_path / "net.npz"
    code, out, err = run(
        capsys,
        "build",
        "--method",
        "yun-classifier",
        "--data",
        tmp_path / "iris.csv",
        "--target",
        "species",
        "--out",
        net,
    )
    assert code == 0, err
    meta = Network.load(net).meta
    assert meta["classes"] == ["setosa", "versicolor", "virginica"] and meta["features"] == ["sepal", "petal", "width"]
    assert meta["target"] == "species"
    code, out, err = run(capsys, "verify", net, "--data", tmp_path / "iris.csv")  # the target recorded at build
    assert code == 0 and "accuracy 100.0000%" in out and "certified 100.00%" in out
    code, out, err = run(capsys, "predict", net, "--data", tmp_path / "iris.csv", "--out", tmp_path / "p.csv")
    assert code == 0, err
    predicted = (tmp_path / "p.csv").read_text().split()
    assert predicted[0] == "species" and predicted[1:] == species.tolist()


def test_tsv_npy_pair_and_idx(tmp_path, capsys):
    X, y = gaussian_regression(50, 3, seed=2)
    np.savetxt(tmp_path / "d.tsv", np.column_stack([X, y]), delimiter="\t", header="a\tb\tc\ty", comments="")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    for data in (["--data", tmp_path / "d.tsv"], ["--data", tmp_path / "X.npy", "--labels", tmp_path / "y.npy"]):
        code, out, err = run(capsys, "build", "--method", "yun-3layer", *data, "--out", tmp_path / "n.npz")
        assert code == 0 and "accuracy 100.0000%" in out, err
    images = tmp_path / "t10k-images-idx3-ubyte"
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (40, 4, 4), dtype=np.uint8)
    images.write_bytes(b"\0\0\x08\x03" + np.array([40, 4, 4], ">u4").tobytes() + pixels.tobytes())
    labels.write_bytes(
        b"\0\0\x08\x01" + np.array([40], ">u4").tobytes() + rng.integers(0, 10, 40, dtype=np.uint8).tobytes()
    )
    code, out, err = run(capsys, "build", "--method", "yun-classifier", "--data", images, "--out", tmp_path / "i.npz")
    assert code == 0 and "accuracy 100.0000%" in out, err
    pixels = pixels.reshape(40, -1) / 255.0
    assert verify(Network.load(tmp_path / "i.npz"), pixels, np.frombuffer(labels.read_bytes()[8:], np.uint8)).passed


def test_jitter_exits_0_only_for_a_network_that_memorizes_the_data_as_given(tmp_path, capsys):
    """Corollary 4.2's network built on jittered digits misses some of the digits as given: exit 1, nothing
    written unless --keep-failed; whatever exits 0 memorizes the data as given."""
    from memorizers.data import digits

    X, y = digits()
    X, keep = np.unique(X, axis=0, return_index=True)
    np.savez(tmp_path / "d.npz", X=X[:600], y=y[keep][:600])
    for method in ("yun-2layer", "yun-classifier"):
        out = tmp_path / f"{method}.npz"
        args = ["build", "--method", method, "--data", tmp_path / "d.npz", "--jitter", "1e-3", "--out", out]
        code, _, err = run(capsys, *args)
        if code == 0:
            assert verify(Network.load(out), X[:600], y[keep][:600]).passed
        else:
            assert code == 1 and "does not memorize the data as given" in err and not out.exists()
            code, _, err = run(capsys, *args, "--keep-failed")
            assert code == 1 and out.exists() and not verify(Network.load(out), X[:600], y[keep][:600]).passed


def test_predict_npz_gives_outputs_and_real_predictions(files, capsys):
    code, _, err = run(capsys, "predict", files / "net.npz", "--data", files / "d.npz", "--out", files / "p.npz")
    assert code == 0, err
    with np.load(files / "p.npz") as f:
        X, y = np.load(files / "d.npz")["X"], np.load(files / "d.npz")["y"]
        assert np.abs(f["y"] - y).max() <= 1e-6 and f["outputs"].shape == (60, 1)
    assert len(X) == 60


def test_option_reaches_every_construction_option(tmp_path, capsys):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 20))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    save_npz(tmp_path / "s.npz", X, rng.integers(0, 2, 30))
    code, out, err = run(
        capsys,
        "build",
        "--method",
        "vershynin",
        "--data",
        tmp_path / "s.npz",
        "--out",
        tmp_path / "v.npz",
        "--widths",
        "256,256,16",
        "--option",
        "batch=2",
        "--option",
        "separation=0.01",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["construction"]["separation"] == 0.01


def test_binary_method_takes_plus_minus_one(files, capsys):
    code, out, err = run(capsys, "build", "--method", "baum", "--data", files / "pm1.npz", "--out", files / "b.npz")
    assert code == 0 and "accuracy 100.0000%" in out, err
    assert Network.load(files / "b.npz").meta["classes"] == [-1, 1]
    code, out, err = run(capsys, "verify", files / "b.npz", "--data", files / "pm1.npz")
    assert code == 0 and "certified 100.00%" in out


def test_idle_units_are_reported_not_silent(files, capsys):
    code, out, err = run(
        capsys, "build", "--method", "universal", "--data", files / "d.npz", "--out", files / "u.npz", "--widths", "500"
    )
    assert code == 0 and "440 of the 500 hidden units are idle" in err


def test_redirected_train_prints_no_progress(files):
    pytest.importorskip("torch")
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "memorizers.cli",
            "train",
            "--like",
            files / "net.npz",
            "--data",
            files / "d.npz",
            "--epochs",
            "300",
        ],
        capture_output=True,
    )
    assert p.returncode in (0, 1) and p.stderr == b"" and p.stdout.count(b"\n") == 1


def test_sweep_table_separates_errors(tmp_path, capsys):
    code, out, err = run(
        capsys,
        "sweep",
        "--method",
        "yun-3layer",
        "--widths",
        "4,4",
        "--n",
        "4,400",
        "--dx",
        "3",
        "--seeds",
        "2",
        "--db",
        tmp_path / "s.db",
    )
    assert code == 0, err
    rows = {line.split("|")[3].strip(): line.split("|") for line in out.splitlines() if line.startswith("| yun-3layer")}
    memorized, not_memorized, errors, first = (rows["400"][i].strip() for i in (4, 5, 6, 7))
    assert (memorized, not_memorized, errors) == ("0", "0", "2") and "too small" in first
    assert rows["4"][4].strip() == "2"


@pytest.mark.parametrize("module,argv", [("torch", "train --like {d}/net.npz --data {d}/d.npz")])
def test_a_missing_optional_dependency_is_one_line(files, capsys, monkeypatch, module, argv):
    monkeypatch.setitem(sys.modules, module, None)  # import torch raises ImportError, as on a machine without it
    code, out, err = run(capsys, *argv.format(d=files).split())
    assert code == 2 and err.count("\n") == 1 and "pip install 'memorizers[torch]'" in err


def test_a_failed_build_says_what_to_try_and_keep_failed_writes_it(files, capsys):
    argv = ["build", "--method", "yun-3layer", "--data", files / "d.npz", "--out", files / "f.npz", "--tol", "1e-300"]
    code, _, err = run(capsys, *argv)
    assert code == 1 and err.count("\n") == 1 and not (files / "f.npz").exists()
    for remedy in (
        "(--tol)",
        "--option activation=hard-tanh",
        "--option n_projections=64",
        "(--seed)",
        "--keep-failed",
    ):
        assert remedy in err
    code, _, err = run(capsys, *argv, "--keep-failed")
    assert code == 1 and "written anyway" in err
    net = Network.load(files / "f.npz")
    assert net.meta["method"] == "yun-3layer" and net.hidden_widths == [12, 20]


def test_a_reader_that_closes_the_pipe_gets_no_traceback():
    """`memorizers methods | head -1`: writing to a closed pipe stops quietly with SIGPIPE's status 141."""
    p = subprocess.Popen(
        [sys.executable, "-c", "import sys; from memorizers.cli import main; sys.exit(main(['methods']))"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    p.stdout.close()  # the reader is gone before the first line
    err = p.stderr.read().decode()
    assert p.wait() == 141 and "Traceback" not in err, err
