"""Datasets: validation at the boundary, loaders and generators.

Every construction calls ``check_dataset`` once, so the same mistake gets the same
error everywhere.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from dataclasses import dataclass

import numpy as np

from .errors import (
    DuplicatePointsError,
    InvalidDataError,
    MissingDependencyError,
    NetworkFileError,
    TooLargeError,
    WidthError,
)
from .files import atomic_write_bytes, read_npz
from .kinds import rows_float64_cannot_hold


def as_array(a, error: str, dtype=None) -> np.ndarray:
    """np.asarray(a, dtype); values that are not numbers, or rows of unequal length, raise the one-line
    InvalidDataError "``error``: numpy's reason" instead of a traceback."""
    try:
        return np.asarray(a, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise InvalidDataError(f"{error}: {e}") from None


def check_finite(a: np.ndarray, name: str) -> None:
    """InvalidDataError naming the rows of a (N, d) array that hold NaN or inf."""
    bad = ~np.isfinite(a).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise InvalidDataError(f"{name} has NaN or inf in {len(rows)} row(s), first: {_head(rows)}")


def check_dataset(X, y, *, label_range: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert a dataset; returns X as float64 (N, dx) and y as float64 (N, dy).

    Raises InvalidDataError for empty data, wrong shapes, mismatched N, NaN/inf in X or y,
    or labels outside ``label_range`` (inclusive), naming the offending rows.
    """
    X0, y0 = as_array(X, "data is not numeric"), as_array(y, "data is not numeric")
    for name, a in (("X", X0), ("y", y0)):
        if np.iscomplexobj(a):
            raise InvalidDataError(
                f"{name} holds complex numbers; give real data (e.g. the real and imaginary parts as features)"
            )
    if X0.dtype.kind in "iu" and X0.size and (X0.max() > 2**53 or X0.min() < -(2**53)):
        raise InvalidDataError(
            "X holds integers beyond 2^53, which float64 (the networks' arithmetic) cannot tell apart; rescale X"
        )
    for name, a in (("X", X0), ("y", y0)):  # the network is built for, and judged on, the data as given
        lost = rows_float64_cannot_hold(a) if a.dtype.kind in "iuf" and a.ndim else np.zeros(1, bool)
        if lost.any():
            raise InvalidDataError(
                f"{name}[{int(np.flatnonzero(lost)[0])}] holds a value that float64 (the networks' arithmetic) "
                "cannot hold exactly; give values that float64 holds (integers up to 2^53)"
            )
    X, y = as_array(X0, "data is not numeric", np.float64), as_array(y0, "data is not numeric", np.float64)
    if X.ndim != 2:
        raise InvalidDataError(f"X must be a 2-D array (N points x dx features); got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise InvalidDataError(f"X is empty (shape {X.shape})")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] == 0:
        raise InvalidDataError(f"y must have shape (N,) or (N, dy); got {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise InvalidDataError(f"X has {X.shape[0]} points but y has {y.shape[0]} labels")
    check_finite(X, "X")
    check_finite(y, "y")
    if label_range is not None:
        lo, hi = label_range
        out = ((y < lo) | (y > hi)).any(axis=1)
        if out.any():
            rows = np.flatnonzero(out)
            raise InvalidDataError(
                f"labels must lie in [{lo:g}, {hi:g}]; {len(rows)} row(s) do not, first: {_head(rows)} "
                f"(e.g. y[{rows[0]}] = {y[rows[0]].tolist()})"
            )
    return X, y


_COUNT = {1: "one", 2: "two", 3: "three"}


def check_widths(widths, what: str, count: int | None = None, at_least: int = 1) -> tuple[int, ...]:
    """Hidden widths as a tuple of positive ints: exactly ``count`` of them, or at least ``at_least``.

    An int is one width. Raises WidthError "<what> takes <n> positive integer width(s); got ...".
    """
    seq = (widths,) if np.ndim(widths) == 0 else tuple(widths)
    desc = _COUNT.get(count, str(count)) if count is not None else f"{_COUNT.get(at_least, at_least)} or more"
    plural = "" if count == 1 else "s"
    try:
        out = tuple(int(w) for w in seq)
        ok = all(o == w and o >= 1 for o, w in zip(out, seq))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or (len(seq) != count if count is not None else len(seq) < at_least):
        raise WidthError(f"{what} takes {desc} positive integer width{plural}; got {widths!r}")
    return out


def one_hidden_width(widths, need: int, what: str, needs: str) -> int:
    """The one hidden width of a one-hidden-layer construction that needs ``need`` units: ``need`` by
    default; a given width is checked (:func:`check_widths`) and must be at least ``need``, else WidthError
    "<needs>; width <k> is too small", carrying ``need`` as the smallest width that works."""
    k = need if widths is None else check_widths(widths, what, count=1)[0]
    if k < need:
        raise WidthError(f"{needs}; width {k} is too small", (need,))
    return k


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable on Linux, else physical pages)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63


def check_memory(n_bytes: float, what: str) -> None:
    """Fail early, with the estimate, when ``what`` would need more than the memory available."""
    have = available_memory()
    if n_bytes > 0.8 * have:  # leave room for the copies numpy makes along the way
        raise TooLargeError(
            f"{what} needs about {n_bytes / 2**30:.1f} GiB of memory; {have / 2**30:.1f} GiB is available"
        )


def find_duplicates(X: np.ndarray) -> list[list[int]]:
    """Groups of indices whose rows of X are identical (as numbers, so -0.0 == 0.0).

    Sorts one random projection (fixed seed), then compares rows exactly only inside the
    runs of projections closer than their rounding error: O(N dx + N log N).
    """
    N, dx = X.shape
    g = np.random.default_rng(12345).standard_normal(dx)
    c = X @ g
    order = np.argsort(c, kind="stable")
    # the largest row sum of |X|, a block of rows at a time: one N x dx temporary would cost its page faults
    row_sum = max((np.abs(X[s : s + 1024]).sum(axis=1).max() for s in range(0, N, 1024)), default=0.0)
    tol = 4 * dx * np.finfo(np.float64).eps * np.abs(g).max() * row_sum
    close = np.diff(c[order]) <= tol
    groups: list[list[int]] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[False], close, [False]]).astype(np.int8)))
    for start, stop in zip(edges[::2], edges[1::2]):  # run of close pairs -> points start..stop
        idx = order[start : stop + 1]
        sub = X[idx] + 0.0
        by_row = np.lexsort(sub.T[::-1])
        same = (sub[by_row][1:] == sub[by_row][:-1]).all(axis=1)
        run: list[int] = [int(idx[by_row[0]])]
        for k, eq in enumerate(same, start=1):
            if eq:
                run.append(int(idx[by_row[k]]))
            else:
                if len(run) > 1:
                    groups.append(sorted(run))
                run = [int(idx[by_row[k]])]
        if len(run) > 1:
            groups.append(sorted(run))
    return sorted(groups)


