"""Performance benchmark over REST on this machine (loopback only, bounded in count and time).

    python -m tests.benchmarks.bench [--messages 200] [--train]

Prints: cold start, reply latency p50/p95/max at 1 and 20 concurrent conversations (closed loop,
no think time: a stress figure) and 20 conversations with 1 s think time (what users do),
throughput, errors, peak memory of both servers, model size and (with --train) training time.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Tuple

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.servers import MODEL, running_servers  # noqa: E402

QUESTIONS = Path(__file__).with_name("retrieval_questions.yml")
FOLLOW_UPS = ["电话多少", "怎么申请", "那密云呢", "需要什么条件", "谢谢"]
MAX_SECONDS = 240
CONVERSATION_LENGTH = 6   # messages per conversation before a new user starts one


def messages(n: int, seed: int = 7) -> List[str]:
    qs = [q["q"] for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]]
    rnd = random.Random(seed)
    out = []
    while len(out) < n:
        out.append(rnd.choice(qs))
        if rnd.random() < 0.4:
            out.append(rnd.choice(FOLLOW_UPS))
    return out[:n]


def percentile(values: List[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def load(url: str, conversations: int, per_conversation: int, think: float) -> Tuple[List[float], int, float]:
    latencies: List[float] = []
    errors = [0]
    lock = threading.Lock()
    texts = messages(conversations * per_conversation)
    deadline = time.time() + MAX_SECONDS

    def user(i: int) -> None:
        session = requests.Session()
        if think:
            time.sleep(random.uniform(0, think))  # users arrive spread out, not all in the same instant
        for j in range(per_conversation):
            if time.time() > deadline:
                return
            text = texts[i * per_conversation + j]
            t0 = time.perf_counter()
            try:
                sender = f"bench-{conversations}-{think}-{i}-{j // CONVERSATION_LENGTH}"
                r = session.post(url, json={"sender": sender, "message": text}, timeout=30)
                ok = r.status_code == 200 and r.json()
            except requests.RequestException:
                ok = False
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                errors[0] += 0 if ok else 1
            if think:
                time.sleep(think * random.uniform(0.5, 1.5))

    start = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(conversations)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def peak_rss_mb(pattern: str) -> float:
    """Peak resident memory (VmHWM) of the processes whose command line contains ``pattern``."""
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    total = 0.0
    for pid in out:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def report(name: str, latencies: List[float], errors: int, seconds: float) -> None:
    print(f"  {name:<34} n={len(latencies):<4} p50={percentile(latencies, 50):6.0f} ms  "
          f"p95={percentile(latencies, 95):6.0f} ms  max={max(latencies):6.0f} ms  "
          f"throughput={len(latencies) / seconds:5.1f}/s  errors={errors}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--train", action="store_true", help="also time a full training run (about 3 min)")
    args = parser.parse_args(argv)
    print("Benchmark (REST over loopback, 2 cores)")
    if args.train:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.time()
            subprocess.run([str(Path(sys.executable).parent / "rasa"), "train", "--domain", "bot/domain.yml",
                            "--data", "data", "--config", "bot/config.yml", "--out", out, "--force", "--quiet"],
                           cwd=ROOT, check=True, capture_output=True)
            print(f"  training time                      {time.time() - t0:.0f} s")
    print(f"  model size                         {MODEL.stat().st_size / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as work:
        t0 = time.time()
        with running_servers(Path(work)) as s:
            url = f"{s.rasa_url}/webhooks/rest/webhook"
            s.say("bench-cold", "你好")
            print(f"  cold start (both servers to first reply) {time.time() - t0:.1f} s")
            for text in ("你好", "西城区房租减免", "电话多少", "那密云呢", "培训补贴能补多少", "算了", "转人工"):
                s.say("bench-warm", text)  # first use of each code path loads lazily; not what users see
            n = args.messages
            report("1 conversation", *load(url, 1, n // 2, 0))
            report("20 concurrent, no think time", *load(url, 20, max(1, n // 20), 0))
            report("20 concurrent, ~1 s think time", *load(url, 20, max(1, n // 20), 1.0))
            print(f"  peak memory: Rasa server {peak_rss_mb('rasa run --model'):.0f} MB, "
                  f"action server {peak_rss_mb('bot.action_server'):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
