"""The statement pool: ordinary messages that state something instead of asking (#16).

The present-danger classifier (bot/dialogue/danger.py) learnt its negatives from questions
and short requests; English statements such as "nothing has been ingested yet" scored
0.99. Real traffic has statements ("Mein Pass ist abgelaufen.", "Wir sind letzte Woche
umgezogen."). This pool holds them, built deterministically (same data, same seed → same
file) from three generic sources, in German and English:

``catalogue``
    Declarative sentences of the catalogue's own texts: every Munich service description
    (DLDB ``description``) and every Integreat page of both regions in de and en. The HTML
    is turned into lines (ingest/html_text.py), the lines into sentences
    (bot/compose/excerpts.py); a sentence is kept when it ends with a full stop, has
    ``MIN_WORDS`` to ``MAX_WORDS`` words and no link. At most ``sentences_per_page`` are
    drawn per page (seeded by the page).
``situation``
    First-person situation statements about a service: every Munich service name and
    every Integreat page title (de titles in ``_SITUATIONS_DE``, en titles in
    ``_SITUATIONS_EN``), one frame drawn per topic ("Ich habe {t} letzte Woche beantragt.",
    "I missed my appointment for {t}."). A share ``typo_rate`` of the German ones is
    misspelt like the short requests (eval/pools.py ``perturb``), a share
    ``lower_rate`` of all is written in lower case without the full stop.
``status``
    Short status sentences: every document noun of the catalogue's service names
    (a word ending in ``_DOCUMENT_ENDINGS``: "Reisepass", "Meldebescheinigung") with the
    everyday states of a document (``_DOCUMENT_STATES``: expired, lost, not arrived …),
    and the life events that bring people to a city office (``_LIFE_EVENTS``: moved,
    married, a child born, a job lost, a parent died, in de and en). Both lists are
    hand-written from the phrasing of issue #16 and of the city services themselves
    (moving, civil status, documents), never from an evaluation case.

Anything that names an emergency or crisis (``DANGER_WORDS``: the short-request pool's
``_HELP_TOPICS`` plus their English words) is left out: such a sentence may rightly get the
numbers. The pool is split into a calibration and a held-out half by a hash of the case
id (eval/pools.py ``half``), like the other pools.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.compose.excerpts import split_sentences
from eval.pools import SEED, PoolCase, perturb
from ingest.html_text import html_to_text

MIN_WORDS = 4
MAX_WORDS = 20
DANGER_WORDS = re.compile(
    r"notruf|notfall|notdienst|gewalt|suizid|selbstmord|krise|frauenhaus|missbrauch|"
    r"seelsorge|sucht|drogen|obdach|wohnungslos|brand|feuer|rettung|lebensgefahr|gefahr|"
    r"polizei|notarzt|\b11[02]\b|emergenc|violen|suicid|crisis|abuse|addict|drug|homeless|"
    r"fire|rescue|danger|police|ambulance",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|www\.|@|\.de\b|\.com\b")
_SITUATIONS_DE = (
    "Ich habe {t} letzte Woche beantragt.",
    "Ich habe eine Frage zu {t}.",
    "Mein Termin für {t} ist morgen.",
    "Ich habe den Termin für {t} verpasst.",
    "Ich war heute wegen {t} im Amt.",
    "Mir fehlen noch Unterlagen für {t}.",
    "Das Formular für {t} lädt nicht.",
    "Ich kenne mich mit {t} nicht aus.",
    "Ich habe zu {t} noch keine Antwort bekommen.",
    "Wir kümmern uns gerade um {t}.",
    "Meine Nachbarin hat mir {t} empfohlen.",
    "Ich interessiere mich für {t}.",
)
_SITUATIONS_EN = (
    "I applied for {t} last week.",
    "I have a question about {t}.",
    "My appointment for {t} is tomorrow.",
    "I missed my appointment for {t}.",
    "I was at the office about {t} today.",
    "I am still missing documents for {t}.",
    "The form for {t} does not load.",
    "I do not understand {t}.",
    "I have not heard back about {t} yet.",
    "We are looking into {t} right now.",
    "A friend told me about {t}.",
    "I am interested in {t}.",
)
# Document nouns of the service names and what happens to documents (docstring above).
_DOCUMENT_ENDINGS = (
    "ausweis",
    "pass",
    "karte",
    "schein",
    "bescheinigung",
    "urkunde",
    "zeugnis",
    "genehmigung",
    "erlaubnis",
    "bescheid",
    "zertifikat",
    "plakette",
)
_FEMININE = ("karte", "bescheinigung", "urkunde", "genehmigung", "erlaubnis", "plakette")
_DOCUMENT_STATES = (
    "{my} {d} ist abgelaufen.",
    "{my} {d} läuft nächsten Monat ab.",
    "{my} {d} ist weg.",
    "{my} {d} ist noch nicht angekommen.",
    "{my} {d} wurde mir gestohlen.",
    "{my} {d} ist beschädigt.",
    "Ich habe {d_acc} verloren.",
    "{my} {d} liegt noch beim Amt.",
)
_LIFE_EVENTS = (
    ("de", "Wir sind letzte Woche umgezogen."),
    ("de", "Ich ziehe nächsten Monat um."),
    ("de", "Ich bin neu in der Stadt."),
    ("de", "Wir haben letzten Monat geheiratet."),
    ("de", "Wir haben ein Baby bekommen."),
    ("de", "Meine Tochter kommt im Herbst in die Schule."),
    ("de", "Ich habe meine Arbeit verloren."),
    ("de", "Mein Vater ist letzte Woche gestorben."),
    ("de", "Ich habe ein Gewerbe angemeldet."),
    ("de", "Wir haben ein Auto gekauft."),
    ("de", "Ich bin Rentner."),
    ("de", "Ich studiere hier seit Oktober."),
    ("de", "Meine Eltern kommen zu Besuch aus dem Ausland."),
    ("de", "Ich habe mich von meinem Mann getrennt."),
    ("de", "Unser Hund ist neu bei uns."),
    ("de", "Ich arbeite seit Januar in Teilzeit."),
    ("de", "Ich habe keinen Termin bekommen."),
    ("de", "Die Webseite funktioniert bei mir nicht."),
    ("de", "Der Brief vom Amt ist heute gekommen."),
    ("de", "Ich habe das Geld schon überwiesen."),
    ("en", "We moved last week."),
    ("en", "I am moving next month."),
    ("en", "I am new in town."),
    ("en", "We got married last month."),
    ("en", "We just had a baby."),
    ("en", "My daughter starts school in autumn."),
    ("en", "I lost my job."),
    ("en", "My father passed away last week."),
    ("en", "I registered a business."),
    ("en", "We bought a car."),
    ("en", "I am retired."),
    ("en", "I have been studying here since October."),
    ("en", "My parents are visiting from abroad."),
    ("en", "I separated from my husband."),
    ("en", "We have a new dog."),
    ("en", "I work part-time since January."),
    ("en", "I could not get an appointment."),
    ("en", "The website does not work for me."),
    ("en", "The letter from the office arrived today."),
    ("en", "I already paid the fee."),
    ("en", "Nothing has happened with my application yet."),
    ("en", "My residence permit expires soon."),
    ("en", "My passport was stolen."),
    ("en", "My ID card is lost."),
)


class PageText(BaseModel):
    """One catalogue page: where it comes from and its HTML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    language: str
    page: str
    html: str


