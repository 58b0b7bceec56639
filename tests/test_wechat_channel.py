"""Tests of the WeChat Official Account connector (bot/channels/wechat.py).

Everything runs in-process over Sanic's ASGI interface (sanic-testing's
``asgi_client``); no network is used. ``SimulatedWeChat`` signs (and for
安全模式 encrypts) requests the way the real WeChat server does, and reads
the connector's replies back.
"""

import asyncio
import re
import base64
import threading
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional

import pytest
import xmltodict
from sanic import Sanic

from rasa.core.channels.channel import UserMessage, register
from rasa.shared.exceptions import RasaException
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.channels import wechat as wechat_module
from bot.channels.wechat import NON_TEXT_REPLY, TTLCache, WeChatInput
from bot.channels.wechat_format import (
    OPTIONS_HEADER,
    TRUNCATION_SUFFIX,
    Option,
    format_options,
    parse_option_choice,
    render_bot_messages,
    split_utf8,
    truncate_utf8,
    utf8_len,
)

TOKEN = "test-token-123"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "not-a-real-secret"
AES_KEY = base64.b64encode(bytes(range(32))).decode()[:-1]  # 43 chars
ACCOUNT = "gh_0123456789ab"
OPENID = "oUser-openid-0001"
URL = "/webhooks/wechat/"

ASK_CONTACT = '/ask_contact{"measure_id":"xc1-13"}'
BUTTONS = [
    {"title": "联系方式", "payload": ASK_CONTACT},
    {"title": "申请条件", "payload": '/ask_conditions{"measure_id":"xc1-13"}'},
]


# --------------------------------------------------------------------------- #
# fakes
# --------------------------------------------------------------------------- #
class FakeBot:
    """Stands in for rasa's Agent: ``register`` routes messages to handle_message."""

    def __init__(
        self, behaviour: Optional[Callable[[UserMessage], Awaitable[None]]] = None
    ):
        self.calls: List[UserMessage] = []
        self.behaviour = behaviour or self.echo

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.calls]

    @staticmethod
    async def echo(message: UserMessage) -> None:
        await message.output_channel.send_text_message(
            message.sender_id, f"你说的是：{message.text}"
        )

    async def handle_message(self, message: UserMessage) -> None:
        self.calls.append(message)
        await self.behaviour(message)


async def say(message: UserMessage, text: str) -> None:
    await message.output_channel.send_text_message(message.sender_id, text)


class FakeMessageAPI:
    def __init__(self, fail: bool = False) -> None:
        self.sent: List[tuple] = []
        self.fail = fail
        self.changed = threading.Event()

    def send_text(self, openid: str, content: str) -> Dict[str, Any]:
        if self.fail:
            # what requests reports when the token call fails: the URL has the secret
            raise RuntimeError(
                "HTTPSConnectionPool: Max retries exceeded with url: /cgi-bin/token"
                f"?grant_type=client_credential&appid={APP_ID}&secret={APP_SECRET}"
            )
        self.sent.append((openid, content))
        self.changed.set()
        return {"errcode": 0, "errmsg": "ok"}


class FakeClient:
    def __init__(self, fail: bool = False) -> None:
        self.message = FakeMessageAPI(fail)
        self.created_with: Optional[tuple] = None

    @property
    def sent(self) -> List[tuple]:
        return self.message.sent


