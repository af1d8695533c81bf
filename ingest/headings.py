"""German section headings → SectionKind, as one data table shared by all adapters.

The table was written from the headings that occur in the shipped sources
(Munich DLDB descriptions use bold paragraphs such as "So funktioniert die
Online-Anmeldung:", "Hinweise zur Aushändigung/ Abholung:", "Allgemeine
telefonische Sprechzeiten:"; Integreat pages use h3/h4 headings) plus the
standard headings of a Leistungsbeschreibung in the FIM/LeiKa style
("Voraussetzungen", "Erforderliche Unterlagen", "Gebühren", "Fristen",
"Verfahrensablauf", "Bearbeitungsdauer", "Rechtsgrundlage"), which city pages
ingested with the folder adapter usually follow. Order matters: the first
matching pattern wins, so "Unterlagen" beats "Hinweise" in "Hinweise zu den
Unterlagen".
"""

from __future__ import annotations

import re

from knowledge.models import SectionKind

# (pattern searched in the lower-cased heading, kind); first match wins.
HEADING_KINDS: tuple[tuple[str, SectionKind], ...] = (
    (r"rechtsgrundlage|gesetzliche grundlage|rechtliche grundlage", SectionKind.LEGAL_BASIS),
    (r"gebühr|kosten|entgelt|preise?\b|was kostet", SectionKind.FEES),
    (
        r"unterlagen|mitbringen|mitzubringen|benötigte dokumente|erforderliche dokumente"
        r"|nachweise",
        SectionKind.DOCUMENTS,
    ),
    (r"voraussetzung|wer kann|wer darf|wer muss|anspruchsberechtigt", SectionKind.REQUIREMENTS),
    (r"bearbeitungsdauer|bearbeitungszeit|dauer der bearbeitung", SectionKind.DURATION),
    (r"\bfristen?\b|fristablauf|wann muss|bis wann", SectionKind.DEADLINES),
    (
        r"ablauf|so funktioniert|so gehen sie vor|ihr weg zu|schritt für schritt"
        r"|wie beantrage|antragstellung|wie funktioniert",
        SectionKind.PROCEDURE,
    ),
    (r"formular|vordruck", SectionKind.FORMS),
    (
        r"kontakt|ansprechp|sprechzeiten|öffnungszeiten|zuständige stelle|erreichbarkeit",
        SectionKind.CONTACT,
    ),
    (r"hinweis|wichtig|bitte beachten|beachten sie|achtung|gut zu wissen", SectionKind.NOTES),
)

_COMPILED = tuple((re.compile(pattern), kind) for pattern, kind in HEADING_KINDS)


def section_kind(heading: str, *, default: SectionKind) -> SectionKind:
    """Map a German heading to its SectionKind, or ``default`` when none matches."""
    text = heading.lower()
    for pattern, kind in _COMPILED:
        if pattern.search(text):
            return kind
    return default
