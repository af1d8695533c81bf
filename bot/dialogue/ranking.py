"""Which service answers the question, and how sure the bot is (issue #3 part 4).

The retriever's hybrid top documents (plus the best documents of dense and of BM25
search alone) are re-scored with a few interpretable features:

    hybrid      retriever's fused score, min-max scaled over its hits (1.0 for the top hit)
    dense_gap   cosine of the document's best passage minus the best cosine of any document
    card_gap    the same for the document's card (title, breadcrumb, headings, keywords)
    bm25        BM25 score of the document's best passage relative to the best BM25 hit
    title       share of the title's words that the question contains ("Personalausweis"
                beats "Verlust oder Diebstahl Personalausweis" for "Was kostet ein
                Personalausweis?")
    named       share of the question's topical words found in title and keywords
    covered     share of the question's topical words found anywhere in the document

``score = Σ weight · feature`` orders the candidates (structured services use the
fitted ``weights``, information pages ``page_weights``). Two calibrated probabilities
decide answer, clarify or not found (issue 12 items 2 and 3):

    confidence  P(the best candidate is the right service): answer with it
    reach       P(the right service is among the first ``options`` candidates): offer
                them as choices, if they are plausible (``Ranking.plausible``: a German
                question names one of them, by a word or a part of its compounds, and in
                every language the best passage is as close as the calibrated floor of
                the question's language, ``RankingModel.dense_floors``)

Both are logistic functions of features that exist in every language (the best dense
similarity, the dense and score margins to the runner-up, whether the best document is
an information page; for the confidence also the leads of the best dense and fused
scores over the question's own ten best documents, which do not depend on the absolute
cosine scale, and ``card_gap`` of the best candidate: whether its card, rather than
another document's, is the closest to the question) and of the German lexical evidence
(whether the title/keywords name the question's topic, whether it is also BM25's best,
how many of the citizen's own topical words occur nowhere in the tenant: "Wohngeld" in
Munich), plus a term for a question not written in German and one per language with
training questions (issue 13 item 4: a Ukrainian question never shares a word with the
German pages). The model lives
in ``bot/dialogue/rules/ranking.yaml``; ``govbot eval calibration`` (eval/calibration.py)
fits it with cross-validation and docs/policy.md reports the reliability table.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.understanding.lexicon import GENERIC, STOPWORDS, content_stems, coverage, vocabulary_of
from bot.understanding.wording import normalize
from knowledge.compounds import CompoundSplitter
from knowledge.errors import ConfigurationError
from knowledge.index import IndexMeta, ScoredPassage, SearchMode
from knowledge.models import CARD_SECTION, SearchHit, Service, SourceKind

DEFAULT_MODEL = Path(__file__).parent / "rules" / "ranking.yaml"
_EXTRA_PER_MODE = 3  # best documents of dense-only and BM25-only search added to the pool
# Confidence features that compare the question's German words with the documents'.
_LEXICAL = ("covered", "named", "named_expanded", "bm25_top", "unknown", "all_unknown")
_LETTERS = re.compile(r"[^\W\d_]+")
_MIN_PART = 5  # letters of a compound's part that may name a choice
# The leads of the best dense and fused scores are measured against the score of this
# document in their ranking: a scale of the question's own scores, not an absolute one.
_LEAD_DEPTH = 10
RANK_FEATURES = ("dense_lead", "dense_spread", "fused_lead")
# The most clarifying choices a model may offer; how many it does offer (``options``) is
# chosen by cross-validation (`govbot eval calibration --policy`, eval/clarify_policy.py).
MAX_OPTIONS = 5
# Issue 12 item 2 asks for two to four choices: the documented refit weighs up to four, five
# only when asked for (`--options 5`; measured in docs/retrieval-tuning.md, not shipped).
ISSUE_OPTIONS = 4


class SearchBackend(Protocol):
    """What ranking needs from knowledge.retrieval.Retriever."""

    @property
    def meta(self) -> IndexMeta: ...

    def search(
        self,
        query: str,
        *,
        tenant: str,
        k: int = 5,
        mode: SearchMode | None = None,
        language: str | None = None,
    ) -> list[SearchHit]: ...

    def search_passages(
        self, query: str, *, tenant: str, k: int = 5, mode: SearchMode | None = None
    ) -> list[ScoredPassage]: ...

    def get_service(self, doc_id: str) -> Service | None: ...

    def tenants(self) -> list[str]: ...

    def versions(self) -> list[str]: ...

    def services(self, tenant: str | None = None) -> list[Service]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]: ...


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RankingModel(_Frozen):
    """Feature weights of the re-ranker and the logistic confidence model."""

    weights: dict[str, float]
    # Information pages (Integreat, folder) have no keywords and looser titles: they keep
    # the retriever's own order (which is tuned on Integreat), see docs/policy.md.
    page_weights: dict[str, float] = Field(default_factory=lambda: {"hybrid": 1.0})
    # Added to the confidence logit when the best document is an information page.
    page_confidence_shift: float = 0.0
    confidence_bias: float
    confidence_weights: dict[str, float]
    # P(right service among the first ``options`` candidates); absent: the confidence.
    reach_bias: float | None = None
    reach_weights: dict[str, float] = Field(default_factory=dict)
    options: int = Field(default=3, ge=2, le=MAX_OPTIONS)  # clarifying choices (issue 12 item 2)
    # Languages with their own confidence term (calibrated on their questions); any other
    # language not German gets the ``foreign`` term alone.
    languages: tuple[str, ...] = ()
    candidates: int = Field(default=10, ge=1, le=50)
    # Per language (``default``: any other), the lowest best dense cosine with which a
    # calibration question reached its service (eval/calibration.py ``dense_floors``):
    # choices under it are not plausible, in any language. Empty: no floor.
    dense_floors: dict[str, float] = Field(default_factory=dict)
    # The rank features' mean over the calibration questions (eval/calibration.py): their
    # value where a list has fewer than ten documents to measure a lead against (a small
    # tenant), so that a short list neither inflates nor lowers the confidence.
    lead_defaults: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_MODEL) -> RankingModel:
        """Load the fitted model (defaults to the shipped bot/dialogue/rules/ranking.yaml)."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls.model_validate(raw)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"cannot load ranking model {path}: {exc}") from exc


