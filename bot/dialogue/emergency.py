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

Issue #16 (4.4 % false alarms on real traffic, mostly two to six words) added three
mechanisms that need no tenant-specific examples:

- **the tenant's own service titles are counter-examples**: ``counter_bank`` embeds the
  titles of the tenant's services once per index version (kept on disk; ``prune``
  removes the files of versions the index no longer keeps, and example files of an
  examples file or model no longer used), and a message
  nearer to one of them than to every emergency example is a service request. A new
  tenant (a folder of pages) gets its counter-examples from its own titles.
- **short messages need a danger cue**: a message of at most ``SHORT_STEMS`` content
  words is eligible only if one of its stems occurs in the emergency examples and in
  none of the counter-examples (``danger_cues``): "Perso abholen" has none, "Baby ganz
  blau" has one.
- **a past event is no present danger**: the policy's tense cues (``Policy.past_event``)
  keep "letzte Woche zur Welt gekommen" out of the check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from bot.answer import DangerCheck, HelpEvidence, HelpGrade, VerdictCheck
from bot.dialogue.examples_file import read_examples
from bot.dialogue.policy import PolicyDecision, PolicyLabel
from bot.understanding.lexicon import content_stems
from knowledge.array_files import read_arrays, write_arrays

DEFAULT_EXAMPLES = Path(__file__).parent / "rules" / "emergency_examples.yaml"
MAX_CHARS = 600  # longer messages are judged on their start (emergencies are short)
SHORT_STEMS = 3  # at most this many content words: a danger cue is required (issue #16)
# Labels the check may overrule (handoff, injection, abuse … keep theirs).
OVERRULABLE = frozenset({PolicyLabel.SERVICE_QUESTION, PolicyLabel.OUT_OF_SCOPE})


class MessageWords(BaseModel):
    """What the emergency stage reads of a message's words, once per message: its topical
    content stems and whether it places an event in the past (``Policy.past_event``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stems: tuple[str, ...]
    past: bool

    @classmethod
    def read(cls, normalized: str, *, past_event: Callable[[str], bool]) -> MessageWords:
        """The words of a message's normalised form (Understanding.normalized)."""
        stems = content_stems(normalized, topical=True, numbers=False, normalized=True)
        return cls(stems=tuple(stems), past=past_event(normalized))


def applies(label: PolicyLabel, words: MessageWords, *, cues: frozenset[str] | None = None) -> bool:
    """Whether the check may turn a message the rules labelled ``label`` into an emergency:
    only service and out-of-scope questions, only if they name something ("Was soll ich
    machen?" sits close to every example), not a past event, and a short message only
    with a danger cue (``SemanticEmergencyCheck.danger_cues``)."""
    stems = words.stems
    if label not in OVERRULABLE or not stems or words.past:
        return False
    return cues is None or len(stems) > SHORT_STEMS or any(s in cues for s in stems)


def is_emergency(similarity: float, other: float, *, threshold: float, margin: float) -> bool:
    """The verdict: near enough to an emergency example, and nearer than to any
    counter-example by ``margin``."""
    return similarity >= threshold and similarity - other >= margin


GRADES = {
    PolicyLabel.EMERGENCY: HelpGrade.DANGER,
    PolicyLabel.URGENT_HELP: HelpGrade.URGENT,
    PolicyLabel.SOCIAL_HELP: HelpGrade.SOCIAL,
}


class Triage(BaseModel):
    """What the dialogue's policy and emergency stage made of one message: the decision
    and, if help comes first, its grade with the evidence (issue #16)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: PolicyDecision
    help: HelpEvidence | None = None
    danger: DangerCheck | None = None  # the present-danger classifier's reading (danger.py)
    verdict: VerdictCheck | None = None  # the verdict-request classifier's reading (verdict.py)

    @classmethod
    def by_rule(cls, decision: PolicyDecision, *, danger: DangerCheck | None = None) -> Triage:
        """The triage of a decision the rules made (``danger``: the classifier's reading,
        which let the rule stand)."""
        grade = GRADES.get(decision.label)
        evidence = (
            HelpEvidence(
                grade=grade,
                source="rule",
                rule_id=decision.rule_id,
                probability=danger.probability if danger else None,
                language=decision.language,
            )
            if grade
            else None
        )
        return cls(decision=decision, help=evidence, danger=danger)


Embed = Callable[[str], Sequence[float] | npt.NDArray[np.float32]]
EmbedMany = Callable[[Sequence[str]], Sequence[Sequence[float]] | npt.NDArray[np.float32]]
_COUNTER_PREFIX = "counter-"  # files: counter-<tenant>-<index version>-<hash of the titles>.npz
# files: emergency-examples-<hash of the model and the examples>.npz
_EXAMPLES_PREFIX = "emergency-examples"
_BATCH = 64  # examples and titles per embedding call (one call each cost ~20 % more CPU)


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
        return read_examples(cls, path, name="the emergency examples")


class EmergencyMatch(BaseModel):
    """How close a message is to the examples, and the verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    emergency: bool
    similarity: float
    nearest: str
    other_similarity: float
    other_nearest: str = ""


