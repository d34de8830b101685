"""Sweeps: grids of (method, architecture, N, seed) jobs, run in parallel, recorded in SQLite.

A :class:`Job` builds one network with a registered construction (or gradient-trains the
architecture, ``method="train"``) on a random dataset of its own and verifies it; the
dataset is drawn from (N, dx, seed) alone by :func:`dataset`, so a job means the same thing
on every machine. :func:`run_sweep` runs the jobs through joblib (``backend="loky"``
processes locally; ``"dask"`` sends them to a ``dask.distributed`` scheduler, and ``"ray"``
runs them as Ray tasks on a Ray cluster, with no other change) and writes one row per job into an SQLite file,
committed the moment the job's result reaches the parent. The row's key is the job's
canonical JSON and the table's primary key, so a sweep killed at any moment, even with
SIGKILL, and started again skips what is recorded, redoes only the jobs that were in
flight, and ends with every job recorded exactly once.

Cluster set-up (see the manual, docs/manual.md): ``pip install 'memorizers[dask]'``; start ``dask scheduler``
on one machine and ``dask worker tcp://HOST:8786`` on each of the others (every worker
needs memorizers installed), then pass ``backend="dask", scheduler="tcp://HOST:8786"``
(CLI: ``--backend dask --scheduler tcp://HOST:8786``). Without a scheduler address a local
dask cluster is started. For Ray: ``pip install ray``, ``ray start --head`` (and
``ray start --address HOST:6379`` on the workers), then ``backend="ray"``.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import kinds
from .errors import MemorizersError

BACKENDS = ("loky", "threading", "dask", "ray")
TRAIN_OPTIONS = ("activation", "recipe", "optimizer", "lr", "epochs", "seconds", "tol", "batch", "dtype", "schedule")
TRAIN_OPTIONS += ("temperature", "kind")

_COLUMNS = {
    "key": "TEXT PRIMARY KEY",
    "method": "TEXT",
    "widths": "TEXT",
    "n": "INTEGER",
    "dx": "INTEGER",
    "seed": "INTEGER",
    "options": "TEXT",
    "passed": "INTEGER",
    "accuracy": "REAL",
    "max_abs_error": "REAL",
    "relative_error": "REAL",
    "hidden_neurons": "INTEGER",
    "total_weight": "REAL",
    "seconds": "REAL",
    "error": "TEXT",
    "worker": "TEXT",  # host:pid that ran the job
    "finished_at": "REAL",
}


@dataclass(frozen=True)
class Job:
    """One build-and-verify: ``method`` on ``dataset(n, dx, seed, labels)`` with hidden ``widths``.

    Make one with ``Job.make``, which checks the method and options and sorts the options.

    Parameters
    ----------
    method : str
        A registered construction, or ``"train"`` (gradient training of the architecture).
    widths : tuple of int or None
        Hidden widths; None: the theorem's smallest.
    n, dx : int
        The dataset's points and dimension.
    seed : int
        The dataset's seed (and the construction's).
    options : tuple
        Further construction options as sorted (name, value) pairs of JSON values (for ``method="train"``:
        activation, recipe, optimizer, lr, epochs, seconds, tol, ...).
    """

    method: str
    widths: tuple[int, ...] | None
    n: int
    dx: int
    seed: int
    options: tuple = field(default=())  # sorted (name, value) pairs

    @classmethod
    def make(cls, method, widths, n, dx, seed, **options) -> "Job":
        from .build import option_names
        from .constructions import METHODS

        if method != "train" and method not in METHODS:
            raise MemorizersError(f"unknown method {method!r}; known: {', '.join(METHODS)}, train")
        takes = (
            set(TRAIN_OPTIONS)
            if method == "train"
            else set(option_names(method)) - {"widths", "seed"} | {"tol", "kind"}
        )
        unknown = sorted(set(options) - takes - {"labels", "classes"})
        if unknown:  # before any job runs, not as a failed row per job
            raise MemorizersError(
                f"{method} takes no option {', '.join(unknown)}; its options: {', '.join(sorted(takes))}"
            )
        if int(n) < 1 or int(dx) < 1:
            raise MemorizersError(f"N and dx must be positive, got N = {n}, dx = {dx}")
        if method == "train":  # the recipe's every setting goes into the key: a file written under other
            # defaults (an earlier recipe) is not resumed as if it were this one
            from .training import RECIPES

            recipe = options.get("recipe", "strong")
            if recipe not in RECIPES:
                raise MemorizersError(f"recipe must be one of {', '.join(RECIPES)}; got {recipe!r}")
            options = {**RECIPES[recipe], **options, "recipe": recipe}
        try:
            json.dumps(options)  # options are part of the key: JSON values only
        except TypeError as e:
            raise MemorizersError(
                f"job options must be JSON values (name activations, e.g. activation='relu'): {e}"
            ) from None
        return cls(
            method,
            None if widths is None else tuple(int(w) for w in widths),
            int(n),
            int(dx),
            int(seed),
            tuple(sorted(options.items())),
        )

    @property
    def key(self) -> str:
        return json.dumps({**asdict(self), "options": dict(self.options)}, sort_keys=True, separators=(",", ":"))


def label_kind(method: str, options: dict) -> str:
    """The label kind a job's dataset gets: the method's (METHODS), or options["labels"] (train: real by default)."""
    from .constructions import METHODS

    if "labels" in options:
        return options["labels"]
    return "real" if method == "train" else METHODS[method].kind


def dataset(n: int, dx: int, seed: int, labels: str = "real", classes: int = 2):
    """N points uniform on the unit sphere S^{dx-1} and random labels of the given kind.

    Drawn from (seed, n, dx) alone, so a job means the same thing on every machine.

    Parameters
    ----------
    n : int
        Points.
    dx : int
        Dimension.
    seed : int
        The seed.
    labels : str
        The label kind: real: U[-1, 1]; binary: {0, 1}; sign and relative: +-1; onehot and index: class ids in
        [0, classes).
    classes : int
        Classes of onehot and index labels.

    Returns
    -------
    X : numpy.ndarray, shape (n, dx)
        The points.
    y : numpy.ndarray, shape (n,)
        The labels.
    """
    kinds.kind(labels)  # an unknown kind: InvalidDataError naming the known ones
    rng = np.random.default_rng([seed, n, dx])
    X = rng.standard_normal((n, dx))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    if labels == "real":
        y = rng.uniform(-1, 1, n)
    elif labels == "binary":
        y = rng.integers(0, 2, n).astype(float)
    elif labels in ("onehot", "index"):
        y = rng.integers(0, classes, n)
    else:
        y = rng.choice([-1.0, 1.0], n)
    return X, y


def _train(job: Job, X, y, options: dict, kind: str):
    from .activations import by_name, identity
    from .network import Dense, Network
    from .training import train

    act = by_name(options.pop("activation", "relu"))
    if job.widths is None:
        raise MemorizersError("method 'train' needs widths")
    n_out = int(np.max(y)) + 1 if kind == "onehot" else 1
    sizes = (job.dx, *job.widths)
    layers = [Dense(np.zeros((b, a)), np.zeros(b), act) for a, b in zip(sizes[:-1], sizes[1:])]
    template = Network(layers + [Dense(np.zeros((n_out, sizes[-1])), np.zeros(n_out), identity())])
    result = train(template, X, y, kind=kind, seed=job.seed, progress=False, **options)
    return result.network, result.report


def run_job(job: Job) -> dict:
    """Build and verify one job; the result row (a failure to build is a row too, with its error)."""
    from .build import build
    from .errors import VerificationError

    options = dict(job.options)
    kind = label_kind(job.method, options)
    options.pop("labels", None)
    X, y = dataset(job.n, job.dx, job.seed, kind, options.pop("classes", 2))
    row = {
        "key": job.key,
        "method": job.method,
        "widths": json.dumps(job.widths),
        "n": job.n,
        "dx": job.dx,
        "seed": job.seed,
    }
    row["options"] = json.dumps(dict(job.options), sort_keys=True)
    start = time.perf_counter()
    try:
        if job.method == "train":
            network, report = _train(job, X, y, options, kind)
        else:
            if job.widths is not None:
                options["widths"] = job.widths
            built = build(job.method, X, y, seed=job.seed, on_failure="return", bits=False, **options)
            network, report = built.network, built.report
        s = network.stats()
        row.update(
            passed=int(report.passed),
            accuracy=report.accuracy,
            max_abs_error=report.max_abs_error,
            relative_error=report.relative_error,
            hidden_neurons=s["hidden_neurons"],
            total_weight=s["total_weight"],
            error=None,
        )
    except (MemorizersError, VerificationError) as e:  # too small, too close, not in general position...
        row.update(
            passed=0, accuracy=None, max_abs_error=None, relative_error=None, hidden_neurons=None, total_weight=None
        )
        row["error"] = f"{type(e).__name__}: {e}"
    row["seconds"] = time.perf_counter() - start
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row


class ResultStore:
    """The SQLite file of a sweep: one row per finished job, committed as it arrives.

    Parameters
    ----------
    path : path-like
        The file (created if absent).
    """

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"CREATE TABLE IF NOT EXISTS jobs ({', '.join(f'{k} {t}' for k, t in _COLUMNS.items())})")
            self.db.commit()
        except (OSError, sqlite3.Error) as e:  # a folder, another kind of file, a place that cannot be written
            raise MemorizersError(
                f"--db {path}: not a sweep's results database that can be opened here ({e})"
            ) from None

    def done(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM jobs")}

    def record(self, row: dict) -> None:
        row = {**row, "finished_at": time.time()}
        cols = list(_COLUMNS)
        self.db.execute(
            f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", [row.get(c) for c in cols]
        )
        self.db.commit()

    def rows(self, keys=None) -> list[dict]:
        cur = self.db.execute("SELECT * FROM jobs ORDER BY finished_at")
        names = [c[0] for c in cur.description]
        out = [dict(zip(names, r)) for r in cur]
        return out if keys is None else [r for r in out if r["key"] in keys]

    def close(self) -> None:
        self.db.close()


def _results(todo: list, backend: str, scheduler: str | None, n_jobs: int):
    """The jobs' rows, in the order they finish, from the backend's workers."""
    import contextlib

    import joblib

    if backend not in BACKENDS:
        raise MemorizersError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if backend == "ray":  # Ray's own tasks: its joblib backend cannot yield results as they finish
        try:
            import ray
        except ImportError as e:
            raise MemorizersError("the ray backend needs ray: pip install ray") from e
        try:
            ray.init(address=scheduler, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        except (OSError, RuntimeError) as e:  # ConnectionError is an OSError
            raise MemorizersError(f"--scheduler {scheduler}: cannot reach the Ray cluster ({e})") from None
        task = ray.remote(run_job)
        pending = [task.remote(j) for j in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield from ray.get(done)
        return
    with contextlib.ExitStack() as stack:
        if backend == "dask":
            try:
                from dask.distributed import Client
            except ImportError as e:
                raise MemorizersError("the dask backend needs dask.distributed: pip install 'memorizers[dask]'") from e
            try:
                client = Client(scheduler) if scheduler else Client(processes=False)
            except OSError as e:  # TimeoutError too: nothing answers at that address
                raise MemorizersError(f"--scheduler {scheduler}: cannot reach the dask scheduler ({e})") from None
            stack.enter_context(client)
        stack.enter_context(joblib.parallel_config(backend=backend))
        yield from joblib.Parallel(n_jobs=n_jobs if len(todo) > 1 else 1, return_as="generator_unordered")(
            joblib.delayed(run_job)(j) for j in todo
        )


def run_sweep(
    jobs, db, *, n_jobs: int = 1, backend: str = "loky", scheduler: str | None = None, progress: bool = True
) -> list[dict]:
    """Run every job not yet in the SQLite file ``db``; return the rows of all ``jobs``.

    Each result is committed as soon as it arrives, in whatever order the jobs finish, so the same call
    resumes an interrupted sweep.

    Parameters
    ----------
    jobs : iterable of Job
        The grid (a job listed twice is one job).
    db : path-like
        The SQLite file of results.
    n_jobs : int
        Parallel workers (-1: all cores; with dask or ray, the cluster decides).
    backend : {"loky", "threading", "dask", "ray"}
        Local processes, threads, a ``dask.distributed`` scheduler, or Ray tasks.
    scheduler : str, optional
        The dask scheduler's or the Ray cluster's address (default: a local one).
    progress : bool
        A progress bar over the jobs (on a terminal only).

    Returns
    -------
    list of dict
        One row per job: the job, whether it passed, accuracy, errors, hidden neurons, total weight, the error
        of a build that raised, seconds and the worker (host:pid) that ran it.
    """
    jobs = list(dict.fromkeys(jobs))  # a job listed twice is one job
    store = ResultStore(db)
    try:
        done = store.done()
        todo = [j for j in jobs if j.key not in done]
        if todo:
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc="sweep", unit="job", disable=None)
            for row in _results(todo, backend, scheduler, n_jobs):
                store.record(row)
                if bar is not None:
                    bar.update()
            if bar is not None:
                bar.close()
        return store.rows({j.key for j in jobs})
    finally:
        store.close()
