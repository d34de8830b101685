"""Command line: ``memorizers build | verify | predict | train | demo | capacity | sweep | reproduce``.

Errors a user can cause are printed as one line on stderr with exit code 2 (bad input) or 1
(a network that fails verification), and with ``--json`` also as a JSON object on stdout;
Ctrl-C prints one line and exits with 130, leaving no partial file. Never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from . import activations, cli_args, labels
from .build import build, option_names
from .constructions import METHODS
from .data import DATA_FORMATS, check_finite, input_files, jitter, load_data
from .errors import MemorizersError, VerificationError
from .experiments.report import EXPERIMENTS
from .export import precision_note
from .files import atomic_write_bytes, json_text, output_path
from .kinds import KINDS, TOL_RULE
from .network import Network
from .sweep import BACKENDS
from .training import DTYPES as TRAIN_DTYPES
from .training import OPTIMIZERS, RECIPES
from .verify import DTYPES, recorded_kind_and_tol, verify

DEVICE_HELP = (
    "where the verification's forward pass and certificate run: auto (a CUDA GPU through PyTorch when there is "
    "one, else NumPy), numpy, or a torch device such as cuda:1"
)
NO_BITS_HELP = (
    "certify without searching bits_sufficient, the precision that provably suffices (the search takes about a "
    "third of a default build at N = 10^6)"
)


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
        if given is not None and os.path.exists(given) and os.path.exists(target) and os.path.samefile(given, target):
            raise MemorizersError(f"--out {out} is the input file {given}; refusing to overwrite it")


def _data(args, network: Network | None = None, need_labels: bool = True):
    """The dataset of --data (with --labels, --target), for a network's recorded feature columns if it has them."""
    meta = network.meta if network is not None else {}
    target = args.target if args.target is not None else meta.get("target")
    return load_data(
        args.data, labels=args.labels, target=target, features=meta.get("features"), need_labels=need_labels
    )


def _build_options(args) -> dict:
    """Construction options from the dedicated flags and every --option KEY=VALUE, checked against the method."""
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
    for key, value in args.option or ():
        if key in options and key != "seed" or key in ("tol", "kind"):
            flag = {"tol": "--tol", "kind": "--kind"}.get(key, f"--{key.replace('_', '-')}")
            raise MemorizersError(f"--option {key} is given twice (or duplicates {flag})")
        options[key] = value
    takes = option_names(args.method)
    unknown = [k for k in options if k not in takes]
    if unknown:
        raise MemorizersError(f"{args.method} takes no option {', '.join(unknown)}; its options: {', '.join(takes)}")
    return options


def _idle_units(network: Network) -> tuple[int, int]:
    """(idle, all) hidden units of the top-level dense layers: idle ones have every outgoing weight 0."""
    idle = total = 0
    for layer, nxt in zip(network.layers, network.layers[1:]):
        if hasattr(layer, "weight") and hasattr(nxt, "weight"):
            total += layer.n_out
            idle += int(np.sum(~nxt.weight.any(axis=0)))
    return idle, total


