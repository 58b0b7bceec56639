"""The bad-input corpus of the reliability suite (issue 8): what users and attackers send.

Each case names its channel, its kind and what an acceptable answer is:

* ``reply``  — a polite answer (merely odd input: the bot answers, never with a technical apology);
* ``4xx``    — a clean client error (a malformed, forged or hostile request), never a 5xx;
* ``either`` — a polite answer or a clean 4xx.

Whatever the answer, the server must be alive after the case, and the control users'
conversations must be unchanged (``test_1_bad_inputs.py`` checks all three for every case).

Placeholders resolved when a case runs: ``$SENDER`` (a fresh sender id / openid / session id of the
case), ``$CONTROL_REST`` and ``$CONTROL_WECHAT`` (the control users' ids).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List


@dataclass(frozen=True)
class Case:
    id: str
    channel: str  # rest, socketio, engineio, wechat_plain, wechat_aes, console, web
    kind: str
    expect: str  # reply, 4xx, either
    spec: Dict[str, Any] = field(default_factory=dict)
    late: bool = False  # run at the end of the session (needs time to pass), by test_4_late.py


HUGE = "房租减免" * 25_000  # 100,000 characters
DIGITS = "1" * 1000
ODD_TEXTS: Dict[str, str] = {
    "empty": "",
    "blank": "   ",
    "whitespace-controls": "\n\t\r\n",
    "emoji-only": "😀😀😀",
    "emoji-around-question": "😀西城区房租减免怎么申请😀",
    "emoji-zwj-family": "👨‍👩‍👧‍👦👩🏽‍💻🏳️‍🌈",
    "emoji-10000": "😀" * 10_000,
    "arabic": "مرحبا، هل يمكنني الحصول على تخفيض الإيجار؟",
    "hebrew-rtl": "שלום, האם יש הנחה בשכר הדירה?",
    "russian": "Можно ли получить скидку на аренду?",
    "japanese": "家賃の減免はありますか",
    "korean": "임대료 감면이 가능한가요?",
    "thai": "ขอลดค่าเช่าได้ไหม",
    "devanagari": "क्या किराया माफ हो सकता है?",
    "mixed-scripts": "西城区rentРусский日本語한국어عربيไทย房租减免",
    "traditional": "西城區國企的房子房租能免嗎",
    "zalgo": "西̷̢̛城̵̡̛区̶̨̛房̸̧̛租" * 20,
    "script-tag": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>西城区房租",
    "markdown-js-link": "[点我](javascript:alert(1)) **粗体** `code`",
    "html-entities": "&lt;b&gt;&amp;&#x26;&#0;",
    "sql-injection": "'; DROP TABLE events; --",
    "template-injection": "{{7*7}} ${7*7} %s%s%n {0} #{x}",
    "intent-restart": "/restart",
    "intent-session-start": "/session_start",
    "intent-traversal-entity": '/ask_contact{"measure_id":"../../etc/passwd"}',
    "intent-wrong-entity-type": '/ask_contact{"measure_id": 5}',
    "intent-broken-json": '/greet{"a":',
    "intent-unknown": "/no_such_intent",
    "intent-nlu-fallback": "/nlu_fallback",
    "nul-and-controls": "\x00\x01\x02西城区房租\x7f",
    "ansi-escape": "\x1b[31m红色\x1b[0m 房租减免",
    "bidi-override": "\u202e减免租房\u202c 西城区",
    "bom-and-zero-width": "\ufeff\u200b\u200c\u200d西城区\u2060房租",
    "noncharacters": "\uffff\ufffe\U0010ffff",
    "private-use": "\ue000\uf8ff\U000f0000",
    "lone-surrogate-high": "hi\ud800",
    "lone-surrogate-low": "\udc00西城区房租减免",
    "huge-100k": HUGE,
    "digits-1000": DIGITS,
    "digits-999-wan": "9" * 999 + "万",
    "digits-with-separators": "1,000," * 160,
    "decimal-run": "1." * 500,
    "punctuation-1000": "！" * 1000,
    "question-marks": "?" * 1000,
    "mixed-punctuation": ".,;:!?" * 166,
    "wan-repeated": "1万" * 300,
    "chinese-numerals": "一二三四五六七八九十百千万亿" * 70,
    "percent-run": "5.5%" * 250,
    "dates-run": "2020年3月1日" * 100,
    "spaces-then-question": " " * 990 + "房租",
    "newline-flood": "\n" * 1000 + "房租",
    "long-word": "a" * 1000,
    "url-only": "https://example.invalid/?q=" + "x" * 500,
}

# Beyond any sensible request size (a clean 413 is as good as an answer), or not valid Unicode
# (lone surrogates: a clean 400 is as good as an answer; a technical apology is not).
MAY_BE_REFUSED = {"huge-100k", "emoji-10000", "lone-surrogate-high", "lone-surrogate-low"}

# The worst inputs for the understanding step (used by the CPU test as well).
ADVERSARIAL = ["digits-1000", "digits-999-wan", "digits-with-separators", "decimal-run", "punctuation-1000",
               "mixed-punctuation", "wan-repeated", "chinese-numerals", "percent-run", "dates-run", "mixed-scripts",
               "huge-100k"]


def _rest_cases() -> List[Case]:
    cases = [Case(f"rest-text-{name}", "rest", "odd text", "either" if name in MAY_BE_REFUSED else "reply",
                  {"message": text}) for name, text in ODD_TEXTS.items()]
    bad = {
        "broken-json": b'{"sender": "a", "message": ',
        "not-json": b"this is not json",
        "json-array": b'["sender", "message"]',
        "json-null": b"null",
        "json-number": b"123",
        "json-string": b'"hello"',
        "empty-body": b"",
        "invalid-utf8": b'{"sender": "$SENDER", "message": "\xff\xfe\xfd"}',
        "overlong-utf8": b'{"sender": "$SENDER", "message": "\xc0\xaf\xe0\x80\xaf"}',
        "utf16-body": '{"sender": "$SENDER", "message": "你好"}'.encode("utf-16"),
        "deep-nesting": b'{"sender": "$SENDER", "message": "hi", "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nan-sender": b'{"sender": NaN, "message": "hi"}',
        "duplicate-keys": b'{"sender": "$SENDER", "message": "hi", "message": {"x": 1}}',
        "trailing-garbage": b'{"sender": "$SENDER", "message": "hi"} trailing',
    }
    cases += [Case(f"rest-body-{name}", "rest", "broken JSON", "4xx", {"body": body}) for name, body in bad.items()]
    shapes = {
        "sender-null": ({"sender": None, "message": "你好"}, "4xx"),
        "sender-list": ({"sender": ["a"], "message": "你好"}, "4xx"),
        "sender-object": ({"sender": {"id": 1}, "message": "你好"}, "4xx"),
        "sender-empty": ({"sender": "", "message": "你好"}, "4xx"),
        "sender-blank": ({"sender": "   ", "message": "你好"}, "4xx"),
        "sender-129-chars": ({"sender": "s" * 129, "message": "你好"}, "4xx"),
        "sender-100k-chars": ({"sender": "s" * 100_000, "message": "你好"}, "4xx"),
        "sender-lone-surrogate": ({"sender": "x\ud800", "message": "hi"}, "4xx"),
        "sender-lone-low-surrogate": ({"sender": "\udfff", "message": "hi"}, "4xx"),
        "sender-surrogate-pair-halves": ({"sender": "a\udc00\ud800b", "message": "hi"}, "4xx"),
        "sender-nul": ({"sender": "a\x00b", "message": "你好"}, "4xx"),
        "sender-newline": ({"sender": "a\nb", "message": "你好"}, "4xx"),
        "sender-bidi": ({"sender": "a\u202eb", "message": "你好"}, "4xx"),
        "sender-bool": ({"sender": True, "message": "你好"}, "either"),
        "sender-float-huge": ({"sender": 1e308, "message": "你好"}, "either"),
        "message-missing": ({"sender": "$SENDER"}, "4xx"),
        "message-null": ({"sender": "$SENDER", "message": None}, "4xx"),
        "message-number": ({"sender": "$SENDER", "message": 5}, "4xx"),
        "message-list": ({"sender": "$SENDER", "message": ["西城区房租"]}, "4xx"),
        "message-object": ({"sender": "$SENDER", "message": {"text": "西城区房租"}}, "4xx"),
        "metadata-list": ({"sender": "$SENDER", "message": "西城区房租减免", "metadata": [1, 2, 3]}, "either"),
        "metadata-string": ({"sender": "$SENDER", "message": "西城区房租减免", "metadata": "{not json"}, "either"),
        "metadata-number": ({"sender": "$SENDER", "message": "西城区房租减免", "metadata": 42}, "either"),
        "metadata-district-number": ({"sender": "$SENDER", "message": "房租减免", "metadata": {"district": 12345}},
                                     "either"),
        "metadata-district-object": ({"sender": "$SENDER", "message": "房租减免",
                                      "metadata": {"district": {"$ne": None}}}, "either"),
        "metadata-district-markup": ({"sender": "$SENDER", "message": "房租减免",
                                      "metadata": {"district": "<script>alert(1)</script>"}}, "either"),
        "metadata-district-huge": ({"sender": "$SENDER", "message": "房租减免",
                                    "metadata": {"district": "区" * 100_000}}, "either"),
        "metadata-deep-50": ({"sender": "$SENDER", "message": "西城区房租减免",
                              "metadata": {"a": _nested(50)}}, "either"),
        "metadata-10000-keys": ({"sender": "$SENDER", "message": "西城区房租减免",
                                 "metadata": {f"k{i}": i for i in range(10_000)}}, "either"),
        "metadata-5mb": ({"sender": "$SENDER", "message": "西城区房租减免", "metadata": {"blob": "x" * 5_000_000}},
                         "either"),
        "input-channel-claim-wechat": ({"sender": "$SENDER", "message": "西城区房租减免", "input_channel": "wechat"},
                                       "either"),
        "input-channel-claim-console": ({"sender": "$SENDER", "message": "西城区房租减免", "input_channel": "console",
                                         "metadata": {"district": "密云区"}}, "either"),
        "sender-is-wechat-control": ({"sender": "$CONTROL_WECHAT", "message": "那西城呢"}, "either"),
        "sender-is-console-session": ({"sender": "console-default", "message": "那西城呢"}, "either"),
        "message-2mb": ({"sender": "$SENDER", "message": "西城区房租" * 400_000}, "either"),
    }
    for name, (body, expect) in shapes.items():
        spec: Dict[str, Any] = {"body": body}
        if name.startswith("input-channel-claim"):
            spec["stored_channel"] = "rest"
        cases.append(Case(f"rest-shape-{name}", "rest", "wrongly shaped JSON", expect, spec))
    http = {
        "header-100kb": {"headers": {"X-Big": "a" * 100_000}},
        "header-16kb-cookie": {"headers": {"Cookie": "c=" + "b" * 16_000}},
        "headers-500": {"headers": {f"X-H{i}": "v" for i in range(500)}},
        "headers-3000": {"headers": {f"X-Header-{i}": "value" for i in range(3000)}},
        "query-100kb": {"params": {"q": "x" * 100_000}},
        "content-type-text": {"headers": {"Content-Type": "text/plain"}},
        "content-type-form": {"headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        "method-get": {"method": "GET"},
        "method-put": {"method": "PUT"},
        "method-delete": {"method": "DELETE"},
        "stream-huge": {"params": {"stream": "true"}, "message": HUGE},
    }
    for name, spec in http.items():
        expect = "either" if name in ("content-type-text", "content-type-form", "stream-huge", "headers-500") else "4xx"
        cases.append(Case(f"rest-http-{name}", "rest", "huge headers / HTTP", expect,
                          {"message": "西城区房租减免", **spec}))
    for name, path in {
        "dotdot": "/webhooks/rest/../../../../etc/passwd",
        "encoded-dotdot": "/webhooks/rest/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "nul-byte": "/webhooks/rest/webhook%00.json",
        "double-encoded": "/webhooks/rest/..%252f..%252f..%252fetc%252fpasswd",
        "api-tracker": "/conversations/$CONTROL_REST/tracker",
        "api-model": "/model",
    }.items():
        cases.append(Case(f"rest-path-{name}", "rest", "path traversal", "4xx", {"raw_path": path}))
    return cases


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"n": value}
    return value


def _socketio_cases() -> List[Case]:
    texts = ["empty", "emoji-only", "script-tag", "nul-and-controls", "huge-100k", "digits-1000", "mixed-scripts",
             "lone-surrogate-high", "intent-restart", "bidi-override"]
    cases = [Case(f"socketio-text-{t}", "socketio", "odd text", "either" if t in MAY_BE_REFUSED else "reply",
                  {"message": ODD_TEXTS[t]}) for t in texts]
    bad_sessions = {
        "lone-surrogate": "x\ud800",
        "nul": "a\x00b",
        "newline": "a\nb",
        "10k-chars": "s" * 10_000,
    }
    for name, sid in bad_sessions.items():
        cases.append(Case(f"socketio-session-{name}", "socketio", "bad session id", "4xx",
                          {"bad_session": sid, "message": "你好"}))
    cases += [
        Case("socketio-session-object", "socketio", "bad session id", "4xx",
             {"session_request": {"session_id": {"id": 1}}, "payload": {"message": "你好", "session_id": {"id": 1}}}),
        Case("socketio-session-rest-control", "socketio", "another channel's user", "either",
             {"session_id": "$CONTROL_REST", "message": "那密云呢"}),
        Case("socketio-payload-string", "socketio", "wrongly shaped payload", "4xx", {"payload": "你好"}),
        Case("socketio-payload-list", "socketio", "wrongly shaped payload", "4xx", {"payload": ["你好", "$SID"]}),
        Case("socketio-payload-null", "socketio", "wrongly shaped payload", "4xx", {"payload": None}),
        Case("socketio-message-number", "socketio", "wrongly shaped payload", "either",
             {"payload": {"message": 12345, "session_id": "$SID"}}),
        Case("socketio-message-object", "socketio", "wrongly shaped payload", "either",
             {"payload": {"message": {"text": "hi"}, "session_id": "$SID"}}),
        Case("socketio-message-missing", "socketio", "wrongly shaped payload", "either",
             {"payload": {"session_id": "$SID"}}),
        Case("socketio-metadata-broken-json", "socketio", "broken JSON", "either",
             {"payload": {"message": "西城区房租减免", "session_id": "$SID", "metadata": "{not json"}}),
        Case("socketio-metadata-list", "socketio", "wrongly shaped payload", "either",
             {"payload": {"message": "西城区房租减免", "session_id": "$SID", "metadata": [1, 2]}}),
        Case("socketio-metadata-1mb", "socketio", "huge metadata", "either",
             {"payload": {"message": "西城区房租减免", "session_id": "$SID", "metadata": {"blob": "x" * 900_000}}}),
        Case("socketio-metadata-district-object", "socketio", "wrongly shaped payload", "either",
             {"payload": {"message": "房租减免", "session_id": "$SID", "metadata": {"district": ["西城区"]}}}),
    ]
    engineio = {
        "no-params": ("GET", "/socket.io/", None),
        "bad-eio-version": ("GET", "/socket.io/?EIO=99&transport=polling", None),
        "bad-transport": ("GET", "/socket.io/?EIO=4&transport=carrier-pigeon", None),
        "forged-sid": ("GET", "/socket.io/?EIO=4&transport=polling&sid=forged-session-id", None),
        "garbage-post-forged-sid": ("POST", "/socket.io/?EIO=4&transport=polling&sid=forged", b"\xff\xfe garbage"),
    }
    cases += [Case(f"engineio-{name}", "engineio", "raw engine.io", "4xx",
                   {"method": m, "raw_path": p, "body": b}) for name, (m, p, b) in engineio.items()]
    cases.append(Case("engineio-garbage-packet", "engineio", "raw engine.io", "either",
                      {"method": "POST", "handshake": True, "body": b"\x00\xff{{{not a packet"}))
    return cases


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9))
                  + ']><xml><ToUserName>gh</ToUserName><FromUserName>$SENDER</FromUserName>'
                  '<CreateTime>$NOW</CreateTime><MsgType>text</MsgType><Content>&j;</Content>'
                  '<MsgId>1234567</MsgId></xml>')
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "' + "a" * 30_000 + '">]>'
             '<xml><ToUserName>gh</ToUserName><FromUserName>$SENDER</FromUserName><CreateTime>$NOW</CreateTime>'
             '<MsgType>text</MsgType><Content>' + "&a;" * 8_000 + '</Content><MsgId>1234568</MsgId></xml>')
XXE_FILE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<xml><ToUserName>gh</ToUserName><FromUserName>$SENDER</FromUserName><CreateTime>$NOW</CreateTime>'
            '<MsgType>text</MsgType><Content>&x;</Content><MsgId>1234569</MsgId></xml>')
XXE_PARAM = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'
             '<xml><ToUserName>gh</ToUserName><FromUserName>$SENDER</FromUserName><CreateTime>$NOW</CreateTime>'
             '<MsgType>text</MsgType><Content>hi</Content><MsgId>1234570</MsgId></xml>')
EXTERNAL_DTD = ('<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">'
                '<xml><ToUserName>gh</ToUserName><FromUserName>$SENDER</FromUserName><CreateTime>$NOW</CreateTime>'
                '<MsgType>text</MsgType><Content>hi</Content><MsgId>1234571</MsgId></xml>')
YEAR = 365 * 24 * 3600


def _wechat_cases(mode: str) -> List[Case]:
    aes = mode == "wechat_aes"
    p = "wechat-aes" if aes else "wechat-plain"
    texts = ["emoji-only", "emoji-around-question", "script-tag", "mixed-scripts", "digits-1000", "intent-restart",
             "zalgo", "sql-injection", "bidi-override"]
    cases = [Case(f"{p}-text-{t}", mode, "odd text", "reply", {"content": ODD_TEXTS[t]}) for t in texts]
    cases += [
        Case(f"{p}-text-empty", mode, "odd text", "reply", {"content": ""}),
        Case(f"{p}-text-60kb", mode, "huge", "either", {"content": "房" * 20_000}),
        Case(f"{p}-body-over-limit", mode, "huge", "4xx", {"content": "房" * 30_000}),
        Case(f"{p}-cdata-breakout", mode, "markup", "either", {"content": "]]><MsgType>image</MsgType><![CDATA["}),
        Case(f"{p}-control-char-ref", mode, "control characters", "either",
             {"xml_escaped": "&#x1;&#x1b;西城区房租"}),
        Case(f"{p}-lone-surrogate-ref", mode, "lone surrogates", "either", {"xml_escaped": "hi&#xD800;"}),
        Case(f"{p}-raw-control-bytes", mode, "control characters", "either",
             {"content_bytes": b"\x01\x02\x1b\xe8\xa5\xbf\xe5\x9f\x8e"}),
        Case(f"{p}-invalid-utf8", mode, "invalid UTF-8", "4xx", {"content_bytes": b"\xff\xfe\xc0\xaf"}),
        Case(f"{p}-image-message", mode, "non-text", "reply",
             {"xml": "typed:image:<PicUrl><![CDATA[http://127.0.0.1:9/a.jpg]]></PicUrl><MediaId>m</MediaId>"}),
        Case(f"{p}-unknown-msgtype", mode, "wrongly shaped XML", "either", {"xml": "typed:hologram:"}),
        Case(f"{p}-event-subscribe", mode, "event", "reply", {"xml": "event:subscribe"}),
        Case(f"{p}-event-unknown", mode, "event", "either", {"xml": "event:teleport", "success_ok": True}),
        Case(f"{p}-msgid-not-number", mode, "wrongly shaped XML", "4xx", {"content": "你好", "msg_id": "abc"}),
        Case(f"{p}-msgid-100-digits", mode, "wrongly shaped XML", "either", {"content": "你好", "msg_id": "9" * 100}),
        Case(f"{p}-createtime-garbage", mode, "wrongly shaped XML", "either",
             {"content": "你好", "create_time": "yesterday"}),
        Case(f"{p}-openid-10kb", mode, "bad sender id", "4xx", {"content": "你好", "openid": "o" * 10_000}),
        Case(f"{p}-openid-empty", mode, "bad sender id", "4xx", {"content": "你好", "openid": ""}),
        Case(f"{p}-openid-rest-control", mode, "another channel's user", "either",
             {"content": "那密云呢", "openid": "$CONTROL_REST"}),
        Case(f"{p}-not-xml", mode, "wrongly shaped XML", "4xx", {"raw": b"this is not xml"}),
        Case(f"{p}-json-body", mode, "wrongly shaped XML", "4xx", {"raw": b'{"sender": "x", "message": "hi"}'}),
        Case(f"{p}-truncated-xml", mode, "wrongly shaped XML", "4xx", {"raw": b"<xml><ToUserName>gh"}),
        Case(f"{p}-billion-laughs", mode, "XML bomb", "4xx", {"xml": BILLION_LAUGHS, "max_seconds": 5}),
        Case(f"{p}-quadratic-blowup", mode, "XML bomb", "4xx", {"xml": QUADRATIC, "max_seconds": 5}),
        Case(f"{p}-xxe-file", mode, "XML bomb", "4xx", {"xml": XXE_FILE, "max_seconds": 5}),
        Case(f"{p}-xxe-parameter-entity", mode, "XML bomb", "4xx", {"xml": XXE_PARAM, "max_seconds": 5}),
        Case(f"{p}-external-dtd", mode, "XML bomb", "either", {"xml": EXTERNAL_DTD, "max_seconds": 5}),
        Case(f"{p}-forged-signature", mode, "forged", "4xx", {"content": "你好", "params": {"signature": "0" * 40}}),
        Case(f"{p}-wrong-token", mode, "forged", "4xx", {"content": "你好", "token": "not-the-token"}),
        Case(f"{p}-missing-signature", mode, "forged", "4xx", {"content": "你好", "drop": ["signature"]}),
        Case(f"{p}-missing-timestamp", mode, "forged", "4xx", {"content": "你好", "drop": ["timestamp"]}),
        Case(f"{p}-signature-other-nonce", mode, "forged", "4xx",
             {"content": "你好", "params": {"nonce": "someothernonce"}}),
        Case(f"{p}-stale-one-year", mode, "stale", "4xx", {"content": "你好", "ts_offset": -YEAR}),
        Case(f"{p}-stale-one-hour", mode, "stale", "4xx", {"content": "你好", "ts_offset": -3600}),
        Case(f"{p}-future-one-year", mode, "stale", "4xx", {"content": "你好", "ts_offset": YEAR}),
        Case(f"{p}-timestamp-not-number", mode, "stale", "4xx", {"content": "你好", "timestamp": "yesterday"}),
        Case(f"{p}-timestamp-huge", mode, "stale", "4xx", {"content": "你好", "timestamp": "9" * 60}),
        Case(f"{p}-replay-immediate", mode, "replayed", "either", {"content": "西城区房租减免怎么申请", "replay": True}),
        Case(f"{p}-replay-after-2-minutes", mode, "replayed", "either",
             {"content": "密云区贷款贴息怎么申请", "replay_after": 125}, late=True),
        Case(f"{p}-verify-forged", mode, "forged", "4xx", {"verify": True, "params": {"signature": "f" * 40}}),
        Case(f"{p}-verify-huge-echostr", mode, "huge", "either", {"verify": True, "echostr": "e" * 6000}),
    ]
    if aes:
        cases += [
            Case(f"{p}-plaintext-post", mode, "forged", "4xx", {"content": "你好", "encrypt": False}),
            Case(f"{p}-forged-msg-signature", mode, "forged", "4xx",
                 {"content": "你好", "msg_signature": "a" * 40}),
            Case(f"{p}-missing-msg-signature", mode, "forged", "4xx", {"content": "你好", "drop": ["msg_signature"]}),
            Case(f"{p}-other-app-id", mode, "forged", "4xx", {"content": "你好", "app_id": "wxOTHERAPP000000"}),
            Case(f"{p}-wrong-aes-key", mode, "forged", "4xx",
                 {"content": "你好", "aes_key": "B" * 43}),
            Case(f"{p}-encrypt-not-base64", mode, "broken envelope", "4xx",
                 {"envelope": b"<xml><Encrypt><![CDATA[%%%not base64%%%]]></Encrypt></xml>", "sign_envelope": True}),
            Case(f"{p}-encrypt-empty", mode, "broken envelope", "4xx",
                 {"envelope": b"<xml><Encrypt></Encrypt></xml>", "sign_envelope": True}),
            Case(f"{p}-encrypt-short-block", mode, "broken envelope", "4xx",
                 {"envelope": b"<xml><Encrypt><![CDATA[YWJj]]></Encrypt></xml>", "sign_envelope": True}),
            Case(f"{p}-envelope-billion-laughs", mode, "XML bomb", "4xx",
                 {"envelope": BILLION_LAUGHS.replace("<Content>&j;</Content>", "<Encrypt>&j;</Encrypt>").encode(),
                  "max_seconds": 5}),
            Case(f"{p}-envelope-xxe", mode, "XML bomb", "4xx",
                 {"envelope": XXE_FILE.replace("<Content>&x;</Content>", "<Encrypt>&x;</Encrypt>").encode(),
                  "max_seconds": 5}),
        ]
    return cases


def _console_cases() -> List[Case]:
    ask = "/api/ask"
    texts = ["emoji-only", "script-tag", "img-onerror", "nul-and-controls", "mixed-scripts", "digits-1000",
             "lone-surrogate-high", "intent-restart", "template-injection", "punctuation-1000"]
    cases = [Case(f"console-ask-{t}", "console", "odd text", "either", {"path": ask, "body": {"question": ODD_TEXTS[t]}})
             for t in texts]
    bad = {
        "ask-empty": (ask, {"question": ""}),
        "ask-huge": (ask, {"question": HUGE}),
        "ask-number": (ask, {"question": 42}),
        "ask-district-bogus": (ask, {"question": "房租减免", "district": "火星区"}),
        "ask-district-list": (ask, {"question": "房租减免", "district": ["西城区"]}),
        "ask-session-bogus": (ask, {"question": "房租减免", "session": "../../etc"}),
        "ask-session-surrogate": (ask, {"question": "房租减免", "session": "a\ud800"}),
        "ask-broken-json": (ask, b'{"question": '),
        "ask-json-array": (ask, b'["question"]'),
        "ask-invalid-utf8": (ask, b'{"question": "\xff\xfe"}'),
        "calc-nan": ("/api/calc", b'{"measure_id": "my25-13", "facts": {"monthly_rent": NaN}}'),
        "calc-infinity": ("/api/calc", b'{"measure_id": "my25-13", "facts": {"monthly_rent": Infinity}}'),
        "calc-negative": ("/api/calc", {"measure_id": "my25-13", "facts": {"monthly_rent": -1}}),
        "calc-huge-number": ("/api/calc", {"measure_id": "my25-13", "facts": {"monthly_rent": 1e308}}),
        "calc-facts-list": ("/api/calc", {"measure_id": "my25-13", "facts": [1, 2]}),
        "calc-unknown-measure": ("/api/calc", {"measure_id": "no-such", "facts": {}}),
        "check-measure-object": ("/api/check", {"measure_id": {"$gt": ""}, "facts": {}}),
        "check-huge-fact": ("/api/check", {"measure_id": "my25-01", "facts": {"district": "区" * 10_000}}),
    }
    for name, (path, body) in bad.items():
        cases.append(Case(f"console-{name}", "console", "bad request", "4xx", {"path": path, "body": body}))
    auth = {
        "no-token": None,
        "wrong-token": "Bearer wrong",
        "basic-scheme": "Basic cmVsaWFiaWxpdHk=",
        "huge-token": "Bearer " + "t" * 8000,
        "non-ascii-token": "Bearer 口令".encode("utf-8").decode("latin-1"),
    }
    for name, header in auth.items():
        cases.append(Case(f"console-auth-{name}", "console", "forged", "4xx",
                          {"path": ask, "body": {"question": "房租减免"}, "auth": header}))
    paths = {
        "measure-traversal": "/api/measure/..%2F..%2F..%2Fetc%2Fpasswd",
        "measure-10k-id": "/api/measure/" + "m" * 10_000,
        "static-traversal": "/static/..%2F..%2F..%2Fbot%2Fcredentials.yml",
        "static-dotdot-raw": "/static/../../../bot/credentials.yml",
        "static-unknown": "/static/console.py",
        "unknown-api": "/api/admin/shutdown",
    }
    for name, path in paths.items():
        cases.append(Case(f"console-path-{name}", "console", "path traversal", "4xx", {"path": path, "method": "GET"}))
    cases.append(Case("console-auth-brute-force", "console", "forged", "4xx",
                      {"path": "/api/ping", "method": "GET", "brute_force": 40}, late=True))
    return cases


def _web_cases() -> List[Case]:
    ok = {"page": "/webhooks/web/", "bundle": "/webhooks/web/static/webchat.js",
          "page-query-traversal": "/webhooks/web/?file=../../../etc/passwd"}
    cases = [Case(f"web-{n}", "web", "web page", "reply", {"raw_path": p}) for n, p in ok.items()]
    bad = {
        "dotdot": "/webhooks/web/static/../../../../etc/passwd",
        "encoded-dotdot": "/webhooks/web/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "double-encoded": "/webhooks/web/static/..%252f..%252fbot%252fcredentials.yml",
        "nul-byte": "/webhooks/web/static/webchat.js%00.html",
        "overlong-dot": "/webhooks/web/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "backslash": "/webhooks/web/static/..\\..\\..\\bot\\credentials.yml",
        "bundle-then-dotdot": "/webhooks/web/static/webchat.js/../../../../bot/credentials.yml",
        "node-modules": "/webhooks/web/node_modules/rasa-webchat/package.json",
        "long-path-10kb": "/webhooks/web/" + "a/" * 5_000,
        "index-html-direct": "/webhooks/web/index.html/../../../README.md",
    }
    cases += [Case(f"web-path-{n}", "web", "path traversal", "4xx", {"raw_path": p}) for n, p in bad.items()]
    cases.append(Case("web-post-page", "web", "web page", "4xx", {"raw_path": "/webhooks/web/", "method": "POST"}))
    return cases


def _action_server_cases() -> List[Case]:
    body = {"next_action": "action_respond", "sender_id": "$SENDER",
            "tracker": {"sender_id": "$SENDER", "slots": {}, "latest_message": {"text": "西城区房租减免"},
                        "events": []}, "domain": {}}
    return [
        Case("actions-webhook-no-token", "actions", "forged", "4xx", {"body": body}),
        Case("actions-webhook-wrong-token", "actions", "forged", "4xx", {"body": body, "token": "guess"}),
        Case("actions-listens-on-loopback-only", "actions", "exposure", "4xx", {"other_interfaces": True}),
    ]


CASES: List[Case] = (_rest_cases() + _socketio_cases() + _wechat_cases("wechat_plain") + _wechat_cases("wechat_aes")
                     + _console_cases() + _web_cases() + _action_server_cases())
assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"
