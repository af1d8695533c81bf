"""The verdict-phrasing training source: every phrasing class of a verdict request, and its
procedural minimal pair, about services drawn from the whole catalogue, in the ten
catalogue languages, in citizens' register (issue 12 item 4, issue 13 item 5, issue 17
item 4).

The hand-written examples file (bot/dialogue/rules/verdict_examples.yaml) and the tune
halves taught the verdict-request classifier the wordings its writers had in mind; on the
holdout half it recognised fewer. This source is independent of both, written by a fixed
procedure before any fit:

1. ``python -m eval.verdict_phrasings draw`` draws services at random
   (``random.Random(SEED).sample``) from the whole catalogue: the Munich services of
   ``munich_citizens`` (eval/citizens_set.py ``candidate_services``) less the services the
   ``verdicts`` set was written on (eval/verdicts_set.py, so its halves stay unseen
   topics), and the German pages of both Integreat regions. In draw order, an entry is
   kept when an authority grants or refuses something on it (a permit, a benefit, a
   status, a place, a document) and skipped otherwise (directories, town halls, advice
   pages, private matters), until ``KEPT`` are kept.
2. eval/verdict_phrasings_templates.yaml holds, for each kept service, the matter in the
   citizen's words per language, and per phrasing class of eval/sets/verdicts.md (an
   entitlement, an outcome asked, a demanded decision, validity, chances, "approve my
   application", a story ending in "do I get it?", a yes/no demand) two verdict
   templates per language and their procedural minimal pairs (the same matter, register
   and story, asking how, where, what, who in general). Its writer read no evaluation
   case, no rule of the grammar and no answer of the bot.
3. ``python -m eval.verdict_phrasings render`` renders every class for every kept service
   and language (one of the two variants, chosen by the seeded generator, and the pair
   at the same position), then puts it in citizens' register, seeded: lower case as
   written, final punctuation dropped in about half, one letter pair swapped in a longer
   word (a typo) in about a quarter, a capital first letter now and then. It writes
   bot/dialogue/rules/verdict_phrasings.yaml in the examples file's format, which
   ``govbot eval train-verdict`` reads beside verdict_examples.yaml.

Same templates, same seed → the same file (a test renders it and compares).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.dialogue.examples_file import read_examples
from eval.citizens_set import CATALOGUE, candidate_services
from eval.verdicts_set import draw_services as verdict_set_services

SEED = 12417  # issues 12 (item 4) and 17
KEPT = 12
DRAWN = 24  # entries drawn to find KEPT keepable ones
LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "pl", "ro", "fa", "fr")
ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).with_name("verdict_phrasings_templates.yaml")
OUTPUT = ROOT / "bot" / "dialogue" / "rules" / "verdict_phrasings.yaml"
INTEGREAT = ROOT / "data" / "integreat"
REGIONS = ("lkaugsburg", "rems-murr-kreis")
DROP_PUNCTUATION = 0.5
TYPO = 0.25
CAPITAL = 0.2
_FINAL_MARKS = " ?.!؟"


class ClassTemplates(BaseModel):
    """One phrasing class in one language: verdict templates and their procedural pairs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: list[str] = Field(min_length=1)
    procedural: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _pairs(self) -> ClassTemplates:
        if len(self.verdict) != len(self.procedural):
            raise ValueError("every verdict template needs its procedural pair")
        if not all("{x}" in t for t in (*self.verdict, *self.procedural)):
            raise ValueError("every template names the matter as {x}")
        return self


