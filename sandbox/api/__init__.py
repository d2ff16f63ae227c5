"""The platform API under /cgi-bin/: one module per API group; shared checks here."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from sandbox import faults
from sandbox.state import SandboxState, key

log = logging.getLogger(__name__)

bp = Blueprint("sandbox_api", __name__, url_prefix="/cgi-bin")
# API groups WeChat serves outside /cgi-bin/ (statistics).
datacube_bp = Blueprint("sandbox_datacube", __name__, url_prefix="/datacube")
BLUEPRINTS = (bp, datacube_bp)

# Paths that are called without an access_token.
TOKENLESS = {"token", "stable_token"}


class ApiError(Exception):
    """A WeChat error answer: HTTP 200 with {errcode, errmsg}, as the platform sends them."""

    def __init__(self, errcode: int, errmsg: str, **extra: Any):
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra


def state() -> SandboxState:
    return current_app.extensions["sandbox"]


def api_path() -> str:
    """The API's name as WeChat spells it after /cgi-bin/ (`draft/add`), or from the root for
    the groups outside it (`datacube/getusersummary`)."""
    return request.path.removeprefix(bp.url_prefix).strip("/")


def reply(payload: dict[str, Any] | None = None, **fields: Any) -> Response:
    """A JSON answer in UTF-8 (not \\u escapes), with errcode recorded for the call log."""
    body = {**(payload or {}), **fields}
    g.errcode = int(body.get("errcode", 0))
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


def ok(**fields: Any) -> Response:
    return reply({"errcode": 0, "errmsg": "ok", **fields})


def error_reply(exc: ApiError) -> Response:
    # WeChat appends a request id to every error message; clients log it.
    rid = "-".join(secrets.token_hex(4) for _ in range(3))
    return reply({"errcode": exc.errcode, "errmsg": f"{exc.errmsg} rid: {rid}", **exc.extra})


# A \uXXXX escape of a non-ASCII character (not preceded by an escaping backslash).
_NON_ASCII_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u(?!00[0-7][0-9a-fA-F])([0-9a-fA-F]{4})")


def body(keep_escapes: bool = False) -> dict[str, Any]:
    """The request's JSON object (WeChat reads it whatever the content type says).

    keep_escapes: non-ASCII characters sent as \\uXXXX escapes stay as that literal text, which
    is what the draft box shows when a client does not send real UTF-8 (the doc warns of it).
    """
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
        if keep_escapes:
            text = _NON_ASCII_ESCAPE.sub(r"\1\\\\u\2", text)
        data = json.loads(text) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise ApiError(47001, "data format error") from None
    if not isinstance(data, dict):
        raise ApiError(47001, "data format error")
    return data


def require(data: dict[str, Any], name: str, kind: type | tuple[type, ...] = str) -> Any:
    """A required field of the body, or 44002/47001 as WeChat answers a missing or bad one."""
    if name not in data or data[name] in (None, ""):
        raise ApiError(47001, f"data format error, missing {name}")
    value = data[name]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ApiError(40097, f"invalid args, {name} has the wrong type")
    return value


# batchget APIs (draft, freepublish, material) list at most this many items a call.
BATCH_MAX = 20


def batch_window(data: dict[str, Any]) -> tuple[int, int]:
    """The offset and count of a batchget body, checked as WeChat checks them (40097)."""
    offset, count = data.get("offset", 0), data.get("count", BATCH_MAX)
    if not isinstance(offset, int) or not isinstance(count, int) or offset < 0:
        raise ApiError(40097, "invalid args")
    if not 1 <= count <= BATCH_MAX:
        raise ApiError(40097, "invalid args, count must be between 1 and 20")
    return offset, count


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
            from sandbox.api.token import check_access_token

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
    from sandbox.api.token import beijing_day

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


# The API groups attach their routes to bp (or datacube_bp).
from sandbox.api import (  # noqa: E402, F401
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
