"""Progress of long commands when stderr is not a terminal (issue 17 item 5)."""

from __future__ import annotations

import io

from rich.console import Console

from knowledge.progress import progress_line, progress_reporter


class Ticks:
    """A hand-driven clock (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_lines_are_written_at_most_every_interval_and_at_the_end() -> None:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=False, width=200)
    clock = Ticks()
    with progress_reporter("embedding muenchen", console=console, every_s=30, clock=clock) as tick:
        for done in range(1, 101):
            clock.now = done * 1.0  # one item per second
            tick(done, 100)
    lines = sink.getvalue().splitlines()
    assert lines == [
        "embedding muenchen: 30/100 (30%), 0:00:30 elapsed, ~0:01:10 left",
        "embedding muenchen: 60/100 (60%), 0:01:00 elapsed, ~0:00:40 left",
        "embedding muenchen: 90/100 (90%), 0:01:30 elapsed, ~0:00:10 left",
        "embedding muenchen: 100/100 (100%), 0:01:40 elapsed",
    ]


def test_disabled_progress_writes_nothing() -> None:
    sink = io.StringIO()
    with progress_reporter("x", console=Console(file=sink), enabled=False) as tick:
        tick(1, 1)
    assert sink.getvalue() == ""


def test_progress_line_without_a_total() -> None:
    assert progress_line("answers", 0, 0, elapsed_s=2.4) == "answers: 0/0 (100%), 0:00:02 elapsed"
