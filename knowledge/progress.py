"""Progress of long commands on stderr: a bar on a terminal, plain lines otherwise.

A background job (``nohup govbot ingest … 2> log``, CI) has no terminal, so a bar that
redraws itself prints nothing useful there. :func:`progress_reporter` yields a
``(done, total)`` callback: on a terminal it drives a rich progress bar; otherwise it
writes a line such as ``embedding: 120/580 (21%), 0:01:12 elapsed, ~0:04:25 left`` at
most every ``every_s`` seconds, and once more when the job is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

ProgressCallback = Callable[[int, int], None]
DEFAULT_EVERY_S = 30.0


@contextmanager
def progress_reporter(
    label: str,
    *,
    console: Console | None = None,
    enabled: bool = True,
    every_s: float = DEFAULT_EVERY_S,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[ProgressCallback]:
    """A ``(done, total)`` progress callback for ``label`` (see the module docstring)."""
    err = console or Console(stderr=True)
    if not enabled:
        yield lambda done, total: None
        return
    if err.is_terminal:
        columns = (
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task(label, total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    start = clock()
    last = [start]

    def report(done: int, total: int) -> None:
        now = clock()
        if done < total and now - last[0] < every_s:
            return
        last[0] = now
        err.print(progress_line(label, done, total, elapsed_s=now - start), markup=False)

    yield report


def progress_line(label: str, done: int, total: int, *, elapsed_s: float) -> str:
    """``label: done/total (pct), elapsed, ~left`` (the estimate once something is done)."""
    share = done / total if total else 1.0
    line = f"{label}: {done}/{total} ({share:.0%}), {_clock(elapsed_s)} elapsed"
    if 0 < done < total:
        line += f", ~{_clock(elapsed_s / done * (total - done))} left"
    return line


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))
