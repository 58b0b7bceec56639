"""Performance benchmark over REST on this machine (loopback only, bounded in count and time).

    python -m tests.benchmarks.bench [--messages 400] [--turns 500] [--no-scaled] [--train]

Prints the machine and its load, then:

* embedded default (one Rasa process, SQLite): cold start, reply latency p50/p95/max at 1 and 20
  concurrent conversations (closed loop, no think time: a stress figure) and 20 conversations with
  1 s think time (what users do), throughput, errors, peak memory;
* turn 10 vs turn 500: two conversations of ``--turns`` + 10 turns each, p50 over turns 1-20 and
  over the last 20 (the same ten messages in both windows);
* CPU per message, sequentially: a policy question vs a greeting answered by a rule, Rasa server
  and action server (ms of user+system CPU per message);
* scaled (PostgreSQL + Redis lock store + nginx, ``bot/local_stack.py``): 1 and 2 replicas at 20 and
  100 concurrent conversations: messages/s, p50/p95, errors, CPU ms per message of every process
  (replicas, action server, PostgreSQL, Redis, nginx, the load generator itself), peak memory.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

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


def load(url: str, conversations: int, per_conversation: int, think: float,
         tag: str = "") -> Tuple[List[float], int, float]:
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
                sender = f"bench{tag}-{conversations}-{think}-{i}-{j // CONVERSATION_LENGTH}"
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
    return peak_mb([int(pid) for pid in out])


def report(name: str, latencies: List[float], errors: int, seconds: float) -> None:
    print(f"  {name:<34} n={len(latencies):<4} p50={percentile(latencies, 50):6.0f} ms  "
          f"p95={percentile(latencies, 95):6.0f} ms  max={max(latencies):6.0f} ms  "
          f"throughput={len(latencies) / seconds:5.1f}/s  errors={errors}")


LONG_MESSAGES = ["西城区房租减免怎么申请", "电话多少", "那密云呢", "需要什么条件", "培训补贴能补多少",
                 "怎么申请", "贷款贴息有哪些", "谢谢", "一共40个人，裁了3个", "你好"]
CLK = os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    load1, load5, _ = os.getloadavg()
    return (f"{cpu}, {os.cpu_count()} cores, {int(mem) / 1048576:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average before start {load1:.2f} (1 min) {load5:.2f} (5 min); "
            f"{time.strftime('%Y-%m-%d %H:%M')}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK
    except (OSError, IndexError, ValueError):
        return 0.0


def children(pid: int) -> List[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return out


def tree(pid: int) -> List[int]:
    return [pid] + children(pid)


def peak_mb(pids: List[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def pid_with_port(url: str) -> int:
    """The server process started with ``--port`` of ``url`` (tests/servers.py starts them so)."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    out = subprocess.run(["pgrep", "-f", "--", f"--port {port}$"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else 0


def say(url: str, sender: str, text: str) -> float:
    t0 = time.perf_counter()
    r = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
    r.raise_for_status()
    return (time.perf_counter() - t0) * 1000


def long_conversations(url: str, turns: int, n: int = 2, rasa_pid: int = 0) -> None:
    """Turn 10 vs turn ``turns``, under the same load: ``n`` conversations are first taken to turn
    ``turns - 10``; then their turns ``turns-9 .. turns+10`` alternate with turns 1-20 of ``n`` new
    conversations (same ten messages in both), so a change in the machine's load hits both alike.
    Wall-clock p50 and the Rasa server's CPU per turn for both windows."""
    t0 = time.time()
    old = [f"bench-long-{c}-{int(t0)}" for c in range(n)]
    new = [f"bench-short-{c}-{int(t0)}" for c in range(n)]
    for sender in old:
        for t in range(turns - 10):
            say(url, sender, LONG_MESSAGES[t % len(LONG_MESSAGES)])
    early, late, cpu = [], [], {"early": 0.0, "late": 0.0}
    for k in range(20):
        for a, b in zip(old, new):
            for sender, turn, out, key in ((a, turns - 10 + k, late, "late"), (b, k, early, "early")):
                c0 = cpu_seconds(rasa_pid)
                out.append(say(url, sender, LONG_MESSAGES[turn % len(LONG_MESSAGES)]))
                cpu[key] += cpu_seconds(rasa_pid) - c0
    ratio = percentile(late, 50) / percentile(early, 50)
    per = 1000 / len(early)
    print(f"  turn 10 vs turn {turns} ({n} conversations of {turns + 10} turns; the last 20 turns interleaved with "
          f"turns 1-20 of {n} new ones; {time.time() - t0:.0f} s):")
    print(f"    turns 1-20 (around 10)      p50={percentile(early, 50):5.0f} ms  p95={percentile(early, 95):5.0f} ms"
          f"  Rasa CPU {cpu['early'] * per:5.1f} ms/turn")
    print(f"    turns {turns - 9}-{turns + 10} (around {turns})  p50={percentile(late, 50):5.0f} ms  "
          f"p95={percentile(late, 95):5.0f} ms  Rasa CPU {cpu['late'] * per:5.1f} ms/turn   "
          f"ratio of p50s {ratio:.2f} (goal <= 1.25)")


