"""Lab, second run (issue 13, session 11): the product's own search with dictionary query
translation at several weights, against the product without it.

Each variant is knowledge/retrieval.py's Retriever over the same store with
``translated_sparse_weight`` set (the product path: the understander's search text, translated
only for a known language the tenant does not write). Run from the worktree root:

    PYTHONPATH=$PWD GOVBOT_DATA_DIR=… python scripts/clir_lab2.py OUT.json SET.jsonl …
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from clir_lab import language_tags, summarise  # as in the first run (scripts/ is on sys.path)

from bot.assistant import build_understander
from bot.settings import Settings
from eval.retrieval import load_questions
from knowledge.query_translation import QueryTranslator
from knowledge.retrieval import Retriever, open_retriever

WEIGHTS = (0.2, 0.3, 0.4)


def main() -> None:
    out_path = Path(sys.argv[1])
    sets = [Path(p) for p in sys.argv[2:]]
    settings = Settings()
    translator = QueryTranslator(settings.retrieval.dictionary_dir)
    rows: list[dict[str, object]] = []
    with open_retriever(settings) as base:
        variants = {
            f"all@{w}": Retriever(
                base._store,
                base._embedder,
                base.settings.model_copy(update={"translated_sparse_weight": w}),
                hubs=base._hubs,
                translator=translator,
            )
            for w in WEIGHTS
        }
        understander = build_understander(settings, base)
        done = 0
        for path in sets:
            tags = language_tags(path)
            for q in load_questions(path):
                if not q.expected or not q.question:
                    continue
                searched = understander.understand(q.question, tenant=q.tenant).search
                ranked = {}
                for name, retriever in {"base": base, **variants}.items():
                    hits = retriever.search(
                        searched.text, tenant=q.tenant, k=10, language=searched.language
                    )
                    ranked[name] = [h.doc_id for h in hits]
                translated = (
                    translator.translate(searched.text, searched.language)
                    if searched.language
                    else []
                )
                rows.append(
                    {
                        "set": path.stem,
                        "id": q.id,
                        "tenant": q.tenant,
                        "expected": q.expected,
                        "tag": tags.get(q.id, ""),
                        "words_language": searched.language,
                        "translation": translated,
                        "ranked": ranked,
                    }
                )
                done += 1
                if done % 100 == 0:
                    print(done, file=sys.stderr, flush=True)
    out_path.write_text(json.dumps(rows, ensure_ascii=False))
    summarise(rows)


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summarise(json.loads(Path(sys.argv[2]).read_text()))
    else:
        main()
