"""The account's mass-send quota, counted from our own sends and scheduled broadcasts.

WeChat answers 45028 when the quota is spent but offers no call to read what is left, so we count.
A subscription account gets 1 mass send a day (to all or to a tag). A service account sends to
all followers at most once a day and 4 times a month; tag sends are not counted against those
(WeChat instead skips each follower who already got 4 that month). Days and months are WeChat's,
in Beijing time, whatever TIMEZONE says. Sends made in WeChat's own web console are not counted
here: the bot cannot see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from bot.clock import people_time
from config import Settings

BEIJING = ZoneInfo("Asia/Shanghai")
SENDS = "push:masssends"  # msg_id (or push id) -> epoch of each mass send the bot made
SENDS_TO_ALL = "push:masssends:all"  # the same, for sends to all followers only


@dataclass
class Quota:
    """What is left of the mass-send quota at `at`, and when the next send is possible."""

    period: str  # "day", "month", or "none" (tag sends of a service account)
    limit: int | None
    used: int
    next_free: datetime | None  # when a send is possible again, when none is left

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    def describe(self) -> str:
        if self.limit is None:
            return "tag sends are not limited per account (each follower gets at most 4 a month)"
        unit = "today" if self.period == "day" else "this month"
        text = f"{self.remaining} of {self.limit} mass sends left {unit} (Beijing time)"
        if self.next_free and not self.remaining:
            text += f"; next free slot {_beijing_time(self.next_free)} (Beijing time)"
        return text


def _bounds(at: datetime, unit: str) -> tuple[datetime, datetime]:
    local = at.astimezone(BEIJING)
    if unit == "month":
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return start, (start + timedelta(days=32)).replace(day=1)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def _used(r: redis.Redis, key: str, bounds, scheduled: list[float]) -> int:
    lo, hi = bounds[0].timestamp(), bounds[1].timestamp()
    return r.zcount(key, lo, f"({hi}") + sum(1 for t in scheduled if lo <= t < hi)


def quota_at(
    r: redis.Redis,
    settings: Settings,
    at: datetime,
    scheduled: list[tuple[float, bool]],
    to_all: bool = True,
) -> Quota:
    """The quota at `at` for a send to all (or to a tag), counting sends made and `scheduled`
    (due time, to all) sends."""
    if settings.WECHAT_ACCOUNT_TYPE != "service":
        day = _bounds(at, "day")
        used = _used(r, SENDS, day, [t for t, _ in scheduled])
        return Quota("day", 1, used, day[1] if used >= 1 else None)
    if not to_all:
        return Quota("none", None, 0, None)
    times = [t for t, everyone in scheduled if everyone]
    month = _bounds(at, "month")
    used_month = _used(r, SENDS_TO_ALL, month, times)
    if used_month >= 4:
        return Quota("month", 4, used_month, month[1])
    day = _bounds(at, "day")
    used_day = _used(r, SENDS_TO_ALL, day, times)
    return Quota("day", 1, used_day, day[1] if used_day >= 1 else None)


def next_slot_after_refusal(r: redis.Redis, settings: Settings, at: datetime, to_all: bool) -> str:
    """When to try again after WeChat said 45028 at `at` (it counted sends we cannot see)."""
    left = quota_at(r, settings, at, [], to_all)
    moment = left.next_free or _bounds(at, "day")[1]
    return f"{_beijing_time(moment)} Beijing time"


def _beijing_time(moment: datetime) -> str:
    return people_time(moment, BEIJING, seconds=False)


def record_send(r: redis.Redis, send_id: str, when: float, to_all: bool = True) -> None:
    """Count one mass send, once however often it is reported (by WeChat's msg_id)."""
    r.zadd(SENDS, {send_id: when}, nx=True)
    if to_all:
        r.zadd(SENDS_TO_ALL, {send_id: when}, nx=True)
