"""Training examples of the query adapter: training questions and the data's own vocabulary.

Only training material goes in (issue #13, the task brief of session 6):
- question files of the *training* halves (Integreat train in every language, the tune
  half of munich_citizens, munich_services): a file whose name says ``dev``,
  ``holdout`` or ``test``, or a pool (eval/pools), is refused;
- pairs from the catalogue's vocabulary: each service's DLDB ``keywords`` and the LeiKa
  and OZG names of its entries (ingest/dldb.py, ingest/ozg.py) as queries for that service.

A query is embedded as the bot searches it (the understander's text, then the
retriever's query embedding), so the adapter learns on the vectors it will see.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from eval.retrieval import load_questions
from knowledge.errors import SourceError
from knowledge.models import Service

# Names of evaluation material that must never train anything (the brief: never dev,
# never holdout halves, never the pools).
_FORBIDDEN = re.compile(r"(^|[_\-.])(dev|holdout|test)([_\-.]|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    """One training query and the documents that answer it."""

    tenant: str
    text: str
    expected: tuple[str, ...]
    source: str


def check_training_file(path: Path) -> None:
    """Raise SourceError for a file that is evaluation material rather than training data."""
    if _FORBIDDEN.search(path.name) or path.parent.name == "pools":
        raise SourceError(
            f"{path} looks like a dev, holdout or test set or a pool; the query adapter trains "
            "on training halves only (e.g. integreat_train*.jsonl, munich_citizens_tune.jsonl)"
        )


def question_examples(
    paths: Sequence[Path], *, exclude_tenants: Iterable[str] = ()
) -> list[Example]:
    """Single-question cases with expected documents from the given training files."""
    excluded = set(exclude_tenants)
    examples: list[Example] = []
    for path in paths:
        check_training_file(path)
        for case in load_questions(path):
            if case.question is None or not case.expected or case.tenant in excluded:
                continue
            examples.append(
                Example(case.tenant, case.question, tuple(case.expected), source=path.name)
            )
    return examples


def vocabulary_examples(services: Iterable[Service]) -> list[Example]:
    """Each service's keywords, LeiKa names and OZG service names as queries for it."""
    examples: list[Example] = []
    for service in services:
        names = {keyword.strip() for keyword in service.keywords}
        for entry in service.ozg:
            names.update((entry.leika_name.strip(), entry.ozg_service.strip()))
        for name in sorted(n for n in names if n):
            examples.append(Example(service.tenant, name, (service.doc_id,), source="vocabulary"))
    return examples


def training_hash(examples: Sequence[Example], index_version: str) -> str:
    """SHA-256 of the examples (tenant, text, expected) and the index version searched."""
    digest = hashlib.sha256(index_version.encode())
    for example in sorted(examples, key=lambda e: (e.tenant, e.text, e.expected)):
        line = json.dumps([example.tenant, example.text, list(example.expected)])
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


class QueryVectorCache:
    """Query vectors by text, kept in an ``.npz`` file between runs (experiments only)."""

    def __init__(self, path: Path | None, *, model: str) -> None:
        self._path = path
        self._model = model
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) == model:
                    keys = [str(k) for k in data["keys"]]
                    self._vectors = dict(zip(keys, data["vectors"], strict=True))

    def vectors(
        self, texts: Sequence[str], embed: Callable[[str], Sequence[float]]
    ) -> npt.NDArray[np.float32]:
        """The vector of each text, embedding (and remembering) the new ones."""
        rows = []
        for text in texts:
            key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            if key not in self._vectors:
                self._vectors[key] = np.asarray(embed(text), dtype=np.float32)
            rows.append(self._vectors[key])
        return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def save(self) -> None:
        """Write the cache file (no-op without a path)."""
        if self._path is None or not self._vectors:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        with self._path.open("wb") as handle:
            np.savez(
                handle,
                model=np.array(self._model),
                keys=np.array(keys),
                vectors=np.stack([self._vectors[k] for k in keys]),
            )