async def wait_for_sent(client: FakeClient, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(client.sent) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert len(client.sent) >= count, client.sent


class SimulatedWeChat:
    """Signs/encrypts requests like WeChat and decodes the connector's replies."""

    def __init__(
        self, token: str = TOKEN, app_id: str = APP_ID, aes_key: Optional[str] = None
    ):
        self.token = token
        self.app_id = app_id
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self._msg_id = 7000000000000000000

    def sign(self, *parts: str) -> str:
        signer = WeChatSigner()
        signer.add_data(self.token, *parts)
        return signer.signature

    @staticmethod
    def _ts_nonce() -> tuple:
        return str(int(time.time())), uuid.uuid4().hex[:10]

    def verify_params(self, echostr: str) -> Dict[str, str]:
        ts, nonce = self._ts_nonce()
        return {
            "signature": self.sign(ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        }

    def next_msg_id(self) -> int:
        self._msg_id += 1
        return self._msg_id

    @staticmethod
    def text_xml(
        content: str, msg_id: int, openid: str = OPENID, create_time: int = 0
    ) -> str:
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id}</MsgId>"
            "</xml>"
        )

    @staticmethod
    def event_xml(
        event: str, openid: str = OPENID, create_time: int = 0, key: str = ""
    ) -> str:
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey>"
            "</xml>"
        )

    @staticmethod
    def image_xml(msg_id: int, openid: str = OPENID) -> str:
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[image]]></MsgType>"
            "<PicUrl><![CDATA[http://example.invalid/a.jpg]]></PicUrl>"
            "<MediaId><![CDATA[media_id]]></MediaId>"
            f"<MsgId>{msg_id}</MsgId>"
            "</xml>"
        )

    def signed_post(self, xml: str, openid: str = OPENID) -> tuple:
        """(query params, body) of a push of ``xml``, as WeChat would send it."""
        ts, nonce = self._ts_nonce()
        params = {
            "signature": self.sign(ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "openid": openid,
        }
        if self.crypto is None:
            return params, xml.encode("utf-8")
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
        params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        body = (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt>"
            "</xml>"
        )
        return params, body.encode("utf-8")

    async def post(self, app: Sanic, xml: str, **kwargs: Any):
        params, body = self.signed_post(xml)
        _, resp = await app.asgi_client.post(URL, params=params, content=body, **kwargs)
        return resp

    def read_reply(self, resp) -> Dict[str, str]:
        """The reply XML (decrypted in 安全模式) as a dict."""
        assert resp.status == 200, resp.text
        assert resp.text.strip().startswith("<xml>"), resp.text
        reply = xmltodict.parse(resp.text)["xml"]
        if self.crypto is not None:
            plain = self.crypto.decrypt_message(
                resp.text, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
            )
            reply = xmltodict.parse(plain)["xml"]
        assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT
        assert reply["MsgType"] == "text"
        return reply


# --------------------------------------------------------------------------- #
# fixtures / helpers
# --------------------------------------------------------------------------- #
def make_channel(client: Optional[FakeClient] = None, **overrides: Any) -> WeChatInput:
    credentials = {
        "token": TOKEN,
        "app_id": APP_ID,
        "app_secret": APP_SECRET,
        "encoding_aes_key": None,
        "passive_timeout": 2.0,
        "max_body_bytes": 65536,
    }
    credentials.update(overrides)
    channel = WeChatInput.from_credentials(credentials)
    channel.followup_delay = 0.0
    if client is not None:

        def factory(app_id: str, app_secret: str) -> FakeClient:
            client.created_with = (app_id, app_secret)
            return client

        channel.client_factory = factory
    return channel


def make_app(channel: WeChatInput, bot: FakeBot) -> Sanic:
    """A Sanic app with only the connector, registered the way rasa does it."""
    app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = bot
    register([channel], app, route="/webhooks/")
    return app


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)


# --------------------------------------------------------------------------- #
# URL verification and request security
# --------------------------------------------------------------------------- #
def test_get_echoes_echostr_with_valid_signature():
    app = make_app(make_channel(), FakeBot())
    params = SimulatedWeChat().verify_params("echo-1234567890")

    async def scenario():
        _, resp = await app.asgi_client.get(URL, params=params)
        return resp

    resp = run(scenario())
    assert resp.status == 200
    assert resp.text == "echo-1234567890"
    assert resp.headers["content-type"].startswith("text/plain")


def test_get_verification_also_works_in_aes_mode():
    app = make_app(make_channel(encoding_aes_key=AES_KEY), FakeBot())
    params = SimulatedWeChat(aes_key=AES_KEY).verify_params("echo-aes")

    async def scenario():
        _, resp = await app.asgi_client.get(URL, params=params)
        return resp

    resp = run(scenario())
    assert (resp.status, resp.text) == (200, "echo-aes")


@pytest.mark.parametrize("tamper", ["forged", "wrong_token", "missing"])
def test_get_rejects_bad_signature(tamper):
    app = make_app(make_channel(), FakeBot())
    if tamper == "wrong_token":
        params = SimulatedWeChat(token="other-token").verify_params("x")
    else:
        params = SimulatedWeChat().verify_params("x")
        if tamper == "forged":
            params["signature"] = "0" * 40
        else:
            del params["signature"]

    async def scenario():
        _, resp = await app.asgi_client.get(URL, params=params)
        return resp

    resp = run(scenario())
    assert resp.status == 403
    assert resp.text != "x"  # echostr not echoed


def test_health():
    app = make_app(make_channel(), FakeBot())

    async def scenario():
        _, resp = await app.asgi_client.get(URL + "health")
        return resp

    resp = run(scenario())
    assert resp.status == 200 and resp.json == {"status": "ok"}


@pytest.mark.parametrize(
    "tamper", ["forged", "missing", "wrong_token", "replayed_on_other_nonce"]
)
def test_post_rejects_forged_or_missing_signature(tamper):
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat(token="other-token" if tamper == "wrong_token" else TOKEN)
    params, body = wx.signed_post(wx.text_xml("你好", wx.next_msg_id()))
    if tamper == "forged":
        params["signature"] = "f" * 40
    elif tamper == "missing":
        del params["signature"]
    elif tamper == "replayed_on_other_nonce":
        params["nonce"] = params["nonce"] + "x"

    async def scenario():
        _, resp = await app.asgi_client.post(URL, params=params, content=body)
        return resp

    resp = run(scenario())
    assert resp.status == 403
    assert bot.calls == []


