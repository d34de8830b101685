"""The commands that run many builds or trainings: demo, train, capacity, sweep, reproduce."""

from __future__ import annotations

from pathlib import Path

from .. import activations
from ..constructions import METHODS
from ..data import input_files
from ..errors import MemorizersError
from ..experiments.report import EXPERIMENTS
from ..files import json_text, output_path
from ..kinds import KINDS, TOL_RULE
from ..network import Network
from ..sweep import BACKENDS
from ..training import DTYPES as TRAIN_DTYPES
from ..training import OPTIMIZERS, RECIPES
from . import args as args_
from .common import command, data_flags, load, refuse_overwriting


def cmd_demo(args) -> int:
    from ..demo import run_demo

    run_demo(quick=args.quick)
    return 0


def add_demo(sub) -> None:
    """demo: networks built and verified on built-in data."""
    d = command(sub, "demo", "build and verify networks on built-in datasets and print a table")
    d.add_argument("--quick", action="store_true", help="smaller datasets")
    d.set_defaults(func=cmd_demo)


def cmd_train(args) -> int:
    from ..training import train

    if args.out:
        refuse_overwriting(args.out, *input_files(args.data, args.labels), args.like)
        output_path(args.out)
    template = Network.load(args.like)
    data = load(args, template)
    result = train(
        template,
        data.X,
        data.y,
        recipe=args.recipe,
        optimizer=args.optimizer,
        lr=args.lr,
        epochs=args.epochs,
        seconds=args.seconds,
        batch=args.batch,
        dtype=args.dtype,
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
        "lr": result.lr,
        "final_loss": result.history[-1] if result.history else None,
        "lr_trials": result.network.meta.get("lr_trials"),
        **result.report.to_dict(),
        **result.network.stats(),
    }
    if args.json:
        print(json_text(out))
    else:
        print(
            f"trained {result.epochs} epochs in {result.seconds:.2f}s on {result.device} ({args.recipe} recipe, "
            f"lr {result.lr:g}): {result.report.summary()}"
        )
        for lr, fraction, loss in result.network.meta.get("lr_trials") or ():
            print(f"  lr {lr:g} on equal time: memorized {fraction:.2%}, loss {loss:.3e}")
    return 0 if result.report.passed else 1


def add_train(sub) -> None:
    """train: the gradient-training baseline on an architecture."""
    t = command(sub, "train", "gradient-train the architecture of a network file (the baseline)")
    t.add_argument("--like", required=True, help="network file whose widths and activations to train")
    data_flags(t)
    t.add_argument(
        "--recipe",
        choices=list(RECIPES),
        default="strong",
        help="strong: mini-batch float32 AdamW, one-cycle schedule; full-batch: float64 Adam, constant lr "
        "(the options below override the recipe's values)",
    )
    t.add_argument("--optimizer", choices=OPTIMIZERS, help="optimizer (default: the recipe's)")
    t.add_argument("--lr", type=args_.learning_rate, help="(peak) learning rate, or auto (default: the recipe's)")
    t.add_argument("--epochs", type=args_.count, help="epoch budget (default: the recipe's)")
    t.add_argument("--seconds", type=args_.positive, help="wall-clock budget")
    t.add_argument("--batch", type=args_.count, help="mini-batch size (default: the recipe's)")
    t.add_argument(
        "--dtype",
        choices=TRAIN_DTYPES,
        help="training arithmetic (default: the recipe's; auto: float64 for real labels with tol < 1e-4)",
    )
    t.add_argument(
        "--tol",
        type=args_.positive,
        help=f"real labels: max |f(x_i) - y_i| counted as memorized (default {TOL_RULE})",
    )
    t.add_argument("--kind", type=args_.choice(KINDS, "label kind"), help="label kind (default: the template's)")
    t.add_argument("--seed", type=args_.seed, default=0, help="initialisation and batch order")
    t.add_argument("--out", help="where to write the trained network")
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=cmd_train)