class PhrasingTemplates(BaseModel):
    """eval/verdict_phrasings_templates.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    matters: list[dict[str, str]] = Field(min_length=1)  # id + one phrase per language
    classes: dict[str, dict[str, ClassTemplates]]

    @model_validator(mode="after")
    def _complete(self) -> PhrasingTemplates:
        for matter in self.matters:
            missing = set(LANGUAGES) - set(matter)
            if "id" not in matter or missing:
                raise ValueError(f"matter {matter.get('id')!r} lacks {sorted(missing)}")
        for name, languages in self.classes.items():
            missing = set(LANGUAGES) - set(languages)
            if missing:
                raise ValueError(f"class {name!r} lacks {sorted(missing)}")
        return self

    @classmethod
    def from_yaml(cls, path: Path = TEMPLATES) -> PhrasingTemplates:
        """Load the templates file."""
        return read_examples(cls, path, name="the verdict phrasing templates")


def catalogue_entries(
    catalogue: Path = CATALOGUE, integreat: Path = INTEGREAT
) -> list[tuple[str, str]]:
    """(doc id, title) of every draw candidate (module docstring, step 1), in a fixed order."""
    taken = {service_id for service_id, _ in verdict_set_services(catalogue)}
    entries = [
        (f"muenchen/{service_id}", name)
        for service_id, name in candidate_services(catalogue)
        if service_id not in taken
    ]
    for region in REGIONS:
        pages = json.loads((integreat / f"{region}_de_pages.json").read_text(encoding="utf-8"))
        entries.extend(sorted((f"{region}/{page['id']}", str(page["title"])) for page in pages))
    return entries


def draw(
    catalogue: Path = CATALOGUE, integreat: Path = INTEGREAT, *, seed: int = SEED
) -> list[tuple[str, str]]:
    """The entries drawn, in draw order (the writer keeps the first ``KEPT`` keepable)."""
    return random.Random(seed).sample(catalogue_entries(catalogue, integreat), DRAWN)


def citizen_register(text: str, rng: random.Random) -> str:
    """``text`` as a citizen might type it (module docstring, step 3)."""
    if rng.random() < DROP_PUNCTUATION:
        text = text.rstrip(_FINAL_MARKS)
    if rng.random() < TYPO:
        words = text.split(" ")
        long_words = [i for i, word in enumerate(words) if len(word) >= 6 and word.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            word = words[i]
            at = rng.randrange(1, len(word) - 2)
            words[i] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
            text = " ".join(words)
    if rng.random() < CAPITAL:
        text = text[:1].upper() + text[1:]
    return text


def render(
    templates: PhrasingTemplates, *, seed: int = SEED, register: bool = True
) -> dict[str, dict[str, list[str]]]:
    """``verdicts`` and ``not_verdicts`` per language (module docstring, step 3); without
    ``register``, as the templates write them (the same choice of variants)."""
    rng = random.Random(seed)

    def typed(text: str) -> str:
        noisy = citizen_register(text, rng)  # drawn either way: the same variants follow
        return noisy if register else text

    verdicts: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    others: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for language in LANGUAGES:
        for matter in templates.matters:
            for name in sorted(templates.classes):
                chosen = templates.classes[name][language]
                at = rng.randrange(len(chosen.verdict))
                thing = matter[language]
                verdicts[language].append(typed(chosen.verdict[at].replace("{x}", thing)))
                others[language].append(typed(chosen.procedural[at].replace("{x}", thing)))
    return {"verdicts": verdicts, "not_verdicts": others}


HEADER = """\
# GENERATED by `python -m eval.verdict_phrasings render` from
# eval/verdict_phrasings_templates.yaml (seed {seed}); never edit by hand.
#
# Training messages of the verdict-request classifier (bot/dialogue/verdict.py), read by
# `govbot eval train-verdict` beside verdict_examples.yaml. `verdicts`: a citizen asks the
# city to decide or predict the outcome of their own case; `not_verdicts`: the procedural
# minimal pair of each (same matter, same register). The procedure (eval/verdict_phrasings.py):
# services drawn at random from the whole catalogue (Munich services less those of the
# verdicts set, both Integreat regions' pages), every phrasing class of eval/sets/
# verdicts.md for each, in ten languages, in citizens' register (lower case, typos, no
# final punctuation). Written before any fit; no evaluation case read or copied.
"""


def write(path: Path = OUTPUT, templates: Path = TEMPLATES, *, seed: int = SEED) -> int:
    """Render the templates into ``path``; the number of messages written."""
    rendered = render(PhrasingTemplates.from_yaml(templates), seed=seed)
    body = yaml.safe_dump(
        {"version": 1, **rendered}, allow_unicode=True, sort_keys=False, width=1000
    )
    path.write_text(HEADER.format(seed=seed) + body, encoding="utf-8")
    return sum(len(texts) for group in rendered.values() for texts in group.values())


def main(argv: Sequence[str] | None = None) -> int:
    """``draw`` or ``render`` (module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m eval.verdict_phrasings", description=__doc__)
    parser.add_argument("command", choices=["draw", "render"])
    args = parser.parse_args(argv)
    if args.command == "draw":
        for index, (doc_id, title) in enumerate(draw()):
            print(json.dumps({"index": index, "id": doc_id, "title": title}, ensure_ascii=False))
        return 0
    count = write()
    print(f"wrote {OUTPUT} ({count} messages)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
