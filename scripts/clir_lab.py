"""Lab (issue 13, session 11): dictionary query translation as a German BM25 signal.

Compares, per question language, today's product search (``searched_as_the_bot``) with the
same document fusion whose BM25 signal searches the question's words translated into German
by FreeDict dictionaries (knowledge/bilingual_dictionary.py). Run from the worktree root:

    PYTHONPATH=$PWD GOVBOT_DATA_DIR=… python scripts/clir_lab.py OUT.json SET.jsonl …

Variants: translation scheme (first sense / all senses weighted 1/n) × BM25 weight.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from bot.assistant import build_understander
from bot.settings import Settings
from eval.retrieval import load_questions, recall_at, reciprocal_rank
from knowledge.bilingual_dictionary import BilingualDictionary
from knowledge.document_fusion import FusionWeights, fuse_documents
from knowledge.hubness import discount
from knowledge.models import CARD_SECTION
from knowledge.query_translation import QueryTranslator, lookup_key
from knowledge.retrieval import aggregate_documents, open_retriever

DICT_DIR = Path("/usr/share/dictd")


def translators() -> dict[str, QueryTranslator]:
    """Scheme name -> translator; uk is read with the Russian dictionary (neighbour language)."""
    started = time.time()
    out = {"first": QueryTranslator(DICT_DIR, max_senses=1), "all": QueryTranslator(DICT_DIR)}
    for translator in out.values():
        for lang in translator.languages():
            translator.dictionary(lang)
        translator._loaded["uk"] = BilingualDictionary.backward(
            DICT_DIR / "freedict-deu-rus", key=lookup_key("uk")
        )
    print(
        "dictionaries", sorted(out["all"]._loaded), f"{time.time() - started:.0f}s", file=sys.stderr
    )
    return out


def main() -> None:
    out_path = Path(sys.argv[1])
    sets = [Path(p) for p in sys.argv[2:]]
    settings = Settings()
    schemes = translators()
    variants = [("first", 0.1), ("first", 0.2), ("all", 0.1), ("all", 0.2)]
    rows: list[dict[str, object]] = []
    with open_retriever(settings) as retriever:
        understander = build_understander(settings, retriever)
        encoder = retriever._sparse
        rs = retriever.settings
        for path in sets:
            tags = language_tags(path)
            for q in load_questions(path):
                if not q.expected or not q.question:
                    continue
                tag_lang = tags.get(q.id, "")
                understanding = understander.understand(q.question, tenant=q.tenant)
                searched = understanding.search
                base = retriever.search(
                    searched.text, tenant=q.tenant, k=10, language=searched.language
                )
                ranked = {"base": [h.doc_id for h in base]}
                lang = str(understanding.language)
                reader = retriever._reader()
                text = searched.text
                dense = retriever.passage_query_vector(text, tenant=q.tenant)
                own_sparse = encoder.query(text)
                lists = {}
                lists["dense"] = reader.search(
                    dense=dense,
                    sparse=own_sparse,
                    tenant=q.tenant,
                    limit=rs.candidates,
                    mode="dense",
                    candidates=rs.candidates,
                    weights=(rs.dense_weight, rs.sparse_weight),
                    rrf_k=rs.rrf_k,
                )
                if rs.hub_weight > 0:
                    hubs = retriever._hubs.get(reader, q.tenant)
                    lists["dense"] = discount(lists["dense"], hubs, weight=rs.hub_weight)
                written = retriever.sparse_weight(q.tenant, searched.language) > 0
                found: list[tuple[str, list[str]]] = []
                for scheme, weight in variants:
                    name = f"{scheme}@{weight}"
                    translator = schemes[scheme]
                    if lang not in translator._loaded or lang == "de":
                        ranked[name] = ranked["base"]
                        continue
                    found = translator.translate(q.question, lang)
                    sparse = translator.query(q.question, lang, encode=encoder.query)
                    if written:  # the question's own words meet pages in its language too
                        merged = dict(zip(*own_sparse, strict=True))
                        for i, v in zip(*sparse, strict=True):
                            merged[i] = max(merged.get(i, 0.0), v)
                        sparse = (list(merged), list(merged.values()))
                        weight = max(weight, rs.sparse_weight)
                    if not sparse[0]:
                        ranked[name] = ranked["base"]
                        continue
                    bm25 = reader.search(
                        dense=dense,
                        sparse=sparse,
                        tenant=q.tenant,
                        limit=rs.candidates,
                        mode="bm25",
                        candidates=rs.candidates,
                        weights=(rs.dense_weight, rs.sparse_weight),
                        rrf_k=rs.rrf_k,
                    )
                    fused = fuse_documents(
                        lists["dense"],
                        bm25,
                        weights=FusionWeights(
                            dense=rs.dense_weight, sparse=weight, card=rs.card_weight
                        ),
                        card_section=CARD_SECTION,
                    )
                    ranked[name] = [h.doc_id for h in aggregate_documents(fused, 10)]
                rows.append(
                    {
                        "set": path.stem,
                        "id": q.id,
                        "tenant": q.tenant,
                        "expected": q.expected,
                        "lang": lang,
                        "tag": tag_lang,
                        "words_language": searched.language,
                        "written": written,
                        "translation": found,
                        "ranked": ranked,
                    }
                )
    out_path.write_text(json.dumps(rows, ensure_ascii=False))
    summarise(rows)


def language_tags(path: Path) -> dict[str, str]:
    """Each case id of the set at ``path`` and its language (``tags.language``, else the
    file name's last part: integreat_train_fr → fr)."""
    tags = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            tags[case.get("id", "")] = (case.get("tags") or {}).get("language") or path.stem.rsplit(
                "_", 1
            )[-1]
    return tags


def summarise(rows: list[dict[str, object]]) -> None:
    groups: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        groups[(str(row["set"]), str(row["tag"]))].append(row)
    variants = list(rows[0]["ranked"])  # type: ignore[call-overload]
    print("set lang n | " + " | ".join(variants))
    for (name, lang), members in sorted(groups.items()):
        cells = []
        for v in variants:
            r5 = sum(recall_at(m["ranked"][v], m["expected"], 5) for m in members)  # type: ignore[index]
            mrr = sum(reciprocal_rank(m["ranked"][v], m["expected"]) for m in members) / len(
                members
            )  # type: ignore[index]
            cells.append(f"{r5:.1f} {r5 / len(members):.3f}/{mrr:.3f}")
        print(f"{name} {lang} {len(members)} | " + " | ".join(cells))


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summarise(json.loads(Path(sys.argv[2]).read_text()))
    else:
        main()
