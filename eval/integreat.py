"""Convert the Integreat QA split files into retrieval question sets (JSONL).

A split file (``data/integreat/train_de.json``, ``dev_de.json``) is a JSON list of
rows ``{id, question, context, answers, city, pageId, sourceLanguage, …}``:
``context`` is the page text, ``answers`` the indices of its answering lines
(empty: the page does not answer the question). The gold document is
``"<city>/<pageId>"``, but 240 questions of the dataset were machine-translated
from English and their ``pageId`` is the id of the *English* page
(data/README.md); they are mapped to the German page through the German pages'
``available_languages`` table, read by :func:`ingest.integreat.translation_ids`.

The translated splits (``dev_en.json`` …, issue 13) carry the question's ``language``;
it becomes the case's ``tags.language``, so ``govbot eval answers`` reports the figures
per language. Their ``context`` and answer lines stay those of the German page.

Only cities with a page dump ``<city>_de_pages.json`` in the pages directory are
converted (the Munich rows have no pages here and are skipped). Rows whose page
cannot be found in the dump are reported, never guessed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ingest.files import read_json
from ingest.integreat import translation_ids
from knowledge.errors import SourceError

GERMAN = "de"
ENGLISH = "en"  # the source language of the dataset's machine-translated questions


class QuestionTags(BaseModel):
    """Slicing tags, as in ``eval/sets/SCHEMA.md``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = "service"
    topic: str = "integreat"
    language: str = GERMAN


class IntegreatQuestion(BaseModel):
    """One converted question: a line of the JSONL set (valid under ``eval/sets/SCHEMA.md``).

    ``notes`` starts with ``source_language=<code>``; for translated questions it
    also names the page id of the source language that was mapped.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tenant: str
    question: str
    expected: list[str]
    expected_status: list[str]
    answer_lines: list[str]
    tags: QuestionTags = QuestionTags()
    notes: str

    @property
    def source_language(self) -> str:
        """Language the question was written in before translation (``de`` if none)."""
        return self.notes.split(";", 1)[0].removeprefix("source_language=")

    @property
    def answerable(self) -> bool:
        """False for questions that the annotated page does not answer."""
        return bool(self.expected)


class Conversion(BaseModel):
    """The converted questions and what was left out, with reasons."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: list[IntegreatQuestion]
    skipped_cities: dict[str, int]  # city without a page dump -> rows
    unanswerable: int  # rows with empty answers left out
    unmapped: list[str]  # row ids whose page is not in the dump

    def summary(self) -> str:
        """One line for people."""
        cities = ", ".join(f"{c} ({n})" for c, n in sorted(self.skipped_cities.items()))
        return (
            f"{len(self.questions)} questions converted; {self.unanswerable} unanswerable "
            f"left out; {len(self.unmapped)} with an unknown page; "
            f"skipped cities without pages: {cities or 'none'}"
        )


class _CityPages:
    """German page ids of one city and the maps from translated page ids to them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = read_json(path, what="Integreat pages file")
        if not isinstance(raw, list):
            raise SourceError(f"{path} is not an Integreat page dump: expected a JSON list")
        self.german_ids = {str(p["id"]) for p in raw if isinstance(p, dict) and "id" in p}
        self._maps: dict[str, dict[str, str]] = {}

    def resolve(self, page_id: str, language: str) -> str | None:
        """The German page id for ``page_id`` of a page in ``language``, or None."""
        if language == GERMAN:
            return page_id if page_id in self.german_ids else None
        if language not in self._maps:
            self._maps[language] = translation_ids(self.path, language=language)
        return self._maps[language].get(page_id)


def convert_split(
    split: Path,
    *,
    pages_dir: Path,
    include_unanswerable: bool = False,
) -> Conversion:
    """Convert one split file, using the page dumps in ``pages_dir``."""
    rows = read_json(split, what="Integreat split file")
    if not isinstance(rows, list):
        raise SourceError(f"{split} is not an Integreat split file: expected a JSON list of rows")
    name = split.stem.lower().removesuffix(f"_{GERMAN}")  # dev_en keeps its suffix: ids stay unique
    cities: dict[str, _CityPages | None] = {}
    questions: list[IntegreatQuestion] = []
    skipped: Counter[str] = Counter()
    unanswerable = 0
    unmapped: list[str] = []
    for index, row in enumerate(rows):
        where = f"{split}: row [{index}]"
        if not isinstance(row, Mapping):
            raise SourceError(f"{where} is a {type(row).__name__}, expected an object")
        city = _text(row, "city", where)
        if city not in cities:
            dump = pages_dir / f"{city}_{GERMAN}_pages.json"
            cities[city] = _CityPages(dump) if dump.is_file() else None
        pages = cities[city]
        if pages is None:
            skipped[city] += 1
            continue
        answers = _answers(row, where)
        if not answers and not include_unanswerable:
            unanswerable += 1
            continue
        row_id = _text(row, "id", where)
        language, german_id = _source_page(row, pages, where)
        if german_id is None:
            unmapped.append(row_id)
            continue
        lines = _text(row, "context", where).split("\n")
        page_id = _text(row, "pageId", where)
        notes = f"source_language={language}"
        if language != GERMAN:
            notes += f"; gold page mapped from the {language!r} page {page_id}"
        questions.append(
            IntegreatQuestion(
                id=f"ig-{name}-{row_id}".lower(),
                tenant=city,
                question=_text(row, "question", where).strip(),
                expected=[f"{city}/{german_id}"] if answers else [],
                expected_status=["answered"] if answers else ["unanswerable"],
                answer_lines=[lines[i] for i in answers if 0 <= i < len(lines)],
                tags=QuestionTags(language=str(row.get("language") or GERMAN)),
                notes=notes,
            )
        )
    return Conversion(
        questions=questions,
        skipped_cities=dict(skipped),
        unanswerable=unanswerable,
        unmapped=unmapped,
    )


def _source_page(
    row: Mapping[str, object], pages: _CityPages, where: str
) -> tuple[str, str | None]:
    """The row's source language and the German page id its ``pageId`` stands for.

    The translated splits do not keep ``sourceLanguage`` (checked on dev): dev_en leaves
    it empty and dev_fr/uk/ar say ``de`` on the 18 rows whose German split row says
    ``en`` and whose ``pageId`` is an English page's. So a page id that is no German page
    is looked up among the English pages, the dataset's only other source language.
    """
    page_id = _text(row, "pageId", where)
    stated = str(row.get("sourceLanguage") or GERMAN)
    found = pages.resolve(page_id, stated)
    if found is None and stated == GERMAN:
        english = pages.resolve(page_id, ENGLISH)
        if english is not None:
            return ENGLISH, english
    return stated, found


def write_jsonl(questions: Iterable[IntegreatQuestion], out: Path) -> int:
    """Write one JSON object per line (UTF-8, German characters unescaped); return the count."""
    lines = [json.dumps(q.model_dump(), ensure_ascii=False) for q in questions]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def _text(row: Mapping[str, object], key: str, where: str) -> str:
    value = row.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, str | int):
        raise SourceError(f"{where} has no usable {key!r} (got {value!r})")
    return str(value)


def _answers(row: Mapping[str, object], where: str) -> list[int]:
    value = row.get("answers")
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise SourceError(f"{where}: 'answers' must be a list of line numbers, got {value!r}")
    return list(value)
