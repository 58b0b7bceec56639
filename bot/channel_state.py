"""Channel state that must be shared when several Rasa replicas serve the same users.

What the channels keep between requests, besides the conversation itself (which is in the tracker
store): WeChat's MsgId/nonce de-duplication and the answer a retry gets, the numbered options a
WeChat user can pick with "1", "2" …, and the hotline console's count of wrong tokens per client.

``shared_state()`` is ``None`` in the embedded default (one process: each channel keeps this in
its own memory, as before) and a ``RedisState`` when ``CHANNEL_STATE_REDIS_URL`` is set
(``redis://:password@host:port/db``; the password only from the environment), so that a WeChat
retry landing on another replica gets the first answer, not a second turn, and "1" picks the
option another replica listed.

A Redis outage never makes a channel silent: reads then find nothing, writes are dropped, both
logged (the lock store fails the turn anyway, and the user gets the apology).
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, List, Optional, Text

logger = logging.getLogger(__name__)

ENV_URL = "CHANNEL_STATE_REDIS_URL"
KEY_PREFIX = "policyassistant:channel:"
SOCKET_TIMEOUT = 2.0

_shared: Any = None
_shared_url: Optional[str] = None


class RedisState:
    """Small key/value state with expiry in Redis (asyncio client; sync client for sync callers)."""

    def __init__(self, url: Text, prefix: Text = KEY_PREFIX) -> None:
        import redis
        import redis.asyncio as aioredis

        self.url, self.prefix = url, prefix
        self._aio = aioredis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT, decode_responses=True
        )
        self._sync = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT, decode_responses=True
        )

    def _k(self, key: Text) -> Text:
        return self.prefix + key

    async def set_if_absent(self, key: Text, value: Text, ttl: float) -> Optional[Text]:
        """Store ``value`` unless ``key`` exists; return the value already there (None: it was new).
        On a Redis error the key counts as new (a possible repeat beats silence)."""
        try:
            if await self._aio.set(self._k(key), value, nx=True, px=int(ttl * 1000)):
                return None
            return await self._aio.get(self._k(key))
        except Exception as e:
            logger.error("channel state: Redis unavailable (%s); treating %s as new", type(e).__name__, key)
            return None

    async def get(self, key: Text) -> Optional[Text]:
        try:
            return await self._aio.get(self._k(key))
        except Exception as e:
            logger.error("channel state: Redis unavailable (%s); %s not read", type(e).__name__, key)
            return None

    async def set(self, key: Text, value: Text, ttl: float) -> None:
        try:
            await self._aio.set(self._k(key), value, px=int(ttl * 1000))
        except Exception as e:
            logger.error("channel state: Redis unavailable (%s); %s not stored", type(e).__name__, key)

    async def delete(self, key: Text) -> None:
        try:
            await self._aio.delete(self._k(key))
        except Exception as e:
            logger.error("channel state: Redis unavailable (%s); %s not deleted", type(e).__name__, key)

    # -- sync: failures in a sliding window (console token guesses) ----------------------

    def add_failure(self, key: Text, window: float, now: Optional[float] = None) -> None:
        now = time.time() if now is None else now
        k = self._k(key)
        try:
            pipe = self._sync.pipeline()
            pipe.zadd(k, {f"{now:.6f}:{os.getpid()}": now})
            pipe.zremrangebyscore(k, 0, now - window)
            pipe.pexpire(k, int(window * 1000))
            pipe.execute()
        except Exception as e:
            logger.error("channel state: Redis unavailable (%s); failure not counted", type(e).__name__)

    def recent_failures(self, key: Text, window: float, now: Optional[float] = None) -> List[float]:
        now = time.time() if now is None else now
        try:
            return [float(s) for _, s in self._sync.zrangebyscore(self._k(key), now - window, "+inf", withscores=True)]
        except Exception as e:
            logger.error("channel state: Redis unavailable (%s); failures not read", type(e).__name__)
            return []


class SharedReplayStore:
    """``bot.channels.wechat.ReplayStore`` over ``RedisState`` (``SET key value NX PX ttl``)."""

    def __init__(self, state: RedisState, ttl: float) -> None:
        self.state, self.ttl = state, ttl

    async def remember(self, key: Text, value: Text) -> Optional[Text]:
        return await self.state.set_if_absent("wechat:" + key, value, self.ttl)


class SharedOptions:
    """The numbered options last shown to each WeChat user."""

    def __init__(self, state: RedisState, ttl: float) -> None:
        self.state, self.ttl = state, ttl

    async def remember(self, openid: Text, payloads: List[Text]) -> None:
        if payloads:
            await self.state.set("wechat-options:" + openid, json.dumps(list(payloads), ensure_ascii=False), self.ttl)
        else:
            await self.state.delete("wechat-options:" + openid)

    async def get(self, openid: Text) -> Optional[List[Text]]:
        raw = await self.state.get("wechat-options:" + openid)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None


def shared_state() -> Optional[RedisState]:
    """The shared store when ``CHANNEL_STATE_REDIS_URL`` is set, else None (in-memory default)."""
    global _shared, _shared_url
    url = os.environ.get(ENV_URL, "").strip()
    if not url:
        return None
    if _shared is None or _shared_url != url:
        _shared, _shared_url = RedisState(url), url
        logger.info("channel state shared in Redis (%s)", ENV_URL)
    return _shared


class SharedFailureLimiter:
    """``bot.channels.console.FailureLimiter`` over ``RedisState``: wrong console tokens are counted
    across replicas (else a guesser gets ``limit`` tries per replica)."""

    def __init__(self, state: RedisState, limit: int, window: float) -> None:
        self.state, self.limit, self.window = state, limit, window

    def retry_after(self, client: str) -> float:
        recent = sorted(self.state.recent_failures("console-failures:" + client, self.window))
        if len(recent) < self.limit:
            return 0.0
        return max(recent[-self.limit] + self.window - time.time(), 1.0)

    def failed(self, client: str) -> None:
        self.state.add_failure("console-failures:" + client, self.window)
