"""The grounding check: may a generated answer be shown to the citizen? (issue #6, part 2)

``check_grounding(answer, passages)`` splits the answer into sentences and checks each:

- **citations** — every ``[n]`` must name one of the numbered passages the model was given;
  a sentence without a citation of its own is checked against the citations of its
  paragraph (models often cite once per paragraph); a paragraph without any fails.
- **support** — the share of the sentence's content-word stems (bot/understanding/lexicon.py: stop
  words dropped, light stemming, compounds matched by head or tail) found in the cited
  passages must reach ``min_support`` (0.75, tuned on the examples in
  tests/bot/compose/test_grounding.py: supported paraphrases of the Munich sources score
  0.8-1.0, invented claims 0.0-0.6).
- **numbers** — every number (amount, date, deadline, count) must occur in the cited
  passages, both written canonically by knowledge/numbers.py, the canonicaliser the
  evaluation metric uses too (``37,00 Euro`` = ``37 Euro`` = ``37 €``, ``12.50`` =
  ``12,50``, ``01.07.2026`` = ``1.7.2026``, ``8:00 Uhr`` = ``8 Uhr``; number words
  "drei" = "3"); digits inside links are ids, not claims.
- **claim words** — "kostenlos"/"gebührenfrei"-type words and negations ("nicht", "kein")
  turn a statement around with one word; they must have a counterpart in the cited text.

The result carries a verdict per sentence and readable reasons for the log. Nothing here
calls a model: the check is deterministic and cheap (a few ms per answer).

``check_translation(german, translation, names=...)`` is the check of a grounded German
answer that the model translated into the citizen's language (issue 13 item 3): support
by stems cannot cross languages, so the translation must keep what a citizen acts on
exactly: every number, amount, date and time (canonical, as above; written in digits),
every phone number (its digits in one run), every link and e-mail address, and every name
the caller lists (offices, streets) of the German text; it may add no number of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.compose.extractive import split_sentences
from bot.understanding.lexicon import content_stems, stem_matches
from bot.understanding.wording import normalize
from knowledge.numbers import numbers

DEFAULT_MIN_SUPPORT = 0.75
_CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_ANY_BRACKET_NUMBER = re.compile(r"\[\s*[^\]]*\d[^\]]*\]")
_NUMBER_WORDS = {
    "null": "0", "eins": "1", "ein": None, "zwei": "2", "drei": "3", "vier": "4", "fuenf": "5",
    "sechs": "6", "sieben": "7", "acht": "8", "neun": "9", "zehn": "10", "elf": "11",
    "zwoelf": "12", "zwanzig": "20", "dreissig": "30", "vierzig": "40", "fuenfzig": "50",
    "hundert": "100", "tausend": "1000", "halb": None,
}  # fmt: skip
_FREE = re.compile(r"\b(kostenlos\w*|kostenfrei\w*|gebuehrenfrei\w*|gratis|umsonst|unentgeltlich)")
_NEGATION = re.compile(r"\b(nicht|kein\w*|nie|niemals|ohne)\b")
_BULLET = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+")
_LINK = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK_END = ".,;:!?)]»“\"'"
# A phone number: a run of at least 6 digits with the separators German sources use
# ("089 233-96000", "0800 111 0 111", "+49 89 233 0").
_PHONE = re.compile(r"\+?\d[\d /()-]{4,}\d")


class SentenceVerdict(BaseModel):
    """The check of one sentence of the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sentence: str
    citations: list[int] = Field(default_factory=list)
    support: float = 0.0
    unsupported_numbers: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the sentence may be shown."""
        return not self.problems


class GroundingResult(BaseModel):
    """Whether the whole answer may be shown, why not, and each sentence's verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    reasons: list[str] = Field(default_factory=list)
    sentences: list[SentenceVerdict] = Field(default_factory=list)

    @property
    def cited(self) -> list[int]:
        """Passage numbers cited anywhere in the answer, in order of first citation."""
        return list(dict.fromkeys(n for s in self.sentences for n in s.citations))


def check_grounding(
    answer: str, passages: Mapping[int, str], *, min_support: float = DEFAULT_MIN_SUPPORT
) -> GroundingResult:
    """Check ``answer`` against the numbered ``passages`` the model was given."""
    if not 0 < min_support <= 1:
        raise ValueError(f"min_support must be in (0, 1]. Currently, it is {min_support}")
    verdicts: list[SentenceVerdict] = []
    for paragraph in _paragraphs(answer):
        sentences = [s for line in paragraph for s in split_sentences(line)]
        shared = [n for s in sentences for n in citations_in(s)]
        for sentence in sentences:
            own = citations_in(sentence)
            cited = own or list(dict.fromkeys(shared))
            verdicts.append(_verdict(sentence, cited, passages, min_support))
    reasons = [f"sentence {i + 1}: {p}" for i, v in enumerate(verdicts) for p in v.problems]
    if not verdicts:
        reasons.append("empty answer")
    return GroundingResult(ok=not reasons, reasons=reasons, sentences=verdicts)


