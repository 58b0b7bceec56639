"""A turn that misses its channel's deadline is finished and stored, never cut; messages from one
user at once are taken in order without waiting a second each for the conversation's lock."""
import asyncio
import time

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore

from bot import rasa_patches
from bot.channels import guarded


def run(coro):
    return asyncio.run(coro)


def test_a_slow_turn_is_answered_at_the_deadline_and_still_completes():
    finished = []

    async def slow_bot(message: UserMessage):
        await asyncio.sleep(0.3)
        await message.output_channel.send_text_message(message.sender_id, "迟到的答案")
        finished.append(message.text)

    async def scenario():
        out = CollectingOutputChannel()
        handler = guarded.guard(slow_bot, "rest", reply_timeout=0.05)
        await handler(UserMessage("西城房租", out, "u1"))
        at_deadline = [m["text"] for m in out.messages]
        await asyncio.sleep(0.5)
        return at_deadline, [m["text"] for m in out.messages]

    at_deadline, later = run(scenario())
    assert at_deadline == [guarded.LATE_REPLY]
    assert finished == ["西城房租"] and later[-1] == "迟到的答案"


def test_without_a_deadline_the_guard_waits_for_the_turn():
    async def slow_bot(message: UserMessage):
        await asyncio.sleep(0.1)
        await message.output_channel.send_text_message(message.sender_id, "答案")

    async def scenario():
        out = CollectingOutputChannel()
        await guarded.guard(slow_bot, "wechat", reply_timeout=None)(UserMessage("问题", out, "u1"))
        return [m["text"] for m in out.messages]

    assert run(scenario()) == ["答案"]


def test_messages_of_one_user_at_once_take_their_turns_in_order_quickly():
    rasa_patches.install()
    store = InMemoryLockStore()
    order = []

    async def turn(i):
        async with store.lock("rest:u1"):
            order.append(i)
            await asyncio.sleep(0.005)

    async def scenario():
        tasks = []
        for i in range(30):
            tasks.append(asyncio.ensure_future(turn(i)))
            await asyncio.sleep(0)     # issued in this order, as messages arrive
        await asyncio.gather(*tasks)

    started = time.monotonic()
    run(scenario())
    assert order == list(range(30))
    assert time.monotonic() - started < 5      # once-a-second polling took about 30 s
