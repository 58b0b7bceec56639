"""The WeChat connector in plaintext mode (明文模式), served beside the 安全模式 one for the suite.

Rasa registers each channel class once, so the suite's second WeChat configuration (token only, no
EncodingAESKey: what a user of the plaintext mode runs) is this subclass, which changes nothing but
its name, hence its URL (``/webhooks/wechat_plain/``), and its Sanic blueprint name.
"""
from typing import Any

from bot.channels.wechat import WeChatInput


class PlainWeChatInput(WeChatInput):
    @classmethod
    def name(cls) -> str:
        return "wechat_plain"

    def blueprint(self, on_new_message: Any) -> Any:
        blueprint = super().blueprint(on_new_message)
        return blueprint.copy(name=f"{blueprint.name}_plain")
