"""Scheduled pushes (`sched:` keys): kept in Redis, dispatched by beat with an atomic claim.

A schedule is `scheduled` until beat claims it (moved from `sched:due` to `sched:firing` by one
Lua call, so only one dispatcher ever gets it), then `fired` with the id of its push, or
`missed` when it came due more than the grace period ago (everything was down), or `failed`
when its push could not be created; `cancelled` by staff.

A schedule is frozen: its options carry the issue version it was confirmed with, and the push
it starts renders that version. When the issue's current version differs at the due time, the
schedule is `held` ("issue changed since it was scheduled") until a publisher confirms the new
version (confirm_version) or cancels it, so no edit slips into what a publisher approved.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

import redis

from bot.publishing.state import PushError, now_iso

log = logging.getLogger(__name__)

DUE = "sched:due"  # schedule id -> epoch it is due
FIRING = "sched:firing"  # schedule id -> epoch a dispatcher claimed it
# A claimed schedule whose dispatcher died is taken up again after this many seconds.
FIRING_STALE = 30

_CLAIM = """
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 50)) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[1], id)
    redis.call('HSET', 'sched:' .. id, 'state', 'firing')
    table.insert(out, id)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1] - ARGV[2])) do
  redis.call('ZADD', KEYS[2], ARGV[1], id)
  table.insert(out, id)
end
return out
"""
HELD_NOTE = "issue changed since it was scheduled"

# Change a schedule only while it is still waiting (not claimed, fired or cancelled); a held
# one may only be cancelled (or confirmed again, below).
_IF_SCHEDULED = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'scheduled' and not (state == 'held' and ARGV[1] == 'cancel') then return 0 end
if ARGV[1] == 'cancel' then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'updated_at', ARGV[2])
else
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
  redis.call('HSET', KEYS[1], 'at', ARGV[1], 'updated_at', ARGV[2])
end
return 1
"""


# A publisher confirmed the issue's version again: the schedule waits for its time once more
# (at once when that has passed while it was held). ARGV: options JSON, at, now-iso, id.
_CONFIRM = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'scheduled' and state ~= 'held' then return 0 end
redis.call('HSET', KEYS[1], 'options', ARGV[1], 'state', 'scheduled', 'at', ARGV[2],
           'updated_at', ARGV[3], 'note', '')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[4])
return 1
"""


def _key(sched_id: str) -> str:
    return f"sched:{sched_id}"


def create(r: redis.Redis, number: int, at: datetime, options: dict, by: str = "") -> dict:
    """Store a schedule for issue `number` at `at` (aware datetime) with the push's options."""
    sched_id = f"s{r.incr('sched:seq')}"
    record = {
        "id": sched_id,
        "number": number,
        "at": at.timestamp(),
        "options": json.dumps(options),
        "state": "scheduled",
        "by": by,
        "created_at": now_iso(),
    }
    pipe = r.pipeline()
    pipe.hset(_key(sched_id), mapping={k: str(v) for k, v in record.items()})
    pipe.zadd(DUE, {sched_id: at.timestamp()})
    pipe.zadd("sched:all", {sched_id: at.timestamp()})
    pipe.execute()
    log.info("schedule %s: issue %s at %s", sched_id, number, at.isoformat())
    return get(r, sched_id)


def get(r: redis.Redis, sched_id: str) -> dict | None:
    raw = r.hgetall(_key(sched_id))
    if not raw:
        return None
    raw["options"] = json.loads(raw.get("options") or "{}")
    raw["at"] = float(raw["at"])
    raw["number"] = int(raw["number"])
    return raw


def list_all(r: redis.Redis, include_finished: bool = False) -> list[dict]:
    """Schedules by due time; only those still waiting (or held) unless include_finished."""
    items = [get(r, sid) for sid in r.zrange("sched:all", 0, -1)]
    waiting = ("scheduled", "held")
    return [s for s in items if s and (include_finished or s["state"] in waiting)]


def reschedule(r: redis.Redis, sched_id: str, at: datetime) -> None:
    if not r.eval(_IF_SCHEDULED, 2, _key(sched_id), DUE, at.timestamp(), now_iso(), sched_id):
        raise PushError(f"schedule {sched_id} is not waiting any more ({_state(r, sched_id)})")
    r.zadd("sched:all", {sched_id: at.timestamp()})