class Candidate(_Frozen):
    """One document considered for the answer, with its features and score."""

    hit: SearchHit
    features: dict[str, float]
    score: float


class Ranking(_Frozen):
    """Candidates best first, and the confidence that the first one answers the question."""

    query: str
    tenant: str
    candidates: list[Candidate]
    confidence: float
    confidence_features: dict[str, float]
    timings_ms: dict[str, float]
    reach: float = 0.0  # P(right service among ``choices``)
    options: int = 3  # how many candidates are offered as choices
    # Something plausible to offer: see ServiceRanker.score (False: "not found", never
    # choices of services the question does not name).
    plausible: bool = True

    @property
    def best(self) -> Candidate | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None

    @property
    def choices(self) -> list[Candidate]:
        """The candidates offered when the bot asks which one is meant, best first."""
        return self.candidates[: self.options]


class Retrieved(_Frozen):
    """Raw retrieval for one query: hybrid hits (plus single-mode extras) and mode scores."""

    hits: list[SearchHit]
    fused: int = -1  # how many of ``hits`` came from the hybrid search (-1: all)
    dense: dict[str, float]
    bm25: dict[str, float]
    # Of dense search's passages, the best cosine of each document's card (the passage of
    # title, breadcrumb, headings and keywords, section "Überblick"; empty in rows
    # retrieved before the card was kept apart).
    card: dict[str, float] = Field(default_factory=dict)
    timings_ms: dict[str, float] = Field(default_factory=dict)


