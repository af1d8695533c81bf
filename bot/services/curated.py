"""Curated answers: approved corrections that the bot serves instead of its own answer.

An editor's correction becomes a curated answer when a second editor approves it
(bot/services/corrections.py). ``CuratedEngine`` wraps the dialogue engine: the engine answers
first, so the policy keeps precedence (emergencies, decision-seeking, personal data,
injections are never overridden); only when it produced an informational answer
(``answered``, ``clarify``, ``unanswerable``) in German and the tenant has a curated
answer for the same question the curated text is served, cited first as "Redaktionell
geprüfte Antwort" (``Citation.curated``). "The same question" is either equal after
normalisation, or a similar one: question embeddings at least
``settings.curated.min_similarity`` in cosine similarity *and*, when the correction cites
sources, the engine retrieved one of them for the new question. The second condition is
needed because e5 embeddings of German questions are compressed: measured on
multilingual-e5-small, "Wie melde ich meinen Wohnsitz an?" / "… ab?" score 0.983 and
"Wie lange dauert die Gewerbeanmeldung?" / "…abmeldung?" 0.985 — as high as true
paraphrases ("Wie viel kostet ein Personalausweis?" 0.998, "Personalausweis Kosten?"
0.985) — while different questions about the same service score 0.92–0.94
("Wie beantrage ich …", "Wie lange ist … gültig?"); hence the default 0.95.
Withdrawing a correction removes it at once: the cache is keyed by the tenant's
correction count and newest change, read from the database on every lookup, so every
worker process sees approvals and withdrawals without a restart.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from bot.answer import Answer, AnswerStatus, Citation, Turn
from bot.services.conversations import AnswerEngine
from bot.settings import CuratedSettings
from bot.storage import staff_crud
from bot.storage.staff_models import Correction
from bot.texts.catalogue import shipped_texts
from bot.understanding.wording import Language
from knowledge.errors import SearchIndexError
from knowledge.retrieval import Retriever

logger = logging.getLogger(__name__)

REPLACEABLE = frozenset({AnswerStatus.ANSWERED, AnswerStatus.CLARIFY, AnswerStatus.UNANSWERABLE})
_WORD = re.compile(r"\w+")
MAX_NORMALISED = 500


def normalise_question(text: str) -> str:
    """Case-folded words of ``text`` joined by single spaces (punctuation dropped)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(folded))[:MAX_NORMALISED]


def question_embedding(retriever: Retriever | None, question: str) -> dict[str, Any] | None:
    """``{"model", "vector"}`` for a correction's question, or None without an index."""
    if retriever is None:
        return None
    try:
        model = retriever.meta.embedder.name
    except SearchIndexError as exc:
        logger.warning("no question embedding (exact matches only): %s", exc)
        return None
    return {"model": model, "vector": retriever.embed_query(question)}


@dataclass(frozen=True)
class CuratedEntry:
    """An approved correction as served (a snapshot, detached from the database)."""

    id: int
    tenant: str
    question: str
    normalised: str
    text: str
    citations: tuple[dict[str, Any], ...]
    approved: date | None
    model: str | None
    vector: tuple[float, ...] | None

    @classmethod
    def of(cls, correction: Correction) -> CuratedEntry:
        """Snapshot of ``correction``."""
        embedding = correction.question_embedding or {}
        vector = embedding.get("vector")
        return cls(
            id=correction.id,
            tenant=correction.tenant,
            question=correction.question,
            normalised=correction.question_normalised,
            text=correction.text,
            citations=tuple(correction.sources.get("citations", [])),
            approved=correction.approved_at.date() if correction.approved_at else None,
            model=embedding.get("model"),
            vector=tuple(float(x) for x in vector) if vector else None,
        )


@dataclass(frozen=True)
class CuratedMatch:
    """A curated answer for a question and how close the questions are (1.0: same text)."""

    entry: CuratedEntry
    similarity: float


