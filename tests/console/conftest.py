"""Fixtures of the console tests: a real API on loopback, staff of every role, real data.

The API is ``create_app`` over the shared Munich index (real dialogue engine, real SQLite)
served by a real uvicorn; the console runs in Streamlit's ``AppTest`` and talks to it
over HTTP exactly as in production. Data is made through the API (citizen questions,
feedback, handoffs); only evaluation runs are written straight into the database, as
``govbot eval run`` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bot.cli.console import console_command
from bot.main import create_app
from bot.settings import IngestSourceSettings, KnowledgeAdminSettings, Settings
from bot.storage.db import make_engine, session_factory
from bot.storage.eval_models import EvalCaseResult, EvalRun
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings
from tests.conftest import live_server

APP_FILE = Path(__file__).resolve().parents[2] / "console" / "app.py"
STAFF = {
    "anna.agent": StaffRole.AGENT,
    "bernd.agent": StaffRole.AGENT,
    "erika.editor": StaffRole.EDITOR,
    "emil.editor": StaffRole.EDITOR,
    "alex.auditor": StaffRole.AUDITOR,
    "ada.admin": StaffRole.ADMIN,
}
ROLE_USER = {
    "agent": "anna.agent",
    "editor": "erika.editor",
    "auditor": "alex.auditor",
    "admin": "ada.admin",
}
# A source whose re-run fails fast (missing file): clicking it never touches the shared index.
BROKEN_SOURCE = IngestSourceSettings(
    tenant="muenchen",
    name="dldb",
    args=["dldb", "does/not/exist/services_de.json", "--tenant", "muenchen", "--no-ozg"],
    description="Dienstleistungsdatenbank München (Testkonfiguration)",
)
SEED_QUESTIONS = (
    ("Was kostet ein Personalausweis?", True, None),
    ("Wie melde ich meinen Wohnsitz an?", True, None),
    ("Was kostet ein Führungszeugnis?", False, "Die Gebühr fehlt in der Antwort."),
    ("Wann hat das Freibad geöffnet?", None, None),
    ("Wann hat das Freibad geöffnet?", False, None),
)


@dataclass
class ConsoleApi:
    """The running API and ways to act on it as citizen or staff."""

    url: str
    settings: Settings

    @contextmanager
    def staff(self, username: str) -> Iterator[httpx.Client]:
        """An HTTP client logged in as ``username``."""
        with httpx.Client(base_url=self.url, timeout=60) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            yield client

    def ask(self, question: str, *, conversation_id: str | None = None) -> dict[str, Any]:
        """Ask as a citizen (a new conversation unless one is given); returns the response."""
        with httpx.Client(base_url=self.url, timeout=60) as citizen:
            if conversation_id is None:
                created = citizen.post("/api/v1/conversations", json={"tenant": "muenchen"})
                conversation_id = created.json()["conversation_id"]
            posted = citizen.post(
                f"/api/v1/conversations/{conversation_id}/messages", json={"text": question}
            )
            assert posted.status_code == 200, posted.text
            return {"conversation_id": conversation_id, **posted.json()}

    def escalate(self, question: str, reason: str) -> dict[str, Any]:
        """A citizen asks, then asks for a person; returns conversation id and reference."""
        asked = self.ask(question)
        with httpx.Client(base_url=self.url, timeout=60) as citizen:
            handoff = citizen.post(
                f"/api/v1/conversations/{asked['conversation_id']}/handoff",
                json={"reason": reason},
            )
            assert handoff.status_code in (200, 201), handoff.text
        return {"conversation_id": asked["conversation_id"], **handoff.json()}

    def messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """The citizen's view of the conversation."""
        with httpx.Client(base_url=self.url, timeout=60) as citizen:
            response = citizen.get(f"/api/v1/conversations/{conversation_id}/messages")
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


def _seed_answers(api: ConsoleApi) -> None:
    for question, helpful, comment in SEED_QUESTIONS:
        asked = api.ask(question)
        if helpful is None or asked["answer"] is None:
            continue
        answer_message = api.messages(asked["conversation_id"])[-1]
        with httpx.Client(base_url=api.url, timeout=60) as citizen:
            citizen.post(
                f"/api/v1/conversations/{asked['conversation_id']}/messages/"
                f"{answer_message['id']}/feedback",
                json={"helpful": helpful, "comment": comment},
            )


