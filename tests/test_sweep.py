"""Sweeps into SQLite (resumable, exactly once, even after SIGKILL), the dask backend, and capacity search."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from memorizers.capacity import capacity
from memorizers.cli import main
from memorizers.errors import MemorizersError
from memorizers.sweep import Job, dataset, run_job, run_sweep


def test_dataset_is_a_function_of_its_arguments():
    X, y = dataset(50, 5, 3, "onehot", classes=4)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)
    assert set(np.unique(y)) <= set(range(4))
    X2, y2 = dataset(50, 5, 3, "onehot", classes=4)
    assert X.tobytes() == X2.tobytes() and y.tobytes() == y2.tobytes()
    assert set(np.unique(dataset(50, 5, 3, "sign")[1])) == {-1.0, 1.0}


def test_a_job_that_cannot_build_is_a_failed_row_with_its_error():
    row = run_job(Job.make("yun-3layer", (8, 8), 200, 4, 0))  # 8-8 holds at most 4*2*2 = 16 points
    assert row["passed"] == 0 and row["error"].startswith("WidthError")
    row = run_job(Job.make("yun-3layer", (8, 8), 16, 4, 0))
    assert row["passed"] == 1 and row["error"] is None and row["hidden_neurons"] == 16


def test_bad_sweep_input():
    with pytest.raises(MemorizersError, match="unknown method 'nope'"):
        Job.make("nope", None, 10, 2, 0)
    from memorizers.activations import relu

    with pytest.raises(MemorizersError, match="job options must be JSON values"):
        Job.make("yun-3layer", None, 10, 2, 0, activation=relu())
    with pytest.raises(MemorizersError, match="unknown backend 'mpi'"):
        run_sweep(
            [Job.make("baum", None, 10, 2, 0), Job.make("baum", None, 10, 2, 1)],
            ":memory:",
            backend="mpi",
            progress=False,
        )
    with pytest.raises(MemorizersError, match=r"need must lie in \[1, seeds = 10\]"):
        capacity("baum", None, 3, need=11)


def test_sweep_resumes_without_redoing_jobs(tmp_path):
    db = tmp_path / "s.sqlite"
    jobs = [Job.make("baum", None, n, 4, s) for n in (20, 40) for s in range(3)]
    first = run_sweep(jobs[:4], db, progress=False)
    rows = run_sweep(jobs + jobs[:2], db, n_jobs=2, backend="threading", progress=False)  # duplicates are one job
    assert len(rows) == 6 and sorted(r["key"] for r in rows) == sorted(j.key for j in jobs)
    kept = {r["key"]: r["finished_at"] for r in rows}
    assert all(kept[r["key"]] == r["finished_at"] for r in first)  # finished jobs were not run again


def _count(db):
    try:
        with sqlite3.connect(db, timeout=30) as con:
            return con.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM jobs").fetchone()
    except sqlite3.OperationalError:  # not created yet
        return (0, 0)


@pytest.mark.slow
def test_sigkill_mid_sweep_then_resume_records_every_job_exactly_once(tmp_path):
    db = tmp_path / "kill.sqlite"
    argv = [
        "sweep",
        "--method",
        "yun-3layer",
        "--n",
        "300,600,900,1200",
        "--dx",
        "6",
        "--seeds",
        "8",
        "--db",
        str(db),
        "--jobs",
        "2",
        "--json",
    ]
    code = f"import sys; from memorizers.cli import main; sys.exit(main({argv!r}))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _count(db)[0] < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before, _ = _count(db)
    assert 4 <= before < 32, "the sweep must be killed mid-run"
    with sqlite3.connect(db) as con:
        recorded = dict(con.execute("SELECT key, finished_at FROM jobs"))
    assert main(argv) == 0
    total, distinct = _count(db)
    assert total == distinct == 32
    with sqlite3.connect(db) as con:
        after = dict(con.execute("SELECT key, finished_at FROM jobs"))
        assert con.execute("SELECT COUNT(*) FROM jobs WHERE passed = 1").fetchone()[0] == 32
    assert all(after[k] == t for k, t in recorded.items())  # nothing finished before the kill was redone


@pytest.mark.slow
def test_dask_backend_on_a_local_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    jobs = [Job.make("yun-3layer", None, n, 5, s) for n in (30, 60) for s in range(3)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        rows = run_sweep(
            jobs, tmp_path / "d.sqlite", backend="dask", scheduler=cluster.scheduler_address, progress=False
        )
    local = run_sweep(jobs, tmp_path / "l.sqlite", progress=False)
    assert len(rows) == 6 and all(r["passed"] for r in rows)
    assert all(int(r["worker"].rsplit(":", 1)[1]) != os.getpid() for r in rows)  # they ran on the cluster's workers
    by_key = {r["key"]: r for r in local}
    for r in rows:  # the same job gives the same network wherever it runs
        assert (
            r["max_abs_error"] == by_key[r["key"]]["max_abs_error"]
            and r["hidden_neurons"] == by_key[r["key"]]["hidden_neurons"]
        )


@pytest.mark.slow
def test_ray_backend_on_a_local_cluster(tmp_path):
    ray = pytest.importorskip("ray")
    jobs = [Job.make("yun-3layer", None, n, 5, s) for n in (30, 60) for s in range(3)]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        rows = run_sweep(jobs, tmp_path / "r.sqlite", backend="ray", progress=False)
    finally:
        ray.shutdown()
    local = run_sweep(jobs, tmp_path / "l.sqlite", progress=False)
    assert len(rows) == 6 and all(r["passed"] for r in rows)
    assert all(int(r["worker"].rsplit(":", 1)[1]) != os.getpid() for r in rows)  # they ran in Ray's worker processes
    by_key = {r["key"]: r for r in local}
    for r in rows:  # the same job gives the same network wherever it runs
        assert (
            r["max_abs_error"] == by_key[r["key"]]["max_abs_error"]
            and r["hidden_neurons"] == by_key[r["key"]]["hidden_neurons"]
        )


@pytest.mark.parametrize("act,widths", [("relu", (16, 16)), ("hard-tanh", (8, 8))])
def test_capacity_of_theorem_3_1_is_its_formula(act, widths):
    # ReLU: 4 floor(d1/4) floor(d2/4) = 64; hard-tanh: 4 floor(d1/2) floor(d2/2) = 64
    result = capacity(
        "yun-3layer", widths, 8, activation=act, seeds=4, need=4, backend="threading", n_jobs=2, progress=False
    )
    assert result.capacity == 64
    assert (64, 4, 4) in result.tried and (65, 0, 4) in result.tried


def test_capacity_of_the_training_baseline_and_resume(tmp_path):
    db = tmp_path / "c.sqlite"
    options = {"epochs": 300, "lr": 0.05, "tol": 0.05, "labels": "sign"}
    result = capacity("train", (3,), 2, seeds=4, need=3, max_n=64, db=db, progress=False, **options)
    assert 1 <= result.capacity < 64  # three ReLUs in the plane cannot sign-label 64 random points
    ok = {n for n, k, s in result.tried if k >= 3}
    assert result.capacity in ok and result.capacity + 1 not in ok
    with sqlite3.connect(db) as con:
        jobs = con.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    again = capacity("train", (3,), 2, seeds=4, need=3, max_n=64, db=db, progress=False, **options)
    assert again.capacity == result.capacity
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == jobs  # answered from the file


def test_capacity_cli(capsys):
    assert (
        main(
            [
                "capacity",
                "--method",
                "yun-3layer",
                "--widths",
                "8,8",
                "--dx",
                "4",
                "--seeds",
                "3",
                "--need",
                "3",
                "--backend",
                "threading",
                "--json",
            ]
        )
        == 0
    )
    import json

    assert json.loads(capsys.readouterr().out)["capacity"] == 16


def test_training_jobs_are_keyed_by_their_whole_recipe():
    """A sweep file is resumed by job key: a training job's key holds every setting of its recipe, so rows
    written under other defaults (an earlier recipe: the key of options alone) are not taken for this one."""
    job = Job.make("train", (4, 4), 10, 3, 0, lr=0.01)
    options = dict(job.options)
    assert options["recipe"] == "strong" and options["batch"] == 512 and options["lr"] == 0.01
    assert job.key != Job("train", (4, 4), 10, 3, 0, (("lr", 0.01),)).key  # the options-only key of before
    assert job.key != Job.make("train", (4, 4), 10, 3, 0, lr=0.01, recipe="full-batch").key
    with pytest.raises(MemorizersError, match="recipe must be one of"):
        Job.make("train", (4, 4), 10, 3, 0, recipe="fast")
