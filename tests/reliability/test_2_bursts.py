"""Bursts: 30 simultaneous messages from one sender, and 100 concurrent conversations.

Every accepted message must be processed and stored exactly once, in order (counted in the
tracker store, the SQLite ``events`` table), and answered without a technical apology.
"""
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import requests

from tests.reliability import report
from tests.reliability.harness import new_id, polite_problem, reply_texts, technical, wait_until

SAME_SENDER_BURST = 30
CONVERSATIONS = 100
CONVERSATION = ["西城国企的房子房租能免吗", "那密云呢", "电话多少"]


def raw_burst(port: int, sender: str, messages: List[str], gap: float = 0.01,
              timeout: float = 90) -> List[Tuple[int, str]]:
    """Open one connection per message first, then write the requests in order, ``gap`` seconds
    apart (so their order of arrival is defined), then read every answer."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=timeout) for _ in messages]
    try:
        for sock, message in zip(socks, messages):
            body = json.dumps({"sender": sender, "message": message}, ensure_ascii=False).encode("utf-8")
            sock.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body)
            time.sleep(gap)
        answers = []
        for sock in socks:
            data = b""
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    head, _, rest = data.partition(b"\r\n\r\n")
                    length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")]
                    if length and len(rest) >= length[0]:
                        break
            except socket.timeout:
                pass
            head, _, rest = data.partition(b"\r\n\r\n")
            status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
            answers.append((status, rest.decode("utf-8", "replace")))
        return answers
    finally:
        for sock in socks:
            sock.close()


def test_30_simultaneous_messages_from_one_sender(live):
    sender = new_id("burst-one")
    messages = [f"第{i + 1:02d}问：西城区房租减免怎么申请" for i in range(SAME_SENDER_BURST)]
    answers = raw_burst(live.rasa_port, sender, messages)

    def stored() -> List[str]:
        return [t for t in live.user_texts(sender) if t in messages]

    wait_until(lambda: len(stored()) >= len(messages), timeout=30, step=0.5)
    texts = stored()
    lost = sum(1 for m in messages if texts.count(m) == 0)
    duplicated = sum(1 for m in messages if texts.count(m) > 1)
    problems = []
    apologies = 0
    for message, (status, body) in zip(messages, answers):
        if status != 200:
            problems.append(f"{message}: HTTP {status} {body[:100]!r}")
            continue
        try:
            replies = json.loads(body)
        except ValueError:
            replies = body
        why = polite_problem(replies)
        if why:
            apologies += isinstance(replies, list) and technical(reply_texts(replies))
            problems.append(f"{message}: {why}")
    report.TURNS["30 simultaneous messages from one sender"] = {
        "sent": len(messages), "lost": lost, "duplicated": duplicated, "apologies": apologies}
    assert lost == 0 and duplicated == 0, f"{lost} of {len(messages)} turns lost, {duplicated} duplicated"
    assert texts == messages, f"stored out of order: {[m[:4] for m in texts]}"
    # every stored turn was processed: the bot answered it before the next user turn
    (sender_id,) = live.sender_ids(sender)
    kinds = [t for _, t, _ in live.events(sender_id) if t in ("user", "bot")]
    unanswered = sum(1 for a, b in zip(kinds, kinds[1:] + ["user"]) if a == "user" and b != "bot")
    assert unanswered == 0, f"{unanswered} stored turns without a bot answer"
    assert not problems, f"{len(problems)} of {len(messages)} answers not polite: " + "; ".join(problems[:5])


def test_100_concurrent_conversations(live):
    senders = [new_id(f"crowd{i:03d}") for i in range(CONVERSATIONS)]

    def converse(sender: str) -> List[Tuple[int, str]]:
        out = []
        with requests.Session() as session:
            for message in CONVERSATION:
                try:
                    r = session.post(f"{live.rasa_url}/webhooks/rest/webhook",
                                     json={"sender": sender, "message": message}, timeout=60)
                    out.append((r.status_code, reply_texts(r.json()) if r.status_code == 200 else r.text))
                except requests.RequestException as exc:
                    out.append((0, str(exc)))
        return out

    started = time.time()
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        results = list(pool.map(converse, senders))
    elapsed = time.time() - started
    sent = len(senders) * len(CONVERSATION)

    def stored(sender: str) -> List[str]:
        return live.user_texts(sender)

    wait_until(lambda: sum(len(stored(s)) for s in senders) >= sent, timeout=20, step=0.5)
    lost = duplicated = 0
    order_problems = []
    for sender in senders:
        texts = stored(sender)
        lost += sum(1 for m in CONVERSATION if texts.count(m) == 0)
        duplicated += sum(1 for m in CONVERSATION if texts.count(m) > 1)
        if texts != CONVERSATION and len(order_problems) < 3:
            order_problems.append(f"{sender}: {texts}")
    failed = [(s, r) for s, res in zip(senders, results) for r in res if r[0] != 200]
    apologies = [(s, r) for s, res in zip(senders, results) for r in res if r[0] == 200 and technical(r[1])]
    context_lost = [s for s, res in zip(senders, results) if len(res) == 3 and "69087226" not in res[2][1]]
    report.TURNS[f"{CONVERSATIONS} concurrent conversations"] = {
        "sent": sent, "lost": lost, "duplicated": duplicated, "apologies": len(apologies)}
    report.NOTES.append(f"{CONVERSATIONS} concurrent conversations: {sent} turns in {elapsed:.1f} s")
    assert lost == 0 and duplicated == 0, f"{lost} of {sent} turns lost, {duplicated} duplicated: {order_problems}"
    assert not order_problems, order_problems
    assert not failed, f"{len(failed)} requests failed: {failed[:3]}"
    assert not apologies, f"{len(apologies)} technical apologies: {apologies[:3]}"
    assert not context_lost, f"{len(context_lost)} conversations lost their context, e.g. {context_lost[:3]}"
