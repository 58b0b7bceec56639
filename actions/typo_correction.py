"""Homophone typos and pinyin typed for the knowledge base's own words, with pypinyin.

Chinese input methods produce typos of one kind above all: a character that sounds the same
("培训补帖" for 培训补贴, "房祖" for 房租). Users on a phone also type a term in pinyin ("fangzu").
Both are put back to the KB term they stand for, and nothing else is touched:

- a run of three or more of the question's characters is replaced only when it sounds exactly
  like one KB term (pinyin without tones), differs from it in one character, starts and ends at
  word boundaries of the tokenizer, and is not itself a word of its dictionary (so 公式 is never
  "corrected" to 公示, nor 急需贷款 to 急续贷款);
- a run of Latin letters is replaced only when it spells one KB term's pinyin.

The KB terms are ``text_tools.kb_terms`` (measure keywords, synonyms, units, …), so a curator's new
keyword is corrected too. One index per loaded KB object.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from pypinyin import Style, lazy_pinyin

from actions.knowledge_base import KnowledgeBase
from actions.text_tools import kb_terms

MIN_TERM = 2  # syllables of a term typed in pinyin
MIN_HOMOPHONE = 3  # characters: two-character homophones are too often other real words (找人/招人)
MAX_TERM = 6
HAN = re.compile(r"[\u4e00-\u9fff]+")
LATIN_RUN = re.compile(r"[a-z]{4,40}")


def sounds(text: str) -> Tuple[str, ...]:
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


class TypoIndex:
    def __init__(self, kb: KnowledgeBase) -> None:
        from actions.retrieval import retriever_for

        self.tokenizer = retriever_for(kb).tokenizer
        self.words = self.tokenizer.FREQ  # the tokenizer's dictionary, with the KB terms
        by_sound: Dict[Tuple[str, ...], List[str]] = {}
        for term in kb_terms(kb):
            if MIN_TERM <= len(term) <= MAX_TERM and HAN.fullmatch(term):
                by_sound.setdefault(sounds(term), []).append(term)
        self.by_sound = {k: v[0] for k, v in by_sound.items() if len(v) == 1}  # one term per sound only
        self.by_spelling = {"".join(k): v for k, v in self.by_sound.items() if len(k) >= MIN_TERM}

    def _is_word(self, text: str) -> bool:
        return self.words.get(text, 0) > 0

    def correct(self, text: str) -> str:
        text = LATIN_RUN.sub(lambda m: self.by_spelling.get(m.group(0), m.group(0)), text)
        return HAN.sub(lambda m: self._correct_run(m.group(0)), text)

    def _correct_run(self, run: str) -> str:
        if len(run) < MIN_HOMOPHONE:
            return run
        readings = [sounds(ch) or ("",) for ch in run]
        bounds, at = {0}, 0
        for word in self.tokenizer.cut(run, HMM=False):
            at += len(word)
            bounds.add(at)
        out, i = [], 0
        while i < len(run):
            fix = self._fix_at(run, readings, i, bounds)
            if fix:
                out.append(fix)
                i += len(fix)
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    def _fix_at(self, run: str, readings: List[Tuple[str, ...]], i: int, bounds: set) -> Optional[str]:
        for n in range(min(MAX_TERM, len(run) - i), MIN_HOMOPHONE - 1, -1):
            if i not in bounds or i + n not in bounds:
                continue  # a piece across words ("急需|贷款" holds 需贷, which sounds like 续贷)
            piece = run[i : i + n]
            term = self.by_sound.get(tuple(r[0] for r in readings[i : i + n]))
            if term is None:
                continue
            if term == piece:
                return piece  # already the term: keep it whole
            differing = sum(1 for a, b in zip(piece, term) if a != b)
            if differing == 1 and not self._is_word(piece):
                return term
        return None


_INDEXES: Dict[int, TypoIndex] = {}


def correct_typos(kb: KnowledgeBase, text: str) -> str:
    """The question with homophone typos and pinyin of KB terms replaced by the terms."""
    key = id(kb)
    if key not in _INDEXES:
        _INDEXES.clear()
        _INDEXES[key] = TypoIndex(kb)
    return _INDEXES[key].correct(text)
