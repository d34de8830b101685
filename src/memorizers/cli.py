"""Command line: ``memorizers build | verify | demo | train | capacity | sweep | reproduce``.

Errors a user can cause are printed as one line on stderr with exit code 2 (bad input)
or 1 (a network that fails verification); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


from . import activations
from .build import build
from .constructions import METHODS
from .data import load_npz
from .errors import MemorizersError, VerificationError
from .experiments.report import EXPERIMENTS
from .export import precision_note
from .network import Network, json_default, output_path
from .verify import DTYPES, KINDS, verify


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"widths must be comma-separated integers, got {text!r}") from None
    if not widths or min(widths) < 1:
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return widths


def _activation(args) -> activations.Activation | None:
    if args.activation is None:
        return None
    if args.activation == "leaky-relu":
        return activations.leaky_relu(args.negative_slope)
    return activations.by_name(args.activation)


def refuse_overwriting(out, *inputs) -> None:
    """An output path that is one of the command's input files is refused before any work."""
    target = output_path(out)
    for given in inputs:
        if os.path.exists(given) and os.path.exists(target) and os.path.samefile(given, target):
            raise MemorizersError(f"--out {out} is the input file {given}; refusing to overwrite it")


def cmd_build(args) -> int:
    refuse_overwriting(args.out, args.data)
    X, y = load_npz(args.data)
    options = {"seed": args.seed}
    if args.widths is not None:
        options["widths"] = args.widths
    act = _activation(args)
    if act is not None:
        options["activation"] = act
    if args.clip_margin is not None:
        options["clip_margin"] = args.clip_margin
    if args.force:
        options["force"] = True
    start = time.perf_counter()
    try:
        built = build(args.method, X, y, tol=args.tol, **options)
    except VerificationError as e:
        print(f"memorizers: verification failed, network not written: {e}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    built.network.save(args.out)
    s = built.network.stats()
    out = {"method": args.method, "out": str(args.out), "seconds": seconds, **built.report.to_dict(), **s, "construction": built.info}
    if args.json:
        print(json.dumps(out, default=json_default))
    else:
        print(f"built {args.method} in {seconds:.2f}s -> {args.out}")
        print(f"  hidden widths {s['hidden_widths']}, {s['parameters']} parameters, max |weight| {s['max_abs_weight']:.3e}")
        print(f"  {built.report.summary()}")
        scalars = {k: v for k, v in built.info.items() if isinstance(v, (int, float, str, bool, np.generic))}
        if scalars:
            print("  construction: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in scalars.items()))
    return 0


def cmd_verify(args) -> int:
    network = Network.load(args.network)
    X, y = load_npz(args.data)
    report = verify(
        network,
        X,
        y,
        dtype=args.dtype,
        tol=args.tol,
        kind=args.kind,
        exact=args.exact,
        certify=not args.no_certify,
        progress=not args.json,
    )
    stats = network.stats()
    out = {**stats, **report.to_dict()}  # the bits_needed measured now, over the one recorded
    note = precision_note(report.bits_needed if report.bits_searched else network.meta.get("bits_needed"), report.dtype)
    if note:
        print(f"memorizers: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(out, default=json_default))
    else:
        print(report.summary())
        print(json.dumps(stats, default=json_default))
    return 0 if report.passed and (report.exact is None or report.exact.passed) else 1


def cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(quick=args.quick)
    return 0


def cmd_train(args) -> int:
    from .training import train

    if args.out:
        refuse_overwriting(args.out, args.data, args.like)
    template = Network.load(args.like)
    X, y = load_npz(args.data)
    result = train(
        template,
        X,
        y,
        optimizer=args.optimizer,
        lr=args.lr,
        epochs=args.epochs,
        seconds=args.seconds,
        tol=args.tol,
        kind=args.kind,
        seed=args.seed,
        progress=not args.json,
    )
    if args.out:
        result.network.save(args.out)
    out = {
        "epochs": result.epochs,
        "seconds": result.seconds,
        "device": result.device,
        "final_loss": result.history[-1] if result.history else None,
        **result.report.to_dict(),
        **result.network.stats(),
    }
    if args.json:
        print(json.dumps(out, default=json_default))
    else:
        print(f"trained {result.epochs} epochs in {result.seconds:.2f}s on {result.device}: {result.report.summary()}")
    return 0 if result.report.passed else 1


def _job_options(args) -> dict:
    """Options every trial of a sweep or capacity search gets (JSON values only: they are part of the job's key)."""
    options = {}
    for name in ("activation", "labels", "tol", "lr", "epochs", "seconds", "optimizer"):
        value = getattr(args, name, None)
        if value is not None:
            options[name] = value
    return options


def cmd_capacity(args) -> int:
    from .capacity import capacity

    result = capacity(
        args.method,
        args.widths,
        args.dx,
        seeds=args.seeds,
        need=args.need,
        start=args.start,
        max_n=args.max_n,
        db=args.db,
        n_jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        progress=not args.json,
        **_job_options(args),
    )
    if args.json:
        print(json.dumps({"method": result.method, "widths": result.widths, "dx": result.dx, "capacity": result.capacity, "tried": result.tried}))
    else:
        print(result.table())
        print(f"capacity of {args.method} with widths {','.join(map(str, args.widths or ()))} (dx = {args.dx}): N = {result.capacity} "
              f"({args.need} of {args.seeds} seeds memorized)")
    return 0


def cmd_sweep(args) -> int:
    from .sweep import Job, run_sweep

    jobs = [
        Job.make(m, w, n, args.dx, s, **_job_options(args))
        for m in args.method.split(",")
        for w in (args.widths or [None])
        for n in args.n
        for s in range(args.seeds)
    ]
    rows = run_sweep(jobs, args.db, n_jobs=args.jobs, backend=args.backend, scheduler=args.scheduler, progress=not args.json)
    if args.json:
        print(json.dumps(rows, default=json_default))
        return 0
    cells: dict = {}
    for r in rows:
        cells.setdefault((r["method"], r["widths"], r["n"]), []).append(r)
    print("| method | widths | N | memorized seeds | mean seconds |\n|---|---|---|---|---|")
    for (m, w, n), rs in sorted(cells.items()):
        print(f"| {m} | {w} | {n} | {sum(r['passed'] for r in rs)} / {len(rs)} | {sum(r['seconds'] for r in rs) / len(rs):.3f} |")
    print(f"{len(rows)} jobs recorded in {args.db}")
    return 0


def cmd_reproduce(args) -> int:
    if args.paper == "all":
        from .experiments import verdict
        from .experiments.report import run_all

        sections = run_all(args.out, quick=not args.full, progress=True)
        for name, s in sections.items():
            for c in s["claims"]:
                print(f"[{verdict(c['holds'])}] {name}: {c['statement']}")
        print(f"report: {Path(args.out) / 'index.html'}")
        return 0
    from importlib import import_module

    module = EXPERIMENTS[args.paper][0]
    experiment = import_module(f"memorizers.experiments.{module}")
    experiment.run(args.out, quick=args.quick, progress=True)
    print((Path(args.out) / f"{module}.md").read_text())
    print(f"table and figures in {args.out}/")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="memorizers", description="Build networks that provably memorize a dataset.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="construct a network for a dataset and verify it")
    b.add_argument(
        "--method", required=True, choices=sorted(METHODS), help="; ".join(f"{k}: {m.summary}" for k, m in METHODS.items())
    )
    b.add_argument("--data", required=True, help=".npz with arrays X (N x dx) and y (N or N x dy)")
    b.add_argument("--out", required=True, help="where to write the network (.npz)")
    b.add_argument("--activation", choices=["relu", "leaky-relu", "hard-tanh", "abs", "threshold", "tanh", "sigmoid"])
    b.add_argument("--negative-slope", type=float, default=0.01, help="slope of leaky-relu below 0 (default 0.01)")
    b.add_argument("--widths", type=_widths, help="hidden widths, e.g. 64,64 (default: smallest the theorem allows)")
    b.add_argument("--force", action="store_true", help="daniely: allow an activation the theorem does not cover")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--clip-margin", type=float, help="distance beyond +-1 of every clipped pre-activation (default 1)")
    b.add_argument(
        "--tol",
        type=float,
        default=None,
        help="real labels: max |f(x_i) - y_i| accepted in float64 (default 1e-6); ntk, harmonic: eps of ||f - y||^2 <= eps ||y||^2 (default 0.01)",
    )
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("verify", help="check that a network reproduces a dataset")
    v.add_argument("network")
    v.add_argument("--data", required=True)
    v.add_argument("--dtype", choices=list(DTYPES), default="float64")
    v.add_argument("--exact", action="store_true", help="also evaluate exactly in rational arithmetic (small cases)")
    v.add_argument("--tol", type=float, default=None, help="real labels: max |f(x_i) - y_i|; relative: eps (default: the one the network was built with, else 1e-6)")
    v.add_argument("--kind", choices=KINDS, help="label kind (default: the one the network was built for, else inferred from the labels)")
    v.add_argument("--no-certify", action="store_true", help="skip the certificate and bits_needed (most of the work)")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(func=cmd_verify)

    d = sub.add_parser("demo", help="build and verify networks on built-in datasets and print a table")
    d.add_argument("--quick", action="store_true", help="smaller datasets")
    d.set_defaults(func=cmd_demo)

    t = sub.add_parser("train", help="gradient-train the architecture of a network file (the baseline)")
    t.add_argument("--like", required=True, help="network file whose widths and activations to train")
    t.add_argument("--data", required=True)
    t.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--epochs", type=int, default=10_000)
    t.add_argument("--seconds", type=float, help="wall-clock budget")
    t.add_argument("--tol", type=float, default=1e-6)
    t.add_argument("--kind", choices=KINDS)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", help="where to write the trained network")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_train)

    def parallel(p):
        p.add_argument("--dx", type=int, required=True, help="input dimension of the random datasets")
        p.add_argument("--seeds", type=int, default=10, help="random datasets per N (default 10)")
        p.add_argument("--jobs", type=int, default=1, help="parallel workers (-1: all cores)")
        p.add_argument("--backend", choices=["loky", "threading", "dask", "ray"], default="loky")
        p.add_argument("--scheduler", help="dask scheduler or ray cluster address (default: a local one)")
        p.add_argument("--activation", help="activation for every job (e.g. relu, hard-tanh, threshold)")
        p.add_argument("--labels", choices=["real", "binary", "sign", "onehot", "relative"], help="label kind (default: the method's)")
        p.add_argument("--tol", type=float, help="tolerance (build's tol; train's tol)")
        p.add_argument("--lr", type=float, help="train: learning rate")
        p.add_argument("--epochs", type=int, help="train: epoch budget")
        p.add_argument("--seconds", type=float, help="train: wall-clock budget per job")
        p.add_argument("--optimizer", choices=["adam", "sgd"], help="train: optimizer")
        p.add_argument("--json", action="store_true")

    methods = sorted(METHODS) + ["train"]
    c = sub.add_parser("capacity", help="largest N a method memorizes with fixed widths (>= need of seeds datasets)")
    c.add_argument("--method", required=True, choices=methods, help="a construction, or train (the gradient baseline)")
    c.add_argument("--widths", type=_widths, help="hidden widths (default: the theorem's smallest for each N)")
    c.add_argument("--need", type=int, default=9, help="datasets that must be memorized (default 9 of 10)")
    c.add_argument("--start", type=int, default=1)
    c.add_argument("--max-n", type=int, default=10**6)
    c.add_argument("--db", help="SQLite file of the trials (resumes a search; default: temporary)")
    parallel(c)
    c.set_defaults(func=cmd_capacity)

    s = sub.add_parser("sweep", help="run a grid of (method, widths, N, seed) jobs into an SQLite file (resumable)")
    s.add_argument("--method", required=True, help="comma-separated methods (constructions or train)")
    s.add_argument("--widths", type=_widths, action="append", help="hidden widths; repeat for several architectures")
    s.add_argument("--n", type=lambda t: [int(v) for v in t.split(",")], required=True, help="comma-separated N")
    s.add_argument("--db", required=True, help="SQLite file: one row per finished job")
    parallel(s)
    s.set_defaults(func=cmd_sweep)

    r = sub.add_parser("reproduce", help="run a paper's experiment (or all, into an HTML report): tables and figures")
    r.add_argument("paper", choices=["all", *sorted(EXPERIMENTS)])
    r.add_argument("--out", default="results", help="output folder (default: results/)")
    r.add_argument("--quick", action="store_true", help="one experiment: a smaller grid")
    r.add_argument("--full", action="store_true", help="all: the full grids (all runs the quick ones by default)")
    r.set_defaults(func=cmd_reproduce)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except MemorizersError as e:
        print(f"memorizers: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
