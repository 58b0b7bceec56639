"""Custom Rasa input channels (WeChat Official Account: ``bot.channels.wechat``)."""
