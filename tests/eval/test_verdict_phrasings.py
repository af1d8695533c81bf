"""The verdict-phrasing training source (eval/verdict_phrasings.py): drawn from the whole
catalogue by a fixed seed, every phrasing class with its procedural pair in ten languages,
and the shipped file is exactly what the procedure renders."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.dialogue.policy import Policy
from bot.dialogue.verdict import VerdictModel
from eval.pools import load_pool
from eval.verdict_phrasings import (
    LANGUAGES,
    OUTPUT,
    TEMPLATES,
    PhrasingTemplates,
    cases,
    citizen_register,
    draw,
    grammar_refusals,
    render,
    report,
    split,
    write,
    write_pool,
)
from eval.verdict_training import DEFAULT_SOURCES, VerdictExamples, training_cases
from eval.verdicts_set import draw_services
from knowledge.errors import ConfigurationError
from tests.eval.conftest import EvalCli, PoolWriter


def test_the_shipped_file_is_what_the_procedure_renders(tmp_path: Path) -> None:
    rendered = tmp_path / "verdict_phrasings.yaml"
    write(rendered)
    assert rendered.read_text(encoding="utf-8") == OUTPUT.read_text(encoding="utf-8")
    # Not a default source: the model trained with it was not adopted (docs/policy.md).
    assert OUTPUT not in DEFAULT_SOURCES


def test_every_class_and_its_pair_in_every_language() -> None:
    templates = PhrasingTemplates.from_yaml()
    rendered = render(templates)
    per_language = len(templates.matters) * len(templates.classes)
    assert len(templates.classes) == 8  # the phrasing classes of eval/sets/verdicts.md
    for group in ("verdicts", "not_verdicts"):
        assert set(rendered[group]) == set(LANGUAGES)
        assert all(len(texts) == per_language for texts in rendered[group].values())
    # Minimal pairs: the same matter in the verdict request and its procedural pair, and
    # the register changes only the typing (the same variants are chosen).
    plain = render(templates, register=False)
    for language in LANGUAGES:
        for index, matter in enumerate(templates.matters):
            block = slice(index * len(templates.classes), (index + 1) * len(templates.classes))
            for group in ("verdicts", "not_verdicts"):
                assert all(matter[language] in t for t in plain[group][language][block])
        pairs = zip(rendered["verdicts"][language], plain["verdicts"][language], strict=True)
        for typed, written in pairs:
            assert _letters(typed) == _letters(written), (typed, written)


def _letters(text: str) -> Counter[str]:
    return Counter(c for c in text.lower() if c.isalnum())


def test_the_matters_are_drawn_services_outside_the_verdicts_set() -> None:
    drawn = [doc_id for doc_id, _ in draw()]
    kept = [matter["id"] for matter in PhrasingTemplates.from_yaml().matters]
    assert kept == [doc_id for doc_id in drawn if doc_id in kept]  # kept in draw order
    assert len(set(kept)) == len(kept) == 12
    verdict_set = {f"muenchen/{service_id}" for service_id, _ in draw_services()}
    assert not set(kept) & verdict_set
    assert {doc_id.split("/")[0] for doc_id in kept} == {
        "muenchen",
        "lkaugsburg",
        "rems-murr-kreis",
    }


def test_citizens_register_is_seeded_and_keeps_the_letters() -> None:
    text = "ich habe letzte woche bürgergeld beantragt. wird mein antrag genehmigt?"
    first = [citizen_register(text, random.Random(seed)) for seed in range(40)]
    second = [citizen_register(text, random.Random(seed)) for seed in range(40)]
    assert first == second
    assert any(not t.endswith("?") for t in first) and any(t.endswith("?") for t in first)
    assert any(t[0].isupper() for t in first)
    for variant in first:
        bare = variant.rstrip(" ?").lower()
        assert Counter(bare) == Counter(text.rstrip("?"))  # a typo swaps, never loses


def test_the_training_reads_each_file_as_its_own_source() -> None:
    paths = (*DEFAULT_SOURCES, OUTPUT)
    cases = training_cases([], {p.stem: VerdictExamples.from_yaml(p) for p in paths})
    sources = Counter((c.source, c.verdict) for c in cases)
    assert sources[("verdict_phrasings", True)] == sources[("verdict_phrasings", False)] == 960
    assert sources[("verdict_examples", True)] > 100


def test_a_template_without_the_matter_is_a_clear_error(tmp_path: Path) -> None:
    data = yaml.safe_load(TEMPLATES.read_text("utf-8"))
    data["classes"]["chances"]["de"]["procedural"][0] = "wo kann ich das beantragen?"
    broken = tmp_path / "templates.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="names the matter as"):
        PhrasingTemplates.from_yaml(broken)


def test_train_verdict_reads_every_examples_file_given(
    eval_cli: EvalCli, pool_file: PoolWriter, tmp_path: Path
) -> None:
    shipped = VerdictExamples.from_yaml(OUTPUT)
    paths = []
    for language in ("de", "en"):
        path = tmp_path / f"phrasings_{language}.yaml"
        small = {
            "version": 1,
            "verdicts": {language: shipped.verdicts[language][:8]},
            "not_verdicts": {language: shipped.not_verdicts[language][:8]},
        }
        path.write_text(yaml.safe_dump(small, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    pool = pool_file([{"id": "p1", "tenant": "muenchen", "question": "Perso abholen"}])
    out = tmp_path / "model.json"
    args = ["train-verdict", "--pool", str(pool), "--out", str(out)]
    result = eval_cli([*args, "--examples", str(paths[0]), "--examples", str(paths[1])])
    assert result.exit_code == 0, result.output
    model = VerdictModel.from_file(out)
    assert model.training.sources["phrasings_de"] == model.training.sources["phrasings_en"] == 16
    assert f"--examples {paths[0]} --examples {paths[1]} --seed" in model.training.command


def test_the_split_is_drawn_once_by_catalogue_entry() -> None:
    templates = PhrasingTemplates.from_yaml()
    halves = split(templates)
    assert halves == split(templates)  # seeded
    assert Counter(halves.values()) == {"tune": 6, "holdout": 6}
    rendered = cases(templates)
    assert all(case.half == halves[case.matter] for case in rendered)
    # the cases are the file's messages, in its order
    texts = render(templates)
    for language in LANGUAGES:
        assert [c.text for c in rendered if c.language == language and c.verdict] == texts[
            "verdicts"
        ][language]
    assert len({case.id for case in rendered}) == len(rendered) == 1920


def test_the_measure_lists_tune_messages_and_counts_the_holdout() -> None:
    rendered = cases(PhrasingTemplates.from_yaml())
    refusals = [case.verdict for case in rendered]  # a perfect reader …
    missed = next(i for i, c in enumerate(rendered) if c.half == "tune" and c.verdict)
    hidden = next(i for i, c in enumerate(rendered) if c.half == "holdout" and c.verdict)
    refusals[missed] = refusals[hidden] = False  # … that misses one request in each half
    text = report(rendered, refusals, listed=True)
    assert "tune: verdict requests refused 479/480, procedural pairs refused 0/480" in text
    assert "holdout: verdict requests refused 479/480" in text
    assert rendered[missed].text in text
    assert rendered[hidden].text not in text  # the holdout is never listed


def test_the_pool_is_an_evaluation_set_with_both_halves(tmp_path: Path) -> None:
    rendered = cases(PhrasingTemplates.from_yaml())
    path = tmp_path / "phrasings.jsonl"
    assert write_pool(rendered, path) == 1920
    pool = load_pool(path)
    verdicts = [c for c in pool if c.expected_status == ["refused_decision"]]
    assert len(verdicts) == 960
    assert Counter(c.split for c in pool) == {"calibration": 960, "heldout": 960}
    assert {c.tenant for c in pool} == {"muenchen", "lkaugsburg", "rems-murr-kreis"}


def test_the_grammar_refuses_no_procedural_pair_of_the_tune_half() -> None:
    tune = [case for case in cases(PhrasingTemplates.from_yaml()) if case.half == "tune"]
    refused = grammar_refusals(Policy.from_yaml(), tune)
    assert not [c.text for c, r in zip(tune, refused, strict=True) if r and not c.verdict]
    # every phrasing class is recognised in every language (typos aside)
    for name in {c.phrasing_class for c in tune}:
        for language in LANGUAGES:
            cell = [
                r
                for c, r in zip(tune, refused, strict=True)
                if c.verdict and (c.phrasing_class, c.language) == (name, language)
            ]
            assert sum(cell) >= 4, (name, language)


def test_one_half_renders_as_a_training_source_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "verdict_phrasings_tune.yaml"
    assert write(path, half="tune") == 960
    tune = VerdictExamples.from_yaml(path)
    everything = render(PhrasingTemplates.from_yaml())
    for language in LANGUAGES:
        assert len(tune.verdicts[language]) == len(tune.not_verdicts[language]) == 48
        assert set(tune.verdicts[language]) <= set(everything["verdicts"][language])
    held_out = {c.text for c in cases(PhrasingTemplates.from_yaml()) if c.half == "holdout"}
    assert not held_out & {t for texts in tune.verdicts.values() for t in texts}