def _seed_eval_runs(settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    start = datetime.now(UTC) - timedelta(days=2)
    outcomes = {"1": (True, True), "2": (True, False)}  # run → case c1 ok, case c2 ok
    with session_factory(engine)() as session:
        for number, (first_ok, second_ok) in outcomes.items():
            run = EvalRun(
                label=f"Lauf {number}",
                set_name="munich_smoke",
                set_version="1",
                set_sha256="0" * 64,
                case_count=2,
                status="finished",
                git_commit=f"abc{number}",
                git_dirty=False,
                embedder="multilingual-e5-small",
                index_version="test",
                settings={"dialogue": {"min_confidence": 0.5}},
                environment={"python": "3.11"},
                metrics={
                    "status_accuracy": 1.0 if second_ok else 0.5,
                    "source_cited": 1.0,
                    "latency_p95_ms": 120.0 - int(number),
                },
                details={"confusion": {"answered": {"answered": 2 if second_ok else 1}}},
                started_at=start + timedelta(days=int(number)),
                finished_at=start + timedelta(days=int(number), minutes=1),
            )
            session.add(run)
            session.flush()
            for position, (case_id, ok) in enumerate((("c1", first_ok), ("c2", second_ok))):
                session.add(
                    EvalCaseResult(
                        run_id=run.id,
                        position=position,
                        case_id=case_id,
                        tenant="muenchen",
                        kind="service",
                        topic="ausweis",
                        language="de",
                        status="answered" if ok else "unanswerable",
                        status_ok=ok,
                        source_ok=ok,
                        facts_ok=ok,
                        grounded=True,
                        latency_ms=80.0,
                        question_redacted=f"Frage {case_id}",
                        answer_redacted=f"Antwort {case_id}",
                        result={"expected_ids": ["muenchen/1063441"], "case_id": case_id},
                    )
                )
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def console_api(
    munich_index: Settings, munich_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleApi]:
    """The API over the Munich index with staff of every role, answers, feedback, eval runs."""
    db = tmp_path_factory.mktemp("console-db") / "console.sqlite3"
    settings = make_settings(munich_index.data_dir, f"sqlite:///{db}").model_copy(
        update={"knowledge_admin": KnowledgeAdminSettings(sources=[BROKEN_SOURCE])}
    )
    add_staff_users(settings, *STAFF.items())
    _seed_eval_runs(settings)
    with live_server(create_app(settings, retriever=munich_retriever)) as url:
        api = ConsoleApi(url=url, settings=settings)
        _seed_answers(api)
        yield api


# --- The console as `govbot console` runs it (browser tests) ------------------------------


@contextmanager
def running_console(
    api_url: str, log: Path, *, refresh_seconds: int | None = None
) -> Iterator[str]:
    """``streamlit run console/app.py`` on a free loopback port, pointed at ``api_url``;
    yields the console's URL (its output goes to ``log``)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    env = {**os.environ, "GOVBOT_CONSOLE__API_URL": api_url}
    if refresh_seconds is not None:
        env["GOVBOT_CONSOLE__REFRESH_SECONDS"] = str(refresh_seconds)
    # The very command `govbot console` runs.
    command = console_command(Settings(env="test"), host="127.0.0.1", port=port)
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {log.read_text(encoding='utf-8')}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# --- AppTest helpers -----------------------------------------------------------------------


@pytest.fixture
def console_env(console_api: ConsoleApi, monkeypatch: pytest.MonkeyPatch) -> ConsoleApi:
    """Point the console (run in-process by AppTest) at the test API."""
    monkeypatch.setenv("GOVBOT_CONSOLE__API_URL", console_api.url)
    monkeypatch.setenv("GOVBOT_CONSOLE__REFRESH_SECONDS", "30")
    return console_api


def open_console() -> AppTest:
    """The console app, run once (the login page)."""
    at = AppTest.from_file(str(APP_FILE), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def login(at: AppTest, username: str, password: str = STAFF_PASSWORD) -> AppTest:
    """Fill in and submit the login form."""
    at.text_input(key="login.username").input(username)
    at.text_input(key="login.password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    """Switch to the page with key ``page`` (console/navigation.py)."""
    at.session_state["console.goto"] = page
    at.run()
    assert not at.exception, at.exception
    return at


def console_as(username: str, page: str | None = None) -> AppTest:
    """The console logged in as ``username``, optionally on ``page``."""
    at = login(open_console(), username)
    return goto(at, page) if page else at


def shown_text(at: AppTest) -> str:
    """Every text element of the current run, joined (for "is X visible" checks)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    for kind in ("error", "warning", "info", "success"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    return "\n".join(parts)


def titles(at: AppTest) -> list[str]:
    """Page titles shown."""
    return [str(t.value) for t in at.title]


def errors(at: AppTest) -> list[str]:
    """Error messages shown."""
    return [str(e.value) for e in at.error]


def frames(at: AppTest, column: str) -> list[pd.DataFrame]:
    """The shown tables that have ``column``, in page order."""
    return [df.value for df in at.dataframe if column in df.value.columns]