@pytest.mark.parametrize(
    "tamper", ["forged_msg_signature", "missing_msg_signature", "other_app_id"]
)
def test_aes_post_rejects_bad_message_signature(tamper):
    bot = FakeBot()
    app = make_app(make_channel(encoding_aes_key=AES_KEY), bot)
    app_id = "wxOTHERAPP" if tamper == "other_app_id" else APP_ID
    wx = SimulatedWeChat(aes_key=AES_KEY, app_id=app_id)
    params, body = wx.signed_post(wx.text_xml("你好", wx.next_msg_id()))
    if tamper == "forged_msg_signature":
        params["msg_signature"] = "a" * 40
    elif tamper == "missing_msg_signature":
        del params["msg_signature"]

    async def scenario():
        _, resp = await app.asgi_client.post(URL, params=params, content=body)
        return resp

    resp = run(scenario())
    assert resp.status == 403
    assert bot.calls == []


@pytest.mark.parametrize(
    "body",
    [
        "<xml><ToUserName>broken",
        "this is not xml at all",
        "<xml><Foo>bar</Foo></xml>",
        "<other><MsgType>text</MsgType></other>",
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content>"
        "<MsgId>not-a-number</MsgId></xml>",
        "",
    ],
)
def test_malformed_xml_gives_clean_400(body):
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()
    params, _ = wx.signed_post("")

    async def scenario():
        _, resp = await app.asgi_client.post(URL, params=params, content=body.encode())
        return resp

    resp = run(scenario())
    assert resp.status == 400
    assert "Traceback" not in resp.text and len(resp.text) < 200
    assert bot.calls == []


def test_malformed_encrypted_payload_gives_400():
    bot = FakeBot()
    app = make_app(make_channel(encoding_aes_key=AES_KEY), bot)
    wx = SimulatedWeChat(aes_key=AES_KEY)
    ts, nonce = str(int(time.time())), "abc"
    garbage = "bm90IHJlYWxseSBlbmNyeXB0ZWQ="
    params = {
        "signature": wx.sign(ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": wx.sign(ts, nonce, garbage),
    }
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()

    async def scenario():
        _, resp = await app.asgi_client.post(URL, params=params, content=body)
        return resp

    resp = run(scenario())
    assert resp.status == 400
    assert bot.calls == []


def test_oversized_body_gives_413():
    bot = FakeBot()
    app = make_app(make_channel(max_body_bytes=1024), bot)
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.text_xml("长" * 2000, wx.next_msg_id()))

    resp = run(scenario())
    assert resp.status == 413
    assert bot.calls == []


def test_oversized_chunked_body_without_content_length_gives_413():
    bot = FakeBot()
    app = make_app(make_channel(max_body_bytes=1024), bot)
    wx = SimulatedWeChat()
    params, body = wx.signed_post(wx.text_xml("长" * 2000, wx.next_msg_id()))

    async def chunks():
        for i in range(0, len(body), 256):
            yield body[i : i + 256]

    async def scenario():
        _, resp = await app.asgi_client.post(URL, params=params, content=chunks())
        return resp

    resp = run(scenario())
    assert resp.status == 413
    assert bot.calls == []


# --------------------------------------------------------------------------- #
# messages
# --------------------------------------------------------------------------- #
def test_plaintext_text_message_gets_passive_reply():
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()
    msg_id = wx.next_msg_id()

    async def scenario():
        return await wx.post(app, wx.text_xml("西城区房租减免怎么申请？", msg_id))

    resp = run(scenario())
    assert resp.headers["content-type"].startswith("application/xml")
    reply = wx.read_reply(resp)
    assert reply["Content"] == "你说的是：西城区房租减免怎么申请？"

    assert len(bot.calls) == 1
    call = bot.calls[0]
    assert call.sender_id == f"wechat:{OPENID}"  # one conversation per channel and user
    assert call.input_channel == "wechat"
    assert call.metadata["wechat"]["msg_id"] == str(msg_id)
    assert call.metadata["wechat"]["msg_type"] == "text"


def test_aes_mode_reply_decrypts_to_bot_text():
    bot = FakeBot()
    app = make_app(make_channel(encoding_aes_key=AES_KEY), bot)
    wx = SimulatedWeChat(aes_key=AES_KEY)

    async def scenario():
        return await wx.post(app, wx.text_xml("东城区有哪些补贴？", wx.next_msg_id()))

    resp = run(scenario())
    envelope = xmltodict.parse(resp.text)["xml"]
    assert "Encrypt" in envelope and "Content" not in envelope  # nothing in clear
    assert "东城区" not in resp.text
    reply = wx.read_reply(resp)  # decrypts with WeChatCrypto.decrypt_message
    assert reply["Content"] == "你说的是：东城区有哪些补贴？"
    assert bot.texts == ["东城区有哪些补贴？"]


