"""Blind evaluation: the cases in tests/blind/*.yml, written from the three source notices alone,
asked over REST to the running bot and judged on the reply text; the same cases answered by plain
BM25 over the notices (top-1 and top-3 raw passages) for comparison.

    python -m tests.benchmarks.blind_eval                 # starts its own servers (date fixed below)
    python -m tests.benchmarks.blind_eval --url http://127.0.0.1:5005   # a bot already running
    python -m tests.benchmarks.blind_eval --only xc1-012 --show

Prints pass rates per kind and overall, the number of replies carrying a phone or email that is
not a contact of what was asked (counted separately), and writes every failure to
results/blind/failures.yml.
"""
from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Dict, List

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.blind_judge import judge_case, judge_turn  # noqa: E402

CASES_DIR = ROOT / "tests" / "blind"
OUT_DIR = ROOT / "results" / "blind"
EVAL_DATE = "2026-11-25"   # the date the cases were written for; the bot's clock is set to it


def load_cases(only: List[str] = ()) -> List[Dict]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            case["file"] = path.name
            cases.append(case)
    if only:
        cases = [c for c in cases if c["id"] in only]
    return cases


def bot_replies(url: str, case: Dict) -> List[str]:
    sender = f"blind-{case['id']}-{uuid.uuid4().hex[:8]}"
    replies = []
    for turn in case["turns"]:
        try:
            r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": turn["user"]}, timeout=60)
            messages = r.json() if r.ok else []
        except (requests.RequestException, ValueError) as exc:
            messages = [{"text": f"<error {exc}>"}]
        replies.append("\n".join(m.get("text") or "" for m in messages))
    return replies


def bm25_passages(k: int) -> Callable[[Dict], List[List[str]]]:
    """Plain BM25 over the notices cut at their article labels; the query is every user turn so far."""
    from actions.knowledge_base import load_kb
    from tests.benchmarks.retrieval_bench import baseline_ranker, raw_chunks
    kb = load_kb()
    chunks = raw_chunks(kb)
    rank = baseline_ranker(kb)

    def answer(case: Dict) -> List[List[str]]:
        said, out = "", []
        for turn in case["turns"]:
            said += " " + turn["user"]
            out.append([chunks[i] for i in rank(said)[:k]])
        return out
    return answer


def score_bm25(cases: List[Dict], k: int) -> int:
    """Cases where, for every turn, one of the top-k passages passes (contact exclusivity not judged)."""
    answer = bm25_passages(k)
    passed = 0
    for case in cases:
        ok = all(any(judge_turn(t, p, check_contacts=False).passed for p in passages)
                 for t, passages in zip(case["turns"], answer(case)))
        passed += ok
    return passed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running bot (default: start one with the clock at %s)" % EVAL_DATE)
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--show", action="store_true", help="print every reply")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    cases = load_cases(args.only)
    if args.url:
        results = run(args.url, cases, args.show)
    else:
        from tests.servers import running_servers
        with tempfile.TemporaryDirectory() as tmp, \
                running_servers(Path(tmp), env={"POLICY_TODAY": EVAL_DATE}) as servers:
            results = run(servers.rasa_url, cases, args.show)
    report(cases, results, args)
    return 0


def run(url: str, cases: List[Dict], show: bool) -> Dict[str, Dict]:
    results = {}
    start = time.time()
    for case in cases:
        replies = bot_replies(url, case)
        turns = judge_case(case, replies)
        results[case["id"]] = {"replies": replies, "turns": turns}
        if show:
            for t, reply, res in zip(case["turns"], replies, turns):
                mark = "PASS" if res.passed else "FAIL " + "; ".join(res.problems)
                print(f"--- {case['id']} [{case.get('kind')}] {t['user']}\n{reply}\n=> {mark}")
    results["_seconds"] = time.time() - start
    return results


def report(cases: List[Dict], results: Dict, args) -> None:
    seconds = results.pop("_seconds")
    by_kind, passed_kind = Counter(), Counter()
    wrong_replies, failures = 0, []
    for case in cases:
        res = results[case["id"]]
        ok = all(t.passed for t in res["turns"])
        by_kind[case.get("kind", "?")] += 1
        passed_kind[case.get("kind", "?")] += ok
        wrong_replies += sum(1 for t in res["turns"] if t.wrong_contacts)
        if not ok:
            failures.append({"id": case["id"], "kind": case.get("kind"), "ref": case.get("ref"),
                             "turns": [{"user": t["user"], "reply": r, "problems": j.problems}
                                       for t, r, j in zip(case["turns"], res["replies"], res["turns"])]})
    total, passed = len(cases), sum(passed_kind.values())
    turns = sum(len(c["turns"]) for c in cases)
    print(f"Blind set: {total} cases ({turns} turns) from {CASES_DIR.relative_to(ROOT)}; bot clock {EVAL_DATE}; "
          f"{platform.node()} {platform.machine()}, Python {platform.python_version()}, "
          f"{dt.datetime.now():%Y-%m-%d %H:%M}, {seconds:.0f} s")
    for kind in sorted(by_kind):
        print(f"  {kind:15s} {passed_kind[kind]:4d}/{by_kind[kind]:<4d} {passed_kind[kind] / by_kind[kind]:.3f}")
    print(f"  {'TOTAL':15s} {passed:4d}/{total:<4d} {passed / total:.3f}")
    print(f"  replies with a phone/email not a contact of what was asked: {wrong_replies} (of {turns} replies)")
    if not args.no_baseline and not args.only:
        for k in (1, 3):
            b = score_bm25(cases, k)
            print(f"  plain BM25 over the notices, top-{k} passages: {b}/{total} {b / total:.3f} "
                  f"(a case passes if one passage per turn has everything; contacts not judged)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "failures.yml").write_text(yaml.safe_dump(failures, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"  failures: {OUT_DIR.relative_to(ROOT)}/failures.yml")


if __name__ == "__main__":
    sys.exit(main())
