"""The edges where a certificate or a verdict could claim more than is true: labels float64 cannot hold,
values beyond float64's range, and one point's overflow reaching another point's certificate."""

import os

import numpy as np
import pytest

from memorizers import activations, build, verify
from memorizers.errors import InvalidDataError
from memorizers.network import Dense, Network


@pytest.mark.parametrize(
    "labels",
    [
        np.array([2**53 + 1, 3], dtype=np.int64),
        np.array([2**64 - 1, 3], dtype=np.uint64),
        np.array([1 + np.longdouble(2) ** -60, 3]) if np.finfo(np.longdouble).nmant > 52 else None,
    ],
    ids=["int64", "uint64", "longdouble"],
)
@pytest.mark.parametrize("kind", ["real", "index"])
def test_labels_float64_cannot_hold_are_refused(labels, kind):
    """Rounded to float64 first, 2^53 + 1 was certified against an exact error of 1; 1 + 2^-60 at tol 2^-62."""
    if labels is None:
        pytest.skip("long double is float64 here")
    net = Network([Dense([[1.0]], [0.0])])
    X = np.array([[float(labels[0])], [3.0]])
    with pytest.raises(InvalidDataError, match="no float64 value"):
        verify(net, X, labels, kind=kind, tol=0.25)


def test_labels_float64_holds_are_taken():
    net = Network([Dense([[1.0]], [0.0])])
    labels = np.array([2**53, -(2**63)], dtype=np.int64)
    assert verify(net, labels[:, None].astype(float), labels, kind="real", tol=0.25).certified == 1.0


def test_build_refuses_data_float64_cannot_hold():
    X = np.random.default_rng(0).standard_normal((6, 3))
    with pytest.raises(InvalidDataError, match="float64"):
        build("relu-baum", X, np.array([2**53 + 1, 1, 2, 3, 4, 5], dtype=np.int64))
    with pytest.raises(InvalidDataError, match="float64"):
        build("relu-baum", X.astype(np.longdouble) + np.longdouble(2) ** -60, np.arange(6.0))


@pytest.mark.parametrize("act", [activations.identity(), activations.relu(), activations.hard_tanh()])
def test_a_point_that_overflows_leaves_the_others_certified(act):
    """Point 0 overflows float64 in layer 1; it is not certified, and no other point's certificate changes."""
    net = Network([Dense([[1e10, 1.0]], [0.0], act), Dense([[1.0]], [0.0], act), Dense([[1.0], [2.0]], [0.0, 1.0])])
    X = np.array([[1e300, 0.0], [0.0, 0.5], [0.0, 0.25]])
    y = net(X[1:])
    y = np.vstack([[0.0, 1.0], y])
    with np.errstate(all="ignore"):
        r = verify(net, X, y, kind="real", tol=1e-9, device="numpy")
    assert r.certified_points.tolist() == [False, True, True]
    alone = verify(net, X[1:], y[1:], kind="real", tol=1e-9, device="numpy")
    assert alone.certified_points.all()


def test_exact_parameters_beyond_float64_are_measured_and_judged():
    """Weights 2^2000 and 2^-900: the exact output 2^1100 is beyond float64; no OverflowError anywhere."""
    from fractions import Fraction

    W = np.array([[2**2000, 2**1500]], dtype=object)
    net = Network(
        [
            Dense(W, np.array([0], dtype=object), activations.relu()),
            Dense(np.array([[Fraction(1, 2**900)]], dtype=object), np.array([0], dtype=object)),
        ]
    )
    stats = net.stats()
    assert stats["max_abs_weight"] == np.inf and stats["total_weight"] == np.inf
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    r = verify(net, X, np.array([0.0, 2.0**600]), kind="real", tol=1e-6)
    assert r.exact.max_abs_error == np.inf == r.max_abs_error and not r.passed
    assert r.certified_points.tolist() == [False, True]  # 2^1500 2^-900 = 2^600 exactly
    assert r.float_evaluation.certified == 0.0


