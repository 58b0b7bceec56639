"""The knowledge base a running bot answers from: reloaded when a curator edits a file, and only
ever switched to a version that validates.

A bad edit (a broken YAML file, a measure missing a field) is logged with file, measure and field
and kept in ``problems()`` for the curators' console; the bot keeps answering from the last good
version until the files validate again. Files are checked for changes at most every few seconds,
and a version that failed is not re-read until a file changes again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from actions import knowledge_base
from actions.knowledge_base import KBError, KBValidationError, KnowledgeBase, load_kb

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 2.0


def kb_stamp(kb_dir: Path) -> Tuple[Tuple[str, int, int], ...]:
    """Name, modification time and size of every KB file (documents, taxonomy, source texts): a
    deleted file or one restored with an older time is a change too."""
    paths = sorted(list(Path(kb_dir).glob("*.yml")) + list(Path(kb_dir).glob("sources/*")))
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)


@dataclass(frozen=True)
class Problem:
    """One validation error of the version on disk that the bot refused to switch to."""

    file: str
    measure_id: Optional[str]
    field: Optional[str]
    message: str

    def __str__(self) -> str:
        where = (
            [self.file]
            + ([f"measure {self.measure_id}"] if self.measure_id else [])
            + ([f"field {self.field}"] if self.field else [])
        )
        return ": ".join(where) + f": {self.message}"


class LiveKnowledgeBase:
    """Last good knowledge base of one directory, plus the problems of a newer, refused version."""

    def __init__(self, kb_dir: Path):
        self.kb_dir = Path(kb_dir)
        self._lock = threading.Lock()
        self._kb: Optional[KnowledgeBase] = None
        self._loaded_stamp: Optional[Tuple[Tuple[str, int, int], ...]] = None
        self._problems: List[Problem] = []
        self._checked_at = float("-inf")

    def current(self) -> KnowledgeBase:
        """The knowledge base to answer from; raises only if no version has ever validated."""
        now = time.monotonic()
        if self._kb is None or now - self._checked_at >= CHECK_EVERY_SECONDS:
            with self._lock:
                self._checked_at = now
                self._reload_if_changed()
        if self._kb is None:
            raise KBValidationError([KBError(p.file, p.message, p.measure_id, p.field) for p in self._problems])
        return self._kb

    def problems(self) -> List[Problem]:
        """Why the files on disk are not being served (empty when the newest version is live)."""
        try:
            self.current()
        except KBValidationError:
            pass
        return list(self._problems)

    def _reload_if_changed(self) -> None:
        stamp = kb_stamp(self.kb_dir)
        if stamp == self._loaded_stamp:
            return
        self._loaded_stamp = stamp
        try:
            kb = load_kb(self.kb_dir)
        except KBValidationError as exc:
            self._problems = [Problem(e.file, e.measure_id, e.field, e.message) for e in exc.errors]
            for p in self._problems:
                logger.error("knowledge base change refused, still serving the last good version: %s", p)
            return
        self._kb, self._problems = kb, []
        logger.info("knowledge base loaded from %s: %d measures", self.kb_dir, len(kb))


_live: dict = {}


def live_kb(kb_dir: Optional[Path] = None) -> LiveKnowledgeBase:
    """The one live KB per directory in this process (the project's ``policies_kb/`` by default)."""
    key = str(Path(kb_dir or knowledge_base.DEFAULT_KB_DIR))
    if key not in _live:
        _live[key] = LiveKnowledgeBase(Path(key))
    return _live[key]


def default_kb() -> KnowledgeBase:
    """The project's KB as the bot serves it: the newest version that validates."""
    return live_kb().current()
