"""Chinese text handling shared by retrieval and the bot: normalisation, KB vocabulary, jieba.

The jieba user dictionary is generated from the knowledge base (titles, keywords, units,
offices, persons, industries, topic keywords, synonyms), so new KB terms are tokenised as words
without editing code. ``write_user_dictionary`` writes the same terms to a file for Rasa's
JiebaTokenizer.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Iterable, List, Set

import jieba
import opencc

from actions.knowledge_base import KnowledgeBase

jieba.setLogLevel(60)

STOPWORDS = set(
    "的 了 吗 呢 啊 吧 呀 哦 嘛 么 我 我们 你 你们 您 他 她 它 这 那 那个 这个 是 有 没有 在 和 与 及 或 就 都 也 还 又 "
    "请问 请 问 想 想问 问下 问一下 一下 下 能 能不能 可以 可不可以 怎么 怎么样 如何 什么 啥 哪些 哪个 多少 几 吗? 咋 "
    "要 需要 给 对 把 被 让 个 些 一 一些 公司 企业 单位 老板 有个 现在 今年 这边 那边 上 中 里 吧 呗 哈 嗯 "
    "okay ok hi hello the a is to".split()
)
_PUNCT = re.compile(r"[\s\u3000\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapse whitespace; keeps Chinese as is."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", text).strip().lower()


MAX_QUESTION_CHARS = 500
# No figure a user gives is longer than this; longer runs of digits or numerals are cut so that the
# number patterns downstream cost the same on 1,000 digits as on a real amount.
MAX_NUMBER_CHARS = 24
_LONG_NUMBER = re.compile(
    r"([\d零一二两三四五六七八九十百千万亿.,，]{%d})[\d零一二两三四五六七八九十百千万亿.,，]+" % MAX_NUMBER_CHARS
)
_T2S = opencc.OpenCC("t2s")
_MARKUP = re.compile(r"<[^>]{0,200}>")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC), so 減免 and 减免 are the same word. Lone
    surrogates (invalid Unicode) are replaced first: OpenCC cannot encode them."""
    return _T2S.convert(re.sub("[\ud800-\udfff]", "\ufffd", text or ""))


def clean_question(text: str) -> str:
    """What the pipeline reads: no markup, simplified, NFKC, lower case, at most 500 characters,
    no number longer than ``MAX_NUMBER_CHARS``."""
    text = normalize(to_simplified(_MARKUP.sub(" ", (text or "")[: MAX_QUESTION_CHARS * 4])))
    return _LONG_NUMBER.sub(r"\1", text)[:MAX_QUESTION_CHARS]


def compact(text: str) -> str:
    """Text with all whitespace removed (source documents break words with spaces/newlines)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def kb_terms(kb: KnowledgeBase) -> Set[str]:
    """Domain words the tokenizer must keep whole."""
    terms: Set[str] = set()
    tax = kb.taxonomy
    for spec in tax.topics.values():
        terms.update(spec.get("keywords") or [])
        terms.add(spec["label"])
    for canon, variants in tax.synonyms.items():
        terms.add(canon)
        terms.update(variants)
    for spec in tax.facts.values():
        terms.update(spec.get("values") or [])
    for m in kb:
        terms.update(m.keywords)
        terms.update(m.industries)
        terms.update(m.responsible_units)
        for c in m.contacts:
            terms.add(c["unit"])
            if c.get("office"):
                terms.add(c["office"])
            terms.update(c.get("persons") or [])
    terms.update(d.district for d in kb.documents.values())
    return {t.strip() for t in terms if t and 2 <= len(t.strip()) <= 20 and " " not in t.strip()}


def make_tokenizer(kb: KnowledgeBase) -> jieba.Tokenizer:
    """A private jieba tokenizer (the global one is left alone) with the KB terms added."""
    tok = jieba.Tokenizer()
    for term in sorted(kb_terms(kb)):
        tok.add_word(term, freq=20000)
    return tok


def write_user_dictionary(kb: KnowledgeBase, path: Path) -> int:
    """Write the KB terms as a jieba user dictionary file; returns the number of terms."""
    terms = sorted(kb_terms(kb))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{t} 20000 n\n" for t in terms), encoding="utf-8")
    return len(terms)


def tokens(tok: jieba.Tokenizer, text: str) -> List[str]:
    """Content tokens: jieba words without stopwords, punctuation or whitespace, plus every longer
    dictionary word inside the text that the chosen segmentation split ("再贷款" in "再贷款贴息")."""
    text = normalize(text)
    out = []
    for word in tok.lcut(text):
        word = _PUNCT.sub("", word)
        if word and word not in STOPWORDS:
            out.append(word)
    chosen = set(out)
    for word in tok.lcut(text, cut_all=True):
        word = _PUNCT.sub("", word)
        if len(word) >= 3 and word not in chosen and word not in STOPWORDS:
            out.append(word)
            chosen.add(word)
    return out


def char_bigrams(text: str) -> List[str]:
    """Overlapping character pairs of the Chinese/alphanumeric runs (robust to typos and splits)."""
    out = []
    for run in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", normalize(text)):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def expand_synonyms(text: str, synonyms: dict) -> str:
    """Append the canonical form of every short form found in the text (国企 → 区属国有企业)."""
    text = normalize(text)
    extra = []
    for canon, variants in synonyms.items():
        # a short form inside another canonical term is part of that term (培训补贴 in 稳岗培训补贴)
        rest = text
        for other in synonyms:
            if other != canon and len(other) > 2 and other.lower() in rest:
                rest = rest.replace(other.lower(), "|")
        if any(v and v.lower() in rest for v in variants) and canon not in text:
            extra.append(canon)
    return text + (" " + " ".join(extra) if extra else "")


def detect_values(text: str, values: Iterable[str], synonyms: dict) -> List[str]:
    """Canonical values (e.g. districts) named in the text, by canonical form or short form."""
    text = normalize(text)
    found = []
    for value in values:
        forms = [value] + list(synonyms.get(value, []))
        if any(f and f.lower() in text for f in forms):
            found.append(value)
    return found
