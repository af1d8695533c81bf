"""The one reader, writer and embedder check of the query adapter's and direction's files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.errors import ConfigurationError
from knowledge.query_adapter import ADAPTER_FILE, load_query_adapter
from knowledge.query_centering import DIRECTION_FILE, load_query_direction

META = {"embedder": "toy", "dim": 2, "training_hash": "abc", "created": "2026-12-07T00:00:00Z"}


def test_written_array_and_metadata_read_back(tmp_path: Path) -> None:
    array = np.asarray([0.6, 0.8], dtype=np.float32)
    DIRECTION_FILE.write(tmp_path / "sub" / "d.npz", array, {**META, "questions": 3})
    read, meta = DIRECTION_FILE.read(tmp_path / "sub" / "d.npz")
    np.testing.assert_array_equal(read, array)
    assert meta == {**META, "questions": 3}


def test_a_file_of_one_kind_is_not_read_as_the_other(tmp_path: Path) -> None:
    DIRECTION_FILE.write(tmp_path / "d.npz", np.asarray([0.6, 0.8], np.float32), META)
    with pytest.raises(
        ConfigurationError,
        match=r"Query adapter file .*d\.npz is not a valid query adapter file \(\.npz with "
        r"'residual' and 'meta'\)",
    ):
        load_query_adapter(tmp_path / "d.npz")
    ADAPTER_FILE.write(tmp_path / "a.npz", np.zeros((2, 2), np.float32), META)
    with pytest.raises(ConfigurationError, match=r"'direction' and 'meta'"):
        load_query_direction(tmp_path / "a.npz")


def test_the_embedder_check_names_both_embedders_and_the_way_out() -> None:
    ADAPTER_FILE.check_embedder(("toy", 2), name="toy", dim=2)
    with pytest.raises(ConfigurationError) as refused:
        DIRECTION_FILE.check_embedder(("toy", 2), name="toy", dim=3)
    assert str(refused.value) == (
        "Query direction fitted for 'toy' (2 dims) but the embedder is 'toy' (3 dims); fit one "
        "for it with `govbot eval fit-query-direction`, point "
        "GOVBOT_RETRIEVAL__QUERY_DIRECTION_PATH at it, or set GOVBOT_RETRIEVAL__QUERY_CENTERING=0"
    )


def test_locate_prefers_the_given_path_then_the_shipped_file(tmp_path: Path) -> None:
    given = tmp_path / "mine.npz"
    assert ADAPTER_FILE.locate(given, "multilingual-e5-small") == given
    shipped = DIRECTION_FILE.locate(None, "multilingual-e5-small")
    assert shipped == DIRECTION_FILE.packaged_path("multilingual-e5-small")
    assert shipped is not None and shipped.exists()
    assert DIRECTION_FILE.locate(None, "no-such-embedder") is None