def test_subscribe_event_sends_greet_and_returns_welcome():
    async def welcome(message: UserMessage) -> None:
        assert message.text == "/greet"
        await say(message, "欢迎关注！我是政策小助手。")

    bot = FakeBot(welcome)
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.event_xml("subscribe"))

    reply = wx.read_reply(run(scenario()))
    assert reply["Content"] == "欢迎关注！我是政策小助手。"
    assert bot.texts == ["/greet"]
    assert bot.calls[0].sender_id == f"wechat:{OPENID}"
    assert bot.calls[0].metadata["wechat"]["event"] == "subscribe"


def test_scan_to_subscribe_also_greets():
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.event_xml("subscribe", key="qrscene_42"))

    wx.read_reply(run(scenario()))
    assert bot.texts == ["/greet"]


def test_image_message_gets_polite_text_without_bot():
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.image_xml(wx.next_msg_id()))

    reply = wx.read_reply(run(scenario()))
    assert reply["Content"] == NON_TEXT_REPLY
    assert "只能看懂文字消息" in reply["Content"]
    assert bot.calls == []


def test_image_message_polite_reply_is_encrypted_in_aes_mode():
    bot = FakeBot()
    app = make_app(make_channel(encoding_aes_key=AES_KEY), bot)
    wx = SimulatedWeChat(aes_key=AES_KEY)

    async def scenario():
        return await wx.post(app, wx.image_xml(wx.next_msg_id()))

    assert wx.read_reply(run(scenario()))["Content"] == NON_TEXT_REPLY
    assert bot.calls == []


def test_unsubscribe_event_is_acknowledged_silently():
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.event_xml("unsubscribe"))

    resp = run(scenario())
    assert (resp.status, resp.text) == (200, "success")
    assert bot.calls == []


def test_bot_error_gives_apology_not_500():
    async def broken(message: UserMessage) -> None:
        raise RuntimeError("boom")

    bot = FakeBot(broken)
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.text_xml("你好", wx.next_msg_id()))

    reply = wx.read_reply(run(scenario()))
    assert "稍后再试" in reply["Content"]


def test_bot_without_answer_gets_an_apology_without_guessed_contacts():
    """E.g. the action server is down: Rasa answers nothing, the user still gets a reply."""
    async def silent(message: UserMessage) -> None:
        return None

    app = make_app(make_channel(), FakeBot(silent))
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.text_xml("你好", wx.next_msg_id()))

    resp = run(scenario())
    assert resp.status == 200
    content = wx.reply_content(resp.text) if hasattr(wx, "reply_content") else resp.text
    said = re.search(r"<Content><!\[CDATA\[(.*?)\]\]>", content, re.S).group(1)
    assert "抱歉" in said and not any(ch.isdigit() for ch in said)


# --------------------------------------------------------------------------- #
# timing: retries and slow answers
# --------------------------------------------------------------------------- #
def test_duplicate_msg_id_retry_calls_bot_once_and_gets_same_answer():
    async def slowish(message: UserMessage) -> None:
        await asyncio.sleep(0.3)
        await FakeBot.echo(message)

    bot = FakeBot(slowish)
    app = make_app(make_channel(passive_timeout=2.0), bot)
    wx = SimulatedWeChat()
    msg_id = wx.next_msg_id()
    xml = wx.text_xml("重复的消息", msg_id)

    async def scenario():
        # WeChat's retry arrives while the first request is still waiting ...
        first, retry = await asyncio.gather(wx.post(app, xml), wx.post(app, xml))
        # ... and another one after the answer was given
        late_retry = await wx.post(app, xml)
        return first, retry, late_retry

    responses = run(scenario())
    contents = [wx.read_reply(r)["Content"] for r in responses]
    assert contents == ["你说的是：重复的消息"] * 3
    assert len(bot.calls) == 1


def test_duplicate_subscribe_event_retry_greets_once():
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()
    xml = wx.event_xml("subscribe", create_time=1700000000)

    async def scenario():
        return [await wx.post(app, xml), await wx.post(app, xml)]

    contents = [wx.read_reply(r)["Content"] for r in run(scenario())]
    assert contents[0] == contents[1]
    assert bot.texts == ["/greet"]


