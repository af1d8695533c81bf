"""Files of numbers fitted for one embedder: the query adapter and the query direction.

Both (knowledge/query_adapter.py, knowledge/query_centering.py) are ``.npz`` files in
``knowledge/adapters/`` or at a configured path, holding one float32 array and ``meta``:
JSON that names the embedder and dimension they were fitted for, the training data's hash
and the date. A file fitted for another embedder is a ConfigurationError, never a silent
search in the wrong neighbourhood: its numbers mean nothing in another vector space.
A :class:`VectorFileKind` says what one kind of file is called and how a user makes or
avoids one; its reader, writer and embedder check serve both kinds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.errors import ConfigurationError

logger = logging.getLogger(__name__)

ADAPTER_DIR = Path(__file__).parent / "adapters"


@dataclass(frozen=True)
class VectorFileKind:
    """One kind of vector file: its name, its array, its metadata and how it is made."""

    title: str  # "Query adapter": starts every message about it
    array: str  # name of the array in the .npz
    suffix: str  # file name ending after the embedder's name
    required_meta: tuple[str, ...]
    fitted: str  # "trained" or "fitted"
    make: str  # "train" or "fit"
    command: str  # the command that writes one
    path_variable: str  # the setting that points at a file
    off_setting: str  # the setting that turns it off

    def packaged_path(self, embedder_name: str) -> Path:
        """Where the file shipped for ``embedder_name`` lives (it may not exist)."""
        return ADAPTER_DIR / f"{embedder_name}{self.suffix}"

    def locate(self, path: Path | None, embedder_name: str) -> Path | None:
        """``path`` if given, else the packaged file of the embedder, or None where none is
        shipped (queries are then searched without it)."""
        if path is not None:
            return path
        packaged = self.packaged_path(embedder_name)
        if packaged.exists():
            return packaged
        logger.info("no %s shipped at %s; queries are searched without one", self.lower, packaged)
        return None

    def read(self, path: Path) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """The array and metadata of ``path``; every defect is a ConfigurationError naming it."""
        try:
            with np.load(path, allow_pickle=False) as data:
                array = np.asarray(data[self.array], dtype=np.float32)
                meta = json.loads(str(data["meta"]))
        except FileNotFoundError as exc:
            raise ConfigurationError(
                f"{self.title} file {path} does not exist; set {self.path_variable} to a file "
                f"written by `{self.command}`, or {self.off_setting}"
            ) from exc
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigurationError(
                f"{self.title} file {path} is not a valid {self.lower} file (.npz with "
                f"'{self.array}' and 'meta'): {exc}"
            ) from exc
        if not isinstance(meta, dict) or any(key not in meta for key in self.required_meta):
            raise ConfigurationError(
                f"{self.title} file {path} lacks metadata; it needs {', '.join(self.required_meta)}"
            )
        return array, meta

    def write(self, path: Path, array: npt.NDArray[np.float32], meta: Mapping[str, Any]) -> None:
        """Write ``array`` and ``meta`` (as sorted JSON) to ``path`` as compressed ``.npz``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(dict(meta), ensure_ascii=False, sort_keys=True)
        arrays = {self.array: array.astype(np.float32), "meta": np.array(text)}
        with path.open("wb") as handle:
            np.savez_compressed(handle, allow_pickle=False, **arrays)

    def check_embedder(self, fitted_for: tuple[str, int], *, name: str, dim: int) -> None:
        """Raise ConfigurationError unless ``fitted_for`` (embedder name, dimension) is the
        embedder ``name`` with ``dim`` dimensions."""
        if fitted_for != (name, dim):
            raise ConfigurationError(
                f"{self.title} {self.fitted} for {fitted_for[0]!r} ({fitted_for[1]} dims) but "
                f"the embedder is {name!r} ({dim} dims); {self.make} one for it with "
                f"`{self.command}`, point {self.path_variable} at it, or set {self.off_setting}"
            )

    @property
    def lower(self) -> str:
        """The title in running text ("query adapter")."""
        return self.title.lower()
