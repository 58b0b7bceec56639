"""Custom Rasa input channels (WeChat Official Account: ``bot.channels.wechat``).

Every deployment loads a channel from this package, so Rasa's scaling fixes (bounded sessions,
atomic Redis lock store, session queries; ``bot/rasa_scale_patches.py``) are installed with it.
"""

from bot import rasa_scale_patches

rasa_scale_patches.install()
