"""The MNIST family's IDX files, and certification on real data (Fashion-MNIST)."""

import gzip

import numpy as np
import pytest

from conftest import benchmark
from memorizers import build, verify
from memorizers.data import load_mnist_idx, read_idx
from memorizers.errors import InvalidDataError


def _idx_bytes(a: np.ndarray) -> bytes:
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C, np.dtype(np.float64): 0x0E}[a.dtype]
    header = bytes([0, 0, code, a.ndim]) + np.array(a.shape, dtype=">u4").tobytes()
    return header + a.astype(a.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64])
@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, compressed):
    a = (np.arange(2 * 3 * 4) * 7 % 251).astype(dtype).reshape(2, 3, 4)
    raw = _idx_bytes(a)
    path = tmp_path / ("a.idx.gz" if compressed else "a.idx")
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    np.testing.assert_array_equal(read_idx(path), a)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x02\x08\x01", "bad magic"),
        (bytes([0, 0, 8, 1]) + np.array([5], ">u4").tobytes() + b"abc", "declares shape"),
        (b"\x1f\x8b garbage", "corrupt gzip"),
    ],
)
def test_read_idx_refuses_what_is_not_idx(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(InvalidDataError, match=message):
        read_idx(path)


def _write_split(directory, split, n, rng, suffix=".gz"):
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    for name, a in ((f"{split}-images-idx3-ubyte", images), (f"{split}-labels-idx1-ubyte", labels)):
        raw = _idx_bytes(a)
        (directory / (name + suffix)).write_bytes(gzip.compress(raw) if suffix else raw)
    return images, labels


def test_load_a_directory_and_torchvisions_layout(tmp_path, rng):
    images, labels = _write_split(tmp_path, "train", 7, rng)
    X, y = load_mnist_idx(tmp_path)
    assert X.shape == (7, 784) and X.max() <= 1.0
    np.testing.assert_array_equal(X * 255, images.reshape(7, -1))
    np.testing.assert_array_equal(y, labels)
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    _write_split(raw, "t10k", 5, rng, suffix="")  # torchvision keeps the uncompressed files too
    X, y = load_mnist_idx(raw, split="test")
    assert X.shape == (5, 784)
    X, y = load_mnist_idx(raw / "t10k-images-idx3-ubyte", split="test")  # or the images file itself
    assert len(y) == 5
    with pytest.raises(InvalidDataError, match="no train-images"):
        load_mnist_idx(raw)


def test_fashion_mnist_is_the_standard_split(fashion):
    X, y = fashion
    assert X.shape == (60000, 784) and y.shape == (60000,)
    assert np.bincount(y).tolist() == [6000] * 10
    Xt, yt = load_mnist_idx(split="test")
    assert Xt.shape == (10000, 784) and np.bincount(yt).tolist() == [1000] * 10


@pytest.mark.slow
def test_every_fashion_mnist_point_certified(fashion):
    """Proposition 3.2 on 5000 real images: every label reproduced, and proved, in float64."""
    X, y = fashion[0][:5000], fashion[1][:5000]
    built = build("yun-classifier", X, y, seed=0)
    r = built.report
    assert r.accuracy == 1.0 and r.certified == 1.0 and r.min_margin > 0.9
    r32 = verify(built.network, X, y, dtype="float32", bits=False)
    assert r32.certified <= r32.accuracy


@pytest.mark.slow
def test_the_certificate_benchmark_runs_quick(fashion, capsys):
    """benchmarks/certify.py --quick: every case certified in full, through the public build/verify."""
    rows = benchmark("certify").main(["--quick", "--repeat", "1"])
    assert len(rows) == 3 and all(r["certified"] == 1.0 and r["accuracy"] == 1.0 and r["bits"] for r in rows)
    assert "| yun-classifier Fashion-MNIST 5000 |" in capsys.readouterr().out


@pytest.mark.parametrize("method", ["yun-2layer", "yun-resnet", "yun-classifier"])
def test_section_4_on_real_images_as_given(fashion, method):
    """Section 4 on the digits (deduplicated) and 2000 Fashion-MNIST images as given, no jitter: every label
    reproduced and certified. The digits lie in a 61-dimensional affine subspace and on a lattice, where
    random groups of dx points fail; Baum's choice of each gate's points does not."""
    from memorizers.data import digits

    Xd, yd = digits()
    Xd, keep = np.unique(Xd, axis=0, return_index=True)
    for X, y in ((Xd, yd[keep]), (fashion[0][:2000], fashion[1][:2000])):
        r = build(method, X, y, seed=0, bits=False).report
        assert r.passed and r.accuracy == 1.0 and r.certified == 1.0


def test_baum_on_real_images_as_given(fashion):
    """Proposition 3 on the digits and 2000 Fashion-MNIST images as given (the parity of the class as the 0/1
    label): its slabs' points chosen as Baum's argument allows, every label reproduced and certified."""
    from memorizers.data import digits

    Xd, yd = digits()
    for X, y in ((Xd, yd), (fashion[0][:2000], fashion[1][:2000])):
        r = build("baum", X, (y % 2).astype(float), seed=0, bits=False).report
        assert r.passed and r.accuracy == 1.0 and r.certified == 1.0
