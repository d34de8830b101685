"""``memorizers robust``: certified robust radii of a network on a dataset (:func:`memorizers.robust.robust_radius`)."""

from __future__ import annotations

import numpy as np

from ..files import json_text
from ..kinds import KINDS
from ..readers import read_model
from ..robust import robust_radius
from . import args as args_
from .common import command, data_flags, load


def cmd_robust(args) -> int:
    network = read_model(args.network)
    data = load(args, network)
    r = robust_radius(network, data.X, data.y, norm=args.norm, kind=args.kind, tol=args.tol)
    if args.json:
        print(
            json_text(
                {
                    "norm": r.norm,
                    "separation": r.separation,
                    "kind": r.kind,
                    "tol": r.tol,
                    "steps": r.steps,
                    "radius": r.radius.tolist(),
                    "rho": r.rho.tolist(),
                    "nearest_other_label": r.nearest.tolist(),
                    "row_space_bound": r.row_space.tolist(),
                    "min_radius": float(r.radius.min(initial=np.inf)),
                    "median_radius": float(np.median(r.radius)),
                    "min_rho": float(r.rho.min(initial=np.inf)),
                    "median_rho": float(np.median(r.rho)),
                }
            )
        )
    else:
        print(r.summary())
    return 0


def add_robust(sub) -> None:
    """robust: the certified robust radius of every point."""
    p = command(sub, "robust", "certify, per point, the largest ball on which the network keeps the label")
    p.add_argument("network", help="a network file (.npz), an ONNX model (.onnx) or a torch module (.pt, .pth)")
    data_flags(p)
    p.add_argument("--norm", choices=["inf", "2"], default="inf", help="the balls' norm")
    p.add_argument("--kind", type=args_.choice(KINDS, "label kind"), help="label kind (default: the network's)")
    p.add_argument("--tol", type=args_.positive, help="real labels: max |f(x) - y_i| on the ball")
    p.add_argument("--json", action="store_true", help="print one JSON object, with every point's radius")
    p.set_defaults(func=cmd_robust)
