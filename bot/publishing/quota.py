"""The account's mass-send quota, counted from our own sends and scheduled broadcasts.

WeChat answers 45028 when the quota is spent but offers no call to read what is left, so we count:
a subscription account gets 1 mass send a calendar day, a service account 4 a calendar month
(per follower; we count the sends), days and months in Beijing time (WeChat's), i.e. TIMEZONE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import redis

from config import Settings

SENDS = "push:masssends"  # msg_id (or push id) -> epoch of each mass send the bot made


@dataclass
class Quota:
    """What is left of the mass-send quota in the period holding `at`, and when it frees."""

    period: str  # "day" or "month"
    limit: int
    used: int
    next_free: datetime | None  # start of the next period when none is left

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def describe(self) -> str:
        unit = "today" if self.period == "day" else "this month"
        text = f"{self.remaining} of {self.limit} mass sends left {unit}"
        if self.next_free and not self.remaining:
            text += f"; next free slot {self.next_free:%Y-%m-%d %H:%M} ({self.next_free.tzinfo})"
        return text


def _period(settings: Settings, at: datetime) -> tuple[str, int, datetime, datetime]:
    local = at.astimezone(settings.tz)
    if settings.WECHAT_ACCOUNT_TYPE == "service":
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=32)).replace(day=1)
        return "month", 4, start, end
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return "day", 1, start, start + timedelta(days=1)


def quota_at(r: redis.Redis, settings: Settings, at: datetime, scheduled: list[float]) -> Quota:
    """The quota of the period holding `at`, counting sends made and `scheduled` send times."""
    period, limit, start, end = _period(settings, at)
    lo, hi = start.timestamp(), end.timestamp()
    used = r.zcount(SENDS, lo, f"({hi}") + sum(1 for t in scheduled if lo <= t < hi)
    return Quota(period, limit, used, end if used >= limit else None)


def record_send(r: redis.Redis, send_id: str, when: float) -> None:
    """Count one mass send, once however often it is reported (by WeChat's msg_id)."""
    r.zadd(SENDS, {send_id: when}, nx=True)