def test_slow_bot_replies_success_then_customer_service_delivers():
    async def slow(message: UserMessage) -> None:
        await asyncio.sleep(1.0)
        await say(message, "这是一个很慢的回答。")

    bot = FakeBot(slow)
    client = FakeClient()
    app = make_app(make_channel(client, passive_timeout=0.2), bot)
    wx = SimulatedWeChat()
    xml = wx.text_xml("慢问题", wx.next_msg_id())

    async def scenario():
        started = time.monotonic()
        first = await wx.post(app, xml)
        elapsed = time.monotonic() - started
        retry = await wx.post(app, xml)  # a retry must not start a second turn
        await wait_for_sent(client, 1)
        await asyncio.sleep(0.2)  # nothing else may arrive
        return first, retry, elapsed

    first, retry, elapsed = run(scenario())
    assert (first.status, first.text) == (200, "success")
    assert elapsed < 0.9  # answered before the bot finished
    assert (retry.status, retry.text) == (200, "success")
    assert client.sent == [(OPENID, "这是一个很慢的回答。")]
    assert client.created_with == (APP_ID, APP_SECRET)
    assert len(bot.calls) == 1


def test_slow_bot_delivery_errors_are_swallowed(caplog):
    async def slow(message: UserMessage) -> None:
        await asyncio.sleep(0.4)
        await FakeBot.echo(message)

    client = FakeClient(fail=True)
    bot = FakeBot(slow)
    channel = make_channel(client, passive_timeout=0.1)
    app = make_app(channel, bot)
    wx = SimulatedWeChat()

    async def scenario():
        first = await wx.post(app, wx.text_xml("慢问题", wx.next_msg_id()))
        await asyncio.sleep(0.6)
        # the connector keeps working afterwards
        second = await wx.post(app, wx.text_xml("再问一次", wx.next_msg_id()))
        return first, second

    first, second = run(scenario())
    assert first.text == "success"
    assert second.text == "success"  # also slow; again handed to the (failing) API
    assert client.sent == []
    assert len(bot.calls) == 2
    assert "customer-service delivery failed" in caplog.text
    assert APP_SECRET not in caplog.text  # secrets never reach the logs


def test_api_error_codes_are_logged_without_secrets():
    from wechatpy.exceptions import WeChatClientException

    channel = make_channel()
    text = channel._describe_error(WeChatClientException(45015, "response out of time limit"))
    assert "45015" in text and "out of time limit" in text
    leaked = channel._describe_error(
        ValueError(f"/cgi-bin/message/custom/send?access_token=TOKEN123&x=1 secret={APP_SECRET}")
    )
    assert "TOKEN123" not in leaked and APP_SECRET not in leaked


# --------------------------------------------------------------------------- #
# rendering: long answers and buttons
# --------------------------------------------------------------------------- #
def _long_answer() -> str:
    line = "条：符合条件的小微企业和个体工商户可以申请减免房屋租金，具体以通知为准。"
    return "\n".join(f"第{i}{line}" for i in range(1, 121))


def test_long_answer_is_split_and_rest_sent_via_customer_service():
    answer = _long_answer()
    assert utf8_len(answer) > 3 * 2048

    async def long_bot(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, answer)

    client = FakeClient()
    app = make_app(make_channel(client), FakeBot(long_bot))
    wx = SimulatedWeChat()

    async def scenario():
        resp = await wx.post(app, wx.text_xml("全部政策", wx.next_msg_id()))
        await wait_for_sent(client, 1)
        await asyncio.sleep(0.2)
        return resp

    first = wx.read_reply(run(scenario()))["Content"]
    rest = [content for openid, content in client.sent]
    parts = [first] + rest
    assert len(parts) >= 4
    assert all(utf8_len(p) <= 2048 for p in parts)
    assert all(openid == OPENID for openid, _ in client.sent)
    # every line arrives, in order, none cut in the middle
    assert "\n".join(parts).split("\n") == answer.split("\n")


def test_long_answer_without_client_is_truncated():
    answer = _long_answer()

    async def long_bot(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, answer)

    app = make_app(make_channel(app_secret=None), FakeBot(long_bot))
    wx = SimulatedWeChat()

    async def scenario():
        return await wx.post(app, wx.text_xml("全部政策", wx.next_msg_id()))

    content = wx.read_reply(run(scenario()))["Content"]
    assert utf8_len(content) <= 2048
    assert content.endswith(TRUNCATION_SUFFIX)
    assert answer.startswith(content[: -len(TRUNCATION_SUFFIX)].rstrip())


