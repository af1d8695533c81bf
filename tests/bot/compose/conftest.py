"""Shared fixtures of the composer tests: real Munich services from the shipped export."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.dldb import load_dldb
from knowledge.models import Service

SERVICES = Path(__file__).resolve().parents[3] / "data" / "muenchen" / "services_de.json"


@pytest.fixture(scope="module")
def personalausweis() -> Service:
    """The Personalausweis service (1063441): fees, offices and phone numbers to check."""
    services = load_dldb(SERVICES, tenant="muenchen")
    return next(s for s in services if s.native_id == "1063441")
