"""Rasa 3.6.21 changes that keep a turn's cost flat and make several replicas safe.

Installed with the channels (``bot/channels/__init__.py``), so every ``rasa run`` with our
credentials has them; each one is measured by ``scripts/bench.sh`` or tested in ``tests/scale/``.

1. **Sessions bounded by length.** Rasa already loads only the *current session* of a conversation
   from the tracker store (``SQLTrackerStore.retrieve``), sends only that to the action server and
   featurizes only that for the policies; but a session only ends after
   ``session_expiration_time`` minutes of silence, so a user who keeps talking makes every turn
   slower (the whole session is read, deserialised, replayed and sent on every turn). Here a
   session also ends once it holds ``RASA_MAX_SESSION_EVENTS`` events (default 120, about 20
   turns): Rasa then runs its own ``action_session_start``, which carries the slots over
   (``carry_over_slots_to_new_session: true``; the whole dialogue context is the ``context`` slot).
   Nothing is deleted: every event stays in the tracker store (``retrieve_full_tracker`` returns
   the whole conversation).
2. **Carry-over without accumulation.** Rasa's ``action_session_start`` copies *every* ``SlotSet``
   of the ending session, including the copies it made at the previous session start: the copies
   grow by one per turn per session. Only the latest value of each slot is copied here (the slot
   values of the new session are the same).
3. **Session queries that do not grow with the history.** ``SQLTrackerStore._event_query`` finds
   the latest session start with a correlated sub-query over all the sender's events, and there
   is only an index on ``sender_id``. Here the start is an uncorrelated sub-query (index on
   sender, type, timestamp) and the events are read by (sender, timestamp) range, in one
   statement; same rows, same order.
   PostgreSQL connections are checked before use (``pool_pre_ping``), so a restarted database
   costs no failed request once it is back.
4. **Rasa's Redis lock store, atomic.** ``RedisLockStore`` reads the ticket lock, changes it in
   Python and writes it back: two replicas issuing a ticket for the same conversation at the same
   moment can get the same number (both process at once), and a lock deleted by one replica while
   another queues loses that message (``LockError``). Here each of those read-modify-write steps
   is a Redis transaction (``WATCH``/``MULTI``, retried on conflict). Waiting for a ticket polls
   every 20 ms (Rasa: 1 s, so 50 queued messages took over 50 s and outlived the 60 s ticket
   lifetime), expiring dead tickets once a second as Rasa does.
5. **No silent in-memory fallback.** Rasa wraps the tracker store in ``FailSafeTrackerStore``: while
   the database is down it answers from an empty tracker (no district, no topic, no facts) and
   keeps the turn in one process's memory, so it is missing from the stored history for good.
   Here the error fails that request instead (logged; the channel answers with the polite
   apology), and the conversation continues from the database once it is back.
6. **One write per save, the event broker in one transaction.** Before saving, Rasa's tracker
   store reads the conversation back and deserialises it to find the new events for the event
   broker, and ``SQLEventBroker`` commits each event on its own (on SQLite, one synced write per
   event): about half of the Rasa server's CPU per message went there. Here the new events are
   known from the load (a tracker read from the store remembers how many of its events are stored;
   one conversation is processed by one replica at a time), written
   with one insert, then given to the broker in one insert and one commit. The tracker store is
   the record: it is written first, and a broker that fails is logged without failing the user's
   turn. The broker's PostgreSQL connections are checked before use too (``pool_pre_ping``).
   The tracker of the current session stays in memory between turns (``CurrentSessions``): it is
   used only while the store holds exactly that session, else read from the store.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

logger = logging.getLogger(__name__)

DEFAULT_MAX_SESSION_EVENTS = 120
LOCK_POLL_SECONDS = 0.02
LOCK_UPDATE_SECONDS = 1.0

_installed = False


def max_session_events() -> int:
    """Events after which a session ends (``RASA_MAX_SESSION_EVENTS``; 0 turns it off)."""
    try:
        return max(0, int(os.environ.get("RASA_MAX_SESSION_EVENTS", DEFAULT_MAX_SESSION_EVENTS)))
    except ValueError:
        return DEFAULT_MAX_SESSION_EVENTS


def events_in_current_session(tracker: Any) -> int:
    from rasa.shared.core.events import SessionStarted

    n = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        n += 1
    return n


# -- 1. sessions bounded by length -----------------------------------------------------------


def _patch_session_length() -> None:
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import UserUttered

    expired_by_time = MessageProcessor._has_session_expired

    def _has_session_expired(self: MessageProcessor, tracker: Any) -> bool:
        if expired_by_time(self, tracker):
            return True
        if not self.domain.session_config.are_sessions_enabled():
            return False
        limit = max_session_events()
        if not limit or tracker.get_last_event_for(UserUttered) is None:
            return False
        if events_in_current_session(tracker) >= limit:
            logger.debug("session of %s reached %d events: starting a new one", tracker.sender_id, limit)
            return True
        return False

    MessageProcessor._has_session_expired = _has_session_expired


# -- 2. carry-over without accumulation ------------------------------------------------------


def _patch_carry_over() -> None:
    from rasa.core.actions.action import ActionSessionStart
    from rasa.shared.core.events import SlotSet

    def _slot_set_events_from_tracker(tracker: Any) -> List[SlotSet]:
        latest: Dict[Text, SlotSet] = {}
        for event in tracker.applied_events():
            if isinstance(event, SlotSet):
                latest.pop(event.key, None)  # keep the order of the last assignments
                latest[event.key] = event
        return [SlotSet(key=e.key, value=e.value, metadata=e.metadata) for e in latest.values()]

    ActionSessionStart._slot_set_events_from_tracker = staticmethod(_slot_set_events_from_tracker)


# -- 3. session queries and connections ------------------------------------------------------

SESSION_START_INDEX = "ix_events_sender_type_ts"
SENDER_TIME_INDEX = "ix_events_sender_ts"


def _patch_sql_tracker_store() -> None:
    import sqlalchemy as sa
    from rasa.core import tracker_store
    from rasa.shared.core.events import SessionStarted

    store = tracker_store.SQLTrackerStore
    event = store.SQLEvent
    table = event.__table__
    names = {ix.name for ix in table.indexes}
    indexes = []
    if SESSION_START_INDEX not in names:
        indexes.append(sa.Index(SESSION_START_INDEX, event.sender_id, event.type_name, event.timestamp))
    if SENDER_TIME_INDEX not in names:
        indexes.append(sa.Index(SENDER_TIME_INDEX, event.sender_id, event.timestamp))
    our_indexes = [ix for ix in table.indexes if ix.name in (SESSION_START_INDEX, SENDER_TIME_INDEX)]

    def _event_query(self: Any, session: Any, sender_id: Text, fetch_events_from_all_sessions: bool) -> Any:
        query = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            # one statement: the sub-query is not correlated, so it is evaluated once (by the index)
            start = (
                session.query(sa.func.max(self.SQLEvent.timestamp))
                .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            query = query.filter(self.SQLEvent.timestamp >= sa.func.coalesce(start, 0))
        return query.order_by(self.SQLEvent.id)

    original_init = store.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        # create_all made them for a new database; an existing one gets them here (once).
        for ix in our_indexes:
            try:
                ix.create(self.engine, checkfirst=True)
            except Exception as e:  # another replica creating it at the same moment
                logger.info("tracker store index %s not created here: %s", ix.name, e)

    original_engine_kwargs = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url: Any) -> Dict[Text, Any]:
        kwargs = dict(original_engine_kwargs(url))
        if not str(getattr(url, "drivername", url)).startswith("sqlite"):
            kwargs["pool_pre_ping"] = True
            # an unreachable database fails a request in seconds instead of blocking the event loop
            kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "connect_timeout": 5}
        return kwargs

    store._event_query = _event_query
    store.__init__ = __init__
    tracker_store.create_engine_kwargs = create_engine_kwargs


# -- 4. atomic Redis lock store --------------------------------------------------------------


def _patch_redis_lock_store() -> None:
    from rasa.core.lock import TicketLock
    from rasa.core.lock_store import LockError, LockStore, RedisLockStore

    def _atomic(
        self: RedisLockStore, conversation_id: Text, change: Callable[[Optional[TicketLock]], Optional[TicketLock]]
    ) -> Any:
        """Apply ``change`` to the stored lock in one Redis transaction; a ``None`` result deletes it."""
        key = self.key_prefix + conversation_id
        result: Dict[Text, Any] = {}

        def work(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new = change(lock)
            result["lock"] = new
            pipe.multi()
            if new is None or not new.tickets:
                pipe.delete(key)
            else:
                pipe.set(key, new.dumps())

        self.red.transaction(work, key)
        return result.get("lock")

    def issue_ticket(self: RedisLockStore, conversation_id: Text, lock_lifetime: float = None) -> int:
        from rasa.core.lock_store import LOCK_LIFETIME

        lifetime = LOCK_LIFETIME if lock_lifetime is None else lock_lifetime
        issued: Dict[Text, int] = {}

        def change(lock: Optional[TicketLock]) -> TicketLock:
            lock = lock or TicketLock(conversation_id)
            issued["ticket"] = lock.issue_ticket(lifetime)
            return lock

        try:
            _atomic(self, conversation_id, change)
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from None
        return issued["ticket"]

    def update_lock(self: RedisLockStore, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock:
                lock.remove_expired_tickets()
            return lock

        _atomic(self, conversation_id, change)

    def finish_serving(self: RedisLockStore, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock

        _atomic(self, conversation_id, change)

    def cleanup(self: RedisLockStore, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving deletes the lock in the same transaction when no ticket is left.
        self.finish_serving(conversation_id, ticket_number)

    async def _acquire_lock(
        self: RedisLockStore, conversation_id: Text, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        poll = min(wait_time_in_seconds, LOCK_POLL_SECONDS)
        last_update = time.monotonic()
        while True:
            lock = self.get_lock(conversation_id)
            if not lock or lock._ticket_for_ticket_number(ticket) is None:
                break  # our ticket expired (or the lock was removed): Rasa raises LockError too
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(poll)
            if time.monotonic() - last_update >= LOCK_UPDATE_SECONDS:
                self.update_lock(conversation_id)
                last_update = time.monotonic()
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    RedisLockStore.issue_ticket = issue_ticket
    RedisLockStore.update_lock = update_lock
    RedisLockStore.finish_serving = finish_serving
    RedisLockStore.cleanup = cleanup
    RedisLockStore._acquire_lock = _acquire_lock
    assert LockStore.lock  # the context manager itself is Rasa's


# -- 5. no silent in-memory fallback ---------------------------------------------------------


def _patch_fail_safe_tracker_store() -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore

    async def retrieve(self: Any, sender_id: Text) -> Any:
        try:
            return await self._tracker_store.retrieve(sender_id)
        except Exception as e:
            logger.error("tracker store unavailable, this message fails (no in-memory fallback): %s", e)
            raise

    async def retrieve_full_tracker(self: Any, sender_id: Text) -> Any:
        try:
            return await self._tracker_store.retrieve_full_tracker(sender_id)
        except Exception as e:
            logger.error("tracker store unavailable, this request fails (no in-memory fallback): %s", e)
            raise

    async def save(self: Any, tracker: Any) -> None:
        try:
            await self._tracker_store.save(tracker)
        except Exception as e:
            logger.error("tracker store unavailable, this turn is not saved and fails: %s", e)
            raise

    FailSafeTrackerStore.retrieve = retrieve
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker
    FailSafeTrackerStore.save = save


# -- 6. one write per save, the event broker in one transaction -------------------------------


STORED_EVENTS = "_policy_assistant_stored_events"  # on a tracker: how many of its first events are stored


def _patch_save_and_stream() -> None:
    import itertools

    import sqlalchemy
    import sqlalchemy.orm
    from rasa.core import tracker_store
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    original_retrieve = tracker_store.SQLTrackerStore._retrieve

    async def _retrieve(self: Any, sender_id: Text, fetch_events_from_all_sessions: bool) -> Any:
        if not fetch_events_from_all_sessions:
            cached = current_sessions.take(self, sender_id)
            if cached is not None and _stored_session_summary(self, sender_id) == cached[1]:
                return cached[0]
        tracker = await original_retrieve(self, sender_id, fetch_events_from_all_sessions)
        if tracker is not None:
            setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    async def create_tracker(self: Any, sender_id: Text, append_action_listen: bool = True) -> Any:
        # only called when the store holds nothing for this conversation (under its lock)
        tracker = self.init_tracker(sender_id)
        setattr(tracker, STORED_EVENTS, 0)
        if append_action_listen:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await self.save(tracker)
        return tracker

    def save(self: Any, tracker: Any) -> None:
        stored = getattr(tracker, STORED_EVENTS, None)
        with self.session_scope() as session:
            if stored is None or tracker.events.maxlen is not None:
                new_events = list(self._additional_events(session, tracker))
            else:
                new_events = list(itertools.islice(tracker.events, stored, None))
            if not new_events:
                return
            dicts = [event.as_dict() for event in new_events]
            rows = [
                {
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
                for event, data in zip(new_events, dicts)
            ]
            session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))
        current_sessions.put(self, tracker)
        if self.event_broker is not None:
            bodies = [{"sender_id": tracker.sender_id, **data} for data in dicts]
            try:
                publish_all(self.event_broker, bodies)
            except Exception as e:
                logger.error(
                    "event broker unavailable: %d event(s) of %s not streamed: %s", len(bodies), tracker.sender_id, e
                )

    async def async_save(self: Any, tracker: Any) -> None:
        save(self, tracker)

    def broker_init(
        self: SQLEventBroker,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "events.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
    ) -> None:
        url = tracker_store.SQLTrackerStore.get_db_url(dialect, host, port, db, username, password)
        self.engine = sqlalchemy.create_engine(url, **tracker_store.create_engine_kwargs(url))
        self.Base.metadata.create_all(self.engine)
        self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)

    def publish_many(self: SQLEventBroker, events: List[Dict[Text, Any]]) -> None:
        with self.session_scope() as session:
            session.execute(
                self.SQLBrokerEvent.__table__.insert(),
                [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in events],
            )
            session.commit()

    tracker_store.TrackerStore.create_tracker = create_tracker
    tracker_store.SQLTrackerStore._retrieve = _retrieve
    tracker_store.SQLTrackerStore.save = async_save
    SQLEventBroker.__init__ = broker_init
    SQLEventBroker.publish_many = publish_many


# -- 7. the current session kept between turns ----------------------------------------------


def _stored_session_summary(store: Any, sender_id: Text) -> Tuple[int, Optional[float]]:
    """(events, latest timestamp) of the conversation's current session in the store: one
    aggregate over at most a session's events (sessions are bounded by length, section 1)."""
    import sqlalchemy as sa

    with store.session_scope() as session:
        query = store._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        count, latest = query.order_by(None).with_entities(sa.func.count(), sa.func.max(store.SQLEvent.timestamp)).one()
    return int(count), latest


