"""Arrays kept in files beside the index: the hub scores (knowledge/hub_cache.py) and the
emergency check's example vectors (bot/dialogue/emergency.py).

A file is written atomically (a reader sees the old file or the whole new one) and read
tolerantly: a missing, damaged or incomplete file reads as ``None`` and a write that
fails (a read-only data directory) is skipped, so either only costs the caller a
computation next time, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["read_arrays", "write_arrays"]

logger = logging.getLogger(__name__)


def read_arrays(
    path: Path | None, names: Sequence[str]
) -> dict[str, npt.NDArray[np.generic]] | None:
    """The arrays ``names`` of the ``.npz`` file ``path``; None if there is no such file or
    it cannot be read whole (logged)."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: np.asarray(stored[name]) for name in names}
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("%s unreadable, computing it again: %s", path.name, exc)
        return None


def write_arrays(path: Path | None, **arrays: npt.NDArray[np.generic]) -> None:
    """Write ``arrays`` to the ``.npz`` file ``path`` atomically; a failure is logged."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, **arrays)  # type: ignore[arg-type]
        partial.replace(path)  # atomic: readers see the old file or the whole new one
    except OSError as exc:
        logger.warning("%s not kept on disk: %s", path.name, exc)