def cancel(r: redis.Redis, sched_id: str) -> None:
    if not r.eval(_IF_SCHEDULED, 2, _key(sched_id), DUE, "cancel", now_iso(), sched_id):
        raise PushError(f"schedule {sched_id} is not waiting any more ({_state(r, sched_id)})")
    log.info("schedule %s cancelled", sched_id)


def current_version(r: redis.Redis, number: int) -> int | None:
    """The issue's current version number (None when it has none)."""
    from bot.newsletter import store

    current = store.issue_meta(r, number).get("current")
    return int(current) if current else None


def issue_changed(r: redis.Redis, sched: dict) -> bool:
    """True when the issue is no longer the version the schedule was confirmed with."""
    version = sched["options"].get("version")
    return version is not None and current_version(r, sched["number"]) != int(version)


def confirm_version(r: redis.Redis, sched_id: str, version: int, now: float | None = None) -> None:
    """Approve `version` (the one the publisher reviewed) for a waiting or held schedule."""
    sched = get(r, sched_id)
    if sched is None:
        raise PushError(f"there is no schedule {sched_id}")
    if current_version(r, sched["number"]) != version:
        raise PushError(
            f"issue {sched['number']} changed again (now version "
            f"{current_version(r, sched['number'])}); review the difference once more"
        )
    now = time.time() if now is None else now
    options = json.dumps({**sched["options"], "version": version})
    at = max(sched["at"], now)
    keys = (_key(sched_id), DUE, "sched:all")
    if not r.eval(_CONFIRM, 3, *keys, options, at, now_iso(), sched_id):
        raise PushError(f"schedule {sched_id} is not waiting any more ({_state(r, sched_id)})")
    log.info("schedule %s: issue %s version %s confirmed", sched_id, sched["number"], version)


def _state(r: redis.Redis, sched_id: str) -> str:
    return r.hget(_key(sched_id), "state") or "unknown id"


def scheduled_broadcasts(r: redis.Redis, exclude: str = "") -> list[float]:
    """Due times of the waiting schedules that broadcast (for the quota check)."""
    return [s["at"] for s in list_all(r) if s["options"].get("broadcast") and s["id"] != exclude]


def dispatch_due(
    r: redis.Redis, fire: Callable[[dict, str], str], grace: float, now: float | None = None
) -> list[str]:
    """Claim the due schedules and fire each once (`fire(schedule, push_id)`); ids handled."""
    now = time.time() if now is None else now
    handled = []
    for sched_id in r.eval(_CLAIM, 2, DUE, FIRING, now, FIRING_STALE):
        sched = get(r, sched_id)
        if sched is None:
            r.zrem(FIRING, sched_id)
            continue
        late = now - sched["at"]
        if late > grace and not sched.get("push_id"):
            _finish(r, sched_id, "missed", note=f"due {int(late)} s ago, beyond the grace period")
            log.warning("schedule %s missed: due %d s ago (grace %d s)", sched_id, late, grace)
        elif not sched.get("push_id") and issue_changed(r, sched):
            _finish(r, sched_id, "held", note=HELD_NOTE)
            log.warning("schedule %s held: %s", sched_id, HELD_NOTE)
        else:
            # The push id is fixed before the push exists, so a retried dispatch makes no second.
            r.hsetnx(_key(sched_id), "push_id", f"p{r.incr('push:seq')}")
            push_id = r.hget(_key(sched_id), "push_id")
            try:
                fire(sched, push_id)
                _finish(r, sched_id, "fired", fired_at=now_iso())
            except PushError as exc:
                _finish(r, sched_id, "failed", note=str(exc))
                log.error("schedule %s failed: %s", sched_id, exc)
        handled.append(sched_id)
    return handled


def _finish(r: redis.Redis, sched_id: str, state: str, **values: str) -> None:
    pipe = r.pipeline()
    pipe.hset(_key(sched_id), mapping={"state": state, "updated_at": now_iso(), **values})
    pipe.zrem(FIRING, sched_id)
    pipe.execute()