def _cli(capsys, *argv):
    from memorizers.cli import main

    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def _strict(text: str):
    """json.loads that refuses NaN and Infinity, as JSON.parse does."""
    import json

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_reports_are_strict_json(tmp_path, capsys):
    """An uncertified point has an infinite bound; --json writes null for it, never Infinity or NaN."""
    net = Network([Dense([[1e10, 1.0]], [0.0], activations.relu()), Dense([[1.0]], [0.0])])
    net.save(tmp_path / "n.npz")
    np.savez(tmp_path / "d.npz", X=np.array([[1e300, 0.0], [0.0, 0.5]]), y=np.array([0.0, 0.5]))
    code, out, err = _cli(
        capsys, "verify", tmp_path / "n.npz", "--data", tmp_path / "d.npz", "--kind", "real", "--json"
    )
    report = _strict(out)
    assert code == 1 and report["max_error_bound"] is None and report["max_abs_error"] is None


def test_an_exact_networks_json_leads_with_the_verdict(tmp_path, capsys):
    from fractions import Fraction

    big = 2**60
    up = Dense(np.array([[big + 1], [big]], dtype=object), np.zeros(2, dtype=object), activations.relu())
    out = Dense(np.array([[Fraction(1), Fraction(-1)]], dtype=object), np.zeros(1, dtype=object))
    Network([up, out]).save(tmp_path / "n.npz")
    X = np.array([[1.0], [2.0]])
    np.savez(tmp_path / "d.npz", X=X, y=X[:, 0])
    code, text, err = _cli(
        capsys, "verify", tmp_path / "n.npz", "--data", tmp_path / "d.npz", "--kind", "real", "--json"
    )
    report = _strict(text)
    assert code == 0 and report["passed"] and report["accuracy"] == 1.0 and report["certified"] == 1.0
    assert report["float_evaluation"]["accuracy"] == 0.0 and report["float_evaluation"]["dtype"] == "float64"


def test_the_precision_note_and_the_certificate_say_the_same(tmp_path, capsys):
    """bits_sufficient is a precision that suffices in any order: the note below it names this evaluation's
    certificate instead of declaring memorization not guaranteed next to "certified"."""
    from memorizers.data import gaussian_regression
    from memorizers.export import precision_note

    note = precision_note(55, "float64", 1.0)
    assert "not guaranteed" not in note and "55 bits (bits_sufficient)" in note and "certified 100.00%" in note
    X, y = gaussian_regression(100, 8, seed=0)
    built = build("yun-3layer", X, y, seed=0)
    assert built.network.meta["bits_sufficient"] == built.report.bits_sufficient > 24
    built.network.save(tmp_path / "n.npz")
    np.savez(tmp_path / "d.npz", X=X, y=y)
    _, out, err = _cli(capsys, "verify", tmp_path / "n.npz", "--data", tmp_path / "d.npz", "--dtype", "float32")
    share = out.split("certified ")[1].split()[0]
    assert f"this float32 evaluation: certified {share}" in err


def test_files_with_the_old_name_of_bits_sufficient_read_it(tmp_path):
    net = Network([Dense([[1.0]], [0.0])], {"bits_needed": 40})
    net.save(tmp_path / "n.npz")
    assert Network.load(tmp_path / "n.npz").meta["bits_sufficient"] == 40
    with pytest.warns(DeprecationWarning):
        assert verify(net, [[1.0]], [1.0], kind="real").bits_needed is not None


def test_a_table_with_a_repeated_column_name_is_refused(tmp_path, capsys):
    """Built from both columns 'a', verify and predict read the first twice: 0% and silently wrong outputs."""
    (tmp_path / "d.csv").write_text("a,a,b,y\n1,2,3,0.5\n4,5,6,-0.5\n7,8,9,0.25\n")
    code, _, err = _cli(
        capsys, "build", "--method", "relu-baum", "--data", tmp_path / "d.csv", "--out", tmp_path / "n.npz"
    )
    assert code == 2 and "'a' more than once" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "n.npz").exists()


