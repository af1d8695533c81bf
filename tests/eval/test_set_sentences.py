"""Sets written by a procedure take no sentence from another set or pool: a sentence seen
while tuning elsewhere would not test what the set claims to test."""

from __future__ import annotations

import pytest

from eval.danger_set import SET_NAME as DANGER_SET
from eval.languages_set import SET_NAME as LANGUAGES_SET
from eval.pools import load_pool
from eval.romanised_set import SET_NAME as ROMANISED_SET
from eval.sets_schema import SETS_DIR, load_set


@pytest.mark.parametrize("set_name", [DANGER_SET, ROMANISED_SET, LANGUAGES_SET])
def test_no_sentence_is_taken_from_another_set_or_pool(set_name: str) -> None:
    cases = load_set(set_name).cases
    mine = {case.question for case in cases if case.question}
    assert len(mine) == len(cases)
    for path in [*SETS_DIR.glob("*.jsonl"), *(SETS_DIR.parent / "pools").glob("*.jsonl")]:
        if path.name.startswith(set_name):
            continue
        assert not mine & {c.question for c in load_pool(path)}, path.name
