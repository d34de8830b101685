"""``memorizers methods [NAME]``: the registered constructions and their options, read from the registry, so that
options are seen before a build (not found by provoking an error)."""

from __future__ import annotations

import inspect

from ..constructions import METHODS
from ..files import json_text
from . import args as args_
from .common import command


def cmd_methods(args) -> int:
    if args.name is None:
        rows = [
            {"method": name, "kind": m.kind, "statement": m.statement, "summary": m.summary}
            for name, m in METHODS.items()
        ]
        if args.json:
            print(json_text(rows))
            return 0
        width = max(len(name) for name in METHODS)
        for r in rows:
            print(f"{r['method']:<{width}}  {r['kind']:<8}  {r['statement']}\n{'':<{width + 12}}{r['summary']}")
        print("\nmemorizers methods NAME: its options, their defaults and what they mean")
        return 0
    m = METHODS[args.name]
    options = {
        k: (None if p.default is p.empty else p.default)
        for k, p in inspect.signature(m.construct).parameters.items()
        if k not in ("X", "y")
    }
    required = [k for k, p in inspect.signature(m.construct).parameters.items() if p.default is p.empty][2:]
    doc = inspect.cleandoc(m.construct.__doc__ or "")
    if args.json:
        print(
            json_text(
                {
                    "method": args.name,
                    "kind": m.kind,
                    "statement": m.statement,
                    "summary": m.summary,
                    "size": m.quantity,
                    "options": {k: repr(v) for k, v in options.items()},
                    "required": required,
                    "doc": doc,
                }
            )
        )
        return 0
    print(f"{args.name}: {m.statement}\n  {m.summary}\n  label kind {m.kind}; its size is counted in {m.quantity}")
    print("options (--option KEY=VALUE; widths, activation and seed also as --widths, --activation, --seed):")
    for k, v in options.items():
        print(f"  {k} = {'(required)' if k in required else repr(v)}")
    print("\n" + doc)
    return 0


def add_methods(sub) -> None:
    """methods: list the constructions, or one construction's options."""
    p = command(sub, "methods", "list the constructions, or show one construction's options and what they mean")
    p.add_argument("name", nargs="?", type=args_.choice(METHODS, "method"), help="a method: show its options")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_methods)