class ServiceRanker:
    """Re-ranks the retriever's documents and computes a calibrated confidence."""

    def __init__(
        self,
        retriever: SearchBackend,
        model: RankingModel,
        *,
        splitter: CompoundSplitter | None = None,
    ) -> None:
        self._retriever = retriever
        self._model = model
        self._splitter = splitter
        self._vocabularies: dict[tuple[str, str], tuple[set[str], set[str], bool]] = {}
        self._tenant_vocabularies: dict[tuple[str, str], set[str]] = {}

    @property
    def model(self) -> RankingModel:
        """The ranking model in use."""
        return self._model

    def rank(
        self,
        query: str,
        *,
        tenant: str,
        original: str | None = None,
        language: str = "de",
        words_language: str | None = None,
    ) -> Ranking:
        """Candidates for ``query`` in ``tenant``, best first, with a confidence.

        ``query`` may carry added synonyms (bot/policy.Policy.expand); the confidence's
        coverage features use ``original``: the citizen's words without those a synonym
        already maps to an official term (bot/policy.Policy.unmapped), so that an added
        term cannot make a missing topic look covered and a mapped everyday word
        ("Nummernschild") does not count as unknown. ``language``: the question's, for
        its confidence term; ``words_language``: the language of the searched words where
        it is certain (bot/understanding Search.language), which weighs BM25 in hybrid search.
        """
        retrieved = self.retrieve(query, tenant=tenant, language=words_language)
        clock = time.perf_counter()
        own = original if original is not None else query
        ranking = self.score(retrieved, query=query, tenant=tenant, original=own, language=language)
        timings = {**retrieved.timings_ms, "rank": round((time.perf_counter() - clock) * 1000, 2)}
        return ranking.model_copy(update={"timings_ms": timings})

    def retrieve(self, query: str, *, tenant: str, language: str | None = None) -> Retrieved:
        """Hybrid hits plus dense and BM25 scores per document (three index queries);
        ``language``: of the query's words where certain (knowledge/retrieval.py)."""
        clock = time.perf_counter()
        hits = self._retriever.search(
            query, tenant=tenant, k=self._model.candidates, language=language
        )
        searched = time.perf_counter()
        dense_passages = self._retriever.search_passages(query, tenant=tenant, mode="dense")
        sparse_passages = self._retriever.search_passages(query, tenant=tenant, mode="bm25")
        return Retrieved(
            hits=_with_extra_documents(hits, [dense_passages, sparse_passages], _EXTRA_PER_MODE),
            fused=len(hits),
            dense=_best_by_doc(dense_passages),
            bm25=_best_by_doc(sparse_passages),
            card=_best_by_doc(p for p in dense_passages if p.passage.section == CARD_SECTION),
            timings_ms={
                "search": round((searched - clock) * 1000, 2),
                "probe": round((time.perf_counter() - searched) * 1000, 2),
            },
        )

    def score(
        self,
        retrieved: Retrieved,
        *,
        query: str,
        tenant: str,
        original: str,
        language: str = "de",
    ) -> Ranking:
        """Features, scores and confidence for already retrieved candidates."""
        query_stems = content_stems(query, topical=True, numbers=False)
        own_stems = content_stems(original, topical=True, numbers=False)
        mapped_only = not own_stems and bool(query_stems)
        fused = retrieved.hits[: retrieved.fused] if retrieved.fused >= 0 else retrieved.hits
        # Min-max over the hybrid hits: fused scores may be RRF sums or z-score mixes.
        low = min((h.score for h in fused), default=0.0)
        span = (max((h.score for h in fused), default=0.0) - low) or 1.0
        fused_ids = {h.doc_id for h in fused}
        top_bm25 = max(retrieved.bm25.values(), default=0.0) or 1.0
        floor = min(retrieved.dense.values(), default=0.0)
        top_dense = max(retrieved.dense.values(), default=0.0)
        card_floor = min(retrieved.card.values(), default=0.0)
        top_card = max(retrieved.card.values(), default=0.0)
        version = self._retriever.meta.version
        candidates: list[Candidate] = []
        for hit in retrieved.hits:
            named, everything, structured = self._vocabulary(hit.doc_id, version)
            title_words = content_stems(hit.title, topical=True, numbers=False)
            dense = retrieved.dense.get(hit.doc_id, floor)
            features = {
                "hybrid": (hit.score - low) / span if hit.doc_id in fused_ids else 0.0,
                "dense": dense,
                "dense_gap": dense - top_dense,
                # The document's card (title, breadcrumb, headings, keywords) against the
                # closest card: a title is more robust to everyday wording than the text.
                "card_gap": retrieved.card.get(hit.doc_id, card_floor) - top_card,
                "bm25": retrieved.bm25.get(hit.doc_id, 0.0) / top_bm25,
                "title": coverage(title_words, set(query_stems)) if title_words else 0.0,
                "own_title": coverage(title_words, set(own_stems)) if title_words else 0.0,
                "named": coverage(query_stems, named, fuzzy=True),
                "covered": coverage(query_stems, everything),
                "own_named": coverage(own_stems, named),
                "own_covered": coverage(own_stems, everything),
            }
            weights = self._model.weights if structured else self._model.page_weights
            score = sum(weights.get(name, 0.0) * v for name, v in features.items())
            candidates.append(Candidate(hit=hit, features=features, score=score))
        candidates.sort(key=lambda c: (-c.score, c.hit.doc_id))
        unknown = 1.0 - coverage(own_stems, self._tenant_vocabulary(tenant, version))
        unknown = unknown if own_stems else 0.0
        confidence_features = _confidence_features(
            candidates, has_query=bool(own_stems), mapped_only=mapped_only
        )
        if confidence_features:
            leads = _leads(retrieved.dense.values(), [h.score for h in fused])
            defaults = self._model.lead_defaults
            confidence_features.update(
                {name: leads.get(name, defaults.get(name, 0.0)) for name in RANK_FEATURES}
            )
        page = bool(candidates) and not self._vocabulary(candidates[0].hit.doc_id, version)[2]
        if confidence_features:
            confidence_features["unknown"] = unknown
            confidence_features["all_unknown"] = 1.0 if own_stems and unknown >= 0.999 else 0.0
            confidence_features["page"] = 1.0 if page else 0.0
            if language != "de":
                # German word overlap says nothing about a question in another language
                # (issue 13 item 4): its lexical evidence is left out, so that the weights
                # of these features are learnt from German questions alone.
                confidence_features.update(dict.fromkeys(_LEXICAL, 0.0))
            confidence_features.update(language_terms(language, self._model.languages))
        shift = self._model.page_confidence_shift if page else 0.0
        model = self._model
        confidence = _logistic(
            confidence_features, model.confidence_bias, model.confidence_weights, shift=shift
        )
        reach = (
            _logistic(confidence_features, model.reach_bias, model.reach_weights, shift=shift)
            if model.reach_bias is not None
            else confidence
        )
        # Choices are plausible only if the question names one of them: a German question
        # with topical words, about structured services, none of whose titles, keywords
        # or OZG names shares one of its words (synonyms and one typo included) gets "not
        # found" rather than unrelated services ("Wohngeld" → residence permits). Pages
        # have no keywords and other languages share no German words: not judged.
        choices = candidates[: model.options]
        named_choice = any(c.features["named"] > 0.0 for c in choices)
        if not named_choice and language == "de" and query_stems:
            # A compound of the question may name a choice by one of its parts:
            # "Rentenakte" names "Widerspruch gegen die Rente".
            parts = self._compound_stems(query)
            named_choice = any(
                coverage(parts, self._vocabulary(c.hit.doc_id, version)[0]) > 0.0 for c in choices
            )
        # In every language, the best passage must be as close to the question as that
        # of some calibration question that reached its service ("Can you recommend a
        # good movie for tonight?" is close to no Munich service).
        floors = model.dense_floors
        close = top_dense >= floors.get(language, floors.get("default", 0.0))
        plausible = close and (named_choice or page or language != "de" or not query_stems)
        return Ranking(
            query=query,
            tenant=tenant,
            candidates=candidates,
            confidence=confidence,
            confidence_features=confidence_features,
            timings_ms={},
            reach=max(reach, confidence),  # the best candidate is among the choices
            options=model.options,
            plausible=plausible,
        )

    def _compound_stems(self, text: str) -> list[str]:
        """Topical stems of the parts and heads of the German compounds in ``text``
        ("Gewerbegrundstück": gewerbe, grundstueck; parts of five letters or more), split
        by knowledge/compounds.py."""
        if self._splitter is None:
            self._splitter = CompoundSplitter(is_stopword=lambda w: normalize(w) in STOPWORDS)
        topical = (w for w in _LETTERS.findall(text) if normalize(w) not in GENERIC)
        parts = (part for w in topical for part in self._splitter.extra_tokens(w))
        # A short part is too general to name a service ("Wohn-geld", "Grund-steuer").
        return content_stems(
            " ".join(p for p in parts if len(p) >= _MIN_PART), topical=True, numbers=False
        )

    def _tenant_vocabulary(self, tenant: str, version: str) -> set[str]:
        """Stems of every document of ``tenant`` (built once per index version)."""
        key = (version, tenant)
        if key not in self._tenant_vocabularies:
            self._tenant_vocabularies[key] = {
                stem
                for service in self._retriever.services(tenant)
                for stem in vocabulary_of(
                    [service.title, service.summary, *service.keywords]
                    + [section.text for section in service.sections]
                )
            }
        return self._tenant_vocabularies[key]

    def _vocabulary(self, doc_id: str, version: str) -> tuple[set[str], set[str], bool]:
        """Stems of title and keywords ("named"), of the whole document, and whether the
        document is a structured service (DLDB) rather than an information page."""
        key = (version, doc_id)
        if key not in self._vocabularies:
            service = self._retriever.get_service(doc_id)
            if service is None:
                self._vocabularies[key] = (set(), set(), False)
            else:
                structured = service.source is SourceKind.DLDB
                # Integreat's tags ("Schlagworte: …", page text until issue 17) count as the
                # body, as when the confidence model was fitted (ranking.yaml); a refit on
                # the new index may let them name the topic like DLDB keywords.
                tagged = service.source is SourceKind.INTEGREAT
                keywords = [] if tagged else service.keywords
                named = vocabulary_of([service.title, *keywords])
                named |= vocabulary_of(info.ozg_service for info in service.ozg)
                body = [service.summary, *service.keywords, *(s.text for s in service.sections)]
                self._vocabularies[key] = (named, named | vocabulary_of(body), structured)
        return self._vocabularies[key]


