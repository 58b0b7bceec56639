"""Requests signed (and in 安全模式 encrypted) the way the WeChat server sends them, as in
``tests/test_wechat_channel.py``, plus the tampering the bad-input corpus needs."""
from __future__ import annotations

import time
import uuid
from typing import Any, Dict, Optional, Tuple

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from tests.reliability.harness import WECHAT_ACCOUNT, WECHAT_AES_KEY, WECHAT_APP_ID, WECHAT_TOKEN

_msg_id = [int(time.time() * 1000) * 1000]


def next_msg_id() -> int:
    _msg_id[0] += 1
    return _msg_id[0]


def sign(token: str, *parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def text_xml(content: str, openid: str, msg_id: Any = None, create_time: Any = None) -> str:
    return ("<xml>"
            f"<ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time()) if create_time is None else create_time}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{next_msg_id() if msg_id is None else msg_id}</MsgId>"
            "</xml>")


def text_xml_escaped(content: str, openid: str) -> str:
    """Content as escaped character data instead of CDATA (e.g. for character references)."""
    return ("<xml>"
            f"<ToUserName>{WECHAT_ACCOUNT}</ToUserName><FromUserName>{openid}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType>"
            f"<Content>{content}</Content><MsgId>{next_msg_id()}</MsgId></xml>")


def event_xml(event: str, openid: str, key: str = "") -> str:
    return ("<xml>"
            f"<ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey>"
            "</xml>")


def typed_xml(msg_type: str, openid: str, extra: str = "") -> str:
    return ("<xml>"
            f"<ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>{extra}"
            f"<MsgId>{next_msg_id()}</MsgId>"
            "</xml>")


class Request:
    """One prepared POST (or GET) to a WeChat webhook: query parameters and body."""

    def __init__(self, url: str, params: Dict[str, str], body: bytes, method: str = "POST"):
        self.url, self.params, self.body, self.method = url, params, body, method

    def send(self, timeout: float = 30) -> requests.Response:
        return requests.request(self.method, self.url, params=self.params, data=self.body, timeout=timeout)


def prepare(base_url: str, xml: Any, *, aes: bool, openid: str = "", ts_offset: int = 0,
            timestamp: Optional[str] = None, nonce: Optional[str] = None, token: str = WECHAT_TOKEN,
            app_id: str = WECHAT_APP_ID, aes_key: str = WECHAT_AES_KEY, encrypt: Optional[bool] = None,
            envelope: Optional[bytes] = None, msg_signature: Optional[str] = None,
            drop: Tuple[str, ...] = (), params: Optional[Dict[str, str]] = None) -> Request:
    """A push as WeChat would send it, then tampered as asked.

    ``xml`` is the message (str, or bytes sent as they are); in 安全模式 (``aes``) it is encrypted
    unless ``encrypt`` is False (a plaintext POST to an encrypted account). ``envelope`` replaces
    the encrypted envelope (e.g. an XML bomb around it)."""
    url = base_url + ("/webhooks/wechat/" if aes else "/webhooks/wechat_plain/")
    ts = timestamp if timestamp is not None else str(int(time.time()) + ts_offset)
    nonce = nonce if nonce is not None else uuid.uuid4().hex[:10]
    query = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid or "o-anon"}
    raw = xml if isinstance(xml, bytes) else xml.encode("utf-8", "surrogatepass")
    if aes and encrypt is not False:
        if envelope is not None:
            body = envelope
            query.update(encrypt_type="aes", msg_signature=msg_signature or sign(token, ts, nonce, "x"))
        else:
            crypto = WeChatCrypto(token, aes_key, app_id)
            enc = xmltodict.parse(crypto.encrypt_message(raw, nonce, ts))["xml"]  # bytes are encrypted as they are
            query.update(encrypt_type="aes", msg_signature=msg_signature or enc["MsgSignature"])
            body = ("<xml>"
                    f"<ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt>"
                    "</xml>").encode()
    else:
        body = raw
    query.update(params or {})
    for key in drop:
        query.pop(key, None)
    return Request(url, query, body)


def read_reply(resp: requests.Response, aes: bool) -> Tuple[Optional[str], str]:
    """(text content of the passive reply or None, why not). ``success`` gives (None, 'success')."""
    body = resp.text.strip()
    if body == "success":
        return None, "success"
    try:
        reply = xmltodict.parse(body)["xml"]
        if aes:
            crypto = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)
            plain = crypto.decrypt_message(body, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"])
            reply = xmltodict.parse(plain)["xml"]
        if reply.get("MsgType") != "text":
            return None, f"reply of type {reply.get('MsgType')!r}"
        return reply.get("Content") or "", ""
    except Exception as exc:  # noqa: BLE001 - reported as the case's failure
        return None, f"unreadable reply ({type(exc).__name__}: {exc}): {body[:200]!r}"
