"""Running an evaluation set through the dialogue engine, one fresh conversation per case.

Each case's messages are sent in order to ``engine.respond`` with the conversation so
far as history (the same pipeline the API uses, without HTTP and database). A case
that raises is recorded with status ``error`` and the run goes on; the ``errors``
metric makes it visible. For single-question cases that name sources, the runner
also asks the retriever directly (top 10) so retrieval metrics do not depend on the
dialogue policy. One untimed warm-up message precedes the cases, so that latency
figures measure answering, not model loading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.answer import Answer, Turn
from bot.services.conversations import AnswerEngine
from bot.settings import Settings
from eval.records import RunInfo, RunRecord, build_record, environment, git_state
from eval.records import settings_snapshot as snapshot_of
from eval.scoring import CaseResult, error_result, score_case, service_text
from eval.sets_schema import EvalCase, EvalSet
from knowledge.errors import GovBotError
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
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._retriever = retriever
        self._clock = clock
        self._sources: dict[str, str] = {}

    def run(
        self, eval_set: EvalSet, *, label: str | None = None, progress: Progress | None = None
    ) -> RunRecord:
        """Evaluate every case of ``eval_set`` and return the run (not yet stored)."""
        started = datetime.now(UTC)
        commit, dirty = git_state()
        results: list[CaseResult] = []
        total = len(eval_set.cases)
        self._warm_up(eval_set)
        for position, case in enumerate(eval_set.cases):
            results.append(self.run_case(case, position=position))
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
        hits = self._retriever.search(case.final_message, tenant=case.tenant, k=RETRIEVAL_DEPTH)
        return [hit.doc_id for hit in hits]

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