def test_buttons_become_numbered_options_and_number_sends_payload():
    async def bot_with_buttons(message: UserMessage) -> None:
        if message.text.startswith("/"):
            await say(message, f"收到指令 {message.text}")
            return
        await say(message, "找到了西城区房租减免政策。")
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "您还想了解：", BUTTONS
        )

    bot = FakeBot(bot_with_buttons)
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        r1 = await wx.post(app, wx.text_xml("西城区房租减免", wx.next_msg_id()))
        r2 = await wx.post(app, wx.text_xml("1", wx.next_msg_id()))
        # the payload's answer had no buttons: "1" is now plain text again
        r3 = await wx.post(app, wx.text_xml("1", wx.next_msg_id()))
        await wx.post(app, wx.text_xml("西城区房租减免", wx.next_msg_id()))
        r5 = await wx.post(app, wx.text_xml("２．", wx.next_msg_id()))  # full-width
        await wx.post(app, wx.text_xml("西城区房租减免", wx.next_msg_id()))
        r7 = await wx.post(app, wx.text_xml("3", wx.next_msg_id()))  # out of range
        return r1, r2, r3, r5, r7

    r1, r2, r3, r5, r7 = run(scenario())
    assert wx.read_reply(r1)["Content"] == (
        "找到了西城区房租减免政策。\n\n您还想了解：\n\n"
        "回复数字选择：\n1. 联系方式\n2. 申请条件"
    )
    assert wx.read_reply(r2)["Content"] == f"收到指令 {ASK_CONTACT}"
    assert bot.texts[1] == ASK_CONTACT
    assert bot.calls[1].metadata["wechat"]["original_text"] == "1"
    assert bot.texts[2] == "1"
    assert bot.texts[4] == '/ask_conditions{"measure_id":"xc1-13"}'
    assert bot.texts[6] == "3"
    assert wx.read_reply(r3) and wx.read_reply(r5) and wx.read_reply(r7)


def test_options_are_per_user():
    async def bot_with_buttons(message: UserMessage) -> None:
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "请选择：", BUTTONS
        )

    bot = FakeBot(bot_with_buttons)
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()

    async def scenario():
        await wx.post(app, wx.text_xml("你好", wx.next_msg_id()))
        params, body = wx.signed_post(wx.text_xml("1", wx.next_msg_id(), openid="oAnotherUser"))
        await app.asgi_client.post(URL, params=params, content=body)

    run(scenario())
    assert bot.texts == ["你好", "1"]
    assert bot.calls[1].sender_id == "wechat:oAnotherUser"


# --------------------------------------------------------------------------- #
# credentials
# --------------------------------------------------------------------------- #
def test_from_credentials_parses_strings_and_defaults():
    channel = WeChatInput.from_credentials(
        {
            "token": TOKEN,
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "encoding_aes_key": "",  # an unset optional env var -> plaintext mode
            "passive_timeout": "0.5",  # env vars expand to strings
            "max_body_bytes": "2048",
        }
    )
    assert channel.name() == "wechat"
    assert channel.crypto is None
    assert channel.passive_timeout == 0.5
    assert channel.max_body_bytes == 2048
    default = WeChatInput.from_credentials({"token": TOKEN})
    assert default.passive_timeout == 4.0
    assert default.max_body_bytes == 65536
    assert not default.has_client


@pytest.mark.parametrize(
    "credentials",
    [
        None,
        {},
        {"app_id": APP_ID},
        {"token": TOKEN, "encoding_aes_key": "too-short", "app_id": APP_ID},
        {"token": TOKEN, "encoding_aes_key": AES_KEY},  # AES needs app_id
        {"token": TOKEN, "passive_timeout": "soon"},
        {"token": TOKEN, "passive_timeout": 0},
    ],
)
def test_from_credentials_rejects_bad_config(credentials):
    with pytest.raises(RasaException):
        WeChatInput.from_credentials(credentials)


def test_rasa_loads_channel_from_credentials_file_with_env_vars(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    monkeypatch.setenv("WECHAT_TOKEN_T", TOKEN)
    monkeypatch.setenv("WECHAT_APP_ID_T", APP_ID)
    monkeypatch.setenv("WECHAT_AES_T", AES_KEY)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "bot.channels.wechat.WeChatInput:\n"
        "  token: ${WECHAT_TOKEN_T}\n"
        "  app_id: ${WECHAT_APP_ID_T}\n"
        "  encoding_aes_key: ${WECHAT_AES_T}\n"
        "  passive_timeout: 3.5\n",
        encoding="utf-8",
    )
    (channel,) = create_http_input_channels(None, str(credentials))
    assert isinstance(channel, WeChatInput)
    assert channel.token == TOKEN and channel.app_id == APP_ID
    assert channel.crypto is not None
    assert channel.passive_timeout == 3.5
    assert channel.url_prefix() == "wechat"


