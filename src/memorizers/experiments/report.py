"""``memorizers reproduce all``: every paper experiment, and one HTML page with their tables, figures and verdicts.

Each experiment module has ``run(out_dir, quick, progress)`` (writes ``NAME.md``, ``NAME*.png``
and data files into out_dir and returns its result) and ``claims(result)`` (a list of
{statement, measured, holds}, holds True / False / None for a measurement the paper makes
no claim about). :func:`run_all` runs them at the "quick" size (minutes on 2 cores) or the
"full" one, then writes ``index.html``: its provenance (library version, commit, date, machine, BLAS), a
summary of verdicts with the regime, seeds and sizes behind each (:func:`memorizers.experiments.verdict`), and
per experiment one paragraph per claim (the paper's statement, what was measured, the verdict), the table and
the figures. The page is one self-contained file: the figures are embedded as SVG, and mathematics written as
$TeX$ in the claims is rendered to MathML when the page is written (latex2mathml), so it opens offline with no
script, font or image from elsewhere. A small script on it records in ``body[data-images]`` how many images
loaded, which the tests read back from headless Chromium.
"""

from __future__ import annotations

import base64
import html
import importlib
import os
import platform
import re
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from ..files import atomic_write_bytes
from . import VERDICTS, regime_text, scope, verdict

EXPERIMENTS = {  # name: (module, title)
    "yun-sgd": ("yun_sgd", "Yun, Sra & Jadbabaie (2019), Theorem 5.1: SGD near a memorizing global minimum"),
    "capacity": (
        "capacity",
        "Yun, Sra & Jadbabaie (2019), Theorem 3.1: capacity of a fixed architecture, construction vs training",
    ),
    "daniely": ("daniely", "Daniely (2020), Theorem 1: one gradient step memorizes"),
    "bubeck": ("bubeck", "Bubeck, Eldan, Lee & Mikulincer (2020): network size and total weight"),
    "vershynin": (
        "vershynin",
        "Vershynin (2020): correlation decay and the memory capacity of threshold and ReLU networks",
    ),
    "precision": ("precision", "Bits of precision each construction provably needs, against N"),
    "float": (
        "float_native",
        "Memorization in float32 and bfloat16 in any order of summation, against the counting bound",
    ),
    "heldout": ("heldout", "The classifier constructions on real images: memorized, certified, and held-out accuracy"),
    "training": (
        "training",
        "Construction vs the strongest training recipe on real images, real and shuffled labels",
    ),
    "frontier": (
        "frontier",
        "Vardi, Yehudai & Shamir (2022): Õ(√N) parameters of Õ(√N) bits, against the seeds' Θ(N), on the same data",
    ),
    "robust": (
        "robustness",
        "Yu, Gao & Zhang (2024), Kim, Moon & Yun (2025): certified robust radii of every construction",
    ),
}

_COLOUR = dict(zip(VERDICTS, ("#1a7f37", "#cf222e", "#6e7781", "#9a6700")))


def provenance() -> dict:
    """What produced a report: library version, commit, date, machine, BLAS."""
    import numpy as np

    from .. import __version__

    source = Path(__file__).resolve().parents[3]
    commit = "not a git checkout"
    try:
        head = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if head.returncode == 0:
            commit = head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info

        blas = "; ".join(
            f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture') or 'generic'}, "
            f"{i.get('num_threads')} threads)"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        )
    except ImportError:
        blas = "unknown"
    return {
        "library": f"memorizers {__version__}",
        "commit": commit,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "software": f"Python {platform.python_version()}, NumPy {np.__version__}",
        "BLAS": blas or "none found",
    }


def _inline(text: str) -> str:
    """Escaped text with **bold**, and $TeX$ rendered as MathML (no script, no network: works offline)."""
    parts = re.split(r"\$([^$]+)\$", text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(_math(part))
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(part)))
    return "".join(out)


def _math(tex: str) -> str:
    try:
        from latex2mathml.converter import convert
    except ImportError:  # without the experiments extra: the TeX itself, readable
        return f"<code>{html.escape(tex)}</code>"
    return convert(tex)


def plain(text: str) -> str:
    """A statement for the terminal: the TeX without its dollar signs."""
    return text.replace("$", "")


def markdown_to_html(md: str) -> str:
    """The small part of Markdown the experiments write: pipe tables, "- " lists, **bold**, paragraphs."""
    out, table, items, para = [], [], [], []

    def flush():
        if table:
            rows = [
                [c.strip() for c in line.strip().strip("|").split("|")]
                for line in table
                if not re.match(r"^\|[-| ]+\|$", line.strip())
            ]
            head, body = rows[0], rows[1:]
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
            out.append("</tbody></table>")
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()

    for line in md.splitlines():
        kind = (
            "table"
            if line.lstrip().startswith("|")
            else "item"
            if line.startswith("- ")
            else "blank"
            if not line.strip()
            else "text"
        )
        if (kind != "table" and table) or (kind != "item" and items) or (kind != "text" and para):
            flush()
        if kind == "table":
            table.append(line)
        elif kind == "item":
            items.append(line[2:])
        elif kind == "text":
            para.append(line.strip())
    flush()
    return "\n".join(out)


