"""Bounded fuzzing of the file loaders: whatever the bytes, loading either works or raises NetworkFileError."""

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import random_network
from memorizers import activations
from memorizers.data import load_npz, save_npz
from memorizers.errors import NetworkFileError
from memorizers.network import Network

FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid_network_bytes():
    buf = io.BytesIO()
    net = random_network(np.random.default_rng(0), [3, 4, 2], activations.relu(), residual=True)
    np.savez(buf, **net.to_arrays())
    return buf.getvalue()


def _valid_data_bytes(tmp_path):
    path = tmp_path / "d.npz"
    save_npz(path, np.ones((4, 3)), np.zeros(4))
    return path.read_bytes()


VALID = _valid_network_bytes()


def _exact_network_bytes():
    """A version-2 file whose layers hold exact parameters (hexadecimal text with /k denominators)."""
    from fractions import Fraction

    from memorizers.network import Dense

    W = np.array([[2**70 + 1, Fraction(3, 2**40)], [-5, 7]], dtype=object)
    net = Network([Dense(W, np.array([1, Fraction(-1, 8)], dtype=object), activations.relu())])
    buf = io.BytesIO()
    np.savez(buf, **net.to_arrays())
    return buf.getvalue()


EXACT = _exact_network_bytes()


def _load_or_file_error(loader, path):
    try:
        loader(path)
    except NetworkFileError:
        pass


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(tmp_path, data):
    path = tmp_path / "f.npz"
    path.write_bytes(data)
    _load_or_file_error(Network.load, path)
    _load_or_file_error(load_npz, path)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, len(VALID)),
)
def test_mutated_network_files(tmp_path, flips, cut):
    for valid in (VALID, EXACT):  # float parameters (version 1 layout) and exact ones (version 2 text)
        data = bytearray(valid)
        for pos, val in flips:
            data[pos % len(data)] = val
        path = tmp_path / "net.npz"
        path.write_bytes(bytes(data[:cut]) if cut < len(data) else bytes(data))
        _load_or_file_error(Network.load, path)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, 10**6),
)
def test_mutated_data_files(tmp_path, flips, cut):
    valid = _valid_data_bytes(tmp_path)
    data = bytearray(valid)
    for pos, val in flips:
        data[pos % len(data)] = val
    path = tmp_path / "data2.npz"
    path.write_bytes(bytes(data[: cut % (len(data) + 1)]))
    _load_or_file_error(load_npz, path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    header=json_values, weight=st.sampled_from([np.ones((2, 3)), np.ones(3), np.array(["a"]), np.ones((2, 3)) * np.nan])
)
def test_malformed_headers_and_arrays(tmp_path, header, weight):
    arrays = random_network(np.random.default_rng(0), [3, 2], activations.relu()).to_arrays()
    good = json.loads(str(arrays["header"]))
    for variant in (header, {**good, "layout": header}, {**good, "meta": header}):
        arrays["header"] = np.array(json.dumps(variant))
        arrays["0.0.weight"] = weight
        path = tmp_path / "h.npz"
        np.savez(path, **arrays)
        _load_or_file_error(Network.load, path)


def test_nonfinite_parameters_are_rejected(tmp_path):
    net = random_network(np.random.default_rng(0), [3, 2], activations.relu())
    arrays = net.to_arrays()
    arrays["0.0.bias"] = np.array([np.inf, 0.0])
    path = tmp_path / "inf.npz"
    np.savez(path, **arrays)
    try:
        Network.load(path)
    except NetworkFileError as e:
        assert "NaN or inf" in str(e)
    else:
        raise AssertionError("a network with inf parameters loaded")


def _patched_central_directory(raw: bytes, offset: int, value: int) -> bytes:
    """The archive with a 2-byte field of its first central-directory entry set to ``value``."""
    data = bytearray(raw)
    at = data.find(b"PK\x01\x02") + offset
    data[at : at + 2] = value.to_bytes(2, "little")
    return bytes(data)


@pytest.mark.parametrize(
    "offset, value, why",
    [
        (8, 1, "marked encrypted"),  # general-purpose flag bit 0
        (10, 1, "compression method zipfile lacks (shrink)"),
        (10, 99, "unknown compression method"),
        (10, 8, "stored bytes read as deflate"),
        (10, 12, "stored bytes read as bzip2"),
        (10, 14, "stored bytes read as lzma"),
    ],
)
@pytest.mark.parametrize("loader", [Network.load, load_npz])
def test_members_zipfile_cannot_read_are_file_errors(tmp_path, offset, value, why, loader):
    """What the fuzzer found: a member marked encrypted raised RuntimeError, an unsupported compression
    method NotImplementedError, instead of NetworkFileError."""
    raw = VALID if loader is Network.load else _valid_data_bytes(tmp_path)
    path = tmp_path / "member.npz"
    path.write_bytes(_patched_central_directory(raw, offset, value))
    with pytest.raises(NetworkFileError, match="corrupt"):
        loader(path)