def session_summary(tracker: Any) -> Optional[Tuple[int, Optional[float]]]:
    """What ``_stored_session_summary`` returns once this tracker is saved, or None when the
    tracker holds more than its current session (a session started during the turn)."""
    from rasa.shared.core.events import SessionStarted

    starts = [e.timestamp for e in tracker.events if isinstance(e, SessionStarted)]
    if len(starts) > 1:
        return None
    start = starts[0] if starts else 0
    stamps = [e.timestamp for e in tracker.events if e.timestamp >= start]
    return len(stamps), (max(stamps) if stamps else None)


class CurrentSessions:
    """Trackers of recent conversations, as saved. A turn takes its tracker out (nobody else can
    hold it meanwhile) and the save puts it back; it is used only while the store still holds
    exactly that session (same number of events, same latest timestamp), so a turn served by
    another replica, or a session ended elsewhere, reloads from the store. ``RASA_TRACKER_CACHE``
    conversations per process (default 256; 0 turns it off)."""

    def __init__(self) -> None:
        self._entries: "OrderedDict[Tuple[int, Text], Tuple[Any, Tuple[int, Optional[float]]]]" = OrderedDict()

    @staticmethod
    def size() -> int:
        try:
            return max(0, int(os.environ.get("RASA_TRACKER_CACHE", DEFAULT_TRACKER_CACHE)))
        except ValueError:
            return DEFAULT_TRACKER_CACHE

    def take(self, store: Any, sender_id: Text) -> Optional[Tuple[Any, Tuple[int, Optional[float]]]]:
        entry = self._entries.pop((id(store), sender_id), None)
        if entry is not None and getattr(entry[0], "_policy_assistant_domain", None) is not store.domain:
            return None  # kept under another domain (a model loaded since): its slots may differ
        return entry

    def put(self, store: Any, tracker: Any) -> None:
        key = (id(store), tracker.sender_id)
        self._entries.pop(key, None)
        limit = self.size()
        summary = session_summary(tracker) if limit else None
        if summary is None:
            return
        tracker._policy_assistant_domain = store.domain
        self._entries[key] = (tracker, summary)
        while len(self._entries) > limit:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


DEFAULT_TRACKER_CACHE = 256
current_sessions = CurrentSessions()


def publish_all(broker: Any, bodies: List[Dict[Text, Any]]) -> None:
    """One transaction where the broker has one (``publish_many``), else Rasa's per-event publish."""
    if not bodies:
        return
    if hasattr(broker, "publish_many"):
        broker.publish_many(bodies)
    else:
        for body in bodies:
            broker.publish(body)


def install() -> None:
    global _installed
    if not _installed:
        _patch_session_length()
        _patch_carry_over()
        _patch_sql_tracker_store()
        _patch_redis_lock_store()
        _patch_fail_safe_tracker_store()
        _patch_save_and_stream()
        _installed = True
