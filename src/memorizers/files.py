"""Files: reading .npz archives, writing atomically without replacing what must not be, and strict JSON.

The ground floor of the package: it imports nothing of memorizers but its errors, so every module that reads or
writes a file (the network, the data loaders, the CLI, the experiments) uses these few functions.
"""

from __future__ import annotations

import json
import lzma
import math
import os
import tempfile
import zipfile
import zlib

import numpy as np

from .errors import NetworkFileError

# What reading a damaged archive raises: zipfile's own errors, a decompressor's, and for a member marked
# encrypted (RuntimeError) or with a compression method zipfile lacks (NotImplementedError).
_UNREADABLE = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, lzma.LZMAError)
_UNREADABLE += (RuntimeError, NotImplementedError)


def read_npz(path, what: str) -> dict[str, np.ndarray]:
    """All arrays of an .npz archive, or NetworkFileError saying why the file cannot be read."""
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise NetworkFileError(f"{path}: no such file") from None
    except _UNREADABLE as e:
        raise NetworkFileError(f"{path}: not a readable .npz {what} file ({e})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise NetworkFileError(f"{path}: expected an .npz archive ({what} file), got a plain .npy array")
    try:
        with f:
            return {k: f[k] for k in f.files}
    except MemoryError as e:
        raise NetworkFileError(
            f"{path}: an array in this {what} file is larger than the memory available ({e})"
        ) from None
    except _UNREADABLE as e:
        raise NetworkFileError(f"{path}: corrupt {what} file ({e})") from None


def output_path(path) -> str:
    """Where a write to ``path`` lands: through a symlink to its target; a path that exists and is not a
    regular file (a directory, a device, a pipe) is refused with NetworkFileError, never replaced."""
    target = os.path.realpath(os.fspath(path))
    if os.path.exists(target) and not os.path.isfile(target):
        kind = "a directory" if os.path.isdir(target) else "not a regular file"
        raise NetworkFileError(f"{os.fspath(path)} is {kind}; refusing to replace it (give a file path)")
    folder = os.path.dirname(target)
    while not os.path.exists(folder):  # the nearest folder that exists: the missing ones are created in it
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise NetworkFileError(f"{os.fspath(path)}: {folder} is a file, so no folder can be made there")
    return target


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that an interrupted write never leaves a partial file there.

    Writes through symlinks, refuses to replace anything but a regular file (:func:`output_path`),
    creates missing parent directories, and leaves the file with the mode a plain open() would
    give it (the umask's, or the mode of the file it replaces).
    """
    target = output_path(path)
    directory = os.path.dirname(target)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise NetworkFileError(f"{os.fspath(path)}: cannot create the folder {directory} ({e.strerror})") from None
    mode = os.stat(target).st_mode & 0o777 if os.path.exists(target) else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def json_text(o) -> str:
    """Strict JSON of a report (RFC 8259, which ``JSON.parse`` and every other reader take): numpy values as
    numbers and lists, and non-finite numbers (an infinite bound, a NaN margin) as null."""
    return json.dumps(_finite_or_null(o), default=json_default, allow_nan=False)


def _finite_or_null(o):
    if isinstance(o, dict):
        return {k: _finite_or_null(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite_or_null(v) for v in o]
    if isinstance(o, (np.ndarray, np.generic)):
        return _finite_or_null(o.tolist())
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def json_default(o):
    """JSON for numpy scalars and arrays (network metadata, CLI reports)."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot write {type(o).__name__} as JSON")
