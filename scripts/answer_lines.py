"""Where the annotated answer lines are, and how much of them an answer shows (issue 17).

For every case of the given sets (default: Integreat train and dev) the engine answers
once, as in ``govbot eval answers``; for each answered case the script records what the
composer was given (page, aspects, the retrieval's best passage, runner-up) and then:

- the reach: whether an annotated line is in the answered page at all, only in the
  runner-up page, or in the retrieval's best passage of the page — no choice of lines
  can show more than the page holds;
- the answer with up to 100 … 500 characters of context after the lead (150 is the
  default) and without it (the lead only), recomposed from the same inputs: line
  anywhere, line within the first 300 characters, median answered length, and how
  often a second page is quoted as answering a part of the question;
- for the cases answered with choices that offer the expected page: whether the line
  under that choice (``AnswerOption.summary``) holds an annotated line.

Usage (the index of GOVBOT_DATA_DIR; figures in docs/policy.md, "Lead variants"):

    PYTHONPATH=. python scripts/answer_lines.py [integreat_train integreat_dev ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.answer import MoreSection
from bot.compose.extractive import Composer
from bot.dialogue.policy import Policy
from bot.settings import Settings
from eval.answers import load_cases
from eval.commands import default_engine
from eval.normalisation import normalise
from eval.sets_schema import resolve_set_path
from knowledge.errors import IndexNotFoundError
from knowledge.models import Service
from knowledge.retrieval import open_retriever

EARLY = 300
CONTEXT_BUDGETS = (100, 150, 200, 250, 350, 500)  # GOVBOT_DIALOGUE__ANSWER_CONTEXT_CHARS


@dataclass
class Case:
    """One case: its answer lines, the answer shown and, if answered, the composer's inputs."""

    lines: list[str]
    text: str
    call: tuple[Service, str, dict[str, Any]] | None
    # Answered with choices: the line under the expected page's choice, if it was offered.
    choice_line: str | None = None


def capture(names: Sequence[str]) -> dict[str, list[Case]]:
    """Answer every case once and keep what the composer was given."""
    calls: list[tuple[Service, str, dict[str, Any]]] = []
    answer = Composer.answer

    def recording(self: Composer, service: Service, question: str, **kw: Any) -> Any:
        calls.append((service, question, kw))
        return answer(self, service, question, **kw)

    Composer.answer = recording  # type: ignore[method-assign]
    captured: dict[str, list[Case]] = {}
    settings = Settings()
    try:
        with open_retriever(settings) as retriever:
            engine = default_engine(settings, retriever)
            if engine is None:
                raise SystemExit("no dialogue engine: run `govbot ingest` first")
            for name in names:
                rows: list[Case] = []
                for case in load_cases(resolve_set_path(name)).cases:
                    calls.clear()
                    reply = engine.respond(case.final_message, tenant=case.tenant, history=[])
                    answered = reply.status.value == "answered" and calls
                    right = [o.summary for o in reply.options if o.doc_id in case.expected]
                    rows.append(
                        Case(
                            list(case.answer_lines),
                            reply.text,
                            calls[0] if answered else None,
                            right[0] if right and reply.status.value == "clarify" else None,
                        )
                    )
                captured[name] = rows
    finally:
        Composer.answer = answer  # type: ignore[method-assign]
    return captured


def has_line(text: str, lines: Sequence[str]) -> bool:
    haystack = normalise(text)
    return any(normalise(line) in haystack for line in lines if line.strip())


def page_text(service: Service) -> str:
    return "\n".join([service.title, *(f"{s.title}\n{s.text}" for s in service.sections)])


def report(name: str, rows: Sequence[Case], composers: dict[str, Composer]) -> None:
    scored = [row for row in rows if row.lines]
    total = len(scored) or 1
    in_page = in_runner_up = in_passage = 0
    for row in scored:
        if row.call is None:
            continue
        service, _, kw = row.call
        service = service.in_language(kw["language"])
        also = kw.get("also")
        if has_line(page_text(service), row.lines):
            in_page += 1
        elif also is not None and has_line(page_text(also), row.lines):
            in_runner_up += 1
        in_passage += has_line(kw.get("evidence", ""), row.lines)
    print(
        f"{name}: {len(scored)} cases with answer lines; a line in the answered page "
        f"{in_page / total:.3f}, only in the runner-up {in_runner_up / total:.3f}, "
        f"in the best passage {in_passage / total:.3f}"
    )
    offered = [row for row in scored if row.choice_line is not None]
    shown = sum(has_line(row.choice_line or "", row.lines) for row in offered)
    print(
        f"  choices offered with the expected page {len(offered)}, its line holds an "
        f"annotated line {shown}"
    )
    for label, composer in composers.items():
        anywhere = early = tap = second = 0
        lengths: list[int] = []
        for row in scored:
            text = more = row.text
            if row.call is not None:
                service, question, kw = row.call
                composition = composer.answer(service, question, **kw)
                text = composition.text
                more = "\n".join([text, *more_texts(composition.more, service, kw)])
                lengths.append(len(text))
                second += len(composition.citations) > 1
            anywhere += has_line(text, row.lines)
            early += has_line(text[:EARLY], row.lines)
            tap += has_line(more, row.lines)
        median = statistics.median(lengths) if lengths else 0
        print(
            f"  {label:20s} line anywhere {anywhere / total:.3f}, in the first {EARLY} "
            f"{early / total:.3f}, one tap away {tap / total:.3f}, median answered length "
            f"{median:.0f}, second page quoted {second}"
        )


def more_texts(more: Sequence[MoreSection], service: Service, kw: dict[str, Any]) -> list[str]:
    """The texts behind "Mehr anzeigen" (sections of the page or of the runner-up)."""
    pages = {page.doc_id: page for page in (service, kw.get("also")) if page is not None}
    language = kw["language"]
    return [
        pages[item.doc_id].in_language(language).sections[int(item.key)].text
        for item in more
        if item.doc_id in pages
    ]


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "sets",
        nargs="*",
        default=["integreat_train", "integreat_dev"],
        help="evaluation sets with answer_lines (name or path; default: Integreat train and dev)",
    )
    names = parser.parse_args(argv).sets
    texts = Policy.from_yaml().texts
    composers = {
        f"lead + context {chars}": Composer(texts, context_chars=chars) for chars in CONTEXT_BUDGETS
    }
    composers["lead only"] = Composer(texts, context=False)
    try:
        captured = capture(names)
    except IndexNotFoundError as err:
        raise SystemExit(str(err)) from err
    for name, rows in captured.items():
        report(name, rows, composers)


if __name__ == "__main__":
    main(sys.argv[1:])
