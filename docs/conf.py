"""Sphinx configuration of the memorizers documentation (make docs: warnings are errors, references checked)."""

import os
import re
import sys
from importlib.metadata import version as _version

sys.path.insert(0, os.path.abspath("_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "memorizers"
author = "the memorizers developers"
copyright = "2026, the memorizers developers"
release = _version("memorizers")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinxcontrib.bibtex",
    "mathml",
    "clihelp",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}

html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_title = "memorizers"
html_math_renderer = "mathml"
templates_path = ["_templates"]
exclude_patterns = ["_build", "benchmarks"]  # benchmarks/*.md: included by benchmarks.md
nitpicky = True
# no network when the docs are built, so no intersphinx inventories: the other libraries' types are not links
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|torch|onnx|sklearn|scipy|dask|ray|fractions)(\..*)?"),
    (r"py:.*", r"array_like"),
    # numpydoc splits a field's annotation such as tuple[int, str] at its commas: builtins, never links anyway
    (r"py:class", r"(tuple|list|dict)\[.*"),
]

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# numpydoc's validation on what the API reference documents: every object has a docstring (GL08), every
# parameter is documented in order with a type and a description (PR01-PR04, PR07), every function that
# returns says what (RT01, RT03)
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "PR03", "PR04", "PR07", "RT01", "RT03"}

bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"

intersphinx_mapping = {}  # no network when the docs are built: no inventories fetched

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}


def _skip_routing(app, what, name, obj, skip, options):
    """scikit-learn's metadata-routing setters are theirs, not ours: left out of our estimators' pages."""
    return True if name.startswith("set_") and name.endswith("_request") else skip


_LITERAL = re.compile(r"(``.*?``)")


def _bars(app, what, name, obj, options, lines):
    """Docstrings write |x| for absolute values, which reST would read as a substitution: escaped, outside
    literals."""
    lines[:] = [
        "".join(part if part.startswith("``") else part.replace("|", "\\|") for part in _LITERAL.split(line))
        for line in lines
    ]


def setup(app):
    app.connect("autodoc-skip-member", _skip_routing)
    app.connect("autodoc-process-docstring", _bars)
