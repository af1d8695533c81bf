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

4. ``python -m eval.verdict_phrasings split`` prints the split, drawn once (tenth session,
   before any result was read): half of the kept entries (``random.Random(SPLIT_SEED)
   .sample``) are the tune half, the others the holdout. The templates are shared by all
   entries, so the holdout measures unseen *matters*, not unseen wordings (that is the
   verdicts set's holdout half).
5. ``python -m eval.verdict_phrasings measure`` reads every message with the grammar alone
   (rules/policy_de.yaml) and prints, for the tune half, the verdict requests refused and
   the procedural pairs refused per phrasing class and language (``--list``: the tune
   messages it gets wrong); for the holdout half only the totals. ``python -m
   eval.verdict_phrasings pool --output FILE`` writes every message as an evaluation-set
   pool (verdict requests expect ``refused_decision``; ``tags.split`` the half) for
   ``govbot eval false-refusals --pool FILE``, which adds the verdict classifier.
6. ``python -m eval.verdict_phrasings render --half tune --output FILE`` writes the tune
   half's entries alone in the examples format, a training source that leaves the
   holdout unseen (docs/policy.md, "The grammar by phrasing class", step 8).

Same templates, same seed → the same file (a test renders it and compares).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.dialogue.examples_file import read_examples
from bot.dialogue.policy import Policy, PolicyLabel
from eval.citizens_set import CATALOGUE, candidate_services
from eval.sets_schema import LANGUAGES
from eval.verdicts_set import draw_services as verdict_set_services

SEED = 12417  # issues 12 (item 4) and 17
SPLIT_SEED = 1204  # issue 12 item 4: the entries of the tune half (step 4)
KEPT = 12
DRAWN = 24  # entries drawn to find KEPT keepable ones
ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).with_name("verdict_phrasings_templates.yaml")
OUTPUT = ROOT / "bot" / "dialogue" / "rules" / "verdict_phrasings.yaml"
INTEGREAT = ROOT / "data" / "integreat"
REGIONS = ("lkaugsburg", "rems-murr-kreis")
DROP_PUNCTUATION = 0.5
TYPO = 0.25
CAPITAL = 0.2
_FINAL_MARKS = " ?.!؟"

Half = Literal["tune", "holdout"]
REFUSED = "refused_decision"
ANSWERED = ("answered", "clarify", "unanswerable", "handoff")  # not refused: any of these


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


