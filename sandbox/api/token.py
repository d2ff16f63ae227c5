"""`token` and `stable_token`: minting, the 5-minute overlap, and checking a call's access_token."""

from __future__ import annotations

import re
import secrets

from flask import request

from sandbox.api.calls import body, bp, reply, state
from sandbox.errors import ApiError
from sandbox.state import SandboxState, key

TOKEN_LIFETIME = 7200
# A normal fetch leaves the previous token usable this long; stable_token renews this early.
OVERLAP = 300
# A new account may fetch a normal token 2000 times a day.
TOKEN_PER_DAY = 2000
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_GAP = 30
# Redis forgets token records this long after they were minted (real time, generous).
RECORD_TTL = 3 * 86400
_TOKEN_SHAPE = re.compile(r"^\d+_[A-Za-z0-9_-]{100,}$")
# Daily limits count per day in Beijing time (UTC+8), the platform's.
BEIJING_OFFSET = 8 * 3600


def beijing_day(now: float) -> int:
    """The number of the Beijing-time day holding `now`, for daily counters."""
    return int((now + BEIJING_OFFSET) // 86400)


def _mint(st: SandboxState, kind: str) -> tuple[str, int]:
    now = st.now()
    token = f"{st.next_id('token_generation', 80)}_{secrets.token_urlsafe(96)}"
    expires_at = now + TOKEN_LIFETIME
    st.r.hset(
        key("token", token),
        mapping={"kind": kind, "issued_at": now, "expires_at": expires_at, "superseded": 0},
    )
    st.r.expire(key("token", token), RECORD_TTL)
    st.r.set(key("current_token", kind), token)
    return token, TOKEN_LIFETIME


def _supersede(st: SandboxState, token: str | None, keep_for: float) -> None:
    """Cut a token's life to `keep_for` more seconds (0: at once) and mark it not the latest."""
    if not token:
        return
    record = key("token", token)
    expires_at = float(st.r.hget(record, "expires_at") or 0)
    st.r.hset(record, mapping={"expires_at": min(expires_at, st.now() + keep_for), "superseded": 1})


def _check_credentials(grant_type: object, appid: object, secret: object) -> None:
    st = state()
    if grant_type != "client_credential":
        raise ApiError(40002, "invalid grant_type")
    if not appid:
        raise ApiError(41002, "appid missing")
    if appid != st.account.appid:
        raise ApiError(40013, "invalid appid")
    if not secret:
        raise ApiError(41004, "appsecret missing")
    if secret != st.account.secret:
        raise ApiError(40125, "invalid appsecret")
    whitelist = st.config()["ip_whitelist"]
    caller = request.remote_addr or ""
    if whitelist is not None and caller not in whitelist:
        # WeChat names the caller's address, the one to add to the platform's IP whitelist.
        raise ApiError(40164, f"invalid ip {caller} ipv6 ::ffff:{caller}, not in whitelist")


def check_access_token(st: SandboxState, token: str) -> None:
    """Raise the errcode WeChat gives for a missing, unknown, replaced or expired token."""
    if not token:
        raise ApiError(41001, "access_token missing")
    record = st.r.hgetall(key("token", token))
    if not record:
        if _TOKEN_SHAPE.match(token):
            raise ApiError(40001, "invalid credential, access_token is invalid or not latest")
        raise ApiError(40014, "invalid access_token")
    if st.now() >= float(record["expires_at"]):
        if record.get("superseded") == "1":
            raise ApiError(40001, "invalid credential, access_token is invalid or not latest")
        raise ApiError(42001, "access_token expired")


@bp.route("/token", methods=["GET"])
def token():
    """Each call mints a new token; the previous one keeps working for the overlap period."""
    args = request.args
    _check_credentials(args.get("grant_type"), args.get("appid"), args.get("secret"))
    st = state()
    day_key = key("token_fetches", "day", beijing_day(st.now()))
    if st.r.incr(day_key) > TOKEN_PER_DAY:
        raise ApiError(45009, "reach max api daily quota limit")
    st.r.expire(day_key, 2 * 86400)
    previous = st.r.get(key("current_token", "token"))
    _supersede(st, previous, OVERLAP)
    access_token, expires_in = _mint(st, "token")
    st.count("token")
    return reply(access_token=access_token, expires_in=expires_in)


@bp.route("/stable_token", methods=["POST"])
def stable_token():
    """The same token while it has more than 5 minutes left; force_refresh replaces it at once."""
    data = body()
    _check_credentials(data.get("grant_type"), data.get("appid"), data.get("secret"))
    st = state()
    now = st.now()
    current = st.r.get(key("current_token", "stable"))
    expires_at = float(st.r.hget(key("token", current), "expires_at") or 0) if current else 0
    st.count("stable_token")
    if data.get("force_refresh") is True:
        last_force = float(st.r.get(key("stable_force", "last")) or 0)
        # Within 30 s of the last forced refresh WeChat silently keeps the current token.
        if current and now - last_force < FORCE_REFRESH_GAP and expires_at > now:
            return reply(access_token=current, expires_in=int(expires_at - now))
        day_key = key("stable_force", "day", beijing_day(now))
        if int(st.r.get(day_key) or 0) >= FORCE_REFRESH_PER_DAY:
            raise ApiError(45009, "reach max api daily quota limit")
        st.r.incr(day_key)
        st.r.expire(day_key, 2 * 86400)
        st.r.set(key("stable_force", "last"), now)
        st.count("stable_token_force")
        _supersede(st, current, 0)
        access_token, expires_in = _mint(st, "stable")
        return reply(access_token=access_token, expires_in=expires_in)
    if current and expires_at - now > OVERLAP:
        return reply(access_token=current, expires_in=int(expires_at - now))
    # Renewed in the last 5 minutes: the old one stays valid until its own expiry.
    if current:
        st.r.hset(key("token", current), "superseded", 1)
    access_token, expires_in = _mint(st, "stable")
    return reply(access_token=access_token, expires_in=expires_in)
