"""Fit the re-ranker weights and the confidence model of bot/dialogue/rules/ranking.yaml.

Usage (an index with the tenants of the sets must exist in GOVBOT_DATA_DIR):

    python scripts/calibrate_dialogue.py retrieve OUT.json SET.jsonl [SET.jsonl ...]
    python scripts/calibrate_dialogue.py fit OUT.json [--write]

``retrieve`` stores the raw retrieval of every service, missing-topic and decision
question (the slow part: three index queries each); ``fit`` recomputes the features
offline, fits the structured-service weights by coordinate search for top-1 accuracy
and prints the figures quoted in docs/policy.md; ``--write`` writes the re-ranker
weights only. The confidence and reach models that decide answer / clarify / not found
are fitted with cross-validation by ``govbot eval calibration`` (eval/calibration.py);
the logistic fit printed here is the earlier one-model baseline, for comparison.
Cases whose id starts with ``smoke-`` are held out and only reported.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bot.assistant import build_understander
from bot.dialogue.ranking import RankingModel, Retrieved, ServiceRanker
from bot.settings import Settings
from knowledge.retrieval import open_retriever

RANK_FEATURES = ("hybrid", "dense_gap", "bm25", "title", "named", "covered")
GRID = {
    "hybrid": (0.0, 0.5, 1.0, 2.0),
    "dense_gap": (0.0, 2.0, 5.0, 10.0, 20.0, 40.0),
    "bm25": (0.0, 0.25, 0.5, 1.0),
    "title": (0.0, 0.25, 0.5, 1.0, 2.0),
    "named": (0.0, 0.25, 0.5, 1.0, 2.0),
    "covered": (0.0, 0.25, 0.5, 1.0, 2.0),
}
CONFIDENCE_FEATURES = ("dense", "named_expanded", "unknown", "all_unknown", "bm25_top")
HELD_OUT = "smoke-"
KINDS = ("service", "missing_topic", "decision")


def retrieve(out: Path, sets: list[Path]) -> None:
    settings = Settings()
    rows: list[dict[str, Any]] = []
    with open_retriever(settings) as retriever:
        ranker = ServiceRanker(retriever, RankingModel.from_yaml())
        # The same reading of each question as the dialogue's (issue 11): spelling
        # corrected, expanded with official terms.
        understander = build_understander(settings, retriever)
        for path in sets:
            for line in path.read_text(encoding="utf-8").splitlines():
                case = json.loads(line)
                kind = case.get("tags", {}).get("kind", "service")
                if "question" not in case or kind not in KINDS:
                    continue
                search = understander.understand(case["question"], tenant=case["tenant"]).search
                retrieved = ranker.retrieve(
                    search.text, tenant=case["tenant"], language=search.language
                )
                rows.append(
                    {
                        **case,
                        "kind": kind,
                        "query": search.text,
                        "own_words": search.own_words,
                        "retrieved": retrieved.model_dump(mode="json"),
                    }
                )
    out.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    print(f"{len(rows)} questions retrieved into {out}")


def features(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    settings = Settings()
    with open_retriever(settings) as retriever:
        ranker = ServiceRanker(retriever, RankingModel.from_yaml())
        for row in rows:
            ranking = ranker.score(
                Retrieved.model_validate(row["retrieved"]),
                query=row["query"],
                tenant=row["tenant"],
                original=row["own_words"],
            )
            row["cands"] = [{"doc": c.hit.doc_id, **c.features} for c in ranking.candidates]
            row["conf"] = ranking.confidence_features
    return rows


def top1(weights: dict[str, float], data: list[tuple[list[dict[str, Any]], list[str]]]) -> float:
    right = 0
    for candidates, expected in data:
        best = max(
            candidates, key=lambda c: (sum(weights[k] * c[k] for k in RANK_FEATURES), c["doc"])
        )
        right += best["doc"] in expected
    return right / max(1, len(data))


def fit_weights(data: list[tuple[list[dict[str, Any]], list[str]]]) -> dict[str, float]:
    weights = {name: 0.0 for name in RANK_FEATURES} | {"hybrid": 1.0}
    best = top1(weights, data)
    for _ in range(4):
        for name in RANK_FEATURES:
            for value in GRID[name]:
                trial = weights | {name: value}
                score = top1(trial, data)
                if score > best + 1e-9:
                    best, weights = score, trial
    return weights


def fit_confidence(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(20000):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = p - y
        w -= 0.05 * (z.T @ g / len(y) + 0.01 * w)
        b -= 0.05 * g.mean()
    return float(b - (w * mean / std).sum()), w / std


def fit(path: Path, write: bool) -> None:
    rows = features(json.loads(path.read_text(encoding="utf-8")))
    services = [r for r in rows if r["kind"] == "service" and r["cands"]]
    train = [(r["cands"], r["expected"]) for r in services if not r["id"].startswith(HELD_OUT)]
    held = [(r["cands"], r["expected"]) for r in services if r["id"].startswith(HELD_OUT)]
    baseline = {name: 0.0 for name in RANK_FEATURES} | {"hybrid": 1.0}
    weights = fit_weights(train)
    print(
        f"top-1 right service, fit (n={len(train)}): retriever order "
        f"{top1(baseline, train):.3f} -> re-ranked {top1(weights, train):.3f}"
    )
    print(
        f"top-1 right service, held out (n={len(held)}): retriever order "
        f"{top1(baseline, held):.3f} -> re-ranked {top1(weights, held):.3f}"
    )
    print("weights:", weights)

    def sample(row: dict[str, Any]) -> tuple[list[float], int | None]:
        best = max(
            row["cands"], key=lambda c: (sum(weights[k] * c[k] for k in RANK_FEATURES), c["doc"])
        )
        label = (1 if best["doc"] in row["expected"] else None) if row["kind"] == "service" else 0
        return [float(row["conf"].get(name, 0.0)) for name in CONFIDENCE_FEATURES], label

    bias, coef = 0.0, np.zeros(len(CONFIDENCE_FEATURES))
    for held_out in (False, True):
        samples = [
            sample(r)
            for r in rows
            if r["cands"] and r["kind"] != "decision" and r["id"].startswith(HELD_OUT) == held_out
        ]
        x = np.array([s for s, label in samples if label is not None])
        y = np.array([label for _, label in samples if label is not None], dtype=float)
        if not held_out:
            bias, coef = fit_confidence(x, y)
        p = 1 / (1 + np.exp(-(x @ coef + bias)))
        name = "held out" if held_out else "fit"
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
            kept = int(((p >= threshold) & (y == 1)).sum())
            rejected = int(((p < threshold) & (y == 0)).sum())
            print(
                f"  {name} threshold {threshold}: correct answers kept {kept}/{int(y.sum())}, "
                f"missing topics rejected {rejected}/{int((1 - y).sum())}"
            )
    confidence = {n: round(float(c), 3) for n, c in zip(CONFIDENCE_FEATURES, coef, strict=True)}
    print(f"confidence_bias: {bias:.3f}")
    print("confidence_weights:", confidence)
    if not math.isfinite(bias):
        raise SystemExit("confidence fit diverged")
    if write:
        target = Path(__file__).resolve().parents[1] / "bot" / "dialogue" / "rules" / "ranking.yaml"
        lines = [
            f"weights: {json.dumps(weights)}" if line.startswith("weights:") else line
            for line in target.read_text(encoding="utf-8").splitlines()
        ]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {target}")


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "retrieve":
        retrieve(Path(argv[1]), [Path(p) for p in argv[2:]])
    elif len(argv) >= 2 and argv[0] == "fit":
        fit(Path(argv[1]), write="--write" in argv)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
