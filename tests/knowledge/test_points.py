"""Which versions publishing a new one drops (knowledge/points.py ``superseded``)."""

from __future__ import annotations

from knowledge.points import superseded


def test_publishing_keeps_the_newest_older_versions_up_to_keep() -> None:
    committed = ["v1", "v2", "v3", "v4"]
    assert superseded(committed, "v4", keep=2) == ["v1", "v2"]
    assert superseded(committed, "v4", keep=1) == ["v1", "v2", "v3"]
    assert superseded(committed, "v4", keep=5) == []


def test_versions_newer_than_the_published_one_are_never_dropped() -> None:
    assert superseded(["v3", "v1", "v2"], "v2", keep=1) == ["v1"]
