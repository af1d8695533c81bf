"""Hub scores (CSLS-style) on the tiny real corpus, and their use in document fusion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.settings import IndexSettings, Settings
from knowledge.document_fusion import FusionWeights, fuse_documents
from knowledge.embedding import Embedder
from knowledge.hubness import discount, hub_scores
from knowledge.index_edge import EdgeIndexStore
from knowledge.models import SectionKind
from knowledge.retrieval import open_retriever
from knowledge.sparse import Bm25Encoder
from tests.knowledge.conftest import Corpus, build_version


def brute_force_hub(corpus: Corpus, tenant: str, k: int) -> dict[str, float]:
    """Mean of the k highest cosines to passages of other documents, one passage at a time."""
    stored = [p for p in corpus.stored if p.passage.tenant == tenant]
    result: dict[str, float] = {}
    for one in stored:
        mine = np.asarray(one.dense) / np.linalg.norm(one.dense)
        cosines = sorted(
            (
                float(mine @ (np.asarray(o.dense) / np.linalg.norm(o.dense)))
                for o in stored
                if o.passage.doc_id != one.passage.doc_id
            ),
            reverse=True,
        )[:k]
        result[one.passage.passage_id] = sum(cosines) / len(cosines) if cosines else 0.0
    return result


@pytest.mark.parametrize("k", [1, 3, 1000])
def test_hub_score_is_the_mean_cosine_to_the_nearest_other_documents(
    corpus: Corpus, k: int
) -> None:
    stored = [p for p in corpus.stored if p.passage.tenant == "muenchen"]
    hubs = hub_scores(stored, k=k)
    expected = brute_force_hub(corpus, "muenchen", k)
    assert hubs.keys() == expected.keys()
    for passage_id, value in expected.items():
        assert hubs[passage_id] == pytest.approx(value, abs=1e-5)


def test_identical_twins_are_each_others_nearest_neighbour(corpus: Corpus) -> None:
    twins = [p for p in corpus.stored if "Hundesteuer" in p.passage.title]
    assert len({p.passage.doc_id for p in twins}) == 2
    hubs = hub_scores([p for p in corpus.stored if p.passage.tenant == "muenchen"], k=1)
    assert all(hubs[p.passage.passage_id] == pytest.approx(1.0, abs=1e-5) for p in twins)


def test_a_documents_own_passages_do_not_count(corpus: Corpus) -> None:
    doc_id = corpus.stored[0].passage.doc_id
    alone = [p for p in corpus.stored if p.passage.doc_id == doc_id]
    assert hub_scores(alone, k=5) == dict.fromkeys((p.passage.passage_id for p in alone), 0.0)
    assert hub_scores([], k=5) == {}


def test_k_below_one_is_refused(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        hub_scores(corpus.stored, k=0)


def test_the_retriever_fuses_the_discounted_dense_scores(
    tmp_path: Path, corpus: Corpus, embedder: Embedder
) -> None:
    settings = Settings(data_dir=tmp_path / "data", index=IndexSettings(backend="edge"))
    settings.retrieval.hub_weight = 1.5
    settings.retrieval.hub_k = 2
    settings.retrieval.query_adapter = False  # the expected scores below use the plain vector
    settings.retrieval.query_centering = 0.0
    retrieval = settings.retrieval
    query = "Was brauche ich für einen neuen Personalausweis?"
    vector = [float(x) for x in embedder.embed_query(query).tolist()]
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
        reader = store.reader()
        raw = {
            mode: reader.search(
                dense=vector,
                sparse=Bm25Encoder().query(query),
                tenant="muenchen",
                limit=retrieval.candidates,
                mode=mode,
                candidates=retrieval.candidates,
                weights=(retrieval.dense_weight, retrieval.sparse_weight),
                rrf_k=retrieval.rrf_k,
            )
            for mode in ("dense", "bm25")
        }
    with open_retriever(settings, embedder) as retriever:
        found = retriever.search_passages(query, tenant="muenchen")

    weights = FusionWeights(
        dense=retrieval.dense_weight, sparse=retrieval.sparse_weight, card=retrieval.card_weight
    )
    card = SectionKind.SUMMARY.value
    hubs = brute_force_hub(corpus, "muenchen", k=2)
    expected = fuse_documents(
        discount(raw["dense"], hubs, weight=1.5), raw["bm25"], weights=weights, card_section=card
    )
    assert [h.passage.doc_id for h in found] == [h.passage.doc_id for h in expected]
    for got, want in zip(found, expected, strict=True):
        assert got.score == pytest.approx(want.score, abs=1e-4)
    plain = fuse_documents(raw["dense"], raw["bm25"], weights=weights, card_section=card)
    assert [h.score for h in plain] != pytest.approx([h.score for h in found], abs=1e-4)
