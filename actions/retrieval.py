"""Ranked retrieval of measures for a free-text Chinese question.

Two BM25 indexes over each measure's structured fields (titles and keywords weighted up):
jieba words with the KB user dictionary, and character bigrams for typos and odd splits.
Short forms are expanded from the taxonomy synonyms (国企 → 区属国有企业); a named district
narrows the ranking; topic keywords in the question favour measures of that topic.
Deterministic: equal scores keep KB order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from rank_bm25 import BM25Okapi

from actions.curation import best_match, example_key
from actions.knowledge_base import KnowledgeBase, Measure
from actions.text_tools import char_bigrams, detect_values, expand_synonyms, make_tokenizer, tokens

WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.35
TOPIC_BOOST = 0.25  # relative boost for measures whose topic the question names
OTHER_DISTRICT_FACTOR = 0.2  # measures of a district the question did not name
MIN_CONFIDENT_SCORE = 4.0  # below this the best hit is not trusted
MIN_COVERAGE = 0.34  # share of the question's content words found in the measure
EXAMPLE_BONUS = 100.0  # a question a curator attached to a measure (examples:) puts it first


@dataclass(frozen=True)
class Hit:
    measure: Measure
    score: float
    coverage: float

    @property
    def confident(self) -> bool:
        return self.score >= MIN_CONFIDENT_SCORE and self.coverage >= MIN_COVERAGE


def measure_document(m: Measure, topic_keywords: Dict[str, List[str]], topic_labels: Dict[str, str]) -> str:
    """The text indexed for a measure, with the most telling fields repeated."""
    parts = [m.title] * 3 + [m.summary] * 2 + [" ".join(m.keywords)] * 3 + list(m.examples)
    for t in m.topics:
        parts += [topic_labels.get(t, "")] * 2 + [" ".join(topic_keywords.get(t, []))]
    parts += [m.section, " ".join(m.industries) * 2, m.text, (m.eligibility or {}).get("text", "")]
    parts += [b["text"] for b in m.benefits]
    parts += list((m.application or {}).get("steps") or [])
    parts += m.responsible_units
    for c in m.contacts:
        parts += [c["unit"], c.get("office", ""), " ".join(c.get("persons") or []), c.get("item", "")]
    parts.append(m.district)
    return " ".join(p for p in parts if p)


class Retriever:
    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.measures: List[Measure] = list(kb)
        self.tokenizer = make_tokenizer(kb)
        tax = kb.taxonomy
        topic_keywords = {t: spec.get("keywords") or [] for t, spec in tax.topics.items()}
        topic_labels = {t: spec["label"] for t, spec in tax.topics.items()}
        docs = [expand_synonyms(measure_document(m, topic_keywords, topic_labels), tax.synonyms) for m in self.measures]
        self._word_docs = [tokens(self.tokenizer, d) for d in docs]
        self._vocab = [set(d) for d in self._word_docs]
        self._words = BM25Okapi(self._word_docs, b=0.3)
        self._bigrams = BM25Okapi([char_bigrams(d) for d in docs])
        self._topic_keywords = topic_keywords
        self._examples = [[example_key(e) for e in m.examples] for m in self.measures]

    def question_topics(self, question: str) -> List[str]:
        q = question.lower()
        return [t for t, kws in self._topic_keywords.items() if any(k.lower() in q for k in kws)]

    def search(
        self,
        question: str,
        district: Optional[str] = None,
        topic: Optional[str] = None,
        top_k: int = 3,
        documents: Optional[Sequence[str]] = None,
    ) -> List[Hit]:
        """Best measures for the question, best first; ``district``/``topic`` restrict the ranking."""
        tax = self.kb.taxonomy
        text = expand_synonyms(question, tax.synonyms)
        q_words = tokens(self.tokenizer, text)
        q_bigrams = char_bigrams(text)
        if not q_words and not q_bigrams:
            return []
        word_scores = self._words.get_scores(q_words) if q_words else [0.0] * len(self.measures)
        bigram_scores = self._bigrams.get_scores(q_bigrams) if q_bigrams else [0.0] * len(self.measures)
        named = detect_values(question, self.kb.districts, tax.synonyms)
        wanted_topics = set(tax.expand_topic(topic)) if topic else set(self.question_topics(text))
        allowed = {m.id for m in self.kb.filter(district=district, topic=topic)} if (district or topic) else None
        if documents:
            in_docs = {m.id for m in self.measures if m.document.id in documents}
            allowed = in_docs if allowed is None else allowed & in_docs

        hits = []
        unique_words = set(q_words)
        for i, m in enumerate(self.measures):
            if allowed is not None and m.id not in allowed:
                continue
            score = WORD_WEIGHT * word_scores[i] + BIGRAM_WEIGHT * bigram_scores[i]
            if wanted_topics & set(m.topics):
                score *= 1 + TOPIC_BOOST
            if named and not district and m.district not in named:
                score *= OTHER_DISTRICT_FACTOR
            coverage = len(unique_words & self._vocab[i]) / len(unique_words) if unique_words else 0.0
            if self._examples[i] and best_match(example_key(question), self._examples[i]) is not None:
                score, coverage = score + EXAMPLE_BONUS, 1.0
            hits.append(Hit(m, round(float(score), 4), round(coverage, 3)))
        hits.sort(key=lambda h: -h.score)
        return hits[:top_k]


_RETRIEVERS: Dict[int, Retriever] = {}


def retriever_for(kb: KnowledgeBase) -> Retriever:
    """One retriever per loaded KB object (rebuilt when the KB is reloaded)."""
    key = id(kb)
    if key not in _RETRIEVERS:
        _RETRIEVERS.clear()
        _RETRIEVERS[key] = Retriever(kb)
    return _RETRIEVERS[key]


def search(
    kb: KnowledgeBase, question: str, district: Optional[str] = None, topic: Optional[str] = None, top_k: int = 3
) -> Sequence[Hit]:
    return retriever_for(kb).search(question, district=district, topic=topic, top_k=top_k)
