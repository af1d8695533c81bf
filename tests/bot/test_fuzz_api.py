"""Fuzz the whole HTTP API from its own OpenAPI spec with schemathesis (issues #8 and 14).

A real uvicorn on loopback serves ``create_app`` over the real Munich index and a SQLite
file; schemathesis generates requests for every operation and every parameter, both
valid ones (positive) and ones that break the schema (negative): anonymously for the
citizen and login endpoints, with an admin's token for the staff endpoints (an admin
passes every role check, so the handlers themselves are reached). No response may be a
5xx. The console's re-ingest is configured with no sources, so the fuzzer cannot start
real ingest jobs. Bounded: a few examples per operation and mode.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from bot.main import create_app
from bot.settings import KnowledgeAdminSettings, Settings
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings
from tests.conftest import live_server

PUBLIC_EXAMPLES = 12
STAFF_EXAMPLES = 6


@dataclass
class Tally:
    """What the fuzzer sent and got back."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def fuzz_api_url(
    munich_index: Settings, munich_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    database = Path(tmp_path_factory.mktemp("fuzz-db")) / "fuzz.sqlite3"
    app_settings = make_settings(munich_index.data_dir, f"sqlite:///{database}").model_copy(
        update={"knowledge_admin": KnowledgeAdminSettings(sources=[])}
    )
    add_staff_users(app_settings, ("fuzzadmin", StaffRole.ADMIN))
    with live_server(create_app(app_settings, retriever=munich_retriever)) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(fuzz_api_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzz_api_url}/openapi.json")


def _fuzz(
    schema: schemathesis.BaseSchema, *, examples: int, headers: dict[str, str] | None = None
) -> tuple[int, Tally]:
    # Driven by hand instead of schemathesis' pytest plugin, whose fixture integration
    # does not work with the pytest version we run (AttributeError on '_nodeid').
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def fuzz(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                tally.cases += 1
                tally.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    tally.server_errors.append(
                        f"{case.operation.label} -> {response.status_code}: "
                        f"{case.as_curl_command()}"
                    )

            try:
                fuzz()
            except Unsatisfiable:
                # Nothing to break: an operation without parameters or body (GET /staff/me).
                assert mode is GenerationMode.NEGATIVE, operation.label
    return len(operations), tally


def _report(name: str, operations: int, tally: Tally) -> None:
    fives = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(
        f"\nschemathesis {name}: {operations} operations, {tally.cases} cases, 5xx: {fives}, "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )


def test_public_endpoints_never_answer_with_a_server_error(
    api_schema: schemathesis.BaseSchema,
) -> None:
    """Citizen endpoints and the login: what an anonymous attacker on the internet reaches."""
    public = api_schema.include(path_regex=r"^/api/v1/(conversations|auth)")

    operations, tally = _fuzz(public, examples=PUBLIC_EXAMPLES)

    _report("public", operations, tally)
    assert operations >= 5
    assert tally.server_errors == []
    # The fuzzer really talked to the server, and rejected most garbage with 4xx.
    assert tally.cases >= 3 * operations
    assert any(400 <= status < 500 for status in tally.statuses)


def test_every_endpoint_with_a_staff_token_never_answers_with_a_server_error(
    api_schema: schemathesis.BaseSchema, fuzz_api_url: str
) -> None:
    token = httpx.post(
        f"{fuzz_api_url}/api/v1/auth/token",
        data={"username": "fuzzadmin", "password": STAFF_PASSWORD},
    ).json()["access_token"]
    staff = api_schema.include(path_regex=r"^/api/v1/(staff|eval)")

    operations, tally = _fuzz(
        staff, examples=STAFF_EXAMPLES, headers={"Authorization": f"Bearer {token}"}
    )

    _report("staff", operations, tally)
    assert operations >= 30
    assert tally.server_errors == []
    assert tally.statuses[200] > 0 and tally.statuses[401] == 0
