"""The understanding of one citizen message: read once, then passed on unchanged.

Glossary: an *Understanding* is everything read from a message before any search: the
original text, the reply language (detected when lingua is sure, else the conversation's,
else German; bot/understanding/language_id.py), the normalised text,
the personal data kinds in it, the aspects it asks about (fees, documents …), whether it
follows up an earlier question, and the *Searches*: the exact texts retrieval will send,
spelling corrected and expanded with official terms (each *Expansion* says where it came
from). The policy classifies it, the ranker searches its texts, composition reads its
aspects and the answer trace stores it (issue 11).

``Understander.understand`` is the only place that normalises a message and detects its
language; the dialogue engine, ``govbot eval retrieval`` and the calibration scripts all
call it, so they search the same text for the same message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.texts.catalogue import REFERENCE_LANGUAGE
from bot.understanding.context import Turn, resolve_followup
from bot.understanding.cyrillic import CYRILLIC_LANGUAGES, cyrillic_reading
from bot.understanding.expansion import Expansion, QueryExpander
from bot.understanding.language_id import MIN_WORDS, LanguageGuess, identify_language
from bot.understanding.redaction import redact
from bot.understanding.romanised import romanised_language
from bot.understanding.spelling import SpellingCorrector
from bot.understanding.wording import WORD, Language, normalize
from knowledge.errors import InvalidQueryError, SearchIndexError

__all__ = ["Search", "Understander", "Understanding"]

Normalizer = Callable[[str], str]
LanguageDetector = Callable[[str], LanguageGuess]


class Search(BaseModel):
    """One text retrieval searches, and the citizen's own words the confidence judges.

    ``purpose`` is ``message`` for the message itself and ``followup`` for a follow-up
    searched together with the earlier question. ``language`` is the language of the
    searched words where it is certain: the message's, detected decisively (or from a
    script German is not written in); None where detection was unsure, and where terms
    were added (catalogue terms and an earlier question may be in another language).
    Hybrid search weighs BM25 by it (knowledge/retrieval.py, ``Retriever.sparse_weight``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: Literal["message", "followup"]
    text: str
    own_words: str
    corrected: str
    expansions: tuple[Expansion, ...] = ()
    language: Language | None = None


class Understanding(BaseModel):
    """What was read from one citizen message, before any search."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    language: Language
    language_source: Literal["detected", "conversation", "default"]
    detected_language: Language
    language_confidence: float = 0.0
    normalized: str
    personal_data: tuple[str, ...] = ()
    aspects: tuple[str, ...] = ()
    followup: Literal["none", "anaphoric", "combined"] = "none"
    followup_text: str | None = None  # the earlier question and the message, for a follow-up
    keep_doc_id: str | None = None
    # Russian or Ukrainian typed in Latin letters, read in Cyrillic (romanised.py): the text
    # searched instead of the Latin one, which the embedding model cannot read.
    reading: str | None = None
    searches: tuple[Search, ...] = ()  # empty when the policy answered without retrieval

    @property
    def search(self) -> Search:
        """The search the answer is normally ranked on (the follow-up's, if any)."""
        if not self.searches:
            raise ValueError("this understanding was not searched; use Understander.searched")
        return self.searches[-1]

    @property
    def alone(self) -> Search | None:
        """The message searched on its own, for a combined follow-up that may name a
        service itself ("Und was kostet ein Reisepass?")."""
        return self.searches[0] if self.followup == "combined" else None


class Understander:
    """Builds the Understanding of a message; the collaborators are passed in."""

    def __init__(
        self,
        expander: QueryExpander,
        *,
        spelling: SpellingCorrector | None = None,
        index_version: Callable[[], str] = lambda: "",
        normalizer: Normalizer = normalize,
        detector: LanguageDetector = identify_language,
    ) -> None:
        self._expander = expander
        self._spelling = spelling
        self._index_version = index_version
        self._normalize = normalizer
        self._detect = detector

    def normalize(self, text: str) -> str:
        """``text`` in the normalised form ``understand`` gives a message (``normalized``):
        for reading a part of a message the same way, e.g. one sentence."""
        return self._normalize(text)

    def understand(
        self,
        message: str,
        *,
        tenant: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
        search: bool = True,
    ) -> Understanding:
        """Read ``message`` (in a conversation with ``tenant`` after ``history``) once;
        ``search=False`` leaves the searches to ``searched`` (a message the policy answers
        without retrieval needs no spelling correction).

        ``language`` is the conversation's: it is the reply language unless the message is
        decisively in another one (a single word or a German service name is not)."""
        normalized = self._normalize(message)
        guess = self._detect(message)
        romanised = romanised_language(normalized, guess)
        reading = cyrillic_reading(normalized) if romanised in CYRILLIC_LANGUAGES else None
        if romanised is not None:
            # Russian, Ukrainian, Arabic or Farsi typed in Latin letters, which lingua took for
            # a Latin-script language (romanised.py): read from most of the message's words,
            # as decisive as lingua's own guess of a message that long.
            words = len(WORD.findall(normalized))
            guess = guess.model_copy(
                update={"language": romanised, "not_german": True, "decisive": words >= MIN_WORDS}
            )
        detected = guess.language
        reply, source = _reply_language(guess, language)
        resolution = resolve_followup(message, history, normalized=normalized)
        understanding = Understanding(
            text=message,
            language=reply,
            language_source=source,
            detected_language=detected,
            language_confidence=guess.confidence,
            normalized=normalized,
            personal_data=tuple(sorted(redact(message).kinds)),
            aspects=self._expander.aspects(normalized),
            followup=resolution.kind,
            followup_text=resolution.query if resolution.kind != "none" else None,
            keep_doc_id=resolution.keep_doc_id,
            reading=reading,
        )
        return self.searched(understanding, tenant=tenant) if search else understanding

    def searched(self, understanding: Understanding, *, tenant: str) -> Understanding:
        """``understanding`` with its searches: spelling corrected, expanded; a follow-up
        is also searched together with the earlier question."""
        message = understanding.text
        # A romanised message's Cyrillic reading is searched, normalised afresh.
        text, normalized = (
            (understanding.reading, None)
            if understanding.reading is not None
            else (message, understanding.normalized)
        )
        own = self._search("message", text, tenant, normalized, understanding.detected_language)
        if understanding.language_source == "detected" and not own.expansions:
            own = own.model_copy(update={"language": understanding.language})
        searches = [own]
        previous = understanding.followup_text
        if previous is not None:
            followup = self._search(
                "followup", previous, tenant, None, understanding.detected_language
            )
            earlier = Expansion(term=previous.removesuffix(message).strip(), source="followup")
            expansions = (earlier, *followup.expansions)
            searches.append(followup.model_copy(update={"expansions": expansions}))
        return understanding.model_copy(update={"searches": tuple(searches)})

    def search_for(self, text: str, *, tenant: str) -> Search:
        """The search for a text that is not a citizen message (e.g. a ranking's query
        looked up again in the OZG catalogue): corrected and expanded the same way."""
        return self._search("message", text, tenant, None, self._detect(text).language)

    def _search(
        self,
        purpose: Literal["message", "followup"],
        text: str,
        tenant: str,
        normalized: str | None,
        language: Language,
    ) -> Search:
        corrected = self._correct(text, tenant, language)
        if normalized is None or corrected != text:
            normalized = normalize(corrected)
        expanded = self._expander.expand(corrected, normalized=normalized, language=language)
        return Search(
            purpose=purpose,
            text=expanded.query,
            own_words=expanded.own_words,
            corrected=corrected,
            expansions=expanded.expansions,
        )

    def _correct(self, text: str, tenant: str, language: Language) -> str:
        """``text`` spelling corrected against the tenant's words (unchanged without an
        index: the search that follows reports the missing index); German text only: the
        tenant's words would "correct" a Turkish or Polish word into a German one."""
        if self._spelling is None or language != REFERENCE_LANGUAGE:
            return text
        try:
            return self._spelling.correct(
                text, tenant=tenant, version=self._index_version(), language=language
            )
        except (SearchIndexError, InvalidQueryError):
            return text


def _reply_language(
    guess: LanguageGuess, chosen: Language | None
) -> tuple[Language, Literal["detected", "conversation", "default"]]:
    """The language to answer in: a decisive guess, else the conversation's, else the
    guess for a message in a script German is not written in or sure not to be German,
    else German."""
    if guess.decisive:
        return guess.language, "detected"
    if chosen:
        return chosen, "conversation"
    if guess.foreign_script or guess.not_german:
        return guess.language, "detected"
    return REFERENCE_LANGUAGE, "default"