def check_positive(value, name: str, below: float | None = None) -> float:
    """A finite number > 0 (and < ``below`` when given), or InvalidDataError naming the option."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (np.isfinite(v) and v > 0 and (below is None or v < below)):
        where = f"in (0, {below:g})" if below is not None else "a positive finite number"
        raise InvalidDataError(f"{name} must be {where}; got {value!r}")
    return v


def check_count(value, name: str) -> int:
    """A positive integer (an int, or a float or text that is one), or InvalidDataError naming the option."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (np.isfinite(v) and v >= 1 and v == int(v)) or isinstance(value, bool):
        raise InvalidDataError(f"{name} must be a positive integer; got {value!r}")
    return int(v)


def jitter(X, scale: float, seed=None) -> np.ndarray:
    """X plus Gaussian noise of standard deviation ``scale`` times each column's standard deviation
    (1 for a constant column): the remedy for data that is not in general position."""
    X = np.asarray(X, dtype=np.float64)
    if not (np.isfinite(scale) and scale > 0):
        raise InvalidDataError(f"jitter must be a positive number; got {scale}")
    spread = X.std(axis=0)
    spread[spread == 0] = 1.0
    return X + scale * spread * np.random.default_rng(seed).standard_normal(X.shape)


def general_position_error(j: int, S, distance: float, what: str) -> InvalidDataError:
    """The one message for data that is not in general position: which point, how many on the hyperplane."""
    S = sorted(np.asarray(S).tolist())
    through = f"[{_head(S, 5)}]" + (f" ({len(S)} points)" if len(S) > 5 else "")
    return InvalidDataError(
        f"data not in general position: point {j} lies on the hyperplane through points {through} "
        f"(distance {distance:.2e}); {what}; yun-classifier and yun-3layer need only distinct points "
        "(build --jitter SCALE builds for noisy X and keeps the network only if it memorizes X as given)"
    )


