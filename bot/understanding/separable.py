"""German separable verbs for search: "Wie melde ich mein Auto um?" asks about *ummelden*.

In a German main clause the particle of a separable verb moves to the end ("melde … um",
"schreibe … um", "lasse … zu"), so neither the embedding nor BM25 sees the verb that
names the service ("Ummeldung", "Umschreibung", "Zulassung"). ``joined_verbs`` finds a
known verb form followed, within the same clause, by a particle that ends the clause
(or stands before a conjunction), and returns the infinitive the citizen meant
("ummelden"). Which verbs and particles count is data (``separable_verbs`` in
bot/dialogue/rules/policy_de.yaml), not code.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

_INFLECTION = r"(?:e|st|t|et|en|est)?"
_CONJUNCTIONS = "und|oder|aber|sowie|bzw|damit|weil|wenn|dass"  # also end a clause
_MAX_GAP = 60  # characters between verb and particle, within one clause


class SeparableVerbs(BaseModel):
    """Verb stems (normalised, e.g. "meld" → "melden") and the particles they take."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    particles: list[str] = Field(default_factory=list)
    verbs: dict[str, str] = Field(default_factory=dict)


class SeparableVerbJoiner:
    """Finds separated verb + particle pairs in normalised text (ä→ae, lower case)."""

    def __init__(self, spec: SeparableVerbs) -> None:
        self._infinitives = spec.verbs
        self._pattern: re.Pattern[str] | None = None
        self._zu_pattern: re.Pattern[str] | None = None
        if spec.verbs and spec.particles:
            stems = "|".join(sorted(map(re.escape, spec.verbs), key=len, reverse=True))
            particles = "|".join(sorted(map(re.escape, spec.particles), key=len, reverse=True))
            self._pattern = re.compile(
                rf"\b(?P<stem>{stems}){_INFLECTION}\b(?P<gap>[^.?!,;:]{{0,{_MAX_GAP}}}?)"
                rf"\s(?P<particle>{particles})(?=\s*(?:[.?!,;:]|$)|\s+(?:{_CONJUNCTIONS})\b)"
            )
            self._zu_pattern = re.compile(rf"\b(?P<particle>{particles})zu(?P<stem>{stems})e?n\b")

    def joined_verbs(self, text: str) -> list[str]:
        """Infinitives of the separable verbs in ``text`` ("ummelden"), in order, once each;
        zu-infinitives count too ("abzuholen" → "abholen")."""
        if self._pattern is None or self._zu_pattern is None:
            return []
        found = [
            (match.start(), match["particle"] + self._infinitives[match["stem"]])
            for pattern in (self._pattern, self._zu_pattern)
            for match in pattern.finditer(text)
        ]
        return list(dict.fromkeys(verb for _, verb in sorted(found)))
