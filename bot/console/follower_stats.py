"""Figures about followers for the console, read from the followers part's records."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis

DAY = 86400


def _follower_hashes(r: redis.Redis) -> list[dict[str, str]]:
    """Every follower record (`follower:<openid>` hashes; their sub-keys and indexes skipped)."""
    keys = [key for key in r.scan_iter(match="follower:*", count=1000) if key.count(":") == 1]
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
    hashes = [key for key, kind in zip(keys, pipe.execute(), strict=True) if kind == "hash"]
    for key in hashes:
        pipe.hgetall(key)
    return [data for data in pipe.execute() if data]


def follower_figures(r: redis.Redis, tz: ZoneInfo, days: int = 30) -> dict:
    """Active count, count at the end of each of the last `days` days, and languages."""
    records = _follower_hashes(r)
    active = [d for d in records if d.get("status", "active") == "active"]
    languages = Counter(d.get("language") or "unknown" for d in active)
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    series = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        end = (day + timedelta(days=1)).timestamp()
        count = 0
        for d in records:
            joined = float(d.get("subscribed_at") or 0)
            left = float(d.get("unsubscribed_at") or 0)
            gone = d.get("status") == "gone" and left and left < end
            if joined < end and not gone:
                count += 1
        series.append((day.strftime("%m-%d"), count))
    return {
        "active": len(active),
        "gone": len(records) - len(active),
        "languages": languages.most_common(),
        "series": series,
    }


def chart_points(series: list[tuple[str, int]], width: int = 600, height: int = 160) -> dict:
    """SVG coordinates of a line chart of the series (with room for labels)."""
    top = max((count for _, count in series), default=0) or 1
    left, bottom, inner_w, inner_h = 40, height - 20, width - 50, height - 30
    step = inner_w / max(len(series) - 1, 1)
    points = [
        (round(left + i * step, 1), round(bottom - count / top * inner_h, 1))
        for i, (_, count) in enumerate(series)
    ]
    labels = [(points[i][0], series[i][0]) for i in range(0, len(series), max(len(series) // 6, 1))]
    return {
        "width": width,
        "height": height,
        "polyline": " ".join(f"{x},{y}" for x, y in points),
        "labels": labels,
        "top": top,
        "left": left,
        "bottom": bottom,
        "y_top": bottom - inner_h,
    }


def reminder_figures(r: redis.Redis, limit: int = 10) -> dict:
    """How many reminders wait, and the next ones due."""
    from bot.followers import reminders

    upcoming = []
    for member, due in r.zrange(reminders.DUE_KEY, 0, limit - 1, withscores=True):
        openid, _, reminder_id = member.partition("|")
        reminder = reminders.get(r, openid, reminder_id)
        upcoming.append({"due": due, "title": reminder.title if reminder else reminder_id})
    return {
        "due": r.zcard(reminders.DUE_KEY),
        "next_issue": r.zcard(reminders.NEXT_ISSUE_KEY),
        "held": r.scard(reminders.HELD_SET),
        "upcoming": upcoming,
        "now": time.time(),
    }
