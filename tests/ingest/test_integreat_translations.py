"""English Integreat pages join their German documents as translations (issue 13 item 3)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ingest.chunking import CHUNKING_VERSION, chunk_service, chunking_identity
from ingest.integreat import attach_translations, load_integreat, load_translations
from knowledge.errors import SourceError
from knowledge.models import Service, Translation
from tests.factories import make_service
from tests.ingest.conftest import (
    LKAUGSBURG_EN_PAGES,
    LKAUGSBURG_PAGES,
    REMS_MURR_EN_PAGES,
    REMS_MURR_PAGES,
)

WELCOME = "5484720"  # "Herzlich Willkommen" / "A warm welcome" (Landkreis Augsburg)


@pytest.fixture(scope="module")
def lkaugsburg() -> dict[str, Service]:
    services = load_integreat(LKAUGSBURG_PAGES, tenant="lkaugsburg")
    english = load_translations(LKAUGSBURG_EN_PAGES, tenant="lkaugsburg")
    attached, joined = attach_translations(services, [english])
    assert joined == {"en": 205}
    return {s.native_id: s for s in attached}


@pytest.mark.parametrize(
    ("german", "english", "tenant", "linked"),
    [
        (LKAUGSBURG_PAGES, LKAUGSBURG_EN_PAGES, "lkaugsburg", 205),
        (REMS_MURR_PAGES, REMS_MURR_EN_PAGES, "rems-murr-kreis", 280),
    ],
)
def test_every_english_page_with_content_joins_its_german_document(
    german: Path, english: Path, tenant: str, linked: int
) -> None:
    services = load_integreat(german, tenant=tenant)
    dump = load_translations(english, tenant=tenant)
    attached, joined = attach_translations(services, [dump])
    assert dump.language == "en"
    assert dump.total == len(dump.pages) == linked
    assert joined["en"] == linked
    assert len(attached) == len(services)  # translations are no new documents
    assert [s.doc_id for s in attached] == [s.doc_id for s in services]
    assert sum(bool(s.translations) for s in attached) == linked


def test_a_translation_keeps_the_german_document_id(lkaugsburg: dict[str, Service]) -> None:
    page = lkaugsburg[WELCOME]
    assert page.doc_id == f"lkaugsburg/{WELCOME}"
    assert page.title == "Herzlich Willkommen"
    assert page.languages == ["de", "en"]
    english = page.in_language("en")
    assert english.doc_id == page.doc_id
    assert english.language == "en"
    assert english.title == "A warm welcome"
    assert "/lkaugsburg/en/" in english.url
    assert english.sections[0].text.startswith("Dear new citizen")
    assert english.breadcrumb == ["Important facts about life in the district of Augsburg"]
    assert english.translations == []
    assert page.in_language("fr") is page  # no French version: the German document


def test_translation_passages_are_tagged_with_their_language(
    lkaugsburg: dict[str, Service],
) -> None:
    page = lkaugsburg[WELCOME]
    passages = chunk_service(page)
    german = [p for p in passages if p.language == "de"]
    english = [p for p in passages if p.language == "en"]
    assert german and english
    assert {p.doc_id for p in passages} == {page.doc_id}
    assert [p.passage_id for p in german] == [f"{page.doc_id}#{i}" for i in range(len(german))]
    assert [p.passage_id for p in english] == [f"{page.doc_id}#en{i}" for i in range(len(english))]
    assert english[0].title == "A warm welcome"
    assert english[0].text.startswith("Important facts about life in the district of Augsburg")
    assert chunk_service(page.model_copy(update={"translations": []})) == german
    assert chunk_service(page, translations=False) == german


def test_chunking_identity_names_an_index_without_translation_passages() -> None:
    version = f"chunks-v{CHUNKING_VERSION}:250/30:sections"
    assert chunking_identity() == version  # indexes built before translations stay valid
    assert chunking_identity(translations=False) == f"{version}:own-language"


def test_a_service_without_translations_keeps_its_content_hash() -> None:
    service = make_service()
    translated = service.model_copy(
        update={"translations": [Translation(language="en", title="Identity card")]}
    )
    assert service.content_hash() == make_service().content_hash()
    assert translated.content_hash() != service.content_hash()


def test_translation_into_the_documents_own_language_is_refused() -> None:
    with pytest.raises(ValueError, match="the document's own language"):
        make_service(translations=[Translation(language="de", title="Personalausweis")])
    with pytest.raises(ValueError, match="name a language twice"):
        make_service(
            translations=[
                Translation(language="en", title="Identity card"),
                Translation(language="en", title="ID card"),
            ]
        )
    with pytest.raises(ValueError, match="two-letter ISO 639-1"):
        Translation(language="english", title="Identity card")


def _dump(tmp_path: Path, pages: list[dict[str, object]]) -> Path:
    path = tmp_path / "region_xx_pages.json"
    path.write_text(json.dumps(pages), encoding="utf-8")
    return path


def _page(page_id: int, language: str, original: int | None = 1) -> dict[str, object]:
    return {
        "id": page_id,
        "path": f"/region/{language}/page-{page_id}/",
        "url": f"https://example.org/region/{language}/page-{page_id}/",
        "title": f"Page {page_id}",
        "content": "<p>Some text.</p>",
        "available_languages": {"de": {"id": original}} if original else {},
    }


def test_translation_dumps_that_cannot_be_used_are_explained(tmp_path: Path) -> None:
    german = _dump(tmp_path, [_page(1, "de")])
    with pytest.raises(SourceError, match="holds German pages; give it as the main dump"):
        load_translations(german, tenant="region")
    mixed = _dump(tmp_path, [_page(2, "en"), _page(3, "fr")])
    with pytest.raises(SourceError, match=r"expected pages of one language, found \['en', 'fr'\]"):
        load_translations(mixed, tenant="region")
    english = load_translations(
        _dump(tmp_path, [_page(2, "en"), _page(4, "en", None)]), tenant="region"
    )
    assert english.total == 2 and english.unlinked == 1 and list(english.pages) == ["1"]
    with pytest.raises(SourceError, match="two translation dumps in 'en'"):
        attach_translations([], [english, english])


def test_a_translation_has_the_tags_of_its_own_language(lkaugsburg: dict[str, Service]) -> None:
    page = lkaugsburg[WELCOME]
    assert page.keywords[0] == "Willkommen"
    english = page.in_language("en")
    assert english.keywords == [
        "Welcome",
        "Arrival",
        "New residents",
        "Augsburg district",
        "Orientation",
    ]
    assert not any("Keywords:" in s.text for s in english.sections)


def test_a_translation_without_tags_keeps_the_documents_content_hash() -> None:
    """Translations got ``keywords`` later: an index synced before must not re-embed."""
    plain = Translation(language="en", title="Welcome")
    service = make_service(translations=[plain])
    payload = service.model_dump(mode="json", exclude={"valid_until"})
    del payload["translations"][0]["keywords"]  # the hash as it was before the field
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert service.content_hash() == hashlib.sha256(blob).hexdigest()
    tagged = make_service(translations=[plain.model_copy(update={"keywords": ["Welcome"]})])
    assert tagged.content_hash() != service.content_hash()
