"""Semantic emergency check: the safety net behind the emergency rules (issue #3 part 3).

The rules of bot/dialogue/rules/policy_de.yaml know words ("brennt", "bewusstlos", "Suizid"); people
in danger also write "Jemand liegt regungslos vor unserer Haustür" or "Das Baby ist ganz
blau". This check compares the message's embedding (the index's own embedder, so nothing
else is loaded) with example emergencies and with service questions that share their
vocabulary (bot/dialogue/rules/emergency_examples.yaml). A message is an emergency when its best
emergency example reaches ``threshold`` and beats the best non-emergency example by
``margin``. It runs only when the rules did not already find an emergency; a hit turns the
answer into the emergency answer (numbers first), so a false alarm costs the citizen one
extra message, a missed emergency much more. scripts/calibrate_emergency.py chooses the
threshold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.dialogue.policy import PolicyLabel
from bot.understanding.lexicon import content_stems
from knowledge.errors import ConfigurationError

DEFAULT_EXAMPLES = Path(__file__).parent / "rules" / "emergency_examples.yaml"
MAX_CHARS = 600  # longer messages are judged on their start (emergencies are short)
# Labels the check may overrule (handoff, injection, abuse … keep theirs).
OVERRULABLE = frozenset({PolicyLabel.SERVICE_QUESTION, PolicyLabel.OUT_OF_SCOPE})


def applies(label: PolicyLabel, message: str) -> bool:
    """Whether the check may turn a message the rules labelled ``label`` into an emergency:
    only service and out-of-scope questions, and only if they name something ("Was soll
    ich machen?" sits close to every example)."""
    return label in OVERRULABLE and bool(content_stems(message, topical=True, numbers=False))


def is_emergency(similarity: float, other: float, *, threshold: float, margin: float) -> bool:
    """The verdict: near enough to an emergency example, and nearer than to any
    counter-example by ``margin``."""
    return similarity >= threshold and similarity - other >= margin


Embed = Callable[[str], Sequence[float] | npt.NDArray[np.float32]]


class EmergencyExamples(BaseModel):
    """The examples file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    threshold: float = Field(ge=0, le=1)
    margin: float = Field(ge=-1, le=1)
    emergencies: list[str] = Field(min_length=1)
    not_emergencies: list[str] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_EXAMPLES) -> EmergencyExamples:
        """Load the examples (default: the shipped bot/dialogue/rules/emergency_examples.yaml)."""
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"cannot load emergency examples {path}: {exc}") from exc


class EmergencyMatch(BaseModel):
    """How close a message is to the examples, and the verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    emergency: bool
    similarity: float
    nearest: str
    other_similarity: float


class SemanticEmergencyCheck:
    """Nearest-example check over embeddings; the examples are embedded on first use and,
    with a ``cache_dir``, kept on disk per model and examples file (a one-shot
    ``govbot ask`` then does not embed 135 examples for one question)."""

    def __init__(
        self,
        examples: EmergencyExamples,
        embed: Embed,
        *,
        model: Callable[[], str] = lambda: "unknown",
        cache_dir: Path | None = None,
    ) -> None:
        self.examples = examples
        self._embed = embed
        self._model = model
        self._cache_dir = cache_dir
        self._positive: npt.NDArray[np.float32] | None = None
        self._negative: npt.NDArray[np.float32] | None = None

    def match(self, message: str) -> EmergencyMatch:
        """Similarities of ``message`` to the nearest emergency and non-emergency example."""
        positive, negative = self._banks()
        vector = np.asarray(self._embed(message[:MAX_CHARS]), dtype=np.float32)
        scores = positive @ vector
        best = int(np.argmax(scores))
        similarity = float(scores[best])
        other = float(np.max(negative @ vector)) if len(negative) else -1.0
        return EmergencyMatch(
            emergency=is_emergency(
                similarity, other, threshold=self.examples.threshold, margin=self.examples.margin
            ),
            similarity=round(similarity, 4),
            nearest=self.examples.emergencies[best],
            other_similarity=round(other, 4),
        )

    def _banks(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        if self._positive is None or self._negative is None:
            cached = self._load()
            if cached is None:
                cached = (
                    self._stack(self.examples.emergencies),
                    self._stack(self.examples.not_emergencies),
                )
                self._save(*cached)
            self._positive, self._negative = cached
        return self._positive, self._negative

    def _cache_file(self) -> Path | None:
        if self._cache_dir is None:
            return None
        texts = [self._model(), *self.examples.emergencies, "", *self.examples.not_emergencies]
        key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:24]
        return self._cache_dir / f"emergency-examples-{key}.npz"

    def _load(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None:
        path = self._cache_file()
        if path is None or not path.exists():
            return None
        try:
            with np.load(path) as stored:
                return stored["positive"], stored["negative"]
        except (OSError, ValueError, KeyError):
            return None  # a damaged cache is rebuilt

    def _save(self, positive: npt.NDArray[np.float32], negative: npt.NDArray[np.float32]) -> None:
        path = self._cache_file()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial.npz")
            np.savez(partial, positive=positive, negative=negative)
            partial.replace(path)  # atomic: readers see the old file or the whole new one
        except OSError:
            pass  # a read-only data directory only costs the embedding next time

    def _stack(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([np.asarray(self._embed(t), dtype=np.float32) for t in texts])
