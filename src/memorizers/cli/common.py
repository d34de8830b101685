"""What the commands share: the dataset of --data, the checks of --out, the one-line failure, and the helpers that
give every command the same flags."""

from __future__ import annotations

import os

from .. import activations
from ..data import DATA_FORMATS, load_data
from ..errors import MemorizersError
from ..files import output_path
from ..network import Network
from . import args as args_

DEVICE_HELP = (
    "where the verification's forward pass and certificate run: auto (a CUDA GPU through PyTorch when there is "
    "one, else NumPy), numpy, or a torch device such as cuda:1"
)
NO_BITS_HELP = (
    "certify without searching bits_sufficient, the precision that provably suffices (the search costs about as "
    "much as the certificate)"
)


class Failed(MemorizersError):
    """A network that fails verification: exit status 1."""


def command(sub, name: str, text: str, **kw):
    """A subcommand's parser, with its help, description and examples."""
    return sub.add_parser(
        name, help=text, description=text, epilog=args_.EXAMPLES.get(name), formatter_class=args_.Help, **kw
    )


def certificate_flags(p, no_certify_help: str) -> None:
    """--no-certify, --no-bits and --device: what the certificate costs and where it runs (build, verify)."""
    p.add_argument("--no-certify", action="store_true", help=no_certify_help)
    p.add_argument("--no-bits", action="store_true", help=NO_BITS_HELP)
    p.add_argument("--device", default="auto", help=DEVICE_HELP)


def data_flags(p, labels_needed: bool = True) -> None:
    """--data, --labels and --target: a dataset in the formats people have."""
    p.add_argument("--data", required=True, help=f"the points: {DATA_FORMATS}")
    p.add_argument("--labels", help="with a .npy --data: the labels, another .npy")
    p.add_argument(
        "--target",
        help="with a CSV/TSV --data: the label column, by name or index"
        + (" (default: the last; or the one the network was built with)" if labels_needed else ""),
    )


def activation_option(args) -> activations.Activation | None:
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


def load(args, network: Network | None = None, need_labels: bool = True):
    """The dataset of --data (with --labels, --target), for a network's recorded feature columns if it has them."""
    meta = network.meta if network is not None else {}
    target = args.target if args.target is not None else meta.get("target")
    return load_data(
        args.data, labels=args.labels, target=target, features=meta.get("features"), need_labels=need_labels
    )


def widths_text(widths: list[int]) -> str:
    """The hidden widths, or for a deep network (vardi: thousands of layers) their count and range."""
    if len(widths) <= 12:
        return str(widths)
    return f"{len(widths)} layers of {min(widths)} to {max(widths)} units"


def cell(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)
