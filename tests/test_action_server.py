"""The action server launcher (bot/action_server.py): loopback by default, a shared secret off loopback."""
import asyncio

import pytest
from rasa.utils.endpoints import read_endpoint_config
from sanic import Sanic

from bot import action_server
from bot.action_server import TOKEN_HEADER, create_app, host_and_token
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


@pytest.fixture(scope="module")
def apps():
    before = Sanic.test_mode
    Sanic.test_mode = True  # rasa_sdk names every app "rasa_sdk"; test mode allows two
    try:
        yield create_app("actions", TOKEN), create_app("actions", None)
    finally:
        Sanic.test_mode = before


def get(app, path, headers=None):
    async def scenario():
        _, resp = await app.asgi_client.get(path, headers=headers or {})
        return resp
    return asyncio.run(scenario())


def post(app, path, headers=None):
    async def scenario():
        _, resp = await app.asgi_client.post(path, content=b"{}", headers=headers or {})
        return resp
    return asyncio.run(scenario())


@pytest.mark.parametrize("headers", [None, {TOKEN_HEADER: ""}, {TOKEN_HEADER: "wrong"}, {TOKEN_HEADER: TOKEN + "x"},
                                     {"Authorization": f"Bearer {TOKEN}"}])
def test_with_a_token_requests_without_it_get_401(apps, headers):
    secured, _ = apps
    assert get(secured, "/actions", headers).status == 401
    assert post(secured, "/webhook", headers).status == 401


def test_with_the_token_actions_are_served(apps):
    secured, _ = apps
    resp = get(secured, "/actions", {TOKEN_HEADER: TOKEN})
    assert resp.status == 200 and {"name": "action_respond"} in resp.json
    assert get(secured, "/health").status == 200  # health checks need no secret


def test_without_a_token_configured_no_header_is_needed(apps):
    _, open_app = apps
    assert get(open_app, "/actions").status == 200


def test_rasa_sends_the_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TOKEN", TOKEN)
    config = read_endpoint_config(str(ROOT / "bot" / "endpoints.yml"), "action_endpoint")
    assert config.headers == {TOKEN_HEADER: TOKEN}
    assert action_server.DEFAULT_HOST == "127.0.0.1"
