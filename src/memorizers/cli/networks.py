"""The commands on one network and one dataset: build, verify, predict."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict

import numpy as np

from .. import activations, labels
from ..build import build, option_names, plan
from ..certify.formats import FORMATS
from ..constructions import METHODS
from ..data import check_finite, input_files, jitter
from ..errors import MemorizersError, VerificationError
from ..export import precision_note
from ..files import atomic_write_bytes, json_text, output_path
from ..kinds import KINDS, TOL_RULE
from ..network import Network
from ..readers import read_model
from ..verify import DTYPES, recorded_kind_and_tol, verify
from . import args as args_
from .common import (
    Failed,
    activation_option,
    cell,
    certificate_flags,
    command,
    data_flags,
    load,
    refuse_overwriting,
    widths_text,
)


def _build_options(args) -> dict:
    """Construction options from the dedicated flags and every --option KEY=VALUE, checked against the method."""
    takes = option_names(args.method)
    # the construction's seed (0 unless given); a method without randomness takes none, and refuses one given
    options = {"seed": args.seed} if args.seed is not None else {"seed": 0} if "seed" in takes else {}
    if args.widths is not None:
        options["widths"] = args.widths
    act = activation_option(args)
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
    options = _build_options(args)  # before reading any data
    if args.dry_run:
        data = load(args)
        found = plan(args.method, data.X, data.y, kind=args.kind, **options)
        print(json_text(asdict(found)) if args.json else found.summary())
        return 0
    if args.out is None:
        raise MemorizersError("build needs --out (where to write the network), or --dry-run")
    refuse_overwriting(args.out, *input_files(args.data, args.labels))
    output_path(args.out)
    data = load(args)
    X = data.X
    if args.jitter is not None:
        X = jitter(X, args.jitter, args.seed or 0)
    start = time.perf_counter()
    try:
        built = build(
            args.method,
            X,
            data.y,
            tol=args.tol,
            rtol=args.rtol,
            kind=args.kind,
            certify=not args.no_certify,
            bits=not args.no_bits,
            progress=not args.json,
            device=args.device,
            **options,
        )
    except VerificationError as e:
        if not args.keep_failed:
            raise Failed(f"verification failed, network not written: {e}") from None
        e.network.save(args.out)
        raise Failed(f"verification failed, network written anyway (--keep-failed) to {args.out}: {e}") from None
    seconds = time.perf_counter() - start
    if data.feature_names is not None:  # predict and verify pick the same columns of a table
        built.network.meta.update(features=data.feature_names, target=data.target_name)
    report, jittered = built.report, None
    if args.jitter is not None:  # exit 0 only for a network that memorizes the data as given
        built.network.meta["jitter"] = {"scale": args.jitter, "seed": args.seed or 0}
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
            f"built for the inputs jittered by {args.jitter:g} x each column's std (seed {args.seed or 0}), where it "
            f"memorizes {jittered.accuracy:.4%}; on the data as given: {report.summary()}"
        )
        if not report.passed:
            if args.keep_failed:
                built.network.save(args.out)
            where = f"written anyway (--keep-failed) to {args.out}" if args.keep_failed else "not written"
            raise Failed(
                f"the network built on jittered inputs does not memorize the data as given ({report.summary()}); "
                f"network {where}"
            )
    built.network.save(args.out)
    merged = built.info.get("repeated_rows_merged")
    if merged:
        notes.append(f"{merged} repeated row(s) (identical points with equal labels) built once; every row verified")
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
            f"  hidden widths {widths_text(s['hidden_widths'])}, {s['parameters']} parameters, max |weight| "
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


def add_build(sub) -> None:
    """build: construct a network for a dataset and verify it."""
    method = args_.choice(METHODS, "method")
    b = command(sub, "build", "construct a network for a dataset and verify it")
    b.add_argument(
        "--method",
        required=True,
        type=method,
        metavar="METHOD",
        help="; ".join(f"{k}: {m.statement}: {m.summary}" for k, m in sorted(METHODS.items())),
    )
    data_flags(b)
    b.add_argument("--out", help="where to write the network (.npz); required unless --dry-run")
    b.add_argument(
        "--dry-run",
        action="store_true",
        help="print the widths, parameters, memory and the time of one forward pass, and build nothing",
    )
    b.add_argument(
        "--activation",
        type=args_.choice(activations.NAMES, "activation"),
        help=f"one of {', '.join(activations.NAMES)} (default: the method's)",
    )
    b.add_argument("--negative-slope", type=float, default=0.01, help="slope of leaky-relu below 0")
    b.add_argument(
        "--widths", type=args_.widths, help="hidden widths, e.g. 64,64 (default: the smallest the theorem allows)"
    )
    b.add_argument("--force", action="store_true", help="daniely: allow an activation the theorem does not cover")
    b.add_argument(
        "--seed",
        type=args_.seed,
        help="random seed of the construction and of --jitter; a method that draws nothing takes none (default: 0)",
    )
    b.add_argument(
        "--clip-margin",
        type=args_.positive,
        help="Yun: distance beyond +-1 of every clipped pre-activation (default 1)",
    )
    b.add_argument(
        "--option",
        type=args_.option,
        action="append",
        metavar="KEY=VALUE",
        help="any other option of the construction (repeatable), e.g. n_classes=10, separation=0.05, batch=8, "
        "max_rounds=500; see a method's options in the error for an unknown one",
    )
    b.add_argument(
        "--jitter",
        type=args_.positive,
        metavar="SCALE",
        help="build for X plus Gaussian noise of SCALE x each column's std (puts repeated pixel values, e.g., in "
        "general position), then verify on X as given: exit 0 only if the network memorizes the data as given",
    )
    b.add_argument(
        "--tol",
        type=args_.positive,
        help=f"real labels: max |f(x_i) - y_i| accepted in float64, in y's units (default {TOL_RULE}, times the "
        "labels' scale 2^k for labels beyond [-1, 1]); ntk, harmonic: eps of ||f - y||^2 <= eps ||y||^2 (default 0.01)",
    )
    b.add_argument(
        "--rtol",
        type=args_.positive,
        help="real labels: the tolerance as a fraction of the largest |y_i| (instead of --tol)",
    )
    b.add_argument("--kind", type=args_.choice(KINDS, "label kind"), help="label kind to score (default: the method's)")
    b.add_argument(
        "--keep-failed", action="store_true", help="write the network even when it fails verification (exit status 1)"
    )
    certificate_flags(b, "skip the certificate (costliest at scale; on the CPU)")
    b.add_argument("--json", action="store_true", help="print one JSON object (an error too)")
    b.set_defaults(func=cmd_build)


def cmd_verify(args) -> int:
    network = read_model(args.network)
    data = load(args, network)
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
        any_order=args.any_order,
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
            f"{method}: hidden widths {widths_text(stats['hidden_widths'])}, {stats['parameters']} parameters, "
            f"max |weight| {stats['max_abs_weight']:.3e}, W(f) {stats['total_weight']:.4g}"
        )
    return 0 if report.passed and (report.exact is None or report.exact.passed) else 1


def add_verify(sub) -> None:
    """verify: check that a network reproduces a dataset, and certify it."""
    v = command(sub, "verify", "check that a network reproduces a dataset, and certify it")
    v.add_argument(
        "network",
        help="a network file (.npz) written by build or train, an ONNX model (.onnx) or a torch module saved whole "
        "(.pt, .pth: unpickled, so only files you trust)",
    )
    data_flags(v)
    v.add_argument("--dtype", choices=list(DTYPES), default="float64", help="evaluate in this precision")
    v.add_argument("--exact", action="store_true", help="also evaluate exactly in rational arithmetic (small cases)")
    v.add_argument(
        "--exact-limit", type=args_.positive, default=2e7, help="largest points x parameters --exact evaluates"
    )
    v.add_argument(
        "--tol",
        type=args_.positive,
        help="real labels: max |f(x_i) - y_i|; relative: eps (default: the one the network was built with, else "
        f"{TOL_RULE})",
    )
    v.add_argument(
        "--kind",
        type=args_.choice(KINDS, "label kind"),
        help="label kind (default: the one the network was built for, else inferred)",
    )
    certificate_flags(v, "skip the certificate and bits_sufficient (most of the work)")
    v.add_argument(
        "--any-order",
        type=args_.formats,
        metavar="FORMATS",
        help=f"certify every evaluation in these formats ({', '.join(FORMATS)}, comma-separated, or all) in any "
        "order of summation, with or without FMA and flush-to-zero (default: --dtype's, if below float64)",
    )
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(func=cmd_verify)


def cmd_predict(args) -> int:
    network = read_model(args.network)
    refuse_overwriting(args.out, *input_files(args.data, args.labels), args.network)
    output_path(args.out)
    data = load(args, network, need_labels=False)
    X = np.asarray(data.X)
    if X.ndim != 2 or X.shape[1] != network.n_in or X.dtype.kind not in "biuf":
        raise MemorizersError(f"--data must hold real points of dimension {network.n_in}; got {X.dtype} {X.shape}")
    check_finite(X, "--data")
    F = network.outputs(network.as_read(X))  # exact parameters: evaluated exactly
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
        text = sep.join(header) + "\n" + "".join(sep.join(map(cell, r)) + "\n" for r in rows.tolist())
        atomic_write_bytes(args.out, text.encode())
    else:
        raise MemorizersError(f"--out {args.out}: write predictions to a .csv, .tsv or .npz file")
    if args.json:
        print(json_text({"out": str(args.out), "points": len(X), "kind": kind}))
    else:
        print(f"{len(X)} predictions ({kind}) -> {args.out}")
    return 0


def add_predict(sub) -> None:
    """predict: a network's predictions for new points."""
    p = command(sub, "predict", "write a network's predictions for new points (class labels for classifiers)")
    p.add_argument("network", help="a network file (.npz), an ONNX model (.onnx) or a torch module saved whole (.pt)")
    data_flags(p, labels_needed=False)
    p.add_argument("--out", required=True, help="predictions: .csv/.tsv (one column) or .npz (arrays y and outputs)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_predict)