def cmd_build(args) -> int:
    refuse_overwriting(args.out, *input_files(args.data, args.labels))
    options = _build_options(args)  # before reading any data
    output_path(args.out)
    data = _data(args)
    X = data.X
    if args.jitter is not None:
        X = jitter(X, args.jitter, args.seed)
    start = time.perf_counter()
    try:
        built = build(
            args.method,
            X,
            data.y,
            tol=args.tol,
            kind=args.kind,
            certify=not args.no_certify,
            bits=not args.no_bits,
            progress=not args.json,
            device=args.device,
            **options,
        )
    except VerificationError as e:
        if not args.keep_failed:
            raise _Failed(f"verification failed, network not written: {e}") from None
        e.network.save(args.out)
        raise _Failed(f"verification failed, network written anyway (--keep-failed) to {args.out}: {e}") from None
    seconds = time.perf_counter() - start
    if data.feature_names is not None:  # predict and verify pick the same columns of a table
        built.network.meta.update(features=data.feature_names, target=data.target_name)
    report, jittered = built.report, None
    if args.jitter is not None:  # exit 0 only for a network that memorizes the data as given
        built.network.meta["jitter"] = {"scale": args.jitter, "seed": args.seed}
        jittered, report = report, _verify_as_given(built, data, args)
        built.network.meta.update(bits_sufficient=report.bits_sufficient)  # what the data as given needs
    s = built.network.stats()
    out = {
        "method": args.method,
        "out": str(args.out),
        "seconds": seconds,
        **report.to_dict(),
        **s,
        "construction": built.info,
    }
    notes = []
    if jittered is not None:
        out["on_jittered"] = jittered.to_dict()
        notes.append(
            f"built for the inputs jittered by {args.jitter:g} x each column's std (seed {args.seed}), where it "
            f"memorizes {jittered.accuracy:.4%}; on the data as given: {report.summary()}"
        )
        if not report.passed:
            if args.keep_failed:
                built.network.save(args.out)
            where = f"written anyway (--keep-failed) to {args.out}" if args.keep_failed else "not written"
            raise _Failed(
                f"the network built on jittered inputs does not memorize the data as given ({report.summary()}); "
                f"network {where}"
            )
    built.network.save(args.out)
    idle, total = _idle_units(built.network)
    if idle and args.widths is not None:
        notes.append(
            f"{idle} of the {total} hidden units are idle (every outgoing weight 0): the widths exceed what "
            f"{args.method} uses; omit --widths for the smallest network"
        )
    for note in notes:
        print(f"memorizers: note: {note}", file=sys.stderr)
    if args.json:
        print(json_text(out))
    else:
        print(f"built {args.method} in {seconds:.2f}s -> {args.out}")
        print(
            f"  hidden widths {_widths_text(s['hidden_widths'])}, {s['parameters']} parameters, max |weight| "
            f"{s['max_abs_weight']:.3e}"
            + (f", {s['bit_complexity']}-bit weights (exact)" if built.network.exact else "")
        )
        print(f"  {report.summary()}" + (" (the data as given)" if jittered is not None else ""))
        scalars = {
            k: v for k, v in built.info.items() if isinstance(v, (int, float, str, bool, np.generic)) and k != "hint"
        }
        if scalars:
            print(
                "  construction: "
                + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in scalars.items())
            )
    return 0


def _verify_as_given(built, data, args):
    """The built network verified, and certified as the build was, on the data as given (not jittered)."""
    return verify(
        built.network,
        data.X,
        data.y,
        tol=built.report.tol,
        kind=built.report.kind,
        certify=not args.no_certify,
        bits=not (args.no_certify or args.no_bits),
        progress=not args.json,
        device=args.device,
    )


class _Failed(MemorizersError):
    """A network that fails verification: exit status 1."""


def cmd_verify(args) -> int:
    network = Network.load(args.network)
    data = _data(args, network)
    report = verify(
        network,
        data.X,
        data.y,
        dtype=args.dtype,
        tol=args.tol,
        kind=args.kind,
        exact=args.exact or None,  # a network with exact parameters is evaluated exactly anyway
        exact_limit=args.exact_limit,
        certify=not args.no_certify,
        bits=not (args.no_certify or args.no_bits),
        progress=not args.json,
        device=args.device,
    )
    stats = network.stats()
    out = {**stats, **report.to_dict()}  # the bits_sufficient measured now, over the one recorded
    need = report.bits_sufficient if report.bits_searched else network.meta.get("bits_sufficient")
    note = precision_note(need, report.dtype, report.certified)
    if note:
        print(f"memorizers: {note}", file=sys.stderr)
    if args.json:
        print(json_text(out))
    else:
        print(report.summary())
        method = network.meta.get("method", "network")
        print(
            f"{method}: hidden widths {_widths_text(stats['hidden_widths'])}, {stats['parameters']} parameters, "
            f"max |weight| {stats['max_abs_weight']:.3e}, W(f) {stats['total_weight']:.4g}"
        )
    return 0 if report.passed and (report.exact is None or report.exact.passed) else 1


