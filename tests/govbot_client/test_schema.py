"""The API serves exactly the models of govbot_client, and its OpenAPI schema says so.

The real app (lifespan run) publishes /openapi.json; every successful response of every
/api/v1 and /health endpoint must be a model of govbot_client (no second definition in
bot/), and each such component's fields must be the model's fields.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

import govbot_client.citizen
import govbot_client.documents
import govbot_client.sso
import govbot_client.staff
import govbot_client.trace
from bot.main import create_app
from tests.bot.conftest import make_settings

SHARED: dict[str, type[BaseModel]] = {
    name: model
    for module in (
        govbot_client.citizen,
        govbot_client.documents,
        govbot_client.sso,
        govbot_client.staff,
        govbot_client.trace,
    )
    for name, model in inspect.getmembers(module, inspect.isclass)
    if issubclass(model, BaseModel) and model.__module__ == module.__name__
}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    settings = make_settings(Path(tmp_path_factory.mktemp("data")))
    with TestClient(create_app(settings)) as client:
        yield client.get("/openapi.json").json()


def _response_refs(openapi: dict[str, Any]) -> dict[str, str]:
    """``"GET /path" -> component name`` of every JSON 2xx response with a model."""
    refs: dict[str, str] = {}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
                if status.startswith("2") and ref:
                    refs[f"{method.upper()} {path}"] = ref.rsplit("/", 1)[-1]
    return refs


def test_every_response_is_a_shared_model(openapi: dict[str, Any]) -> None:
    refs = _response_refs(openapi)
    assert len(refs) > 30  # the citizen and staff API, not an empty schema
    foreign = {route: name for route, name in refs.items() if name not in SHARED}
    assert foreign == {}


def test_the_schema_fields_are_the_models_fields(openapi: dict[str, Any]) -> None:
    components = openapi["components"]["schemas"]
    checked = 0
    for name, model in SHARED.items():
        component = components.get(name) or components.get(f"{name}-Output")
        if component is None:
            continue
        own = model.model_json_schema(mode="serialization", ref_template="{model}")
        assert set(component.get("properties", {})) == set(own.get("properties", {})), name
        assert set(component.get("required", [])) == set(own.get("required", [])), name
        checked += 1
    assert checked >= 30


def test_the_error_shape_is_shared(openapi: dict[str, Any]) -> None:
    error = openapi["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    return {
        name: (f.annotation, f.get_default(call_default_factory=True))
        for name, f in model.model_fields.items()
    }


@pytest.mark.parametrize(
    ("public", "domain"),
    [
        ("govbot_client.staff.SyncRunPublic", "ingest.sync.SyncReport"),
        ("govbot_client.citizen.CitationPublic", "bot.answer.Citation"),
        ("govbot_client.citizen.OfficePublic", "bot.answer.OfficeInfo"),
        ("govbot_client.citizen.OptionPublic", "bot.answer.AnswerOption"),
    ],
)
def test_mirrored_models_have_the_fields_of_the_model_they_mirror(public: str, domain: str) -> None:
    """The client's copies (written again so that it imports nothing of ours) keep every
    field, type and default of the model the server fills them from."""
    models = []
    for dotted in (public, domain):
        module, _, name = dotted.rpartition(".")
        models.append(getattr(importlib.import_module(module), name))
    assert _fields(models[0]) == _fields(models[1])
