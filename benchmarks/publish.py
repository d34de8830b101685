"""Runs benchmark scripts and writes each one's printed tables to ``docs/benchmarks/<script>.md`` under a line
saying when, where and at which commit they were measured, so that the documentation's benchmarks page shows
what ``make bench`` measured last (the page includes these files; a run that fails writes nothing).

    python benchmarks/publish.py certify build_profile [--out docs/benchmarks]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import io
import os
import platform
import runpy
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _Tee(io.StringIO):
    """Keeps what the script prints and shows it as it comes."""

    def write(self, text):
        sys.__stdout__.write(text)
        sys.__stdout__.flush()
        return super().write(text)


def provenance() -> str:
    """Date, machine (CPU model, cores, BLAS), Python, NumPy and the commit: what a reader needs to compare."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    blas = "unknown BLAS"
    with contextlib.suppress(Exception):
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{info['name']} {info.get('version', '')}".strip()
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
    return (
        f"Measured {datetime.date.today().isoformat()} on {cpu}, {os.cpu_count()} cores, {blas}; Python "
        f"{platform.python_version()}, NumPy {np.__version__}; commit {commit}."
    )


def run(script: str, out: Path, args: list[str]) -> None:
    path = HERE / f"{script}.py"
    doc = " ".join((ast.get_docstring(ast.parse(path.read_text())) or script).split("\n\n")[0].split())
    argv, sys.argv = sys.argv, [str(path), *args]
    sys.path.insert(0, str(HERE))
    try:
        with contextlib.redirect_stdout(_Tee()) as tee:
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = argv
        sys.path.remove(str(HERE))
    out.mkdir(parents=True, exist_ok=True)
    command = " ".join(["python", f"benchmarks/{script}.py", *args])
    text = f"## `{script}`: {doc}\n\n{provenance()} Command: `{command}`.\n\n{tee.getvalue().strip()}\n"
    (out / f"{script}.md").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="+", help="benchmark scripts, without .py")
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs" / "benchmarks")
    args = parser.parse_args()
    for script in args.scripts:
        run(script, args.out, [])


if __name__ == "__main__":
    main()
