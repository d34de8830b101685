"""Capacity search: the largest N a method memorizes with a fixed architecture.

N is memorized when at least ``need`` of ``seeds`` random datasets of N points
(:func:`memorizers.sweep.dataset`: uniform on the sphere S^{dx-1}, labels of the method's
kind) give a network that passes verification. :func:`capacity` doubles N from ``start``
until that fails, then bisects between the last N that passed and the first that failed.
Every trial is a :class:`~memorizers.sweep.Job` run through :func:`~memorizers.sweep.run_sweep`,
so a search resumes from its SQLite file and runs on the same backends. It works for
every registered construction and for the gradient-training baseline (``method="train"``),
which is how the two are put side by side. Memorization need not be monotone in N; the
search reports every N it tried, so a non-monotone case is visible in the table.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MemorizersError
from .sweep import Job, run_sweep


@dataclass
class CapacityResult:
    """The outcome of a capacity search.

    Parameters
    ----------
    method : str
        The construction.
    widths : tuple of int or None
        Its hidden widths.
    dx : int
        The input dimension.
    capacity : int
        The largest N found (0: not even ``start``).
    tried : list of (int, int, int)
        Per N tried: (N, seeds memorized, seeds).
    errors : dict
        The seeds whose build raised, N -> (count, the first error's text): an error is not "not memorized".
    """

    method: str
    widths: tuple[int, ...] | None
    dx: int
    capacity: int
    tried: list[tuple[int, int, int]] = field(default_factory=list)
    errors: dict[int, tuple[int, str]] = field(default_factory=dict)

    def table(self) -> str:
        lines = ["| N | memorized | not memorized | error | first error |", "|---|---|---|---|---|"]
        for n, k, s in sorted(self.tried):
            e, text = self.errors.get(n, (0, ""))
            lines.append(f"| {n} | {k} / {s} | {s - k - e} | {e} | {text.replace('|', '/')[:160]} |")
        return "\n".join(lines)


def capacity(
    method: str,
    widths,
    dx: int,
    *,
    seeds: int = 10,
    need: int = 9,
    start: int = 1,
    max_n: int = 10**6,
    db=None,
    n_jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    progress: bool = True,
    **options,
) -> CapacityResult:
    """Largest N with ``need`` of ``seeds`` datasets memorized by ``method`` with hidden ``widths``.

    Exponential search from ``start`` (doubling, up to ``max_n``), then binary search; every trial is a
    :class:`memorizers.sweep.Job` run by :func:`memorizers.sweep.run_sweep`.

    Parameters
    ----------
    method : str
        A registered construction, or ``"train"``.
    widths : tuple of int or None
        The hidden widths (fixed: the search is over N).
    dx : int
        The input dimension.
    seeds : int
        Datasets tried per N.
    need : int
        How many of them must be memorized.
    start : int
        The first N tried.
    max_n : int
        The largest N tried.
    db : path-like, optional
        The SQLite file of the trials (default: a temporary one); the same file resumes an interrupted search.
    n_jobs : int
        As for :func:`memorizers.sweep.run_sweep`.
    backend : str
        As for :func:`memorizers.sweep.run_sweep`.
    scheduler : str, optional
        As for :func:`memorizers.sweep.run_sweep`.
    progress : bool
        As for :func:`memorizers.sweep.run_sweep`.
    **options
        Go to every job (e.g. activation, tol for train).

    Returns
    -------
    CapacityResult
        The capacity and every trial.
    """
    Job.make(method, widths, start, dx, 0, **options)  # an unknown method or option fails here, before any job
    if not 1 <= need <= seeds:
        raise MemorizersError(f"need must lie in [1, seeds = {seeds}], got {need}")
    if not 1 <= start <= max_n:
        raise MemorizersError(f"start must lie in [1, max_n = {max_n}], got {start}")
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "capacity.sqlite"
    result = CapacityResult(method, None if widths is None else tuple(widths), dx, 0)

    def memorized(n: int) -> bool:
        jobs = [Job.make(method, widths, n, dx, s, **options) for s in range(seeds)]
        rows = run_sweep(jobs, db, n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=False)
        k = sum(int(r["passed"]) for r in rows)
        result.tried.append((n, k, seeds))
        errors = [r["error"] for r in rows if r["error"]]
        if errors:
            result.errors[n] = (len(errors), errors[0])
        if progress:
            print(
                f"  N = {n}: {k}/{seeds} memorized" + (f", {len(errors)} raised ({errors[0][:120]})" if errors else ""),
                flush=True,
            )
        return k >= need

    try:
        lo, hi, n = 0, None, start  # lo: largest N known to pass; hi: smallest known to fail
        while hi is None:
            if not memorized(n):
                hi = n
            elif n >= max_n:
                result.capacity = n
                return result
            else:
                lo, n = n, min(2 * n, max_n)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if memorized(mid):
                lo = mid
            else:
                hi = mid
        result.capacity = lo
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()
