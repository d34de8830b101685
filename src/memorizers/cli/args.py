"""The command line's argument types, help formatting and examples (used by :mod:`memorizers.cli`).

Every type raises argparse.ArgumentTypeError with a message that names what was expected, which
:class:`Parser` prints as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import difflib
import json

import numpy as np

EXAMPLES = {
    "build": """examples:
  memorizers build --method yun-3layer --data data.npz --out net.npz
  memorizers build --method yun-classifier --data iris.csv --target species --out net.npz
  memorizers build --method yun-2layer --data digits.npz --out net.npz
  memorizers build --method vershynin --data unit.npz --option separation=0.05 --option batch=8 --out net.npz
  memorizers build --method vardi --data classes.npz --out net.npz   # exact parameters, judged exactly""",
    "verify": """examples:
  memorizers verify net.npz --data data.npz
  memorizers verify net.npz --data data.npz --dtype float32 --json""",
    "predict": """examples:
  memorizers predict net.npz --data new.csv --out predictions.csv
  memorizers predict net.npz --data X.npy --out predictions.npz""",
    "train": """examples:
  memorizers train --like net.npz --data data.npz --seconds 60 --out trained.npz""",
}


class Help(argparse.RawDescriptionHelpFormatter):
    """Help that shows each option's default (unless it is None or False) and keeps the examples' layout."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if (
            "%(default)" not in text
            and action.option_strings
            and not (default is None or default is False or default == argparse.SUPPRESS)
        ):
            text += " (default: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2) instead of a usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def widths(text: str) -> tuple[int, ...]:
    try:
        out = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"widths must be comma-separated integers, got {text!r}") from None
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return out


def choice(known, what: str):
    """An argparse type: one of ``known``, with "did you mean" for a near miss."""

    def parse(text: str) -> str:
        if text in known:
            return text
        close = difflib.get_close_matches(text, list(known), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise argparse.ArgumentTypeError(f"unknown {what} {text!r}{hint} (known: {', '.join(sorted(known))})")

    return parse


def formats(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated names of floating-point formats (memorizers.certify.FORMATS), or all."""
    from ..certify.formats import FORMATS

    if text == "all":
        return tuple(FORMATS)
    parse = choice(FORMATS, "format")
    return tuple(parse(name.strip()) for name in text.split(","))


def number(kind, test, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}, got {text!r}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
        return value

    return parse


positive = number(float, lambda v: np.isfinite(v) and v > 0, "must be a positive number")
count = number(int, lambda v: v >= 1, "must be a positive integer")
seed = number(int, lambda v: v >= 0, "must be a non-negative integer")


def learning_rate(text: str):
    """--lr: a positive number, or "auto" (training's short search over candidate rates)."""
    if text == "auto":
        return text
    return number(float, lambda v: np.isfinite(v) and v > 0, "must be a positive number or 'auto'")(text)


def option(text: str) -> tuple[str, object]:
    """--option KEY=VALUE: VALUE is JSON (numbers, true/false/null, lists), inf/nan, a comma list, or a string."""
    key, sep, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"--option takes KEY=VALUE, got {text!r}")
    return key, value(raw.strip())


def value(raw: str):
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        pass
    if "," in raw:
        return [value(part) for part in raw.split(",")]
    return raw
