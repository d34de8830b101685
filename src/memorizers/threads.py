"""Work that releases the GIL (BLAS, HiGHS), spread over the cores with threads."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator


def thread_map(fn: Callable, items: Iterable) -> Iterator:
    """fn over items, results in order: on one thread per core with single-threaded BLAS in the main process;
    in turn in a worker process (a sweep's, which is parallel already). Each call must depend on its item alone,
    so that the results do not depend on the threads."""
    from threadpoolctl import threadpool_limits

    items = list(items)
    workers = min(os.cpu_count() or 1, len(items))
    if workers > 1 and multiprocessing.parent_process() is None:
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            yield from pool.map(fn, items)
    else:
        yield from map(fn, items)
