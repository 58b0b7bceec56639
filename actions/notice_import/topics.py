"""Topics of a measure from the taxonomy's topic keywords (data-driven: edit taxonomy.yml, not code)."""

from __future__ import annotations

from typing import Dict, List


def topics_for(title: str, text: str, topics: Dict[str, Dict]) -> List[str]:
    scores = {}
    for tid, spec in topics.items():
        score = 0
        for kw in spec.get("keywords") or []:
            kw = str(kw)
            if not kw or kw.isascii():
                continue
            score += 3 * title.count(kw) + text.count(kw)
        if score:
            scores[tid] = score
    if not scores:
        return []
    top = max(scores.values())
    ranked = sorted(scores, key=lambda t: -scores[t])
    return [t for t in ranked if scores[t] >= max(2, top / 2)][:3] or ranked[:1]
