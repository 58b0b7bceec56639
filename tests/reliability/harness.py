"""The bot as users get it, for the reliability suite: both servers on free loopback ports, with
the channels of ``bot/credentials.yml`` plus the WeChat connector (安全模式 at ``/webhooks/wechat/``,
plaintext mode at ``/webhooks/wechat_plain/``), the console token set, and the knowledge base
copied to a temporary directory (``POLICY_KB_DIR``) so that faults can be injected into it.

Unlike ``tests/servers.py`` (which this module builds on), the processes can be killed, stopped
and restarted on the same ports and tracker database, which the fault tests need.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import requests

from tests.servers import MODEL, ROOT, VENV_BIN, free_port, wait_for

CONSOLE_TOKEN = "reliability-console-token-1"
WECHAT_TOKEN = "reliability-wechat-token"
WECHAT_APP_ID = "wx00reliability01"
WECHAT_AES_KEY = base64.b64encode(bytes(range(100, 132))).decode()[:-1]  # 43 characters
WECHAT_ACCOUNT = "gh_reliability01"
ACTION_SERVER_TOKEN = "reliability-action-token"

# Replies that admit a technical failure: fine when a fault was injected, never for odd input.
TECHNICAL_MARKERS = ("系统暂时", "出了点问题", "系统繁忙", "暂时繁忙", "Traceback", "Exception", "Internal Server Error",
                     "internal error")
LEAK_MARKERS = ("root:x:0:0", "WECHAT_TOKEN", "CONSOLE_TOKEN", WECHAT_TOKEN, WECHAT_AES_KEY, CONSOLE_TOKEN,
                ACTION_SERVER_TOKEN,
                "Traceback", "bot.channels.", "File \"/")

EXTRA_CREDENTIALS = """
bot.channels.wechat.WeChatInput:
  token: ${WECHAT_TOKEN}
  app_id: ${WECHAT_APP_ID}
  encoding_aes_key: ${WECHAT_ENCODING_AES_KEY}

tests.reliability.wechat_plain.PlainWeChatInput:
  token: ${WECHAT_TOKEN}