def _with_extra_documents(
    hits: list[SearchHit], lists: Sequence[Sequence[ScoredPassage]], per_list: int
) -> list[SearchHit]:
    """The hybrid hits plus the best documents of each single mode that fusion left out."""
    seen = {hit.doc_id for hit in hits}
    extra: list[SearchHit] = []
    for passages in lists:
        added = 0
        for scored in passages:
            passage = scored.passage
            if added >= per_list:
                break
            if passage.doc_id in seen:
                continue
            seen.add(passage.doc_id)
            added += 1
            extra.append(
                SearchHit(
                    doc_id=passage.doc_id,
                    tenant=passage.tenant,
                    title=passage.title,
                    score=0.0,
                    section=passage.section,
                    url=passage.url,
                    passage_id=passage.passage_id,
                    text=passage.text,
                    updated=passage.updated,
                )
            )
    return [*hits, *extra]


def _best_by_doc(passages: Iterable[ScoredPassage]) -> dict[str, float]:
    best: dict[str, float] = {}
    for scored in passages:
        doc_id = scored.passage.doc_id
        best[doc_id] = max(best.get(doc_id, scored.score), scored.score)
    return best


def language_terms(language: str, calibrated: Sequence[str]) -> dict[str, float]:
    """The confidence model's language terms: ``foreign`` for a question not in German,
    ``lang_<code>`` for a language with its own calibration."""
    if language == "de":
        return {"foreign": 0.0}
    terms = {"foreign": 1.0}
    if language in calibrated:
        terms[f"lang_{language}"] = 1.0
    return terms