class CounterBank(BaseModel):
    """Counter-examples of one tenant (its service titles) and their embeddings."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    texts: list[str]
    vectors: npt.NDArray[np.float32]


class SemanticEmergencyCheck:
    """Nearest-example check over embeddings; the examples are embedded on first use and,
    with a ``cache_dir``, kept on disk per model and examples file (a one-shot
    ``govbot ask`` then does not embed 135 examples for one question). ``embed_many``
    embeds examples and titles in batches (else one ``embed`` call each)."""

    def __init__(
        self,
        examples: EmergencyExamples,
        embed: Embed,
        *,
        embed_many: EmbedMany | None = None,
        model: Callable[[], str] = lambda: "unknown",
        cache_dir: Path | None = None,
    ) -> None:
        self.examples = examples
        self._embed = embed
        self._embed_many = embed_many
        self._model = model
        self._cache_dir = cache_dir
        self._positive: npt.NDArray[np.float32] | None = None
        self._negative: npt.NDArray[np.float32] | None = None
        self._counters: dict[str, CounterBank] = {}
        self._cues: frozenset[str] | None = None

    def danger_cues(self) -> frozenset[str]:
        """Stems of the emergency examples that no counter-example uses ("blau",
        "bewusstlos", "брить"…): what a short message must contain to be checked."""
        if self._cues is None:
            danger = {s for t in self.examples.emergencies for s in content_stems(t, topical=True)}
            ordinary = {
                s for t in self.examples.not_emergencies for s in content_stems(t, topical=True)
            }
            self._cues = frozenset(danger - ordinary)
        return self._cues

    def counter_bank(self, key: str, texts: Callable[[], Sequence[str]]) -> CounterBank:
        """The embedded counter-examples ``texts()`` under ``key`` (e.g. tenant and index
        version): embedded once, kept in memory and, with a ``cache_dir``, on disk."""
        bank = self._counters.get(key)
        if bank is None:
            wanted = sorted(set(texts()))
            path = self._file(f"{_COUNTER_PREFIX}{key}", wanted)
            vectors = self._read(path, "vectors")
            if vectors is None or len(vectors) != len(wanted):
                vectors = self._stack(wanted)
                write_arrays(path, vectors=vectors)
            bank = CounterBank(texts=wanted, vectors=vectors)
            self._counters[key] = bank
        return bank

    def prune(self, versions: Iterable[str]) -> int:
        """Remove the cache files no longer read, as the hub score files are
        (knowledge/hub_cache.py): counter-example files of index versions not in
        ``versions``, and example files of another examples file or embedding model than
        the current one; how many were removed. The banks in memory stay."""
        if self._cache_dir is None or not self._cache_dir.is_dir():
            return 0
        kept = tuple(f"-{version}-" for version in versions)
        current = self._file(_EXAMPLES_PREFIX, self._example_texts())
        removed = 0
        for path in self._cache_dir.glob(f"{_COUNTER_PREFIX}*.npz"):
            if not any(marker in path.name for marker in kept):
                path.unlink(missing_ok=True)
                removed += 1
        for path in self._cache_dir.glob(f"{_EXAMPLES_PREFIX}-*.npz"):
            if path != current:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def match(self, message: str, *, counter: CounterBank | None = None) -> EmergencyMatch:
        """Similarities of ``message`` to the nearest emergency and non-emergency example
        (the shipped counter-examples and, if given, the tenant's ``counter`` bank)."""
        positive, negative = self._banks()
        vector = np.asarray(self._embed(message[:MAX_CHARS]), dtype=np.float32)
        scores = positive @ vector
        best = int(np.argmax(scores))
        similarity = float(scores[best])
        other, other_text = -1.0, ""
        for texts, bank in (
            (self.examples.not_emergencies, negative),
            (counter.texts if counter else [], counter.vectors if counter else None),
        ):
            if bank is None or not len(texts):
                continue
            near = bank @ vector
            index = int(np.argmax(near))
            if float(near[index]) > other:
                other, other_text = float(near[index]), texts[index]
        return EmergencyMatch(
            emergency=is_emergency(
                similarity, other, threshold=self.examples.threshold, margin=self.examples.margin
            ),
            similarity=round(similarity, 4),
            nearest=self.examples.emergencies[best],
            other_similarity=round(other, 4),
            other_nearest=other_text,
        )

    def _banks(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        if self._positive is None or self._negative is None:
            path = self._file(_EXAMPLES_PREFIX, self._example_texts())
            positive, negative = self._read(path, "positive"), self._read(path, "negative")
            if positive is None or negative is None:
                positive = self._stack(self.examples.emergencies)
                negative = self._stack(self.examples.not_emergencies)
                write_arrays(path, positive=positive, negative=negative)
            self._positive, self._negative = positive, negative
        return self._positive, self._negative

    def _example_texts(self) -> list[str]:
        return ["", *self.examples.emergencies, "", *self.examples.not_emergencies]

    def _file(self, prefix: str, texts: Sequence[str]) -> Path | None:
        if self._cache_dir is None:
            return None
        key = hashlib.sha256("\n".join([self._model(), *texts]).encode("utf-8")).hexdigest()[:24]
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in prefix)
        return self._cache_dir / f"{safe}-{key}.npz"

    @staticmethod
    def _read(path: Path | None, name: str) -> npt.NDArray[np.float32] | None:
        stored = read_arrays(path, (name,))
        return None if stored is None else np.asarray(stored[name], dtype=np.float32)

    def _stack(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        embed_many = self._embed_many
        if embed_many is None:
            return np.vstack([np.asarray(self._embed(t), dtype=np.float32) for t in texts])
        return np.vstack(
            [
                np.asarray(embed_many(texts[start : start + _BATCH]), dtype=np.float32)
                for start in range(0, len(texts), _BATCH)
            ]
        )