def _idx_pair(directory, n=30):
    rng = np.random.default_rng(5)
    images, labels = directory / "train-images-idx3-ubyte", directory / "train-labels-idx1-ubyte"
    images.write_bytes(
        b"\0\0\x08\x03" + np.array([n, 4, 4], ">u4").tobytes() + rng.permutation(n * 16).astype(np.uint8).tobytes()
    )
    labels.write_bytes(
        b"\0\0\x08\x01" + np.array([n], ">u4").tobytes() + rng.integers(0, 3, n, dtype=np.uint8).tobytes()
    )
    return images, labels


@pytest.mark.parametrize("command", ["build", "train"])
def test_no_output_replaces_a_file_the_command_reads(tmp_path, capsys, command):
    """--out naming the IDX labels beside the images (or the images, or a hard link to them) is refused."""
    images, labels = _idx_pair(tmp_path)
    os.link(labels, tmp_path / "alias")
    before = {p: p.read_bytes() for p in (images, labels)}
    like = Network([Dense(np.ones((4, 16)), np.zeros(4), activations.relu()), Dense(np.ones((3, 4)), np.zeros(3))])
    like.save(tmp_path / "like.npz")
    extra = ["--method", "yun-classifier"] if command == "build" else ["--like", tmp_path / "like.npz"]
    for data in (images, tmp_path):
        for out in (labels, images, tmp_path / "alias"):
            code, _, err = _cli(capsys, command, *extra, "--data", data, "--out", out)
            assert code == 2 and "refusing to overwrite" in err, (data, out, err)
    assert all(p.read_bytes() == b for p, b in before.items())


def test_predict_never_replaces_its_labels(tmp_path, capsys):
    X = np.random.default_rng(0).standard_normal((5, 2))
    net = Network([Dense([[1.0, 1.0]], [0.0])])
    net.save(tmp_path / "n.npz")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", X.sum(axis=1))
    before = (tmp_path / "y.npy").read_bytes()
    args = ["predict", tmp_path / "n.npz", "--data", tmp_path / "X.npy", "--labels", tmp_path / "y.npy"]
    code, _, err = _cli(capsys, *args, "--out", tmp_path / "y.npy")
    assert code == 2 and "refusing to overwrite" in err and (tmp_path / "y.npy").read_bytes() == before


def test_nan_or_inf_in_the_data_is_refused_by_verify_and_predict(tmp_path, capsys):
    """A threshold network "passed" on NaN points: NaN > 0 is False, which is label 0."""
    net = Network([Dense([[1.0]], [0.0], activations.threshold()), Dense([[1.0]], [0.0])])
    for bad in (np.nan, np.inf):
        X = np.array([[bad], [1.0]])
        with pytest.raises(InvalidDataError, match=r"X has NaN or inf in 1 row\(s\), first: 0"):
            verify(net, X, [0.0, 1.0], kind="binary")
        net.save(tmp_path / "n.npz")
        np.savez(tmp_path / "d.npz", X=X, y=np.array([0.0, 1.0]))
        for command in (["verify"], ["predict", "--out", tmp_path / "p.npz"]):
            code, _, err = _cli(capsys, command[0], tmp_path / "n.npz", "--data", tmp_path / "d.npz", *command[1:])
            assert code == 2 and "NaN or inf" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "-3", "abc", "2.5"])
def test_an_option_out_of_its_range_is_refused_not_clamped(tmp_path, capsys, value):
    from memorizers.data import gaussian_regression

    X, y = gaussian_regression(40, 3, seed=0)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code, _, err = _cli(
        capsys,
        "build",
        "--method",
        "yun-3layer",
        "--data",
        tmp_path / "d.npz",
        "--option",
        f"n_projections={value}",
        "--out",
        tmp_path / "n.npz",
    )
    assert code == 2 and "n_projections must be a positive integer" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["nan", "-5", "inf", "0"])