def _logistic(
    features: dict[str, float], bias: float, weights: dict[str, float], *, shift: float = 0.0
) -> float:
    if not features:
        return 0.0
    z = shift + bias + sum(weights.get(name, 0.0) * value for name, value in features.items())
    return sigmoid(z)


def sigmoid(z: float) -> float:
    """The logistic function of the ranking models, clamped so that it never overflows."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def _lead(scores: Sequence[float]) -> tuple[float, float] | None:
    """How far the best of ``scores`` leads the runner-up, as a share of its distance to
    the ``_LEAD_DEPTH``-th score, and that distance itself; None for a shorter list."""
    ordered = sorted(scores, reverse=True)
    if len(ordered) < _LEAD_DEPTH:
        return None
    spread = ordered[0] - ordered[_LEAD_DEPTH - 1]
    return ((ordered[0] - ordered[1]) / spread if spread > 1e-9 else 0.0), spread


def _leads(dense: Iterable[float], fused: Sequence[float]) -> dict[str, float]:
    """Rank features that do not depend on the absolute cosine scale (issue 13 item 4):
    how far the best document of dense search leads its runner-up relative to how the
    question's cosines fall over its ten best documents (``dense_lead``), that fall
    (``dense_spread``: a question close to everything, such as a foreign-language or
    off-topic one near the hub pages, has a flat list), and the same lead for the
    retriever's fused scores (``fused_lead``). A list of fewer than ten documents has no
    such measure: its features are left out (the caller puts the model's defaults)."""
    leads: dict[str, float] = {}
    dense_measure = _lead(list(dense))
    if dense_measure is not None:
        leads["dense_lead"], leads["dense_spread"] = dense_measure
    fused_measure = _lead(fused)
    if fused_measure is not None:
        leads["fused_lead"] = fused_measure[0]
    return leads


def _confidence_features(
    candidates: Sequence[Candidate], *, has_query: bool, mapped_only: bool
) -> dict[str, float]:
    if not candidates:
        return {}
    top = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    dense = sorted((c.features["dense"] for c in candidates), reverse=True)
    # Every topical word was mapped by a synonym: judge coverage on the official terms.
    own = "" if mapped_only else "own_"
    return {
        "dense": top.features["dense"],
        "covered": top.features[f"{own}covered"] if has_query or mapped_only else 0.0,
        "named": top.features[f"{own}named"] if has_query or mapped_only else 0.0,
        "named_expanded": top.features["named"],
        "bm25_top": 1.0 if top.features["bm25"] >= 0.999 else 0.0,
        "margin": top.score - runner_up,
        # Near 1 when the runner-up scores about as well as the best (a near tie): the
        # logistic models need it apart, a linear margin term cannot express the tie.
        "tie": math.exp(-10.0 * max(0.0, top.score - runner_up)) if len(candidates) > 1 else 0.0,
        # Language-neutral: how far the best passage's cosine stands out.
        "dense_margin": dense[0] - dense[1] if len(dense) > 1 else 0.0,
        "dense_top": dense[0],
        # The best candidate's card against the closest card of any document (0: its own).
        "card_gap": top.features["card_gap"],
    }