def cmd_predict(args) -> int:
    network = Network.load(args.network)
    refuse_overwriting(args.out, *input_files(args.data, args.labels), args.network)
    output_path(args.out)
    data = _data(args, network, need_labels=False)
    X = np.asarray(data.X)
    if X.ndim != 2 or X.shape[1] != network.n_in or X.dtype.kind not in "biuf":
        raise MemorizersError(f"--data must hold real points of dimension {network.n_in}; got {X.dtype} {X.shape}")
    check_finite(X, "--data")
    F = network.outputs(X)  # exact parameters: evaluated exactly
    kind = recorded_kind_and_tol(network)[0] or "real"
    predicted = labels.decode(F, kind, network.meta.get("classes"))
    name = os.fspath(args.out).lower()
    if name.endswith(".npz"):
        import io

        buf = io.BytesIO()
        np.savez(buf, y=predicted, outputs=F)
        atomic_write_bytes(args.out, buf.getvalue())
    elif name.endswith((".csv", ".tsv", ".txt")):
        sep = "\t" if name.endswith(".tsv") else ","
        column = network.meta.get("target") or "prediction"
        rows = predicted.reshape(len(X), -1)
        header = [column] if rows.shape[1] == 1 else [f"{column}{j}" for j in range(rows.shape[1])]
        text = sep.join(header) + "\n" + "".join(sep.join(map(_cell, r)) + "\n" for r in rows.tolist())
        atomic_write_bytes(args.out, text.encode())
    else:
        raise MemorizersError(f"--out {args.out}: write predictions to a .csv, .tsv or .npz file")
    if args.json:
        print(json_text({"out": str(args.out), "points": len(X), "kind": kind}))
    else:
        print(f"{len(X)} predictions ({kind}) -> {args.out}")
    return 0


def _widths_text(widths: list[int]) -> str:
    """The hidden widths, or for a deep network (vardi: thousands of layers) their count and range."""
    if len(widths) <= 12:
        return str(widths)
    return f"{len(widths)} layers of {min(widths)} to {max(widths)} units"