def check_distinct(X: np.ndarray) -> None:
    """Raise DuplicatePointsError, naming the indices, if any two rows of X coincide."""
    groups = find_duplicates(X)
    if groups:
        shown = "; ".join(str(g) for g in groups[:5])
        more = f" and {len(groups) - 5} more group(s)" if len(groups) > 5 else ""
        raise DuplicatePointsError(f"inputs must be distinct; duplicate points at indices {shown}{more}", groups)


def load_npz(path) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset file: .npz with arrays ``X`` (N x dx) and ``y`` (N or N x dy)."""
    arrays = _npz_arrays(path, ("X", "y"))
    return arrays["X"], arrays["y"]


def _npz_arrays(path, need) -> dict[str, np.ndarray]:
    arrays = read_npz(path, "data")
    missing = [k for k in need if k not in arrays]
    if missing:
        have = ", ".join(arrays) or "none"
        raise NetworkFileError(f"{path}: data file lacks array(s) {', '.join(missing)} (has: {have})")
    return arrays


@dataclass
class Dataset:
    """What :func:`load_data` read.

    Parameters
    ----------
    X : numpy.ndarray, shape (N, dx)
        The features.
    y : numpy.ndarray or None
        The labels (None when the file has none).
    feature_names : list of str, optional
        A CSV/TSV table's feature columns.
    target_name : str, optional
        A table's label column.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str] | None = None
    target_name: str | None = None


DATA_FORMATS = ".npz (arrays X, y), .npy (X; labels from a second .npy), .csv/.tsv with a header, IDX images (.gz)"


