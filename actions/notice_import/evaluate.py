"""Leave-one-out evaluation: import each notice's raw text, then compare with its curated file.

    python -m actions.notice_import.evaluate [--kb policies_kb] [--show]

The importer sees only ``sources/<id>.txt`` and the taxonomy while drafting; the curated
``<id>.yml`` is read afterwards, for the comparison. Prints precision and recall per notice and
in total, the count of draft values not printed in their source (faithfulness rules), and the
machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from actions.knowledge_base import DEFAULT_KB_DIR, load_taxonomy
from actions.notice_import import checks, compare
from actions.notice_import.draft import draft_notice

NAMES = {
    "measures": "measures (label+title)",
    "phones": "phones",
    "emails": "emails",
    "persons": "persons",
    "units": "units",
    "attachment": "contact→measure/sub-item",
    "figures": "percentages & amounts",
    "responsible_units": "responsible units",
    "steps": "application steps",
}


def _pr(tp_d, n_d, tp_c, n_c):
    p = tp_d / n_d if n_d else 1.0
    r = tp_c / n_c if n_c else 1.0
    return p, r


def evaluate(kb_dir: Path):
    taxonomy = load_taxonomy(kb_dir)
    results = {}
    for source in sorted((kb_dir / "sources").glob("*.txt")):
        doc_id = source.stem
        curated_path = kb_dir / f"{doc_id}.yml"
        if not curated_path.is_file():
            continue
        text = source.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        draft = draft_notice(text, taxonomy, doc_id)  # drafting: source text + taxonomy only
        elapsed = time.perf_counter() - t0
        curated = compare.load_curated(curated_path)  # comparison: after drafting
        results[doc_id] = {
            "scores": compare.score(draft, curated, text),
            "unprinted": checks.unprinted(draft, text, taxonomy),
            "bad_spans": checks.bad_spans(draft, text),
            "seconds": elapsed,
            "n_measures": len(draft["measures"]),
        }
    return results


def totals(results):
    tot = {}
    for r in results.values():
        for cat, s in r["scores"].items():
            t = tot.setdefault(cat, dict(tp_draft=0, n_draft=0, tp_curated=0, n_curated=0))
            for k in t:
                t[k] += s[k]
    return tot


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m actions.notice_import.evaluate")
    ap.add_argument("--kb", default=str(DEFAULT_KB_DIR))
    ap.add_argument("--show", action="store_true", help="list every miss and every extra value")
    args = ap.parse_args(argv)
    results = evaluate(Path(args.kb))
    print(
        f"Leave-one-out import of {len(results)} notices ({', '.join(results)}); "
        f"machine: {platform.machine()} {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    header = f"{'':28s}" + "".join(f"{d:>20s}" for d in list(results) + ["total"])
    print(header)
    print(f"{'':28s}" + "".join(f"{'P / R':>20s}" for _ in list(results) + ["total"]))
    tot = totals(results)
    for cat in compare.CATEGORIES:
        row = f"{NAMES[cat]:28s}"
        for r in results.values():
            s = r["scores"][cat]
            p, rc = _pr(s["tp_draft"], s["n_draft"], s["tp_curated"], s["n_curated"])
            row += f"{p:>9.3f} / {rc:.3f} "
        t = tot[cat]
        p, rc = _pr(t["tp_draft"], t["n_draft"], t["tp_curated"], t["n_curated"])
        row += f"{p:>9.3f} / {rc:.3f} "
        print(row)
    row = f"{'values not printed in source':28s}" + "".join(f"{len(r['unprinted']):>20d}" for r in results.values())
    print(row + f"{sum(len(r['unprinted']) for r in results.values()):>20d}")
    row = f"{'spans not holding the value':28s}" + "".join(f"{len(r['bad_spans']):>20d}" for r in results.values())
    print(row + f"{sum(len(r['bad_spans']) for r in results.values()):>20d}")
    row = f"{'drafting time (s)':28s}" + "".join(f"{r['seconds']:>20.2f}" for r in results.values())
    print(row + f"{sum(r['seconds'] for r in results.values()):>20.2f}")
    untitled = {d: r["scores"]["measures"].get("titles_not_scored", 0) for d, r in results.items()}
    print(
        "Counts (right/found, right/curated): "
        + "; ".join(
            f"{cat} {tot[cat]['tp_draft']}/{tot[cat]['n_draft']}, {tot[cat]['tp_curated']}/{tot[cat]['n_curated']}"
            for cat in compare.CATEGORIES
        )
    )
    print(
        "Titles the curators wrote themselves (not printed, label scored alone): "
        + ", ".join(f"{d} {n}" for d, n in untitled.items())
    )
    if args.show:
        for doc_id, r in results.items():
            print(f"\n== {doc_id}")
            for cat, s in r["scores"].items():
                for x in s["missing"]:
                    print(f"  missing {cat}: {x}")
                for x in s["extra"]:
                    print(f"  extra   {cat}: {x}")
            for x in r["unprinted"]:
                print(f"  unprinted: {x}")
            for x in r["bad_spans"]:
                print(f"  bad span: {x}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
