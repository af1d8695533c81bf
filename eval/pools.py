"""False-alarm pools: large sets of ordinary messages the emergency net must leave alone (#16).

Real citizen traffic is mostly short ("perso abholen", "wohnung anmelden wo"), lower-case
and misspelt, and hardly any of it is an emergency. A pool is a JSONL file of such
messages, one ``{"id", "tenant", "question", "language", "source"}`` per line, the same
keys as the evaluation sets (eval/sets/SCHEMA.md), so a set file can be used as a pool
too (its cases whose ``expected_status`` contains ``emergency`` are then skipped).

Two pools are built here, deterministically (same data, same seed → same file):

``short_requests``
    Topics are taken from the FULL catalogue, not from a sample: every Munich service
    name (DLDB ``name``), every DLDB keyword (``meta.keywords``), the LeiKa name of every
    Munich LeiKa key (data/ozg/leika_ozg.csv) and every Integreat page title of both
    regions. Titles that name an emergency or crisis service themselves ("Notruf",
    "Gewalt", "Suizid" … see ``_HELP_TOPICS``) are left out: asking for them may rightly
    get the numbers. Each topic is lower-cased, stripped of brackets and put into
    ``frames_per_topic`` frames drawn (seeded by the topic) from ``_FRAMES`` — the
    frames of everyday requests ("X beantragen", "wo X", "x abholen", "ich brauche X",
    "was kostet X"); a topic that is itself a verb phrase ("Gewerbe anmelden") also gets
    ``_VERB_FRAMES`` ("ich will gewerbe anmelden"). Then a seeded perturbation
    (``perturb``) misspells one word in ``typo_rate`` of the messages: drop, double or
    swap a letter, or write an umlaut as its bare vowel.
``integreat_questions``
    Every question of the Integreat train and dev splits in every language
    (data/integreat/{train,dev}_{de,en,fr,uk,ar}.json), tenant = the row's city.

``half(id)`` splits any pool into a ``calibration`` and a ``heldout`` half by a hash of
the case id, so thresholds tuned on one half are reported on the other.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

Half = Literal["calibration", "heldout"]

SEED = 16  # issue #16
_FRAMES = (
    "{t}",
    "{t} beantragen",
    "wo {t}",
    "{t} abholen",
    "ich brauche {t}",
    "brauche {t}",
    "{t} termin",
    "termin für {t}",
    "was kostet {t}",
    "{t} kosten",
    "{t} online",
    "wie lange dauert {t}",
    "{t} unterlagen",
    "welche unterlagen für {t}",
    "{t} verlängern",
    "wer ist zuständig für {t}",
    "frage zu {t}",
    "{t} wie geht das",
    "{t}?",
    "info {t}",
    "{t} formular",
    "wo bekomme ich {t}",
    "{t} wo hin",
    "hilfe bei {t}",
)
_VERB_FRAMES = (
    "ich will {t}",
    "ich möchte {t}",
    "wir wollen {t}",
    "wie kann ich {t}",
    "{t} wo",
    "muss ich {t}",
)
# Topics that are themselves emergency or crisis services (documented exclusion above).
_HELP_TOPICS = re.compile(
    r"notruf|notfall|notdienst|gewalt|suizid|selbstmord|krise|frauenhaus|missbrauch|"
    r"seelsorge|sucht|drogen|obdach|wohnungslos|brand|feuer|rettung|lebensgefahr",
    re.IGNORECASE,
)
_SPLITS: dict[str, Half] = {"tune": "calibration", "holdout": "heldout"}
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_UMLAUT_TYPOS = {"ä": "a", "ö": "o", "ü": "u", "ß": "s"}


class PoolCase(BaseModel):
    """One ordinary message of a pool (keys as in the evaluation sets)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    tenant: str
    question: str
    language: str = "de"
    source: str = ""
    expected_status: list[str] = []
    expected_help: list[str] = []  # an evaluation set's help grades (any one is right)
    split: Half | None = None  # an evaluation set's own half (``tags.split``), if it has one

    @property
    def emergency(self) -> bool:
        """Whether the case is an emergency (from an evaluation set), not an ordinary one."""
        return self.expected_status == ["emergency"]


def half(case_id: str) -> Half:
    """The pool half of ``case_id`` (stable: a hash, not the position in the file)."""
    digest = hashlib.sha256(case_id.encode("utf-8")).digest()
    return "calibration" if digest[0] % 2 == 0 else "heldout"


def case_half(case: PoolCase) -> Half:
    """The half of ``case``: its set's own split (tune → calibration, holdout → heldout)
    where the set has one, so a set's holdout never calibrates; else ``half(case.id)``."""
    return case.split or half(case.id)


