"""The console's audit log: who did what, when, kept in Redis.

Staff actions (sign-ins, imports, pushes, account changes) are kept for AUDIT_RETENTION_DAYS,
in a sorted set by time. Refused sign-ins are not entries there: anyone can cause them, so they
are counted apart, per address and per account in 15-minute windows, and shown as one line per
address and window with its count. However many there are, they never push a staff action out.
"""

from __future__ import annotations

import json
import logging
import time

import redis
from flask import current_app, has_app_context

log = logging.getLogger(__name__)

ACTIONS_KEY = "staff:audit:actions"  # sorted set: JSON entry -> time
LEGACY_KEY = "staff:audit"  # the list of earlier versions, moved into ACTIONS_KEY when read
WINDOWS_KEY = "staff:audit:refused-windows"  # sorted set: window start -> itself
DEFAULT_RETENTION_DAYS = 365

REFUSAL_WINDOW = 15 * 60
REFUSALS_KEPT = 90 * 24 * 3600
# Distinct addresses (and accounts) counted one by one per window; the rest under OTHERS,
# so that an attacker with many addresses cannot grow a window without bound.
MAX_DISTINCT = 1000
OTHERS = "(other)"

# Counts one refusal: per address and per (address, account), each capped per window.
_COUNT_REFUSAL = """
local function bump(key, field)
  if redis.call('HEXISTS', key, field) == 0 and redis.call('HLEN', key) >= tonumber(ARGV[4]) then
    field = ARGV[5]
  end
  local count = redis.call('HINCRBY', key, field, 1)
  redis.call('EXPIRE', key, ARGV[3])
  return count
end
local first = bump(KEYS[1], ARGV[1])
bump(KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[6] - ARGV[3])
return first
"""


def retention_days() -> int:
    if has_app_context():
        return current_app.extensions["settings"].AUDIT_RETENTION_DAYS
    return DEFAULT_RETENTION_DAYS


def record(
    r: redis.Redis,
    who: str,
    action: str,
    detail: str = "",
    ip: str = "",
    keep_days: int | None = None,
) -> None:
    """Add one staff action; the detail is a short human sentence, never a secret."""
    now = time.time()
    keep = (keep_days or retention_days()) * 86400
    entry = {"ts": now, "who": who, "action": action, "detail": detail[:300], "ip": ip}
    pipe = r.pipeline()
    pipe.zadd(ACTIONS_KEY, {json.dumps(entry, ensure_ascii=False): now})
    pipe.zremrangebyscore(ACTIONS_KEY, "-inf", now - keep)
    pipe.execute()
    log.info("audit %s %s %s", who, action, detail[:120])


def recent(r: redis.Redis, limit: int = 200, offset: int = 0) -> list[dict]:
    """Staff actions, newest first."""
    _move_legacy(r)
    return [json.loads(raw) for raw in r.zrevrange(ACTIONS_KEY, offset, offset + limit - 1)]


def _move_legacy(r: redis.Redis) -> None:
    """The list kept by earlier versions becomes part of the sorted set (once)."""
    if r.type(LEGACY_KEY) != "list":
        return
    entries = {raw: float(json.loads(raw).get("ts", 0)) for raw in r.lrange(LEGACY_KEY, 0, -1)}
    pipe = r.pipeline()
    if entries:
        pipe.zadd(ACTIONS_KEY, entries)
    pipe.delete(LEGACY_KEY)
    pipe.execute()


def _window_keys(start: int) -> list[str]:
    base = f"staff:audit:refused:{start}"
    return [f"{base}:address", f"{base}:pair"]


def refused_sign_in(r: redis.Redis, ip: str, account: str) -> None:
    """Count a refused sign-in (wrong password, unknown name or a locked account)."""
    now = time.time()
    start = int(now // REFUSAL_WINDOW * REFUSAL_WINDOW)
    keys = [*_window_keys(start), WINDOWS_KEY]
    args = [ip, account or "?", REFUSALS_KEPT, MAX_DISTINCT, OTHERS, start]
    first = r.eval(_COUNT_REFUSAL, len(keys), *keys, *args)
    if int(first) == 1:  # one log line per address and window, not one per attempt
        log.info("sign-in refused from %s (counted in the audit log)", ip)


def refusals(r: redis.Redis, windows: int = 96) -> list[dict]:
    """Refused sign-ins, one entry per address and window, newest window first."""
    found = []
    for start in r.zrevrange(WINDOWS_KEY, 0, windows - 1):
        address_key, pair_key = _window_keys(int(start))
        pipe = r.pipeline()
        pipe.hgetall(address_key)
        pipe.hgetall(pair_key)
        by_address, pairs = pipe.execute()
        tried: dict[str, dict[str, int]] = {}
        for pair, count in pairs.items():
            address, _, account = pair.partition(" ")
            tried.setdefault(address, {})[account or OTHERS] = int(count)
        for address, count in sorted(by_address.items(), key=lambda item: -int(item[1])):
            found.append(
                {
                    "ts": int(start),
                    "until": int(start) + REFUSAL_WINDOW,
                    "ip": address,
                    "count": int(count),
                    "accounts": dict(sorted(tried.get(address, {}).items())[:20]),
                }
            )
    return found