def test_exact_limit_must_be_a_positive_number(tmp_path, capsys, value):
    Network([Dense([[1.0]], [0.0])]).save(tmp_path / "n.npz")
    np.savez(tmp_path / "d.npz", X=np.ones((2, 1)), y=np.ones(2))
    code, _, err = _cli(capsys, "verify", tmp_path / "n.npz", "--data", tmp_path / "d.npz", "--exact-limit", value)
    assert code == 2 and "must be a positive number" in err


def test_the_regressor_speaks_in_the_labels_units():
    """Labels near 1e12 are built as (y - c) / 2^30 for Theorem 3.1 and fit at the default tolerance, which is
    relative to their scale; a tol below float64's resolution there fails naming tol in y's units and the
    estimator's parameter, not the scaled problem's tolerance and the CLI's flags."""
    from memorizers.errors import VerificationError
    from memorizers.sklearn import MemorizingRegressor

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 5)), 1e12 + rng.uniform(-1e9, 1e9, 200)
    assert MemorizingRegressor().fit(X, y).report_.passed
    with pytest.raises(VerificationError) as e:
        MemorizingRegressor(tol=1e-6).fit(X, y)
    text = str(e.value)
    assert "tol=1e-06" in text and "y's units" in text and "--" not in text
    need = float(text.split("at least ")[1].split()[0])
    fitted = MemorizingRegressor(tol=need).fit(X, y)
    assert fitted.report_.passed and np.abs(fitted.predict(X) - y).max() <= need


@pytest.fixture
def small(tmp_path):
    Network([Dense([[1.0]], [0.0])]).save(tmp_path / "n.npz")
    np.savez(tmp_path / "d.npz", X=np.ones((2, 1)), y=np.ones(2))
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "r.npz", X=rng.standard_normal((6, 2)), y=rng.uniform(-1, 1, 6))
    (tmp_path / "file.txt").write_text("not a database\n")
    (tmp_path / "folder").mkdir()
    return tmp_path