def perturb(text: str, rng: random.Random) -> str:
    """``text`` with one word misspelt the way people type on a phone."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    umlauts = [i for i, c in enumerate(word) if c in _UMLAUT_TYPOS]
    kind = rng.choice(("drop", "double", "swap", "umlaut" if umlauts else "swap"))
    pos = rng.randrange(1, len(word) - 1)
    if kind == "drop":
        word = word[:pos] + word[pos + 1 :]
    elif kind == "double":
        word = word[:pos] + word[pos] + word[pos:]
    elif kind == "swap":
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    else:
        at = rng.choice(umlauts)
        word = word[:at] + _UMLAUT_TYPOS[word[at]] + word[at + 1 :]
    words[index] = word
    return " ".join(words)


def _clean(topic: str) -> str:
    text = _BRACKETS.sub(" ", topic).replace("\u200b", " ")
    return " ".join(text.lower().split()).strip(" .,:;-–")


def munich_topics(services_path: Path, leika_csv: Path) -> list[str]:
    """Service names, DLDB keywords and LeiKa names of the Munich catalogue (all services)."""
    data = json.loads(services_path.read_text(encoding="utf-8"))["data"]
    topics: list[str] = []
    keys: set[str] = set()
    for service in data:
        if service.get("name") == "Testleistung":
            continue
        topics.append(service["name"])
        keywords = (service.get("meta") or {}).get("keywords") or ""
        topics.extend(k for k in keywords.split(","))
        if service.get("leika"):
            keys.add(str(service["leika"]))
    with leika_csv.open(encoding="utf-8", newline="") as handle:
        topics.extend(
            row["leika_name"] for row in csv.DictReader(handle) if row["leika_key"] in keys
        )
    return topics


def page_titles(pages_path: Path) -> list[str]:
    """Titles of an Integreat pages dump."""
    return [page["title"] for page in json.loads(pages_path.read_text(encoding="utf-8"))]


def short_requests(
    topics: Iterable[tuple[str, str]],
    *,
    frames_per_topic: int = 3,
    typo_rate: float = 0.4,
    seed: int = SEED,
) -> list[PoolCase]:
    """Short everyday requests for ``(tenant, topic)`` pairs (procedure: module docstring)."""
    seen: set[str] = set()
    cases: list[PoolCase] = []
    for tenant, raw in topics:
        topic = _clean(raw)
        if len(topic) < 3 or _HELP_TOPICS.search(topic):
            continue
        rng = random.Random(f"{seed}:{tenant}:{topic}")
        frames = list(rng.sample(_FRAMES, frames_per_topic))
        if topic.endswith("en") and " " in topic:  # a verb phrase: "gewerbe anmelden"
            frames.append(rng.choice(_VERB_FRAMES))
        for frame in frames:
            message = frame.format(t=topic)
            if rng.random() < typo_rate:
                message = perturb(message, rng)
            key = f"{tenant}\n{message}"
            if key in seen:
                continue
            seen.add(key)
            digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
            cases.append(
                PoolCase(id=f"short-{tenant}-{digest}", tenant=tenant, question=message, source=raw)
            )
    return cases


def integreat_questions(directory: Path, languages: Iterable[str]) -> Iterator[PoolCase]:
    """Every question of the Integreat train and dev splits in ``languages``."""
    for language in languages:
        for split in ("train", "dev"):
            path = directory / f"{split}_{language}.json"
            for row in json.loads(path.read_text(encoding="utf-8")):
                yield PoolCase(
                    id=f"integreat-{split}-{language}-{row['id']}",
                    tenant=str(row["city"]),
                    question=str(row["question"]),
                    language=language,
                    source=path.name,
                )


def load_pool(path: Path) -> list[PoolCase]:
    """A pool or evaluation-set file, single-turn cases only (a pool judges one message).
    Set cases keep their ``expected_status``: ``["emergency"]`` marks an emergency (for
    the recall), a list without ``emergency`` an ordinary message; a case that allows
    both ("guardrail" or "emergency") is neither and is skipped."""
    cases: list[PoolCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        expected = row.get("expected_status", [])
        if "question" not in row or ("emergency" in expected and expected != ["emergency"]):
            continue
        row.setdefault("id", f"{path.stem}-{number}")
        tags = row.get("tags") or {}
        row.setdefault("language", tags.get("language", "de"))
        if tags.get("split") in _SPLITS:
            row["split"] = _SPLITS[tags["split"]]
        cases.append(PoolCase.model_validate(row))
    return cases


class Message(NamedTuple):
    """One message of a pool or set line, as the label and language scripts read it."""

    id: str
    tenant: str
    language: str  # the line's or its tags' language, "" if it names none
    text: str


def messages(path: Path) -> list[Message]:
    """The message of every line of a pool or set file: its ``question``, or for a
    conversation its last turn read alone (scripts/policy_labels.py, language_ids.py)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        text = case.get("question") or case["turns"][-1]["text"]
        language = case.get("language") or case.get("tags", {}).get("language", "")
        rows.append(Message(case["id"], case["tenant"], language, text))
    return rows


def write_pool(cases: Iterable[PoolCase], path: Path) -> int:
    """Write ``cases`` as JSONL (sorted keys, one case a line); returns the count."""
    lines = [
        json.dumps(
            c.model_dump(exclude={"expected_status", "expected_help", "split"}), ensure_ascii=False
        )
        for c in cases
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
