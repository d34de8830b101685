"""Command line: ``memorizers methods | build | verify | predict | robust | train | demo | capacity | sweep |
reproduce``.

Errors a user can cause are printed as one line on stderr with exit code 2 (bad input) or 1
(a network that fails verification), and with ``--json`` also as a JSON object on stdout;
Ctrl-C prints one line and exits with 130, leaving no partial file. Never a traceback.

Each command is a ``cmd_<name>`` beside the ``add_<name>`` that declares its flags: :mod:`.networks` (build,
verify, predict), :mod:`.robust` (robust), :mod:`.runs` (demo, train, capacity, sweep, reproduce),
:mod:`.methods` (methods);
:mod:`.common` holds what they share
and :mod:`.args` the argument types, help formatting and examples.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import version

from ..errors import MemorizersError
from ..files import json_text
from . import args as args_
from .common import Failed
from .methods import add_methods
from .networks import add_build, add_predict, add_verify
from .robust import add_robust
from .runs import add_capacity, add_demo, add_reproduce, add_sweep, add_train


def parser() -> argparse.ArgumentParser:
    top = args_.Parser(
        prog="memorizers", description="Build networks that provably memorize a dataset.", formatter_class=args_.Help
    )
    top.add_argument("--version", action="version", version=f"memorizers {version('memorizers')}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=args_.Parser)
    for add in (
        add_methods,
        add_build,
        add_verify,
        add_predict,
        add_robust,
        add_demo,
        add_train,
        add_capacity,
        add_sweep,
        add_reproduce,
    ):
        add(sub)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("memorizers: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader closed the pipe (| head): stop quietly, as a Unix tool does on SIGPIPE
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 141
    except (MemorizersError, MemoryError) as e:
        failed = isinstance(e, Failed)
        message = (
            str(e)
            if not isinstance(e, MemoryError) or isinstance(e, MemorizersError)
            else f"out of memory ({e or 'MemoryError'})"
        )
        print(f"memorizers: {'' if failed else 'error: '}{message}", file=sys.stderr)
        if getattr(args, "json", False):
            print(json_text({"error": message, "type": "VerificationError" if failed else type(e).__name__}))
        return 1 if failed else 2