def _one_line(capsys, *argv):
    code, _, err = _cli(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
    return err


@pytest.mark.parametrize("device", ["meta", "mps", "xla", "cuda:x"])
def test_a_device_that_cannot_run_the_certificate_is_one_line(small, capsys, device):
    pytest.importorskip("torch")
    _one_line(capsys, "verify", small / "n.npz", "--data", small / "d.npz", "--kind", "real", "--device", device)


@pytest.mark.parametrize("command", ["sweep", "capacity"])
@pytest.mark.parametrize("db", ["file.txt", "folder", "file.txt/sub.db"])
def test_a_db_that_is_no_database_is_one_line(small, capsys, command, db):
    extra = ["--n", "6"] if command == "sweep" else ["--widths", "8", "--max-n", "8"]
    err = _one_line(capsys, command, "--method", "relu-baum", "--dx", "2", *extra, "--db", small / db)
    assert "--db" in err


def test_outputs_where_no_file_can_go_are_one_line(small, capsys):
    assert "is a file" in _one_line(capsys, "reproduce", "capacity", "--out", small / "file.txt")
    err = _one_line(
        capsys, "build", "--method", "relu-baum", "--data", small / "r.npz", "--out", small / "file.txt/n.npz"
    )
    assert "no folder can be made" in err
    err = _one_line(capsys, "build", "--method", "relu-baum", "--data", small / "r.npz", "--out", "/proc/none/n.npz")
    assert "cannot create the folder" in err


def test_an_unreachable_scheduler_is_one_line(small, capsys):
    dask = pytest.importorskip("dask")
    pytest.importorskip("dask.distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        err = _one_line(
            capsys,
            "sweep",
            "--method",
            "relu-baum",
            "--dx",
            "2",
            "--n",
            "6",
            "--db",
            small / "s.db",
            "--backend",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
        )
    assert "cannot reach the dask scheduler" in err


def test_onnx_export_in_an_unsupported_dtype_is_an_export_error():
    pytest.importorskip("onnx")
    from memorizers.errors import ExportError

    with pytest.raises(ExportError, match="float32 or float64"):
        Network([Dense([[1.0]], [0.0])]).to_onnx(None, dtype=np.float16, check=False)


@pytest.mark.parametrize(
    "holds, regime, seeds, word",
    [
        (True, "in it", 3, "holds"),
        (True, "in it", 1, "measured"),  # Daniely's one seed
        (True, None, 10, "not tested at this size"),  # capacity above the formula, yun-sgd's one eps
        (False, "in it", 1, "not supported"),  # one counterexample in the regime is enough
        (False, None, 3, "not tested at this size"),
        (None, "in it", 5, "measured"),
    ],
)
def test_a_verdict_holds_only_from_the_regime_over_three_seeds(holds, regime, seeds, word):
    from memorizers.experiments import claim, verdict, verdict_lines

    c = claim("A claim.", "A measurement.", holds, regime=regime, seeds=seeds, sizes="N = 10")
    assert verdict(c) == word
    line = verdict_lines([c])[0]
    assert line.startswith(f"- **{word}**") and f"seeds: {seeds}" in line and "sizes: N = 10" in line


@pytest.mark.parametrize("method", sorted(__import__("memorizers").constructions.METHODS))
def test_exit_0_means_the_digits_as_given_are_memorized(tmp_path, capsys, method):
    """Every registered method on 300 digits as given (labels of its kind): either one line and exit 1 or 2, or
    exit 0 with a network that reproduces every label of the data as given (the relative kind: its budget)."""
    from memorizers.constructions import METHODS
    from memorizers.data import digits

    X, y = digits()
    X, y = X[:300], y[:300]
    kind = METHODS[method].kind
    labels = {"binary": y % 2, "sign": np.where(y % 2, 1.0, -1.0), "real": y / 10.0}.get(kind, y)
    np.savez(tmp_path / "d.npz", X=X, y=labels)
    code, _, err = _cli(capsys, "build", "--method", method, "--data", tmp_path / "d.npz", "--out", tmp_path / "n.npz")
    if code != 0:
        assert code in (1, 2) and len(err.strip().splitlines()) == 1 and not (tmp_path / "n.npz").exists(), err
        return
    r = verify(Network.load(tmp_path / "n.npz"), X, labels)
    assert r.passed and (kind == "relative" or r.accuracy == 1.0)


def test_an_infinite_hidden_value_is_never_certified_and_does_not_crash():
    """A row of hidden values that overflowed (inf, not NaN) made the split's n_eff NaN: int(NaN) in gamma_bits."""
    from memorizers.certify.dense import enclose_dense
    from memorizers.certify.enclosure import Certifier
    from memorizers.intervals import Enclosure

    layer = Dense(np.array([[1.0, 2.0], [3.0, -1.0]]), np.zeros(2))
    certifier = Certifier(Network([layer]), equilibrate=False)
    L = next(iter(certifier.layers.values()))
    h = np.array([[np.inf, 1.0], [1.0, 2.0], [0.5, 0.25]])
    with np.errstate(all="ignore"):
        z = enclose_dense(L, Enclosure(h, np.zeros_like(h), np.array([[0.0, 0.0], [1e-20, 0.0], [np.nan, 0.0]])))
    assert not (z.r[0] < np.inf).any() and not (z.r[2] < np.inf).any()  # the overflowed and the NaN rows
    assert (z.r[1] < 1e-12).all()  # the other point keeps a radius of its own


def test_no_output_replaces_idx_labels_named_the_torchvision_way(tmp_path, capsys):
    """A directory whose IDX files are named train-*.idx?-ubyte (a name load_mnist_idx reads) is protected too."""
    images, labels = _idx_pair(tmp_path)
    images.rename(tmp_path / "train-images.idx3-ubyte")
    labels = labels.rename(tmp_path / "train-labels.idx1-ubyte")
    before = labels.read_bytes()
    code, _, err = _cli(capsys, "build", "--method", "yun-classifier", "--data", tmp_path, "--out", labels)
    assert code == 2 and "refusing to overwrite" in err and labels.read_bytes() == before