def _without_verdicts(md: str) -> str:
    """The experiment's markdown less its verdict lines (the page shows them as claim paragraphs)."""
    words = "|".join(VERDICTS)
    return "\n".join(line for line in md.splitlines() if not re.match(rf"^- \*\*({words})\*\*:", line))


def run_all(out_dir, quick: bool = True, progress: bool = True, only=None) -> dict:
    """Run the experiments (all, or the names in ``only``) into out_dir and write out_dir/index.html."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections = {}
    for name, (module, title) in EXPERIMENTS.items():
        if only is not None and name not in only:
            continue
        experiment = importlib.import_module(f"memorizers.experiments.{module}")
        if progress:
            print(f"== {name} ({'quick' if quick else 'full'})", flush=True)
        start = time.perf_counter()
        result = experiment.run(out, quick=quick, progress=progress)
        figures = sorted(p.name for p in out.glob(f"{module}*.png"))
        sections[name] = {
            "title": title,
            "module": module,
            "claims": experiment.claims(result),
            "seconds": time.perf_counter() - start,
            "markdown": (out / f"{module}.md").read_text(),
            "figures": figures,
            "svg": {f: (out / f).with_suffix(".svg").read_bytes() for f in figures},
            "captions": getattr(experiment, "CAPTIONS", {}),
        }
    atomic_write_bytes(out / "index.html", page(sections, quick).encode())
    return sections


def page(sections: dict, quick: bool, made: dict | None = None) -> str:
    """The report as one self-contained static HTML page (figures embedded as SVG)."""
    size = "quick" if quick else "full"
    made = made or provenance()
    summary = []
    body = []
    for name, s in sections.items():
        for c in s["claims"]:
            word = verdict(c)
            summary.append(
                f'<tr><td><a href="#{name}">{html.escape(name)}</a></td><td>{_inline(c["statement"])}</td>'
                f'<td style="color:{_COLOUR[word]}"><strong>{word}</strong></td>'
                f"<td>{_inline(regime_text(c))}</td><td>{c.get('seeds', 0)}</td>"
                f"<td>{_inline(c.get('sizes') or '-')}</td></tr>"
            )
        claims = "".join(
            f'<p class="claim"><strong style="color:{_COLOUR[verdict(c)]}">{verdict(c)}.</strong> '
            f"<em>Claim:</em> {_inline(c['statement'])} <em>Measured:</em> {_inline(c['measured'])} "
            f'<span class="meta">({_inline(scope(c))})</span></p>'
            for c in s["claims"]
        )
        figures = "".join(
            f'<figure><img src="data:image/svg+xml;base64,{base64.b64encode(s["svg"][f]).decode()}" '
            f'alt="{html.escape(s["captions"].get(f, f))}" data-name="{html.escape(f)}">'
            f"<figcaption><strong>{html.escape(f)}.</strong> "
            f"{html.escape(s['captions'].get(f, ''))}</figcaption></figure>"
            for f in s["figures"]
        )
        body.append(
            f'<section id="{name}"><h2>{html.escape(s["title"])}</h2>'
            f'<p class="meta">memorizers reproduce {name} ({size}): {s["seconds"]:.0f} s</p>'
            f"{claims}<details "
            f"open><summary>Table</summary>{markdown_to_html(_without_verdicts(s['markdown']))}</details>{figures}</section>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memorizers: reproduction report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }}
td, th {{ border: 1px solid #d0d7de; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }}
th {{ background: #f6f8fa; }}
img {{ max-width: 100%; }}
figure {{ margin: 1em 0; }}
.claim {{ border-left: 3px solid #d0d7de; padding-left: 0.7em; }}
.meta {{ color: #6e7781; }}
</style></head>
<body data-images="pending">
<h1>memorizers: reproduction report ({size} size)</h1>
<table class="provenance"><tbody>
{"".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in made.items())}
</tbody></table>
<p>Each claim of the papers next to what this library measured. <em>holds</em>: measurements inside the theorem's
regime, over at least 3 seeds, support the claim; <em>not supported</em>: a measurement inside the regime
contradicts it; <em>measured</em>: a measurement the paper makes no claim about, or one over fewer seeds;
<em>not tested at this size</em>: no measurement lies in the theorem's regime. Every table and figure below is
regenerated by <code>memorizers reproduce all{"" if quick else " --full"}</code>.</p>
<table><thead><tr><th>experiment</th><th>claim</th><th>verdict</th><th>regime</th><th>seeds</th><th>sizes</th></tr>
</thead><tbody>
{"".join(summary)}
</tbody></table>
{"".join(body)}
<script>
window.addEventListener("load", function () {{
  var images = Array.prototype.slice.call(document.images);
  var ok = images.filter(function (i) {{ return i.complete && i.naturalWidth > 0; }}).length;
  document.body.setAttribute("data-images", ok + "/" + images.length);
}});
</script>
</body></html>
"""
