"""The action server launcher (bot/action_server.py): loopback by default, a shared secret off loopback."""
import json
import os
import subprocess
import sys

import pytest
from rasa.utils.endpoints import read_endpoint_config

from bot import action_server
from bot.action_server import TOKEN_HEADER, host_and_token
from tests.servers import ROOT

TOKEN = "shared-secret-for-tests"


def test_default_is_loopback_without_token():
    assert host_and_token({}) == ("127.0.0.1", None)
    assert host_and_token({"ACTIONS_HOST": "::1"}) == ("::1", None)
    assert host_and_token({"ACTIONS_HOST": "localhost", "ACTION_SERVER_TOKEN": " "}) == ("localhost", None)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "::", "actions.internal"])
def test_other_hosts_need_a_token(host):
    with pytest.raises(SystemExit) as exc:
        host_and_token({"ACTIONS_HOST": host})
    assert "ACTION_SERVER_TOKEN" in str(exc.value)
    assert host_and_token({"ACTIONS_HOST": host, "ACTION_SERVER_TOKEN": TOKEN}) == (host, TOKEN)


# Sanic rewrites its class's request handling the first time an app serves a request ("touch-up"),
# which breaks the Rasa channel apps other test modules build in the same process: the launcher's
# apps are exercised in a child process instead.
SCENARIO = """
import asyncio, json, sys
from sanic import Sanic
Sanic.test_mode = True  # rasa_sdk names every app "rasa_sdk"; test mode allows two
from bot.action_server import create_app
apps = {"secured": create_app("actions.rasa_actions", sys.argv[1]), "open": create_app("actions.rasa_actions", None)}
async def call(app, method, path, headers):
    extra = {"content": b"{}"} if method == "post" else {}
    _, resp = await getattr(app.asgi_client, method)(path, headers=headers, **extra)
    return [resp.status, resp.json if method == "get" and resp.status == 200 and path == "/actions" else None]
print(json.dumps([asyncio.run(call(apps[a], m, p, h)) for a, m, p, h in json.loads(sys.argv[2])]))
"""


def statuses(*calls):
    out = subprocess.run([sys.executable, "-c", SCENARIO, TOKEN, json.dumps(calls)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("headers", [None, {TOKEN_HEADER: ""}, {TOKEN_HEADER: "wrong"}, {TOKEN_HEADER: TOKEN + "x"},
                                     {"Authorization": f"Bearer {TOKEN}"}])
def test_with_a_token_requests_without_it_get_401(headers):
    (get_status, _), (post_status, _) = statuses(("secured", "get", "/actions", headers or {}),
                                                 ("secured", "post", "/webhook", headers or {}))
    assert get_status == 401 and post_status == 401


def test_with_the_token_actions_are_served():
    (status, actions), (health, _) = statuses(("secured", "get", "/actions", {TOKEN_HEADER: TOKEN}),
                                              ("secured", "get", "/health", {}))
    assert status == 200 and {"name": "action_respond"} in actions
    assert health == 200  # health checks need no secret


def test_without_a_token_configured_no_header_is_needed():
    [(status, _)] = statuses(("open", "get", "/actions", {}))
    assert status == 200


def test_rasa_sends_the_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TOKEN", TOKEN)
    config = read_endpoint_config(str(ROOT / "bot" / "endpoints.yml"), "action_endpoint")
    assert config.headers == {TOKEN_HEADER: TOKEN}
    assert action_server.DEFAULT_HOST == "127.0.0.1"
