"""`openapi/quota/get`: how many calls of an API the account has left today (Beijing time)."""

from __future__ import annotations

from sandbox.api.calls import body, bp, ok, state
from sandbox.api.token import beijing_day
from sandbox.errors import ApiError
from sandbox.state import key

# Daily call limits of the APIs the bot's pushes and replies rely on (a new account's defaults).
DAILY_LIMITS = {
    "/cgi-bin/draft/add": 1000,
    "/cgi-bin/freepublish/submit": 100,
    "/cgi-bin/message/mass/sendall": 100,
    "/cgi-bin/message/mass/preview": 100,
    "/cgi-bin/message/custom/send": 500000,
    "/cgi-bin/material/add_material": 1000,
    "/cgi-bin/menu/create": 1000,
}


def calls_today(path: str) -> int:
    """Calls of `path` (as api_path spells it) this Beijing day."""
    st = state()
    return int(st.r.hget(key("calls_day", beijing_day(st.now())), path) or 0)


@bp.route("/openapi/quota/get", methods=["POST"])
def quota_get():
    cgi_path = body().get("cgi_path")
    if not isinstance(cgi_path, str) or not cgi_path.startswith("/"):
        raise ApiError(76003, "invalid cgi_path")
    if cgi_path not in DAILY_LIMITS:
        raise ApiError(76021, "cgi_path not found, please check")
    limit = DAILY_LIMITS[cgi_path]
    used = calls_today(cgi_path.removeprefix("/cgi-bin/"))
    return ok(quota={"daily_limit": limit, "used": used, "remain": max(0, limit - used)})