def check_translation(
    german: str, translation: str, *, names: Sequence[str] = ()
) -> GroundingResult:
    """Whether ``translation`` keeps every number, amount, date, phone number, link and
    name (of ``names``) of the ``german`` answer unchanged and adds no number."""
    source, target = strip_citations(german), strip_citations(translation)
    reasons: list[str] = []
    # Digits only: the other language's number words are not read. Phone numbers are
    # compared as wholes below ("089 233-96000" = "089 23396000").
    written = numbers(_without_phones(target))
    wanted = numbers_in(_without_phones(source))
    missing = [n for n in wanted if n not in set(written)]
    if missing:
        reasons.append(f"translation lost the numbers {missing}")
    added = [n for n in dict.fromkeys(written) if n not in set(wanted)]
    if added:
        reasons.append(f"translation added the numbers {added}")
    phones = {_digits(p) for p in _PHONE.findall(target)}
    lost_phones = [p for p in _phones(source) if _digits(p) not in phones]
    if lost_phones:
        reasons.append(f"translation changed the phone numbers {lost_phones}")
    links = _links(target)
    lost_links = [link for link in _links(source) if link not in links]
    if lost_links:
        reasons.append(f"translation changed the links {lost_links}")
    lost_names = [name for name in names if name and name in source and name not in target]
    if lost_names:
        reasons.append(f"translation changed the names {lost_names}")
    if not target.strip():
        reasons.append("empty translation")
    return GroundingResult(ok=not reasons, reasons=reasons)


def citations_in(text: str) -> list[int]:
    """The passage numbers cited in ``text`` ("[1]", "[1, 3]"), in order, once each."""
    found = [int(n) for group in _CITATION.findall(text) for n in re.split(r"[,;]", group)]
    return list(dict.fromkeys(found))


def strip_citations(text: str) -> str:
    """``text`` without citation markers."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", _ANY_BRACKET_NUMBER.sub("", text)).strip()


def numbers_in(text: str) -> list[str]:
    """Canonical numbers of ``text`` (digits and number words), links and citations skipped."""
    found = numbers(_ANY_BRACKET_NUMBER.sub(" ", text))
    for word in re.findall(r"\w+", normalize(text)):
        value = _NUMBER_WORDS.get(word)
        if value is not None:
            found.append(value)
    return list(dict.fromkeys(found))


def _phones(text: str) -> list[str]:
    """Phone numbers of ``text`` (a date or amount is not one: it has no 6-digit run)."""
    return [p.strip() for p in _PHONE.findall(_LINK.sub(" ", text)) if len(_digits(p)) >= 6]


def _without_phones(text: str) -> str:
    return _PHONE.sub(lambda m: " " if len(_digits(m.group())) >= 6 else m.group(), text)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _links(text: str) -> set[str]:
    return {link.rstrip(_LINK_END) for link in _LINK.findall(text)}


def _paragraphs(answer: str) -> list[list[str]]:
    """Paragraphs (blank-line separated) as lists of lines; bullets become lines."""
    paragraphs: list[list[str]] = []
    for block in re.split(r"\n\s*\n", answer.strip()):
        lines = [_BULLET.sub("", line).strip() for line in block.splitlines()]
        lines = [line for line in lines if _has_words(line)]
        if lines:
            paragraphs.append(lines)
    return paragraphs


def _has_words(line: str) -> bool:
    return bool(re.search(r"[A-Za-zÄÖÜäöüß0-9]", strip_citations(line)))


def _verdict(
    sentence: str, cited: list[int], passages: Mapping[int, str], min_support: float
) -> SentenceVerdict:
    problems: list[str] = []
    unknown = [n for n in cited if n not in passages]
    if unknown:
        problems.append(f"cites passage(s) {unknown} that were not retrieved")
    sources = " ".join(passages[n] for n in cited if n in passages)
    bare = strip_citations(sentence)
    stems = content_stems(bare, topical=True)
    if not cited:
        problems.append("no citation")
    vocabulary = set(content_stems(sources))
    found = sum(stem_matches(s, vocabulary) for s in stems)
    support = found / len(stems) if stems else 1.0
    if cited and support < min_support:
        problems.append(f"support {support:.2f} below threshold")
    known = set(numbers_in(sources))
    missing = [n for n in numbers_in(bare) if n not in known]
    if missing:
        problems.append(f"numbers {missing} not in the cited passages")
    plain, source_plain = normalize(bare), normalize(sources)
    if _FREE.search(plain) and not _FREE.search(source_plain):
        problems.append("says free of charge, the cited passages do not")
    if _NEGATION.search(plain) and not _NEGATION.search(source_plain):
        problems.append("negation without a counterpart in the cited passages")
    return SentenceVerdict(
        sentence=bare,
        citations=cited,
        support=round(support, 3),
        unsupported_numbers=missing,
        problems=problems,
    )
