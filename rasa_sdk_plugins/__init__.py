"""Exposure rules for the action server. rasa-sdk imports a package of this name (from the
project folder, which `rasa run actions` puts on sys.path) and calls init_hooks().

* It listens on loopback unless VRT_ACTION_BIND says otherwise: only the Rasa server on the
  same machine calls it.
* VRT_ACTION_TOKEN set: /webhook and /actions want `Authorization: Bearer <token>`, which the
  Rasa server sends (deploy/endpoints.{postgres,redis}.yml). Another interface than loopback
  without a token: it refuses to start.
* Its errors say "internal error" only; rasa-sdk's own handler echoes the request body.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

import pluggy
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

BIND_ENV = "VRT_ACTION_BIND"
TOKEN_ENV = "VRT_ACTION_TOKEN"
DEFAULT_BIND = "127.0.0.1"
OPEN_PATHS = {"/health"}

hookimpl = pluggy.HookimplMarker("rasa_sdk")
logger = logging.getLogger(__name__)


class ActionServerExposureError(SystemExit):
    """Ends `rasa run actions` with this message instead of a stack trace."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ActionServerExposure:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        bind = os.environ.get(BIND_ENV) or DEFAULT_BIND
        token = os.environ.get(TOKEN_ENV, "")
        if not is_loopback(bind) and not token:
            raise ActionServerExposureError(
                f"The action server does not listen on {bind} without a shared secret: set "
                f"{TOKEN_ENV} here and on the Rasa server (README, 'Safe to expose')."
            )
        # rasa-sdk reads the interface from SANIC_HOST right after this hook.
        os.environ["SANIC_HOST"] = bind
        if token:
            expected = f"Bearer {token}".encode()

            @app.middleware("request")
            async def require_token(request: Request):
                if request.path in OPEN_PATHS:
                    return None
                given = request.headers.get("Authorization", "").encode()
                if not hmac.compare_digest(given, expected):
                    logger.warning(f"Refused {request.method} {request.path}: no valid token.")
                    return response.json({"error": "unauthorized"}, status=401)
                return None

        @app.exception(Exception)
        async def error_without_request(request: Request, exception: Exception):
            if isinstance(exception, SanicException):
                return response.json({"error": str(exception)}, status=exception.status_code)
            logger.error(f"Exception in {request.method} {request.path}", exc_info=exception)
            return response.json({"error": "internal error"}, status=500)


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(ActionServerExposure())
