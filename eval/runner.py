"""Running an evaluation set through the dialogue engine, one fresh conversation per case.

Each case's messages are sent in order to ``engine.respond`` with the conversation so
far as history (the same pipeline the API uses, without HTTP and database). A case
that raises is recorded with status ``error`` and the run goes on; the ``errors``
metric makes it visible. For single-question cases that name sources, the runner
also asks the retriever directly (top 10) so retrieval metrics do not depend on the
dialogue policy; it searches as the dialogue does (the understander's text in the language
of its words, ``eval.retrieval.searched_as_the_bot``), so that a French question meets the
same BM25 weight as in the dialogue and in `govbot eval retrieval`. One untimed warm-up
message precedes the cases, so that latency figures measure answering, not model loading.

Before the first case, every expected doc id is looked up in the index: ids that match
no document of their tenant (a missing tenant prefix, a source not ingested) stop the run
with a message naming them, instead of silently scoring 0. With ``results_path`` every
case result is appended to a JSON Lines file as soon as it is scored, so an interrupted
run keeps its cases; ``resume=True`` reads that file and runs only the missing cases.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from bot.answer import Answer, Turn
from bot.services.conversations import AnswerEngine
from bot.settings import Settings
from eval.records import RunInfo, RunRecord, build_record, environment, git_state
from eval.records import settings_snapshot as snapshot_of
from eval.retrieval import SearchFn, require_known_ids, searched_as_the_bot
from eval.scoring import CaseResult, error_result, score_case, service_text
from eval.sets_schema import EvalCase, EvalSet
from knowledge.errors import GovBotError, SourceError
from knowledge.retrieval import Retriever

logger = logging.getLogger(__name__)

RETRIEVAL_DEPTH = 10
# One untimed message first: loading models and opening the index are not answer time.
WARM_UP_MESSAGE = "Was kostet ein Personalausweis?"
Progress = Callable[[int, int], None]


class Runner:
    """Runs sets through an answer engine; ``retriever`` adds retrieval and grounding checks."""

    def __init__(
        self,
        engine: AnswerEngine,
        *,
        settings: Settings,
        retriever: Retriever | None = None,
        search: SearchFn | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """``search``: the retrieval figures' search; by default the dialogue's
        (``searched_as_the_bot`` with the configured understanding) over ``retriever``."""
        self._engine = engine
        self._settings = settings
        self._retriever = retriever
        self._search = search
        self._clock = clock
        self._sources: dict[str, str] = {}

    def run(
        self,
        eval_set: EvalSet,
        *,
        label: str | None = None,
        progress: Progress | None = None,
        results_path: Path | None = None,
        resume: bool = False,
    ) -> RunRecord:
        """Evaluate every case of ``eval_set`` and return the run (not yet stored).

        ``results_path``: append each case result to this JSON Lines file as it is
        scored; ``resume``: keep the results already in it and run only the others.
        """
        started = datetime.now(UTC)
        commit, dirty = git_state()
        self.check_expected_ids(eval_set.cases)
        total = len(eval_set.cases)
        done = read_results(results_path, eval_set) if resume and results_path else {}
        if results_path is not None and not resume:
            results_path.parent.mkdir(parents=True, exist_ok=True)
            results_path.write_text("", encoding="utf-8")
        if done and results_path is not None:
            logger.info("resuming: %d of %d cases already in %s", len(done), total, results_path)
            # Rewrite what is kept, so that a line cut off by the interruption goes away.
            kept = "".join(result.model_dump_json() + "\n" for result in done.values())
            results_path.write_text(kept, encoding="utf-8")
        results: list[CaseResult] = []
        if len(done) < total:
            self._warm_up(eval_set)
        for position, case in enumerate(eval_set.cases):
            result = done.get(case.id)
            if result is None:
                result = self.run_case(case, position=position)
                if results_path is not None:
                    with results_path.open("a", encoding="utf-8") as sink:
                        sink.write(result.model_dump_json() + "\n")
            results.append(result)
            if progress is not None:
                progress(position + 1, total)
        embedder, index_version = self._index_identity()
        info = RunInfo(
            label=label,
            set_name=eval_set.name,
            set_version=eval_set.version,
            set_sha256=eval_set.sha256,
            case_count=total,
            git_commit=commit,
            git_dirty=dirty,
            embedder=embedder,
            index_version=index_version,
            settings=snapshot_of(self._settings),
            environment=environment() | {"set_path": eval_set.path},
            started_at=started,
            finished_at=datetime.now(UTC),
        )
        return build_record(info, results)

    def check_expected_ids(self, cases: Sequence[EvalCase]) -> None:
        """SourceError for cases whose expected ids all match no indexed document."""
        if self._retriever is None:
            return
        checked: list[tuple[str, str, Sequence[str]]] = [
            (case.id, case.tenant, case.expected) for case in cases
        ]
        checked.extend(
            (f"{case.id} turn {index + 1}", case.tenant, turn.expected)
            for case in cases
            for index, turn in enumerate(case.turns or [])
        )
        absent = require_known_ids(checked, self._retriever)
        if absent:
            logger.warning(
                "%d expected id(s) are not in the index (an alternative of the same case is): %s",
                len(absent),
                ", ".join(absent[:10]),
            )

    def run_case(self, case: EvalCase, *, position: int) -> CaseResult:
        """One case in a fresh conversation."""
        history: list[Turn] = []
        answers: list[Answer] = []
        latencies: list[float] = []
        try:
            for message in case.messages:
                start = self._clock()
                answer = self._engine.respond(message, tenant=case.tenant, history=history)
                latencies.append((self._clock() - start) * 1000)
                answers.append(answer)
                history.append(Turn(role="citizen", text=message))
                history.append(Turn(role="bot", text=answer.text, doc_ids=answer.doc_ids))
            retrieved = self._retrieve(case)
            sources = {doc_id: self._source(doc_id) for doc_id in answers[-1].doc_ids}
        except Exception as exc:  # recorded as the case's result, the run continues
            logger.warning("case %s failed: %s", case.id, type(exc).__name__)
            return error_result(case, position=position, error=f"{type(exc).__name__}: {exc}")
        return score_case(
            case,
            answers,
            position=position,
            latencies_ms=latencies,
            sources=sources,
            retrieved_ids=retrieved,
        )

    def _warm_up(self, eval_set: EvalSet) -> None:
        if not eval_set.cases:
            return
        try:
            self._engine.respond(WARM_UP_MESSAGE, tenant=eval_set.cases[0].tenant, history=[])
        except Exception as exc:  # the cases themselves will record what is wrong
            logger.warning("warm-up message failed: %s", type(exc).__name__)

    def _retrieve(self, case: EvalCase) -> list[str] | None:
        if self._retriever is None or not case.expected or case.turns is not None:
            return None
        if self._search is None:
            from bot.assistant import build_understander  # deferred: loads the word lists

            understander = build_understander(self._settings, self._retriever)
            self._search = searched_as_the_bot(self._retriever, understander)
        return list(self._search(case.final_message, case.tenant, RETRIEVAL_DEPTH))

    def _source(self, doc_id: str) -> str:
        if doc_id not in self._sources:
            service = self._retriever.get_service(doc_id) if self._retriever else None
            self._sources[doc_id] = service_text(service) if service else ""
        return self._sources[doc_id]

    def _index_identity(self) -> tuple[str | None, str | None]:
        if self._retriever is None:
            return None, None
        try:
            meta = self._retriever.meta
        except GovBotError:
            return None, None
        return f"{meta.embedder.name} ({meta.embedder.dim})", meta.version


def read_results(path: Path, eval_set: EvalSet) -> dict[str, CaseResult]:
    """The case results already written to ``path`` for cases of ``eval_set``, by case id.

    A missing file is an empty start; a line cut off by an interruption (the last one) is
    dropped; any other unreadable line is an error naming it.
    """
    if not path.is_file():
        return {}
    ids = {case.id for case in eval_set.cases}
    done: dict[str, CaseResult] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = CaseResult.model_validate(json.loads(line))
        except (ValueError, ValidationError) as exc:
            if number == len(lines):
                logger.warning("%s:%d: incomplete last line dropped", path, number)
                continue
            raise SourceError(
                f"{path}:{number}: not a case result of `govbot eval run` ({exc}); "
                "give a fresh --results file or remove the line"
            ) from exc
        if result.case_id in ids:
            done[result.case_id] = result
    return done
