"""The package's layers: the frozen method -> kind map of the file reader agrees with the registry, and the
layer contract (no import cycle, imports inside functions counted) holds."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from memorizers.constructions import METHODS
from memorizers.network import _KIND_OF_METHOD, Dense, Network, current_meta
from memorizers.verify import recorded_kind_and_tol


def test_the_file_readers_kinds_are_the_registrys():
    """Older files get their label kind from a frozen map, so verify need not import the constructions."""
    assert _KIND_OF_METHOD == {name: m.kind for name, m in METHODS.items() if name in _KIND_OF_METHOD}
    assert set(_KIND_OF_METHOD) <= set(METHODS)


def test_an_older_file_gets_its_kind_and_tolerance(tmp_path):
    net = Network([Dense(np.ones((1, 2)), np.zeros(1))], {"method": "ntk", "eps": 0.01})
    net.save(tmp_path / "n.npz")
    assert recorded_kind_and_tol(Network.load(tmp_path / "n.npz")) == ("relative", 0.01)
    assert recorded_kind_and_tol(net) == ("relative", 0.01)  # one built in memory, too
    assert current_meta({"method": "yun-3layer", "kind": "onehot"})["kind"] == "onehot"  # recorded wins


def test_no_import_cycles():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (make test installs it)")
    root = Path(__file__).parent.parent
    done = subprocess.run([lint, "--no-cache"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]


def test_build_encodes_the_labels_once_and_verify_scores_that_value(monkeypatch):
    """One labels value crosses the boundary: build encodes the user's labels once, the construction and verify
    get the same value, and verify given it scores what it scores on the labels as the user has them."""
    from memorizers import build, labels, verify

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((120, 4)), rng.choice(["cat", "dog", "eel"], 120)
    calls = []
    encode = labels.encode
    monkeypatch.setattr(labels, "encode", lambda *a, **k: calls.append(a[1]) or encode(*a, **k))
    built = build("yun-classifier", X, y, seed=0, bits=False)
    assert calls == ["onehot"]  # once, in build
    given = labels.for_network(built.network, y, "onehot")
    assert isinstance(given, labels.Labels) and given.classes == ["cat", "dog", "eel"]
    assert labels.for_network(built.network, given, "onehot") is given  # encoded labels pass through
    raw, encoded = verify(built.network, X, y, bits=False), verify(built.network, X, given, bits=False)
    assert np.array_equal(raw.margins, encoded.margins) and np.array_equal(raw.bounds, encoded.bounds)
    assert raw.certified == encoded.certified == built.report.certified == 1.0
    with pytest.raises(labels.InvalidDataError, match="cannot be scored as kind 'index'"):
        labels.for_network(built.network, given, "index")