def parallel_flags(p) -> None:
    """The flags of the commands that run a grid of jobs (capacity, sweep)."""
    p.add_argument("--dx", type=args_.count, required=True, help="input dimension of the random datasets")
    p.add_argument("--seeds", type=args_.count, default=10, help="random datasets per N")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers (-1: all cores)")
    p.add_argument("--backend", choices=BACKENDS, default="loky", help="where the jobs run")
    p.add_argument("--scheduler", help="dask scheduler or ray cluster address (default: a local one)")
    p.add_argument("--activation", type=args_.choice(activations.NAMES, "activation"), help="activation for every job")
    p.add_argument("--labels", type=args_.choice(KINDS, "label kind"), help="label kind (default: the method's)")
    p.add_argument("--tol", type=args_.positive, help="tolerance (build's tol; train's tol)")
    p.add_argument("--recipe", choices=list(RECIPES), help="train: recipe (default: strong)")
    p.add_argument("--lr", type=args_.learning_rate, help="train: (peak) learning rate, or auto")
    p.add_argument("--epochs", type=args_.count, help="train: epoch budget")
    p.add_argument("--seconds", type=args_.positive, help="train: wall-clock budget per job")
    p.add_argument("--optimizer", choices=OPTIMIZERS, help="train: optimizer")
    p.add_argument(
        "--option",
        type=args_.option,
        action="append",
        metavar="KEY=VALUE",
        help="any construction option, for every job",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def _job_options(args) -> dict:
    """Options every trial of a sweep or capacity search gets (JSON values only: they are part of the job's key)."""
    options = {}
    for name in ("activation", "labels", "tol", "recipe", "lr", "epochs", "seconds", "optimizer"):
        value = getattr(args, name, None)
        if value is not None:
            options[name] = value
    for key, value in args.option or ():
        options[key] = value
    return options


def cmd_capacity(args) -> int:
    from ..capacity import capacity

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
        print(
            json_text(
                {
                    "method": result.method,
                    "widths": result.widths,
                    "dx": result.dx,
                    "capacity": result.capacity,
                    "tried": result.tried,
                    "errors": result.errors,
                }
            )
        )
    else:
        print(result.table())
        best = {n: k for n, k, _ in result.tried}.get(result.capacity)
        passed = (
            f"{best} of {args.seeds} seeds memorized there, {args.need} needed" if best is not None else "no N passed"
        )
        print(
            f"capacity of {args.method} with widths {','.join(map(str, args.widths or ())) or 'the smallest'} "
            f"(dx = {args.dx}): N = {result.capacity} ({passed})"
        )
    return 0


def add_capacity(sub) -> None:
    """capacity: the largest N a method memorizes."""
    methods = args_.choice([*METHODS, "train"], "method")
    c = command(sub, "capacity", "largest N a method memorizes with fixed widths (>= need of seeds datasets)")
    c.add_argument(
        "--method",
        required=True,
        type=methods,
        metavar="METHOD",
        help="a construction, or train (the gradient baseline)",
    )
    c.add_argument("--widths", type=args_.widths, help="hidden widths (default: the theorem's smallest for each N)")
    c.add_argument("--need", type=args_.count, default=9, help="datasets that must be memorized")
    c.add_argument("--start", type=args_.count, default=1, help="first N tried")
    c.add_argument("--max-n", type=args_.count, default=10**6, help="largest N tried")
    c.add_argument("--db", help="SQLite file of the trials (resumes a search; default: temporary)")
    parallel_flags(c)
    c.set_defaults(func=cmd_capacity)


def cmd_sweep(args) -> int:
    from ..sweep import Job, run_sweep

    jobs = [
        Job.make(m, w, n, args.dx, s, **_job_options(args))
        for m in args.method.split(",")
        for w in (args.widths or [None])
        for n in args.n
        for s in range(args.seeds)
    ]
    rows = run_sweep(
        jobs, args.db, n_jobs=args.jobs, backend=args.backend, scheduler=args.scheduler, progress=not args.json
    )
    if args.json:
        print(json_text(rows))
        return 0
    cells: dict = {}
    for r in rows:
        cells.setdefault((r["method"], r["widths"], r["n"]), []).append(r)
    print(
        "| method | widths | N | memorized | not memorized | error | first error | mean seconds "
        "|\n|---|---|---|---|---|---|---|---|"
    )
    for (m, w, n), rs in sorted(cells.items()):
        errors = [r["error"] for r in rs if r["error"]]
        passed = sum(bool(r["passed"]) for r in rs)
        first = errors[0].replace("|", "/")[:160] if errors else ""
        print(
            f"| {m} | {w} | {n} | {passed} | {len(rs) - passed - len(errors)} | {len(errors)} | {first} | "
            f"{sum(r['seconds'] for r in rs) / len(rs):.3f} |"
        )
    print(f"{len(rows)} jobs recorded in {args.db}")
    return 0


def add_sweep(sub) -> None:
    """sweep: a grid of jobs into an SQLite file."""
    s = command(sub, "sweep", "run a grid of (method, widths, N, seed) jobs into an SQLite file (resumable)")
    s.add_argument("--method", required=True, help="comma-separated methods (constructions or train)")
    s.add_argument(
        "--widths", type=args_.widths, action="append", help="hidden widths; repeat for several architectures"
    )
    s.add_argument(
        "--n", type=lambda t: [args_.count(v) for v in t.split(",")], required=True, help="comma-separated N"
    )
    s.add_argument("--db", required=True, help="SQLite file: one row per finished job")
    parallel_flags(s)
    s.set_defaults(func=cmd_sweep)


def cmd_reproduce(args) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise MemorizersError(f"--out {args.out} is a file; reproduce writes a folder of tables and figures")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MemorizersError(f"--out {args.out}: cannot create this folder ({e.strerror})") from None
    if args.paper == "all":
        from ..experiments import verdict
        from ..experiments.report import plain, run_all

        sections = run_all(args.out, quick=not args.full, progress=True)
        for name, s in sections.items():
            for c in s["claims"]:
                print(f"[{verdict(c)}] {name}: {plain(c['statement'])}")
        print(f"report: {Path(args.out) / 'index.html'}")
        return 0
    from importlib import import_module

    module = EXPERIMENTS[args.paper][0]
    experiment = import_module(f"memorizers.experiments.{module}")
    experiment.run(args.out, quick=not args.full, progress=True)
    print((Path(args.out) / f"{module}.md").read_text())
    print(f"table and figures in {args.out}/")
    return 0


def add_reproduce(sub) -> None:
    """reproduce: a paper's experiment, or all of them."""
    r = command(sub, "reproduce", "run a paper's experiment (or all, into an HTML report): tables and figures")
    r.add_argument(
        "paper",
        type=args_.choice(["all", *EXPERIMENTS], "experiment"),
        metavar="NAME",
        help=f"all, or one of {', '.join(sorted(EXPERIMENTS))}",
    )
    r.add_argument("--out", default="results", help="output folder")
    r.add_argument("--full", action="store_true", help="the full grids (default: the quick size, minutes on 2 cores)")
    r.set_defaults(func=cmd_reproduce)