class PhrasingCase(BaseModel):
    """One rendered message: a verdict request or its procedural pair, with its class,
    matter (the drawn catalogue entry) and the half of the split (``split``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str
    matter: str  # the catalogue entry's doc id
    phrasing_class: str
    verdict: bool  # a verdict request (else its procedural minimal pair)
    text: str
    half: Half

    @property
    def id(self) -> str:
        """A stable case id (language, entry, class, request or pair)."""
        return (
            f"vp-{self.language}-{self.matter}-{self.phrasing_class}-{'v' if self.verdict else 'p'}"
        )


def split(templates: PhrasingTemplates, *, seed: int = SPLIT_SEED) -> dict[str, Half]:
    """The half of every catalogue entry (module docstring, step 4): half of the entries,
    drawn once with ``seed``, are the tune half, the others the holdout."""
    ids = [matter["id"] for matter in templates.matters]
    tune = set(random.Random(seed).sample(ids, len(ids) // 2))
    return {doc_id: "tune" if doc_id in tune else "holdout" for doc_id in ids}


def cases(
    templates: PhrasingTemplates, *, seed: int = SEED, register: bool = True
) -> list[PhrasingCase]:
    """Every verdict request and its procedural pair (module docstring, step 3), in the
    file's order (language, entry, class); without ``register``, as the templates write
    them (the same choice of variants)."""
    rng = random.Random(seed)
    halves = split(templates)

    def typed(text: str) -> str:
        noisy = citizen_register(text, rng)  # drawn either way: the same variants follow
        return noisy if register else text

    rendered: list[PhrasingCase] = []
    for language in LANGUAGES:
        for matter in templates.matters:
            for name in sorted(templates.classes):
                chosen = templates.classes[name][language]
                at = rng.randrange(len(chosen.verdict))
                thing = matter[language]
                for verdict, template in (
                    (True, chosen.verdict[at]),
                    (False, chosen.procedural[at]),
                ):
                    rendered.append(
                        PhrasingCase(
                            language=language,
                            matter=matter["id"],
                            phrasing_class=name,
                            verdict=verdict,
                            text=typed(template.replace("{x}", thing)),
                            half=halves[matter["id"]],
                        )
                    )
    return rendered


def render(
    templates: PhrasingTemplates,
    *,
    seed: int = SEED,
    register: bool = True,
    half: Half | None = None,
) -> dict[str, dict[str, list[str]]]:
    """``verdicts`` and ``not_verdicts`` per language (module docstring, step 3); without
    ``register``, as the templates write them (the same choice of variants); with
    ``half``, only the entries of that half of the split (step 4)."""
    verdicts: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    others: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for case in cases(templates, seed=seed, register=register):
        if half is not None and case.half != half:
            continue
        (verdicts if case.verdict else others)[case.language].append(case.text)
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


def write(
    path: Path = OUTPUT, templates: Path = TEMPLATES, *, seed: int = SEED, half: Half | None = None
) -> int:
    """Render the templates into ``path`` (with ``half``: that half's entries only, as a
    training source of its own); the number of messages written."""
    rendered = render(PhrasingTemplates.from_yaml(templates), seed=seed, half=half)
    body = yaml.safe_dump(
        {"version": 1, **rendered}, allow_unicode=True, sort_keys=False, width=1000
    )
    path.write_text(HEADER.format(seed=seed) + body, encoding="utf-8")
    return sum(len(texts) for group in rendered.values() for texts in group.values())


def grammar_refusals(policy: Policy, rendered: Sequence[PhrasingCase]) -> list[bool]:
    """Whether the grammar alone labels each message a decision (a refusal)."""
    return [
        policy.classify(case.text, language=case.language).label is PolicyLabel.DECISION
        for case in rendered
    ]


class Cell(BaseModel):
    """Refusals in one class and language (or a total): verdict requests and pairs."""

    model_config = ConfigDict(extra="forbid")

    requests: int = 0
    refused: int = 0
    pairs: int = 0
    pairs_refused: int = 0

    def add(self, case: PhrasingCase, refused: bool) -> None:
        """Count one message."""
        if case.verdict:
            self.requests += 1
            self.refused += int(refused)
        else:
            self.pairs += 1
            self.pairs_refused += int(refused)

    def __str__(self) -> str:
        return f"{self.refused}/{self.requests} ({self.pairs_refused})"


def report(rendered: Sequence[PhrasingCase], refusals: Sequence[bool], *, listed: bool) -> str:
    """The measure's text: the tune half per class and language, the holdout as totals."""
    grid: dict[tuple[str, str], Cell] = {}
    totals: dict[str, Cell] = {"tune": Cell(), "holdout": Cell()}
    wrong: list[str] = []
    for case, refused in zip(rendered, refusals, strict=True):
        totals[case.half].add(case, refused)
        if case.half != "tune":
            continue  # the holdout is read for its totals only
        grid.setdefault((case.phrasing_class, case.language), Cell()).add(case, refused)
        if refused != case.verdict:
            kind = "missed" if case.verdict else "refused"
            wrong.append(f"{kind} {case.phrasing_class} {case.language}: {case.text}")
    classes = sorted({name for name, _ in grid})
    lines = [
        "tune half: verdict requests refused/n (procedural pairs refused), grammar alone",
        "class        " + "".join(f"{language:>10}" for language in LANGUAGES),
    ]
    for name in classes:
        row = "".join(f"{grid[(name, language)]!s:>10}" for language in LANGUAGES)
        lines.append(f"{name:<13}{row}")
    for half, cell in totals.items():
        lines.append(
            f"{half}: verdict requests refused {cell.refused}/{cell.requests}, "
            f"procedural pairs refused {cell.pairs_refused}/{cell.pairs}"
        )
    if listed:
        lines.extend(wrong)
    return "\n".join(lines)


def write_pool(rendered: Sequence[PhrasingCase], path: Path) -> int:
    """Every message as a case of an evaluation-set pool (module docstring, step 5)."""
    rows = [
        {
            "id": case.id,
            "tenant": case.matter.split("/")[0],
            "question": case.text,
            "language": case.language,
            "expected_status": [REFUSED] if case.verdict else list(ANSWERED),
            "tags": {"split": case.half, "language": case.language, "class": case.phrasing_class},
        }
        for case in rendered
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``draw``, ``render``, ``split``, ``measure`` or ``pool`` (module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m eval.verdict_phrasings", description=__doc__)
    parser.add_argument("command", choices=["draw", "render", "split", "measure", "pool"])
    parser.add_argument(
        "--list", action="store_true", help="measure: list the tune messages missed or refused"
    )
    parser.add_argument("--output", type=Path, help="pool, render --half: the file to write")
    parser.add_argument(
        "--half", choices=["tune", "holdout"], help="render: only this half's entries"
    )
    args = parser.parse_args(argv)
    if args.command == "draw":
        for index, (doc_id, title) in enumerate(draw()):
            print(json.dumps({"index": index, "id": doc_id, "title": title}, ensure_ascii=False))
        return 0
    if args.command == "render":
        if args.half is not None and args.output is None:
            parser.error("render --half needs --output FILE (the shipped file holds every entry)")
        target = args.output or OUTPUT
        count = write(target, half=args.half)
        print(f"wrote {target} ({count} messages)", file=sys.stderr)
        return 0
    templates = PhrasingTemplates.from_yaml()
    if args.command == "split":
        for doc_id, half in split(templates).items():
            print(json.dumps({"id": doc_id, "half": half}))
        return 0
    rendered = cases(templates)
    if args.command == "pool":
        if args.output is None:
            parser.error("pool needs --output FILE")
        count = write_pool(rendered, args.output)
        print(f"wrote {args.output} ({count} cases)", file=sys.stderr)
        return 0
    print(report(rendered, grammar_refusals(Policy.from_yaml(), rendered), listed=args.list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
