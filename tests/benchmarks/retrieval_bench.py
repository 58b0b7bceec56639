"""Retrieval benchmark: hit@1, recall@3 and MRR of the KB retriever vs plain BM25 over the raw text.

    python -m tests.benchmarks.retrieval_bench [--show-misses]

The questions in retrieval_questions.yml are held out: never used as NLU training data.
The baseline splits each source text at its article labels and ranks the raw chunks with BM25
over default jieba tokens (no user dictionary, no synonyms, no structure).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable, Dict, List

import jieba
import yaml
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from actions.knowledge_base import load_kb  # noqa: E402
from actions.retrieval import Retriever  # noqa: E402
from actions.text_tools import STOPWORDS, normalize  # noqa: E402

QUESTIONS = Path(__file__).with_name("retrieval_questions.yml")
LABEL = re.compile(r"[(（]([一二三四五六七八九十]+)[)）]")
PREFIX = {"xc-2020-1": "xc1", "xc-2020-6": "xc6", "my-2020-25": "my25"}


def load_questions() -> List[Dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def raw_chunks(kb) -> Dict[str, str]:
    """Each document's raw text cut at its article labels (1st label → -01, ...)."""
    chunks = {}
    for doc in kb.documents.values():
        text = doc.source_text
        starts = [m.start() for m in LABEL.finditer(text)]
        # Keep only the first occurrence of each successive label number (the articles themselves).
        labels, kept = [], []
        for m in LABEL.finditer(text):
            if m.group(1) not in labels:
                labels.append(m.group(1))
                kept.append(m.start())
        starts = kept
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(text)
            chunks[f"{PREFIX.get(doc.id, doc.id)}-{i + 1:02d}"] = text[start:end]
    return chunks


def baseline_ranker(kb) -> Callable[[str], List[str]]:
    chunks = raw_chunks(kb)
    ids = list(chunks)
    tok = jieba.Tokenizer()

    def toks(t):
        return [w for w in tok.lcut(normalize(t)) if w.strip() and w not in STOPWORDS and not re.fullmatch(r"\W+", w)]

    bm25 = BM25Okapi([toks(chunks[i]) for i in ids])

    def rank(q: str) -> List[str]:
        scores = bm25.get_scores(toks(q))
        return [ids[i] for i in sorted(range(len(ids)), key=lambda i: -scores[i])]
    return rank


def kb_ranker(kb) -> Callable[[str], List[str]]:
    retriever = Retriever(kb)
    return lambda q: [h.measure.id for h in retriever.search(q, top_k=10)]


def evaluate(rank: Callable[[str], List[str]], questions: List[Dict]) -> Dict:
    hit1 = rec3 = rr = 0.0
    misses = []
    for item in questions:
        expected = set(item["expected"])
        ranked = rank(item["q"])
        hit1 += ranked[:1] and ranked[0] in expected
        rec3 += any(r in expected for r in ranked[:3])
        first = next((i for i, r in enumerate(ranked) if r in expected), None)
        rr += 1 / (first + 1) if first is not None else 0
        if not ranked or ranked[0] not in expected:
            misses.append((item["q"], item["expected"], ranked[:3]))
    n = len(questions)
    return {"hit@1": hit1 / n, "recall@3": rec3 / n, "MRR": rr / n, "misses": misses, "n": n}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    kb = load_kb()
    questions = load_questions()
    results = {"plain BM25 (raw text)": evaluate(baseline_ranker(kb), questions),
               "KB retriever": evaluate(kb_ranker(kb), questions)}
    print(f"Retrieval benchmark: {len(questions)} held-out questions, {len(kb)} measures")
    print(f"{'system':<24}{'hit@1':>8}{'recall@3':>10}{'MRR':>8}")
    for name, r in results.items():
        print(f"{name:<24}{r['hit@1']:>8.3f}{r['recall@3']:>10.3f}{r['MRR']:>8.3f}")
    if args.show_misses:
        for q, exp, got in results["KB retriever"]["misses"]:
            print(f"MISS {q!r}: expected {exp}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