class CuratedAnswers:
    """Looks up a tenant's curated answers (cached per tenant, checked against the database)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        settings: CuratedSettings,
        retriever: Retriever | None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._retriever = retriever
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[int, datetime | None], list[CuratedEntry]]] = {}

    def entries(self, tenant: str) -> list[CuratedEntry]:
        """The tenant's approved corrections (reloaded when any of its corrections changed)."""
        with self._sessions() as session:
            signature = staff_crud.curated_signature(session, tenant)
            with self._lock:
                cached = self._cache.get(tenant)
                if cached is not None and cached[0] == signature:
                    return cached[1]
            loaded = [CuratedEntry.of(c) for c in staff_crud.approved_corrections(session, tenant)]
        with self._lock:
            self._cache[tenant] = (signature, loaded)
        return loaded

    def match(
        self, question: str, *, tenant: str, retrieved: Collection[str] = ()
    ) -> CuratedMatch | None:
        """The curated answer for ``question`` in ``tenant``, if one is close enough.

        ``retrieved`` are the documents the engine found for ``question``: a similar (not
        equal) question only matches a correction that cites one of them, or none.
        """
        entries = self.entries(tenant)
        if not entries:
            return None
        key = normalise_question(question)
        for entry in entries:
            if entry.normalised == key:
                return CuratedMatch(entry, 1.0)
        for candidate in self._similar(question, entries):
            cited = {str(c.get("doc_id")) for c in candidate.entry.citations}
            if not cited or cited & set(retrieved):
                return candidate
        return None

    def _similar(self, question: str, entries: Sequence[CuratedEntry]) -> list[CuratedMatch]:
        """Entries at or above the similarity threshold, the most similar first."""
        if self._retriever is None:
            return []
        try:
            model = self._retriever.meta.embedder.name
        except SearchIndexError:
            return []
        comparable = [e for e in entries if e.vector is not None and e.model == model]
        if not comparable:
            return []
        query = np.asarray(self._retriever.embed_query(question), dtype=np.float32)
        matrix = np.asarray([e.vector for e in comparable], dtype=np.float32)
        scores = matrix @ query
        order = np.argsort(-scores, kind="stable")
        return [
            CuratedMatch(comparable[int(i)], float(scores[int(i)]))
            for i in order
            if float(scores[int(i)]) >= self._settings.min_similarity
        ]


def curated_answer(match: CuratedMatch, engine_answer: Answer) -> Answer:
    """The curated answer in place of ``engine_answer`` (whose trace and topic it keeps)."""
    entry = match.entry
    cited = [
        Citation(
            doc_id=f"{entry.tenant}/curated-{entry.id}",
            title=shipped_texts().text("answer.curated_title", engine_answer.language),
            updated=entry.approved,
            curated=True,
        )
    ]
    for raw in entry.citations:
        fields = {k: raw[k] for k in ("doc_id", "title", "section", "url", "updated") if k in raw}
        cited.append(Citation.model_validate(fields))
    sources = {c.doc_id for c in cited}
    trace = engine_answer.trace.model_copy(
        update={
            "matched_rule": f"curated:{entry.id}",
            "settings": {
                **engine_answer.trace.settings,
                "curated_id": entry.id,
                "curated_similarity": round(match.similarity, 4),
                "engine_status": engine_answer.status.value,
            },
        }
    )
    return Answer(
        status=AnswerStatus.ANSWERED,
        text=entry.text,
        citations=cited,
        offices=engine_answer.offices if sources & set(engine_answer.doc_ids) else [],
        confidence=max(0.0, min(1.0, match.similarity)),
        handoff_offered=False,
        topic=engine_answer.topic,
        candidate_doc_ids=engine_answer.candidate_doc_ids,
        language=engine_answer.language,
        trace=trace,
    )


class CuratedEngine:
    """An AnswerEngine that serves curated answers where the wrapped engine informs."""

    def __init__(self, inner: AnswerEngine, curated: CuratedAnswers) -> None:
        self._inner = inner
        self._curated = curated

    def respond(
        self,
        message: str,
        *,
        tenant: str,
        history: Sequence[Turn],
        language: Language | None = None,
        choice: str | None = None,
    ) -> Answer:
        """The engine's answer, or the curated one for the same or a similar question
        (never in place of the service the citizen picked)."""
        answer = self._inner.respond(
            message, tenant=tenant, history=history, language=language, choice=choice
        )
        if choice is not None or answer.status not in REPLACEABLE or answer.language != "de":
            return answer
        retrieved = [*answer.doc_ids, *answer.candidate_doc_ids]
        match = self._curated.match(message, tenant=tenant, retrieved=retrieved)
        if match is None:
            return answer
        logger.info(
            "curated answer %d served (similarity %.3f, engine status %s)",
            match.entry.id,
            match.similarity,
            answer.status.value,
        )
        return curated_answer(match, answer)


def with_curated_answers(
    engine: AnswerEngine | None,
    *,
    settings: CuratedSettings,
    sessions: sessionmaker[Session],
    retriever: Retriever | None,
) -> AnswerEngine | None:
    """``engine`` wrapped in a CuratedEngine (unchanged when disabled or missing)."""
    if engine is None or not settings.enabled:
        return engine
    return CuratedEngine(engine, CuratedAnswers(sessions, settings=settings, retriever=retriever))
