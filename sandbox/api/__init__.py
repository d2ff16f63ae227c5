"""The platform API under /cgi-bin/: one module per API group; the checks every call passes
(access token, verification, faults), its entry in the call log, and WeChat's error answers.

The groups attach their routes to the blueprints of sandbox/api/calls.py (and import nothing
from here); importing this package imports every group, so its BLUEPRINTS are complete for the
app to register.
"""

from __future__ import annotations

import logging
import time

from flask import Response, g, request

from sandbox import faults
from sandbox.api import (  # noqa: F401 (each attaches its routes to the blueprints)
    custom,
    customservice,
    datacube,
    draft,
    freepublish,
    mass,
    material,
    media,
    menu,
    openapi,
    qrcode,
    tags,
    template,
    token,
    user,
)
from sandbox.api.calls import BLUEPRINTS, api_path, error_reply, state
from sandbox.api.token import beijing_day, check_access_token
from sandbox.errors import ApiError
from sandbox.state import SandboxState, key

log = logging.getLogger(__name__)

__all__ = ["BLUEPRINTS"]

# Paths that are called without an access_token.
TOKENLESS = {"token", "stable_token"}


# What an account without WeChat's verification (认证) may not call: publishing (withdrawn from
# unverified accounts in July 2025), mass sends, customer service, user management, statistics.
UNVERIFIED_DENIED = (
    "freepublish/",
    "message/mass/",
    "message/custom/",
    "customservice/",
    "user/",
    "tags/",
    "datacube/",
    "template/",
)


def _gate() -> Response | None:
    g.started = time.monotonic()
    g.errcode = None
    path = api_path()
    st = state()
    try:
        if path not in TOKENLESS:
            check_access_token(st, request.args.get("access_token", ""))
            if not st.config()["verified"] and path.startswith(UNVERIFIED_DENIED):
                raise ApiError(48001, "api unauthorized")
        faults.apply(st, path, request.environ)
    except ApiError as exc:
        return error_reply(exc)
    return None


def _record(response: Response) -> Response:
    st = state()
    path = api_path()
    entry = {
        "at": round(st.now(), 3),
        "method": request.method,
        "path": path,
        "errcode": g.get("errcode"),
        "ms": round((time.monotonic() - g.get("started", time.monotonic())) * 1000, 1),
        "status": response.status_code,
    }
    if g.get("fault"):
        entry["fault"] = g.fault
    st.log_call(entry)
    st.count(f"calls:{path}")
    _count_today(st, path)
    return response


def _count_today(st: SandboxState, path: str) -> None:
    """Count the call against its API's daily quota (Beijing days; openapi/quota/get reads it)."""
    day = key("calls_day", beijing_day(st.now()))
    pipe = st.r.pipeline(transaction=False)
    pipe.hincrby(day, path, 1)
    pipe.expire(day, 2 * 86400)
    pipe.execute()


def _api_error(exc: ApiError) -> Response:
    return error_reply(exc)


def _unknown_api(exc) -> Response:
    return error_reply(ApiError(40066, "invalid url"))


def _unexpected(exc: Exception) -> Response:
    log.exception("sandbox API %s failed", request.path)
    return error_reply(ApiError(-1, "system error"))


for _blueprint in BLUEPRINTS:
    _blueprint.before_request(_gate)
    _blueprint.after_request(_record)
    _blueprint.register_error_handler(ApiError, _api_error)
    _blueprint.register_error_handler(404, _unknown_api)
    _blueprint.register_error_handler(405, _unknown_api)
    _blueprint.register_error_handler(Exception, _unexpected)
