"""Would a floor on a retrieval signal take unrelated choices away? (issue 12 items 2, 5).

The dialogue offers choices when the best service is not sure enough but the right one is
probably among the first few (bot/dialogue/ranking.py ``Ranking.plausible``). For a
question the tenant does not cover, those choices are unrelated. A *floor* says: choices
are plausible only if a signal of the retrieval reaches the lowest value with which a
calibration question of the same group (language, and optionally whether the best
document is an information page or a structured service) reached its service: the rule
of ``dense_floors`` (eval/calibration.py), for other signals.

Every such floor keeps every calibration question that reached its service by
construction, so its cost can only be seen on questions it was not fitted on: ``trade``
fits the floors on all folds but one (grouped by the expected document, as the
calibration) and counts, on the fold left out, the out-of-catalogue questions whose
choices it takes away (gain) against the service questions that lose choices containing
their service (loss). docs/policy.md section 5 ("Choices where the tenant has nothing:
twelfth session") keeps what it measured.

Signals, all of the ranker's own retrieval (``Retrieved``; cosines of multilingual-e5):
    dense_top      best passage cosine of any document (the shipped ``dense_floors``)
    card_top       best card cosine of any document (title, breadcrumb, headings, keywords)
    choices_card   best card cosine among the offered choices
    best_card      card cosine of the best candidate
    dense_spread   best passage cosine minus the tenth best document's (a flat list)
    card_spread    the same for the cards
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict
from sklearn.model_selection import GroupKFold

from bot.dialogue.ranking import Ranking, Retrieved

SIGNALS = ("dense_top", "card_top", "choices_card", "best_card", "dense_spread", "card_spread")
LANGUAGES = ("de", "en", "fr", "uk", "ar")  # others share the group "default"
MIN_GROUP = 24  # reached questions a group needs for a floor of its own (else none)
_SPREAD_DEPTH = 10  # as the ranker's rank features (bot/dialogue/ranking.py _LEAD_DEPTH)


class FloorCase(BaseModel):
    """One calibration question: what the shipped policy did and its signals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    group: str  # cross-validation group: the expected document (the id for a negative)
    language: str
    page: bool  # the best candidate is an information page
    negative: bool  # out of catalogue: no expected document
    reached: bool  # an expected document among the choices
    clarify: bool  # the shipped thresholds and gate offered choices
    signals: dict[str, float]


class Trade(BaseModel):
    """What a set of floors did to the questions that got choices (out of fold)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signals: tuple[str, ...]
    by_kind: bool
    clarified_negatives: int  # out-of-catalogue questions offered choices without floors
    negatives_cut: int  # of those, told "not found" under the floors (the gain)
    clarified_reached: int  # service questions whose choices held their service
    reached_lost: int  # of those, told "not found" under the floors (the loss)
    unreached_cut: int  # service questions whose choices missed their service, cut


def signals_of(retrieved: Retrieved, ranking: Ranking) -> dict[str, float]:
    """The signals of one ranked question (0.0 where the retrieval has no value)."""
    card = retrieved.card
    choices = [c.hit.doc_id for c in ranking.choices]
    best = choices[0] if choices else ""
    return {
        "dense_top": max(retrieved.dense.values(), default=0.0),
        "card_top": max(card.values(), default=0.0),
        "choices_card": max((card.get(doc, 0.0) for doc in choices), default=0.0),
        "best_card": card.get(best, 0.0),
        "dense_spread": _spread(retrieved.dense.values()),
        "card_spread": _spread(card.values()),
    }


def floor_case(
    case_id: str,
    *,
    expected: Sequence[str],
    language: str,
    retrieved: Retrieved,
    ranking: Ranking,
    page: bool,
    answer_at: float,
    clarify_at: float,
) -> FloorCase:
    """The case of one calibration row under the shipped model and thresholds."""
    wanted = set(expected)
    return FloorCase(
        id=case_id,
        group=expected[0] if expected else case_id,
        language=language,
        page=page,
        negative=not wanted,
        reached=any(c.hit.doc_id in wanted for c in ranking.choices),
        clarify=(
            ranking.confidence < answer_at and ranking.reach >= clarify_at and ranking.plausible
        ),
        signals=signals_of(retrieved, ranking),
    )


def group_of(case: FloorCase, *, by_kind: bool) -> str:
    """The floor's group: the language (``default`` for those without many questions),
    with ``/page`` or ``/service`` when ``by_kind``."""
    language = case.language if case.language in LANGUAGES else "default"
    if not by_kind:
        return language
    return f"{language}/{'page' if case.page else 'service'}"


def fit_floors(cases: Iterable[FloorCase], signal: str, *, by_kind: bool) -> dict[str, float]:
    """Per group, the lowest ``signal`` of a service question that reached its service
    (groups with fewer than MIN_GROUP such questions get no floor)."""
    values: dict[str, list[float]] = {}
    for case in cases:
        if not case.negative and case.reached:
            values.setdefault(group_of(case, by_kind=by_kind), []).append(case.signals[signal])
    return {group: min(v) for group, v in values.items() if len(v) >= MIN_GROUP}


def below(case: FloorCase, floors: Mapping[str, Mapping[str, float]], *, by_kind: bool) -> bool:
    """Whether ``case`` is under any of the floors (``floors``: signal -> group -> floor)."""
    group = group_of(case, by_kind=by_kind)
    return any(
        group in per_group and case.signals[signal] < per_group[group]
        for signal, per_group in floors.items()
    )


def trade(
    cases: Sequence[FloorCase],
    signals: Sequence[str],
    *,
    by_kind: bool = False,
    folds: int = 5,
) -> Trade:
    """Floors on ``signals`` fitted on ``folds`` - 1 folds (grouped by the expected
    document), counted on the fold left out; only questions that got choices change."""
    unknown = sorted(set(signals) - set(SIGNALS))
    if unknown:
        raise ValueError(f"unknown signals {unknown}; known: {', '.join(SIGNALS)}")
    cut: set[int] = set()
    splitter = GroupKFold(n_splits=folds)
    for train, test in splitter.split(cases, groups=[c.group for c in cases]):
        fitted = [cases[i] for i in train]
        floors = {s: fit_floors(fitted, s, by_kind=by_kind) for s in signals}
        cut.update(i for i in test if cases[i].clarify and below(cases[i], floors, by_kind=by_kind))
    clarified = [i for i, c in enumerate(cases) if c.clarify]
    negatives = [i for i in clarified if cases[i].negative]
    reached = [i for i in clarified if not cases[i].negative and cases[i].reached]
    unreached = [i for i in clarified if not cases[i].negative and not cases[i].reached]
    return Trade(
        signals=tuple(signals),
        by_kind=by_kind,
        clarified_negatives=len(negatives),
        negatives_cut=len(cut.intersection(negatives)),
        clarified_reached=len(reached),
        reached_lost=len(cut.intersection(reached)),
        unreached_cut=len(cut.intersection(unreached)),
    )


def _spread(values: Iterable[float]) -> float:
    ordered = sorted(values, reverse=True)
    if len(ordered) < _SPREAD_DEPTH:
        return 0.0
    return ordered[0] - ordered[_SPREAD_DEPTH - 1]
