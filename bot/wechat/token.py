"""The access token shared in Redis by every process, fetched with stable_token one at a time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import redis

log = logging.getLogger(__name__)

# Refresh this many seconds before expiry: stable_token in normal mode hands out the next token
# during the last 5 minutes of the current one, and both work in that window.
REFRESH_AHEAD = 300
# force_refresh is limited to 20 a day and must be 30 s apart; each one invalidates the token
# every other holder of the AppID is using. The bot forces at most half of WeChat's allowance a
# (Beijing) day, leaving the rest to people who must revoke a leaked token.
FORCE_MIN_INTERVAL = 30
FORCE_DAILY_CAP = 20
FORCE_BUDGET = 10
BEIJING = timezone(timedelta(hours=8))
LOCK_TIMEOUT = 30
LOCK_WAIT = 40


@dataclass(frozen=True)
class Token:
    """One access token and when to renew it (epoch seconds)."""

    value: str
    expires_at: float
    refresh_at: float

    def fresh(self, now: float) -> bool:
        return now < self.refresh_at


class SharedToken:
    """Reads, refreshes and invalidates the token under `wx:token:<appid>`, with a Redis lock."""

    def __init__(self, r: redis.Redis, appid: str, fetch: Callable[[bool], dict]):
        self.redis = r
        self.appid = appid
        self.fetch = fetch  # fetch(force_refresh) -> {"access_token", "expires_in"}
        self.key = f"wx:token:{appid}"
        self.lock_key = f"wx:token:{appid}:lock"
        self.forced_key = f"wx:token:{appid}:forced_at"

    def read(self) -> Token | None:
        data = {_text(k): _text(v) for k, v in self.redis.hgetall(self.key).items()}
        if not data or "value" not in data:
            return None
        return Token(data["value"], float(data["expires_at"]), float(data["refresh_at"]))

    def get(self) -> str:
        """A token valid for a while yet; fetches one (once across all processes) when needed."""
        token = self.read()
        if token and token.fresh(time.time()):
            return token.value
        return self._refresh(failed=None)

    def replace_failed(self, failed: str) -> str:
        """After WeChat refused `failed`: the token another process renewed, else a new one."""
        token = self.read()
        if token and token.value != failed and token.fresh(time.time()):
            return token.value
        return self._refresh(failed=failed)

    def _refresh(self, failed: str | None) -> str:
        lock = self.redis.lock(self.lock_key, timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT)
        if not lock.acquire():
            raise TimeoutError(f"no access token: the refresh lock of {self.appid} stayed taken")
        try:
            # Another process may have refreshed while this one waited for the lock.
            now = time.time()
            token = self.read()
            if token and token.fresh(now) and token.value != failed:
                return token.value
            result = self.fetch(False)
            if failed and result["access_token"] == failed and self._may_force(now):
                # Normal mode handed back the very token WeChat refused: it was revoked.
                result = self.fetch(True)
            return self._store(result, previous=token, now=time.time())
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                log.warning("token lock of %s expired before release", self.appid)

    def forced_today(self, now: float | None = None) -> int:
        """How many refreshes the bot forced this Beijing day (WeChat counts them per day)."""
        return int(self.redis.get(self.day_key(now)) or 0)

    def day_key(self, now: float | None = None) -> str:
        """The Redis key counting forced refreshes of the Beijing day holding `now`."""
        day = datetime.fromtimestamp(time.time() if now is None else now, BEIJING)
        return f"wx:token:{self.appid}:forced:{day:%Y%m%d}"

    def _may_force(self, now: float) -> bool:
        last = float(self.redis.get(self.forced_key) or 0)
        if now - last < FORCE_MIN_INTERVAL:
            return False
        day_key = self.day_key(now)
        if self.forced_today(now) >= FORCE_BUDGET:
            # One error a day: the same cause would otherwise fill the log at every call.
            if self.redis.set(f"{day_key}:reported", 1, nx=True, ex=2 * 86400):
                log.error(
                    "access token of %s: refused again after %d forced refreshes today (Beijing "
                    "time; WeChat allows %d): not forcing again until tomorrow. Most likely "
                    "another system uses this AppID and forces stable_token refreshes (or resets "
                    "the AppSecret), which invalidates our token each time: find it and let it "
                    "share this token, or call stable_token without force_refresh",
                    self.appid,
                    FORCE_BUDGET,
                    FORCE_DAILY_CAP,
                )
            return False
        pipe = self.redis.pipeline()
        pipe.set(self.forced_key, now, ex=86400)
        pipe.incr(day_key)
        pipe.expire(day_key, 2 * 86400)
        count = pipe.execute()[1]
        log.warning(
            "access token of %s: forced refresh %d of %d today (each invalidates the token of "
            "every other holder of this AppID)",
            self.appid,
            count,
            FORCE_BUDGET,
        )
        return True

    def _store(self, result: dict, previous: Token | None, now: float) -> str:
        value = result["access_token"]
        expires_in = int(result.get("expires_in") or 7200)
        expires_at = now + expires_in
        refresh_at = expires_at - REFRESH_AHEAD
        if previous and previous.value == value or refresh_at <= now:
            # The platform gave back the token we had (or one about to be renewed): use it until
            # it expires instead of asking again on every call.
            refresh_at = expires_at - 1
        pipe = self.redis.pipeline()
        pipe.hset(
            self.key, mapping={"value": value, "expires_at": expires_at, "refresh_at": refresh_at}
        )
        pipe.expireat(self.key, int(expires_at) + 1)
        pipe.execute()
        log.info("access token of %s fetched, valid %ss", self.appid, expires_in)
        return value


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
