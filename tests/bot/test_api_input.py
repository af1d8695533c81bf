"""Bad input over HTTP: every rejection is a clear 4xx in the one error shape, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.texts.notice import ai_notice


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def conversation_id(client: TestClient) -> str:
    response = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
    assert response.status_code == 201, response.text
    return str(response.json()["conversation_id"])


def error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def test_new_conversation_carries_the_ai_notice(client: TestClient) -> None:
    response = client.post("/api/v1/conversations", json={"tenant": "muenchen", "language": "en"})

    body = response.json()
    assert response.status_code == 201
    assert (body["tenant"], body["language"], body["state"]) == ("muenchen", "en", "bot")
    assert body["notice"].startswith("You are chatting with an AI assistant of the City of Munich.")
    assert len(body["conversation_id"]) == 32


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_message_is_422(client: TestClient, conversation_id: str, text: str) -> None:
    response = client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": text})

    assert response.status_code == 422
    assert error(response) == {
        "code": "invalid_input",
        "message": "message text is empty; type a question",
        "details": None,
    }


def test_message_over_the_character_limit_is_422(
    client: TestClient, conversation_id: str, settings: Settings
) -> None:
    text = "Personalausweis " * 200  # 3,200 characters, well under the body limit

    response = client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": text})

    assert response.status_code == 422
    assert error(response)["message"] == (
        f"message text has {len(text.strip())} characters; at most "
        f"{settings.api.max_message_chars} are allowed"
    )


def test_100_kb_message_is_413(
    client: TestClient, conversation_id: str, settings: Settings
) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": "a" * 100_000}
    )

    assert response.status_code == 413
    body = error(response)
    assert body["code"] == "payload_too_large"
    assert body["message"] == (
        "request body of 100011 bytes is larger than the limit of "
        f"{settings.api.max_body_bytes} bytes"
    )


def test_streamed_body_without_length_is_cut_at_the_limit(
    client: TestClient, conversation_id: str
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert error(response)["code"] == "payload_too_large"


def test_invalid_utf8_is_400_naming_the_byte(client: TestClient, conversation_id: str) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        content=b'{"text": "Geb\xfchren"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid_utf8",
        "message": "request body is not valid UTF-8 (byte 0xfc at offset 13); "
        "send JSON encoded as UTF-8",
        "details": None,
    }


def test_broken_json_is_400(client: TestClient, conversation_id: str) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        content=b'{"text": ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert error(response)["code"] == "invalid_json"


def test_missing_and_unknown_fields_are_422(client: TestClient, conversation_id: str) -> None:
    missing = client.post(f"/api/v1/conversations/{conversation_id}/messages", json={})
    unknown = client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Hallo", "x": 1}
    )

    assert (missing.status_code, unknown.status_code) == (422, 422)
    assert error(missing)["message"] == "invalid request: body.text: Field required"
    assert error(unknown)["message"] == "invalid request: body.x: Extra inputs are not permitted"


def test_unknown_conversation_is_404(client: TestClient) -> None:
    for response in (
        client.post("/api/v1/conversations/0123abc/messages", json={"text": "Hallo"}),
        client.get("/api/v1/conversations/0123abc/messages"),
        client.post("/api/v1/conversations/0123abc/handoff", json={}),
    ):
        assert response.status_code == 404
        assert error(response) == {
            "code": "conversation_not_found",
            "message": "conversation '0123abc' does not exist; "
            "start one with POST /api/v1/conversations",
            "details": None,
        }


@pytest.mark.parametrize("tenant", ["berlin", "Not A Slug!"])
def test_unknown_tenant_is_404_listing_the_known(client: TestClient, tenant: str) -> None:
    response = client.post("/api/v1/conversations", json={"tenant": tenant})

    assert response.status_code == 404
    body = error(response)
    assert body["code"] == "unknown_tenant"
    assert body["details"] == {"known_tenants": ["muenchen"]}
    assert repr(tenant) in str(body["message"])


def test_unknown_language_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/conversations", json={"tenant": "muenchen", "language": "xx"})

    assert response.status_code == 422
    assert error(response)["code"] == "validation_error"
    assert "use one of de, ar, en, fa, fr, pl, ro, ru, tr, uk" in response.text


@pytest.mark.parametrize("language", ["tr", "ar", "uk", "ru", "pl", "ro", "fa", "fr"])
def test_every_catalogue_language_starts_a_conversation_with_its_notice(
    client: TestClient, language: str
) -> None:
    response = client.post(
        "/api/v1/conversations", json={"tenant": "muenchen", "language": language}
    )

    assert response.status_code == 201, response.text
    assert response.json()["language"] == language
    assert response.json()["notice"] == ai_notice("muenchen", language)


def test_a_message_with_an_unknown_language_is_422(
    client: TestClient, conversation_id: str
) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"text": "Hallo", "language": "klingon"},
    )

    assert response.status_code == 422
    assert error(response)["code"] == "validation_error"


def test_feedback_on_a_citizen_message_is_409(client: TestClient, conversation_id: str) -> None:
    client.post(f"/api/v1/conversations/{conversation_id}/handoff", json={})
    posted = client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Hallo?"}
    ).json()["message"]

    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages/{posted['id']}/feedback",
        json={"helpful": True},
    )

    assert response.status_code == 409
    assert error(response)["message"] == (
        f"message {posted['id']} is a citizen message; feedback is for bot answers"
    )


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing")
    wrong = client.delete("/api/v1/conversations")

    assert (missing.status_code, error(missing)["code"]) == (404, "not_found")
    assert (wrong.status_code, error(wrong)["code"]) == (405, "method_not_allowed")
