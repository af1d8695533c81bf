"""Fixtures of the dialogue tests."""

from __future__ import annotations

import pytest

from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.settings import Settings
from knowledge.retrieval import Retriever


@pytest.fixture(scope="module")
def engine(munich_index: Settings, munich_retriever: Retriever) -> DialogueEngine:
    """The dialogue engine with the shipped rules and models over the session's Munich index
    (one per module; a module over another index defines its own ``engine``)."""
    return build_engine(munich_index, munich_retriever)
