"""Start the action server (rasa_sdk) on loopback; off loopback only with a shared secret.

``rasa run actions`` always listens on every interface (rasa_sdk reads ``SANIC_HOST``, default
0.0.0.0) and has no authentication. This launcher runs the same rasa_sdk app with:

* ``ACTIONS_HOST`` — the interface to listen on, default ``127.0.0.1``;
* ``ACTIONS_PORT`` (or ``--port``) — default 5055;
* ``ACTION_SERVER_TOKEN`` — when set, every request except ``GET /health`` must carry it in the
  ``X-Action-Token`` header (401 otherwise). Rasa sends it (``headers:`` of ``action_endpoint`` in
  ``bot/endpoints.yml``). A host other than loopback without a token is refused at start.

Usage: ``python -m bot.action_server [--actions actions.rasa_actions] [--port 5055]``
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
from typing import Mapping, Optional, Tuple

from rasa_sdk import endpoint, utils
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
# Only the Rasa adapter module is loaded (rasa_sdk would otherwise import every module of the
# package, the notice importer and its parsers included).
ACTIONS_MODULE = "actions.rasa_actions"
OPEN_PATHS = ("/health",)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_and_token(env: Mapping[str, str]) -> Tuple[str, Optional[str]]:
    """The interface to listen on and the shared secret (None: no check). Raises ``SystemExit``
    with the reason when the action server would be reachable from other hosts without a secret."""
    host = env.get("ACTIONS_HOST", "").strip() or DEFAULT_HOST
    token = env.get("ACTION_SERVER_TOKEN", "").strip() or None
    if not is_loopback(host) and token is None:
        raise SystemExit(
            f"ACTIONS_HOST={host} makes the action server reachable from other hosts: "
            f"set ACTION_SERVER_TOKEN (the same value for Rasa) or use ACTIONS_HOST=127.0.0.1."
        )
    return host, token


def require_token(app: Sanic, token: str) -> None:
    """Every request but the health check must carry ``X-Action-Token: <token>``."""

    @app.middleware("request")
    async def check_token(request: Request):  # type: ignore[no-untyped-def]
        if request.path in OPEN_PATHS:
            return None
        provided = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(provided.encode("utf-8"), token.encode("utf-8")):
            logger.warning("action server: refused a request to %s without the right %s", request.path, TOKEN_HEADER)
            return response.json({"error": "unauthorized"}, status=401)
        return None


def create_app(actions: str, token: Optional[str]) -> Sanic:
    app = endpoint.create_app(actions, cors_origins=None)  # no CORS: only Rasa calls it
    if token:
        require_token(app, token)
    return app


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description="policy assistant action server")
    parser.add_argument("--actions", default=ACTIONS_MODULE, help=f"action module (default: {ACTIONS_MODULE})")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT") or DEFAULT_PORT))
    args = parser.parse_args(argv)
    host, token = host_and_token(os.environ)
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = create_app(args.actions, token)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info(
        "action server on http://%s:%s (%s)",
        host,
        args.port,
        f"{TOKEN_HEADER} required" if token else "loopback, no token",
    )
    app.run(host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
