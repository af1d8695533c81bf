"""The out_of_scope set (#12 item 5, #13 item 4): its composition, its coverage check and
its one split by tenant and language."""

from __future__ import annotations

from collections import Counter

from eval.calibration import NEGATIVE_KINDS
from eval.citizens_set import assign_splits
from eval.out_of_scope_set import (
    SET_NAME,
    searched_terms,
    tenant_and_language,
    tenant_documents,
    term_hits,
)
from eval.sets_schema import CaseKind, ExpectedStatus, Split, load_set

CASES = load_set(SET_NAME).cases
TENANTS = ("muenchen", "lkaugsburg", "rems-murr-kreis")
LANGUAGES = ("de", "en", "fr", "uk", "ar", "tr", "ru")


def test_composition_follows_the_brief() -> None:
    assert len(CASES) >= 240
    per_tenant = Counter(case.tenant for case in CASES)
    assert set(per_tenant) == set(TENANTS)
    assert min(per_tenant.values()) >= 80
    for tenant in TENANTS:
        languages = Counter(c.tags.language for c in CASES if c.tenant == tenant)
        assert set(languages) == set(LANGUAGES), tenant
        assert languages["de"] + languages["en"] > sum(languages.values()) / 2, tenant
    assert {case.tags.kind for case in CASES} == {CaseKind.MISSING_TOPIC, CaseKind.OUT_OF_SCOPE}
    assert len({case.question for case in CASES}) == len(CASES)


def test_no_case_accepts_an_answer() -> None:
    for case in CASES:
        assert case.expected == [], case.id
        assert ExpectedStatus.UNANSWERABLE in case.expected_status, case.id
        assert ExpectedStatus.ANSWERED not in case.expected_status, case.id
        assert ExpectedStatus.CLARIFY not in case.expected_status, case.id


def test_every_administrative_question_names_the_words_searched() -> None:
    missing = [
        c.id for c in CASES if c.tags.kind is CaseKind.MISSING_TOPIC and not searched_terms(c)
    ]
    assert missing == []
    dog = next(c for c in CASES if c.id == "os-la-de-dog-tax")
    assert searched_terms(dog) == ["Hund"]


def test_the_check_searches_the_tenants_own_documents() -> None:
    munich = tenant_documents("muenchen")
    region = tenant_documents("rems-murr-kreis")
    assert len(munich) > 250 and all(doc_id.startswith("muenchen/") for doc_id, _, _ in munich)
    # German and English pages of the region.
    assert {"Auto", "Cars"} <= {title for _, title, _ in region}
    # What made the writer leave vehicle registration out for this region (out_of_scope.md).
    assert "Auto" in term_hits("zulassungsstelle", region)
    assert term_hits("Hundesteuer", region) == []
    assert "Saisonkennzeichen" in term_hits("kennzeichen", munich)


def test_the_check_reads_the_documents_as_the_index_holds_them() -> None:
    """Through ingest's loaders and chunker: every section of a Munich service (the old
    reading of the raw export took only name, description, fees and keywords), and an
    English page as the translation of its German document."""
    munich = tenant_documents("muenchen")
    assert "Haushaltsbescheinigung" in term_hits("Familienkasse", munich)
    region = tenant_documents("rems-murr-kreis")
    ids = {title: doc_id for doc_id, title, _ in region}
    assert ids["Cars"] == ids["Auto"]


def test_the_halves_follow_the_split_rule_by_tenant_and_language() -> None:
    halves = assign_splits(CASES, stratum=tenant_and_language)
    assert all(case.tags.split is halves[case.id] for case in CASES)
    tune = [case.id for case in load_set(f"{SET_NAME}_tune").cases]
    holdout = [case.id for case in load_set(f"{SET_NAME}_holdout").cases]
    assert tune == [case.id for case in CASES if case.tags.split is Split.TUNE]
    assert holdout == [case.id for case in CASES if case.tags.split is Split.HOLDOUT]
    for tenant in TENANTS:
        for language in LANGUAGES:
            per_half = Counter(
                c.tags.split for c in CASES if tenant_and_language(c) == (tenant, language)
            )
            assert abs(per_half[Split.TUNE] - per_half[Split.HOLDOUT]) <= 1, (tenant, language)


def test_the_tune_half_is_calibration_negatives_of_every_tenant() -> None:
    tune = load_set(f"{SET_NAME}_tune").cases
    assert {case.tenant for case in tune} == set(TENANTS)
    assert all(case.tags.kind in NEGATIVE_KINDS and not case.expected for case in tune)