"""


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its live descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid] + descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def descendants(pid: int) -> List[int]:
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


class Bot:
    """Both servers, restartable on the same ports and tracker database."""

    def __init__(self, workdir: Path):
        if not MODEL.exists():
            raise RuntimeError(f"no trained model at {MODEL}: run scripts/test.sh (it trains first)")
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.kb_dir = workdir / "kb"
        if not self.kb_dir.exists():
            shutil.copytree(ROOT / "policies_kb", self.kb_dir)
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.actions_url = f"http://127.0.0.1:{self.actions_port}"
        self.tracker_db = workdir / "tracker.db"
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            '  headers:\n    X-Action-Token: ${ACTION_SERVER_TOKEN}\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.tracker_db}"\n', encoding="utf-8")
        self.credentials = workdir / "credentials.yml"
        self.credentials.write_text((ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8") + "\n"
                                    + EXTRA_CREDENTIALS, encoding="utf-8")
        self.env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                    "PYTHONPATH": str(ROOT), "POLICY_KB_DIR": str(self.kb_dir), "CONSOLE_TOKEN": CONSOLE_TOKEN,
                    "WECHAT_TOKEN": WECHAT_TOKEN, "WECHAT_APP_ID": WECHAT_APP_ID,
                    "WECHAT_ENCODING_AES_KEY": WECHAT_AES_KEY,
                    # as deployed: the action server on loopback, with the secret Rasa sends in a header
                    "ACTIONS_HOST": "127.0.0.1", "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN}
        self.env.pop("WECHAT_APP_SECRET", None)  # no customer-service API: nothing leaves this machine
        self.rasa: Optional[subprocess.Popen] = None
        self.actions: Optional[subprocess.Popen] = None
        self.rasa_starts = 0
        self.actions_starts = 0

    # -- processes ---------------------------------------------------------------------------

    @property
    def rasa_log(self) -> Path:
        return self.workdir / "rasa.log"

    @property
    def actions_log(self) -> Path:
        return self.workdir / "actions.log"

    def start_actions(self) -> None:
        self.actions_starts += 1
        log = self.actions_log
        self.actions = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "bot.action_server", "--actions", "actions",
             "--port", str(self.actions_port)],
            cwd=ROOT, env=self.env, stdout=log.open("a"), stderr=subprocess.STDOUT)
        wait_for(f"{self.actions_url}/health", self.actions, 120, log)

    def start_rasa(self) -> None:
        self.rasa_starts += 1
        log = self.rasa_log
        with log.open("a") as f:
            f.write(f"\n===== reliability suite: Rasa start #{self.rasa_starts} =====\n")
        self.rasa = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(self.endpoints),
             "--credentials", str(self.credentials), "--interface", "127.0.0.1", "--port", str(self.rasa_port)],
            cwd=ROOT, env=self.env, stdout=log.open("a"), stderr=subprocess.STDOUT)
        wait_for(f"{self.rasa_url}/webhooks/rest/", self.rasa, 300, log)

    def start(self) -> "Bot":
        self.start_actions()
        self.start_rasa()
        return self

    @staticmethod
    def _stop(proc: Optional[subprocess.Popen], sig: int = signal.SIGTERM) -> None:
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, signal.SIGCONT)
        except OSError:
            pass
        for child in descendants(proc.pid):
            try:
                os.kill(child, signal.SIGKILL if sig == signal.SIGKILL else signal.SIGTERM)
            except OSError:
                pass
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def kill_rasa(self, sig: int = signal.SIGKILL) -> None:
        self._stop(self.rasa, sig)

    def kill_actions(self, sig: int = signal.SIGKILL) -> None:
        self._stop(self.actions, sig)

    def stop(self) -> None:
        self._stop(self.rasa)
        self._stop(self.actions)

    def rasa_alive(self, timeout: float = 10) -> bool:
        if self.rasa is None or self.rasa.poll() is not None:
            return False
        try:
            return requests.get(f"{self.rasa_url}/webhooks/rest/", timeout=timeout).status_code == 200
        except requests.RequestException:
            return False

    def rasa_cpu(self) -> float:
        assert self.rasa is not None
        return proc_cpu_seconds(self.rasa.pid)

    def log_sizes(self) -> Dict[Path, int]:
        return {p: p.stat().st_size for p in (self.rasa_log, self.actions_log) if p.exists()}

    def tracebacks_since(self, sizes: Dict[Path, int]) -> int:
        """Tracebacks both servers logged since ``log_sizes()`` returned ``sizes``."""
        count = 0
        for path, size in sizes.items():
            with path.open("rb") as f:
                f.seek(size)
                count += f.read().count(b"Traceback (most recent call last)")
        return count

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.rasa_log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # -- REST --------------------------------------------------------------------------------

    def post_rest(self, body: Any, timeout: float = 30, **kwargs: Any) -> requests.Response:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)  # ASCII: lone surrogates escaped
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return requests.post(f"{self.rasa_url}/webhooks/rest/webhook", data=data, headers=headers,
                             timeout=timeout, **kwargs)

    def say(self, sender: str, message: str, timeout: float = 30) -> List[Dict[str, Any]]:
        r = self.post_rest({"sender": sender, "message": message}, timeout=timeout)
        r.raise_for_status()
        return r.json()

    # -- tracker store -----------------------------------------------------------------------

    def db(self, timeout: float = 10) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.tracker_db}?mode=ro", uri=True, timeout=timeout)

    def sender_ids(self, fragment: str) -> List[str]:
        """Every stored sender id that contains ``fragment`` (channels may prefix their ids)."""
        with self.db() as con:
            rows = con.execute("SELECT DISTINCT sender_id FROM events WHERE instr(sender_id, ?) > 0",
                               (fragment,)).fetchall()
        return [r[0] for r in rows]

    def events(self, sender_id: str) -> List[Tuple[int, str, Dict[str, Any]]]:
        with self.db() as con:
            rows = con.execute("SELECT id, type_name, data FROM events WHERE sender_id = ? ORDER BY id",
                               (sender_id,)).fetchall()
        return [(i, t, json.loads(d)) for i, t, d in rows]

    def user_texts(self, fragment: str) -> List[str]:
        """Texts of the user events of every conversation whose sender id contains ``fragment``."""
        with self.db() as con:
            rows = con.execute("SELECT data FROM events WHERE type_name = 'user' AND instr(sender_id, ?) > 0 "
                               "ORDER BY id", (fragment,)).fetchall()
        return [json.loads(d).get("text") for (d,) in rows]

    def db_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.workdir.glob("tracker.db*") if p.is_file())


# -- replies ---------------------------------------------------------------------------------

def reply_texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies if isinstance(r, dict))


def technical(text: str) -> bool:
    return any(m in text for m in TECHNICAL_MARKERS)


def polite_problem(replies: Any) -> Optional[str]:
    """Why a list of bot messages is not a polite answer (None when it is)."""
    if not isinstance(replies, list) or not replies:
        return f"no reply ({replies!r:.200})"
    for r in replies:
        if not isinstance(r, dict) or not (r.get("text") or r.get("buttons") or r.get("custom")):
            return f"empty bot message {r!r:.200}"
    text = reply_texts(replies)
    if technical(text):
        return f"technical apology for odd input: {text[:200]!r}"
    return None


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_until(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
