"""Query expansion: the official terms searched for a citizen's everyday words, and what a
question asks about (fees, documents, offices …).

"Perso geklaut" is searched as "perso geklaut (Personalausweis, Diebstahl)"; "Wie melde ich
mein Auto um?" also searches "ummelden" (bot/understanding/separable.py); an English question
whose words map to official terms ("resident parking permit") is searched with the German
terms only, like its German twin. The data (synonyms, separable verbs, aspects) lives in
``bot/understanding/expansions_de.yaml``, apart from the policy rules and the texts.

Every method takes the *normalised* text (bot/understanding/wording.py): the understanding
of a message normalises once and hands the result on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.understanding.separable import SeparableVerbJoiner, SeparableVerbs
from bot.understanding.wording import UMLAUTS, Language, normalize
from knowledge.errors import ConfigurationError

__all__ = ["DEFAULT_EXPANSIONS", "Expansion", "ExpansionSpec", "QueryExpander", "SynonymSpec"]

DEFAULT_EXPANSIONS = Path(__file__).parent / "expansions_de.yaml"

ExpansionSource = Literal["synonym", "glossary", "separable_verb", "followup"]


class SynonymSpec(BaseModel):
    """An everyday wording and the official term added to the search query for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str
    add: str


class ExpansionSpec(BaseModel):
    """The whole expansions file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    aspects: dict[str, list[str]] = Field(default_factory=dict)
    synonyms: list[SynonymSpec] = Field(default_factory=list)
    separable_verbs: SeparableVerbs = Field(default_factory=SeparableVerbs)


class Expansion(BaseModel):
    """A term added to what is searched, and where it came from.

    ``synonym``: an everyday German word mapped to the official term; ``glossary``: an
    English word mapped to the German term; ``separable_verb``: a verb whose particle moved
    to the end of the clause ("melde … um" → "ummelden"); ``followup``: the earlier question
    a follow-up is searched with.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    source: ExpansionSource


class Expanded(BaseModel):
    """What to search for a text, the citizen's own words for the confidence, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str
    own_words: str
    expansions: tuple[Expansion, ...] = ()


class QueryExpander:
    """Adds official terms to a question and names the aspects it asks about."""

    def __init__(self, spec: ExpansionSpec) -> None:
        self.spec = spec
        self._synonyms = [
            (_regex(item.pattern.translate(UMLAUTS), f"synonyms[{i}]"), item.add)
            for i, item in enumerate(spec.synonyms)
        ]
        self._separable = SeparableVerbJoiner(spec.separable_verbs)
        self._aspects = {
            name: tuple(_regex(p.translate(UMLAUTS), f"aspects.{name}") for p in patterns)
            for name, patterns in spec.aspects.items()
        }

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_EXPANSIONS) -> QueryExpander:
        """Load the expansions (defaults to the shipped bot/understanding/expansions_de.yaml)."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot read query expansions {path}: {exc}") from exc
        try:
            spec = ExpansionSpec.model_validate(raw)
        except ValidationError as exc:
            raise ConfigurationError(f"query expansions {path} are invalid: {exc}") from exc
        return cls(spec)

    def expand(self, text: str, *, normalized: str, language: Language) -> Expanded:
        """What to search for ``text`` (whose normalised form is ``normalized``).

        The own words are ``text`` without the mapped everyday words, except for an
        English text with mapped terms: its remaining English words occur in no German
        text and would read as a missing topic, so the confidence judges the official
        terms alone.
        """
        verbs = self._separable.joined_verbs(normalized)  # "ziehe … um" → "umziehen"
        searched = " ".join([normalized, *verbs])
        synonyms = [term for pattern, term in self._synonyms if pattern.search(searched)]
        source: ExpansionSource = "glossary" if language == "en" else "synonym"
        found = [Expansion(term=verb, source="separable_verb") for verb in verbs]
        found += [Expansion(term=term, source=source) for term in synonyms]
        expansions: dict[str, Expansion] = {}
        for expansion in found:
            if expansion.term not in expansions and normalize(expansion.term) not in normalized:
                expansions[expansion.term] = expansion
        added = list(expansions)
        own_words = self.unmapped(normalized)
        if not added:
            return Expanded(query=text, own_words=own_words)
        if language == "en":
            query = " ".join([*added, own_words]).strip()
            return Expanded(query=query, own_words="", expansions=tuple(expansions.values()))
        query = f"{text} ({', '.join(added)})"
        return Expanded(query=query, own_words=own_words, expansions=tuple(expansions.values()))

    def unmapped(self, normalized: str) -> str:
        """``normalized`` without the everyday words that a synonym maps."""
        text = normalized
        for pattern, _ in self._synonyms:
            text = pattern.sub(" ", text)
        return " ".join(text.split())

    def aspects(self, normalized: str) -> tuple[str, ...]:
        """What the text asks about ("fees", "documents", "location" …), in file order."""
        return tuple(
            name
            for name, patterns in self._aspects.items()
            if any(p.search(normalized) for p in patterns)
        )


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigurationError(
            f"query expansion {where} has an invalid regular expression {pattern!r}: {exc}"
        ) from exc