def cpu_per_message(url: str, procs: Dict[str, int], rounds: int = 8, batch: int = 10) -> None:
    """Sequential: CPU ms per message of each process, policy question vs rule-only greeting.
    Batches of ``batch`` messages alternate between the two kinds, ``rounds`` times, so a change in
    the machine's load hits both alike; the median batch is printed with the range."""
    policy = [LONG_MESSAGES[0], "培训补贴能补多少", "贷款贴息有哪些", "密云区房租减免"]
    kinds = ("policy question", "greeting (rule, no action)")
    used: Dict[str, Dict[str, List[float]]] = {k: {p: [] for p in procs} for k in kinds}
    walls: Dict[str, List[float]] = {k: [] for k in kinds}
    t0 = time.perf_counter()
    for r in range(rounds):
        for kind in kinds if r % 2 == 0 else reversed(kinds):
            before = {p: cpu_seconds(pid) for p, pid in procs.items()}
            w0 = time.perf_counter()
            for i in range(batch):
                if kind == kinds[1]:  # a new conversation each time: no action at all
                    say(url, f"bench-cpu-greet-{r}-{i}-{t0}", "你好")
                else:  # policy questions in 10-turn conversations
                    say(url, f"bench-cpu-policy-{r}-{t0}", policy[i % len(policy)])
            walls[kind].append((time.perf_counter() - w0) * 1000 / batch)
            for p, pid in procs.items():
                used[kind][p].append((cpu_seconds(pid) - before[p]) * 1000 / batch)
    for kind in kinds:
        print(f"    {kind:<28} " + "  ".join(
            f"{p} {percentile(v, 50):5.1f} ms ({min(v):.1f}-{max(v):.1f})" for p, v in used[kind].items())
            + f"  (wall {percentile(walls[kind], 50):.0f} ms; median of {rounds} batches of {batch})")


def scaled(messages: int) -> None:
    from bot.local_stack import Stack

    with tempfile.TemporaryDirectory(prefix="bench-scaled-") as work:
        t0 = time.time()
        with Stack(Path(work), replicas=1, action_servers=1) as stack:
            print(f"  scaled stack up in {time.time() - t0:.0f} s (PostgreSQL, Redis, nginx, 1 action server)")
            url = f"{stack.url}/webhooks/rest/webhook"
            for r in (1, 2):
                if r == 2:
                    stack.add_replica()
                for k in range(len(stack.rasa_ports)):
                    for text in LONG_MESSAGES[:7]:
                        say(f"http://127.0.0.1:{stack.rasa_ports[k]}/webhooks/rest/webhook", f"bench-warm-{r}-{k}", text)
                for conc in (20, 100):
                    per = max(2, messages // conc)
                    pids = stack.pids()
                    groups = {name: (tree(pid) if name in ("postgres", "nginx") else [pid]) for name, pid in pids.items()}
                    before = {name: sum(cpu_seconds(p) for p in ps) for name, ps in groups.items()}
                    me0 = time.process_time()
                    lat, errors, seconds = load(url, conc, per, 0, tag=f"-s{r}")
                    me = (time.process_time() - me0) * 1000 / max(1, len(lat))
                    groups = {name: (tree(pid) if name in ("postgres", "nginx") else [pid]) for name, pid in pids.items()}
                    used = {name: (sum(cpu_seconds(p) for p in ps) - before[name]) * 1000 / max(1, len(lat))
                            for name, ps in groups.items()}
                    report(f"{r} replica{'s' if r > 1 else ''}, {conc} concurrent", lat, errors, seconds)
                    print("      CPU ms/message: " + ", ".join(f"{n} {v:.1f}" for n, v in sorted(used.items()))
                          + f", load generator {me:.1f}")
            pids = stack.pids()
            print("  peak memory (MB): " + ", ".join(
                f"{n} {peak_mb(tree(pid) if n in ('postgres', 'nginx') else [pid]):.0f}" for n, pid in sorted(pids.items())))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--turns", type=int, default=500, help="length of the long conversations")
    parser.add_argument("--no-scaled", action="store_true", help="skip PostgreSQL/Redis/nginx replicas")
    parser.add_argument("--train", action="store_true", help="also time a full training run (about 3 min)")
    args = parser.parse_args(argv)
    print(f"Benchmark (REST over loopback) on {machine()}")
    print("  the load generator, the servers and (scaled) PostgreSQL, Redis and nginx all share these cores")
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
            # by port: other Rasa processes on a shared machine are not ours
            print(f"  peak memory: Rasa server {peak_mb([pid_with_port(s.rasa_url)]):.0f} MB, "
                  f"action server {peak_mb([pid_with_port(s.actions_url)]):.0f} MB")
            long_conversations(url, args.turns, rasa_pid=pid_with_port(s.rasa_url))
            print("  CPU per message, sequential (user+system):")
            procs = {"Rasa server": pid_with_port(s.rasa_url), "action server": pid_with_port(s.actions_url)}
            cpu_per_message(url, procs)
    if not args.no_scaled:
        print("Scaled: nginx round robin -> Rasa replicas (PostgreSQL tracker store, Redis lock store), "
              "closed loop, no think time")
        scaled(args.messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