def load_data(
    path, *, labels=None, target=None, features: list[str] | None = None, need_labels: bool = True
) -> Dataset:
    """Read a dataset in the formats people have; the CLI's ``--data`` (see ``DATA_FORMATS``).

    * ``.npz``: arrays ``X`` (N x dx) and ``y`` (N or N x dy); ``y`` may be absent when not needed.
    * ``.npy``: X alone; the labels come from ``labels`` (another ``.npy``), if given.
    * ``.csv``, ``.tsv`` (any other extension: the delimiter is sniffed): a header row, then one row per
      point; the columns other than the label's are the features, which must be numbers. Class labels may
      be strings.
    * The MNIST family's IDX files: the images file (``...-images-idx3-ubyte[.gz]``) or a directory
      holding them (the ``train`` split); the labels file is found beside it.

    Parameters
    ----------
    path : path-like
        The data file (or an IDX directory).
    labels : path-like, optional
        A ``.npy`` of labels for a ``.npy`` of points.
    target : str or int, optional
        A table's label column, by header name or index (default the last column when labels are needed).
    features : list of str, optional
        Take exactly these columns of a table (by header name), as recorded by a build.
    need_labels : bool
        False reads points without labels (for predict): a table then has no label column by default.

    Returns
    -------
    Dataset
        X (N, dx) float64, y (or None), and the feature names of a table.

    Raises
    ------
    InvalidDataError
        No such file, a format it does not read, or contents that are not a dataset (one line saying which).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InvalidDataError(f"{path}: no such file")
    name = os.path.basename(path).lower()
    if os.path.isdir(path) or "idx3" in name:
        X, y = load_mnist_idx(path)
        return Dataset(X, y)
    if labels is not None and not name.endswith(".npy"):
        raise InvalidDataError("--labels goes with a .npy file of X; an .npz or CSV file holds its labels itself")
    if name.endswith(".npz"):
        arrays = _npz_arrays(path, ("X", "y") if need_labels else ("X",))
        return Dataset(arrays["X"], arrays.get("y"))
    if name.endswith(".npy"):
        X = _read_npy(path)
        y = _read_npy(labels) if labels is not None else None
        if need_labels and y is None:
            raise InvalidDataError(
                f"{path} holds X only: give the labels as --labels y.npy (or use an .npz with X and y)"
            )
        return Dataset(X, y)
    return _read_table(path, target, features, need_labels)


def input_files(path, labels=None) -> list[str]:
    """Every file :func:`load_data` reads for ``path`` and ``labels``: for IDX data, the images and the labels
    beside them (both splits of a directory), which a command's output must never replace."""
    if path is None:
        return []
    path = os.fspath(path)
    files = [path] + ([os.fspath(labels)] if labels is not None else [])
    if os.path.isdir(path):
        for split in ("train", "t10k"):
            for stem in (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"):
                files += [f for f in _idx_candidates(path, stem) if os.path.exists(f)]
    elif "idx3" in os.path.basename(path).lower():
        files.append(_labels_beside(path))
    return files


def _read_npy(path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InvalidDataError(f"{path}: no such file") from None
    except MemoryError:
        raise InvalidDataError(f"{path}: the array it declares does not fit in memory") from None
    except (OSError, ValueError, EOFError) as e:
        raise InvalidDataError(f"{path}: not a readable .npy array ({e})") from None


def _read_table(path: str, target, features, need_labels: bool) -> Dataset:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise InvalidDataError(f"{path}: not a text table (give .npz, .npy, .csv, .tsv or IDX data)") from None
    except OSError as e:
        raise InvalidDataError(f"{path}: cannot read ({e.strerror})") from None
    if path.lower().endswith(".tsv"):
        delimiter = "\t"
    elif path.lower().endswith(".csv"):
        delimiter = ","
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t; ").delimiter
        except csv.Error:
            raise InvalidDataError(f"{path}: unknown format (give .npz, .npy, .csv, .tsv or IDX data)") from None
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    if len(rows) < 2:
        raise InvalidDataError(f"{path}: a table needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if all(_is_number(h) for h in header):
        raise InvalidDataError(f"{path}: the first row must be a header naming the columns")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:  # a network records its features by name: two columns of one name could not be told apart
        raise InvalidDataError(
            f"{path}: the header names column(s) {', '.join(map(repr, repeated[:5]))} more than once"
        )
    widths = {len(r) for r in rows[1:]}
    if widths != {len(header)}:
        bad = next(i for i, r in enumerate(rows[1:], start=2) if len(r) != len(header))
        raise InvalidDataError(f"{path}: line {bad} has {len(rows[bad - 1])} fields but the header has {len(header)}")
    table = np.array(rows[1:], dtype=str)
    if target is None and need_labels:
        target = len(header) - 1
    if not need_labels and isinstance(target, str) and target not in header:  # new data, unlabelled: no target
        target = None
    column = None if target is None else _column(header, target, path)
    if features is not None:
        missing = [c for c in features if c not in header]
        if missing:
            raise InvalidDataError(
                f"{path}: lacks the feature column(s) the network was built on: {', '.join(missing[:5])}"
            )
        keep = [header.index(c) for c in features]
        if column in keep:
            raise InvalidDataError(f"{path}: --target {header[column]!r} is one of the network's feature columns")
    else:
        keep = [i for i in range(len(header)) if i != column]
    if not keep:
        raise InvalidDataError(f"{path}: no feature columns besides the target")
    try:
        X = np.char.strip(table[:, keep]).astype(np.float64)
    except ValueError:
        bad = next(j for j in keep if not all(_is_number(v) for v in table[:, j]))
        value = next(v for v in table[:, bad] if not _is_number(v))
        raise InvalidDataError(
            f"{path}: feature column {header[bad]!r} holds {value!r}, not a number (only the target may hold text)"
        ) from None
    y = None
    if column is not None:
        raw = np.char.strip(table[:, column])
        y = raw.astype(np.float64) if all(_is_number(v) for v in raw) else raw
    return Dataset(X, y, [header[i] for i in keep], None if column is None else header[column])


def _column(header: list[str], target, path: str) -> int:
    if isinstance(target, (int, np.integer)) or (
        isinstance(target, str) and target.lstrip("-").isdigit() and target not in header
    ):
        i = int(target)
        if not -len(header) <= i < len(header):
            raise InvalidDataError(f"{path}: --target {target} is out of range for {len(header)} columns")
        return i % len(header)
    if target not in header:
        raise InvalidDataError(f"{path}: no column {target!r}; columns: {', '.join(header[:20])}")
    return header.index(target)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def save_npz(path, X, y) -> None:
    """Write a dataset file atomically."""
    buf = io.BytesIO()
    np.savez(buf, X=np.asarray(X), y=np.asarray(y))
    atomic_write_bytes(path, buf.getvalue())


def gaussian_regression(n: int, dx: int, dy: int = 1, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(0, I_dx), y uniform in [-1, 1]^dy (shape (n,) when dy == 1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dx))
    y = rng.uniform(-1.0, 1.0, size=(n, dy) if dy > 1 else n)
    return X, y


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 points, 64 features, classes 0-9); needs scikit-learn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingDependencyError("the digits dataset needs scikit-learn: pip install 'memorizers[demo]'") from None
    d = load_digits()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def _head(rows, k: int = 10) -> str:
    s = ", ".join(str(int(r)) for r in rows[:k])
    return s + (", ..." if len(rows) > k else "")


# -- the MNIST family's IDX files ------------------------------------------------------------

FASHION_MNIST_DIRS = (
    "/usr/share/datasets/fashion-mnist",  # Debian's dataset-fashion-mnist
    "~/.cache/memorizers/fashion-mnist",
    "~/data/FashionMNIST/raw",  # torchvision's usual layout
    "./data/FashionMNIST/raw",
)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """An array from an IDX file (the MNIST family's format), plain or gzip-compressed.

    The header is two zero bytes, a type code and the number of dimensions, then one
    big-endian uint32 per dimension (LeCun et al.'s format description).
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise InvalidDataError(f"{path}: no such file") from None
    except OSError as e:
        raise InvalidDataError(f"{path}: cannot read ({e.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise InvalidDataError(f"{path}: corrupt gzip data ({e})") from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_TYPES:
        raise InvalidDataError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(v) for v in np.frombuffer(raw[4:header], dtype=">u4")) if ndim else ()
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise InvalidDataError(
            f"{path}: the header declares shape {shape} but the file holds {len(raw) - header} bytes"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist_idx(path=None, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of an MNIST-family split: X (N, 784) float64 in [0, 1], y (N,) class ids.

    Without a path, Fashion-MNIST is looked for in ``FASHION_MNIST_DIRS`` (Debian's package
    ``dataset-fashion-mnist`` installs it in the first).

    Parameters
    ----------
    path : path-like, optional
        A directory holding ``{split}-images-idx3-ubyte[.gz]`` and the matching labels, or the images file.
    split : {"train", "test", "t10k"}
        Which split (``test`` means ``t10k``).

    Returns
    -------
    X : numpy.ndarray, shape (N, 784)
        The images, float64 in [0, 1].
    y : numpy.ndarray, shape (N,)
        Their class ids.

    Raises
    ------
    InvalidDataError
        An unknown split, no files found, or files that are not IDX.
    """
    split = {"test": "t10k"}.get(split, split)
    if split not in ("train", "t10k"):
        raise InvalidDataError(f"split must be 'train' or 'test' (t10k); got {split!r}")
    if path is None:
        found = [d for d in map(os.path.expanduser, FASHION_MNIST_DIRS) if os.path.isdir(d)]
        if not found:
            raise InvalidDataError(
                "Fashion-MNIST not found in "
                + ", ".join(FASHION_MNIST_DIRS)
                + "; install Debian's dataset-fashion-mnist or pass the directory"
            )
        path = found[0]
    path = os.fspath(path)
    if os.path.isdir(path):
        images = _idx_file(path, f"{split}-images-idx3-ubyte")
        labels = _idx_file(path, f"{split}-labels-idx1-ubyte")
    else:
        images = path
        labels = _labels_beside(path)
        if labels == images:
            raise InvalidDataError(
                f"{path}: cannot tell the labels file from an images file name without 'images-idx3'"
            )
    X, y = read_idx(images), read_idx(labels)
    if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
        raise InvalidDataError(f"{images}: images {X.shape} and labels {y.shape} do not match")
    return X.reshape(len(X), -1).astype(np.float64) / 255.0, y.astype(np.int64)


def _idx_candidates(directory: str, stem: str) -> list[str]:
    """The names an IDX file of ``stem`` goes by in a directory, in the order they are looked for."""
    names = (stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx"))
    return [os.path.join(directory, name) for name in names]


def _idx_file(directory: str, stem: str) -> str:
    for candidate in _idx_candidates(directory, stem):
        if os.path.exists(candidate):
            return candidate
    raise InvalidDataError(f"{directory}: no {stem}[.gz]")


def _labels_beside(images: str) -> str:
    """The labels file of an IDX images file (the same name with labels-idx1 for images-idx3)."""
    return images.replace("images-idx3", "labels-idx1")
