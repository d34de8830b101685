"""``.. cli-help:: COMMAND``: the command's ``--help``, read from the parser when the docs are built, so the page
lists every option with its default exactly as the command line does."""

import argparse

from docutils import nodes
from docutils.parsers.rst import Directive


class CliHelp(Directive):
    required_arguments = 0
    optional_arguments = 1

    def run(self):
        from memorizers.cli import parser

        top = parser()
        if not self.arguments:
            text = top.format_help()
        else:
            sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
            text = sub.choices[self.arguments[0]].format_help()
        block = nodes.literal_block(text, text)
        block["language"] = "text"  # no highlighting: the help as printed
        return [block]


def setup(app):
    app.add_directive("cli-help", CliHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
