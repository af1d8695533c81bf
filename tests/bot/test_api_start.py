"""What the API prepares at start, so that the first citizen does not wait for it: the hub
scores of every tenant (knowledge/hub_cache.py), the language models and word lists, on a
real Munich index."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.texts.catalogue import shipped_texts
from bot.understanding.language_id import _shipped_identifier
from bot.understanding.word_lists import word_forms
from knowledge.embedding import Embedder
from knowledge.hub_cache import HubScoreCache
from knowledge.hubness import hub_scores
from knowledge.index import StoredPassage
from knowledge.retrieval import Retriever, open_store
from tests.bot.conftest import make_settings


def _ask(client: TestClient, text: str) -> dict[str, object]:
    created = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
    assert created.status_code == 201, created.text
    conversation = created.json()["conversation_id"]
    posted = client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": text})
    assert posted.status_code == 200, posted.text
    return dict(posted.json()["answer"])


def test_the_first_query_after_start_does_not_compute_hub_scores(
    munich_index: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    computed: list[str] = []

    def counted(passages: Iterable[StoredPassage]) -> dict[str, float]:  # the real one
        stored = list(passages)
        computed.extend(sorted({p.passage.tenant for p in stored}))
        return hub_scores(stored, k=munich_index.retrieval.hub_k)

    settings = make_settings(munich_index.data_dir, f"sqlite:///{tmp_path / 'start.sqlite3'}")
    hubs = HubScoreCache(k=settings.retrieval.hub_k, compute=counted)
    with (
        Retriever(open_store(settings), embedder, settings.retrieval, hubs=hubs) as retriever,
        TestClient(create_app(settings, retriever=retriever)) as client,
    ):
        at_start = list(computed)
        answer = _ask(client, "Was kostet ein Personalausweis?")

    assert at_start == ["muenchen"]
    assert answer["status"] == "answered"
    assert computed == ["muenchen"]  # the query found them ready


def test_the_api_keeps_the_hub_scores_on_disk_per_index_version(
    munich_index: Settings, tmp_path: Path
) -> None:
    settings = make_settings(munich_index.data_dir, f"sqlite:///{tmp_path / 'start.sqlite3'}")
    with TestClient(create_app(settings)) as client:
        version = client.app.state.retriever.meta.version  # type: ignore[attr-defined]
    kept = settings.data_dir / "cache" / f"hubs-muenchen-{version}-k{settings.retrieval.hub_k}.npz"
    assert kept.is_file()


def test_without_the_hub_correction_nothing_is_computed(
    munich_index: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    computed: list[str] = []

    def counted(passages: Iterable[StoredPassage]) -> dict[str, float]:
        computed.append("called")
        return {}

    settings = make_settings(munich_index.data_dir, f"sqlite:///{tmp_path / 'start.sqlite3'}")
    settings.retrieval.hub_weight = 0.0
    hubs = HubScoreCache(k=settings.retrieval.hub_k, compute=counted)
    with (
        Retriever(open_store(settings), embedder, settings.retrieval, hubs=hubs) as retriever,
        TestClient(create_app(settings, retriever=retriever)) as client,
    ):
        answer = _ask(client, "Was kostet ein Personalausweis?")
    assert answer["status"] == "answered"
    assert computed == []


def test_the_language_models_and_word_lists_are_loaded_at_start(
    munich_index: Settings, munich_retriever: Retriever, tmp_path: Path
) -> None:
    """Loaded on the first message they took 3 s at load (lingua's models 2.4 s, the German
    word list 0.75 s); the warm-up understands and ranks one question per tenant."""
    _shipped_identifier.cache_clear()  # process-wide caches: empty them to see who fills them
    word_forms.cache_clear()
    settings = make_settings(munich_index.data_dir, f"sqlite:///{tmp_path / 'start.sqlite3'}")
    with TestClient(create_app(settings, retriever=munich_retriever)):
        loaded = (_shipped_identifier.cache_info().currsize, word_forms.cache_info().currsize)
    # lingua's models, and a word list looked up for every catalogue language (None where
    # pyspellchecker has none)
    assert loaded == (1, len(shipped_texts().languages))
