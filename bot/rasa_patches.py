"""Small, measured fixes to Rasa 3.6.21 internals, installed when our channels are loaded.

1. ``LockStore.lock`` polls for a conversation's lock once a second: several messages from one
   user at once (fast typing, a double-clicked button) queued for seconds each and missed the
   reply deadline (128 of 177 in a burst test). Our lock polls every ``LOCK_POLL_SECONDS``; the
   order of the tickets, and so of the messages, is unchanged.

2. ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every custom action
   result, which re-checks the schema against the JSON Schema meta-schema each time: under load this
   was 58% of the Rasa server's CPU (py-spy, 20 concurrent conversations). The replacement validates
   against the same schema with a validator built once; invalid results raise the same
   ``ValidationError`` with the same message.
3. ``SQLTrackerStore.session_scope`` turns *any* ``ValueError`` raised while the tracker store
   works (e.g. SQLite refusing a sender id with a lone surrogate, a ``UnicodeEncodeError``) into
   "PostgreSQL schema not found" and calls ``sys.exit``: one request stopped the whole bot. The
   replacement checks the schema the same way but raises ``TrackerStoreUnavailable`` (logged)
   instead of exiting, and lets errors of the work itself propagate as they are, so the channel
   answers that one request with an apology and the server keeps running.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import Any, Dict, Generator, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core import tracker_store
from rasa.core.actions.action import RemoteAction
from rasa.core.lock_store import LOCK_LIFETIME, LockStore
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

_installed = False
LOCK_POLL_SECONDS = 0.02
_original_lock = LockStore.lock


def _lock(
    self: LockStore,
    conversation_id: Text,
    lock_lifetime: float = LOCK_LIFETIME,
    wait_time_in_seconds: float = LOCK_POLL_SECONDS,
):
    return _original_lock(self, conversation_id, lock_lifetime, wait_time_in_seconds)


@functools.lru_cache(maxsize=1)
def _action_result_validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _action_result_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


class TrackerStoreUnavailable(RasaException):
    """The tracker store cannot be used (for now); the request fails, the process does not."""


@contextlib.contextmanager
def _session_scope(self: tracker_store.SQLTrackerStore) -> Generator[Any, None, None]:
    session = self.sessionmaker()
    try:
        try:
            tracker_store.ensure_schema_exists(session)
        except ValueError as e:
            logger.error(
                "tracker store: PostgreSQL schema '%s' not found; create it or unset %s",
                e,
                tracker_store.POSTGRESQL_SCHEMA,
            )
            raise TrackerStoreUnavailable(f"PostgreSQL schema '{e}' not found") from None
        yield session
    finally:
        session.close()


def install() -> None:
    global _installed
    if not _installed:
        RemoteAction._validate_action_result = _validate_action_result
        LockStore.lock = _lock
        tracker_store.SQLTrackerStore.session_scope = _session_scope
        _installed = True