def munich_pages(services_path: Path) -> Iterator[PageText]:
    """Every Munich service description (German)."""
    for service in json.loads(services_path.read_text(encoding="utf-8"))["data"]:
        if service.get("name") == "Testleistung":
            continue
        yield PageText(
            tenant="muenchen",
            language="de",
            page=f"dldb-{service['id']}",
            html=str(service.get("description") or ""),
        )


def integreat_pages(pages_path: Path, *, tenant: str, language: str) -> Iterator[PageText]:
    """Every page of an Integreat pages dump."""
    for page in json.loads(pages_path.read_text(encoding="utf-8")):
        yield PageText(
            tenant=tenant,
            language=language,
            page=f"{tenant}-{language}-{page['id']}",
            html=str(page.get("content") or ""),
        )


def declarative(sentence: str) -> bool:
    """Whether ``sentence`` is a plain statement of ``MIN_WORDS``-``MAX_WORDS`` words
    (ends with a full stop, no link, no emergency or crisis word)."""
    words = sentence.split()
    return (
        sentence.endswith(".")
        and not sentence.endswith("..")
        and MIN_WORDS <= len(words) <= MAX_WORDS
        and sentence[:1].isupper()
        and not _LINK.search(sentence)
        and not DANGER_WORDS.search(sentence)
        and ":" not in sentence
    )