# --------------------------------------------------------------------------- #
# pure rendering helpers (bot/channels/wechat_format.py)
# --------------------------------------------------------------------------- #
def test_render_joins_texts_and_numbers_buttons_across_messages():
    rendered = render_bot_messages(
        [
            {"recipient_id": "u", "text": "第一段"},
            {"recipient_id": "u", "text": "第二段", "buttons": BUTTONS[:1]},
            {"recipient_id": "u", "image": "https://example.invalid/x.png"},
            {
                "recipient_id": "u",
                "text": "选项",
                "buttons": [{"title": "其他", "payload": "/other"}],
            },
        ]
    )
    assert rendered.text == (
        "第一段\n\n第二段\n\nhttps://example.invalid/x.png\n\n选项\n\n"
        "回复数字选择：\n1. 联系方式\n2. 其他"
    )
    assert rendered.options == [Option("联系方式", ASK_CONTACT), Option("其他", "/other")]
    assert render_bot_messages([]).text == ""
    assert format_options([]) == ""
    assert format_options([Option("A", "/a")]) == f"{OPTIONS_HEADER}\n1. A"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1", 1),
        (" 2 ", 2),
        ("１", 1),
        ("1.", 1),
        ("１．", 1),
        ("3。", 3),
        ("2、", 2),
        ("10", 10),
        ("0", None),
        ("1个", None),
        ("12345", None),
        ("第1条", None),
        ("一", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_option_choice(text, expected):
    assert parse_option_choice(text) == expected


def test_split_utf8_short_text_is_one_part():
    assert split_utf8("你好\n世界") == ["你好\n世界"]
    assert split_utf8("") == []


def test_split_utf8_respects_byte_limit_at_line_boundaries():
    text = "\n".join("行" * 100 for _ in range(30))  # 300 bytes per line
    parts = split_utf8(text, 2048)
    assert all(utf8_len(p) <= 2048 for p in parts)
    assert all(line == "行" * 100 for p in parts for line in p.split("\n"))
    assert "\n".join(parts) == text


@pytest.mark.parametrize("char", ["a", "é", "中", "😀"])
def test_split_utf8_hard_splits_long_line_on_character_boundaries(char):
    line = char * 3000
    parts = split_utf8("开头\n" + line + "\n结尾", 2048)
    assert all(0 < utf8_len(p) <= 2048 for p in parts)
    for p in parts:
        p.encode("utf-8").decode("utf-8")  # every part is valid UTF-8 on its own
    assert "".join(parts).replace("\n", "") == ("开头" + line + "结尾")


def test_truncate_utf8():
    assert truncate_utf8("短文本", 2048) == "短文本"
    cut = truncate_utf8("中" * 1000, 2048)
    assert utf8_len(cut) <= 2048
    assert cut.endswith(TRUNCATION_SUFFIX)
    assert cut.startswith("中" * 600)


def test_option_memory_expires():
    now = [1000.0]
    channel = make_channel()
    channel._options = TTLCache(30 * 60, clock=lambda: now[0])
    channel.remember_options(OPENID, ["/a", "/b"])
    assert channel.resolve_choice(OPENID, "2") == "/b"
    assert channel.resolve_choice(OPENID, "3") is None
    assert channel.resolve_choice("someone-else", "1") is None
    now[0] += 29 * 60
    assert channel.resolve_choice(OPENID, "1") == "/a"
    now[0] += 2 * 60
    assert channel.resolve_choice(OPENID, "1") is None


def test_ttl_cache_is_bounded():
    cache = TTLCache(60, max_entries=3)
    for i in range(5):
        cache.set(i, i)
    assert len(cache) == 3
    assert cache.get(0) is None and cache.get(4) == 4


def test_default_client_factory_builds_wechatpy_client():
    from wechatpy.client import WeChatClient

    client = wechat_module.default_client_factory(APP_ID, APP_SECRET)
    assert isinstance(client, WeChatClient)
    assert client.appid == APP_ID
    assert hasattr(client.message, "send_text")


@pytest.mark.parametrize("openid", ["o\u2028x", "o\u200bx", "o" * 129, "a\tb"])
def test_invalid_openid_gives_400_without_bot(openid):
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()
    xml = wx.text_xml("你好", wx.next_msg_id(), openid=openid)

    async def scenario():
        return await wx.post(app, xml)

    resp = run(scenario())
    assert resp.status == 400
    assert bot.calls == []


# --------------------------------------------------------------------------- #
# replays: signed timestamps within a window, nonces and message ids remembered, 安全模式
# --------------------------------------------------------------------------- #
NOW = 1_800_000_000


def plain_params(wx: SimulatedWeChat, ts: int, nonce: str = "n0nce") -> Dict[str, str]:
    return {"signature": wx.sign(str(ts), nonce), "timestamp": str(ts), "nonce": nonce, "openid": OPENID}


def clocked_channel(now: List[float], replay_store: Any = None, **overrides: Any) -> WeChatInput:
    channel = make_channel(**overrides)
    channel.wall_clock = lambda: now[0]
    if replay_store is not None:
        channel.replay_store = replay_store
    return channel


@pytest.mark.parametrize("offset", [-365 * 86400, -301, 301, 3600])
def test_stale_or_future_timestamps_are_refused(offset):
    bot = FakeBot()
    app = make_app(clocked_channel([NOW]), bot)
    wx = SimulatedWeChat()
    xml = wx.text_xml("你好", wx.next_msg_id())

    async def scenario():
        _, post = await app.asgi_client.post(URL, params=plain_params(wx, NOW + offset), content=xml.encode())
        params = {**plain_params(wx, NOW + offset), "echostr": "echo"}
        _, get = await app.asgi_client.get(URL, params=params)
        return post, get

    post, get = run(scenario())
    assert (post.status, get.status) == (403, 403)
    assert "timestamp" in post.text and get.text != "echo"
    assert bot.calls == []


@pytest.mark.parametrize("offset", [-299, 0, 299])
def test_timestamps_within_the_window_are_accepted(offset):
    bot = FakeBot()
    app = make_app(clocked_channel([NOW]), bot)
    wx = SimulatedWeChat()

    async def scenario():
        xml = wx.text_xml("你好", wx.next_msg_id())
        _, resp = await app.asgi_client.post(URL, params=plain_params(wx, NOW + offset), content=xml.encode())
        return resp

    assert wx.read_reply(run(scenario()))["Content"] == "你说的是：你好"
    assert len(bot.calls) == 1


def test_exact_replay_two_minutes_later_runs_no_second_turn():
    now = [float(NOW)]
    bot = FakeBot()
    store = wechat_module.InMemoryReplayStore()
    app = make_app(clocked_channel(now, replay_store=store), bot)
    # another process (or this one after a restart of its turn memory) sharing the store
    other = make_app(clocked_channel(now, replay_store=store), bot)
    wx = SimulatedWeChat()
    params = plain_params(wx, NOW)
    body = wx.text_xml("查一下房租减免", wx.next_msg_id()).encode()

    async def scenario():
        _, first = await app.asgi_client.post(URL, params=params, content=body)
        now[0] += 120
        _, replay = await app.asgi_client.post(URL, params=params, content=body)
        _, elsewhere = await other.asgi_client.post(URL, params=params, content=body)
        now[0] += 600
        _, late = await app.asgi_client.post(URL, params=params, content=body)
        return first, replay, elsewhere, late

    first, replay, elsewhere, late = run(scenario())
    assert wx.read_reply(first)["Content"] == "你说的是：查一下房租减免"
    assert replay.status == 200 and elsewhere.status == 200
    assert elsewhere.text == "success"
    assert late.status == 403  # by now the timestamp is stale
    assert len(bot.calls) == 1


def test_a_signed_query_string_cannot_carry_another_message():
    """In 明文模式 the signature does not cover the body: a captured query string must not be
    usable to send other messages (as another user) within the window."""
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()
    params = plain_params(wx, int(time.time()), nonce="captured")

    async def scenario():
        _, first = await app.asgi_client.post(URL, params=params, content=wx.text_xml("你好", wx.next_msg_id()).encode())
        forged = wx.text_xml("伪造的消息", wx.next_msg_id(), openid="oVictim")
        _, second = await app.asgi_client.post(URL, params=params, content=forged.encode())
        return first, second

    first, second = run(scenario())
    assert first.status == 200 and second.status == 403
    assert bot.texts == ["你好"]


def test_aes_mode_refuses_plaintext_posts():
    bot = FakeBot()
    app = make_app(make_channel(encoding_aes_key=AES_KEY), bot)
    wx = SimulatedWeChat()  # signs with the right token but does not encrypt

    async def scenario():
        return await wx.post(app, wx.text_xml("你好", wx.next_msg_id()))

    resp = run(scenario())
    assert resp.status == 403
    assert bot.calls == []


def test_in_memory_replay_store_forgets_after_its_ttl():
    now = [0.0]
    store = wechat_module.InMemoryReplayStore(ttl=600, clock=lambda: now[0])

    async def scenario():
        results = [await store.remember("k", "a"), await store.remember("k", "b")]
        now[0] += 601
        results.append(await store.remember("k", "c"))
        return results

    assert run(scenario()) == [None, "a", None]


def test_markup_smuggled_into_the_content_gives_a_clean_400():
    bot = FakeBot()
    app = make_app(make_channel(), bot)
    wx = SimulatedWeChat()
    xml = wx.text_xml("你好]]><MsgType>image</MsgType><![CDATA[", wx.next_msg_id())
    params, body = wx.signed_post(xml)

    async def scenario():
        _, resp = await app.asgi_client.post(URL, params=params, content=body)
        return resp

    resp = run(scenario())
    assert resp.status == 400 and "Traceback" not in resp.text
    assert bot.calls == []
