"""The documentation: Sphinx builds it with warnings as errors and every cross-reference checked (as make docs
does), the gallery's examples run and draw, and headless Chromium renders the index and a gallery page with the
mathematics as MathML, offline."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import benchmark, chromium_flags

ROOT = Path(__file__).parent.parent
pytest.importorskip("sphinx")
pytest.importorskip("pydata_sphinx_theme")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-E", "-W", "-n", "--keep-going", "-b", "html", "docs", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_every_paper_has_a_page_and_an_executed_example_with_a_figure(site):
    for paper in ("yun", "bubeck", "vershynin", "daniely", "zhang", "vardi"):
        assert (site / "papers" / f"{paper}.html").exists()
    examples = sorted((site / "auto_examples").glob("plot_*.html"))
    assert len(examples) >= 6
    for page in examples:
        assert re.search(r'<img [^>]*src="[^"]*sphx_glr_plot_[^"]*\.png"', page.read_text()), page.name


def test_the_api_reference_covers_the_public_names(site):
    import memorizers

    for name in memorizers.__all__:
        obj = getattr(memorizers, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            continue  # the errors are documented with the functions that raise them
        assert (site / "generated" / f"memorizers.{name}.html").exists(), name


@pytest.mark.parametrize("page", ["index.html", "papers/yun.html", "auto_examples/plot_zhang.html"])
def test_pages_render_in_headless_chromium_with_their_mathematics(site, page, tmp_path):
    chromium = chromium_flags(tmp_path / "profile")
    done = subprocess.run(
        [
            *chromium,
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            (site / page).as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "<main" in done.stdout and "</html>" in done.stdout
    if page.startswith("papers"):
        assert "<math" in done.stdout  # the theorems' mathematics, as MathML: no script, no network
    if page.startswith("auto_examples"):
        assert re.search(r"<img [^>]*sphx_glr_plot_zhang", done.stdout)  # the example's figure
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Error" in line or "Uncaught" in line], console[:3]


def test_the_readme_is_short_and_the_manual_is_in_the_site(site):
    """The README says what it is, the two commands, an example, the methods and where to read on; the long form
    is the site's manual."""
    readme = (ROOT / "README.md").read_text().splitlines()
    assert len(readme) <= 150 and any("make test" in line for line in readme)
    assert "Theorem 3.1 is built" in (site / "manual.html").read_text()


def test_the_command_line_page_has_every_commands_options(site):
    page = (site / "cli.html").read_text()
    for flag in ("--dry-run", "--any-order", "--rtol", "--seconds", "--keep-failed", "--jitter"):
        assert flag in page, flag


def test_the_benchmarks_page_shows_every_table_make_bench_writes_with_its_provenance(site):
    """make bench writes each script's tables to docs/benchmarks/ (benchmarks/publish.py); the page includes every
    one, each with the date, machine and commit it was measured at."""
    scripts = re.search(r"publish\.py ([\w ]+)\n", (ROOT / "Makefile").read_text()).group(1).split()
    page = (site / "benchmarks.html").read_text()
    assert len(scripts) >= 4
    for script in scripts:
        text = (ROOT / "docs" / "benchmarks" / f"{script}.md").read_text()
        measured = re.search(r"Measured \d{4}-\d{2}-\d{2} on .+, \d+ cores, .+; commit [\w-]+\.", text)
        assert measured and measured.group(0) in page, script
        lines = text.splitlines()
        rules = [i for i, line in enumerate(lines) if line.startswith("|-")]
        assert rules and lines[rules[0] + 1].startswith("| "), script  # a table with at least one row


def test_the_benchmark_publisher_records_what_a_reader_needs_to_compare():
    line = benchmark("publish").provenance()
    assert re.fullmatch(
        r"Measured \d{4}-\d{2}-\d{2} on .+, \d+ cores, .+; Python [\d.]+, NumPy [\d.]+; commit .+\.", line
    )