def catalogue_statements(
    pages: Iterable[PageText], *, sentences_per_page: int = 2, seed: int = SEED
) -> Iterator[PoolCase]:
    """Declarative sentences of the catalogue's pages (procedure: module docstring)."""
    for page in pages:
        sentences: list[str] = []
        for line in html_to_text(page.html).splitlines():
            sentences.extend(s for s in split_sentences(line.strip()) if declarative(s))
        rng = random.Random(f"{seed}:{page.page}")
        for sentence in rng.sample(sentences, min(sentences_per_page, len(sentences))):
            yield _case("catalogue", page.tenant, page.language, sentence, page.page)


def situation_statements(
    topics: Iterable[tuple[str, str, str]],
    *,
    typo_rate: float = 0.3,
    lower_rate: float = 0.3,
    seed: int = SEED,
) -> Iterator[PoolCase]:
    """One first-person situation statement per ``(tenant, language, topic)``."""
    for tenant, language, raw in topics:
        topic = " ".join(re.sub(r"\([^)]*\)", " ", raw).split()).strip(" .,:;?!-–")
        if len(topic) < 3 or DANGER_WORDS.search(topic):
            continue
        rng = random.Random(f"{seed}:{tenant}:{language}:{topic}")
        frames = _SITUATIONS_DE if language == "de" else _SITUATIONS_EN
        message = rng.choice(frames).format(t=topic)
        if language == "de" and rng.random() < typo_rate:
            message = perturb(message, rng)
        if rng.random() < lower_rate:
            message = message.lower().rstrip(".")
        yield _case("situation", tenant, language, message, raw)


def document_nouns(names: Iterable[str]) -> list[str]:
    """Single document nouns of the service names ("Reisepass", "Meldebescheinigung"),
    sorted, each once."""
    found: set[str] = set()
    for name in names:
        for word in re.findall(r"[A-Za-zÄÖÜäöüß]+", name):
            if word[:1].isupper() and word.lower().endswith(_DOCUMENT_ENDINGS):
                found.add(word)
    return sorted(found)


def status_statements(documents: Iterable[str], *, tenant: str) -> Iterator[PoolCase]:
    """Every document noun in every state, then the life events (module docstring)."""
    for document in documents:
        feminine = document.lower().endswith(_FEMININE)
        my = "Meine" if feminine else "Mein"
        accusative = f"meine {document}" if feminine else f"meinen {document}"
        if document.lower().endswith(("zeugnis", "zertifikat")):
            accusative = f"mein {document}"
        for frame in _DOCUMENT_STATES:
            message = frame.format(my=my, d=document, d_acc=accusative)
            yield _case("status", tenant, "de", message, document)
    for language, message in _LIFE_EVENTS:
        yield _case("status", tenant, language, message, "life event")


def _case(kind: str, tenant: str, language: str, message: str, source: str) -> PoolCase:
    digest = hashlib.sha256(f"{tenant}\n{message}".encode()).hexdigest()[:12]
    return PoolCase(
        id=f"statement-{kind}-{tenant}-{digest}",
        tenant=tenant,
        question=message,
        language=language,
        source=source,
    )


def unique(cases: Iterable[PoolCase]) -> list[PoolCase]:
    """``cases`` without repeated messages of a tenant (the first one stays)."""
    seen: set[tuple[str, str]] = set()
    kept: list[PoolCase] = []
    for case in cases:
        key = (case.tenant, case.question)
        if key not in seen:
            seen.add(key)
            kept.append(case)
    return kept
