"""Start the action server and the Rasa server on free local ports for end-to-end tests."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "policy-assistant.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early, see {log}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout}s, see {log}")


class Servers:
    def __init__(self, rasa_url: str, actions_url: str, tracker_db: Path, env: Dict[str, str]):
        self.rasa_url, self.actions_url, self.tracker_db, self.env = rasa_url, actions_url, tracker_db, env

    def say(self, sender: str, message: str, timeout: float = 30) -> list:
        r = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                          timeout=timeout)
        r.raise_for_status()
        return r.json()


@contextmanager
def running_servers(workdir: Path, extra_credentials: str = "", env: Optional[Dict[str, str]] = None,
                    start_actions: bool = True, extra_endpoints: str = "") -> Iterator[Servers]:
    """Both servers with their own ports, tracker DB and logs under ``workdir`` (``extra_endpoints``:
    more endpoint sections, e.g. the event broker)."""
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run scripts/test.sh (it trains first)")
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_port, actions_port = free_port(), free_port()
    tracker_db = workdir / "tracker.db"
    endpoints = workdir / "endpoints.yml"
    # As deployed: the action server on loopback, and the shared secret Rasa sends in a header.
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        '  headers:\n    X-Action-Token: ${ACTION_SERVER_TOKEN}\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n' + extra_endpoints, encoding="utf-8")
    credentials = workdir / "credentials.yml"
    credentials.write_text((ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8") + "\n" + extra_credentials,
                           encoding="utf-8")
    full_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT),
                "ACTIONS_HOST": "127.0.0.1", "ACTION_SERVER_TOKEN": secrets.token_hex(16), **(env or {})}
    procs = []
    try:
        if start_actions:
            alog = workdir / "actions.log"
            aproc = subprocess.Popen([sys.executable, "-m", "bot.action_server",
                                      "--port", str(actions_port)], cwd=ROOT, env=full_env,
                                     stdout=alog.open("w"), stderr=subprocess.STDOUT)
            procs.append(aproc)
            wait_for(f"http://127.0.0.1:{actions_port}/health", aproc, 120, alog)
        rlog = workdir / "rasa.log"
        rproc = subprocess.Popen([str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
                                  "--credentials", str(credentials), "--interface", "127.0.0.1",
                                  "--port", str(rasa_port)], cwd=ROOT, env=full_env,
                                 stdout=rlog.open("w"), stderr=subprocess.STDOUT)
        procs.append(rproc)
        wait_for(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rproc, 300, rlog)
        yield Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", tracker_db, full_env)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
