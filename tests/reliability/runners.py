"""Send one case of the bad-input corpus over its channel and judge the answer.

``run_case`` returns a list of problems (empty when the case passed). What is checked for every
case (liveness and the control users) lives in ``test_1_bad_inputs.py``.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any, Dict, List, Optional

import requests
import socketio

from tests.reliability import wechat_sim
from tests.reliability.bad_inputs import Case
from tests.reliability.harness import CONSOLE_TOKEN, LEAK_MARKERS, Bot, polite_problem, technical

REQUEST_TIMEOUT = 30
MAX_CASE_SECONDS = 15  # the REST reply deadline is 10 s: no case may take much longer


class Context:
    """What placeholders resolve to for one case."""

    def __init__(self, bot: Bot, sender: str, controls: Dict[str, str]):
        self.bot, self.sender, self.controls = bot, sender, controls

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            return (value.replace("$SENDER", self.sender).replace("$CONTROL_REST", self.controls["rest"])
                    .replace("$CONTROL_WECHAT", self.controls["wechat"]).replace("$NOW", str(int(time.time()))))
        if isinstance(value, bytes):
            return self.resolve(value.decode("latin-1")).encode("latin-1") if b"$" in value else value
        if isinstance(value, dict):
            return {self.resolve(k): self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def json_bytes(body: Any) -> bytes:
    """JSON as a browser sends it (UTF-8); lone surrogates, which UTF-8 cannot carry, as \\u escapes."""
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body).encode("ascii")


def leak_problem(text: str) -> Optional[str]:
    for marker in LEAK_MARKERS:
        if marker in text:
            return f"response leaks {marker!r}: {text[:200]!r}"
    return None


def judge_status(case: Case, status: int, body: str) -> List[str]:
    """Problems with an HTTP answer, apart from the content of a 200."""
    problems = []
    if status >= 500:
        problems.append(f"HTTP {status}: {body[:200]!r}")
    elif 400 <= status < 500:
        if case.expect == "reply":
            problems.append(f"HTTP {status} for input that deserves an answer: {body[:200]!r}")
        if len(body) > 20_000:
            problems.append(f"HTTP {status} with a {len(body)}-character body")
    elif status >= 300:
        problems.append(f"unexpected HTTP {status}")
    elif case.expect == "4xx":
        problems.append(f"HTTP {status} (accepted) where a clean 4xx is expected: {body[:200]!r}")
    leak = leak_problem(body)
    if leak:
        problems.append(leak)
    return problems


def raw_request(bot: Bot, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Dict[str, str]] = None) -> requests.Response:
    """A request with the path exactly as given (no client-side normalisation of '..')."""
    conn = http.client.HTTPConnection("127.0.0.1", bot.rasa_port, timeout=REQUEST_TIMEOUT)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        out = requests.Response()
        out.status_code = resp.status
        out._content = resp.read()
        out.encoding = "utf-8"
        return out
    finally:
        conn.close()


# -- REST ------------------------------------------------------------------------------------

def run_rest(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    bot = ctx.bot
    if "raw_path" in spec:
        resp = raw_request(bot, spec.get("method", "GET"), spec["raw_path"])
        return judge_status(case, resp.status_code, resp.text)
    body = spec.get("body", {"sender": ctx.sender, "message": spec.get("message", "")})
    data = body if isinstance(body, bytes) else json_bytes(body)
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    try:
        resp = requests.request(spec.get("method", "POST"), f"{bot.rasa_url}/webhooks/rest/webhook",
                                params=spec.get("params"), data=data, headers=headers, timeout=REQUEST_TIMEOUT)
    except requests.ConnectionError as exc:
        return [f"connection failed: {exc}"]
    problems = judge_status(case, resp.status_code, resp.text)
    if resp.status_code == 200 and not problems:
        if spec.get("params", {}).get("stream") == "true":
            replies = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
        else:
            try:
                replies = resp.json()
            except ValueError:
                return [f"200 with a body that is not JSON: {resp.text[:200]!r}"]
        why = polite_problem(replies)
        if why:
            problems.append(why)
        if spec.get("stored_channel"):
            sender = str(body.get("sender"))
            stored = [d.get("input_channel") for sid in bot.sender_ids(sender)
                      for _, t, d in bot.events(sid) if t == "user"]
            if any(c != spec["stored_channel"] for c in stored):
                problems.append(f"a REST client chose the stored input_channel: {stored}")
    return problems


# -- socket.io -------------------------------------------------------------------------------

def run_socketio(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    bot = ctx.bot
    replies: List[Any] = []
    confirmed: List[Any] = []
    got = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", lambda data: (replies.append(data), got.set()))
    client.on("session_confirm", lambda data: confirmed.append(data))
    problems: List[str] = []
    try:
        client.connect(bot.rasa_url, transports=["polling"], wait_timeout=10)
        session_request = spec.get("session_request", {"session_id": spec.get("bad_session")
                                                        or spec.get("session_id") or ctx.sender})
        client.emit("session_request", session_request)
        deadline = time.time() + 10
        while not confirmed and time.time() < deadline:
            time.sleep(0.02)
        if not confirmed:
            return ["no session_confirm"]
        sid = confirmed[0]
        if "bad_session" in spec:
            if sid == spec["bad_session"]:
                problems.append("the server confirmed an invalid session id as it was")
            payload: Any = {"message": spec["message"], "session_id": spec["bad_session"]}
        elif "payload" in spec:
            payload = spec["payload"]
            payload = json.loads(json.dumps(payload).replace('"$SID"', json.dumps(sid)))
        else:
            payload = {"message": spec["message"], "session_id": sid}
        client.emit("user_uttered", payload)
        if case.expect == "reply":
            if not got.wait(MAX_CASE_SECONDS):
                problems.append("no reply over socket.io")
            time.sleep(0.3)
        else:
            # The answer to a bad event may be nothing; the same connection must still work.
            before = len(replies)
            time.sleep(0.3)
            got.clear()
            client.emit("user_uttered", {"message": "你好", "session_id": sid})
            deadline = time.time() + MAX_CASE_SECONDS
            while len(replies) <= before and time.time() < deadline:
                time.sleep(0.05)
            if len(replies) <= before:
                problems.append("the connection no longer answers after the bad event")
            time.sleep(0.3)
        for r in replies:
            text = json.dumps(r, ensure_ascii=False) if not isinstance(r, dict) else str(r.get("text") or "")
            if isinstance(r, dict) and not (r.get("text") or r.get("quick_replies") or r.get("buttons")):
                problems.append(f"empty bot message {r!r:.200}")
            if technical(text):
                problems.append(f"technical apology for odd input: {text[:200]!r}")
    except Exception as exc:  # noqa: BLE001
        problems.append(f"socket.io failure: {type(exc).__name__}: {exc}")
    finally:
        try:
            # Without ``abort`` the polling client waits for its pending long-poll (up to the
            # server's 25 s ping interval) before returning.
            for namespace in list(client.namespaces):
                client._send_packet(client.packet_class(socketio.packet.DISCONNECT, namespace=namespace))
            client.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001
            pass
    return problems


def run_engineio(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    path = spec.get("raw_path")
    if spec.get("handshake"):
        r = requests.get(f"{ctx.bot.rasa_url}/socket.io/?EIO=4&transport=polling", timeout=10)
        sid = json.loads(r.text[1:])["sid"]
        path = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    resp = raw_request(ctx.bot, spec["method"], path, spec.get("body"),
                       headers={"Content-Type": "text/plain;charset=UTF-8"} if spec.get("body") else None)
    return judge_status(case, resp.status_code, resp.text)


# -- WeChat ----------------------------------------------------------------------------------

def _wechat_request(ctx: Context, spec: Dict[str, Any], aes: bool) -> wechat_sim.Request:
    openid = spec.get("openid", ctx.sender)
    if "xml" in spec:
        xml = spec["xml"]
        if xml.startswith("typed:"):
            _, msg_type, extra = xml.split(":", 2)
            xml = wechat_sim.typed_xml(msg_type, openid, extra)
        elif xml.startswith("event:"):
            xml = wechat_sim.event_xml(xml.split(":", 1)[1], openid)
    elif "xml_escaped" in spec:
        xml = wechat_sim.text_xml_escaped(spec["xml_escaped"], openid)
    elif "content_bytes" in spec:
        xml = wechat_sim.text_xml("@@CONTENT@@", openid).encode().replace(b"@@CONTENT@@", spec["content_bytes"])
    elif "raw" in spec:
        xml = spec["raw"]
    else:
        xml = wechat_sim.text_xml(spec.get("content", ""), openid, msg_id=spec.get("msg_id"),
                                  create_time=spec.get("create_time"))
    kwargs = {k: spec[k] for k in ("ts_offset", "timestamp", "token", "app_id", "aes_key", "encrypt", "msg_signature")
              if k in spec}
    if "envelope" in spec:
        kwargs["envelope"] = spec["envelope"]
    req = wechat_sim.prepare(ctx.bot.rasa_url, xml, aes=aes, openid=openid, drop=tuple(spec.get("drop", ())),
                             params=spec.get("params"), **kwargs)
    if spec.get("sign_envelope"):
        import xmltodict
        encrypt = xmltodict.parse(spec["envelope"])["xml"].get("Encrypt") or ""
        req.params["msg_signature"] = wechat_sim.sign(wechat_sim.WECHAT_TOKEN, req.params["timestamp"],
                                                      req.params["nonce"], encrypt)
    if spec.get("verify"):
        req.method, req.body = "GET", b""
        req.params["echostr"] = spec.get("echostr", "echo-123")
        req.params.pop("encrypt_type", None)
        req.params.pop("msg_signature", None)
    return req


def wechat_turns(bot: Bot, openid: str) -> int:
    if not openid:
        return 0
    return sum(1 for sid in bot.sender_ids(openid) for _, t, _ in bot.events(sid) if t == "user")


def judge_wechat(case: Case, resp: requests.Response, aes: bool, spec: Dict[str, Any]) -> List[str]:
    problems = judge_status(case, resp.status_code, resp.text)
    if resp.status_code != 200 or problems or spec.get("verify"):
        return problems
    text, why = wechat_sim.read_reply(resp, aes)
    if text is None:
        if not (why == "success" and spec.get("success_ok")):
            problems.append(f"no passive text reply ({why})")
    elif not text.strip():
        problems.append("empty reply")
    elif technical(text):
        problems.append(f"technical apology for odd input: {text[:200]!r}")
    return problems


def run_wechat(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    aes = case.channel == "wechat_aes"
    req = _wechat_request(ctx, spec, aes)
    started = time.time()
    resp = req.send(REQUEST_TIMEOUT)
    elapsed = time.time() - started
    problems = judge_wechat(case, resp, aes, spec)
    if spec.get("max_seconds") and elapsed > spec["max_seconds"]:
        problems.append(f"took {elapsed:.1f} s (bound {spec['max_seconds']} s)")
    if spec.get("replay"):
        first = wechat_turns(ctx.bot, spec.get("openid", ctx.sender))
        again = req.send(REQUEST_TIMEOUT)
        problems += [f"replay: {p}" for p in judge_status(Case(case.id, case.channel, case.kind, "either"),
                                                          again.status_code, again.text)]
        time.sleep(1.0)
        turns = wechat_turns(ctx.bot, spec.get("openid", ctx.sender))
        if turns != first or turns != 1:
            problems.append(f"an exact replay ran another turn ({first} user turn(s) before, {turns} after)")
    return problems


# -- console and web page --------------------------------------------------------------------

def run_console(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    url = f"{ctx.bot.rasa_url}/webhooks/console{spec['path']}"
    auth = spec.get("auth", f"Bearer {CONSOLE_TOKEN}")
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    body = spec.get("body")
    data = None if body is None else body if isinstance(body, bytes) else json_bytes(body)
    if "/.." in spec["path"] or len(spec["path"]) > 2000:
        resp = raw_request(ctx.bot, spec.get("method", "POST"), "/webhooks/console" + spec["path"], data, headers)
    else:
        resp = requests.request(spec.get("method", "POST"), url, data=data, headers=headers, timeout=REQUEST_TIMEOUT)
    problems = judge_status(case, resp.status_code, resp.text)
    if resp.status_code == 200 and not problems and spec["path"] == "/api/ask":
        try:
            why = polite_problem(resp.json().get("answer"))
        except ValueError:
            why = f"200 with a body that is not JSON: {resp.text[:200]!r}"
        if why:
            problems.append(why)
    return problems


def run_console_brute_force(ctx: Context, case: Case) -> List[str]:
    spec = case.spec
    statuses = []
    for i in range(spec["brute_force"]):
        r = requests.get(f"{ctx.bot.rasa_url}/webhooks/console{spec['path']}",
                         headers={"Authorization": f"Bearer guess-{i:04d}"}, timeout=REQUEST_TIMEOUT)
        statuses.append(r.status_code)
    problems = [f"HTTP {s} to a token guess" for s in set(statuses) if s >= 500 or s < 400]
    if 429 not in statuses:
        problems.append(f"{len(statuses)} wrong console tokens in a row were never rate limited (no 429): "
                        f"{sorted(set(statuses))}")
    return problems


def run_web(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    resp = raw_request(ctx.bot, spec.get("method", "GET"), spec["raw_path"],
                       b"x=1" if spec.get("method") == "POST" else None)
    problems = judge_status(case, resp.status_code, resp.text)
    if resp.status_code == 200 and not problems and len(resp.content) < 100:
        problems.append(f"suspiciously short page: {resp.text!r}")
    return problems


def _other_addresses() -> List[str]:
    """This machine's non-loopback IPv4 addresses (from /proc/net/fib_trie)."""
    import socket
    found = set()
    try:
        found.update(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    try:
        lines = open("/proc/net/fib_trie").read().splitlines()
        for i, line in enumerate(lines):
            if "/32 host LOCAL" in line and i > 0:
                found.add(lines[i - 1].split()[-1])
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


def run_actions(ctx: Context, case: Case) -> List[str]:
    spec = ctx.resolve(case.spec)
    if spec.get("other_interfaces"):
        import socket
        problems = []
        for address in _other_addresses():
            with socket.socket() as s:
                s.settimeout(2)
                if s.connect_ex((address, ctx.bot.actions_port)) == 0:
                    problems.append(f"the action server accepts connections on {address}")
        return problems
    headers = {"Content-Type": "application/json"}
    if "token" in spec:
        headers["X-Action-Token"] = spec["token"]
    resp = requests.post(f"{ctx.bot.actions_url}/webhook", data=json_bytes(spec["body"]), headers=headers,
                         timeout=REQUEST_TIMEOUT)
    return judge_status(case, resp.status_code, resp.text)


RUNNERS = {"actions": run_actions, "rest": run_rest, "socketio": run_socketio, "engineio": run_engineio, "wechat_plain": run_wechat,
           "wechat_aes": run_wechat, "console": run_console, "web": run_web}


def run_case(ctx: Context, case: Case) -> List[str]:
    if case.spec.get("brute_force"):
        return run_console_brute_force(ctx, case)
    started = time.time()
    try:
        problems = RUNNERS[case.channel](ctx, case)
    except requests.RequestException as exc:
        problems = [f"request failed: {type(exc).__name__}: {exc}"]
    elapsed = time.time() - started
    if elapsed > MAX_CASE_SECONDS + 2:
        problems.append(f"took {elapsed:.1f} s")
    return problems
