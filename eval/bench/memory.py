"""Resident memory of a process: now and at its peak (Linux ``VmHWM``)."""

from __future__ import annotations

from pathlib import Path

import psutil


def rss_mib(pid: int) -> float:
    """Resident set size of ``pid`` now, in MiB."""
    rss: int = psutil.Process(pid).memory_info().rss
    return round(rss / 2**20, 1)


def peak_rss_mib(pid: int) -> float | None:
    """Peak resident set size of ``pid`` so far (``VmHWM``), None where /proc lacks it."""
    status = Path(f"/proc/{pid}/status")
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