def _cell(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(quick=args.quick)
    return 0


def cmd_train(args) -> int:
    from .training import train

    if args.out:
        refuse_overwriting(args.out, *input_files(args.data, args.labels), args.like)
        output_path(args.out)
    template = Network.load(args.like)
    data = _data(args, template)
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
    return 0 if result.report.passed else 1


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


def cmd_sweep(args) -> int:
    from .sweep import Job, run_sweep

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


def cmd_reproduce(args) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise MemorizersError(f"--out {args.out} is a file; reproduce writes a folder of tables and figures")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MemorizersError(f"--out {args.out}: cannot create this folder ({e.strerror})") from None
    if args.paper == "all":
        from .experiments import verdict
        from .experiments.report import plain, run_all

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


def parser() -> argparse.ArgumentParser:
    top = cli_args.Parser(
        prog="memorizers", description="Build networks that provably memorize a dataset.", formatter_class=cli_args.Help
    )
    top.add_argument("--version", action="version", version=f"memorizers {version('memorizers')}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=cli_args.Parser)

    def command(name, text, **kw):
        return sub.add_parser(
            name, help=text, description=text, epilog=cli_args.EXAMPLES.get(name), formatter_class=cli_args.Help, **kw
        )

    def data_flags(p, labels_needed=True):
        p.add_argument("--data", required=True, help=f"the points: {DATA_FORMATS}")
        p.add_argument("--labels", help="with a .npy --data: the labels, another .npy")
        p.add_argument(
            "--target",
            help="with a CSV/TSV --data: the label column, by name or index"
            + (" (default: the last; or the one the network was built with)" if labels_needed else ""),
        )

    method = cli_args.choice(METHODS, "method")
    b = command("build", "construct a network for a dataset and verify it")
    b.add_argument(
        "--method",
        required=True,
        type=method,
        metavar="METHOD",
        help="; ".join(f"{k}: {m.statement}: {m.summary}" for k, m in sorted(METHODS.items())),
    )
    data_flags(b)
    b.add_argument("--out", required=True, help="where to write the network (.npz)")
    b.add_argument(
        "--activation",
        type=cli_args.choice(activations.NAMES, "activation"),
        help=f"one of {', '.join(activations.NAMES)} (default: the method's)",
    )
    b.add_argument("--negative-slope", type=float, default=0.01, help="slope of leaky-relu below 0")
    b.add_argument(
        "--widths", type=cli_args.widths, help="hidden widths, e.g. 64,64 (default: the smallest the theorem allows)"
    )
    b.add_argument("--force", action="store_true", help="daniely: allow an activation the theorem does not cover")
    b.add_argument("--seed", type=cli_args.seed, default=0, help="random seed of the construction (and of --jitter)")
    b.add_argument(
        "--clip-margin",
        type=cli_args.positive,
        help="Yun: distance beyond +-1 of every clipped pre-activation (default 1)",
    )
    b.add_argument(
        "--option",
        type=cli_args.option,
        action="append",
        metavar="KEY=VALUE",
        help="any other option of the construction (repeatable), e.g. n_classes=10, separation=0.05, batch=8, "
        "max_rounds=500; see a method's options in the error for an unknown one",
    )
    b.add_argument(
        "--jitter",
        type=cli_args.positive,
        metavar="SCALE",
        help="build for X plus Gaussian noise of SCALE x each column's std (puts repeated pixel values, e.g., in "
        "general position), then verify on X as given: exit 0 only if the network memorizes the data as given",
    )
    b.add_argument(
        "--tol",
        type=cli_args.positive,
        help=f"real labels: max |f(x_i) - y_i| accepted in float64 (default {TOL_RULE}); ntk, harmonic: eps of "
        "||f - y||^2 <= eps ||y||^2 (default 0.01)",
    )
    b.add_argument(
        "--kind", type=cli_args.choice(KINDS, "label kind"), help="label kind to score (default: the method's)"
    )
    b.add_argument(
        "--keep-failed", action="store_true", help="write the network even when it fails verification (exit status 1)"
    )
    b.add_argument("--no-certify", action="store_true", help="skip the certificate (costliest at scale; on the CPU)")
    b.add_argument("--no-bits", action="store_true", help=NO_BITS_HELP)
    b.add_argument("--device", default="auto", help=DEVICE_HELP)
    b.add_argument("--json", action="store_true", help="print one JSON object (an error too)")
    b.set_defaults(func=cmd_build)

    v = command("verify", "check that a network reproduces a dataset, and certify it")
    v.add_argument("network", help="a network file (.npz) written by build or train")
    data_flags(v)
    v.add_argument("--dtype", choices=list(DTYPES), default="float64", help="evaluate in this precision")
    v.add_argument("--exact", action="store_true", help="also evaluate exactly in rational arithmetic (small cases)")
    v.add_argument(
        "--exact-limit", type=cli_args.positive, default=2e7, help="largest points x parameters --exact evaluates"
    )
    v.add_argument(
        "--tol",
        type=cli_args.positive,
        help="real labels: max |f(x_i) - y_i|; relative: eps (default: the one the network was built with, else "
        f"{TOL_RULE})",
    )
    v.add_argument(
        "--kind",
        type=cli_args.choice(KINDS, "label kind"),
        help="label kind (default: the one the network was built for, else inferred)",
    )
    v.add_argument(
        "--no-certify", action="store_true", help="skip the certificate and bits_sufficient (most of the work)"
    )
    v.add_argument("--no-bits", action="store_true", help=NO_BITS_HELP)
    v.add_argument("--device", default="auto", help=DEVICE_HELP)
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(func=cmd_verify)

    p = command("predict", "write a network's predictions for new points (class labels for classifiers)")
    p.add_argument("network", help="a network file (.npz)")
    data_flags(p, labels_needed=False)
    p.add_argument("--out", required=True, help="predictions: .csv/.tsv (one column) or .npz (arrays y and outputs)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_predict)

    d = command("demo", "build and verify networks on built-in datasets and print a table")
    d.add_argument("--quick", action="store_true", help="smaller datasets")
    d.set_defaults(func=cmd_demo)

    t = command("train", "gradient-train the architecture of a network file (the baseline)")
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
    t.add_argument("--lr", type=cli_args.learning_rate, help="(peak) learning rate, or auto (default: the recipe's)")
    t.add_argument("--epochs", type=cli_args.count, help="epoch budget (default: the recipe's)")
    t.add_argument("--seconds", type=cli_args.positive, help="wall-clock budget")
    t.add_argument("--batch", type=cli_args.count, help="mini-batch size (default: the recipe's)")
    t.add_argument(
        "--dtype",
        choices=TRAIN_DTYPES,
        help="training arithmetic (default: the recipe's; auto: float64 for real labels with tol < 1e-4)",
    )
    t.add_argument(
        "--tol",
        type=cli_args.positive,
        help=f"real labels: max |f(x_i) - y_i| counted as memorized (default {TOL_RULE})",
    )
    t.add_argument("--kind", type=cli_args.choice(KINDS, "label kind"), help="label kind (default: the template's)")
    t.add_argument("--seed", type=cli_args.seed, default=0, help="initialisation and batch order")
    t.add_argument("--out", help="where to write the trained network")
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=cmd_train)

    def parallel(p):
        p.add_argument("--dx", type=cli_args.count, required=True, help="input dimension of the random datasets")
        p.add_argument("--seeds", type=cli_args.count, default=10, help="random datasets per N")
        p.add_argument("--jobs", type=int, default=1, help="parallel workers (-1: all cores)")
        p.add_argument("--backend", choices=BACKENDS, default="loky", help="where the jobs run")
        p.add_argument("--scheduler", help="dask scheduler or ray cluster address (default: a local one)")
        p.add_argument(
            "--activation", type=cli_args.choice(activations.NAMES, "activation"), help="activation for every job"
        )
        p.add_argument("--labels", type=cli_args.choice(KINDS, "label kind"), help="label kind (default: the method's)")
        p.add_argument("--tol", type=cli_args.positive, help="tolerance (build's tol; train's tol)")
        p.add_argument("--recipe", choices=list(RECIPES), help="train: recipe (default: strong)")
        p.add_argument("--lr", type=cli_args.learning_rate, help="train: (peak) learning rate, or auto")
        p.add_argument("--epochs", type=cli_args.count, help="train: epoch budget")
        p.add_argument("--seconds", type=cli_args.positive, help="train: wall-clock budget per job")
        p.add_argument("--optimizer", choices=OPTIMIZERS, help="train: optimizer")
        p.add_argument(
            "--option",
            type=cli_args.option,
            action="append",
            metavar="KEY=VALUE",
            help="any construction option, for every job",
        )
        p.add_argument("--json", action="store_true", help="print JSON")

    methods = cli_args.choice([*METHODS, "train"], "method")
    c = command("capacity", "largest N a method memorizes with fixed widths (>= need of seeds datasets)")
    c.add_argument(
        "--method",
        required=True,
        type=methods,
        metavar="METHOD",
        help="a construction, or train (the gradient baseline)",
    )
    c.add_argument("--widths", type=cli_args.widths, help="hidden widths (default: the theorem's smallest for each N)")
    c.add_argument("--need", type=cli_args.count, default=9, help="datasets that must be memorized")
    c.add_argument("--start", type=cli_args.count, default=1, help="first N tried")
    c.add_argument("--max-n", type=cli_args.count, default=10**6, help="largest N tried")
    c.add_argument("--db", help="SQLite file of the trials (resumes a search; default: temporary)")
    parallel(c)
    c.set_defaults(func=cmd_capacity)

    s = command("sweep", "run a grid of (method, widths, N, seed) jobs into an SQLite file (resumable)")
    s.add_argument("--method", required=True, help="comma-separated methods (constructions or train)")
    s.add_argument(
        "--widths", type=cli_args.widths, action="append", help="hidden widths; repeat for several architectures"
    )
    s.add_argument(
        "--n", type=lambda t: [cli_args.count(v) for v in t.split(",")], required=True, help="comma-separated N"
    )
    s.add_argument("--db", required=True, help="SQLite file: one row per finished job")
    parallel(s)
    s.set_defaults(func=cmd_sweep)

    r = command("reproduce", "run a paper's experiment (or all, into an HTML report): tables and figures")
    r.add_argument(
        "paper",
        type=cli_args.choice(["all", *EXPERIMENTS], "experiment"),
        metavar="NAME",
        help=f"all, or one of {', '.join(sorted(EXPERIMENTS))}",
    )
    r.add_argument("--out", default="results", help="output folder")
    r.add_argument("--full", action="store_true", help="the full grids (default: the quick size, minutes on 2 cores)")
    r.set_defaults(func=cmd_reproduce)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("memorizers: interrupted", file=sys.stderr)
        return 130
    except (MemorizersError, MemoryError) as e:
        failed = isinstance(e, _Failed)
        message = (
            str(e)
            if not isinstance(e, MemoryError) or isinstance(e, MemorizersError)
            else f"out of memory ({e or 'MemoryError'})"
        )
        print(f"memorizers: {'' if failed else 'error: '}{message}", file=sys.stderr)
        if getattr(args, "json", False):
            print(json_text({"error": message, "type": "VerificationError" if failed else type(e).__name__}))
        return 1 if failed else 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
