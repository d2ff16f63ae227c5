"""What every API group shares: the blueprints, the request body's checks, WeChat's answers."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from sandbox.errors import ApiError
from sandbox.state import SandboxState

bp = Blueprint("sandbox_api", __name__, url_prefix="/cgi-bin")
# API groups WeChat serves outside /cgi-bin/ (statistics).
datacube_bp = Blueprint("sandbox_datacube", __name__, url_prefix="/datacube")
BLUEPRINTS = (bp, datacube_bp)


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
