"""Hub scores kept per index version and tenant (knowledge/hub_cache.py), on the tiny real
corpus in a real Qdrant Edge store; the computation is the real one, counted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from knowledge.hub_cache import HubScoreCache, prepare_after_sync
from knowledge.hubness import hub_scores
from knowledge.index import StoredPassage
from knowledge.index_edge import EdgeIndexStore
from tests.knowledge.conftest import Corpus, build_version

K = 3


class CountedHubs:
    """The real hub_scores, with the tenants it was asked for."""

    def __init__(self) -> None:
        self.tenants: list[str] = []

    def __call__(self, passages: Iterable[StoredPassage]) -> dict[str, float]:
        stored = list(passages)
        self.tenants.extend(sorted({p.passage.tenant for p in stored}))
        return hub_scores(stored, k=K)


def expected(corpus: Corpus, tenant: str) -> dict[str, float]:
    return hub_scores([p for p in corpus.stored if p.passage.tenant == tenant], k=K)


def test_scores_are_computed_once_and_then_read_from_disk(tmp_path: Path, corpus: Corpus) -> None:
    counted = CountedHubs()
    with EdgeIndexStore(tmp_path / "index") as store:
        meta = build_version(store, corpus.services, corpus.stored, corpus.identity)
        reader = store.reader()
        cache = HubScoreCache(k=K, directory=tmp_path / "cache", compute=counted)
        first = cache.get(reader, "muenchen")
        assert cache.get(reader, "muenchen") is first  # in memory
        again = HubScoreCache(k=K, directory=tmp_path / "cache", compute=counted)
        from_disk = again.get(reader, "muenchen")

    assert counted.tenants == ["muenchen"]
    assert from_disk == pytest.approx(first) and first == pytest.approx(
        expected(corpus, "muenchen")
    )
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [
        f"hubs-muenchen-{meta.version}-k{K}.npz"
    ]


def test_a_damaged_file_is_computed_again(tmp_path: Path, corpus: Corpus) -> None:
    counted = CountedHubs()
    with EdgeIndexStore(tmp_path / "index") as store:
        meta = build_version(store, corpus.services, corpus.stored, corpus.identity)
        cache = HubScoreCache(k=K, directory=tmp_path / "cache", compute=counted)
        path = cache.path(meta.version, "lkaugsburg")
        assert path is not None
        path.parent.mkdir()
        path.write_bytes(b"not a numpy file")
        scores = cache.get(store.reader(), "lkaugsburg")

    assert counted.tenants == ["lkaugsburg"]
    assert scores == pytest.approx(expected(corpus, "lkaugsburg"))


def test_another_k_is_another_file(tmp_path: Path, corpus: Corpus) -> None:
    with EdgeIndexStore(tmp_path / "index") as store:
        meta = build_version(store, corpus.services, corpus.stored, corpus.identity)
        HubScoreCache(k=K, directory=tmp_path).get(store.reader(), "muenchen")
        other = HubScoreCache(k=1, directory=tmp_path)
        scores = other.get(store.reader(), "muenchen")

    assert scores == pytest.approx(
        hub_scores([p for p in corpus.stored if p.passage.tenant == "muenchen"], k=1)
    )
    assert sorted(p.name for p in tmp_path.glob("hubs-*.npz")) == [
        f"hubs-muenchen-{meta.version}-k1.npz",
        f"hubs-muenchen-{meta.version}-k{K}.npz",
    ]


def test_after_a_sync_only_the_synced_tenant_is_computed(tmp_path: Path, corpus: Corpus) -> None:
    """A sync of lkaugsburg (one page gone) copies muenchen's passages unchanged: its scores
    are carried over to the new version, lkaugsburg's computed; the old files go with the
    version the store no longer keeps."""
    counted = CountedHubs()
    cache = HubScoreCache(k=K, directory=tmp_path / "cache", compute=counted)
    with EdgeIndexStore(tmp_path / "index", keep_versions=1) as store:
        old = build_version(store, corpus.services, corpus.stored, corpus.identity)
        assert prepare_after_sync(store, cache, previous=None, synced="lkaugsburg") == {
            "lkaugsburg": "computed",
            "muenchen": "computed",
        }
        services, stored = corpus.without("lkaugsburg/5484709")
        new = build_version(store, services, stored, corpus.identity)
        how = prepare_after_sync(store, cache, previous=old.version, synced="lkaugsburg")
        fresh = HubScoreCache(k=K)
        muenchen = fresh.get(store.reader(), "muenchen")
        lkaugsburg = fresh.get(store.reader(), "lkaugsburg")
        carried = HubScoreCache(k=K, directory=tmp_path / "cache", compute=counted)
        on_disk = {t: carried.get(store.reader(), t) for t in ("muenchen", "lkaugsburg")}

    assert how == {"lkaugsburg": "computed", "muenchen": "carried over"}
    assert counted.tenants == ["lkaugsburg", "muenchen", "lkaugsburg"]
    assert on_disk == {"muenchen": pytest.approx(muenchen), "lkaugsburg": pytest.approx(lkaugsburg)}
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        f"hubs-lkaugsburg-{new.version}-k{K}.npz",
        f"hubs-muenchen-{new.version}-k{K}.npz",
    ]


def test_k_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"hub k must be at least 1\. Currently, it is 0"):
        HubScoreCache(k=0)
